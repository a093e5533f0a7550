package org.jalloc.slab;

import static org.jalloc.testkit.contract.LiveBlocks.allocated;
import static org.jalloc.testkit.contract.LiveBlocks.anUnderrunIsRefusedThenTheBlockFreesOnce;
import static org.jalloc.testkit.contract.LiveBlocks.heap;
import static org.jalloc.testkit.contract.LiveBlocks.randomOperationsUnderTheChecker;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;

import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.core.Allocator;
import org.jalloc.core.Allocators;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.walk.Inspection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code slob:debug=F}: the engine itself under its one lock (core's {@code EngineShadow}, "Locked engines"): the word
 * below a small payload is its usable size (the check word's place, SLOB-1 compares it with the header's size), a large
 * block has a 16-byte head (or its alignment), and the shadow outside the heap screens pointers exactly
 * (docs/slob.md, "Debugging, trim, heap map").
 */
class SlobDebugFTest {
    private static final long HEAP = 4L << 20;

    @Test
    void fAloneIsTheEngineWithTheSizeWordBelowEachPayload() {
        try (Allocator off = Allocators.create("slob", HEAP); Allocator f = Allocators.create("slob:debug=F", HEAP)) {
            assertSame(SlobAllocator.class, f.getClass(), "the engine itself");
            assertEquals("slob:debug=F", f.name());
            for (long n : new long[] {1, 40, 200, 4000}) {
                long p = off.malloc(n);
                long q = f.malloc(n);
                assertEquals(p - heap(off).start(), q - heap(f).start(), n + ": a small block where off puts it");
                assertEquals(off.usableSize(p), f.usableSize(q));
                assertEquals(f.usableSize(q), heap(f).getLong(q - 8), "the word below the payload is the usable size");
                assertEquals(f.usableSize(q) + SlobAllocator.HEADER, heap(f).getLong(q - 16), "the header's size, as off");
            }
            long big = f.malloc(10_000);
            assertEquals(16, big & 4095, "a large payload past its 16-byte head");
            assertEquals((16L << 10) - 16, f.usableSize(big));
            assertEquals(f.usableSize(big), heap(f).getLong(big - 8));
            long aligned = f.alignedAlloc(8192, 5000);
            assertEquals(0, aligned & 8191, "the head is the alignment");
            assertTrue(f.usableSize(aligned) >= 5000);
            assertTrue(allocated(f).stream().anyMatch(b -> b[2] == big && b[3] == (16L << 10) - 16), "the walk shows the payload");
            assertTrue(allocated(f).stream().anyMatch(b -> b[2] == aligned), "and the aligned one in a tail page");
            assertEquals(List.of(), new HeapChecker().check(Inspection.of(f).heapWalk()));
            f.free(aligned);
            f.free(big);
            assertThrows(DoubleFreeException.class, () -> f.free(big));
            assertThrows(InvalidPointerException.class, () -> f.free(big - 16), "the head's page start is no payload");
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {100, 10_000})
    void aOneByteUnderrunIsRefusedThenTheBlockFreesOnceAndADoubleFreeNamesItsSize(long n) {
        try (Allocator a = Allocators.create("slob:debug=F", HEAP)) {
            long p = a.malloc(n);
            anUnderrunIsRefusedThenTheBlockFreesOnce(a, p, a.malloc(100), "the size word below the payload is broken", true);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {200, 10_000})
    void aSizeWordRewrittenWithAnotherSizeIsTheComparisonsReportAndNothingChanges(long n) {
        try (Allocator a = Allocators.create("slob:debug=F", HEAP)) {
            long p = a.malloc(n);
            long after = a.malloc(100);
            long usable = a.usableSize(p);
            long word = heap(a).getLong(p - 8);
            heap(a).putLong(p - 8, word - 48);
            byte[] before = heap(a).snapshot();
            HeapCorruptionException e = assertThrows(HeapCorruptionException.class, () -> a.free(p));
            assertTrue(e.getMessage().contains("changed from " + usable + " to " + (usable - 48)), e.getMessage());
            assertThrows(HeapCorruptionException.class, () -> a.realloc(p, 50));
            assertThrows(HeapCorruptionException.class, () -> a.tryExpand(p, 50));
            assertArrayEquals(before, heap(a).snapshot(), "nothing freed, nothing moved");
            heap(a).putLong(p - 8, word);
            a.free(p);
            a.free(after);
            assertEquals(List.of(), new HeapChecker().check(Inspection.of(a).heapWalk()));
        }
    }

    /** The header's size rewritten (an underrun past the word, put back): the word disagrees, refused by the engine. */
    @Test
    void aHeaderSizeRewrittenUnderAnIntactWordIsRefusedAndTheCheckerSaysSlob1() {
        try (Allocator a = Allocators.create("slob:debug=F", HEAP)) {
            long p = a.malloc(200);
            long q = a.malloc(200);
            long size = heap(a).getLong(p - 16);
            heap(a).putLong(p - 16, size - 32);
            byte[] before = heap(a).snapshot();
            HeapCorruptionException e = assertThrows(HeapCorruptionException.class, () -> a.free(p));
            assertTrue(e.getMessage().contains("the size word below the payload says " + (size - 16) + ", the block holds " + (size - 48)),
                    e.getMessage());
            assertArrayEquals(before, heap(a).snapshot());
            List<Violation> v = new HeapChecker().check(Inspection.of(a).heapWalk());
            assertTrue(v.stream().anyMatch(x -> x.invariantId().equals("SLOB-1")), v.toString());
            heap(a).putLong(p - 16, size);
            a.free(p);
            a.free(q);
            assertTrue(allocated(a).isEmpty());
        }
    }

    @Test
    void aLargeBlocksHeadBrokenIsSlob1ForTheChecker() {
        try (Allocator a = Allocators.create("slob:debug=F", HEAP)) {
            long p = a.malloc(9000);
            heap(a).putLong(p - 8, 12_345);
            List<Violation> v = new HeapChecker().check(Inspection.of(a).heapWalk());
            assertTrue(v.stream().anyMatch(x -> x.invariantId().equals("SLOB-1") && x.message().contains("size word below the large payload")),
                    v.toString());
            heap(a).putLong(p - 8, (16L << 10) - 16);
            a.free(p);
        }
    }

    /** The size word is asked for before any block: asked later, it is refused and nothing changes. */
    @Test
    void theSizeWordAskedForAfterABlockIsRefused() {
        try (SlobAllocator a = SlobAllocator.create(HEAP)) {
            long p = a.malloc(48);
            byte[] before = Inspection.of(a).heap().snapshot();
            IllegalStateException e = assertThrows(IllegalStateException.class, a::keepSizeWordBelowPayload);
            assertTrue(e.getMessage().contains("from the start or never"), e.getMessage());
            assertFalse(a.sizeWord);
            assertArrayEquals(before, Inspection.of(a).heap().snapshot());
            a.free(p);
        }
    }

    /** Random malloc, alignedAlloc, realloc and free under F, the checker after every 50 steps. */
    @ParameterizedTest
    @ValueSource(strings = {"slob:debug=F", "slob:secure=on,debug=F"})
    void randomOperationsKeepTheCheckerAndTheShadowTrue(String spec) {
        try (Allocator a = Allocators.create(spec, HEAP)) {
            randomOperationsUnderTheChecker(a, 3000);
        }
    }

    /**
     * The race F's lock closes (EngineShadow, "Locked engines"): four threads free blocks that the others malloc back at
     * once; a late free clearing the new owner's entry or views would make its own free an invalid pointer or its view
     * dead. Each thread also frees blocks another thread allocated (through a shared queue). No exception, and at the
     * end the heap is empty and the checker finds nothing.
     */
    @Test
    void threadsThatFreeAndMallocTheSameAddressesKeepTheirEntriesAndViews() throws Exception {
        try (Allocator a = Allocators.create("slob:debug=F", 1L << 20)) {
            int threads = 4;
            ConcurrentLinkedQueue<Long> handedOver = new ConcurrentLinkedQueue<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                Thread th = new Thread(() -> {
                    try {
                        SplittableRandom rnd = new SplittableRandom(seed);
                        start.await();
                        for (int i = 0; i < 20_000 && failure.get() == null; i++) {
                            long n = rnd.nextInt(8) == 0 ? 5000 : rnd.nextLong(1, 200);
                            long p = a.malloc(n);
                            if (p == 0) {
                                continue;
                            }
                            MemorySegment v = a.segment(p);
                            v.set(ValueLayout.JAVA_LONG, 0, p ^ seed);
                            Thread.onSpinWait();
                            if (v.get(ValueLayout.JAVA_LONG, 0) != (p ^ seed)) {
                                throw new AssertionError("another thread wrote into the live block " + p);
                            }
                            if (rnd.nextBoolean()) {
                                a.free(p);
                                assertThrows(IllegalStateException.class, () -> v.get(ValueLayout.JAVA_BYTE, 0), "the view died");
                            } else {
                                handedOver.add(p);
                            }
                            Long other = rnd.nextBoolean() ? handedOver.poll() : null;
                            if (other != null) {
                                a.free(other); // often a block another thread allocated
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                ts.add(th);
                th.start();
            }
            for (Thread th : ts) {
                th.join();
            }
            if (failure.get() != null) {
                throw new AssertionError("a thread failed", failure.get());
            }
            for (Long p; (p = handedOver.poll()) != null; ) {
                a.free(p);
            }
            assertTrue(allocated(a).isEmpty());
            assertEquals(List.of(), new HeapChecker().check(Inspection.of(a).heapWalk()));
        }
    }
}
