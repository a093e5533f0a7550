package org.jalloc.threadcache;

import static org.jalloc.testkit.contract.LiveBlocks.allocated;
import static org.jalloc.testkit.contract.LiveBlocks.heap;
import static org.jalloc.testkit.contract.LiveBlocks.randomOperationsUnderTheChecker;
import static org.jalloc.testkit.contract.RacingFrees.assertExactlyOnePassesEachRound;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.jalloc.check.HeapChecker;
import org.jalloc.core.Allocator;
import org.jalloc.core.Allocators;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.InvalidSizeException;
import org.jalloc.core.walk.Inspection;
import org.jalloc.testkit.contract.FreedAndLive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code thread-cache:debug=F}: the engine itself checks F ({@link FreeChecks}: a 16-byte head below each payload, a
 * mark per payload outside the heap, its own page-map screen), no layer; the layout, the refusals, the views, frees from
 * other threads and random operations under the checker (docs/thread-cache.md, "debug=F").
 */
class ThreadCacheDebugFTest {
    private static final long HEAP = 16L << 20;
    private static final String F = "thread-cache:debug=F";

    private static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }

    private static List<?> check(Allocator a) {
        return new HeapChecker().check(Inspection.of(a).heapWalk());
    }

    @Test
    void fAloneIsTheEngineWithAHeadOf16BytesBelowEachPayload() {
        try (Allocator off = Allocators.create("thread-cache", HEAP); Allocator f = Allocators.create(F, HEAP)) {
            assertSame(ThreadCacheAllocator.class, f.getClass(), "the engine itself, no layer");
            assertEquals(F, f.name());
            assertEquals(F, f.stats().allocator());
            long p = off.malloc(64);
            long q = f.malloc(64);
            assertEquals(64, off.usableSize(p), "off: the block is the payload");
            long block = SizeClasses.size(SizeClasses.classOf(80));
            assertEquals(block - 16, f.usableSize(q), "F: the class of 64 + 16 bytes less its head");
            assertEquals(block - 16, heap(f).getLong(q - 8), "the word below the payload is its usable size");
            assertEquals(16, heap(f).getLong(q - 16), "the head's first word is the front");
            long[] e = allocated(f).get(0);
            assertEquals(q - 16, e[0], "the block starts at the head");
            assertEquals(block, e[1]);
            assertEquals(q, e[2], "the walk shows the caller's payload");
            assertEquals(block - 16, e[3]);
            assertEquals(p, allocated(off).get(0)[2], "off: the walk's payload is the block");
            assertEquals(List.of(), check(f));
            long big = f.malloc(300_000); // a LARGE span: the head at its start
            assertEquals(0, (big - 16) & 4095, "a LARGE block's head starts its span");
            assertTrue(f.usableSize(big) >= 300_000);
            assertEquals(List.of(), check(f));
            f.free(big);
            f.free(q);
            off.free(p);
            assertTrue(allocated(f).isEmpty());
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {64, 4000, 300_000})
    void aOneByteUnderrunIsRefusedAndNothingIsFreed(long size) {
        try (Allocator a = Allocators.create(F, HEAP)) {
            long p = a.malloc(size);
            byte old = heap(a).getByte(p - 1);
            heap(a).putByte(p - 1, (byte) 0x41);
            byte[] before = heap(a).snapshot();
            InvalidPointerException x = assertThrows(InvalidPointerException.class, () -> a.free(p));
            assertTrue(x.getMessage().startsWith(F + ": free(" + hex(p) + "): the size word below the payload reads"), x.getMessage());
            assertArrayEquals(before, heap(a).snapshot(), "nothing freed");
            assertThrows(InvalidPointerException.class, () -> a.realloc(p, size + 5000), "realloc checks the head first");
            assertArrayEquals(before, heap(a).snapshot(), "nothing moved");
            heap(a).putByte(p - 1, old);
            a.free(p); // the block stayed live: mended, it frees
            assertTrue(allocated(a).isEmpty());
            assertEquals(List.of(), check(a));
        }
    }

    @Test
    void anAlignedBlocksHeadIsItsAlignmentAndItsUnderrunIsRefused() {
        try (Allocator a = Allocators.create(F, HEAP)) {
            for (long alignment : new long[] {32, 256, 4096, 16384}) {
                long p = a.alignedAlloc(alignment, 100);
                assertEquals(0, p & (alignment - 1), "aligned to " + alignment);
                assertTrue(a.usableSize(p) >= 100);
                assertEquals(alignment, heap(a).getLong(p - alignment), "the head's first word is the front");
                assertTrue(allocated(a).stream().anyMatch(e -> e[2] == p && e[0] == p - alignment), "the walk finds the payload");
                heap(a).putByte(p - 1, (byte) 0x41);
                assertThrows(InvalidPointerException.class, () -> a.free(p));
                heap(a).putByte(p - 1, (byte) 0);
                assertEquals(List.of(), check(a));
                a.free(p);
            }
            assertTrue(allocated(a).isEmpty());
        }
    }

    @Test
    void aSizeWordOverwrittenWithAnotherSizeIsTheComparisonsReport() {
        for (long delta : new long[] {64, -16}) {
            try (Allocator a = Allocators.create(F, HEAP)) {
                long p = a.malloc(100);
                long word = heap(a).getLong(p - 8);
                heap(a).putLong(p - 8, word + delta);
                byte[] before = heap(a).snapshot();
                HeapCorruptionException x = assertThrows(HeapCorruptionException.class, () -> a.free(p));
                assertEquals(F + ": free(" + hex(p) + "): the allocator's usable size of the block at " + hex(p - 16) + " changed from " + word
                        + " to " + (word + delta) + " while it was live (its metadata was overwritten) (add U to debug= to record sites)",
                        x.getMessage());
                assertArrayEquals(before, heap(a).snapshot(), "nothing freed");
                heap(a).putLong(p - 8, word);
                a.free(p);
            }
        }
    }

    /** A double free names the recent free (its usable size then), as every F's ring; misuse leaves the heap as it was. */
    @Test
    void aDoubleFreeIsNamedFromTheRecentFreesAndEveryMisuseChangesNothing() {
        try (Allocator a = Allocators.create(F, HEAP)) {
            FreedAndLive m = FreedAndLive.of(a, 40, 400);
            long p = m.freed();
            long q = m.live();
            long usable = m.freedUsable();
            DoubleFreeException d = assertThrows(DoubleFreeException.class, () -> a.free(p));
            assertEquals(F + ": free(" + hex(p) + "): block already freed (" + usable + " bytes) (add U to debug= to record sites)\n"
                    + "  first freed at:\n    (not recorded: add U to debug=)\n  freed again at:\n    (not recorded: add U to debug=)\n",
                    d.getMessage());
            assertThrows(DoubleFreeException.class, () -> a.usableSize(p));
            assertThrows(DoubleFreeException.class, () -> a.segment(p));
            assertThrows(DoubleFreeException.class, () -> a.realloc(p, 100));
            for (long bad : new long[] {q + 16, q + 64, q - 16, q + 8, 8, 1L << 40}) {
                InvalidPointerException x = assertThrows(InvalidPointerException.class, () -> a.free(bad), hex(bad));
                assertTrue(x.getMessage().startsWith(F + ": free(" + hex(bad) + "): not the start of a live block of this heap"), x.getMessage());
            }
            assertThrows(InvalidSizeException.class, () -> a.malloc(-1));
            assertEquals(F + ": malloc(-1): negative size", assertThrows(InvalidSizeException.class, () -> a.malloc(-1)).getMessage());
            assertEquals(F + ": realloc(" + hex(q) + ", -1): negative size",
                    assertThrows(InvalidSizeException.class, () -> a.realloc(q, -1)).getMessage());
            m.assertHeapUnchanged();
            a.free(q);
            assertEquals(List.of(), check(a));
        }
    }

    /**
     * Every refusal names the operation the caller called — realloc, tryExpand, segment, asSegmentAllocator — not the
     * engine's step behind it (the in-place resize, the usable size), and changes nothing.
     */
    @Test
    void refusalsNameTheCallersOperation() {
        try (Allocator a = Allocators.create(F, HEAP)) {
            FreedAndLive m = FreedAndLive.of(a, 40, 400);
            long q = m.live();
            m.assertRefusedInTheCallersWords(16, 5000, "realloc", "tryExpand", "segment");
            byte old = heap(a).getByte(q - 1);
            heap(a).putByte(q - 1, (byte) 0x41); // a 1-byte underrun into q's head
            byte[] damaged = heap(a).snapshot();
            for (String op : new String[] {"realloc", "tryExpand"}) {
                InvalidPointerException x = assertThrows(InvalidPointerException.class, () -> FreedAndLive.call(a, op, q, 5000));
                assertTrue(x.getMessage().startsWith(F + ": " + op + "(" + hex(q) + "): the size word below the payload reads"), x.getMessage());
            }
            assertArrayEquals(damaged, heap(a).snapshot(), "nothing resized");
            heap(a).putByte(q - 1, old);
            m.assertHeapUnchanged();
            a.free(q);
            assertEquals(List.of(), check(a));
        }
    }

    /**
     * A size beyond the heap's capacity: realloc and tryExpand still screen the pointer first, and their refusals name
     * the caller's operation (they said {@code usableSize(...)}); a live block is answered 0 / false, nothing changed.
     */
    @Test
    void aSizeBeyondTheCapacityIsRefusedInTheCallersWords() {
        try (Allocator a = Allocators.create(F, HEAP)) {
            FreedAndLive m = FreedAndLive.of(a, 40, 400);
            m.assertASizeBeyondTheCapacityIsRefusedInTheCallersWords(16);
            a.free(m.live());
            assertTrue(allocated(a).isEmpty());
        }
    }

    @Test
    void viewsDieWithTheirBlock() {
        try (Allocator a = Allocators.create(F, HEAP)) {
            long p = a.malloc(64);
            MemorySegment v1 = a.segment(p);
            MemorySegment v2 = a.segment(p);
            assertEquals(a.usableSize(p), v1.byteSize());
            v1.set(ValueLayout.JAVA_LONG, 8, 0x1122334455667788L);
            assertEquals(0x1122334455667788L, v2.get(ValueLayout.JAVA_LONG, 8));
            MemorySegment s = a.asSegmentAllocator().allocate(40, 8);
            assertEquals(40, s.byteSize());
            long q = a.offsetOf(s);
            long r = a.realloc(q, 100_000); // moved to a LARGE span: the old block's view dies
            assertNotEquals(q, r);
            assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0));
            a.free(p);
            assertThrows(IllegalStateException.class, () -> v1.get(ValueLayout.JAVA_BYTE, 0));
            assertThrows(IllegalStateException.class, () -> v2.get(ValueLayout.JAVA_BYTE, 0));
            long again = a.malloc(64); // the same block again: a new view lives, the old ones stay dead
            MemorySegment v3 = a.segment(again);
            v3.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
            assertThrows(IllegalStateException.class, () -> v1.get(ValueLayout.JAVA_BYTE, 0));
            assertThrows(InvalidPointerException.class, () -> a.segment(0));
            a.free(again);
            a.free(r);
            assertEquals(List.of(), check(a));
        }
    }

    /**
     * A free refused for its size word puts the mark back as it was, on the inlined path (a plain mark: the block can
     * still get a view) and off it (a mark with views: they stay alive until the mended block is freed).
     */
    @Test
    void aRefusedFreeLeavesTheMarkAndTheViewsAsTheyWere() {
        try (Allocator a = Allocators.create(F, HEAP)) {
            long plain = a.malloc(64);
            long viewed = a.malloc(64);
            MemorySegment v = a.segment(viewed);
            for (long p : new long[] {plain, viewed}) {
                long word = heap(a).getLong(p - 8);
                heap(a).putLong(p - 8, word + 32);
                byte[] before = heap(a).snapshot();
                assertThrows(HeapCorruptionException.class, () -> a.free(p));
                assertArrayEquals(before, heap(a).snapshot(), "nothing freed");
                heap(a).putLong(p - 8, word);
            }
            v.set(ValueLayout.JAVA_LONG, 0, 42); // the view outlived the refused free
            MemorySegment late = a.segment(plain); // the plain block is still live: its mark came back
            assertEquals(a.usableSize(plain), late.byteSize());
            a.free(plain);
            a.free(viewed);
            assertThrows(IllegalStateException.class, () -> v.get(ValueLayout.JAVA_BYTE, 0));
            assertThrows(IllegalStateException.class, () -> late.get(ValueLayout.JAVA_BYTE, 0));
            assertThrows(DoubleFreeException.class, () -> a.free(plain));
            assertEquals(List.of(), check(a));
        }
    }

    /** A block allocated on one thread and freed on another (into that thread's cache); a double free then refused. */
    @Test
    void aFreeFromAnotherThreadIsCheckedAsAnyOther() throws Exception {
        try (Allocator a = Allocators.create(F, HEAP)) {
            long[] blocks = new long[64];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = a.malloc(16 + i * 24);
            }
            AtomicReference<Throwable> failed = new AtomicReference<>();
            Thread other = Thread.ofPlatform().start(() -> {
                try {
                    for (long b : blocks) {
                        a.free(b);
                    }
                } catch (Throwable t) {
                    failed.set(t);
                }
            });
            other.join();
            assertEquals(null, failed.get());
            for (long b : blocks) {
                assertThrows(DoubleFreeException.class, () -> a.free(b));
            }
            assertTrue(allocated(a).isEmpty(), "every block freed once");
            assertEquals(List.of(), check(a));
        }
    }

    /** Two threads free the same block at once, 300 times: exactly one free passes each time, the other is refused. */
    @Test
    void ofTwoRacingFreesOfOneBlockExactlyOnePasses() throws Exception {
        try (Allocator a = Allocators.create(F, HEAP)) {
            // a DoubleFreeException once the winner's free is in the ring, an InvalidPointerException before
            assertExactlyOnePassesEachRound(a, 300, () -> a.malloc(48), InvalidPointerException.class, "48 bytes");
            assertTrue(allocated(a).isEmpty());
            assertEquals(List.of(), check(a));
        }
    }

    @Test
    void explicitHandlesAreRefusedUnderF() {
        try (Allocator a = Allocators.create(F, HEAP)) {
            ThreadCacheAllocator t = assertInstanceOf(ThreadCacheAllocator.class, a);
            CacheMisuseException x = assertThrows(CacheMisuseException.class, t::newCache);
            assertTrue(x.getMessage().contains("not offered under debug=F"), x.getMessage());
            assertThrows(CacheMisuseException.class, t::explicitView);
        }
        try (Allocator a = Allocators.create("thread-cache:cache=explicit,debug=F", HEAP)) {
            assertTrue(a.toString().startsWith("TaggedSanity("), "the explicit view keeps the tagged prefix: " + a);
            long p = a.malloc(64);
            a.free(p);
            assertThrows(DoubleFreeException.class, () -> a.free(p));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {F, "thread-cache:arenas=2,debug=F", "thread-cache:secure=on,debug=F"})
    void randomOperationsUnderTheCheckerWithEveryDoubleFreeRefused(String spec) {
        try (Allocator a = Allocators.create(spec, HEAP)) {
            randomOperationsUnderTheChecker(a, 3000);
        }
    }
}
