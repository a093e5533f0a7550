package org.jalloc.buddy;

import static org.jalloc.testkit.contract.LiveBlocks.allocated;
import static org.jalloc.testkit.contract.LiveBlocks.heap;
import static org.jalloc.testkit.contract.LiveBlocks.randomOperationsUnderTheChecker;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.core.Allocator;
import org.jalloc.core.Allocators;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.Inspection;
import org.junit.jupiter.api.Test;

/**
 * {@code buddy:debug=F}: the engine itself keeps a screened size word below each payload (its head), so F needs no
 * layer; the blocks, the walk and the refusals of the head (docs/buddy.md, "debug=F").
 */
class BuddyDebugFTest {
    private static final long HEAP = 8L << 20;

    @Test
    void fAloneIsTheEngineWithAHeadOf16BytesBelowEachPayload() {
        try (Allocator off = Allocators.create("buddy", HEAP); Allocator f = Allocators.create("buddy:debug=F", HEAP)) {
            assertSame(BuddyAllocator.class, f.getClass(), "the engine itself");
            long p = off.malloc(64);
            long q = f.malloc(64);
            assertEquals(64, off.usableSize(p), "off: the block is the payload");
            assertEquals(112, f.usableSize(q), "F: a 128-byte block less its 16-byte head");
            assertEquals(112, heap(f).getLong(q - 8), "the word below the payload is its usable size");
            long[] e = allocated(f).get(0);
            assertEquals(q - 16, e[0], "the block starts at the head");
            assertEquals(q, e[2], "the walk shows the caller's payload");
            assertEquals(112, e[3]);
            f.free(q);
            off.free(p);
        }
    }

    @Test
    void aOneByteUnderrunOfAnAlignedBlockIsRefusedAndItsHeadFoundByTheWalk() {
        try (Allocator a = Allocators.create("buddy:debug=F", HEAP)) {
            long p = a.alignedAlloc(1024, 100);
            assertEquals(0, p & 1023, "aligned");
            assertTrue(a.usableSize(p) >= 100);
            long[] e = allocated(a).get(0);
            assertEquals(p, e[2], "the walk finds the payload past a front of 1024 bytes");
            assertEquals(p - 1024, e[0]);
            assertTrue(new HeapChecker().check(Inspection.of(a).heapWalk()).isEmpty());
            byte old = heap(a).getByte(p - 1);
            heap(a).putByte(p - 1, (byte) 0x41);
            byte[] before = heap(a).snapshot();
            InvalidPointerException x = assertThrows(InvalidPointerException.class, () -> a.free(p));
            assertTrue(x.getMessage().contains("size word below the payload"), x.getMessage());
            assertArrayEquals(before, heap(a).snapshot(), "nothing freed");
            heap(a).putByte(p - 1, old);
            a.free(p);
            assertTrue(allocated(a).isEmpty());
        }
    }

    private static List<Violation> check(Allocator a) {
        return new HeapChecker().check(Inspection.of(a).heapWalk());
    }

    /** BUDDY-6 for the checker: a damaged word, a damaged front copy, a stray flag; each the block's, nothing else. */
    @Test
    void buddy6ADamagedHeadIsBuddy6ForTheCheckerNamingTheBlock() {
        try (Allocator a = Allocators.create("buddy:debug=F", HEAP)) {
            long p = a.malloc(64);
            long q = a.alignedAlloc(256, 40);
            long qStart = q - 256;
            assertEquals(List.of(), check(a));
            Heap h = heap(a);

            byte old = h.getByte(p - 1);
            h.putByte(p - 1, (byte) 0x41); // a 1-byte underrun: the word's top byte
            List<Violation> v = check(a);
            assertEquals(List.of("BUDDY-6"), v.stream().map(Violation::invariantId).toList(), v.toString());
            assertEquals(p - 16, v.get(0).address(), "the block, at its head");
            assertTrue(v.get(0).message().contains("usable size reads"), v.get(0).message());
            h.putByte(p - 1, old);

            long front = h.getLong(q - 16);
            h.putLong(q - 16, 128); // the copy of the front below the payload
            v = check(a);
            assertEquals(List.of("BUDDY-6"), v.stream().map(Violation::invariantId).toList(), v.toString());
            assertEquals(qStart, v.get(0).address());
            assertTrue(v.get(0).message().contains("copy of the front"), v.get(0).message());
            h.putLong(q - 16, front);

            long w = h.getLong(p - 8);
            h.putLong(p - 8, w | 4); // a flag bit that is no flag
            v = check(a);
            assertEquals(List.of("BUDDY-6"), v.stream().map(Violation::invariantId).toList(), v.toString());
            assertTrue(v.get(0).message().contains("flag bits read 4"), v.get(0).message());
            h.putLong(p - 8, w);

            assertEquals(List.of(), check(a), "mended, the heap is well formed again");
            a.free(p);
            a.free(q);
        }
    }

