package org.jalloc.testkit.trace;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded workloads in the trace format, named after the allocator benchmarks they imitate, so users without the
 * classic traces can replay and tests do not depend on them. Every trace is balanced: it ends by freeing what is
 * still live (a trace of one op is {@code f -1}), and holds exactly the number of ops asked for, 1 to
 * {@value #MAX_OPS}. Generating costs O(log n) per op and about 40 bytes of memory per op.
 *
 * <table class="striped">
 *   <caption>Patterns</caption>
 *   <tr><th>name</th><th>imitates</th><th>shape</th></tr>
 *   <tr><td>larson</td><td>Larson &amp; Krishnan's server benchmark</td><td>a fixed array of slots; each step frees a random slot and refills it with a random size in [16, 256)</td></tr>
 *   <tr><td>producer-consumer</td><td>mimalloc/Netty remote-free reports</td><td>batches of 64 blocks allocated, then freed oldest batch first (FIFO)</td></tr>
 *   <tr><td>binary</td><td>malloc-lab binary-bal</td><td>alternating small power-of-two and larger odd sizes, then the small ones freed: defeats naive coalescing and buddies</td></tr>
 *   <tr><td>realloc-growth</td><td>malloc-lab realloc-bal</td><td>a few blocks grown step by step by realloc with small allocations between them</td></tr>
 *   <tr><td>random</td><td>malloc-lab random-bal</td><td>random malloc/free with sizes up to 32 KiB</td></tr>
 *   <tr><td>coalescing</td><td>malloc-lab coalescing-bal</td><td>two blocks allocated and freed, then one block of their combined size</td></tr>
 *   <tr><td>tail-sizes</td><td>footer-elision study</td><td>random live set with sizes 1-8 bytes above a multiple of 16</td></tr>
 *   <tr><td>full-api</td><td>jalloc extensions</td><td>random mix of a, c, m, r, x and f ops</td></tr>
 *   <tr><td>strings, list, tree, browser</td><td>real programs' heaps</td><td>mostly small requests (strings, list
 *       and tree nodes) with a few large ones: see {@link ProgramTraces}</td></tr>
 * </table>
 */
public final class TraceGenerator {
    /** The pattern names {@link #generate} accepts. */
    public static final List<String> PATTERNS = List.of(
            "larson", "producer-consumer", "binary", "realloc-growth", "random", "coalescing", "tail-sizes", "full-api",
            "strings", "list", "tree", "browser");

    /** The most ops a generated trace may hold. */
    public static final int MAX_OPS = 20_000_000;

    private final SplittableRandom random;
    private final int ops;
    private final OpList out = new OpList();
    private final LiveSet live;
    private final ArrayDeque<Integer> freeIds = new ArrayDeque<>();
    private final long[] requested;
    private int nextId;
    private long liveBytes;
    private long peakBytes;

    private TraceGenerator(long seed, int ops) {
        this.random = new SplittableRandom(seed);
        this.ops = ops;
        this.requested = new long[ops + 1];
        this.live = new LiveSet(ops + 1);
    }

    /**
     * A trace of exactly {@code ops} ops of the named pattern.
     *
     * @throws IllegalArgumentException for an unknown pattern (the message lists the known ones), or {@code ops}
     *                                  outside {@code [1, MAX_OPS]}
     */
    public static Trace generate(String pattern, int ops, long seed) {
        if (!PATTERNS.contains(pattern)) {
            throw new IllegalArgumentException("unknown pattern " + org.jalloc.core.spi.Messages.quote(pattern) + "; known: "
                    + String.join(", ", PATTERNS));
        }
        if (ops < 1 || ops > MAX_OPS) {
            throw new IllegalArgumentException("a generated trace holds 1 to " + MAX_OPS + " ops, not " + ops);
        }
        if (ProgramTraces.PATTERNS.contains(pattern)) {
            return ProgramTraces.generate(pattern, ops, seed);
        }
        TraceGenerator g = new TraceGenerator(seed, ops);
        switch (pattern) {
            case "larson" -> g.larson();
            case "producer-consumer" -> g.producerConsumer();
            case "binary" -> g.binary();
            case "realloc-growth" -> g.reallocGrowth();
            case "random" -> g.random(32 << 10);
            case "coalescing" -> g.coalescing();
            case "tail-sizes" -> g.tailSizes();
            case "full-api" -> g.fullApi();
            default -> throw new IllegalArgumentException("unknown pattern '" + pattern + "'; known: " + String.join(", ", PATTERNS));
        }
        g.pad();
        g.drain();
        return new Trace(pattern + "-" + seed + ".rep", g.peakBytes, g.nextId, g.out.size(), 1, g.out, List.of());
    }

