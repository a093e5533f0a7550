package org.jalloc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.HdrHistogram.Histogram;
import org.jalloc.gc.Collector;
import org.jalloc.gc.Collectors;
import org.jalloc.testkit.json.Json;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * {@code ./jalloc bench --gc}: GCBench and binary-trees on every jalloc collector and, as ordinary Java objects, under
 * the JVM's Serial, Parallel, G1 and ZGC, at 1.5x, 2x, 3x and 6x each runtime's minimum heap, in one run: total
 * time (JMH, single-shot runs), collections and pause p50/p99/max (HdrHistogram).
 *
 * <pre>
 *   --quick    1 warm-up and 3 measured runs per cell (the default; about 10 minutes on 2 cores)
 *   --full     2 warm-up and 8 measured runs per cell
 *   --report   write docs/gc/results.json and the charts docs/gc/*.png
 *   --root DIR the repository root (default: the working directory)
 *   --from F   rebuild the table and the charts from an earlier run's results.json
 * </pre>
 *
 * The minimum heaps: for jalloc, the peak live bytes of the program ({@link #peakLive}: what a perfect compactor
 * needs); for the JVM, the smallest {@code -Xmx} under which Serial GC
 * completes the Java program (binary search in forks, 3% steps). Each runtime's heap ratios are relative to its own
 * minimum, since the object layouts differ (a jalloc GCBench node is 48 bytes, a Java one 32).
 */
public final class GcBenchMain {
    static final double[] RATIOS = {1.5, 2, 3, 6};
    static final List<String> PROGRAMS = List.of("gcbench", "binary-trees");
    static final List<String> COLLECTORS = List.of("mark-sweep", "mark-compact", "handles");
    static final List<String> JVM_GCS = List.of("Serial", "Parallel", "G1", "Z");

    private GcBenchMain() {}

    record Cell(String program, double ratio, String collector, boolean jvm, long heapBytes, double ms, double error, long collections,
                double p50, double p99, double max, String note) {}

