package org.jalloc.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

import org.jalloc.gc.Collector;
import org.jalloc.gc.Collectors;
import org.jalloc.gc.GcStats;
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
 * One whole run of GCBench or binary-trees on a jalloc collector with a fixed space ({@code gogc=off}: collections
 * only when the space is full, as a JVM with a fixed {@code -Xmx}), ms per run. Every measured iteration appends its
 * pauses (ns) to the file named by {@code -Djalloc.gcbench.pauses}, as one JSON line, for {@link GcBenchMain}'s
 * HdrHistogram.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xss64m"})
public class CollectorBenchmark {
    @Param({"mark-compact"})
    public String collector;

    @Param({"gcbench"})
    public String program;

    @Param({"16777216"})
    public long heapBytes;

    /** The heap as a multiple of the program's minimum live heap (a label for the results). */
    @Param({"3"})
    public String ratio;

    private Collector gc;
    private GcPrograms programs;

    @Setup(Level.Iteration)
    public void setUp() {
        gc = Collectors.create(collector + (collector.contains(":") ? "," : ":") + "gogc=off", heapBytes);
        programs = new GcPrograms(gc.mutator());
    }

    @Benchmark
    public long run() {
        return program.equals("gcbench") ? programs.gcBench() : programs.binaryTrees();
    }

    @TearDown(Level.Iteration)
    public void tearDown(IterationParams iteration) {
        try {
            String file = System.getProperty("jalloc.gcbench.pauses");
            if (file != null && iteration.getType() == IterationType.MEASUREMENT) {
                GcStats s = gc.stats();
                StringBuilder sb = new StringBuilder("{\"collector\":\"").append(collector).append("\",\"program\":\"").append(program)
                        .append("\",\"ratio\":\"").append(ratio).append("\",\"collections\":").append(s.collections()).append(",\"pauses\":[");
                long[] p = s.pauseNanos();
                for (int i = 0; i < p.length; i++) {
                    sb.append(i == 0 ? "" : ",").append(p[i]);
                }
                sb.append("]}\n");
                Files.writeString(Path.of(file), sb, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            gc.close();
        }
    }
}
