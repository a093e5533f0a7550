package org.jalloc.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.gc.inspect.GcInspector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What makes {@code incremental} incremental: bounded steps interleaved with the mutator, the barrier protecting an
 * object the mutator moves behind the marker, allocation black, sweeping in steps, a cycle finished at once when the
 * space runs out, and its statistics.
 */
class IncrementalTest {
    private static void assertClean(Collector c) {
        List<Violation> v = new HeapChecker().check(GcInspector.of(c).heapWalk());
        assertTrue(v.isEmpty(), () -> "heap check failed: " + v);
    }

    private static long objects(Collector c) {
        long[] n = {0};
        GcInspector.of(c).forEachObject((a, size, type, length, pending) -> {
            n[0] += pending ? 0 : 1;
            return true;
        });
        return n[0];
    }

    /** A list of {@code n} nodes in slot 0 of a fresh frame, node i's data holding i. */
    private static void list(Mutator m, int node, int n) {
        for (int i = 0; i < n; i++) {
            long x = m.allocate(node);
            m.setRef(x, 0, m.local(0));
            m.putLong(x, 0, i);
            m.setLocal(0, x);
        }
    }

    @Test
    void aCycleIsManyBoundedStepsInterleavedWithTheMutator() {
        try (IncrementalCollector c = (IncrementalCollector) Collectors.create("incremental:gogc=off,step=100,checked=on", 4 << 20)) {
            int node = c.types().define("node", 1, 8);
            Mutator m = c.mutator();
            m.pushFrame(2);
            list(m, node, 5_000);
            for (int i = 0; i < 3_000; i++) {
                m.setLocal(1, m.allocate(node)); // garbage
            }
            c.step(); // the cycle starts: the roots are shaded
            int marking = 0;
            while (c.phase == IncrementalCollector.Phase.MARK) {
                c.step();
                marking++;
                m.setLocal(1, m.allocate(node)); // the mutator runs between steps (allocating black)
                assertClean(c); // the checker between steps: GC-12, GC-15 and the rest
            }
            assertTrue(marking >= 5_000 / 100, "5,000 live objects at 100 per step take at least 50 steps: " + marking);
            int sweeping = 0;
            while (c.phase == IncrementalCollector.Phase.SWEEP) {
                c.step();
                sweeping++;
            }
            assertTrue(sweeping >= 8_000 / 100, "8,000 objects swept at 100 per step: " + sweeping);
            IncrementalStats s = IncrementalStats.of(c);
            assertEquals(1, s.cycles(), s.toString());
            assertEquals(marking + sweeping + 1, s.stepPauseNanos().length, s.toString());
            assertEquals(s.markSteps(), marking);
            assertEquals(1, m.stats().collections(), "a cycle is one collection");
            long x = m.local(0);
            for (int i = 4_999; i >= 0; i--) {
                assertEquals(i, m.getLong(x, 0));
                x = m.getRef(x, 0);
            }
            assertTrue(objects(c) >= 5_000 && objects(c) <= 5_000 + marking + 1, "the list and at most the black garbage born while marking");
            assertClean(c);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dijkstra", "yuasa"})
    void theBarrierKeepsAnObjectTheMutatorMovesBehindTheMarker(String barrier) {
        try (IncrementalCollector c = (IncrementalCollector) Collectors.create("incremental:gogc=off,step=1,checked=on,barrier=" + barrier, 1 << 20)) {
            int node = c.types().define("node", 1, 8);
            Mutator m = c.mutator();
            m.pushFrame(3);
            m.setLocal(0, m.allocate(node)); // p -> w, p a root
            m.setRef(m.local(0), 0, m.allocate(node));
            m.putLong(m.getRef(m.local(0), 0), 0, 77);
            m.setLocal(1, m.allocate(node)); // b, another root
            c.step(); // roots shaded: p, b gray
            c.step(); // b scanned first (pushed last): black
            m.setRef(m.local(1), 0, m.getRef(m.local(0), 0)); // b.f = w: white stored into black (Dijkstra shades w)
            m.setRef(m.local(0), 0, 0); // p.f = NULL: the only other path to w deleted (Yuasa shades w)
            while (c.phase != IncrementalCollector.Phase.IDLE) {
                c.step();
                assertClean(c);
            }
            long w = m.getRef(m.local(1), 0);
            assertNotEquals(0, w);
            assertEquals(77, m.getLong(w, 0), "w survived the cycle with its data");
            assertTrue(IncrementalStats.of(c).barrierShades() >= 1, IncrementalStats.of(c).toString());
        }
    }

    @Test
    void objectsBornDuringACycleAreBlackSoTheCycleNeverSweepsThem() {
        try (IncrementalCollector c = (IncrementalCollector) Collectors.create("incremental:gogc=off,step=1,checked=on", 1 << 20)) {
            int node = c.types().define("node", 1, 8);
            Mutator m = c.mutator();
            m.pushFrame(1);
            list(m, node, 10);
            c.step();
            m.allocate(node); // garbage at once, but born black: floating garbage of this cycle
            while (c.phase != IncrementalCollector.Phase.IDLE) {
                c.step();
            }
            assertEquals(11, objects(c), "the black newborn survived its cycle");
            m.collect(); // a full collection: complete
            assertEquals(10, objects(c));
            assertClean(c);
        }
    }

    @Test
    void sweepingInStepsLeavesPendingGarbageVisibleToTools() {
        try (IncrementalCollector c = (IncrementalCollector) Collectors.create("incremental:gogc=off,step=10,checked=on", 1 << 20)) {
            int node = c.types().define("node", 1, 8);
            Mutator m = c.mutator();
            m.pushFrame(1);
            for (int i = 0; i < 100; i++) {
                m.allocate(node);
            }
            c.step();
            while (c.phase == IncrementalCollector.Phase.MARK) {
                c.step();
            }
            c.step(); // one sweep step: 10 of the 100 garbage objects freed
            long[] pending = {0};
            GcInspector.of(c).forEachObject((a, size, type, length, p) -> {
                pending[0] += p ? 1 : 0;
                return true;
            });
            assertEquals(90, pending[0]);
            assertClean(c);
            while (c.phase != IncrementalCollector.Phase.IDLE) {
                c.step();
            }
            assertEquals(0, objects(c));
        }
    }

    @Test
    void whenTheSpaceRunsOutTheCycleIsFinishedAtOnce() {
        try (IncrementalCollector c = (IncrementalCollector) Collectors.create("incremental:gogc=off,step=1,checked=on", 256 << 10)) {
            Mutator m = c.mutator();
            m.pushFrame(1);
            c.step(); // a cycle starts and stays unfinished: steps come only from step() here
            for (int i = 0; i < 400; i++) {
                assertNotEquals(0, m.allocateArray(Types.BYTE_ARRAY, 2_000), "allocation " + i); // 800 KB through 256 KB
            }
            IncrementalStats s = IncrementalStats.of(c);
            assertTrue(m.stats().collections() >= 2, m.stats().toString());
            assertClean(c);
            assertEquals("incremental:gogc=off,step=1,checked=on", c.name());
            assertTrue(s.stepPauseNanos().length >= 2, s.toString());
        }
    }

    @Test
    void optionsAreCheckedAndStatisticsAreOnlyForIncrementalCollectors() {
        assertThrows(IllegalArgumentException.class, () -> Collectors.create("incremental:step=0", 1 << 20));
        assertThrows(IllegalArgumentException.class, () -> Collectors.create("incremental:barrier=steele", 1 << 20));
        assertThrows(IllegalArgumentException.class, () -> Collectors.create("incremental:step-unit=pages", 1 << 20));
        try (Collector c = Collectors.create("mark-sweep", 1 << 20)) {
            assertThrows(IllegalArgumentException.class, () -> IncrementalStats.of(c));
        }
        try (Collector c = Collectors.create("incremental:barrier=yuasa,step=64K,step-unit=bytes", "segregated", 1 << 20)) {
            IncrementalStats s = IncrementalStats.of(c);
            assertEquals("yuasa", s.barrier());
            assertEquals(64 << 10, s.stepBudget());
            assertEquals("bytes", s.budgetUnit());
            assertEquals("segregated", Collectors.allocatorOf(c));
            assertEquals("idle", s.phase());
        }
    }
}
