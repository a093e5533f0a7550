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
 * The same programs as ordinary Java objects, ms per run; {@link GcBenchMain} forks it under Serial, Parallel, G1
 * and ZGC with {@code -Xms = -Xmx} at the heap ratios and reads the pauses from the fork's GC log.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = "-Xss64m")
public class JavaGcBenchmark {
    @Param({"gcbench"})
    public String program;

    @Benchmark
    public long run() {
        return program.equals("gcbench") ? JavaPrograms.gcBench() : JavaPrograms.binaryTrees();
    }
}
