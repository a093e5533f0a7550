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
 * {@link PauseBenchmark}'s workload as Java objects; {@link GcPauseMain} forks it under G1, ZGC and Shenandoah with
 * {@code -Xms = -Xmx} and reads the pauses from the fork's GC log.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(1)
public class JavaPauseBenchmark {
    @Param({"1000000"})
    public int live;

    @Param({"4000000"})
    public long churn;

    private LiveHeapChurn.Java work;
    private long seed;

    @Setup(Level.Iteration)
    public void setUp() {
        work = new LiveHeapChurn.Java(live);
        System.gc();
    }

    @Benchmark
    public long run() {
        return work.churn(churn, ++seed);
    }
}
