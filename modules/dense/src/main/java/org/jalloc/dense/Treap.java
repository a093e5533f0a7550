package org.jalloc.dense;

import java.util.Arrays;

import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.InvariantSink;

/**
 * The free blocks of {@link DenseAllocator} as a treap (Aragon and Seidel's randomized search tree) ordered by
 * (size, address): exact best fit with address-ordered ties in O(log n) expected. Its nodes live in four int
 * arrays outside the heap, 16 bytes per free block, counted as external metadata: a search then walks a few
 * kilobytes of cache-resident arrays instead of free blocks scattered over the heap (an in-heap tree, measured
 * first, ran at a fifth of boundary-tag's speed on random-bal for that reason).
 *
 * <pre>
 *   node i:  size[i] = block size / 16    addr[i] = block address / 16 (rounded down: blocks start at 16k + 8)
 *            left[i], right[i]: nodes or NIL
 *
 *                       (96, 0x2008)                key: (size, address); ties LOW orders equal sizes by
 *                      /            \                    ascending address, HIGH by descending address
 *             (48, 0x1f08)         (160, 0x1008)   priority: a hash of the address (no field needed);
 *                   \                                    every parent's priority exceeds its children's
 *                 (48, 0x3008)
 * </pre>
 *
 * Invariants (DENSE-6, {@link #check}): the in-order sequence of keys is strictly increasing, and every node's
 * priority exceeds its children's. That the tree holds exactly the free blocks, each once and with its size, is
 * HEAP-3. Unused nodes are chained through {@code left} from {@code spare}.
 *
 * <h2>Algorithms</h2>
 * <ol>
 *   <li>best fit (size n): descend from the root; a node of at least n bytes is a candidate and the search goes
 *       left for a smaller one, else right. The last candidate is the least key of size at least n: the smallest
 *       block that fits and, among those, the lowest (LOW) or highest (HIGH) address.</li>
 *   <li>insert x: descend while the node's priority exceeds x's; split the subtree found there by x's key into
 *       x's left and right subtrees; x takes its place.</li>
 *   <li>remove x: find x by its key; merge its two subtrees (the higher priority of the two roots goes up) into
 *       its place. A removal finds the block by its size, so a block leaves the tree before its header changes.</li>
 * </ol>
 * Addresses and sizes are stored in 16-byte units, so a heap of up to 32 GiB is indexed ({@link #MAX_HEAP}).
 */
final class Treap {
    static final int NIL = -1;
    /** The largest heap whose offsets fit the node arrays (in 16-byte units, in an int). */
    static final long MAX_HEAP = 1L << 35;

    private final boolean highTies;
    int[] size = new int[0];
    int[] addr = new int[0];
    int[] left = new int[0];
    int[] right = new int[0];
    /** The root node, NIL when there is no free block. */
    int root = NIL;
    /** Head of the unused nodes (chained through {@code left}). */
    private int spare = NIL;
    /** Free blocks in the tree. */
    long nodes;
    long searches;
    long searchSteps;
    long maxSearchSteps;
    /** Scratch stack of the in-order traversals (never shrinks). */
    private int[] stack = new int[64];

    Treap(boolean highTies) {
        this.highTies = highTies;
    }

    static long priority(long block) {
        long h = block * 0x9E3779B97F4A7C15L;
        h ^= h >>> 31;
        h *= 0xBF58476D1CE4E5B9L;
        return h ^ (h >>> 29);
    }

    /** Whether block {@code a} belongs above block {@code b} (a higher priority; equal hashes: the lower address). */
    static boolean above(long a, long b) {
        int c = Long.compareUnsigned(priority(a), priority(b));
        return c > 0 || (c == 0 && a < b);
    }

    /** Block starts are 8 past a multiple of 16 (the header before a 16-aligned payload): stored as {@code block >>> 4}. */
    long blockOf(int node) {
        return ((long) addr[node] << 4) | DenseAllocator.WORD;
    }

    long sizeOf(int node) {
        return (long) size[node] << 4;
    }

