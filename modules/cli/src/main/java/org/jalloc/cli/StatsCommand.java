package org.jalloc.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.AllocatorStats;
import org.jalloc.core.Allocators;
import org.jalloc.core.TrackingAllocator;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.testkit.json.Json;
import org.jalloc.testkit.trace.OpList;
import org.jalloc.testkit.trace.OpRunner;
import org.jalloc.testkit.trace.Trace;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ./jalloc stats}: an allocator's statistics after replaying a trace up to its peak or its end. */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "Replays a trace and prints the allocator's statistics at the trace's peak of live requested bytes (or at its end).")
final class StatsCommand implements Callable<Integer> {
    @Spec
    @SuppressWarnings("initialization.field.uninitialized") // picocli injects the spec before call()
    CommandSpec spec;

    @Option(names = "--allocator", required = true, description = "allocator name or spec")
    String allocator = "";

    @Option(names = "--trace", required = true, description = "trace file")
    Path trace = Path.of("");

    @Option(names = "--at", defaultValue = "peak", description = "peak (default) or end")
    String at = "peak";

    @Option(names = "--heap", defaultValue = "256M", converter = SizeConverter.class, description = "heap size (default ${DEFAULT-VALUE})")
    long heap;

    @Option(names = "--json", description = "one JSON object")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (!at.equals("peak") && !at.equals("end")) {
            throw new UsageException("--at takes peak or end, not '" + at + "'");
        }
        Io.requireReadableTrace(trace);
        AllocatorFactory factory = Specs.usable(allocator, heap);
        Trace t = Trace.read(trace);
        OpList ops = t.opList();
        long stopAfter = ops.size();
        boolean outOfMemory = false;
        if (at.equals("peak")) {
            try (TrackingAllocator a = Allocators.tracking(factory.create(Specs.reserve(heap)))) {
                OpRunner runner = new OpRunner(t.numIds());
                long best = -1;
                for (int i = 0; i < ops.size(); i++) {
                    if (!apply(runner, a, ops, i)) {
                        outOfMemory = true;
                        break;
                    }
                    if (a.liveRequested() > best) {
                        best = a.liveRequested();
                        stopAfter = i + 1;
                    }
                }
            }
        }
        AllocatorStats stats;
        try (TrackingAllocator a = Allocators.tracking(factory.create(Specs.reserve(heap)))) {
            OpRunner runner = new OpRunner(t.numIds());
            for (int i = 0; i < stopAfter; i++) {
                if (!apply(runner, a, ops, i)) {
                    outOfMemory = true;
                    break;
                }
            }
            stats = a.stats();
        }
        String where = (at.equals("peak") ? "peak, after op " : "end, after op ") + stopAfter + " of " + ops.size();
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("trace", String.valueOf(trace.getFileName()));
            o.put("at", at);
            o.put("afterOp", stopAfter);
            putStats(o, stats);
            o.put("outOfMemory", outOfMemory);
            out.println(Json.LINES.object(o));
        } else {
            out.println(format(stats, String.valueOf(trace.getFileName()) + " (" + where + ")"));
            if (outOfMemory) {
                out.println("the trace ran out of heap before that point");
            }
        }
        return outOfMemory ? Main.FAILED : 0;
    }

    /** Op {@code i}; an exception from the allocator on a valid op is its failure: reported with the op, exit 1. */
    private boolean apply(OpRunner runner, TrackingAllocator a, OpList ops, int i) {
        try {
            return runner.apply(a, ops, i);
        } catch (RuntimeException e) {
            throw new AllocatorFailure(trace.getFileName() + ": op #" + (i + 1) + " (" + ops.get(i) + ") threw " + e);
        }
    }

    static void putStats(Map<String, Object> o, AllocatorStats s) {
        o.put("allocator", s.allocator());
        o.put("heapBytes", s.heapBytes());
        o.put("reservedBytes", s.reservedBytes());
        o.put("highWaterBytes", s.highWaterBytes());
        s.liveRequestedBytes().ifPresent(v -> o.put("liveRequestedBytes", v));
        s.peakLiveRequestedBytes().ifPresent(v -> o.put("peakLiveRequestedBytes", v));
        o.put("liveGrantedBytes", s.liveGrantedBytes());
        o.put("freeBytes", s.freeBytes());
        o.put("allocatedBlocks", s.allocatedBlocks());
        o.put("freeBlocks", s.freeBlocks());
        o.put("largestFreeBlock", s.largestFreeBlock());
        o.put("metadataBytes", s.metadataBytes());
        o.put("externalMetadataBytes", s.externalMetadataBytes());
        o.put("externalFragmentation", s.externalFragmentation());
        Map<String, Object> sections = new LinkedHashMap<>();
        for (AllocatorMetric metric : s.metrics()) {
            Map<String, Object> v = MetricRender.values(metric);
            if (!metric.table().isEmpty()) {
                v.put("table", metric.table());
            }
            sections.put(metric.section(), v);
        }
        o.put("sections", sections);
    }

    /** The stats as an aligned text report. */
    static String format(AllocatorStats s, String context) {
        StringBuilder sb = new StringBuilder();
        row(sb, "allocator", s.allocator());
        row(sb, "trace", context);
        row(sb, "heap bytes", String.format("%,d (high-water %,d, reserved %,d)", s.heapBytes(), s.highWaterBytes(), s.reservedBytes()));
        s.liveRequestedBytes().ifPresent(v -> row(sb, "live requested", String.format("%,d bytes", v)));
        s.peakLiveRequestedBytes().ifPresent(v -> row(sb, "peak requested", String.format("%,d bytes", v)));
        row(sb, "live granted", String.format("%,d bytes in %,d blocks", s.liveGrantedBytes(), s.allocatedBlocks()));
        row(sb, "free", String.format("%,d bytes in %,d blocks, largest %,d", s.freeBytes(), s.freeBlocks(), s.largestFreeBlock()));
        row(sb, "metadata", String.format("%,d bytes (%,d outside the heap)", s.metadataBytes(), s.externalMetadataBytes()));
        row(sb, "ext. fragmentation", String.format("%.3f (1 - largest free / free)", s.externalFragmentation()));
        s.utilization().ifPresent(u -> row(sb, "utilization", String.format("%.1f%% (peak requested / high-water)", 100 * u)));
        for (AllocatorMetric metric : s.metrics()) {
            sb.append('\n').append('[').append(metric.section()).append("]\n");
            MetricRender.rows(metric, (k, v) -> row(sb, k, v));
            String table = metric.table();
            if (!table.isEmpty()) {
                sb.append(table);
                if (!table.endsWith("\n")) {
                    sb.append('\n');
                }
            }
        }
        return sb.toString();
    }

    private static void row(StringBuilder sb, String key, String value) {
        sb.append(String.format("%-22s %s%n", key, value));
    }
}
