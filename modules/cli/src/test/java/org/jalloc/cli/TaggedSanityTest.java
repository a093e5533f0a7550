package org.jalloc.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
    @ValueSource(strings = {"tlsf:debug=F", "buddy:debug=F", "first-fit:list=lifo,debug=F", "thread-cache:debug=F"})
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

    @ParameterizedTest
    @ValueSource(strings = {"tlsf:debug=F", "buddy:debug=F"})
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
    @ValueSource(strings = {"tlsf:debug=F", "buddy:debug=F", "first-fit:list=lifo,debug=F"})
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
