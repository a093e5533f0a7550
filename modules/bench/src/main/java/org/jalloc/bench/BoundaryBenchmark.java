package org.jalloc.bench;

import java.util.concurrent.TimeUnit;

import org.jalloc.threadcache.ThreadCacheAllocator;
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
 * Sizes on both sides of size-class boundaries (128|129, 1024|1025, 4096|4097, the small limit 262144|262145) and
 * 64-byte-aligned requests: ns per malloc + free pair, to show there is no cliff inside the small range (the step
 * to a whole LARGE span above 256 KiB is expected and shown).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class BoundaryBenchmark {
    @Param({"128", "129", "1024", "1025", "4096", "4097", "262144", "262145"})
    public long size;

    private ThreadCacheAllocator tc;

    @Setup(Level.Trial)
    public void setUp() {
        tc = ThreadCacheAllocator.builder().build(256L << 20);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        tc.close();
    }

    @Benchmark
    public long pair() {
        long p = tc.malloc(size);
        tc.free(p);
        return p;
    }

    @Benchmark
    public long alignedPair() {
        long p = tc.alignedAlloc(64, size);
        tc.free(p);
        return p;
    }
}
