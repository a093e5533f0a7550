package org.jalloc.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.jalloc.core.Allocator;
import org.jalloc.core.Allocators;
import org.jalloc.core.spi.Sizes;
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

/**
 * Time on a small heap (issue 21: SLOB is "for embedded systems"): a live set of objects from
 * {@link SlabFamilyReport#MIX} (16-512 bytes) holding a quarter of the heap in requested bytes; each operation frees
 * a live object chosen by a seeded sequence and allocates one of the next size in its place (ns per free + malloc).
 * The memory side of the same heaps is {@link SlabFamilyReport}. One thread; see docs/slab.md for the command.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class SmallHeapBenchmark {
    static final int STEPS = 1 << 12;

    @Param({"slab", "slub", "slob"})
    public String subject;

    @Param({"64K", "256K", "1M"})
    public String heap;

    private Allocator a;
    private long[] live;
    private int[] slot;
    private long[] size;
    private int i;

    @Setup(Level.Trial)
    public void setUp() {
        long bytes = Sizes.parse(heap);
        a = Allocators.create(subject, bytes);
        SplittableRandom rnd = new SplittableRandom(21);
        long[] mix = SlabFamilyReport.MIX;
        long mean = 0;
        for (long m : mix) {
            mean += m;
        }
        mean /= mix.length;
        int n = (int) (bytes / 4 / mean);
        live = new long[n];
        for (int k = 0; k < n; k++) {
            live[k] = malloc(mix[rnd.nextInt(mix.length)]);
        }
        slot = new int[STEPS];
        size = new long[STEPS];
        for (int k = 0; k < STEPS; k++) {
            slot[k] = rnd.nextInt(n);
            size[k] = mix[rnd.nextInt(mix.length)];
        }
    }

    private long malloc(long n) {
        long p = a.malloc(n);
        if (p == 0) {
            throw Subject.outOfMemory(subject + " on " + heap, n);
        }
        return p;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        a.close();
    }

    @Benchmark
    public long churn() {
        int k = i++ & (STEPS - 1);
        int s = slot[k];
        a.free(live[s]);
        long p = malloc(size[k]);
        live[s] = p;
        return p;
    }
}