    /** Ops left before the closing frees must start. */
    private int budget() {
        return ops - out.size() - live.size();
    }

    private int newId() {
        Integer reused = freeIds.pollFirst();
        return reused != null ? reused : nextId++;
    }

    private int alloc(long size) {
        int id = newId();
        add(Op.malloc(id, size));
        born(id, size);
        return id;
    }

    private void born(int id, long size) {
        live.add(id);
        requested[id] = size;
        liveBytes += size;
        peakBytes = Math.max(peakBytes, liveBytes);
    }

    private void add(Op op) {
        out.append(op.kind(), op.id(), op.size(), op.arg());
    }

    private void free(int id) {
        add(Op.free(id));
        live.remove(id);
        liveBytes -= requested[id];
        freeIds.addLast(id);
    }

    private void freeRandom() {
        free(live.get(random.nextInt(live.size())));
    }

    /** Fills the ops a pattern's last step left over, so the trace has exactly the size asked for. */
    private void pad() {
        while (budget() >= 2) {
            alloc(16); // one op now, one in the drain
        }
        if (budget() == 1) {
            if (live.isEmpty()) {
                add(Op.free(-1));
            } else {
                int id = live.get(0);
                add(Op.realloc(id, requested[id]));
            }
        }
    }

    /** Frees everything still live, oldest first. */
    private void drain() {
        while (!live.isEmpty()) {
            free(live.get(0));
        }
    }

    /**
     * The live ids in the order they became live, as the {@code ArrayList} this replaced kept them (so seeded
     * traces did not change), with O(log n) {@code get(k)} and {@code remove(id)}: a Fenwick tree over the sequence
     * numbers of additions counts the ones still live.
     */
    private static final class LiveSet {
        private final int[] tree;
        private final int[] idAt;
        private final int[] seqOf;
        private int added;
        private int size;

        LiveSet(int capacity) {
            tree = new int[capacity + 1];
            idAt = new int[capacity];
            seqOf = new int[capacity];
        }

        int size() {
            return size;
        }

        boolean isEmpty() {
            return size == 0;
        }

        void add(int id) {
            idAt[added] = id;
            seqOf[id] = added;
            update(added, 1);
            added++;
            size++;
        }

        void remove(int id) {
            update(seqOf[id], -1);
            size--;
        }

        /** The k-th live id (0-based) in order of addition. */
        int get(int k) {
            if (k < 0 || k >= size) {
                throw new IndexOutOfBoundsException(k);
            }
            int pos = 0;
            int rem = k + 1;
            for (int step = Integer.highestOneBit(tree.length - 1); step > 0; step >>= 1) {
                int next = pos + step;
                if (next < tree.length && tree[next] < rem) {
                    pos = next;
                    rem -= tree[next];
                }
            }
            return idAt[pos];
        }

        private void update(int seq, int delta) {
            for (int i = seq + 1; i < tree.length; i += i & -i) {
                tree[i] += delta;
            }
        }
    }

