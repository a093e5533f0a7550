package org.jalloc.core.memory;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One byte of allocator state per 16-byte granule of a {@link Heap}, kept outside the heap where no caller can write
 * it: what a block's own bytes cannot tell reliably. A free marker inside a free block is cheap to test, but the
 * block's bytes are the caller's once it is handed out, and a caller may store exactly the marker (data it saved
 * from the block while it was free, or crafted); a byte here is written only by the allocator.
 *
 * <pre>
 *   heap address a (16-aligned)  --&gt;  leaves[a &gt;&gt;&gt; 16][(a &gt;&gt;&gt; 4) &amp; 4095]
 *   heap   | 16 B | 16 B | 16 B | ... 64 KiB of heap ...  |
 *   leaf   |  1   |  1   |  1   | ... a 4 KiB byte[] .... |   created when a run of blocks is first set there
 * </pre>
 *
 * <p>Memory: a two-level table on the Java heap (as the allocators' page maps and span descriptors): a root of one
 * reference per 64 KiB of heap up to the highest block set (grown by doubling, as buddy's frame bitmaps grow with the
 * break), and a 4 KiB leaf for each 64 KiB of heap where {@link #setBlocks} put blocks (1/16 of that heap at most),
 * dropped again by {@link #release}; {@link #bytes()} counts both. Plain Java arrays rather than an off-heap segment
 * keep every access a few instructions, so the allocators' fast paths stay small enough to be inlined.
 *
 * <p>Concurrency: plain byte loads and stores. A byte store never changes a neighbouring element (JLS 17.6), so the
 * owners of different blocks may write their bytes concurrently without atomics; the ordering between successive
 * owners of one block is the hand-over of the block itself (a lock, a CAS, a thread start), as for the block's own
 * bytes. A leaf, and a root array holding it, are created and published (under this object's monitor) before any
 * block in the leaf is handed out, so whoever holds a block finds its leaf. {@link #setBlocks}, {@link #release} and
 * {@link #bytes()} are synchronized among themselves.
 */
public final class GranuleMap {
    /** log2 of the granule: every state byte describes 16 bytes of heap. */
    public static final int GRANULE_SHIFT = 4;
    private static final int LEAF_SHIFT = 16;
    private static final long LEAF_HEAP = 1L << LEAF_SHIFT;
    private static final int LEAF_BYTES = 1 << (LEAF_SHIFT - GRANULE_SHIFT);
    private static final int MASK = LEAF_BYTES - 1;

    /** Leaves by {@code address >>> 16}; replaced by a longer copy when a block beyond it is set. */
    private byte[] @Nullable [] leaves = new byte[16][];
    private final long heapLimit;
    private long leafCount;

    /** A map covering every address of {@code heap} ({@code [0, heap.limit())}), all bytes 0. */
    public GranuleMap(Heap heap) {
        this.heapLimit = heap.limit();
    }

    /**
     * The state of the granule holding {@code address} ({@code address >= 0}); 0 where no block was ever set, or its
     * leaf was released.
     */
    public byte get(long address) {
        byte[] @Nullable [] root = leaves;
        long r = address >>> LEAF_SHIFT;
        if (r >= root.length) {
            return 0;
        }
        byte @Nullable [] leaf = root[(int) r];
        return leaf == null ? 0 : leaf[(int) (address >>> GRANULE_SHIFT) & MASK];
    }

    /** Sets the state of the granule holding {@code address}, which a {@link #setBlocks} run covered before. */
    public void set(long address, byte state) {
        byte[] @Nullable [] root = leaves;
        long r = address >>> LEAF_SHIFT;
        byte @Nullable [] leaf = r < root.length ? root[(int) r] : null;
        if (leaf == null) {
            throw unset(address);
        }
        leaf[(int) (address >>> GRANULE_SHIFT) & MASK] = state;
    }

    /**
     * Sets the state of the granule holding {@code address} (covered by a {@link #setBlocks} run) and returns the
     * state it had: one lookup where a test and a set would take two.
     */
    public byte exchange(long address, byte state) {
        byte[] @Nullable [] root = leaves;
        long r = address >>> LEAF_SHIFT;
        byte @Nullable [] leaf = r < root.length ? root[(int) r] : null;
        if (leaf == null) {
            throw unset(address);
        }
        int i = (int) (address >>> GRANULE_SHIFT) & MASK;
        byte old = leaf[i];
        leaf[i] = state;
        return old;
    }

    private static IllegalStateException unset(long address) {
        return new IllegalStateException("state map: no run of blocks was set around " + address);
    }

    /**
     * Sets the granules of {@code count} blocks {@code first + i * stride} (a new run of blocks, inside the heap) to
     * {@code state}, creating the leaves they fall in.
     */
    public synchronized void setBlocks(long first, long stride, long count, byte state) {
        if (count <= 0) {
            return;
        }
        long last = first + (count - 1) * stride;
        if (first < 0 || last >= heapLimit) {
            throw new IndexOutOfBoundsException("state map: blocks [" + first + ", " + last + "] outside the heap [0, " + heapLimit + ")");
        }
        byte[] @Nullable [] root = leaves;
        int need = (int) (last >>> LEAF_SHIFT) + 1;
        if (need > root.length) {
            root = java.util.Arrays.copyOf(root, Math.max(need, 2 * root.length));
        }
        for (long i = 0, a = first; i < count; i++, a += stride) {
            int r = (int) (a >>> LEAF_SHIFT);
            byte @Nullable [] leaf = root[r];
            if (leaf == null) {
                leaf = new byte[LEAF_BYTES];
                root[r] = leaf;
                leafCount++;
            }
            leaf[(int) (a >>> GRANULE_SHIFT) & MASK] = state;
        }
        leaves = root; // published before any of these blocks is handed out (the caller's hand-over orders it)
    }

    /**
     * Drops the leaves that describe only heap bytes inside {@code [address, address + length)} (they read as 0
     * afterwards): call it when those heap bytes hold no block whose state matters any more.
     */
    public synchronized void release(long address, long length) {
        byte[] @Nullable [] root = leaves;
        long first = (address + LEAF_HEAP - 1) >>> LEAF_SHIFT;
        long end = Math.min((address + length) >>> LEAF_SHIFT, root.length);
        for (long r = first; r < end; r++) {
            if (root[(int) r] != null) {
                root[(int) r] = null;
                leafCount--;
            }
        }
    }

    /** Java-heap bytes of the map now (compressed references): the root and every leaf. */
    public synchronized long bytes() {
        return 16 + 4L * leaves.length + leafCount * (16 + LEAF_BYTES);
    }

    @Override
    public String toString() {
        return "GranuleMap[" + leafCount + " leaves, root of " + leaves.length + ", " + bytes() + " bytes]";
    }
}
