package org.jalloc.testkit.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Delta debugging (Zeller's ddmin) over an op list: removes ever smaller chunks while the failure persists, then
 * single ops, within a budget of test runs.
 */
public final class Shrinker {
    private Shrinker() {}

    public static <T> List<T> shrink(List<T> failing, Predicate<List<T>> fails, int budget) {
        List<T> current = new ArrayList<>(failing);
        int runs = 0;
        int n = 2;
        while (current.size() >= 2 && runs < budget) {
            int chunk = (current.size() + n - 1) / n;
            boolean reduced = false;
            for (int start = 0; start < current.size() && runs < budget; start += chunk) {
                List<T> candidate = new ArrayList<>(current.subList(0, start));
                candidate.addAll(current.subList(Math.min(current.size(), start + chunk), current.size()));
                runs++;
                if (fails.test(candidate)) {
                    current = candidate;
                    n = Math.max(n - 1, 2);
                    reduced = true;
                    break;
                }
            }
            if (!reduced) {
                if (n >= current.size()) {
                    break;
                }
                n = Math.min(current.size(), n * 2);
            }
        }
        for (int i = current.size() - 1; i >= 0 && runs < budget && current.size() > 1; i--) {
            List<T> candidate = new ArrayList<>(current);
            candidate.remove(i);
            runs++;
            if (fails.test(candidate)) {
                current = candidate;
            }
        }
        return current;
    }
}
