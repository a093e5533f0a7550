package org.jalloc.freelist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jalloc.core.Allocator;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.core.Allocators;
import org.jalloc.core.spi.ForwardingAllocator;
import org.jalloc.core.ThreadSafety;
import org.jalloc.testkit.fuzz.ConcurrentFuzz;
import org.jalloc.testkit.fuzz.FuzzEngine;
import org.jalloc.testkit.fuzz.FuzzFailure;
import org.jalloc.testkit.fuzz.FuzzReport;
import org.jalloc.testkit.trace.Trace;
import org.jalloc.testkit.trace.TraceReplayer;
import org.junit.jupiter.api.Test;

/**
 * The fuzz engine itself, exercised on first-fit: it finds a planted bug, shrinks it to a short replayable trace
 * that still fails, and the concurrent engine checks a lock-wrapped first-fit at barriers.
 */
class FuzzEngineOnFreeListTest {
    /** first-fit with a bug: a realloc that moves the block forgets to copy byte 0 when the size is odd. */
    private static AllocatorFactory planted(long heapBytes) {
        return AllocatorFactory.of("planted", heapBytes, ThreadSafety.SINGLE_OWNER, heap -> new ForwardingAllocator(
                new FreeListAllocator(heap, FreeListAllocator.Coalescing.IMMEDIATE, "planted")) {
            @Override
            public long realloc(long address, long size) {
                long moved = delegate.realloc(address, size);
                if (moved != 0 && moved != address && (size & 1) == 1) {
                    heap().putByte(moved, (byte) ~heap().getByte(moved));
                }
                return moved;
            }
        });
    }

    @Test
    void findsAPlantedBugAndShrinksItToAShortReplayableTrace() {
        FuzzReport report = new FuzzEngine(planted(1 << 20)).opsPerSequence(300).run(3, 30_000, null);
        assertTrue(!report.failures().isEmpty(), "the planted bug was found");
        FuzzFailure f = report.failures().get(0);
        assertEquals("API-2", f.signature(), f.message());
        assertTrue(f.ops().size() <= 4, "shrunk to a few ops: " + f.ops());
        assertTrue(f.originalOps() >= f.ops().size());
        // The printed trace replays and fails the same way.
        Trace t = Trace.parse("shrunk.rep", f.trace());
        assertEquals(f.ops(), t.ops());
        var result = TraceReplayer.replay(t, planted(1 << 20), TraceReplayer.Options.correctnessOnly(true));
        assertTrue(result.failure().contains("API-2"), result.failure());
        // And the real allocator passes the same trace.
        assertTrue(TraceReplayer.replay(t, AllocatorFactory.of("first-fit", 1 << 20), TraceReplayer.Options.correctnessOnly(true)).ok());
    }

    @Test
    void sequencesAreReproducibleFromTheirSeed() {
        FuzzEngine engine = new FuzzEngine(AllocatorFactory.of("first-fit", 1 << 20)).opsPerSequence(400);
        assertNull(engine.runSequence(FuzzEngine.sequenceSeed(7, 0)));
        FuzzReport a = engine.run(7, 4000, null);
        FuzzReport b = engine.run(7, 4000, null);
        assertEquals(a.blocksVisited(), b.blocksVisited(), "same seed, same walk");
        assertEquals(10, a.sequences());
    }

    @Test
    void concurrentFuzzChecksALockedFirstFitAtBarriers() {
        AllocatorFactory locked = AllocatorFactory.of("first-fit+lock", 4 << 20, ThreadSafety.CONCURRENT,
                heap -> Allocators.synchronizedAllocator(new FreeListAllocator(heap, FreeListAllocator.Coalescing.IMMEDIATE, "first-fit+lock")));
        FuzzReport report = new ConcurrentFuzz(locked, 2).opsPerSequence(2000).run(11, 40_000, null);
        assertTrue(report.failures().isEmpty(), () -> report.failures().get(0).toString());
        assertTrue(report.blocksVisited() > 0);
        assertEquals(40_000, report.ops());
    }

    @Test
    void concurrentFuzzNoticesABlockHandedToTwoThreads() {
        // A broken concurrent allocator: locked first-fit that, now and then, hands out the previous block again.
        AllocatorFactory duplicating = AllocatorFactory.of("first-fit-duplicating", 4 << 20, ThreadSafety.CONCURRENT, heap -> {
            Allocator locked = Allocators.synchronizedAllocator(new FreeListAllocator(heap, FreeListAllocator.Coalescing.IMMEDIATE, "dup"));
            return new ForwardingAllocator(locked) {
                private final java.util.concurrent.atomic.AtomicLong last = new java.util.concurrent.atomic.AtomicLong();
                private final java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();

                @Override
                public long malloc(long size) {
                    long previous = last.get();
                    if (calls.incrementAndGet() % 97 == 0 && previous != 0 && size <= 16) {
                        return previous;
                    }
                    long p = delegate.malloc(size);
                    last.set(p);
                    return p;
                }
            };
        });
        FuzzReport report = new ConcurrentFuzz(duplicating, 2).opsBetweenChecks(20).run(5, 200_000, null);
        assertNotNull(report);
        assertTrue(!report.failures().isEmpty(), "a block handed out twice must be found");
        // The duplicated block shows as two live blocks overlapping (HEAP-5) when the checker walks first, or as the
        // second owner's free of a block the first already freed (API-5, DoubleFreeException): which comes first is the
        // threads' interleaving.
        String first = report.failures().get(0).message();
        assertTrue(first.contains("HEAP-5") || (first.contains("API-5") && first.contains("DoubleFreeException")), first);
    }
}
