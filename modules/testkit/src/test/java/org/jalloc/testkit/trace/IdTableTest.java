package org.jalloc.testkit.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

/** The id table against a map: dense and sparse ids, deletion by backward shift, ascending iteration. */
class IdTableTest {
    @Test
    void agreesWithAMapUnderRandomSetsAndClears() {
        SplittableRandom r = new SplittableRandom(15);
        IdTable t = new IdTable(16);
        Map<Integer, long[]> model = new HashMap<>();
        int[] pool = new int[3000];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = r.nextInt(4) == 0 ? r.nextInt(IdTable.DENSE_IDS) : IdTable.DENSE_IDS + r.nextInt(Integer.MAX_VALUE - IdTable.DENSE_IDS);
        }
        for (int step = 0; step < 200_000; step++) {
            int id = pool[r.nextInt(pool.length)];
            if (r.nextInt(3) == 0) {
                t.set(id, 0, 0);
                model.remove(id);
            } else {
                long a = 1 + r.nextInt(1 << 20);
                long b = r.nextInt(1000);
                t.set(id, a, b);
                model.put(id, new long[] {a, b});
            }
            int probe = pool[r.nextInt(pool.length)];
            long[] v = model.get(probe);
            assertEquals(v == null ? 0 : v[0], t.first(probe), "step " + step + " id " + probe);
            assertEquals(v == null ? 0 : v[1], t.second(probe), "step " + step + " id " + probe);
        }
        TreeMap<Integer, long[]> sorted = new TreeMap<>(model);
        List<Integer> seen = new ArrayList<>();
        t.forEachSet((id, a, b) -> {
            seen.add(id);
            assertEquals(sorted.get(id)[0], a);
        });
        assertEquals(new ArrayList<>(sorted.keySet()), seen, "every set id, ascending");
    }

    @Test
    void theHashTableFollowsTheLiveIdsNotEveryIdEverSet() {
        IdTable t = new IdTable(16);
        for (int i = 0; i < 1_000_000; i++) {
            int id = 100_000_000 + i;
            t.set(id, 4096 + i, 16);
            if (i >= 1000) {
                t.set(id - 1000, 0, 0);
            }
        }
        assertTrue(t.sparseCapacity() <= 4096, "1000 live ids need a few thousand slots, not " + t.sparseCapacity());
        assertEquals(4096 + 999_999, t.first(100_999_999));
        assertEquals(0, t.first(100_000_000));
    }
}
