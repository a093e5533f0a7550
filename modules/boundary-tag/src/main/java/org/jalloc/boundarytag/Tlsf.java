package org.jalloc.boundarytag;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.InvariantSink;

/**
 * Two-level segregated fit (Masmano, Ripoll, Crespo, Real: "TLSF: a new dynamic memory allocator for real-time
 * systems", ECRTS 2004): a first level of power-of-two classes, each cut into {@link #SL_COUNT} linear second-level
 * classes, one free list per (fl, sl) pair, and bitmaps telling which lists are non-empty, so malloc and free take
 * O(1) time whatever the number of free blocks.
 *
 * <h2>Mapping a size to a list</h2>
 * <pre>
 *   size &lt; 256 (SMALL):   fl = 0,                    sl = size / 16            (exact 16-byte classes)
 *   size &gt;= 256:          m = floor(log2(size)),     fl = m - 7,   sl = (size &gt;&gt; (m - 4)) - 16
 *
 *                        63 ........ m  m-1 .. m-4  m-5 .......... 0
 *   size bits:          |  0 ... 0 | 1 |   sl     |  ignored        |
 *
 *   list index = fl · 16 + sl        fl = 0: [0,16) [16,32) ... [240,256);   fl = 1: [256,272) ... [496,512); ...
 * </pre>
 *
 * <h2>Bitmaps</h2>
 * <pre>
 *   flBitmap (64 bits):    bit fl set  ⇔  slBitmap[fl] ≠ 0
 *   slBitmap[fl] (16 bits): bit sl set ⇔  heads[fl·16 + sl] ≠ 0                   (BT-8)
 * </pre>
 *
 * <h2>Search for a block of {@code asize} bytes</h2>
 * <ol>
 *   <li>Round {@code asize} up to the next list boundary ({@code asize + 2^(m-4) - 1} for {@code asize >= 256}), so
 *       that every block of the list found fits: no list is ever scanned.</li>
 *   <li>Map the rounded size to (fl, sl); {@code slBitmap[fl] & (~0 << sl)}: if non-zero, its lowest set bit is the
 *       list; else {@code flBitmap & (~0 << (fl + 1))}: its lowest set bit is the next fl, and the lowest set bit of
 *       that {@code slBitmap} is the list. Two find-first-set instructions ({@code numberOfTrailingZeros}).</li>
 *   <li>Take the head of that list. If no list was found, take the head of {@code asize}'s own (unrounded) list
 *       when it is large enough. No list is scanned; insert and remove are O(1) list operations plus bitmap
 *       updates.</li>
 * </ol>
 * The rounding is TLSF's price: a block in {@code asize}'s own list that would fit is not found when the list is
 * not entirely larger than {@code asize} (good fit, not best fit). The heads and bitmaps grow with the largest
 * class used, so a small heap pays for few of them (they count as external metadata).
 */
final class Tlsf extends BinIndex {
    static final int SL_BITS = 4;
    static final int SL_COUNT = 1 << SL_BITS;
    /** log2 of the 16-byte granule. */
    static final int ALIGN_SHIFT = 4;
    static final int FL_SHIFT = SL_BITS + ALIGN_SHIFT;
    /** Sizes below this map to fl 0 with exact 16-byte second-level classes. */
    static final long SMALL = 1L << FL_SHIFT;

    long flBitmap;
    int[] slBitmap = new int[1];

    Tlsf(Heap heap) {
        super(heap, SL_COUNT);
    }

    static int fl(long size) {
        return size < SMALL ? 0 : 63 - Long.numberOfLeadingZeros(size) - FL_SHIFT + 1;
    }

    static int sl(long size) {
        if (size < SMALL) {
            return (int) (size >>> ALIGN_SHIFT);
        }
        int m = 63 - Long.numberOfLeadingZeros(size);
        return (int) (size >>> (m - SL_BITS)) & (SL_COUNT - 1);
    }

    @Override
    int listOf(long size) {
        return fl(size) * SL_COUNT + sl(size);
    }

    /** {@code asize} rounded up to the first size whose whole list holds blocks of at least {@code asize}. */
    static long roundUp(long asize) {
        if (asize < SMALL) {
            return asize;
        }
        return asize + (1L << (63 - Long.numberOfLeadingZeros(asize) - SL_BITS)) - 1;
    }