    /** Key order on (size, address) in 16-byte units. */
    private boolean less(int aSize, int aAddr, int bSize, int bAddr) {
        return aSize < bSize || (aSize == bSize && (highTies ? aAddr > bAddr : aAddr < bAddr));
    }

    private boolean less(int a, int b) {
        return less(size[a], addr[a], size[b], addr[b]);
    }

    /** Bytes of the node arrays (outside the heap). */
    long externalBytes() {
        return 16L * size.length;
    }

    private int newNode(long block, long bytes) {
        if (spare == NIL) {
            int old = size.length;
            int n = Math.max(4, old + (old >> 1));
            size = Arrays.copyOf(size, n);
            addr = Arrays.copyOf(addr, n);
            left = Arrays.copyOf(left, n);
            right = Arrays.copyOf(right, n);
            for (int i = n - 1; i >= old; i--) {
                left[i] = spare;
                spare = i;
            }
        }
        int i = spare;
        spare = left[i];
        size[i] = (int) (bytes >>> 4);
        addr[i] = (int) (block >>> 4);
        left[i] = NIL;
        right[i] = NIL;
        return i;
    }

    /** The least key with a size of at least {@code asize} bytes: the best fit's block, or 0. */
    long findFit(long asize) {
        int need = (int) Math.min(Integer.MAX_VALUE, (asize + 15) >>> 4);
        int best = NIL;
        long steps = 0;
        for (int t = root; t != NIL; steps++) {
            if (size[t] >= need) {
                best = t;
                t = left[t];
            } else {
                t = right[t];
            }
        }
        searches++;
        searchSteps += steps;
        maxSearchSteps = Math.max(maxSearchSteps, steps);
        return best == NIL ? 0 : blockOf(best);
    }

    /** Adds the free block {@code block} of {@code bytes} bytes. */
    void insert(long block, long bytes) {
        int x = newNode(block, bytes);
        int parent = NIL;
        boolean toLeft = false;
        int t = root;
        while (t != NIL && above(blockOf(t), block)) {
            parent = t;
            toLeft = less(x, t);
            t = toLeft ? left[t] : right[t];
        }
        // split t's subtree by x's key into x's left and right subtrees
        int lTail = x;
        boolean lSide = true; // the next node smaller than x goes to lTail's left (x) or right (others)
        int rTail = x;
        boolean rSide = false;
        while (t != NIL) {
            if (less(t, x)) {
                if (lSide) {
                    left[lTail] = t;
                } else {
                    right[lTail] = t;
                }
                lTail = t;
                lSide = false;
                t = right[t];
            } else {
                if (rSide) {
                    left[rTail] = t;
                } else {
                    right[rTail] = t;
                }
                rTail = t;
                rSide = true;
                t = left[t];
            }
        }
        if (lSide) {
            left[lTail] = NIL;
        } else {
            right[lTail] = NIL;
        }
        if (rSide) {
            left[rTail] = NIL;
        } else {
            right[rTail] = NIL;
        }
        link(parent, toLeft, x);
        nodes++;
    }

    private void link(int parent, boolean toLeft, int child) {
        if (parent == NIL) {
            root = child;
        } else if (toLeft) {
            left[parent] = child;
        } else {
            right[parent] = child;
        }
    }

    /** Removes the free block {@code block} of {@code bytes} bytes (its size when it was inserted). */
    void remove(long block, long bytes) {
        int s = (int) (bytes >>> 4);
        int a = (int) (block >>> 4);
        int parent = NIL;
        boolean toLeft = false;
        int t = root;
        long limit = nodes + 1;
        while (t == NIL || addr[t] != a || size[t] != s) {
            if (t == NIL || limit-- == 0) {
                throw new HeapCorruptionException("dense: free block 0x" + Long.toHexString(block) + " of " + bytes
                        + " bytes is not in the free-block tree (a corrupted header?)", block);
            }
            parent = t;
            toLeft = less(s, a, size[t], addr[t]);
            t = toLeft ? left[t] : right[t];
        }
        int x = t;
        int l = left[x];
        int r = right[x];
        while (l != NIL && r != NIL) {
            if (above(blockOf(l), blockOf(r))) {
                link(parent, toLeft, l);
                parent = l;
                toLeft = false;
                l = right[l];
            } else {
                link(parent, toLeft, r);
                parent = r;
                toLeft = true;
                r = left[r];
            }
        }
        link(parent, toLeft, l != NIL ? l : r);
        left[x] = spare;
        spare = x;
        nodes--;
    }

