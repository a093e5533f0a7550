package org.jalloc.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    static final Set<String> LOST = Set.of("GC-2", "GC-3", "GC-6", "GC-10");

    private static GcFuzzFailure findAndShrink(String name, Supplier<Collector> broken, String real) {
        CollectorFactory planted = CollectorFactory.of(name, null, HEAP, broken);
        GcFuzzReport r = new GcFuzz(planted).opsPerSequence(1000).run(19, 20_000, null);
        assertFalse(r.failures().isEmpty(), name + ": the missing barrier went unnoticed in " + r.sequences() + " sequences");
        GcFuzzFailure f = r.failures().get(0);
        System.out.println(name + " without its barrier: sequence seed " + f.seed() + ", shrunk from " + f.originalOps() + " to "
                + f.ops().size() + " ops, signature " + f.signature() + "\n" + f.replay() + f.message().lines().limit(3).reduce("", (a, b) -> a + b + "\n"));
        assertTrue(f.ops().size() <= 30, "shrunk to " + f.ops().size() + " ops:\n" + f.replay());
        GcFuzzReport again = new GcFuzz(planted).replay(GcOp.parseAll(f.replay()));
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
