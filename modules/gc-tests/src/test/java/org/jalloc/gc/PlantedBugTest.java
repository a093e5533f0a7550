package org.jalloc.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jalloc.testkit.gc.CollectorFactory;
import org.jalloc.testkit.gc.GcFuzz;
import org.jalloc.testkit.gc.GcFuzzFailure;
import org.jalloc.testkit.gc.GcFuzzReport;
import org.jalloc.testkit.gc.GcOp;
import org.junit.jupiter.api.Test;

/**
 * A bug planted on purpose — LISP2 compaction that forgets to update the root slots — is caught by gc-fuzz and
 * shrunk to a short replayable operation list; the same operations pass on the real collector.
 */
class PlantedBugTest {
    static final long SEED = 17;
    static final long HEAP = 256 << 10;

    private static CollectorFactory planted() {
        return CollectorFactory.of("mark-compact", null, HEAP, () -> {
            MarkCompactCollector c = (MarkCompactCollector) Collectors.create("mark-compact:checked=on", null, HEAP);
            c.fault = MarkCompactCollector.Fault.SKIP_ROOT_UPDATE;
            return c;
        });
    }

    @Test
    void compactionThatForgetsTheRootsIsCaughtAndShrunkToAFewOperations() {
        GcFuzzReport r = new GcFuzz(planted()).opsPerSequence(1000).run(SEED, 3000, null);
        assertTrue(!r.failures().isEmpty(), "the planted bug went unnoticed in " + r.sequences() + " sequences");
        GcFuzzFailure f = r.failures().get(0);
        System.out.println("planted bug (mark-compact skips the root update): seed " + SEED + ", sequence seed " + f.seed()
                + ", shrunk from " + f.originalOps() + " to " + f.ops().size() + " ops, signature " + f.signature() + "\n" + f.replay());
        assertTrue(f.ops().size() <= 30, "shrunk to " + f.ops().size() + " ops:\n" + f.replay());
        // The shrunk list replays: it fails the same way on the planted collector and passes on the real one.
        GcFuzzReport again = new GcFuzz(planted()).replay(GcOp.parseAll(f.replay()));
        assertEquals(1, again.failures().size());
        assertEquals(f.signature(), again.failures().get(0).signature());
        assertTrue(new GcFuzz(CollectorFactory.of("mark-compact", null, HEAP)).replay(f.ops()).failures().isEmpty());
    }

    @Test
    void theFuzzerRunsRealWork() {
        GcFuzzReport r = new GcFuzz(CollectorFactory.of("mark-compact", null, HEAP)).opsPerSequence(1000).run(3, 20_000, null);
        assertTrue(r.failures().isEmpty(), r.failures().toString());
        assertEquals(20, r.sequences());
        System.out.println("mark-compact, 20 sequences of 1000 ops: " + r.collections() + " collections, " + r.checks() + " checks, "
                + r.seconds() + " s");
        assertTrue(r.collections() >= 40, "collections: " + r.collections());
        assertTrue(r.checks() >= r.collections(), "checks: " + r.checks());
    }
}
