package org.jalloc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jalloc.core.Allocator;
import org.jalloc.core.AllocatorStats;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.core.walk.Inspection;
import org.jalloc.testkit.trace.Op;
import org.jalloc.testkit.trace.OpRunner;
import org.jalloc.testkit.trace.PeerUtilization;
import org.jalloc.testkit.trace.Trace;
import org.jalloc.testkit.trace.TraceGenerator;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * The figures of {@code docs/fragmentation.md}: for every allocator spec and trace, mdriver's utilization and how the
 * rest of the heap's high-water mark splits at the moment of the peak live requested bytes into <b>internal</b>
 * fragmentation (granted but not requested bytes, headers, footers, page metadata and side tables:
 * {@code liveGranted − requested + metadata}) and <b>external</b> fragmentation (free bytes, and heap the break
 * reached at another moment than the peak: the rest); the two ceilings each trace allows (16-byte alignment only,
 * and an 8-byte header with a 32-byte minimum block, both with no fragmentation at all); and, with {@code --peers},
 * the native allocators' utilization ({@link PeerUtilization}, fresh JVMs per trace).
 *
 * <pre>
 *   java -cp modules/bench/target/benchmarks.jar org.jalloc.bench.FragmentationReport --out DIR \
 *       --allocators "dense;boundary-tag;..." [--peers libc,jemalloc,...] [--gen strings,list,tree,browser:OPS] TRACE...
 * </pre>
 * Writes {@code DIR/fragmentation.md} (tables) and {@code DIR/fragmentation-utilization.png} (XChart).
 */
public final class FragmentationReport {
    private FragmentationReport() {}

    record Row(String trace, String allocator, double utilization, double internal, double external) {}

