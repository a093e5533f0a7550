package org.jalloc.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.jalloc.gc.Collector;
import org.jalloc.gc.Collectors;
import org.jalloc.gc.Mutator;
import org.jalloc.gc.Types;
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
 * The cost of one reference write on a jalloc collector, ns: {@value #OBJECTS} objects of one reference field, all
 * live (rooted by one array), and {@value #WRITES} writes per invocation of one object's field to another object,
 * chosen at random beforehand ({@code fieldWrite}); and as many root-slot writes ({@code rootWrite}). Nothing is
 * allocated while measuring, so no collection runs. {@link GcCompareMain} subtracts the same write on
 * {@code mark-sweep}, whose barrier is empty: the rest is the barrier.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class RefWriteBenchmark {
    static final int OBJECTS = 1 << 16;
    static final int WRITES = 4096;

    @Param({"mark-sweep"})
    public String collector;

    private Collector gc;
    private Mutator m;
    private long[] refs;
    private int[] from;
    private int[] to;

    @Setup(Level.Trial)
    public void setUp() {
        gc = Collectors.create(collector, 64L << 20);
        m = gc.mutator();
        int node = gc.types().define("node", 1, 0);
        m.pushFrame(2);
        m.setLocal(0, m.allocateArray(Types.REF_ARRAY, OBJECTS));
        for (int i = 0; i < OBJECTS; i++) {
            m.setRef(m.local(0), i, m.allocate(node));
        }
        m.collect();
        refs = new long[OBJECTS];
        long table = m.local(0);
        for (int i = 0; i < OBJECTS; i++) {
            refs[i] = m.getRef(table, i); // valid while nothing is allocated or collected
        }
        SplittableRandom r = new SplittableRandom(5);
        from = new int[WRITES];
        to = new int[WRITES];
        for (int i = 0; i < WRITES; i++) {
            from[i] = r.nextInt(OBJECTS);
            to[i] = r.nextInt(OBJECTS);
        }
    }

    @Benchmark
    @OperationsPerInvocation(WRITES)
    public void fieldWrite() {
        for (int i = 0; i < WRITES; i++) {
            m.setRef(refs[from[i]], 0, refs[to[i]]);
        }
    }

    @Benchmark
    @OperationsPerInvocation(WRITES)
    public void rootWrite() {
        for (int i = 0; i < WRITES; i++) {
            m.setLocal(1, refs[to[i]]);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        gc.close();
    }
}