    @Override
    long findFit(MemorySegment mem, long asize) {
        long rounded = roundUp(asize);
        int fl = fl(rounded);
        int sl = sl(rounded);
        int slMap = fl < slBitmap.length ? slBitmap[fl] & (-1 << sl) : 0;
        if (slMap == 0) {
            long flMap = fl + 1 >= 64 ? 0 : flBitmap & (-1L << (fl + 1));
            if (flMap == 0) {
                return ownListFit(mem, asize);
            }
            fl = Long.numberOfTrailingZeros(flMap);
            slMap = slBitmap[fl];
        }
        return heads[fl * SL_COUNT + Integer.numberOfTrailingZeros(slMap)];
    }

    /**
     * The fallback when no list wholly above {@code asize} has a block: the head of {@code asize}'s own list, if it
     * is large enough (one more O(1) look, which recovers most of what the rounding loses on the malloc-lab traces).
     */
    private long ownListFit(MemorySegment mem, long asize) {
        int list = listOf(asize);
        if (list >= heads.length) {
            return 0;
        }
        long head = heads[list];
        return head != 0 && BoundaryTagAllocator.sizeOf(mem.get(WORD, head)) >= asize ? head : 0;
    }

    @Override
    void ensureList(int list) {
        if (list >= heads.length) {
            int fls = list / SL_COUNT + 1;
            heads = Arrays.copyOf(heads, fls * SL_COUNT);
            slBitmap = Arrays.copyOf(slBitmap, fls);
        }
    }

    @Override
    void listFilled(int list) {
        int fl = list / SL_COUNT;
        slBitmap[fl] |= 1 << (list % SL_COUNT);
        flBitmap |= 1L << fl;
    }

    @Override
    void listEmptied(int list) {
        int fl = list / SL_COUNT;
        slBitmap[fl] &= ~(1 << (list % SL_COUNT));
        if (slBitmap[fl] == 0) {
            flBitmap &= ~(1L << fl);
        }
    }

    @Override
    long externalBytes() {
        return 8L * heads.length + 4L * slBitmap.length + 8; // heads, second-level maps (ints), the first-level map
    }

    @Override
    String describe(int list) {
        int fl = list / SL_COUNT;
        int sl = list % SL_COUNT;
        long lo;
        long width;
        if (fl == 0) {
            lo = (long) sl << ALIGN_SHIFT;
            width = 1L << ALIGN_SHIFT;
        } else {
            int m = fl + FL_SHIFT - 1;
            width = 1L << (m - SL_BITS);
            lo = (1L << m) + sl * width;
        }
        return "fl " + fl + " sl " + sl + " [" + lo + ", " + (lo + width) + ")";
    }

    @Override
    String policy() {
        return "tlsf";
    }

    /** BT-8: every second-level bit says whether its list is non-empty, every first-level bit whether its map is. */
    @Override
    @Enforces("BT-8")
    void checkStructure(InvariantSink sink) {
        for (int fl = 0; fl < slBitmap.length; fl++) {
            for (int sl = 0; sl < SL_COUNT; sl++) {
                boolean bit = (slBitmap[fl] & (1 << sl)) != 0;
                boolean nonEmpty = heads[fl * SL_COUNT + sl] != 0;
                if (bit != nonEmpty) {
                    sink.violation("BT-8", heads[fl * SL_COUNT + sl], "second-level bitmap bit disagrees with its list ("
                                    + describe(fl * SL_COUNT + sl) + ")",
                            nonEmpty ? "bit set (list non-empty)" : "bit clear (list empty)", bit ? "set" : "clear");
                }
            }
            if ((slBitmap[fl] & ~((1 << SL_COUNT) - 1)) != 0) {
                sink.violation("BT-8", 0, "second-level bitmap of fl " + fl + " has bits beyond sl " + (SL_COUNT - 1),
                        "bits 0.." + (SL_COUNT - 1) + " only", Integer.toHexString(slBitmap[fl]));
            }
            boolean flBit = (flBitmap & (1L << fl)) != 0;
            if (flBit != (slBitmap[fl] != 0)) {
                sink.violation("BT-8", 0, "first-level bitmap bit " + fl + " disagrees with its second-level map",
                        slBitmap[fl] != 0 ? "set" : "clear", flBit ? "set" : "clear");
            }
        }
        if (slBitmap.length < 64 && (flBitmap >>> slBitmap.length) != 0) {
            sink.violation("BT-8", 0, "first-level bitmap names classes that have no lists",
                    "bits 0.." + (slBitmap.length - 1) + " only", Long.toHexString(flBitmap));
        }
    }
}
