package org.jalloc.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.jalloc.gc.Collector;
import org.jalloc.gc.Collectors;
import org.jalloc.gc.ConcurrentStats;
import org.jalloc.gc.GcStats;
import org.jalloc.gc.GenerationalStats;
import org.jalloc.gc.IncrementalStats;
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
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Pauses with a large live heap: {@link LiveHeapChurn} with {@code live} objects (1M in the report) on one collector,
 * ms per churn run (the live set is built in the iteration's setup, not timed). Every measured iteration appends its
 * pauses (ns) by kind to {@code -Djalloc.pauses.out}, one JSON line, for {@link GcPauseMain}'s HdrHistogram: the
 * collections of mark-sweep; generational's minor and major collections; incremental's steps (and any cycle it had to
 * finish at once); concurrent's root scans and remarks (and full collections).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xss64m"})
public class PauseBenchmark {
    @Param({"mark-sweep"})
    public String collector;

    @Param({"1000000"})
    public int live;

    @Param({"4000000"})
    public long churn;

    /** The heap as a multiple of the live set. */
    @Param({"3"})
    public double ratio;

    private Collector gc;
    private LiveHeapChurn work;
    private long seed;

    @Setup(Level.Iteration)
    public void setUp() {
        long heap = (long) (LiveHeapChurn.liveBytes(live) * ratio);
        gc = Collectors.create(collector, Math.max(heap, 1 << 20));
        int node = gc.types().define("node", 2, 8);
        work = new LiveHeapChurn(gc.mutator(), node, live);
        gc.mutator().collect(); // the build's pauses are not the churn's
        baseline = pauses(gc);
        gc.mutator().enterSafeRegion(); // JMH may run the benchmark on another thread than the setup
    }

    private Map<String, long[]> baseline;

    @Benchmark
    public long run() {
        gc.mutator().leaveSafeRegion();
        try {
            return work.churn(churn, ++seed);
        } finally {
            gc.mutator().enterSafeRegion();
        }
    }

    /** Pauses by kind so far. */
    static Map<String, long[]> pauses(Collector gc) {
        Map<String, long[]> p = new LinkedHashMap<>();
        String name = gc.name();
        if (name.startsWith("generational")) {
            GenerationalStats s = GenerationalStats.of(gc);
            p.put("minor", s.minorPauseNanos());
            p.put("major", s.majorPauseNanos());
        } else if (name.startsWith("incremental")) {
            p.put("step", IncrementalStats.of(gc).stepPauseNanos()); // a cycle finished at once (out of space) is one step
        } else if (name.startsWith("concurrent")) {
            ConcurrentStats s = ConcurrentStats.of(gc);
            p.put("root-scan", s.rootScanPauseNanos()); // GcPauseMain pools root scans and remarks as the stop-the-world phases
            p.put("remark", s.remarkPauseNanos());
            p.put("full", s.fullPauseNanos());
        } else {
            p.put("collection", gc.stats().pauseNanos());
        }
        return p;
    }

    @TearDown(Level.Iteration)
    public void tearDown(IterationParams iteration) {
        try {
            String file = System.getProperty("jalloc.pauses.out");
            if (file != null && iteration.getType() == IterationType.MEASUREMENT) {
                Map<String, long[]> now = pauses(gc);
                StringBuilder sb = new StringBuilder("{\"collector\":\"").append(collector).append("\",\"live\":").append(live);
                GcStats s = gc.stats();
                sb.append(",\"collections\":").append(s.collections());
                if (collector.startsWith("generational")) {
                    double[] rates = GenerationalStats.of(gc).survivalRates();
                    double sum = 0;
                    for (double v : rates) {
                        sum += v;
                    }
                    sb.append(",\"meanSurvival\":").append(rates.length == 0 ? 0 : sum / rates.length);
                }
                for (Map.Entry<String, long[]> e : now.entrySet()) {
                    long[] before = baseline.getOrDefault(e.getKey(), new long[0]);
                    long[] all = e.getValue();
                    sb.append(",\"").append(e.getKey()).append("\":[");
                    for (int i = before.length; i < all.length; i++) {
                        sb.append(i == before.length ? "" : ",").append(all[i]);
                    }
                    sb.append(']');
                }
                sb.append("}\n");
                Files.writeString(Path.of(file), sb, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            gc.close();
        }
    }
}
