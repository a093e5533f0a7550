package org.jalloc.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import org.jalloc.check.HeapChecker;
import org.jalloc.core.Allocator;
import org.jalloc.core.Allocators;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.Inspection;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code debug=F} alone: the layer keeps its state in a tagged prefix of each block (docs/debugging.md, "F alone").
 * Misuse is told apart by the block's own bytes and the ring of recent frees, and leaves the heap as it was.
 */
class TaggedSanityTest {
    private static final long HEAP = 8L << 20;

    private static Heap heap(Allocator a) {
        return Inspection.of(a).heap();
    }

    @ParameterizedTest
    @ValueSource(strings = {"tlsf:debug=F", "buddy:debug=F", "first-fit:list=lifo,debug=F", "thread-cache:debug=F", "dense:debug=F",
            "slob:debug=F", "slub:debug=F", "slab:debug=F"})
    void misuseIsCaughtAndLeavesTheHeapAsItWas(String spec) {
        try (Allocator a = Allocators.create(spec, HEAP)) {
            long p = a.malloc(100);
            long q = a.malloc(100);
            assertTrue(a.usableSize(p) >= 100);
            byte[] before = heap(a).snapshot();
            assertThrows(InvalidPointerException.class, () -> a.free(p + 16), "an interior pointer");
            assertThrows(InvalidPointerException.class, () -> a.free(8), "outside the heap");
            assertArrayEquals(before, heap(a).snapshot(), "misuse changed nothing");
            a.free(p);
            assertThrows(DoubleFreeException.class, () -> a.free(p));
            assertThrows(DoubleFreeException.class, () -> a.usableSize(p));
            assertTrue(new HeapChecker().check(Inspection.of(a).heapWalk()).isEmpty());
            a.free(q);
        }
    }

    /**
     * F's check of the engine's metadata: the boundary-tag and free-list engines keep a block's size in the word
     * just below its payload, flags in the low 4 bits. With F alone the layer's block is the engine's (the shadow
     * layer adds no prefix: the word is at {@code p - 8}); with Z it starts 16 bytes before {@code p}. A size
     * overwritten larger or smaller is caught at free, before anything changes, and the block frees once the word is
     * put back.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tlsf:debug=F", "first-fit:list=lifo,debug=F", "boundary-tag:debug=F", "tlsf:debug=FZ",
            "first-fit:list=lifo,debug=FP"})
    void anEngineHeaderOverwrittenWithAnotherSizeIsCaughtAtFree(String spec) {
        for (long delta : new long[] {64, -16}) {
            try (Allocator a = Allocators.create(spec, HEAP)) {
                long p = a.malloc(100);
                long after = a.malloc(4000); // the larger size still ends inside the heap
                // Z's front zone is 16 bytes; without it the layer's block is the engine's (F alone keeps no prefix here)
                long header = (spec.contains("Z") ? p - 16 : p) - 8;
                long word = heap(a).getLong(header);
                heap(a).putLong(header, word + delta);
                byte[] before = heap(a).snapshot();
                RuntimeException e = assertThrows(RuntimeException.class, () -> a.free(p), "size " + (delta > 0 ? "larger" : "smaller"));
                if (spec.endsWith("debug=F")) {
                    assertInstanceOf(HeapCorruptionException.class, e);
                    assertTrue(e.getMessage().contains("usable size") && e.getMessage().contains("changed from"), e.getMessage());
                } else {
                    // the table layer asks the engine's usableSize, whose own screen may refuse the block first
                    assertTrue(e instanceof HeapCorruptionException || e instanceof InvalidPointerException, e.toString());
                }
                assertArrayEquals(before, heap(a).snapshot(), "the failed free left the heap as it was");
                heap(a).putLong(header, word);
                a.free(p);
                a.free(after);
                assertTrue(new HeapChecker().check(Inspection.of(a).heapWalk()).isEmpty());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tlsf:debug=F", "buddy:debug=F", "dense:debug=F", "dense:footers=all,debug=F", "slob:debug=F",
            "thread-cache:debug=F", "slub:debug=F", "slab:debug=F"})
    void aOneByteUnderrunFailsTheTagAndTheBlockIsNotFreed(String spec) {
        try (Allocator a = Allocators.create(spec, HEAP)) {
            long p = a.malloc(64);
            heap(a).putByte(p - 1, (byte) 0x41);
            byte[] before = heap(a).snapshot();
            assertThrows(InvalidPointerException.class, () -> a.free(p));
            assertArrayEquals(before, heap(a).snapshot(), "the engine never saw the free");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tlsf:debug=F", "buddy:debug=F", "first-fit:list=lifo,debug=F", "dense:debug=F", "slob:debug=F",
            "thread-cache:debug=F", "slub:debug=F", "slab:debug=F"})
    void alignedBlocksResizeAndViewsDieWithTheirBlock(String spec) {
        try (Allocator a = Allocators.create(spec, HEAP)) {
            long p = a.alignedAlloc(256, 40);
            assertEquals(0, p & 255, "aligned");
            MemorySegment view = a.segment(p);
            view.set(ValueLayout.JAVA_BYTE, 0, (byte) 7);
            long r = a.realloc(p, 4000);
            assertTrue(r != 0);
            assertEquals(7, heap(a).getByte(r), "realloc kept the bytes");
            assertTrue(a.usableSize(r) >= 4000);
            if (r != p) {
                assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_BYTE, 0), "the moved block's view died");
            }
            List<Long> payloads = new ArrayList<>();
            Inspection.of(a).heapWalk().walkExtents((kind, start, size, payload, usable) -> {
                if (kind == ExtentKind.ALLOCATED) {
                    payloads.add(payload);
                }
                return true;
            });
            assertTrue(payloads.contains(r), "the walk shows the caller's address: " + payloads);
            assertTrue(new HeapChecker().check(Inspection.of(a).heapWalk()).isEmpty());
            MemorySegment last = a.segment(r);
            a.free(r);
            assertThrows(IllegalStateException.class, () -> last.get(ValueLayout.JAVA_BYTE, 0), "a read after free through a view throws");
        }
    }
}
