package org.jalloc.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.jalloc.check.HeapChecker;
import org.jalloc.core.Allocator;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.Inspection;

/**
 * The live blocks of an allocator as its walk shows them, and a seeded run of random operations that keeps them and the
 * checker true, and F alone's answer to an underrun: written once for the engines that keep a size word on request
 * under {@code debug=F} alone (buddy's head, dense's tagged blocks, slob's size word), whose tests ask the same
 * questions of different layouts.
 */
public final class LiveBlocks {
    private LiveBlocks() {}

    /** The allocator's heap. */
    public static Heap heap(Allocator a) {
        return Inspection.of(a).heap();
    }

    /** Every allocated extent in address order, as {@code {start, size, payload, usable}}. */
    public static List<long[]> allocated(Allocator a) {
        List<long[]> out = new ArrayList<>();
        Inspection.of(a).heapWalk().walkExtents((kind, start, size, payload, usable) -> {
            if (kind == ExtentKind.ALLOCATED) {
                out.add(new long[] {start, size, payload, usable});
            }
            return true;
        });
        return out;
    }

    /**
     * F alone's answer to a 1-byte underrun of the live block {@code p} ({@code other} another live block): the free
     * refuses it with an {@link InvalidPointerException} whose message holds {@code says} and changes no byte (with
     * {@code checkerSees}, the checker's pass reports the broken word too); mended, {@code p} frees once, a second free
     * is the double free that names {@code p}'s usable size in {@code a}'s name, and with {@code other} freed no block
     * is left.
     */
    public static void anUnderrunIsRefusedThenTheBlockFreesOnce(Allocator a, long p, long other, String says, boolean checkerSees) {
        long usable = a.usableSize(p);
        Heap h = heap(a);
        byte old = h.getByte(p - 1);
        h.putByte(p - 1, (byte) 0x41);
        byte[] before = h.snapshot();
        InvalidPointerException x = assertThrows(InvalidPointerException.class, () -> a.free(p));
        String refusal = String.valueOf(x.getMessage());
        assertTrue(refusal.contains(says), refusal);
        assertArrayEquals(before, h.snapshot(), "nothing freed");
        if (checkerSees) {
            assertFalse(new HeapChecker().check(Inspection.of(a).heapWalk()).isEmpty(), "the checker sees the broken word");
        }
        h.putByte(p - 1, old);
        a.free(p);
        DoubleFreeException d = assertThrows(DoubleFreeException.class, () -> a.free(p));
        String report = String.valueOf(d.getMessage());
        assertTrue(report.startsWith(a.name() + ": free(0x" + Long.toHexString(p) + "): block already freed (" + usable
                + " bytes)"), report);
        a.free(other);
        assertTrue(allocated(a).isEmpty());
    }

    /**
     * {@code steps} random malloc, alignedAlloc, realloc and free (seed 24), every usable byte written, each free followed
     * by a refused double free; every 50 steps the checker finds nothing and the walk shows exactly the live blocks.
     * Frees what is left at the end and asserts the walk shows no live block.
     */
    public static void randomOperationsUnderTheChecker(Allocator a, int steps) {
        SplittableRandom rnd = new SplittableRandom(24);
        List<Long> live = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            int op = rnd.nextInt(4);
            if (op == 0 || live.isEmpty()) {
                long p = rnd.nextBoolean() ? a.malloc(rnd.nextLong(0, 3000)) : a.alignedAlloc(16L << rnd.nextInt(8), rnd.nextLong(1, 2000));
                if (p != 0) {
                    heap(a).fill(p, a.usableSize(p), (byte) 0xee); // the caller may write every usable byte
                    live.add(p);
                }
            } else if (op == 1) {
                int k = rnd.nextInt(live.size());
                long r = a.realloc(live.get(k), rnd.nextLong(1, 5000));
                if (r != 0) {
                    heap(a).fill(r, a.usableSize(r), (byte) 0xdd);
                    live.set(k, r);
                }
            } else {
                long p = live.remove(rnd.nextInt(live.size()));
                a.free(p);
                assertThrows(DoubleFreeException.class, () -> a.free(p));
            }
            if (i % 50 == 0) {
                assertEquals(List.of(), new HeapChecker().check(Inspection.of(a).heapWalk()), "step " + i);
                assertEquals(live.size(), allocated(a).size(), "step " + i);
            }
        }
        for (long p : live) {
            a.free(p);
        }
        assertTrue(allocated(a).isEmpty());
    }
}
