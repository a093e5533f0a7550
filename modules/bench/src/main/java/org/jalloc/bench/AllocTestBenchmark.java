package org.jalloc.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * alloc-test: random positions, random sizes, a Pareto-skewed working set.
 *
 * <p><b>The original</b> (node-dot-cpp's alloc-test by OLogN Technologies, BSD licence; mimalloc-bench runs
 * {@code alloc-test 1} and {@code alloc-test $procs}): 2^18 slots split among the threads; each thread first fills
 * about half its slots, then toggles a slot 100 million times in all: a slot is picked with an 80/20 Pareto law over
 * six levels (binomial weights 0.262, 0.393, 0.246, 0.082, 0.015, 0.0015, 0.00006 — the likeliest level is the smallest
 * range of slots), freed if full (after reading all its bytes) or else filled with a new block whose size follows a
 * skewed law (a power-of-two class chosen with probability halving per class, 5 B to 1 KiB for
 * {@code maxItemSizeExp} 10, uniform within the class) and written in full ({@code MEM_ACCESS_TYPE::full}).
 *
 * <p><b>Here</b> (re-expressed with the same laws and parameters): 1 and 2 JMH threads ({@code $procs}), 2^18 / threads
 * slots each, filled half at setup, one op = one toggle (a free after a full read, or a malloc and a full write). The
 * single-owner jalloc allocators take part with one thread (first-, next- and best-fit are left out: 2^17 live blocks
 * make every one of their searches a list walk). ns per op.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class AllocTestBenchmark {
    static final int TOTAL_ITEMS = 1 << 18;
    static final int MAX_SIZE_EXP = 10;
    /** Binomial(6, 0.2): the probability of each of the seven Pareto levels. */
    static final double[] PARETO = {0.262144, 0.393216, 0.245760, 0.081920, 0.015360, 0.001536, 0.000064};

    @State(Scope.Benchmark)
    public static class Shared {
        @Param({"thread-cache"})
        public String subject;

        Subject s;

        @Setup(Level.Trial)
        public void setUp(BenchmarkParams params) {
            s = StandardWorkloads.open(subject, params.getThreads() > 1);
            if (!s.scales(TOTAL_ITEMS / 2)) {
                s.close();
                throw new IllegalStateException("SKIPPED: " + subject + " searches a list of every block: too slow at "
                        + TOTAL_ITEMS / 2 + " live blocks");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            s.close();
        }
    }

    @State(Scope.Thread)
    public static class Items {
        long[] ptr;
        int[] size;
        int items;
        Subject.Addresses a;
        SplittableRandom random;
        final double[] cumulative = new double[PARETO.length];
        final int[] offsets = new int[PARETO.length + 1];
        long sink;

        @Setup(Level.Trial)
        public void setUp(Shared shared, ThreadParams t) {
            items = TOTAL_ITEMS / t.getThreadCount();
            ptr = new long[items];
            size = new int[items];
            a = shared.s.threadAddresses();
            random = new SplittableRandom(41 + t.getThreadIndex());
            double c = 0;
            for (int i = 0; i < PARETO.length; i++) {
                c += PARETO[i];
                cumulative[i] = c;
            }
            // Level i (probability PARETO[i]) owns a range of PARETO[6 - i] × items slots: the likeliest, the fewest.
            for (int i = 0; i < PARETO.length; i++) {
                offsets[i + 1] = i == PARETO.length - 1 ? items : offsets[i] + (int) (items * PARETO[PARETO.length - 1 - i]);
            }
            for (int i = 0; i < items; i++) {
                if (random.nextBoolean()) {
                    allocate(i);
                }
            }
        }

        int pick() {
            double u = random.nextDouble();
            int level = 0;
            while (level < PARETO.length - 1 && u >= cumulative[level]) {
                level++;
            }
            return offsets[level] + random.nextInt(Math.max(1, offsets[level + 1] - offsets[level]));
        }

        /** alloc-test's size law: class k (probability 2^-(k+1)) is {@code (2^(k+2), 2^(k+3)]}, uniform within. */
        int nextSize() {
            int classes = MAX_SIZE_EXP - 3;
            int base = random.nextInt(1 << classes) + 1;
            int k = Integer.numberOfTrailingZeros(base) + 2;
            return (random.nextInt(1 << k)) + 1 + (1 << k);
        }

        void allocate(int i) {
            int sz = nextSize();
            long p = StandardWorkloads.malloc(a, sz);
            StandardWorkloads.fill(a.base(), p, sz, (byte) sz);
            ptr[i] = p;
            size[i] = sz;
        }
    }

    @Benchmark
    public long toggle(Items t) {
        int i = t.pick();
        long p = t.ptr[i];
        if (p != 0) {
            long sum = StandardWorkloads.read(t.a.base(), p, t.size[i]);
            t.a.free(p);
            t.ptr[i] = 0;
            return sum;
        }
        t.allocate(i);
        return i;
    }
}