    public static void main(String[] args) throws Exception {
        boolean full = false;
        boolean report = false;
        Path from = null;
        Path root = Path.of("").toAbsolutePath();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick", "--gc" -> full = false;
                case "--full" -> full = true;
                case "--report" -> report = true;
                case "--root" -> root = Path.of(args[++i]).toAbsolutePath();
                case "--from" -> from = Path.of(args[++i]);
                default -> {
                    System.err.println("jalloc bench --gc: unknown argument " + args[i]);
                    System.exit(2);
                }
            }
        }
        System.setProperty("java.awt.headless", "true");
        long t0 = System.nanoTime();
        Path out = root.resolve("target/gc-bench");
        Files.createDirectories(out);
        List<Cell> cells = new ArrayList<>();
        if (from != null) {
            // Rebuild the table and the charts from an earlier run's results.json, without running anything.
            for (Object o : (List<?>) Json.parse(Files.readString(from))) {
                Map<?, ?> m = (Map<?, ?>) o;
                String col = (String) m.get("collector");
                boolean jvm = col.startsWith("jvm-");
                cells.add(new Cell((String) m.get("program"), num(m.get("ratio")), jvm ? col.substring(4) : col, jvm,
                        (long) num(m.get("heapBytes")), num(m.get("ms")), num(m.get("error")), (long) num(m.get("collections")),
                        num(m.get("pauseP50Ms")), num(m.get("pauseP99Ms")), num(m.get("pauseMaxMs")), String.valueOf(m.get("note"))));
            }
            System.out.println(table(cells));
            if (report) {
                Path dir = root.resolve("docs/gc");
                Files.createDirectories(dir);
                Files.writeString(dir.resolve("results.md"), table(cells));
                charts(cells, dir);
            }
            return;
        }
        for (String program : PROGRAMS) {
            long live = peakLive(program);
            long javaMin = javaMinimumHeap(program);
            System.err.printf(Locale.ROOT, "jalloc bench --gc: %s: jalloc peak live %,d bytes; JVM minimum heap (Serial) %,d bytes%n",
                    program, live, javaMin);
            for (double ratio : RATIOS) {
                cells.addAll(runCollectors(program, ratio, (long) (ratio * live), full, out));
                for (String gc : JVM_GCS) {
                    cells.add(runJvm(program, ratio, gc, (long) (ratio * javaMin), full, out));
                }
            }
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Cell c : cells) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("program", c.program);
            m.put("ratio", c.ratio);
            m.put("collector", c.jvm ? "jvm-" + c.collector : c.collector);
            m.put("heapBytes", c.heapBytes);
            m.put("ms", c.ms);
            m.put("error", c.error);
            m.put("collections", c.collections);
            m.put("pauseP50Ms", c.p50);
            m.put("pauseP99Ms", c.p99);
            m.put("pauseMaxMs", c.max);
            Cell serial = find(cells, c.program, c.ratio, "Serial", true);
            m.put("ratioToSerial", serial == null || Double.isNaN(serial.ms) ? null : c.ms / serial.ms);
            m.put("note", c.note);
            rows.add(m);
            System.out.println(Json.RESULTS.object(m));
        }
        Files.writeString(out.resolve("results.json"), Json.RESULTS.array(rows));
        System.out.println(table(cells));
        if (report) {
            Path dir = root.resolve("docs/gc");
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("results.json"), Json.RESULTS.array(rows));
            Files.writeString(dir.resolve("results.md"), table(cells));
            charts(cells, dir);
        }
        System.err.printf(Locale.ROOT, "jalloc bench --gc: %d cells in %.0f s%n", cells.size(), (System.nanoTime() - t0) / 1e9);
    }

    /** Milliseconds as microseconds, at least 1 (a log axis takes no zero). */
    private static double micros(double ms) {
        return Double.isFinite(ms) ? Math.max(1, Math.round(ms * 1000)) : 1;
    }

    private static double num(Object o) {
        return o instanceof Double d ? d : Double.NaN;
    }

    static Cell find(List<Cell> cells, String program, double ratio, String collector, boolean jvm) {
        for (Cell c : cells) {
            if (c.program.equals(program) && c.ratio == ratio && c.collector.equals(collector) && c.jvm == jvm) {
                return c;
            }
        }
        return null;
    }

    /**
     * The program's peak live bytes in jalloc's layout, from its structure and the object model's sizes: GCBench's
     * stretch tree, or its long-lived tree and array with two temporary trees of the largest depth (the previous one
     * is still in its slot while the next is built); binary-trees' stretch tree, or its long-lived tree and one
     * temporary tree of the largest depth. Shadow-stack slots live outside the heap.
     */
    static long peakLive(String program) {
        try (Collector gc = Collectors.create("mark-compact", 1 << 20)) {
            org.jalloc.gc.ObjectModel om = gc.objectModel();
            int node = gc.types().define("Node", 2, 8);
            int tree = gc.types().define("TreeNode", 2, 0);
            if (program.equals("gcbench")) {
                long n = om.sizeOf(node, 0);
                long stretch = ((1L << (GcPrograms.STRETCH_DEPTH + 1)) - 1) * n;
                long steady = ((1L << (GcPrograms.LONG_LIVED_DEPTH + 1)) - 1) * n
                        + om.sizeOf(org.jalloc.gc.Types.BYTE_ARRAY, GcPrograms.ARRAY_SIZE * 8)
                        + 2 * ((1L << (GcPrograms.MAX_DEPTH + 1)) - 1) * n;
                return Math.max(stretch, steady);
            }
            long t = om.sizeOf(tree, 0);
            int max = Math.max(GcPrograms.MIN_DEPTH + 2, GcPrograms.BINARY_TREES_N);
            return Math.max(((1L << (max + 2)) - 1) * t, 2 * ((1L << (max + 1)) - 1) * t);
        }
    }

    /** The smallest -Xmx (KiB granularity, 3% steps) under which Serial GC completes the Java program, found with forks. */
    static long javaMinimumHeap(String program) throws IOException, InterruptedException {
        long lo = 1 << 20;
        long hi = 512L << 20;
        while (hi - lo > Math.max(256 << 10, lo / 32)) {
            long mid = (lo + hi) / 2;
            if (javaCompletes(program, mid)) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return hi;
    }

    private static boolean javaCompletes(String program, long heap) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError", "-Xmx" + (heap >> 10) + "k", "-Xss64m", "-cp",
                System.getProperty("java.class.path"), JavaPrograms.class.getName(), program).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor() == 0;
    }

    private static ChainedOptionsBuilder options(String include, boolean full, Path log) {
        ChainedOptionsBuilder b = new OptionsBuilder().include("\\." + include + "\\.run$").forks(1).shouldFailOnError(false)
                .output(log.toString());
        return full ? b.warmupIterations(2).measurementIterations(8) : b.warmupIterations(1).measurementIterations(3);
    }

    static List<Cell> runCollectors(String program, double ratio, long heap, boolean full, Path out) throws Exception {
        Path pauses = out.resolve("pauses-" + program + "-" + ratio + ".jsonl");
        Files.deleteIfExists(pauses);
        ChainedOptionsBuilder b = options("CollectorBenchmark", full, out.resolve("jmh-" + program + "-" + ratio + ".log"))
                .param("collector", COLLECTORS.toArray(String[]::new)).param("program", program)
                .param("heapBytes", Long.toString(heap)).param("ratio", Double.toString(ratio))
                .jvmArgsAppend("--enable-native-access=ALL-UNNAMED", "-Xss64m", "-Djalloc.gcbench.pauses=" + pauses);
        System.err.printf(Locale.ROOT, "jalloc bench --gc: %s at %.1fx (%,d bytes) on %s%n", program, ratio, heap, COLLECTORS);
        Collection<RunResult> results = new Runner(b.build()).run();
        List<Cell> cells = new ArrayList<>();
        List<String> lines = Files.exists(pauses) ? Files.readAllLines(pauses) : List.of();
        for (String collector : COLLECTORS) {
            RunResult r = results.stream().filter(x -> x.getParams().getParam("collector").equals(collector)).findFirst().orElse(null);
            Histogram h = new Histogram(3);
            long collections = 0;
            int runs = 0;
            for (String l : lines) {
                if (l.contains("\"collector\":\"" + collector + "\"")) {
                    runs++;
                    Matcher c = Pattern.compile("\"collections\":(\\d+)").matcher(l);
                    if (c.find()) {
                        collections += Long.parseLong(c.group(1));
                    }
                    String list = l.substring(l.indexOf('[') + 1, l.lastIndexOf(']'));
                    for (String v : list.split(",")) {
                        if (!v.isBlank()) {
                            h.recordValue(Math.max(1, Long.parseLong(v.trim())));
                        }
                    }
                }
            }
            cells.add(cell(program, ratio, collector, false, heap, r, h, runs == 0 ? 0 : collections / runs,
                    r == null ? "failed: out of heap (see " + out.relativize(out.resolve("jmh-" + program + "-" + ratio + ".log")) + ")" : ""));
        }
        return cells;
    }

    static Cell runJvm(String program, double ratio, String gc, long heap, boolean full, Path out) throws Exception {
        Path log = out.resolve("gclog-" + gc + "-" + program + "-" + ratio + ".log");
        Files.deleteIfExists(log);
        String tags = gc.equals("Z") ? "gc,gc+phases" : "gc";
        long kb = Math.max(heap >> 10, 1024);
        ChainedOptionsBuilder b = options("JavaGcBenchmark", full, out.resolve("jmh-jvm-" + gc + "-" + program + "-" + ratio + ".log"))
                .param("program", program)
                .jvmArgsAppend("-Xss64m", "-XX:+ExitOnOutOfMemoryError", "-XX:+Use" + gc + "GC", "-Xmx" + kb + "k", "-Xms" + kb + "k", "-Xlog:" + tags + ":file=" + log);
        System.err.printf(Locale.ROOT, "jalloc bench --gc: %s at %.1fx (%,d bytes) on the JVM's %s GC%n", program, ratio, kb << 10, gc);
        Collection<RunResult> results = new Runner(b.build()).run();
        RunResult r = results.isEmpty() ? null : results.iterator().next();
        Histogram h = new Histogram(3);
        long pauses = 0;
        if (Files.exists(log)) {
            Pattern p = Pattern.compile("Pause.*?(\\d+(?:\\.\\d+)?)ms\\s*$");
            for (String l : Files.readAllLines(log)) {
                Matcher m = p.matcher(l);
                if (m.find()) {
                    h.recordValue(Math.max(1, (long) (Double.parseDouble(m.group(1)) * 1e6)));
                    pauses++;
                }
            }
        }
        int iterations = full ? 10 : 4;
        return cell(program, ratio, gc, true, kb << 10, r, h, pauses / iterations,
                r == null ? "failed to run at this heap (see the JMH log)" : "pauses from -Xlog:" + tags + ", warm-up runs included");
    }

    private static Cell cell(String program, double ratio, String collector, boolean jvm, long heap, RunResult r, Histogram h, long collections,
                             String note) {
        double ms = r == null ? Double.NaN : r.getPrimaryResult().getScore();
        double err = r == null || Double.isNaN(r.getPrimaryResult().getScoreError()) ? 0 : r.getPrimaryResult().getScoreError();
        boolean any = h.getTotalCount() > 0;
        return new Cell(program, ratio, collector, jvm, heap, ms, err, collections, any ? h.getValueAtPercentile(50) / 1e6 : 0,
                any ? h.getValueAtPercentile(99) / 1e6 : 0, any ? h.getMaxValue() / 1e6 : 0, note);
    }

    static String table(List<Cell> cells) {
        StringBuilder sb = new StringBuilder();
        for (String program : PROGRAMS) {
            sb.append("\n### ").append(program).append("\n\n");
            sb.append("| collector | heap | ms per run | / Serial | collections per run | pause p50 ms | p99 ms | max ms |\n");
            sb.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
            for (double ratio : RATIOS) {
                for (Cell c : cells) {
                    if (!c.program.equals(program) || c.ratio != ratio) {
                        continue;
                    }
                    Cell serial = find(cells, program, ratio, "Serial", true);
                    String name = c.jvm ? "JVM " + c.collector : c.collector;
                    if (Double.isNaN(c.ms)) {
                        sb.append(String.format(Locale.ROOT, "| %s | %.1fx (%.1f MB) | %s | | | | | |%n", name, ratio, c.heapBytes / 1e6, c.note));
                        continue;
                    }
                    sb.append(String.format(Locale.ROOT, "| %s | %.1fx (%.1f MB) | %.0f ± %.0f | %s | %d | %.2f | %.2f | %.2f |%n", name, ratio,
                            c.heapBytes / 1e6, c.ms, c.error,
                            serial == null || Double.isNaN(serial.ms) ? "-" : String.format(Locale.ROOT, "%.2fx", c.ms / serial.ms),
                            c.collections, c.p50, c.p99, c.max));
                }
            }
        }
        return sb.toString();
    }

    static void charts(List<Cell> cells, Path dir) throws IOException {
        for (String program : PROGRAMS) {
            XYChart time = new XYChartBuilder().width(800).height(450).title(program + ": time per run against heap size")
                    .xAxisTitle("heap / minimum heap").yAxisTitle("ms per run (log)").build();
            time.getStyler().setYAxisLogarithmic(true).setLegendPosition(Styler.LegendPosition.OutsideE);
            List<String> names = new ArrayList<>(COLLECTORS);
            JVM_GCS.forEach(g -> names.add("JVM " + g));
            for (String name : names) {
                boolean jvm = name.startsWith("JVM ");
                String col = jvm ? name.substring(4) : name;
                List<Double> xs = new ArrayList<>();
                List<Double> ys = new ArrayList<>();
                for (double ratio : RATIOS) {
                    Cell c = find(cells, program, ratio, col, jvm);
                    if (c != null && !Double.isNaN(c.ms)) {
                        xs.add(ratio);
                        ys.add(c.ms);
                    }
                }
                if (!xs.isEmpty()) {
                    time.addSeries(name, xs, ys);
                }
            }
            BitmapEncoder.saveBitmap(time, dir.resolve("time-" + program).toString(), BitmapEncoder.BitmapFormat.PNG);
            CategoryChart pauses = new CategoryChartBuilder().width(800).height(450).title(program + ": pauses at 3x the minimum heap")
                    .xAxisTitle("collector").yAxisTitle("pause, microseconds").build();
            // linear: XChart's category charts reject a log axis here (it counts the bars' base as zero)
            pauses.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
            List<String> xs = new ArrayList<>();
            List<Double> p50 = new ArrayList<>();
            List<Double> p99 = new ArrayList<>();
            List<Double> max = new ArrayList<>();
            for (String name : names) {
                boolean jvm = name.startsWith("JVM ");
                Cell c = find(cells, program, 3, jvm ? name.substring(4) : name, jvm);
                if (c != null && c.max > 0) {
                    xs.add(name);
                    p50.add(micros(c.p50));
                    p99.add(micros(c.p99));
                    max.add(micros(c.max));
                }
            }
            if (!xs.isEmpty()) {
                pauses.addSeries("p50", xs, p50);
                pauses.addSeries("p99", xs, p99);
                pauses.addSeries("max", xs, max);
                BitmapEncoder.saveBitmap(pauses, dir.resolve("pauses-" + program).toString(), BitmapEncoder.BitmapFormat.PNG);
            }
        }
    }
}
