package org.jalloc.bench;

import java.util.concurrent.TimeUnit;

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
 * Mixed sizes with a live set: 1,000 live blocks whose sizes follow the malloc-lab traces' histogram
 * ({@link Workload#TRACE_BUCKET_WEIGHTS}, 1 B to 32 KiB); one op frees a random live block and allocates a new one
 * in its slot (ns per free + malloc).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class MixedBenchmark extends LiveSetReplace {
    private static final int LIVE = 1000;
    private static final int STEPS = 1 << 16;

    @Param({"first-fit"})
    public String subject;

    @Setup(Level.Trial)
    public void setUp() {
        fill(Subject.create(subject), LIVE, Workload.traceSizes(STEPS, 11), Workload.slots(STEPS, LIVE, 12));
    }
}