    public static void main(String[] args) throws IOException {
        Path out = Path.of(".");
        List<String> allocators = new ArrayList<>();
        List<String> peers = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--allocators" -> allocators.addAll(List.of(args[++i].split(";")));
                case "--peers" -> peers.addAll(List.of(args[++i].split(",")));
                case "--gen" -> {
                    String[] g = args[++i].split(":");
                    int ops = Integer.parseInt(g[1]);
                    Files.createDirectories(out);
                    for (String p : g[0].split(",")) {
                        Trace t = TraceGenerator.generate(p, ops, 1);
                        Path f = out.resolve(p + ".rep");
                        Files.writeString(f, t.format(List.of("generated: ./jalloc gen --pattern " + p + " --ops " + ops + " --seed 1")),
                                java.nio.charset.StandardCharsets.ISO_8859_1);
                        files.add(f);
                    }
                }
                default -> files.add(0, Path.of(args[i]));
            }
        }
        Files.createDirectories(out);
        Map<String, double[]> ceilings = new LinkedHashMap<>();
        List<Row> rows = new ArrayList<>();
        Map<String, Map<String, PeerUtilization.Result>> peerResults = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        Path dir = out;
        List<Path> ordered = new ArrayList<>(files.stream().filter(f -> !f.startsWith(dir)).sorted().toList());
        ordered.addAll(files.stream().filter(f -> f.startsWith(dir)).toList());
        for (Path f : ordered) {
            Trace t = Trace.read(f);
            Op[] ops = t.ops().toArray(new Op[0]);
            ceilings.put(t.name(), ceilings(t, ops));
            for (String a : allocators) {
                rows.add(measure(t, ops, a));
                System.err.println(t.name() + " " + a);
            }
            for (String p : peers) {
                if (skipped.contains(p)) {
                    continue;
                }
                try {
                    peerResults.computeIfAbsent(t.name(), k -> new LinkedHashMap<>()).put(p, PeerUtilization.measure(p, f));
                } catch (IllegalStateException e) {
                    System.err.println(e.getMessage());
                    skipped.add(p);
                }
            }
        }
        StringBuilder md = new StringBuilder();
        md.append("| trace | ceiling: alignment | ceiling: 8-byte header |");
        for (String a : allocators) {
            md.append(' ').append(a).append(" |");
        }
        for (String p : peers) {
            md.append(' ').append(p).append(" |");
        }
        md.append("\n|---|---:|---:|").append("---:|".repeat(allocators.size() + peers.size())).append('\n');
        for (var e : ceilings.entrySet()) {
            md.append("| ").append(e.getKey()).append(String.format(Locale.ROOT, " | %.1f%% | %.1f%% |", 100 * e.getValue()[0], 100 * e.getValue()[1]));
            for (String a : allocators) {
                Row r = rows.stream().filter(x -> x.trace.equals(e.getKey()) && x.allocator.equals(a)).findFirst().orElseThrow();
                md.append(String.format(Locale.ROOT, " %.1f%% (%.1f / %.1f) |", 100 * r.utilization, 100 * r.internal, 100 * r.external));
            }
            for (String p : peers) {
                PeerUtilization.Result pr = peerResults.getOrDefault(e.getKey(), Map.of()).get(p);
                md.append(pr == null ? " skipped |" : String.format(Locale.ROOT, " %.1f%% (floor %,d B) |", 100 * pr.utilization(), pr.noiseFloor()));
            }
            md.append('\n');
        }
        Files.writeString(out.resolve("fragmentation.md"), md.toString());
        StringBuilder tsv = new StringBuilder("trace\tallocator\tutilization\tinternal\texternal\n");
        rows.forEach(r -> tsv.append(String.format(Locale.ROOT, "%s\t%s\t%.4f\t%.4f\t%.4f%n", r.trace, r.allocator, r.utilization, r.internal, r.external)));
        peerResults.forEach((t, m) -> m.forEach((p, r) -> tsv.append(String.format(Locale.ROOT, "%s\t%s\t%.4f\t\t\t%d\t%d\t%d%n", t, p, r.utilization(),
                r.peakRequested(), r.peakTaken(), r.noiseFloor()))));
        Files.writeString(out.resolve("fragmentation.tsv"), tsv.toString());
        chart(out, ceilings, rows, allocators);
        System.out.print(md);
    }

    /** Peak requested over the peak of the blocks' sizes with 16-byte alignment only, and with an 8-byte header. */
    static double[] ceilings(Trace t, Op[] ops) {
        int ids = (int) Math.max(16, t.numIds());
        for (Op op : ops) {
            ids = Math.max(ids, op.id() + 1);
        }
        long[] req = new long[ids];
        long[] aligned = new long[ids];
        long[] headed = new long[ids];
        long r = 0;
        long a = 0;
        long h = 0;
        long pr = 0;
        long pa = 0;
        long ph = 0;
        boolean[] live = new boolean[ids];
        for (Op op : ops) {
            int id = op.id();
            switch (op.kind()) {
                case 'a', 'c', 'm', 'r' -> {
                    if (op.kind() == 'r' && id >= 0 && live[id]) {
                        r -= req[id];
                        a -= aligned[id];
                        h -= headed[id];
                        live[id] = false;
                    }
                    if (op.kind() != 'r' || op.size() > 0) {
                        long s = op.kind() == 'c' ? op.requested() : op.size();
                        req[id] = s;
                        aligned[id] = Math.max(16, (s + 15) & -16L);
                        headed[id] = Math.max(32, (s + 8 + 15) & -16L);
                        r += req[id];
                        a += aligned[id];
                        h += headed[id];
                        live[id] = true;
                    }
                }
                case 'f' -> {
                    if (id >= 0 && live[id]) {
                        r -= req[id];
                        a -= aligned[id];
                        h -= headed[id];
                        live[id] = false;
                    }
                }
                default -> {
                }
            }
            pr = Math.max(pr, r);
            pa = Math.max(pa, a);
            ph = Math.max(ph, h);
        }
        return new double[] {pa == 0 ? 0 : (double) pr / pa, ph == 0 ? 0 : (double) pr / ph};
    }

    /** Two passes: one finds the op at which the live requested bytes peak, the second takes the stats there. */
    static Row measure(Trace t, Op[] ops, String spec) {
        long heapBytes = 1L << 30;
        AllocatorFactory factory = AllocatorFactory.of(spec, heapBytes);
        long peakAt = -1;
        long peak = 0;
        try (Heap heap = Heap.reserve(heapBytes)) {
            Allocator x = factory.create(heap);
            OpRunner runner = new OpRunner(t.numIds());
            long i = 0;
            for (Op op : ops) {
                runner.apply(x, op);
                i++;
                if (runner.liveRequested() > peak) {
                    peak = runner.liveRequested();
                    peakAt = i;
                }
            }
        }
        try (Heap heap = Heap.reserve(heapBytes)) {
            Allocator x = factory.create(heap);
            OpRunner runner = new OpRunner(t.numIds());
            long i = 0;
            AllocatorStats atPeak = null;
            for (Op op : ops) {
                runner.apply(x, op);
                if (++i == peakAt) {
                    atPeak = x.stats();
                }
            }
            double denominator = heap.highWater() - heap.start() + Inspection.of(x).heapWalk().externalMetadataBytes();
            double utilization = denominator == 0 ? 0 : runner.peakRequested() / denominator;
            double internal = atPeak == null || denominator == 0 ? 0
                    : (atPeak.liveGrantedBytes() - peak + atPeak.metadataBytes()) / denominator;
            return new Row(t.name(), spec, utilization, internal, Math.max(0, 1 - utilization - internal));
        }
    }

    private static void chart(Path out, Map<String, double[]> ceilings, List<Row> rows, List<String> allocators) throws IOException {
        List<String> traces = new ArrayList<>(ceilings.keySet());
        CategoryChart c = new CategoryChartBuilder().width(1400).height(650).title("Utilization per trace (mdriver: peak requested / heap high-water)")
                .yAxisTitle("utilization").build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setXAxisLabelRotation(60);
        c.getStyler().setYAxisMax(1.0);
        c.getStyler().setYAxisMin(0.0);
        for (String a : allocators.stream().filter(a -> !a.contains(":")).toList()) {
            List<Double> ys = new ArrayList<>();
            for (String t : traces) {
                ys.add(rows.stream().filter(r -> r.trace.equals(t) && r.allocator.equals(a)).mapToDouble(Row::utilization).findFirst().orElse(0));
            }
            c.addSeries(a, traces, ys);
        }
        c.addSeries("ceiling with a header", traces, Arrays.asList(traces.stream().map(t -> ceilings.get(t)[1]).toArray(Double[]::new)));
        BitmapEncoder.saveBitmap(c, out.resolve("fragmentation-utilization").toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