    /**
     * The counterexample spec/models/buddyhead.als found in the screen that read the size word as a signed number: an
     * aligned block's head damaged so its front reaches back to the live block before it and its size is that block's
     * size less that front (below zero). The screen refuses the word itself now: an InvalidPointerException about the
     * damaged word, not the shadow's "changed size", and nothing freed.
     */
    @Test
    void aDamagedHeadNamingTheBlockBeforeWithASizeBelowZeroIsADamagedWord() {
        try (Allocator a = Allocators.create("buddy:debug=F", HEAP)) {
            long[] small = new long[4];
            for (int i = 0; i < small.length; i++) {
                small[i] = a.malloc(64); // 128-byte blocks from the heap's start
            }
            long q = a.alignedAlloc(128, 100); // front 128, a 256-byte block after them
            long before = small[3] - 16;
            long reach = q - before;
            assertEquals(1, Long.bitCount(reach), "the block before starts a power of two below the payload");
            assertEquals(q - 128 - 128, before, "and ends where the aligned block starts");
            Heap h = heap(a);
            long word = h.getLong(q - 8);
            long front = h.getLong(q - 16);
            h.putLong(q - 16, reach);
            h.putLong(q - 8, (128 - reach) | 1); // ALIGNED, and the block before's size less the reach: -128
            byte[] snapshot = h.snapshot();
            InvalidPointerException x = assertThrows(InvalidPointerException.class, () -> a.free(q));
            assertTrue(x.getMessage().contains("size word below the payload"), x.getMessage());
            assertArrayEquals(snapshot, h.snapshot(), "nothing freed");
            assertThrows(InvalidPointerException.class, () -> a.realloc(q, 500));
            assertArrayEquals(snapshot, h.snapshot(), "nothing moved");
            h.putLong(q - 16, front);
            h.putLong(q - 8, word);
            assertEquals(List.of(), check(a), "mended, the heap is well formed again");
            a.free(q);
            for (long p : small) {
                a.free(p);
            }
            assertTrue(allocated(a).isEmpty());
        }
    }

    @Test
    void anInPlaceResizeRewritesTheHead() {
        try (Allocator a = Allocators.create("buddy:debug=F", HEAP)) {
            long p = a.alignedAlloc(64, 16); // front 64: a 128-byte block, the first of the heap, so it can grow at the top
            assertEquals(64, p - allocated(a).get(0)[0], "front = the alignment");
            assertEquals(64, a.usableSize(p));
            assertTrue(a.tryExpand(p, 3000), "grown in place");
            assertEquals(4096 - 64, a.usableSize(p), "a 4 KiB block less its front");
            assertEquals((4096 - 64) | 1, heap(a).getLong(p - 8), "the word holds the new size, ALIGNED set");
            assertEquals(64, p - allocated(a).get(0)[0], "the front kept");
            assertEquals(p, a.realloc(p, 40), "shrunk in place");
            assertEquals(64, a.usableSize(p));
            assertTrue(new HeapChecker().check(Inspection.of(a).heapWalk()).isEmpty());
            a.free(p);
        }
    }

    /** Random malloc, alignedAlloc, realloc and free under F, the checker after each step. */
    @Test
    void randomOperationsKeepEveryHeadAndTheChecker() {
        try (Allocator a = Allocators.create("buddy:debug=F", HEAP)) {
            randomOperationsUnderTheChecker(a, 3000);
        }
    }
}
