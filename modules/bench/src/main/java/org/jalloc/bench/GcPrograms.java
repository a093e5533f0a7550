package org.jalloc.bench;

import org.jalloc.gc.Mutator;
import org.jalloc.gc.Types;

/**
 * GCBench (Ellis, Kovac, Boehm) and binary-trees (the benchmarks game) written against the mutator API: every
 * reference that must survive an allocation lives in a shadow-stack slot, as compiled code with a shadow stack keeps
 * it. {@link JavaPrograms} has the same programs as ordinary Java objects.
 *
 * <p>Sizes are scaled for a shared 2-core machine: GCBench with a long-lived tree of depth 15, stretch trees of
 * depth 17, temporary trees of depth 4..15 and an array of 250,000 doubles; binary-trees with maximum depth 15.
 */
public final class GcPrograms {
    public static final int STRETCH_DEPTH = 17;
    public static final int LONG_LIVED_DEPTH = 15;
    public static final int ARRAY_SIZE = 250_000;
    public static final int MIN_DEPTH = 4;
    public static final int MAX_DEPTH = 15;
    public static final int BINARY_TREES_N = 15;

    /** Thrown when an allocation returns 0: the heap is too small for the program. */
    public static final class OutOfHeap extends RuntimeException {
        private static final long serialVersionUID = 1L;

        OutOfHeap() {
            super("the collected heap is too small for the program", null, false, false);
        }
    }

    private final Mutator m;
    private final int node;     // GCBench's Node: left, right, i, j
    private final int tree;     // binary-trees' TreeNode: left, right

    public GcPrograms(Mutator m) {
        this.m = m;
        this.node = m.types().define("Node", 2, 8);
        this.tree = m.types().define("TreeNode", 2, 0);
    }

    private long alloc(int type) {
        long x = m.allocate(type);
        if (x == 0) {
            throw new OutOfHeap();
        }
        return x;
    }

    private static int treeSize(int depth) {
        return (1 << (depth + 1)) - 1;
    }

    /** Top-down: the node in slot 0 of the top frame gets two fresh children, recursively. */
    private void populate(int depth) {
        if (depth <= 0) {
            return;
        }
        long l = alloc(node);
        m.setRef(m.local(0), 0, l); // the parent is re-read from its root after every allocation
        long r = alloc(node);
        m.setRef(m.local(0), 1, r);
        for (int side = 0; side < 2; side++) {
            long child = m.getRef(m.local(0), side);
            m.pushFrame(1);
            m.setLocal(0, child);
            populate(depth - 1);
            m.popFrame();
        }
    }

    /** Bottom-up: a tree of {@code depth}, returned as a reference valid until the next allocation. */
    private long makeTree(int type, int depth) {
        if (depth <= 0) {
            return alloc(type);
        }
        m.pushFrame(2);
        m.setLocal(0, makeTree(type, depth - 1));
        m.setLocal(1, makeTree(type, depth - 1));
        long n = alloc(type);
        m.setRef(n, 0, m.local(0));
        m.setRef(n, 1, m.local(1));
        m.popFrame();
        return n;
    }

    /** GCBench; returns a checksum. */
    public long gcBench() {
        m.pushFrame(3);
        // stretch the heap
        m.setLocal(2, makeTree(node, STRETCH_DEPTH));
        m.setLocal(2, 0);
        // a long-lived tree, built top-down
        m.setLocal(0, alloc(node));
        populate(LONG_LIVED_DEPTH);
        // a long-lived array of doubles
        long a = m.allocateArray(Types.BYTE_ARRAY, ARRAY_SIZE * 8);
        if (a == 0) {
            throw new OutOfHeap();
        }
        m.setLocal(1, a);
        for (int i = 0; i < ARRAY_SIZE / 2; i++) {
            m.putLong(a, i * 8L, Double.doubleToRawLongBits(1.0 / (i + 1)));
        }
        for (int d = MIN_DEPTH; d <= MAX_DEPTH; d += 2) {
            int iterations = 2 * treeSize(STRETCH_DEPTH) / treeSize(d);
            for (int i = 0; i < iterations; i++) {
                m.pushFrame(1);
                m.setLocal(0, alloc(node));
                populate(d);
                m.popFrame();
            }
            for (int i = 0; i < iterations; i++) {
                m.setLocal(2, makeTree(node, d));
            }
        }
        long check = count(m.local(0)) + (long) (1000 * Double.longBitsToDouble(m.getLong(m.local(1), 1000 * 8)));
        m.popFrame();
        return check;
    }

    private long count(long n) {
        if (n == 0) {
            return 0;
        }
        return 1 + count(m.getRef(n, 0)) + count(m.getRef(n, 1));
    }

    /** binary-trees; returns the sum of the checks. */
    public long binaryTrees() {
        int maxDepth = Math.max(MIN_DEPTH + 2, BINARY_TREES_N);
        m.pushFrame(1);
        long sum = count(makeTree(tree, maxDepth + 1));
        m.setLocal(0, makeTree(tree, maxDepth));
        for (int d = MIN_DEPTH; d <= maxDepth; d += 2) {
            int iterations = 1 << (maxDepth - d + MIN_DEPTH);
            for (int i = 0; i < iterations; i++) {
                sum += count(makeTree(tree, d));
            }
        }
        sum += count(m.local(0));
        m.popFrame();
        return sum;
    }
}
