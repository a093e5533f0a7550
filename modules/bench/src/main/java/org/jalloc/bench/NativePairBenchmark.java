package org.jalloc.bench;

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
import org.openjdk.jmh.annotations.Warmup;

/**
 * One small malloc + free pair through FFM (ns per pair): libc, and mimalloc, jemalloc, tcmalloc where installed.
 * A missing library fails its trial with a message starting {@code SKIPPED:}; the others run. Compare with
 * {@link SmallPairBenchmark} in the same run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class NativePairBenchmark {
    @Param({"libc", "mimalloc", "jemalloc", "tcmalloc"})
    public String lib;

    @Param({"16", "64", "256"})
    public long size;

    private NativeMalloc nativeMalloc;

    @Setup(Level.Trial)
    public void setUp() {
        nativeMalloc = NativeMalloc.load(lib);
    }

    @Benchmark
    public long nativePair() {
        long p = nativeMalloc.malloc(size);
        nativeMalloc.free(p);
        return p;
    }
}