    /** A test of a free block for {@link #firstFrom}. */
    @FunctionalInterface
    interface Fits {
        boolean test(long block, long size);
    }

    /**
     * The first block, in key order from the least key of at least {@code minSize} bytes, that {@code fits} accepts,
     * looking at no more than {@code limit} blocks; 0 if none.
     */
    long firstFrom(long minSize, int limit, Fits fits) {
        int need = (int) Math.min(Integer.MAX_VALUE, (minSize + 15) >>> 4);
        int top = 0;
        for (int t = root; t != NIL; ) {
            if (size[t] >= need) {
                top = push(top, t);
                t = left[t];
            } else {
                t = right[t];
            }
        }
        for (int seen = 0; top > 0 && seen < limit; seen++) {
            int b = stack[--top];
            if (fits.test(blockOf(b), sizeOf(b))) {
                return blockOf(b);
            }
            for (int t = right[b]; t != NIL; t = left[t]) {
                top = push(top, t);
            }
        }
        return 0;
    }

    private int push(int top, int node) {
        if (top == stack.length) {
            stack = Arrays.copyOf(stack, top * 2);
        }
        stack[top] = node;
        return top + 1;
    }

    private boolean valid(int node) {
        return node >= 0 && node < size.length;
    }

    /**
     * Every node in order (list 0) for the shared checker (HEAP-3), visiting at most as many nodes as the arrays
     * hold (more is a cycle: the surplus entries are HEAP-3's). Returns false when the visitor stopped the walk.
     */
    boolean walk(FreeEntryVisitor visitor) {
        long budget = size.length + 1L;
        int top = 0;
        int t = root;
        while (true) {
            while (t != NIL && valid(t)) {
                if (budget-- == 0) {
                    return visitor.entry(0, blockOf(t), sizeOf(t));
                }
                top = push(top, t);
                t = left[t];
            }
            if (top == 0) {
                return true;
            }
            int b = stack[--top];
            if (!visitor.entry(0, blockOf(b), sizeOf(b))) {
                return false;
            }
            t = right[b];
        }
    }

    /**
     * DENSE-6: the in-order keys strictly increase and every child's priority is below its parent's. Follows at
     * most as many nodes as the arrays hold; cycles are left to HEAP-3.
     */
    @Enforces("DENSE-6")
    void check(InvariantSink sink) {
        long budget = size.length + 1L;
        int top = 0;
        int t = root;
        int prev = NIL;
        while (true) {
            while (t != NIL && valid(t) && budget-- > 0) {
                checkChild(sink, t, left[t]);
                checkChild(sink, t, right[t]);
                top = push(top, t);
                t = left[t];
            }
            if (top == 0) {
                return;
            }
            int b = stack[--top];
            if (prev != NIL && !less(prev, b)) {
                sink.violation("DENSE-6", blockOf(b), "free-block tree out of (size, address) order",
                        "after (" + sizeOf(prev) + ", " + hex(blockOf(prev)) + ")", "(" + sizeOf(b) + ", " + hex(blockOf(b)) + ")");
            }
            prev = b;
            t = budget > 0 ? right[b] : NIL;
        }
    }

    private void checkChild(InvariantSink sink, int parent, int child) {
        if (child != NIL && valid(child) && !above(blockOf(parent), blockOf(child))) {
            sink.violation("DENSE-6", blockOf(child), "a free-block tree node's priority is not below its parent's",
                    "priority(" + hex(blockOf(child)) + ") < priority(parent " + hex(blockOf(parent)) + ")", "above or equal");
        }
    }

    static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }
}
