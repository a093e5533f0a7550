package org.jalloc.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

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
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * {@code ./jalloc bench stack}: the figures of docs/stack.md, in one run on one machine.
 *
 * <ol>
 *   <li>Frames ({@link FrameBenchmark}, JMH): a frame of k = 1, 8, 64 small objects on stack, arena, every general
 *       jalloc allocator, libc/mimalloc/jemalloc/tcmalloc (plain and critical downcalls) and the preallocated-array
 *       floor; ns per frame and the ratio to the floor.</li>
 *   <li>Latency tails ({@link LatencyTails}, HdrHistogram, one JVM per subject): p50, p90, p99, p99.9, p99.99 and max
 *       of every malloc and free on a mixed-size workload with 100,000 live blocks, for pool, stack, arena, slab, tlsf,
 *       thread-cache and the native allocators.</li>
 * </ol>
 *
 * <pre>
 *   --quick    short JMH iterations (2 x 0.3 s warm-up, 3 x 0.3 s), 1 M warm-up and 2 M measured latency ops per subject
 *   (default)  the annotations' iterations (3 x 1 s, 5 x 1 s), 5 M warm-up and 20 M measured ops
 *   --report   also rewrite the generated part of docs/stack.md and docs/stack/*.png, results.json
 *   --frames / --latency   only one of the two
 *   --latency-ops N   measured latency ops per subject (1,000 to 1,000,000,000; warm-up: a quarter of it, at least 1 M),
 *              whatever --quick says
 *   --root DIR the repository root (default: the working directory)
 * </pre>
 */
public final class StackBench {
    private static final String BEGIN = "<!-- results -->";
    private static final String END = "<!-- /results -->";
    static final List<String> LATENCY_SUBJECTS = List.of("pool", "stack", "arena", "slab", "tlsf", "thread-cache", "libc",
            "libc-critical", "mimalloc", "mimalloc-critical", "jemalloc", "jemalloc-critical", "tcmalloc", "tcmalloc-critical");

