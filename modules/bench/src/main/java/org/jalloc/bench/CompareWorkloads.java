package org.jalloc.bench;

import java.util.SplittableRandom;

import org.jalloc.gc.Collector;
import org.jalloc.gc.Collectors;
import org.jalloc.gc.Mutator;
import org.jalloc.gc.ObjectModel;
import org.jalloc.gc.Types;

/**
 * The two workloads of the collector comparison beyond GCBench and binary-trees ({@link GcPrograms}), written against
 * the mutator API; {@link JavaCompareWorkloads} has them as Java objects, same sizes, same random choices.
 *
 * <dl>
 *   <dt>mutation</dt><dd>the pointer-heavy case against reference counting: a FIFO of {@value #MUTATION_NODES}
 *       nodes of 4 reference fields; each step allocates a node into the place of the oldest one and then rewires
 *       {@value #WRITES_PER_ALLOCATION} fields (a node's field is set to a younger node), so there are many reference
 *       writes per allocation. Fields only ever name younger nodes, so the node that leaves the FIFO is garbage at
 *       once and the live set is exactly the FIFO: {@link #peakLive}.</dd>
 *   <dt>cyclic</dt><dd>cycles discarded whole: a FIFO of {@value #CYCLIC_STRUCTURES} structures of
 *       {@value #CYCLIC_LENGTH} nodes, alternately a doubly linked list and a ring; each step builds one and drops
 *       the oldest. Every dropped structure is cyclic garbage: counting alone frees none of it.</dd>
 * </dl>
 */
public final class CompareWorkloads {
    public static final int MUTATION_NODES = 1 << 17;
    public static final int MUTATION_STEPS = 1 << 18;
    public static final int WRITES_PER_ALLOCATION = 16;
    public static final int CYCLIC_STRUCTURES = 2048;
    public static final int CYCLIC_LENGTH = 64;
    public static final int CYCLIC_STEPS = 40_000;
    public static final long SEED = 20261207L;

    private final Mutator m;
    private final int mnode; // 4 references + 8 data bytes
    private final int dnode; // prev, next + 8 data bytes

    public CompareWorkloads(Mutator m) {
        this.m = m;
        this.mnode = m.types().define("MNode", 4, 8);
        this.dnode = m.types().define("DNode", 2, 8);
    }

    private long alloc(int type) {
        long x = m.allocate(type);
        if (x == 0) {
            throw new GcPrograms.OutOfHeap();
        }
        return x;
    }

    /** One of the four programs by name, on a fresh collector's mutator; returns a checksum. */
    public static long run(String program, Mutator m) {
        return switch (program) {
            case "gcbench" -> new GcPrograms(m).gcBench();
            case "binary-trees" -> new GcPrograms(m).binaryTrees();
            case "mutation" -> new CompareWorkloads(m).mutation();
            case "cyclic" -> new CompareWorkloads(m).cyclic();
            default -> throw new IllegalArgumentException("unknown program " + program);
        };
    }

    /** The age of FIFO position {@code p} when {@code head} is the oldest (0 = oldest). */
    static int age(int p, int head, int n) {
        return Math.floorMod(p - head, n);
    }

    /** The mutation workload; returns a checksum. */
    public long mutation() {
        int n = MUTATION_NODES;
        SplittableRandom r = new SplittableRandom(SEED);
        m.pushFrame(1);
        long table = m.allocateArray(Types.REF_ARRAY, n);
        if (table == 0) {
            throw new GcPrograms.OutOfHeap();
        }
        m.setLocal(0, table);
        for (int i = 0; i < n; i++) {
            long x = alloc(mnode);
            m.putLong(x, 0, i);
            m.setRef(m.local(0), i, x);
        }
        int head = 0;
        long check = 0;
        for (int step = 0; step < MUTATION_STEPS; step++) {
            long x = alloc(mnode);
            m.putLong(x, 0, step);
            m.setRef(m.local(0), head, x); // the oldest node leaves: nothing younger names it
            head = (head + 1) % n;
            long t = m.local(0);
            for (int w = 0; w < WRITES_PER_ALLOCATION; w++) {
                int p = r.nextInt(n);
                int q = r.nextInt(n);
                if (age(p, head, n) > age(q, head, n)) {
                    int s = p;
                    p = q;
                    q = s;
                }
                long older = m.getRef(t, p);
                m.setRef(older, w & 3, p == q ? 0 : m.getRef(t, q));
            }
            check += m.getLong(m.getRef(t, r.nextInt(n)), 0);
        }
        m.popFrame();
        return check;
    }

    /** The cyclic workload; returns a checksum. */
    public long cyclic() {
        int k = CYCLIC_STRUCTURES;
        m.pushFrame(3);
        long table = m.allocateArray(Types.REF_ARRAY, k);
        if (table == 0) {
            throw new GcPrograms.OutOfHeap();
        }
        m.setLocal(0, table);
        long check = 0;
        for (int step = 0; step < CYCLIC_STEPS; step++) {
            boolean ring = (step & 1) != 0;
            long first = alloc(dnode);
            m.putLong(first, 0, step);
            m.setLocal(1, first);
            m.setLocal(2, first);
            for (int i = 1; i < CYCLIC_LENGTH; i++) {
                long x = alloc(dnode);
                m.putLong(x, 0, i);
                long last = m.local(2);
                m.setRef(last, 1, x); // next
                if (!ring) {
                    m.setRef(x, 0, last); // prev
                }
                m.setLocal(2, x);
            }
            if (ring) {
                m.setRef(m.local(2), 1, m.local(1)); // close the ring
            }
            check += m.getLong(m.local(2), 0);
            m.setRef(m.local(0), step % k, m.local(1)); // the oldest structure is dropped whole
            m.setLocal(1, 0);
            m.setLocal(2, 0);
        }
        m.popFrame();
        return check;
    }

    /**
     * The program's peak live bytes in jalloc's layout: GCBench and binary-trees as {@link GcBenchMain#peakLive};
     * mutation: the FIFO's nodes and its array (plus the node allocated before the oldest leaves); cyclic: the
     * structures in the FIFO, the one being built, and the array.
     */
    static long peakLive(String program) {
        if (program.equals("gcbench") || program.equals("binary-trees")) {
            return GcBenchMain.peakLive(program);
        }
        try (Collector gc = Collectors.create("mark-compact", 1 << 20)) {
            ObjectModel om = gc.objectModel();
            int mn = gc.types().define("MNode", 4, 8);
            int dn = gc.types().define("DNode", 2, 8);
            if (program.equals("mutation")) {
                return (MUTATION_NODES + 1L) * om.sizeOf(mn, 0) + om.sizeOf(Types.REF_ARRAY, MUTATION_NODES);
            }
            return (CYCLIC_STRUCTURES + 1L) * CYCLIC_LENGTH * om.sizeOf(dn, 0) + om.sizeOf(Types.REF_ARRAY, CYCLIC_STRUCTURES);
        }
    }
}
