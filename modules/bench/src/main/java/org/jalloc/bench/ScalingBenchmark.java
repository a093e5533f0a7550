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
 * Per-op cost as the live set grows: {@code live} blocks of 16–64 bytes; one op frees a random live block and
 * allocates a new one of a random size in its slot (ns per free + malloc). Random slots touch random cache lines,
 * so part of the growth at 1M live blocks is the memory system, not the allocator; the floors show how much.
 * Subjects whose setup is O(n²) (the implicit free lists) are skipped above 32,768 live blocks.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ScalingBenchmark extends LiveSetReplace {
    private static final int STEPS = 1 << 20;

    @Param({"first-fit"})
    public String subject;

    @Param({"1000", "32768", "1048576"})
    public int live;

    @Setup(Level.Trial)
    public void setUp() {
        Subject s = Subject.create(subject);
        if (!s.scales(live)) {
            s.close();
            throw new IllegalStateException("SKIPPED: " + subject + " cannot build " + live + " live blocks in reasonable time");
        }
        fill(s, live, Workload.uniformSizes(STEPS, 16, 64, 21), Workload.slots(STEPS, live, 22));
    }
}
