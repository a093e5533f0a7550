package org.jalloc.bench;

import java.util.concurrent.TimeUnit;

import org.jalloc.core.Allocator;
import org.jalloc.core.Allocators;
import org.jalloc.core.debug.Site;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.CompilerControl;
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
 * The parts of one sampled allocation of {@code leaks=simple} (docs/debugging.md, "What a sample costs"), each on its
 * own, at a fixed extra stack depth ({@code depth} frames of a non-inlined recursion below JMH's own):
 * <ul>
 *   <li>{@code throwable}: the raw capture, a {@link Throwable} the VM fills (what {@link Site#capture} keeps);</li>
 *   <li>{@code capture}: {@link Site#capture}, the site a sampled block carries;</li>
 *   <li>{@code sampledPair}: malloc 64 + free on {@code ALLOCATOR:leaks=paranoid} without a debug letter, where every
 *       allocation takes the sampled path of {@code simple} (capture, table entry, filter; its free the removal);</li>
 *   <li>{@code pair}: the same pair with leaks off, the engine alone.</li>
 * </ul>
 * {@code sampledPair − pair} is what one sample costs the pair; {@code − capture} of it is the layer's own part.
 * One sample in 128 allocations: a pair at {@code simple} pays about 1/128 of it.
 *
 * <pre>
 *   java --enable-native-access=ALL-UNNAMED -cp benchmarks.jar org.openjdk.jmh.Main LeakSampleBenchmark -p depth=0,16
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class LeakSampleBenchmark {
    @Param({"0", "16"})
    public int depth;

    @Param({"tlsf"})
    public String allocator;

    private Allocator off;
    private Allocator sampled;

    @Setup(Level.Trial)
    public void setUp() {
        off = Allocators.create(allocator, 64L << 20);
        sampled = Allocators.create(allocator + (allocator.contains(":") ? "," : ":") + "leaks=paranoid", 64L << 20);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        off.close();
        sampled.close();
    }

    @Benchmark
    public Object throwable() {
        return down(depth, 0, off);
    }

    @Benchmark
    public Object capture() {
        return down(depth, 1, off);
    }

    @Benchmark
    public Object sampledPair() {
        return down(depth, 2, sampled);
    }

    @Benchmark
    public Object pair() {
        return down(depth, 2, off);
    }

    /** {@code n} frames deeper, then the operation: a real frame each (not inlined), as a caller's own stack. */
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    private static Object down(int n, int op, Allocator a) {
        if (n > 0) {
            return down(n - 1, op, a);
        }
        return switch (op) {
            case 0 -> new Raw();
            case 1 -> Site.capture(Site.SHORT_DEPTH);
            default -> {
                long p = a.malloc(64);
                a.free(p);
                yield p;
            }
        };
    }

    /** A stack capture as {@link Site}'s: filled by the VM, never thrown. */
    private static final class Raw extends Throwable {
        private static final long serialVersionUID = 1L;

        Raw() {
            super(null, null, false, true);
        }
    }
}
