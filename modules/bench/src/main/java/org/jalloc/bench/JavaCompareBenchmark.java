package org.jalloc.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The comparison programs as Java objects ({@link JavaCompareWorkloads}), ms per run; {@link GcCompareMain} forks it
 * under each of the JVM's collectors with {@code -Xms = -Xmx} and reads pauses and heap occupancy from the GC log.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = "-Xss64m")
public class JavaCompareBenchmark {
    @Param({"gcbench"})
    public String program;

    @Benchmark
    public long run() {
        return JavaCompareWorkloads.run(program);
    }
}
