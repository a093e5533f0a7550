package org.jalloc.bench;

import java.util.SplittableRandom;

/**
 * The four programs of the collector comparison as ordinary Java objects: GCBench and binary-trees
 * ({@link JavaPrograms}), and {@link CompareWorkloads}' mutation and cyclic workloads, same sizes and same random
 * choices. {@code main} runs one program once and exits 0, or 1 on OutOfMemoryError (how the minimum heap is found).
 */
public final class JavaCompareWorkloads {
    static final class MNode {
        MNode a;
        MNode b;
        MNode c;
        MNode d;
        long v;

        MNode(long v) {
            this.v = v;
        }

        void set(int field, MNode x) {
            switch (field) {
                case 0 -> a = x;
                case 1 -> b = x;
                case 2 -> c = x;
                default -> d = x;
            }
        }
    }

    static final class DNode {
        DNode prev;
        DNode next;
        long v;

        DNode(long v) {
            this.v = v;
        }
    }

    private JavaCompareWorkloads() {}

    public static long run(String program) {
        return switch (program) {
            case "gcbench" -> JavaPrograms.gcBench();
            case "binary-trees" -> JavaPrograms.binaryTrees();
            case "mutation" -> mutation();
            case "cyclic" -> cyclic();
            default -> throw new IllegalArgumentException("unknown program " + program);
        };
    }

    public static long mutation() {
        int n = CompareWorkloads.MUTATION_NODES;
        SplittableRandom r = new SplittableRandom(CompareWorkloads.SEED);
        MNode[] table = new MNode[n];
        for (int i = 0; i < n; i++) {
            table[i] = new MNode(i);
        }
        int head = 0;
        long check = 0;
        for (int step = 0; step < CompareWorkloads.MUTATION_STEPS; step++) {
            table[head] = new MNode(step);
            head = (head + 1) % n;
            for (int w = 0; w < CompareWorkloads.WRITES_PER_ALLOCATION; w++) {
                int p = r.nextInt(n);
                int q = r.nextInt(n);
                if (CompareWorkloads.age(p, head, n) > CompareWorkloads.age(q, head, n)) {
                    int s = p;
                    p = q;
                    q = s;
                }
                table[p].set(w & 3, p == q ? null : table[q]);
            }
            check += table[r.nextInt(n)].v;
        }
        return check;
    }

    public static long cyclic() {
        int k = CompareWorkloads.CYCLIC_STRUCTURES;
        DNode[] table = new DNode[k];
        long check = 0;
        for (int step = 0; step < CompareWorkloads.CYCLIC_STEPS; step++) {
            boolean ring = (step & 1) != 0;
            DNode first = new DNode(step);
            DNode last = first;
            for (int i = 1; i < CompareWorkloads.CYCLIC_LENGTH; i++) {
                DNode x = new DNode(i);
                last.next = x;
                if (!ring) {
                    x.prev = last;
                }
                last = x;
            }
            if (ring) {
                last.next = first;
            }
            check += last.v;
            table[step % k] = first;
        }
        return check;
    }

    /**
     * The program's peak live bytes as Java objects with 12-byte headers and 4-byte (compressed) references, 8-byte
     * aligned: GCBench's Node 32 bytes (its stretch tree, or the long-lived tree, the array and two temporary trees),
     * binary-trees' TreeNode 24, MNode 40, DNode 32, arrays 16 + their elements.
     */
    static long peakLive(String program) {
        return switch (program) {
            case "gcbench" -> {
                long node = 32;
                long stretch = ((1L << (GcPrograms.STRETCH_DEPTH + 1)) - 1) * node;
                long steady = ((1L << (GcPrograms.LONG_LIVED_DEPTH + 1)) - 1) * node + 16 + 8L * GcPrograms.ARRAY_SIZE
                        + 2 * ((1L << (GcPrograms.MAX_DEPTH + 1)) - 1) * node;
                yield Math.max(stretch, steady);
            }
            case "binary-trees" -> {
                int max = Math.max(GcPrograms.MIN_DEPTH + 2, GcPrograms.BINARY_TREES_N);
                yield Math.max(((1L << (max + 2)) - 1) * 24, 2 * ((1L << (max + 1)) - 1) * 24);
            }
            case "mutation" -> (CompareWorkloads.MUTATION_NODES + 1L) * 40 + 16 + 4L * CompareWorkloads.MUTATION_NODES;
            case "cyclic" -> (CompareWorkloads.CYCLIC_STRUCTURES + 1L) * CompareWorkloads.CYCLIC_LENGTH * 32 + 16
                    + 4L * CompareWorkloads.CYCLIC_STRUCTURES;
            default -> throw new IllegalArgumentException("unknown program " + program);
        };
    }

    /** Runs {@code args[0]} once: exit 0, or 1 on OutOfMemoryError. */
    public static void main(String[] args) {
        try {
            System.out.println(run(args[0]));
        } catch (OutOfMemoryError e) {
            System.exit(1);
        }
    }
}
