package org.jalloc.bench;

import java.util.SplittableRandom;

import org.jalloc.gc.Mutator;

/**
 * The pause workload of issue 19: a live set of {@code live} small objects (two references, 8 data bytes: 48 bytes in
 * jalloc's layout) held in chunks of 1024 by a root table, then {@code churn} operations, each allocating a garbage
 * object and, every eighth, replacing a random live object with a new one (an old-to-young store for a generational
 * collector, a deletion for a snapshot barrier). The live set stays at {@code live} objects throughout.
 */
public final class LiveHeapChurn {
    public static final int CHUNK = 1024;
    private final Mutator m;
    private final int node;
    private final int live;

    /** Builds the live set; the mutator's frame gets three slots (table, chunk, scratch). */
    public LiveHeapChurn(Mutator m, int node, int live) {
        this.m = m;
        this.node = node;
        this.live = live;
        int chunks = (live + CHUNK - 1) / CHUNK;
        m.pushFrame(3);
        m.setLocal(0, m.allocateArray(org.jalloc.gc.Types.REF_ARRAY, chunks));
        for (int c = 0; c < chunks; c++) {
            m.setLocal(1, m.allocateArray(org.jalloc.gc.Types.REF_ARRAY, CHUNK));
            m.setRef(m.local(0), c, m.local(1));
            for (int j = 0; j < CHUNK && c * CHUNK + j < live; j++) {
                long n = m.allocate(node);
                if (n == 0) {
                    throw new GcPrograms.OutOfHeap();
                }
                m.putLong(n, 0, c * (long) CHUNK + j);
                m.setRef(m.local(1), j, n);
            }
        }
        m.setLocal(1, 0);
    }

    /** {@code ops} operations; returns a checksum. */
    public long churn(long ops, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long sum = 0;
        for (long i = 0; i < ops; i++) {
            long g = m.allocate(node);
            if (g == 0) {
                throw new GcPrograms.OutOfHeap();
            }
            m.setLocal(2, g);
            if ((i & 7) == 0) {
                int k = r.nextInt(live);
                long n = m.allocate(node);
                if (n == 0) {
                    throw new GcPrograms.OutOfHeap();
                }
                m.putLong(n, 0, k);
                long chunk = m.getRef(m.local(0), k / CHUNK);
                m.setRef(chunk, k % CHUNK, n);
                sum += k;
            }
        }
        m.setLocal(2, 0);
        return sum;
    }

    /** The live set in jalloc's layout, bytes: the nodes, the chunks and the table. */
    public static long liveBytes(int live) {
        long chunks = (live + CHUNK - 1) / CHUNK;
        return live * 48L + chunks * (16 + 8L * CHUNK) + 16 + 8 * chunks;
    }

    /** The same workload as Java objects (for the JVM's collectors). */
    public static final class Java {
        static final class Node {
            Node a;
            Node b;
            long v;

            Node(long v) {
                this.v = v;
            }
        }

        private final Node[][] table;
        private final int live;
        /** Defeats escape analysis of the garbage. */
        public static volatile Node sink;

        public Java(int live) {
            this.live = live;
            int chunks = (live + CHUNK - 1) / CHUNK;
            table = new Node[chunks][];
            for (int c = 0; c < chunks; c++) {
                table[c] = new Node[CHUNK];
                for (int j = 0; j < CHUNK && c * CHUNK + j < live; j++) {
                    table[c][j] = new Node(c * (long) CHUNK + j);
                }
            }
        }

        public long churn(long ops, long seed) {
            SplittableRandom r = new SplittableRandom(seed);
            long sum = 0;
            Node g = null;
            for (long i = 0; i < ops; i++) {
                g = new Node(i);
                if ((i & 7) == 0) {
                    int k = r.nextInt(live);
                    table[k / CHUNK][k % CHUNK] = new Node(k);
                    sum += k;
                }
            }
            sink = g;
            return sum;
        }
    }
}
