package org.jalloc.testkit.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The real-program patterns: exact length, balance, determinism, and the size profiles their docs promise. */
class ProgramTracesTest {
    @Test
    void theGeneratorOffersThem() {
        assertTrue(TraceGenerator.PATTERNS.containsAll(ProgramTraces.PATTERNS));
        assertThrows(IllegalArgumentException.class, () -> ProgramTraces.generate("larson", 100, 1));
    }

    @Test
    void everyLengthFromOneIsExactAndBalanced() {
        for (String pattern : ProgramTraces.PATTERNS) {
            for (int ops : new int[] {1, 2, 3, 7, 16, 101, 2000}) {
                Trace t = TraceGenerator.generate(pattern, ops, ops);
                assertEquals(ops, t.ops().size(), pattern + " " + ops);
                Map<Integer, Long> live = new HashMap<>();
                long now = 0;
                long peak = 0;
                for (Op op : t.ops()) {
                    switch (op.kind()) {
                        case 'a' -> {
                            assertTrue(live.put(op.id(), op.size()) == null, pattern + ": allocation into a live id " + op);
                            now += op.size();
                        }
                        case 'r' -> {
                            Long old = live.put(op.id(), op.size());
                            assertTrue(old != null, pattern + ": realloc of a dead id " + op);
                            now += op.size() - old;
                        }
                        case 'f' -> {
                            if (op.id() >= 0) {
                                Long old = live.remove(op.id());
                                assertTrue(old != null, pattern + ": free of a dead id " + op);
                                now -= old;
                            }
                        }
                        default -> throw new AssertionError(pattern + ": unexpected op " + op);
                    }
                    peak = Math.max(peak, now);
                }
                assertTrue(live.isEmpty(), pattern + " " + ops + " ends balanced");
                assertEquals(peak, t.hint(), pattern + ": the header's hint is the peak live request");
            }
        }
    }

    @Test
    void mostRequestsAreSmallAndTheBrowserAlsoAsksForLargeOnes() {
        for (String pattern : ProgramTraces.PATTERNS) {
            Trace t = TraceGenerator.generate(pattern, 50_000, 3);
            long small = t.ops().stream().filter(o -> o.kind() == 'a' && o.size() <= 128).count();
            long all = t.ops().stream().filter(o -> o.kind() == 'a').count();
            assertTrue(small >= 0.7 * all, pattern + ": " + small + " of " + all + " requests are at most 128 bytes");
            assertEquals(t.ops(), TraceGenerator.generate(pattern, 50_000, 3).ops(), pattern + " is deterministic");
        }
        Trace browser = TraceGenerator.generate("browser", 50_000, 3);
        assertTrue(browser.ops().stream().anyMatch(o -> o.kind() == 'a' && o.size() >= 8192), "images and scripts");
    }
}
