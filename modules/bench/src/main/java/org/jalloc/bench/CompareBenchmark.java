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
 * One whole run of a comparison program ({@link CompareWorkloads#run}) on a jalloc collector with its default policy
 * (the GOGC trigger at 100, reference counting's buffer threshold), in a space of a fixed size, ms per run. Every
 * run appends one JSON line to the file named by {@code -Djalloc.gccompare.stats}: its pauses (every collection, and
 * reference counting's cascades of frees over 10 us), the peak bytes the space held, and whether it ran out of heap
 * (then also what cycles the heap held unreachable).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xss64m"})
public class CompareBenchmark {
    @Param({"mark-compact"})
    public String collector;

    @Param({"gcbench"})
    public String program;

    @Param({"67108864"})
    public long heapBytes;

    private Collector gc;
    private boolean measured;

    @Setup(Level.Iteration)
    public void setUp(IterationParams iteration) {
        gc = Collectors.create(collector, heapBytes);
        measured = iteration.getType() == IterationType.MEASUREMENT;
    }

    @Benchmark
    public long run() {
        try {
            return CompareWorkloads.run(program, gc.mutator());
        } catch (GcPrograms.OutOfHeap e) {
            record(true);
            gc.close();
            gc = null;
            throw e;
        }
    }

    private void record(boolean failed) {
        String file = System.getProperty("jalloc.gccompare.stats");
        if (file == null || (!measured && !failed)) {
            return;
        }
        GcStats s = gc.stats();
        StringBuilder sb = new StringBuilder("{\"collector\":\"").append(collector).append("\",\"program\":\"").append(program)
                .append("\",\"failed\":").append(failed).append(",\"collections\":").append(s.collections())
                .append(",\"peakUsedBytes\":").append(s.peakUsedBytes()).append(",\"unreachableBytes\":").append(s.unreachableBytes())
                .append(",\"bytesAllocated\":").append(s.bytesAllocated()).append(",\"pauses\":[");
        long[] p = s.pauseNanos();
        long[] f = s.freePauseNanos();
        for (int i = 0; i < p.length + f.length; i++) {
            sb.append(i == 0 ? "" : ",").append(i < p.length ? p[i] : f[i - p.length]);
        }
        sb.append("]}\n");
        try {
            Files.writeString(Path.of(file), sb, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @TearDown(Level.Iteration)
    public void tearDown() {
        if (gc != null) {
            try {
                record(false);
            } finally {
                gc.close();
            }
        }
    }
}
