package org.jalloc.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import org.jalloc.core.Allocator;
import org.jalloc.core.LeakReport;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.core.nativeaccess.Libc;
import org.jalloc.testkit.json.Json;
import org.jalloc.testkit.trace.Op;
import org.jalloc.testkit.trace.OpRunner;
import org.jalloc.testkit.trace.NativePeer;
import org.jalloc.testkit.trace.PeerUtilization;
import org.jalloc.testkit.trace.ReplayResult;
import org.jalloc.testkit.trace.SharedTraces;
import org.jalloc.testkit.trace.Trace;
import org.jalloc.testkit.trace.TraceReplayer;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ./jalloc replay}: mdriver-style replay of malloc-lab traces. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Replays malloc-lab traces: utilization (peak live requested bytes / heap high-water mark) and ops/s.",
                "A folder means its *.rep files (not recursive), in name order."})
final class ReplayCommand implements Callable<Integer> {
    @Spec
    @SuppressWarnings("initialization.field.uninitialized") // picocli injects the spec before call()
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "trace files or folders of *.rep files")
    List<Path> paths = new ArrayList<>();

    @Option(names = "--allocator", required = true, description = "allocator name or spec (NAME:key=value,...)")
    String allocator = "";

    @Option(names = "--heap", defaultValue = "256M", converter = SizeConverter.class, description = "heap size (default ${DEFAULT-VALUE})")
    long heap;

    @Option(names = "--check", description = "run the heap checker after every op (throughput is still measured unchecked)")
    boolean check;

    @Option(names = "--baseline", split = ",", description = {"also replay through these peers: libc (ops/s and utilization),",
            "jemalloc, mimalloc, tcmalloc (utilization); comma-separated. Each peer's utilization is measured in a fresh",
            "JVM per trace, with a second one per trace for the noise floor; peers not installed are skipped."})
    List<String> baselines = new ArrayList<>();

    @Option(names = "--json", description = "one JSON object per trace")
    boolean json;

    @Option(names = "--leaks", description = {"also replay each trace once with leak detection (leaks=paranoid unless the spec names a level)"
            + " and print what it leaves live at its end, by size class (with --json, one object per trace whose first key is \"leaks\")"})
    boolean leaks;

    /** The longest --min-time, in milliseconds (an hour). */
    static final long MAX_MIN_TIME = 3_600_000;

    @Option(names = "--min-time", defaultValue = "200", description = "milliseconds of timing runs per trace, at least 3 runs, 0 to 3600000 (default ${DEFAULT-VALUE})")
    long minTimeMillis;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<String> peers = new ArrayList<>();
        for (String b : baselines) {
            if (!NativePeer.NAMES.contains(b)) {
                throw new UsageException("unknown baseline '" + b + "' (known: " + String.join(", ", NativePeer.NAMES) + ")");
            }
            if (!peers.contains(b)) {
                peers.add(b);
            }
        }
        boolean libcTimed = peers.contains("libc");
        String baseline = libcTimed ? "libc" : "";
        if (libcTimed && !Libc.available()) {
            throw new UsageException("--baseline libc needs native access: " + Libc.unavailableReason());
        }
        UsageException.requireRange("--min-time", minTimeMillis, 0, MAX_MIN_TIME);
        AllocatorFactory factory = Specs.usable(allocator, heap);
        List<Trace> traces = new ArrayList<>();
        List<Path> traceFiles = new ArrayList<>();
        for (Path p : paths) {
            if (!Files.exists(p)) {
                throw new UsageException("no such trace file or folder: " + p);
            }
            List<Path> files = Trace.files(p);
            if (files.isEmpty()) {
                throw new UsageException("no .rep files in " + p);
            }
            for (Path f : files) {
                if (!Files.isReadable(f)) {
                    throw new UsageException("cannot read trace " + f + ": permission denied");
                }
                Trace t = Trace.read(f);
                t.warnings().forEach(w -> err.println("warning: " + w));
                traces.add(t);
                traceFiles.add(f);
            }
        }
        TraceReplayer.Options options = new TraceReplayer.Options(check, true, minTimeMillis * 1_000_000L, 3, 10_000);
        boolean failed = false;
        if (!json) {
            StringBuilder peerColumns = new StringBuilder();
            for (String peer : peers) {
                peerColumns.append(String.format(" %14s", peer + " util"));
            }
            out.printf("%-22s %7s %8s %12s%s%s  %s%n", "trace", "ops", "util", "ops/s",
                    baseline.isEmpty() ? "" : String.format("%12s %7s", "libc ops/s", "ratio"), peerColumns, "status");
        }
        Map<String, Double> utilization = new LinkedHashMap<>();
        Progress progress = new Progress();
        Map<String, Map<String, Double>> peerUtilization = new LinkedHashMap<>();
        for (int ti = 0; ti < traces.size(); ti++) {
            Trace t = traces.get(ti);
            progress.show("replaying " + t.name() + " with " + factory.name() + (check ? " (checked)" : ""));
            ReplayResult r = TraceReplayer.replay(t, factory, options);
            double libc = baseline.isEmpty() || r.opsPerSecond() == 0 ? 0 : TraceReplayer.libcOpsPerSecond(t, options);
            Map<String, PeerUtilization.Result> measured = new LinkedHashMap<>();
            for (String peer : List.copyOf(peers)) {
                progress.show("measuring " + peer + "'s utilization on " + t.name() + " (fresh JVMs)");
                try {
                    PeerUtilization.Result m = PeerUtilization.measure(peer, traceFiles.get(ti));
                    measured.put(peer, m);
                    peerUtilization.computeIfAbsent(peer, k -> new LinkedHashMap<>()).put(t.name(), m.utilization());
                } catch (IllegalStateException e) {
                    progress.done();
                    err.println(String.valueOf(e.getMessage()).startsWith("SKIPPED:") ? e.getMessage() + " (left out of this run)"
                            : "SKIPPED: " + peer + ": " + e.getMessage() + " (left out of this run)");
                    peers.remove(peer);
                }
            }
            progress.done();
            failed |= !r.ok();
            utilization.put(t.name(), r.utilization());
            if (!r.failure().isEmpty()) {
                err.println(r.failure());
            }
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("trace", r.trace());
                o.put("allocator", r.allocator());
                o.put("ops", r.ops());
                o.put("utilization", r.utilization());
                o.put("opsPerSecond", r.opsPerSecond());
                o.put("violations", r.violations());
                o.put("outOfMemory", r.outOfMemory());
                if (!baseline.isEmpty()) {
                    o.put("libcOpsPerSecond", libc);
                    o.put("ratioToLibc", libc == 0 ? 0.0 : r.opsPerSecond() / libc);
                }
                measured.forEach((peer, m) -> {
                    o.put(peer + "Utilization", m.utilization());
                    o.put(peer + "PeakBytes", m.peakTaken());
                    o.put(peer + "NoiseFloorBytes", m.noiseFloor());
                });
                o.put("peakLiveRequested", r.peakLiveRequested());
                o.put("heapHighWater", r.heapHighWater());
                o.put("checked", check);
                out.println(Json.LINES.object(o));
            } else {
                String status = r.outOfMemory() ? "OUT OF MEMORY" : r.violations() > 0 ? r.violations() + " VIOLATIONS"
                        : check ? "ok (checked)" : "ok";
                StringBuilder peerCells = new StringBuilder();
                measured.forEach((peer, m) -> peerCells.append(String.format(" %13.1f%%", 100 * m.utilization())));
                out.printf("%-22s %7d %7.1f%% %12.0f%s%s  %s%n", t.name(), r.ops(), 100 * r.utilization(), r.opsPerSecond(),
                        baseline.isEmpty() ? "" : String.format("%12.0f %6.2fx", libc, libc == 0 ? 0 : r.opsPerSecond() / libc), peerCells, status);
            }
            if (leaks) {
                printLeaks(t, out);
            }
            out.flush();
        }
        // The closing note (in --json mode too: it does not begin with '{', so it is not a result line).
        if (utilization.keySet().containsAll(SharedTraces.MDRIVER_DEFAULT)) {
            out.printf("mean utilization over mdriver's eleven default traces: %.1f%%%n", 100 * mdriverMean(utilization));
            peerUtilization.forEach((peer, u) -> {
                if (u.keySet().containsAll(SharedTraces.MDRIVER_DEFAULT)) {
                    out.printf("%s's mean utilization over the same traces: %.1f%%%n", peer, 100 * mdriverMean(u));
                }
            });
        }
        return failed ? Main.FAILED : 0;
    }

    /** Replays {@code t} once with leak detection, without freeing what it leaves, and prints that by size class. */
    private void printLeaks(Trace t, PrintWriter out) {
        String leakSpec = allocator.contains("leaks=") ? allocator : allocator + (allocator.contains(":") ? "," : ":") + "leaks=paranoid";
        AllocatorFactory f = Specs.usable(leakSpec, heap);
        Allocator a = f.create(Specs.reserve(heap));
        OpRunner runner = new OpRunner(t.numIds());
        try {
            for (Op op : t.ops()) {
                if (!runner.apply(a, op)) {
                    break;
                }
            }
            TreeMap<Long, long[]> classes = new TreeMap<>();
            long blocks = 0;
            long usable = 0;
            for (int id = 0; id < t.numIds(); id++) {
                long p = runner.address(id);
                if (p != 0) {
                    long u = a.usableSize(p);
                    long upTo = u <= 16 ? 16 : Long.highestOneBit(u - 1) << 1;
                    long[] c = classes.computeIfAbsent(upTo, k -> new long[2]);
                    c[0]++;
                    c[1] += u;
                    blocks++;
                    usable += u;
                }
            }
            LeakReport report = a.leakReport();
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("leaks", t.name());
                o.put("allocator", f.name());
                o.put("blocks", blocks);
                o.put("requestedBytes", runner.liveRequested());
                o.put("usableBytes", usable);
                o.put("reportedBlocks", report.liveBlocks());
                List<Map<String, Object>> rows = new ArrayList<>();
                classes.forEach((upTo, c) -> {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("upTo", upTo);
                    row.put("blocks", c[0]);
                    row.put("bytes", c[1]);
                    rows.add(row);
                });
                o.put("sizeClasses", rows);
                out.println(Json.LINES.object(o));
            } else {
                out.printf(Locale.ROOT, "leaks: %s with %s: %,d block%s live at the end (%,d bytes requested, %,d usable; the leak report counts %,d)%s%n",
                        t.name(), f.name(), blocks, blocks == 1 ? "" : "s", runner.liveRequested(), usable, report.liveBlocks(),
                        runner.outOfMemory() ? " [out of memory at op " + runner.outOfMemoryAt() + "]" : "");
                if (blocks > 0) {
                    out.printf("  %-20s %10s %14s%n", "size class", "blocks", "bytes");
                    classes.forEach((upTo, c) -> out.printf(Locale.ROOT, "  %-20s %,10d %,14d%n",
                            "(" + (upTo == 16 ? 0 : upTo / 2) + ", " + upTo + "]", c[0], c[1]));
                }
            }
        } finally {
            runner.freeAll(a); // what was left is reported above, not again by close()
            a.close();
        }
    }

    private static double mdriverMean(Map<String, Double> utilization) {
        return SharedTraces.MDRIVER_DEFAULT.stream().mapToDouble(n -> utilization.getOrDefault(n, 0.0)).average().orElse(0);
    }
}