    private StackBench() {}

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        boolean report = false;
        boolean frames = true;
        boolean latency = true;
        long latencyOps = 0;
        Path root = Path.of("").toAbsolutePath();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--report" -> report = true;
                case "--frames" -> latency = false;
                case "--latency" -> frames = false;
                case "--root" -> {
                    if (i + 1 >= args.length) {
                        System.err.println("jalloc bench stack: --root needs a directory");
                        System.exit(2);
                    }
                    root = Path.of(args[++i]).toAbsolutePath();
                }
                case "--latency-ops" -> {
                    latencyOps = i + 1 < args.length ? parseOps(args[++i]) : -1;
                    if (latencyOps < 1_000 || latencyOps > 1_000_000_000) {
                        System.err.println("jalloc bench stack: --latency-ops takes a whole number from 1000 to 1000000000");
                        System.exit(2);
                    }
                }
                default -> {
                    System.err.println("jalloc bench stack: unknown argument " + args[i]
                            + " (usage: ./jalloc bench stack [--quick] [--report] [--frames|--latency] [--latency-ops N])");
                    System.exit(2);
                }
            }
        }
        System.setProperty("java.awt.headless", "true");
        long t0 = System.nanoTime();
        Path out = root.resolve("target/bench-stack");
        Files.createDirectories(out);
        List<String> skipped = new ArrayList<>();
        List<Map<String, Object>> frameRows = frames ? frames(quick, out, skipped) : List.of();
        long measured = latencyOps > 0 ? latencyOps : quick ? 2_000_000 : 20_000_000;
        long warm = latencyOps > 0 ? Math.max(1_000_000, latencyOps / 4) : quick ? 1_000_000 : 5_000_000;
        List<Map<String, Object>> latencyRows = latency ? latency(warm, measured, out, skipped) : List.of();
        skipped.forEach(s -> System.err.println("jalloc bench stack: " + s));
        String text = tables(frameRows, latencyRows, skipped);
        System.out.println(text);
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("frames", frameRows);
        all.put("latency", latencyRows);
        Files.writeString(out.resolve("results.json"), Json.RESULTS.object(all));
        if (report) {
            Path dir = root.resolve("docs/stack");
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("results.json"), Json.RESULTS.object(all));
            if (!frameRows.isEmpty()) {
                framesChart(frameRows, dir.resolve("frames.png"));
            }
            if (!latencyRows.isEmpty()) {
                latencyChart(latencyRows, dir.resolve("latency.png"));
            }
            double minutes = (System.nanoTime() - t0) / 60e9;
            String generated = "Generated by `./jalloc bench stack " + (quick ? "--quick " : "") + (latencyOps > 0 ? "--latency-ops " + latencyOps + " " : "")
                    + (frames && !latency ? "--frames " : "") + (latency && !frames ? "--latency " : "") + "--report` on " + LocalDate.now()
                    + String.format(Locale.ROOT, " (%.0f minutes)", minutes) + "; machine: " + Report.machine() + ".\n\n" + text
                    + (frameRows.isEmpty() ? "" : "\n![frames](stack/frames.png)\n")
                    + (latencyRows.isEmpty() ? "" : "\n![latency](stack/latency.png)\n");
            Path md = root.resolve("docs/stack.md");
            String doc = Files.readString(md);
            int a = doc.indexOf(BEGIN);
            int b = doc.indexOf(END);
            if (a < 0 || b < a) {
                throw new IllegalStateException("docs/stack.md has no " + BEGIN + " ... " + END + " section");
            }
            Files.writeString(md, doc.substring(0, a + BEGIN.length()) + "\n" + generated + doc.substring(b));
        }
    }

    // ---------------------------------------------------------------- frames

    static List<String> frameSubjects(List<String> skipped) {
        List<String> names = new ArrayList<>(List.of("stack", "stack-implicit", "arena"));
        for (String s : Subject.names()) {
            if (s.equals("arena-confined") || s.equals("netty") || s.equals("arena-slice") || s.equals("floor-threadlocal")) {
                continue; // one allocation per arena or buffer object, or no frees: not a frame of blocks
            }
            try (Subject probe = Subject.create(s)) {
                names.add(s);
            } catch (IllegalStateException | IllegalArgumentException | UnsatisfiedLinkError e) {
                skipped.add("skipping " + s + ": " + e.getMessage());
            }
        }
        for (String lib : List.of("mimalloc-critical", "jemalloc-critical", "tcmalloc-critical")) {
            // Subject.names() lists both forms of every native allocator; this keeps each critical form beside its plain one.
            if (names.contains(lib.replace("-critical", "")) && !names.contains(lib)) {
                names.add(names.indexOf(lib.replace("-critical", "")) + 1, lib);
            }
        }
        return names;
    }

    static List<Map<String, Object>> frames(boolean quick, Path out, List<String> skipped) throws Exception {
        List<String> subjects = frameSubjects(skipped);
        ChainedOptionsBuilder b = new OptionsBuilder().include("\\.FrameBenchmark\\.frame$").forks(1).shouldFailOnError(false)
                .param("subject", subjects.toArray(String[]::new)).param("k", "1", "8", "64").output(out.resolve("jmh-frames.log").toString());
        if (quick) {
            b.warmupIterations(2).measurementIterations(3).warmupTime(TimeValue.milliseconds(300)).measurementTime(TimeValue.milliseconds(300));
        }
        System.err.println("jalloc bench stack: frames of k objects, " + subjects.size() + " subjects (JMH output in " + out.resolve("jmh-frames.log") + ")");
        Map<String, Double> floor = new LinkedHashMap<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (RunResult r : new Runner(b.build()).run()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("subject", r.getParams().getParam("subject"));
            m.put("k", Integer.parseInt(r.getParams().getParam("k")));
            m.put("kind", BenchMain.kindOf(r.getParams().getParam("subject")).name().toLowerCase(Locale.ROOT));
            m.put("nsPerFrame", r.getPrimaryResult().getScore());
            double err = r.getPrimaryResult().getScoreError();
            m.put("error", Double.isNaN(err) ? 0.0 : err);
            rows.add(m);
            if (m.get("subject").equals("floor-array")) {
                floor.put(String.valueOf(m.get("k")), (Double) m.get("nsPerFrame"));
            }
        }
        for (Map<String, Object> m : rows) {
            Double f = floor.get(String.valueOf(m.get("k")));
            m.put("ratioToFloor", f == null ? null : (Double) m.get("nsPerFrame") / f);
        }
        return rows;
    }

    // ---------------------------------------------------------------- latency

    private static long parseOps(String s) {
        try {
            return Long.parseLong(s.replace("_", "").replace(",", ""));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static List<Map<String, Object>> latency(long warm, long measured, Path out, List<String> skipped) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = Path.of(StackBench.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String subject : LATENCY_SUBJECTS) {
            Path file = out.resolve("latency-" + subject + ".json");
            Files.deleteIfExists(file);
            Path log = out.resolve("latency-" + subject + ".log");
            System.err.println("jalloc bench stack: latency of " + subject + " (" + warm + " warm-up and " + measured + " measured ops)");
            Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xms256m", "-Xmx1g", "-XX:+AlwaysPreTouch", "-cp", cp,
                    LatencyTails.class.getName(), subject, Long.toString(warm), Long.toString(measured), file.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(20, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                skipped.add("latency of " + subject + ": timed out");
                continue;
            }
            if (p.exitValue() != 0 || !Files.exists(file)) {
                String why = Files.readString(log).lines().filter(l -> l.contains("SKIPPED:") || l.contains("Exception")).findFirst()
                        .orElse("exit " + p.exitValue());
                skipped.add("latency of " + subject + ": " + why.trim());
                continue;
            }
            rows.add(LatencyTails.read(file));
        }
        return rows;
    }

    // ---------------------------------------------------------------- text and charts

    private static String ns(Object o) {
        double v = ((Number) o).doubleValue();
        return v >= 100_000 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.1f", v);
    }

    static String tables(List<Map<String, Object>> frames, List<Map<String, Object>> latency, List<String> skipped) {
        StringBuilder sb = new StringBuilder();
        if (!frames.isEmpty()) {
            sb.append("### Frames of k small objects (ns per frame; ratio to floor-array)\n\n| subject | k = 1 | k = 8 | k = 64 |\n|---|---:|---:|---:|\n");
            Map<String, Map<Integer, Map<String, Object>>> by = new LinkedHashMap<>();
            for (Map<String, Object> r : frames) {
                by.computeIfAbsent((String) r.get("subject"), s -> new LinkedHashMap<>()).put(((Number) r.get("k")).intValue(), r);
            }
            by.forEach((s, ks) -> {
                sb.append("| ").append(s);
                for (int k : new int[] {1, 8, 64}) {
                    Map<String, Object> r = ks.get(k);
                    sb.append(r == null ? " | - " : String.format(Locale.ROOT, " | %s (%s×)", ns(r.get("nsPerFrame")),
                            r.get("ratioToFloor") == null ? "-" : String.format(Locale.ROOT, "%.2f", (Double) r.get("ratioToFloor"))));
                }
                sb.append(" |\n");
            });
            sb.append('\n');
        }
        if (!latency.isEmpty()) {
            sb.append("### Latency of every malloc and free, 100,000 live blocks of 16 B – 1 KiB (ns)\n\n")
                    .append("| subject | calls | p50 | p90 | p99 | p99.9 | p99.99 | max | mean |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Map<String, Object> r : latency) {
                sb.append("| ").append(r.get("subject")).append(" | ").append(String.format(Locale.ROOT, "%,d", ((Number) r.get("calls")).longValue()));
                for (String key : List.of("p50", "p90", "p99", "p999", "p9999", "max", "mean")) {
                    sb.append(" | ").append(ns(r.get(key)));
                }
                sb.append(" |\n");
            }
            Map<String, Object> first = latency.get(0);
            sb.append("\nEvery sample includes the clock: two back-to-back `System.nanoTime()` calls take ").append(ns(first.get("timerP50")))
                    .append(" ns at the median and ").append(ns(first.get("timerP99"))).append(" ns at p99 here.\n");
        }
        if (!skipped.isEmpty()) {
            sb.append("\nSkipped:\n\n");
            skipped.forEach(s -> sb.append("- ").append(s).append('\n'));
        }
        return sb.toString();
    }

    static void framesChart(List<Map<String, Object>> rows, Path file) throws Exception {
        CategoryChart c = new CategoryChartBuilder().width(1400).height(900).title("A frame of k objects of 16-256 B: ns per frame (log)")
                .xAxisTitle("k").yAxisTitle("ns per frame").build();
        c.getStyler().setYAxisLogarithmic(true);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        Map<String, double[]> by = new LinkedHashMap<>();
        List<Integer> ks = List.of(1, 8, 64);
        for (Map<String, Object> r : rows) {
            by.computeIfAbsent((String) r.get("subject"), s -> new double[3])[ks.indexOf(((Number) r.get("k")).intValue())] = (Double) r.get("nsPerFrame");
        }
        double least = rows.stream().mapToDouble(r -> (Double) r.get("nsPerFrame")).min().orElse(1);
        c.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(least))));
        by.forEach((s, v) -> c.addSeries(s, ks.stream().map(String::valueOf).toList(), List.of(v[0], v[1], v[2])));
        BitmapEncoder.saveBitmap(c, file.toString().replaceAll("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
    }

    /** The classic HdrHistogram plot: latency against percentile, the x axis stretched toward the tail (1 / (1 − p)). */
    @SuppressWarnings("unchecked") // the shape LatencyTails writes
    static void latencyChart(List<Map<String, Object>> rows, Path file) throws Exception {
        XYChart c = new XYChartBuilder().width(1400).height(700).title("Latency by percentile: every malloc and free, 100,000 live blocks (log-log)")
                .xAxisTitle("percentile: 1 / (1 - p)   (10 = p90, 100 = p99, 1000 = p99.9, 10000 = p99.99)").yAxisTitle("ns").build();
        c.getStyler().setXAxisLogarithmic(true);
        c.getStyler().setYAxisLogarithmic(true);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setMarkerSize(0);
        for (Map<String, Object> r : rows) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (Object o : (List<Object>) r.get("series")) {
                Map<String, Object> point = (Map<String, Object>) o;
                double p = (Double) point.get("percentile");
                if (p >= 100) {
                    break;
                }
                x.add(1 / (1 - p / 100));
                y.add(Math.max(1, (Double) point.get("ns")));
            }
            if (!x.isEmpty()) {
                c.addSeries(Objects.toString(r.get("subject")), x, y);
            }
        }
        BitmapEncoder.saveBitmap(c, file.toString().replaceAll("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
    }
}
