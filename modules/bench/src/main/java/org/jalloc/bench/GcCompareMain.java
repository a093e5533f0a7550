package org.jalloc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.HdrHistogram.Histogram;
import org.jalloc.gc.CollectorType;
import org.jalloc.gc.Collectors;
import org.jalloc.testkit.json.Json;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * {@code ./jalloc bench --gc-compare}: one comparison of every collector of the library and of the JVM's own, on
 * four programs, in one run — GCBench, binary-trees, a pointer-heavy mutation workload and a cyclic workload
 * ({@link CompareWorkloads}) — each runtime in a space of {@value #RATIO}x its minimum heap with its default policy:
 * total time per run (JMH single-shot runs), the longest and the 99th-percentile pause (HdrHistogram), the peak bytes
 * held over the program's peak live bytes, and the cost of one reference write's barrier (ns).
 *
 * <pre>
 *   --quick    1 warm-up and 3 measured runs per cell, 3 one-second barrier iterations (the default; ~10 minutes)
 *   --full     2 warm-up and 8 measured runs per cell, 5 barrier iterations
 *   --report   write docs/gc/compare.json, docs/gc/compare.md and the charts docs/gc/compare-*.png
 *   --root DIR the repository root (default: the working directory)
 *   --from F   rebuild the table and the charts from an earlier run's compare.json, running nothing
 * </pre>
 *
 * The collectors are found by name: every collector {@link Collectors#types()} registers, in its order, each with its
 * default options, and after a collector the variants of {@link #VARIANTS} ({@code refcount:cycles=off}, the seed's
 * weakness, and {@code refcount:gogc=off}). A collector merged later (issue 19's generational, incremental and
 * concurrent) joins the comparison without a change here; a collector the issue names that this build does not
 * register is listed as missing in the header.
 *
 * <ul>
 *   <li>jalloc: heap = 3x the program's peak live bytes in jalloc's layout ({@link CompareWorkloads#peakLive}); each
 *       collector with its default options (GOGC 100; reference counting's buffer threshold). Pauses: every
 *       collection, and reference counting's cascades of frees that took 10 us or more (a free that long stops the
 *       mutator as a collection does), measured runs only. Peak: {@code GcStats.peakUsedBytes}, the most bytes of
 *       objects (live, or dead and not yet reclaimed) the space held.</li>
 *   <li>JVM: {@code -Xms = -Xmx} = 3x the smallest heap Serial GC completes the program in (binary search in forks);
 *       pauses are the log's {@code Pause} lines (ZGC: {@code gc+phases}), warm-up run included; peak: the largest
 *       heap occupancy before a collection in the log ({@code NM->...}), over the program's peak live bytes as Java
 *       objects ({@link JavaCompareWorkloads#peakLive}).</li>
 *   <li>Barrier: {@link RefWriteBenchmark} (jalloc, minus {@code mark-sweep}'s barrier-free write) and
 *       {@link JavaRefWriteBenchmark} (each JVM collector minus Epsilon, which has no barrier).</li>
 * </ul>
 */
public final class GcCompareMain {
    static final double RATIO = 3;
    static final List<String> PROGRAMS = List.of("gcbench", "binary-trees", "mutation", "cyclic");
    /** The collectors issue 20 names for the comparison: any of them this build does not register is reported missing. */
    static final List<String> EXPECTED = List.of("mark-sweep", "mark-compact", "handles", "generational", "incremental",
            "concurrent", "refcount", "refcount:cycles=off");
    /**
     * Configurations compared beside a collector's default one, by collector name: reference counting without its cycle
     * collector (the seed's weakness), and with cycle collections only when its candidate buffer fills or the space
     * runs out ({@code gogc=off}: no collections on the allocation-volume trigger, whose garbage counting frees anyway).
     */
    static final Map<String, List<String>> VARIANTS = Map.of("refcount", List.of("refcount:cycles=off", "refcount:gogc=off"));
    /** Collectors whose write barrier is empty ({@code WriteBarrier.NONE}): their barrier cost is 0 by construction. */
    static final Set<String> NO_BARRIER = Set.of("mark-sweep", "mark-compact", "handles");
    static final String BASELINE = "mark-sweep";
    static final List<String> JVM_GCS = List.of("Serial", "Parallel", "G1", "Z");

    private GcCompareMain() {}

    record Cell(String program, String collector, boolean jvm, long heapBytes, long liveBytes, double ms, double error,
                long collections, double p99, double max, double peakOverLive, String note) {}

    record Barrier(String collector, boolean jvm, double writeNs, double writeError, double rootNs, double barrierNs) {}

    /**
     * The collectors compared: every collector {@link Collectors#types()} registers, by name in its order, each followed
     * by its {@link #VARIANTS}. The names of {@link #EXPECTED} it lacks go to {@code missing}.
     */
    static List<String> collectors(List<String> missing) {
        List<String> out = new ArrayList<>();
        for (CollectorType t : Collectors.types()) {
            out.add(t.name());
            out.addAll(VARIANTS.getOrDefault(t.name(), List.of()));
        }
        for (String e : EXPECTED) {
            if (!out.contains(e)) {
                missing.add(e);
            }
        }
        return out;
    }

    public static void main(String[] args) throws Exception {
        try {
            run(args);
        } catch (IOException | java.io.UncheckedIOException | IllegalArgumentException | ClassCastException | NullPointerException e) {
            // bad input (a results file that is not compare.json, an unwritable folder): one line, exit 2, as the rest of ./jalloc
            System.err.println("jalloc bench --gc-compare: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            System.exit(2);
        }
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            System.err.println("jalloc bench --gc-compare: " + args[i - 1] + " needs a value");
            System.exit(2);
        }
        return args[i];
    }

    private static void run(String[] args) throws Exception {
        boolean full = false;
        boolean report = false;
        Path from = null;
        Path root = Path.of("").toAbsolutePath();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--gc-compare" -> { }
                case "--quick" -> full = false;
                case "--full" -> full = true;
                case "--report" -> report = true;
                case "--root" -> root = Path.of(value(args, ++i)).toAbsolutePath();
                case "--from" -> from = Path.of(value(args, ++i));
                case "-h", "--help" -> {
                    System.out.println("usage: ./jalloc bench --gc-compare [--quick|--full] [--report] [--from compare.json]");
                    return;
                }
                default -> {
                    System.err.println("jalloc bench --gc-compare: unknown argument " + args[i]
                            + " (use --quick|--full, --report, --from compare.json)");
                    System.exit(2);
                }
            }
        }
        System.setProperty("java.awt.headless", "true");
        List<Cell> cells = new ArrayList<>();
        List<Barrier> barriers = new ArrayList<>();
        String header;
        if (from != null) {
            Map<?, ?> doc = (Map<?, ?>) Json.parse(Files.readString(from));
            header = String.valueOf(doc.get("header"));
            for (Object o : (List<?>) doc.get("cells")) {
                Map<?, ?> m = (Map<?, ?>) o;
                cells.add(new Cell(str(m, "program"), str(m, "collector"), Boolean.TRUE.equals(m.get("jvm")), (long) num(m.get("heapBytes")),
                        (long) num(m.get("liveBytes")), num(m.get("ms")), num(m.get("error")), (long) num(m.get("collections")),
                        num(m.get("pauseP99Ms")), num(m.get("pauseMaxMs")), num(m.get("peakOverLive")), str(m, "note")));
            }
            for (Object o : (List<?>) doc.get("barriers")) {
                Map<?, ?> m = (Map<?, ?>) o;
                barriers.add(new Barrier(str(m, "collector"), Boolean.TRUE.equals(m.get("jvm")), num(m.get("writeNs")),
                        num(m.get("writeError")), num(m.get("rootNs")), num(m.get("barrierNs"))));
            }
        } else {
            long t0 = System.nanoTime();
            List<String> missing = new ArrayList<>();
            List<String> collectors = collectors(missing);
            for (String s : missing) {
                System.err.println("jalloc bench --gc-compare: collector " + s + " is not registered in this build");
            }
            Path out = root.resolve("target/gc-compare");
            Files.createDirectories(out);
            barriers.addAll(runBarriers(collectors, full, out));
            for (String program : PROGRAMS) {
                long live = CompareWorkloads.peakLive(program);
                long javaMin = javaMinimumHeap(program);
                long javaLive = JavaCompareWorkloads.peakLive(program);
                System.err.printf(Locale.ROOT, "jalloc bench --gc-compare: %s: jalloc peak live %,d bytes; Java peak live %,d bytes,"
                        + " JVM minimum heap (Serial) %,d bytes%n", program, live, javaLive, javaMin);
                cells.addAll(runCollectors(program, collectors, (long) (RATIO * live), live, full, out));
                for (String gc : JVM_GCS) {
                    cells.add(runJvm(program, gc, (long) (RATIO * javaMin), javaLive, full, out));
                }
            }
            header = String.format(Locale.ROOT, "Generated by `./jalloc bench --gc-compare%s%s` on %s in %.0f minutes (%s)%s.",
                    full ? " --full" : " --quick", report ? " --report" : "", LocalDate.now(), (System.nanoTime() - t0) / 60e9,
                    full ? "2 warm-up and 8 measured runs per cell" : "1 warm-up and 3 measured runs per cell",
                    missing.isEmpty() ? "" : "; not in this build: " + String.join(", ", missing));
            Files.writeString(out.resolve("compare.json"), json(header, cells, barriers));
            if (report) {
                Path dir = root.resolve("docs/gc");
                Files.createDirectories(dir);
                Files.writeString(dir.resolve("compare.json"), json(header, cells, barriers));
            }
        }
        String table = header + "\n\n" + table(cells, barriers);
        System.out.println(table);
        if (report) {
            Path dir = root.resolve("docs/gc");
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("compare.md"), table);
            charts(cells, barriers, dir);
        }
    }

    private static String str(Map<?, ?> m, String key) {
        return String.valueOf(m.get(key));
    }

    private static double num(Object o) {
        return o instanceof Double d ? d : Double.NaN;
    }

    static String json(String header, List<Cell> cells, List<Barrier> barriers) {
        List<Map<String, Object>> cs = new ArrayList<>();
        for (Cell c : cells) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("program", c.program);
            m.put("collector", c.collector);
            m.put("jvm", c.jvm);
            m.put("heapBytes", c.heapBytes);
            m.put("liveBytes", c.liveBytes);
            m.put("ms", c.ms);
            m.put("error", c.error);
            m.put("collections", c.collections);
            m.put("pauseP99Ms", c.p99);
            m.put("pauseMaxMs", c.max);
            m.put("peakOverLive", c.peakOverLive);
            m.put("note", c.note);
            cs.add(m);
        }
        List<Map<String, Object>> bs = new ArrayList<>();
        for (Barrier b : barriers) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("collector", b.collector);
            m.put("jvm", b.jvm);
            m.put("writeNs", b.writeNs);
            m.put("writeError", b.writeError);
            m.put("rootNs", b.rootNs);
            m.put("barrierNs", b.barrierNs);
            bs.add(m);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("header", header);
        doc.put("cells", cs);
        doc.put("barriers", bs);
        return Json.RESULTS.object(doc) + "\n";
    }

    // ------------------------------------------------------------ running

    private static ChainedOptionsBuilder single(String include, boolean full, Path log) {
        ChainedOptionsBuilder b = new OptionsBuilder().include("\\." + include + "\\.run$").forks(1).shouldFailOnError(false)
                .output(log.toString());
        return full ? b.warmupIterations(2).measurementIterations(8) : b.warmupIterations(1).measurementIterations(3);
    }

    static List<Barrier> runBarriers(List<String> collectors, boolean full, Path out) throws Exception {
        int iterations = full ? 5 : 3;
        System.err.println("jalloc bench --gc-compare: barrier cost per reference write on " + collectors);
        Collection<RunResult> jalloc = new Runner(new OptionsBuilder().include("\\.RefWriteBenchmark\\.")
                .param("collector", collectors.toArray(String[]::new)).forks(1).warmupIterations(2).measurementIterations(iterations)
                .shouldFailOnError(false).output(out.resolve("jmh-barrier.log").toString()).build()).run();
        List<Barrier> list = new ArrayList<>();
        double base = score(jalloc, BASELINE, "fieldWrite");
        double baseRoot = score(jalloc, BASELINE, "rootWrite");
        for (String c : collectors) {
            double w = score(jalloc, c, "fieldWrite");
            double r = score(jalloc, c, "rootWrite");
            double barrier = NO_BARRIER.contains(c) ? 0 : Math.max(0, w - base);
            list.add(new Barrier(c, false, w, error(jalloc, c, "fieldWrite"), r, barrier));
            System.err.printf(Locale.ROOT, "jalloc bench --gc-compare: %s: field write %.2f ns (%s), root write %.2f ns (%+.2f)%n", c, w,
                    NO_BARRIER.contains(c) ? "no barrier" : String.format(Locale.ROOT, "barrier %.2f", barrier), r, r - baseRoot);
        }
        double epsilon = Double.NaN;
        List<String> gcs = new ArrayList<>(List.of("Epsilon"));
        gcs.addAll(JVM_GCS);
        for (String gc : gcs) {
            List<String> flags = new ArrayList<>(List.of("-Xmx1g", "-Xms1g"));
            if (gc.equals("Epsilon")) {
                flags.add("-XX:+UnlockExperimentalVMOptions");
            }
            flags.add("-XX:+Use" + gc + "GC");
            Collection<RunResult> rs = new Runner(new OptionsBuilder().include("\\.JavaRefWriteBenchmark\\.").forks(1).warmupIterations(2)
                    .measurementIterations(iterations).jvmArgsAppend(flags.toArray(String[]::new)).shouldFailOnError(false)
                    .output(out.resolve("jmh-barrier-" + gc + ".log").toString()).build()).run();
            RunResult r = rs.isEmpty() ? null : rs.iterator().next();
            double w = r == null ? Double.NaN : r.getPrimaryResult().getScore();
            double e = r == null ? Double.NaN : r.getPrimaryResult().getScoreError();
            if (gc.equals("Epsilon")) {
                epsilon = w;
            } else {
                list.add(new Barrier(gc, true, w, e, Double.NaN, Math.max(0, w - epsilon)));
            }
            System.err.printf(Locale.ROOT, "jalloc bench --gc-compare: JVM %s: field write %.2f ns%n", gc, w);
        }
        return list;
    }

    private static RunResult find(Collection<RunResult> rs, String collector, String method) {
        for (RunResult r : rs) {
            if (r.getParams().getParam("collector").equals(collector) && r.getParams().getBenchmark().endsWith("." + method)) {
                return r;
            }
        }
        return null;
    }

    private static double score(Collection<RunResult> rs, String collector, String method) {
        RunResult r = find(rs, collector, method);
        return r == null ? Double.NaN : r.getPrimaryResult().getScore();
    }

    private static double error(Collection<RunResult> rs, String collector, String method) {
        RunResult r = find(rs, collector, method);
        return r == null ? Double.NaN : r.getPrimaryResult().getScoreError();
    }

    /** The smallest -Xmx (3% steps) under which Serial GC completes the Java program, found with forks. */
    static long javaMinimumHeap(String program) throws IOException, InterruptedException {
        long lo = 1 << 20;
        long hi = 512L << 20;
        while (hi - lo > Math.max(256 << 10, lo / 32)) {
            long mid = (lo + hi) / 2;
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(java, "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError", "-Xmx" + (mid >> 10) + "k", "-Xss64m",
                    "-cp", System.getProperty("java.class.path"), JavaCompareWorkloads.class.getName(), program).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (p.waitFor() == 0) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return hi;
    }

    static List<Cell> runCollectors(String program, List<String> collectors, long heap, long live, boolean full, Path out) throws Exception {
        Path stats = out.resolve("stats-" + program + ".jsonl");
        Files.deleteIfExists(stats);
        Path log = out.resolve("jmh-" + program + ".log");
        ChainedOptionsBuilder b = single("CompareBenchmark", full, log).param("collector", collectors.toArray(String[]::new))
                .param("program", program).param("heapBytes", Long.toString(heap))
                .jvmArgsAppend("--enable-native-access=ALL-UNNAMED", "-Xss64m", "-Djalloc.gccompare.stats=" + stats);
        System.err.printf(Locale.ROOT, "jalloc bench --gc-compare: %s in %,d bytes on %s%n", program, heap, collectors);
        Collection<RunResult> results = new Runner(b.build()).run();
        List<String> lines = Files.exists(stats) ? Files.readAllLines(stats) : List.of();
        List<Cell> cells = new ArrayList<>();
        Pattern num = Pattern.compile("\"(\\w+)\":(-?\\d+|true|false)");
        for (String collector : collectors) {
            RunResult r = results.stream().filter(x -> x.getParams().getParam("collector").equals(collector)).findFirst().orElse(null);
            Histogram h = new Histogram(3);
            long peak = 0;
            long collections = 0;
            int runs = 0;
            String failure = null;
            for (String l : lines) {
                if (!l.contains("\"collector\":\"" + collector + "\"")) {
                    continue;
                }
                Map<String, String> f = new LinkedHashMap<>();
                Matcher m = num.matcher(l);
                while (m.find()) {
                    f.put(m.group(1), m.group(2));
                }
                if (f.getOrDefault("failed", "false").equals("true")) {
                    failure = String.format(Locale.ROOT, "out of heap after allocating %.1f MB%s", Long.parseLong(f.get("bytesAllocated")) / 1e6,
                            Long.parseLong(f.get("unreachableBytes")) > 0 ? String.format(Locale.ROOT, ", %.1f MB of it unreachable cycles counting cannot free",
                                    Long.parseLong(f.get("unreachableBytes")) / 1e6) : "");
                    continue;
                }
                runs++;
                peak = Math.max(peak, Long.parseLong(f.get("peakUsedBytes")));
                collections += Long.parseLong(f.get("collections"));
                String list = l.substring(l.indexOf('[') + 1, l.lastIndexOf(']'));
                for (String v : list.split(",")) {
                    if (!v.isBlank()) {
                        h.recordValue(Math.max(1, Long.parseLong(v.trim())));
                    }
                }
            }
            boolean ok = r != null && failure == null;
            cells.add(new Cell(program, collector, false, heap, live, ok ? r.getPrimaryResult().getScore() : Double.NaN,
                    ok ? r.getPrimaryResult().getScoreError() : Double.NaN, runs == 0 ? 0 : collections / runs,
                    h.getTotalCount() > 0 ? h.getValueAtPercentile(99) / 1e6 : 0, h.getTotalCount() > 0 ? h.getMaxValue() / 1e6 : 0,
                    runs == 0 ? Double.NaN : (double) peak / live,
                    failure != null ? failure : r == null ? "failed (see " + out.relativize(log) + ")" : ""));
        }
        return cells;
    }

    static Cell runJvm(String program, String gc, long heap, long javaLive, boolean full, Path out) throws Exception {
        Path log = out.resolve("gclog-" + gc + "-" + program + ".log");
        Files.deleteIfExists(log);
        String tags = gc.equals("Z") ? "gc,gc+phases" : "gc";
        long kb = Math.max(heap >> 10, 1024);
        ChainedOptionsBuilder b = single("JavaCompareBenchmark", full, out.resolve("jmh-jvm-" + gc + "-" + program + ".log"))
                .param("program", program).jvmArgsAppend("-Xss64m", "-XX:+ExitOnOutOfMemoryError", "-XX:+Use" + gc + "GC",
                        "-Xmx" + kb + "k", "-Xms" + kb + "k", "-Xlog:" + tags + ":file=" + log);
        System.err.printf(Locale.ROOT, "jalloc bench --gc-compare: %s in %,d bytes on the JVM's %s GC%n", program, kb << 10, gc);
        Collection<RunResult> results = new Runner(b.build()).run();
        RunResult r = results.isEmpty() ? null : results.iterator().next();
        JvmGcLog gcLog = JvmGcLog.read(log, false);
        Histogram h = gcLog.pauses();
        long pauses = h.getTotalCount();
        long peak = gcLog.peakBytes();
        int iterations = full ? 10 : 4;
        boolean ok = r != null;
        return new Cell(program, gc, true, kb << 10, javaLive, ok ? r.getPrimaryResult().getScore() : Double.NaN,
                ok ? r.getPrimaryResult().getScoreError() : Double.NaN, pauses / iterations,
                h.getTotalCount() > 0 ? h.getValueAtPercentile(99) / 1e6 : 0, h.getTotalCount() > 0 ? h.getMaxValue() / 1e6 : 0,
                peak == 0 ? Double.NaN : (double) peak / javaLive, ok ? "" : "failed to run at this heap (see the JMH log)");
    }

    // ------------------------------------------------------------ the table and the charts

    static String name(Cell c) {
        return c.jvm ? "JVM " + c.collector : c.collector;
    }

    private static Barrier barrierOf(List<Barrier> barriers, String collector, boolean jvm) {
        for (Barrier b : barriers) {
            if (b.collector.equals(collector) && b.jvm == jvm) {
                return b;
            }
        }
        return null;
    }

    private static String f(String format, double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, format, v) : "–";
    }

    static String table(List<Cell> cells, List<Barrier> barriers) {
        StringBuilder sb = new StringBuilder();
        sb.append("| program | collector | heap MB | ms per run | × fastest | max pause ms | p99 pause ms | peak / live |"
                + " barrier ns per write |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String program : PROGRAMS) {
            double best = Double.POSITIVE_INFINITY;
            for (Cell c : cells) {
                if (c.program.equals(program) && Double.isFinite(c.ms)) {
                    best = Math.min(best, c.ms);
                }
            }
            for (Cell c : cells) {
                if (!c.program.equals(program)) {
                    continue;
                }
                Barrier b = barrierOf(barriers, c.collector, c.jvm);
                String barrier = b == null ? "–" : !c.jvm && NO_BARRIER.contains(c.collector) ? "0 (none)" : f("%.2f", b.barrierNs);
                if (!Double.isFinite(c.ms)) {
                    sb.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %s | | | | | %s |%n", program, name(c), c.heapBytes / 1e6, c.note,
                            barrier));
                    continue;
                }
                sb.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %.0f ± %.0f | %.1f | %s | %s | %s | %s |%n", program, name(c),
                        c.heapBytes / 1e6, c.ms, Double.isFinite(c.error) ? c.error : 0, c.ms / best, f("%.2f", c.max), f("%.2f", c.p99),
                        f("%.2f", c.peakOverLive), barrier));
            }
        }
        sb.append("\nReference writes, ns each (the barrier is the write minus the same write without one):\n\n");
        sb.append("| collector | field write ns | root write ns | barrier ns |\n|---|---:|---:|---:|\n");
        for (Barrier b : barriers) {
            sb.append(String.format(Locale.ROOT, "| %s | %s ± %s | %s | %s |%n", b.jvm ? "JVM " + b.collector : b.collector, f("%.2f", b.writeNs),
                    f("%.2f", b.writeError), b.jvm ? "– (no barrier on locals)" : f("%.2f", b.rootNs),
                    !b.jvm && NO_BARRIER.contains(b.collector) ? "0 (none)" : f("%.2f", b.barrierNs)));
        }
        return sb.toString();
    }

    static void charts(List<Cell> cells, List<Barrier> barriers, Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        for (Cell c : cells) {
            if (!names.contains(name(c))) {
                names.add(name(c));
            }
        }
        chart(dir, "compare-time", "time per run, relative to the fastest collector on the program", "× fastest", cells, names,
                c -> {
                    double best = Double.POSITIVE_INFINITY;
                    for (Cell o : cells) {
                        if (o.program.equals(c.program) && Double.isFinite(o.ms)) {
                            best = Math.min(best, o.ms);
                        }
                    }
                    return c.ms / best;
                });
        chart(dir, "compare-pauses", "longest pause, ms", "ms", cells, names, c -> c.max);
        chart(dir, "compare-memory", "peak bytes held over peak live bytes", "peak / live", cells, names, c -> c.peakOverLive);
        CategoryChart b = new CategoryChartBuilder().width(900).height(450).title("write barrier, ns per reference write")
                .xAxisTitle("collector").yAxisTitle("ns").build();
        b.getStyler().setLegendVisible(false);
        b.getStyler().setXAxisLabelRotation(30);
        List<String> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (Barrier x : barriers) {
            if (Double.isFinite(x.barrierNs)) {
                xs.add(x.jvm ? "JVM " + x.collector : x.collector);
                ys.add(!x.jvm && NO_BARRIER.contains(x.collector) ? 0 : x.barrierNs);
            }
        }
        if (!xs.isEmpty()) {
            b.addSeries("barrier", xs, ys);
            BitmapEncoder.saveBitmap(b, dir.resolve("compare-barrier").toString(), BitmapEncoder.BitmapFormat.PNG);
        }
    }

    private static void chart(Path dir, String file, String title, String axis, List<Cell> cells, List<String> names,
                              java.util.function.ToDoubleFunction<Cell> value) throws IOException {
        CategoryChart ch = new CategoryChartBuilder().width(1000).height(480).title(title).xAxisTitle("collector").yAxisTitle(axis).build();
        ch.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        ch.getStyler().setXAxisLabelRotation(30);
        boolean any = false;
        for (String program : PROGRAMS) {
            List<Double> ys = new ArrayList<>();
            for (String n : names) {
                double v = Double.NaN;
                for (Cell c : cells) {
                    if (c.program.equals(program) && name(c).equals(n) && Double.isFinite(c.ms)) {
                        v = value.applyAsDouble(c);
                    }
                }
                ys.add(Double.isFinite(v) ? v : 0.0); // 0: the program did not run (out of heap)
            }
            ch.addSeries(program, names, ys);
            any = true;
        }
        if (any) {
            BitmapEncoder.saveBitmap(ch, dir.resolve(file).toString(), BitmapEncoder.BitmapFormat.PNG);
        }
    }
}
