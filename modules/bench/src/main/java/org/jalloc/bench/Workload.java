package org.jalloc.bench;

import java.util.SplittableRandom;

/** Seeded inputs shared by the workload benchmarks, precomputed so the measured loop only allocates and frees. */
final class Workload {
    private Workload() {}

    /**
     * The request-size histogram of mdriver's eleven default traces ({@code a} and {@code r} sizes), by power-of-two
     * bucket {@code (2^(b-1), 2^b]}, in per mille, up to 32 KiB (larger sizes there are the realloc traces' growth
     * steps). Computed once from {@code ../shared/traces/malloclab} and kept here so the benchmark does not depend
     * on the traces being present.
     */
    static final int[] TRACE_BUCKET_WEIGHTS = {0, 0, 0, 0, 153, 1, 34, 229, 17, 69, 1, 3, 227, 64, 48, 80};

    /** {@code n} sizes drawn from {@link #TRACE_BUCKET_WEIGHTS}, uniform within a bucket. */
    static long[] traceSizes(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int total = 0;
        for (int w : TRACE_BUCKET_WEIGHTS) {
            total += w;
        }
        long[] sizes = new long[n];
        for (int i = 0; i < n; i++) {
            int x = r.nextInt(total);
            int b = 0;
            while (x >= TRACE_BUCKET_WEIGHTS[b]) {
                x -= TRACE_BUCKET_WEIGHTS[b++];
            }
            long hi = 1L << b;
            long lo = b == 0 ? 1 : (1L << (b - 1)) + 1;
            sizes[i] = lo + r.nextLong(hi - lo + 1);
        }
        return sizes;
    }

    /** {@code n} slot indices in {@code [0, slots)}. */
    static int[] slots(int n, int slots, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = r.nextInt(slots);
        }
        return out;
    }

    /** {@code n} sizes uniform in {@code [lo, hi]}. */
    static long[] uniformSizes(int n, long lo, long hi, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = lo + r.nextLong(hi - lo + 1);
        }
        return out;
    }
}
