package org.jalloc.bench;

import java.util.concurrent.TimeUnit;

import org.jalloc.gc.Collector;
import org.jalloc.gc.Collectors;
import org.jalloc.gc.Mutator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of a reference write through each collector's barrier, ns per write: one million stores of alternating
 * targets into the first field of 1,024 holder objects taken round-robin ({@code Mutator.setRef}, the validating API
 * path), per single-shot invocation on a fresh collector. Cases:
 * <ul>
 *   <li>{@code none}: mark-sweep, whose barrier is {@code WriteBarrier.NONE} (skipped by a flag test): the baseline;</li>
 *   <li>{@code generational-cards-old-young}, {@code generational-ssb-old-young}: a tenured field takes nursery objects
 *       (every store dirties a card / appends to the store buffer); {@code generational-cards-young-young}: the
 *       barrier's filter only;</li>
 *   <li>{@code incremental-dijkstra-marking}, {@code incremental-yuasa-marking}: a cycle is marking (the barrier shades;
 *       after the first stores its targets are gray and it only tests); {@code incremental-idle}: no cycle;</li>
 *   <li>{@code concurrent-satb-marking}: a cycle is marking, every store logs the overwritten reference in the
 *       mutator's buffer (handed off when full); {@code concurrent-idle}: no cycle.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 20)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class BarrierBenchmark {
    static final int STORES = 1_000_000;

    @Param({"none", "generational-cards-old-young", "generational-ssb-old-young", "generational-cards-young-young", "incremental-dijkstra-marking",
            "incremental-yuasa-marking", "incremental-idle", "concurrent-satb-marking", "concurrent-idle"})
    public String variant;

    /** Holders written round-robin: a store is never overwritten by the next one to the same address (no dead stores). */
    static final int HOLDERS = 1024;

    private Collector gc;
    private Mutator m;
    private long[] holders = new long[HOLDERS];
    private long x;
    private long y;

    @Setup(Level.Iteration)
    public void setUp() {
        String spec = switch (variant) {
            case "none" -> "mark-sweep:gogc=off";
            case "generational-cards-old-young", "generational-cards-young-young" -> "generational:gogc=off,remset=cards";
            case "generational-ssb-old-young" -> "generational:gogc=off,remset=ssb";
            case "incremental-dijkstra-marking", "incremental-idle" -> "incremental:gogc=off,barrier=dijkstra,step=1";
            case "incremental-yuasa-marking" -> "incremental:gogc=off,barrier=yuasa,step=1";
            case "concurrent-satb-marking", "concurrent-idle" -> "concurrent:gogc=off,marker=steps,step=1,satb-buffer=256";
            default -> throw new IllegalArgumentException(variant);
        };
        gc = Collectors.create(spec, 64 << 20);
        m = gc.mutator();
        int node = gc.types().define("node", 2, 8);
        m.pushFrame(3);
        m.setLocal(0, m.allocateArray(org.jalloc.gc.Types.REF_ARRAY, HOLDERS));
        for (int i = 0; i < HOLDERS; i++) {
            long h = m.allocate(node);
            m.setRef(m.local(0), i, h);
        }
        if (variant.endsWith("old-young")) {
            m.collect(); // the holders are tenured now; the targets below are born in the nursery
        }
        m.setLocal(1, m.allocate(node));
        m.setLocal(2, m.allocate(node));
        if (variant.endsWith("marking")) {
            gc.step(); // the cycle begins: roots shaded (the holders stay white or gray: one object per step), the barrier on
        }
        for (int i = 0; i < HOLDERS; i++) {
            holders[i] = m.getRef(m.local(0), i);
            m.setRef(holders[i], 0, m.local(1)); // every field holds a reference: a snapshot barrier logs each overwrite
        }
        x = m.local(1);
        y = m.local(2);
    }

    @Benchmark
    @OperationsPerInvocation(STORES)
    public void store() {
        long[] h = holders;
        long a = x;
        long b = y;
        for (int i = 0; i < STORES; i += 2) {
            m.setRef(h[i & (HOLDERS - 1)], 0, a);
            m.setRef(h[(i + 1) & (HOLDERS - 1)], 0, b);
        }
    }

    @TearDown(Level.Iteration)
    public void tearDown() {
        gc.close();
    }
}
