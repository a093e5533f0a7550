package org.jalloc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.jalloc.core.Allocator;
import org.jalloc.stack.ArenaAllocator;
import org.jalloc.stack.PoolAllocator;
import org.jalloc.stack.StackAllocator;
import org.jalloc.testkit.json.Json;

/**
 * One subject's per-call latency distribution, in a JVM of its own ({@link StackBench} starts one per subject): every
 * {@code malloc} and every {@code free} is timed with {@link System#nanoTime()} and recorded in an HdrHistogram (3
 * significant digits), after a warm-up of the same calls.
 *
 * <h2>The workload: a live set of 100,000 blocks of mixed sizes</h2>
 * Sizes are log-uniform in [16, 1024] bytes. Each subject runs it the way its discipline allows:
 * <ul>
 *   <li>heap allocators (slab, tlsf, thread-cache, libc, mimalloc, jemalloc, tcmalloc) and the pool: random
 *       replacement, one op = free a random live block, malloc a new one of a new size in its place. With mixed sizes
 *       this makes tlsf split and merge, slab and thread-cache refill and flush, the native ones do the same;</li>
 *   <li>the pool is one pool of 1 KiB objects (the largest size), 100,000 + 1,024 of them: every request fits an
 *       object, which is how a pool is sized in practice;</li>
 *   <li>stack and arena: their live set is a stack 100,000 blocks deep, and each op pushes a block or pops the newest
 *       one (a coin flip, the depth kept within 64 of 100,000): the calls a program's frames make.</li>
 * </ul>
 * The timer's own cost (two back-to-back {@code nanoTime} calls) is measured too and reported beside the figures:
 * it is included in every sample, so the lowest percentiles say more about the clock than about the allocator.
 *
 * <p>Usage (by {@link StackBench}): {@code LatencyTails SUBJECT WARMUP_OPS MEASURED_OPS OUT.json}.
 */
public final class LatencyTails {
    static final int LIVE = 100_000;
    static final int DRIFT = 64;
    static final long MIN_SIZE = 16;
    static final long MAX_SIZE = 1024;

    private LatencyTails() {}

    /** malloc and free of one subject. */
    interface Calls {
        long malloc(long size);

        void free(long address);
    }

    static Calls calls(String subject, List<AutoCloseable> owned) {
        return switch (subject) {
            case "stack" -> forAllocator(StackAllocator.create(256L << 20), owned);
            case "arena" -> forAllocator(ArenaAllocator.create(256L << 20), owned);
            case "pool" -> forAllocator(PoolAllocator.create(MAX_SIZE, LIVE + 1024), owned);
            default -> {
                Subject s = Subject.create(subject);
                owned.add(s);
                Subject.Addresses a = s.addresses();
                if (a == null) {
                    throw new IllegalArgumentException(subject + " has no address API");
                }
                yield new Calls() {
                    @Override
                    public long malloc(long size) {
                        return a.malloc(size);
                    }

                    @Override
                    public void free(long address) {
                        a.free(address);
                    }
                };
            }
        };
    }

    private static Calls forAllocator(Allocator allocator, List<AutoCloseable> owned) {
        owned.add(allocator);
        return new Calls() {
            @Override
            public long malloc(long size) {
                return allocator.malloc(size);
            }

            @Override
            public void free(long address) {
                allocator.free(address);
            }
        };
    }

    /** Log-uniform sizes in [MIN_SIZE, MAX_SIZE]. */
    static long[] sizes(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long[] out = new long[n];
        double lo = Math.log(MIN_SIZE);
        double hi = Math.log(MAX_SIZE + 1);
        for (int i = 0; i < n; i++) {
            out[i] = Math.min(MAX_SIZE, (long) Math.exp(lo + r.nextDouble() * (hi - lo)));
        }
        return out;
    }

    /** Runs one subject; the histogram of every call after the warm-up. */
    static Histogram run(String subject, long warmupOps, long measuredOps) throws Exception {
        List<AutoCloseable> owned = new ArrayList<>();
        try {
            Calls calls = calls(subject, owned);
            boolean lifo = subject.equals("stack") || subject.equals("arena");
            Workload w = new Workload(calls, lifo);
            w.fill();
            Histogram warm = new Histogram(1, 60_000_000_000L, 3);
            w.ops(warmupOps, warm);
            Histogram measured = new Histogram(1, 60_000_000_000L, 3);
            w.ops(measuredOps, measured);
            w.drain();
            return measured;
        } finally {
            for (AutoCloseable c : owned) {
                c.close();
            }
        }
    }

    /** The live set and the op loop. */
    static final class Workload {
        private static final int RING = 1 << 20;
        private final Calls calls;
        private final boolean lifo;
        private final long[] sizes = sizes(RING, 18);
        private final int[] slots = Workload.ints(RING, LIVE, 19);
        private final int[] coins = Workload.ints(RING, 2, 20);
        private final long[] live = new long[LIVE + DRIFT + 1];
        private int depth;
        private int i;

