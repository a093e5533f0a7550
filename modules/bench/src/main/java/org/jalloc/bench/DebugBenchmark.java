package org.jalloc.bench;

import java.util.concurrent.TimeUnit;

import org.jalloc.core.Allocator;
import org.jalloc.core.Allocators;
import org.jalloc.core.RegionAllocator;

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
 * <p>The disciplined allocators (their layer is {@code DisciplineDebug}) run in the order their discipline allows:
 * <ul>
 *   <li>{@code stack}: pair = malloc 64 + free (the newest block); mixed = one frame of {@link #FRAME} blocks of trace
 *       sizes ({@code checkpoint}, {@link #FRAME} mallocs, {@code releaseTo}).</li>
 *   <li>{@code arena}: pair = {@code checkpoint} + malloc 64 + {@code releaseTo} (an arena frees by release); mixed =
 *       the stack's frame.</li>
 *   <li>{@code pool} (object 64): pair = malloc + free; mixed = the 1,000 live blocks, one free + malloc per op, all
 *       of the pool's one size.</li>
 * </ul>
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
    /** Blocks per frame of the region allocators' mixed workload. */
    static final int FRAME = 8;
    private static final long DISCIPLINE_HEAP = 64L << 20;

    @Param({"tlsf"})
    public String allocator;

    @Param({"off", "F", "Z", "P", "U", "FZPU", "simple", "advanced", "paranoid", "secure"})
    public String mode;

    private Allocator disciplined; // stack, arena, pool
    private RegionAllocator region; // stack, arena
    private boolean lifoPair; // stack: the pair frees; arena: it releases
    private long[] live = new long[LIVE];

    private Subject s;
    private Subject.Handle pair;
    private Subject.Handle mixed;
    private long[] sizes;
    private int[] slots;
    private int i;

    /** True for the allocators whose debug layer keeps a discipline (stack, arena, pool). */
    static boolean disciplined(String name) {
        return name.equals("stack") || name.equals("arena") || name.equals("pool");
    }

    /** The spec of {@code allocator} in {@code mode}. */
    static String spec(String name, String mode) {
        // thread-cache as Subject runs it alone (production defaults), in every mode, so the ratios compare like with like
        String allocator = switch (name) {
            case "thread-cache" -> "thread-cache:arenas=0,clock=time";
            case "stack" -> "stack:size=16M";
            case "pool" -> "pool:object=64";
            default -> name;
        };
        if (mode.equals("off")) {
            return allocator;
        }
        String option = mode.equals("secure") ? "secure=on"
                : mode.chars().allMatch(c -> "FZPU".indexOf(c) >= 0) ? "debug=" + mode : "leaks=" + mode;
        return allocator + (allocator.contains(":") ? "," : ":") + option;
    }

    @Setup(Level.Trial)
    public void setUp() {
        sizes = Workload.traceSizes(STEPS, 11);
        slots = Workload.slots(STEPS, LIVE, 12);
        if (disciplined(allocator)) {
            Allocator a = Allocators.create(spec(allocator, mode), DISCIPLINE_HEAP);
            disciplined = a;
            if (a instanceof RegionAllocator r) {
                region = r;
                lifoPair = r.lifo();
            } else {
                for (int k = 0; k < LIVE; k++) {
                    live[k] = a.malloc(64);
                }
            }
            return;
        }
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
        Allocator a = disciplined;
        if (a != null) {
            if (region == null) {
                for (long p : live) {
                    a.free(p);
                }
            }
            a.close();
            return;
        }
        for (int k = 0; k < LIVE; k++) {
            mixed.release(k);
        }
        s.close();
    }

    @Benchmark
    public long pair() {
        Allocator a = disciplined;
        if (a != null) {
            return disciplinedPair(a);
        }
        pair.allocate(0, 64);
        pair.release(0);
        return 0;
    }

    private long disciplinedPair(Allocator a) {
        RegionAllocator r = region;
        if (r == null || lifoPair) {
            long p = a.malloc(64);
            a.free(p);
            return p;
        }
        long m = r.checkpoint();
        long p = r.malloc(64);
        r.releaseTo(m);
        return p;
    }

    @Benchmark
    public long mixed() {
        int k = i++ & (STEPS - 1);
        Allocator a = disciplined;
        if (a != null) {
            return disciplinedMixed(a, k);
        }
        int slot = slots[k];
        mixed.release(slot);
        mixed.allocate(slot, sizes[k]);
        return 0;
    }

    private long disciplinedMixed(Allocator a, int k) {
        RegionAllocator r = region;
        if (r == null) {
            int slot = slots[k];
            a.free(live[slot]);
            long p = a.malloc(64);
            live[slot] = p;
            return p;
        }
        long m = r.checkpoint();
        long last = 0;
        for (int j = 0; j < FRAME; j++) {
            last = r.malloc(sizes[(k + j) & (STEPS - 1)]);
        }
        r.releaseTo(m);
        return last;
    }
}
