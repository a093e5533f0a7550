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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of the debug layer (issue 24, docs/debugging.md): the pair (malloc + free of 64 bytes) and the mixed
 * workload ({@link MixedBenchmark}'s 1,000 live blocks of trace sizes, one free + malloc per op) for each allocator
 * with debugging off ({@code mode=off}, no wrapper), with each debug flag alone and all of them ({@code F}, {@code Z},
 * {@code P}, {@code U}, {@code FZPU}), and with each leak level ({@code simple}, {@code advanced}, {@code paranoid}).
 * Ratios are against {@code off} of the same allocator in the same run.
 *
 * <pre>
 *   ./jalloc bench --jmh DebugBenchmark -p allocator=tlsf,buddy -p mode=off,F,simple   (or the shaded jar directly)
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class DebugBenchmark {
    private static final int LIVE = 1000;
    private static final int STEPS = 1 << 16;

    @Param({"tlsf"})
    public String allocator;

    @Param({"off", "F", "Z", "P", "U", "FZPU", "simple", "advanced", "paranoid", "secure"})
    public String mode;

    private Subject s;
    private Subject.Handle pair;
    private Subject.Handle mixed;
    private long[] sizes;
    private int[] slots;
    private int i;

    /** The spec of {@code allocator} in {@code mode}. */
    static String spec(String name, String mode) {
        // thread-cache as Subject runs it alone (production defaults), in every mode, so the ratios compare like with like
        String allocator = name.equals("thread-cache") ? "thread-cache:arenas=0,clock=time" : name;
        if (mode.equals("off")) {
            return allocator;
        }
        String option = mode.equals("secure") ? "secure=on"
                : mode.chars().allMatch(c -> "FZPU".indexOf(c) >= 0) ? "debug=" + mode : "leaks=" + mode;
        return allocator + (allocator.contains(":") ? "," : ":") + option;
    }

    @Setup(Level.Trial)
    public void setUp() {
        s = Subject.create(spec(allocator, mode));
        pair = s.handle(1);
        mixed = s.handle(LIVE);
        sizes = Workload.traceSizes(STEPS, 11);
        slots = Workload.slots(STEPS, LIVE, 12);
        for (int k = 0; k < LIVE; k++) {
            mixed.allocate(k, sizes[k]);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (int k = 0; k < LIVE; k++) {
            mixed.release(k);
        }
        s.close();
    }

    @Benchmark
    public void pair() {
        pair.allocate(0, 64);
        pair.release(0);
    }

    @Benchmark
    public void mixed() {
        int k = i++ & (STEPS - 1);
        int slot = slots[k];
        mixed.release(slot);
        mixed.allocate(slot, sizes[k]);
    }
}