    private void larson() {
        int slots = Math.max(4, Math.min(1000, ops / 8));
        while (live.size() < slots && budget() > 1) {
            alloc(16 + random.nextInt(240));
        }
        while (budget() >= 2) {
            freeRandom();
            alloc(16 + random.nextInt(240));
        }
    }

    private void producerConsumer() {
        ArrayDeque<List<Integer>> batches = new ArrayDeque<>();
        while (budget() > 2) {
            int room = budget() / 2;
            if (batches.size() < 4 && room >= 1) {
                List<Integer> batch = new ArrayList<>();
                for (int i = 0; i < Math.min(64, room); i++) {
                    batch.add(alloc(8 + random.nextInt(120) * 8L));
                }
                batches.addLast(batch);
            } else if (!batches.isEmpty()) {
                for (int id : batches.pollFirst()) {
                    free(id);
                }
            } else {
                break;
            }
        }
    }

    private void binary() {
        List<Integer> small = new ArrayList<>();
        boolean big = random.nextBoolean();
        long smallSize = big ? 64 : 16;
        long largeSize = big ? 448 : 112;
        while (budget() > 3) {
            small.add(alloc(smallSize));
            alloc(largeSize);
            if (random.nextInt(8) == 0) {
                for (int id : small) {
                    free(id);
                }
                small.clear();
            }
        }
    }

    private void reallocGrowth() {
        int growing = Math.max(1, Math.min(4, ops / 64));
        List<Integer> grow = new ArrayList<>();
        for (int i = 0; i < growing && budget() > 1; i++) {
            grow.add(alloc(512));
        }
        while (budget() > 2) {
            int id = grow.get(random.nextInt(grow.size()));
            long size = requested[id] + 16 + random.nextInt(512);
            add(Op.realloc(id, size));
            liveBytes += size - requested[id];
            requested[id] = size;
            peakBytes = Math.max(peakBytes, liveBytes);
            if (random.nextInt(3) == 0 && budget() > 2) {
                int s = alloc(16 + random.nextInt(64));
                if (random.nextBoolean()) {
                    free(s);
                }
            }
        }
    }

    private void random(long maxSize) {
        while (budget() > 1) {
            if (live.isEmpty() || random.nextInt(100) < 55) {
                alloc(1 + random.nextLong(maxSize));
            } else {
                freeRandom();
            }
        }
    }

    private void coalescing() {
        while (budget() >= 6) {
            int a = alloc(4095);
            int b = alloc(4095);
            free(a);
            free(b);
            free(alloc(8190));
        }
    }

    private void tailSizes() {
        while (budget() > 1) {
            if (live.size() < 200 && (live.isEmpty() || random.nextInt(100) < 55)) {
                alloc(16L * random.nextInt(64) + 1 + random.nextInt(8));
            } else {
                freeRandom();
            }
        }
    }

    private void fullApi() {
        while (budget() > 2) {
            int pick = random.nextInt(100);
            if (live.isEmpty() || pick < 25) {
                alloc(random.nextInt(2048));
            } else if (pick < 35) {
                int id = newId();
                long count = 1 + random.nextInt(32);
                long size = 1 + random.nextInt(64);
                add(Op.calloc(id, count, size));
                born(id, count * size);
            } else if (pick < 45) {
                int id = newId();
                long size = random.nextInt(1024);
                add(Op.aligned(id, 1L << (5 + random.nextInt(8)), size));
                born(id, size);
            } else if (pick < 60) {
                int id = live.get(random.nextInt(live.size()));
                long size = 1 + random.nextInt(4096);
                add(Op.realloc(id, size));
                liveBytes += size - requested[id];
                requested[id] = size;
                peakBytes = Math.max(peakBytes, liveBytes);
            } else if (pick < 70) {
                // tryExpand may fail; the live size stays the requested one of the last allocation for the model
                add(Op.expand(live.get(random.nextInt(live.size())), random.nextInt(4096)));
            } else {
                freeRandom();
            }
        }
    }
}
