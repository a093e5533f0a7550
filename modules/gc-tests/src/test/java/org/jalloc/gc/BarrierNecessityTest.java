package org.jalloc.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.function.Supplier;

import org.jalloc.testkit.gc.CollectorFactory;
import org.jalloc.testkit.gc.GcFuzz;
import org.jalloc.testkit.gc.GcFuzzFailure;
import org.jalloc.testkit.gc.GcFuzzReport;
import org.jalloc.testkit.gc.GcOp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each barrier is necessary: switched off (a package-private test switch), gc-fuzz finds the object it loses and
 * shrinks the failure to a short replayable list (at most 30 operations), which passes on the real collector.
 *
 * <p>Two ways for each: with the collector's own invariant checks on, the first thing to break is the barrier's
 * invariant (GC-9 remembered set, GC-12 strong tri-colour, GC-13 snapshot); with them off, as an unchecked program
 * would run, the oracle and the reference checks find the lost object itself (GC-3: a reachable object gone, or
 * GC-2: a field naming freed memory).
 */
class BarrierNecessityTest {
    static final long HEAP = 256 << 10;
    static final long SEED = 19;
    /** Sequences of 1,000 operations tried before giving up (the broken barriers are found within the first 130). */
    static final int SEQUENCES = 200;
    static final Set<String> LOST = Set.of("GC-2", "GC-3", "GC-6", "GC-10");

    private static GcFuzzFailure findAndShrink(String name, Supplier<Collector> broken, String real) {
        CollectorFactory planted = CollectorFactory.of(name, null, HEAP, broken);
        GcFuzz fuzz = new GcFuzz(planted).opsPerSequence(1000).checkEvery(1); // a check after every operation
        GcFuzzFailure f = null;
        int sequence = 0;
        while (f == null && sequence < SEQUENCES) {
            f = fuzz.runSequence(SEED + sequence++); // the first failing sequence, shrunk
        }
        assertNotNull(f, name + ": the missing barrier went unnoticed in " + SEQUENCES + " sequences");
        System.out.println(name + " without its barrier: found in sequence " + sequence + ", seed " + f.seed() + ", shrunk from " + f.originalOps() + " to "
                + f.ops().size() + " ops, signature " + f.signature() + "\n" + f.replay() + f.message().lines().limit(3).reduce("", (a, b) -> a + b + "\n"));
        assertTrue(f.ops().size() <= 30, "shrunk to " + f.ops().size() + " ops:\n" + f.replay());
        GcFuzzReport again = fuzz.replay(GcOp.parseAll(f.replay()));
        assertEquals(1, again.failures().size(), "the shrunk list replays the failure");
        assertEquals(f.signature(), again.failures().get(0).signature());
        assertTrue(new GcFuzz(CollectorFactory.of(real, null, HEAP)).replay(f.ops()).failures().isEmpty(),
                "the same operations pass on the real collector");
        return f;
    }

    private static boolean lostObject(GcFuzzFailure f) {
        for (String id : f.signature().split(",")) {
            if (LOST.contains(id)) {
                return true;
            }
        }
        return false;
    }

    private static Supplier<Collector> generational(String remset, boolean verify) {
        return () -> {
            GenerationalCollector g = (GenerationalCollector) Collectors.create("generational:checked=on,remset=" + remset, null, HEAP);
            g.fault = GenerationalCollector.Fault.NO_BARRIER;
            g.verifyRemembered = verify;
            return g;
        };
    }

    private static Supplier<Collector> incremental(String barrier, boolean verify) {
        return () -> {
            IncrementalCollector c = (IncrementalCollector) Collectors.create("incremental:checked=on,step=8,barrier=" + barrier, null, HEAP);
            c.fault = IncrementalCollector.Fault.NO_BARRIER;
            c.verifyColours = verify;
            return c;
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"dijkstra", "yuasa"})
    void incrementalWithoutItsBarrierBreaksTheTriColourInvariant(String barrier) {
        String spec = "incremental:step=8,barrier=" + barrier;
        GcFuzzFailure f = findAndShrink(spec, incremental(barrier, true), spec);
        assertTrue(f.signature().contains(barrier.equals("dijkstra") ? "GC-12" : "GC-13") || f.signature().contains("GC-14"), f.signature());
    }

    @ParameterizedTest
    @ValueSource(strings = {"dijkstra", "yuasa"})
    void incrementalWithoutItsBarrierSweepsAReachableObject(String barrier) {
        String spec = "incremental:step=8,barrier=" + barrier;
        GcFuzzFailure f = findAndShrink(spec, incremental(barrier, false), spec);
        assertTrue(lostObject(f), f.signature());
    }

    /** The marker driven deterministically: its units of work are the sequence's S operations, on the one thread. */
    private static Supplier<Collector> concurrent(boolean verify) {
        return () -> {
            ConcurrentCollector c = (ConcurrentCollector) Collectors.create("concurrent:checked=on,marker=steps,step=16", null, HEAP);
            c.fault = ConcurrentCollector.Fault.NO_BARRIER;
            c.verifyColours = verify;
            return c;
        };
    }

    @org.junit.jupiter.api.Test
    void concurrentWithoutItsBarrierBreaksTheSnapshotInvariant() {
        String spec = "concurrent:marker=steps,step=16";
        GcFuzzFailure f = findAndShrink(spec, concurrent(true), spec);
        assertTrue(f.signature().contains("GC-13") || f.signature().contains("GC-14"), f.signature());
    }

    @org.junit.jupiter.api.Test
    void concurrentWithoutItsBarrierSweepsAReachableObject() {
        String spec = "concurrent:marker=steps,step=16";
        GcFuzzFailure f = findAndShrink(spec, concurrent(false), spec);
        assertTrue(lostObject(f), f.signature());
    }

    @ParameterizedTest
    @ValueSource(strings = {"cards", "ssb"})
    void generationalWithoutItsBarrierBreaksTheRememberedSet(String remset) {
        GcFuzzFailure f = findAndShrink("generational:remset=" + remset, generational(remset, true), "generational:remset=" + remset);
        assertTrue(f.signature().contains("GC-9"), f.signature());
    }

    @ParameterizedTest
    @ValueSource(strings = {"cards", "ssb"})
    void generationalWithoutItsBarrierLosesAnObject(String remset) {
        GcFuzzFailure f = findAndShrink("generational:remset=" + remset, generational(remset, false), "generational:remset=" + remset);
        assertTrue(lostObject(f), f.signature());
    }
}