        Workload(Calls calls, boolean lifo) {
            this.calls = calls;
            this.lifo = lifo;
        }

        static int[] ints(int n, int bound, long seed) {
            SplittableRandom r = new SplittableRandom(seed);
            int[] out = new int[n];
            for (int k = 0; k < n; k++) {
                out[k] = r.nextInt(bound);
            }
            return out;
        }

        void fill() {
            for (int k = 0; k < LIVE; k++) {
                live[k] = mallocOrFail(sizes[k & (RING - 1)]);
            }
            depth = LIVE;
        }

        private long mallocOrFail(long size) {
            long p = calls.malloc(size);
            if (p == 0) {
                throw new IllegalStateException("out of memory allocating " + size + " bytes");
            }
            return p;
        }

        void ops(long n, Histogram h) {
            Calls c = calls;
            for (long k = 0; k < n; k++) {
                int j = i++ & (RING - 1);
                long size = sizes[j];
                if (lifo) {
                    boolean push = coins[j] == 0 ? depth < LIVE + DRIFT : depth <= LIVE - DRIFT;
                    if (push) {
                        long t0 = System.nanoTime();
                        long p = c.malloc(size);
                        long t1 = System.nanoTime();
                        if (p == 0) {
                            throw new IllegalStateException("out of memory");
                        }
                        live[depth++] = p;
                        h.recordValue(Math.max(1, t1 - t0));
                    } else {
                        long p = live[--depth];
                        long t0 = System.nanoTime();
                        c.free(p);
                        long t1 = System.nanoTime();
                        h.recordValue(Math.max(1, t1 - t0));
                    }
                } else {
                    int s = slots[j];
                    long t0 = System.nanoTime();
                    c.free(live[s]);
                    long t1 = System.nanoTime();
                    long p = c.malloc(size);
                    long t2 = System.nanoTime();
                    if (p == 0) {
                        throw new IllegalStateException("out of memory");
                    }
                    live[s] = p;
                    h.recordValue(Math.max(1, t1 - t0));
                    h.recordValue(Math.max(1, t2 - t1));
                }
            }
        }

        void drain() {
            if (lifo) {
                while (depth > 0) {
                    calls.free(live[--depth]);
                }
            } else {
                for (int k = 0; k < LIVE; k++) {
                    calls.free(live[k]);
                }
            }
        }
    }

    /** The median and 99th percentile of two back-to-back {@code nanoTime} calls: what every sample includes. */
    static Histogram timerOverhead() {
        Histogram h = new Histogram(1, 60_000_000_000L, 3);
        for (int k = 0; k < 2_000_000; k++) {
            long t0 = System.nanoTime();
            long t1 = System.nanoTime();
            h.recordValue(Math.max(1, t1 - t0));
        }
        return h;
    }

    /** The figures of a histogram, and its percentile series for the chart. */
    static Map<String, Object> summary(String subject, Histogram h, Histogram timer) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("subject", subject);
        m.put("calls", h.getTotalCount());
        m.put("p50", (double) h.getValueAtPercentile(50));
        m.put("p90", (double) h.getValueAtPercentile(90));
        m.put("p99", (double) h.getValueAtPercentile(99));
        m.put("p999", (double) h.getValueAtPercentile(99.9));
        m.put("p9999", (double) h.getValueAtPercentile(99.99));
        m.put("max", (double) h.getMaxValue());
        m.put("mean", h.getMean());
        m.put("timerP50", (double) timer.getValueAtPercentile(50));
        m.put("timerP99", (double) timer.getValueAtPercentile(99));
        List<Map<String, Object>> series = new ArrayList<>();
        for (HistogramIterationValue v : h.percentiles(5)) {
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("percentile", v.getPercentileLevelIteratedTo());
            point.put("ns", (double) v.getValueIteratedTo());
            series.add(point);
            if (v.getPercentileLevelIteratedTo() >= 100) {
                break;
            }
        }
        m.put("series", series);
        return m;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: LatencyTails SUBJECT WARMUP_OPS MEASURED_OPS OUT.json");
            System.exit(2);
        }
        Histogram timer = timerOverhead();
        Histogram h = run(args[0], Long.parseLong(args[1]), Long.parseLong(args[2]));
        Files.writeString(Path.of(args[3]), Json.RESULTS.object(summary(args[0], h, timer)));
    }

    /** Reads what {@link #main} wrote. */
    @SuppressWarnings("unchecked") // the shape main writes
    static Map<String, Object> read(Path file) throws IOException {
        return (Map<String, Object>) Json.parse(Files.readString(file));
    }
}
