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
import java.util.TreeMap;

import org.jalloc.testkit.json.Json;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * {@code ./jalloc bench}: every jalloc allocator, every peer available on the machine and the floors, in one JMH
 * run on one machine, reported as ratios.
 *
 * <pre>
 *   --smoke    a handful of pair benchmarks, 100 ms iterations (well under a minute; runs in ./mvnw verify)
 *   --quick    every benchmark, short iterations (minutes; the slow-starting workloads, rptest and xmalloc, get
 *              the full run's 3 x 1 s warm-up, every subject alike)
 *   (default)  the full run: 3 warm-up and 5 measured 1 s iterations per benchmark (about an hour)
 *   --json     one JSON line per (benchmark, parameters, subject) with nsPerOp and ratioToFloor
 *   --report   also write docs/performance.md, docs/performance/*.png and results.json (and the trace charts)
 *   --out DIR  where results.json goes without --report (default target/bench)
 *   --root DIR the repository root (default: the working directory)
 *   --only RE  only the runs whose JMH include matches the regular expression (e.g. a re-run of some workloads,
 *              merged into an earlier results.json by hand and reported with --from)
 *   --gc       the collectors instead: GCBench and binary-trees against the JVM's collectors ({@link GcBenchMain})
 *   --gc-compare  one comparison of every collector and the JVM's on four programs ({@link GcCompareMain})
 *   --gc-pauses pauses with 1M live objects, survival rates, generational throughput, barrier costs ({@link GcPauseMain})
 * </pre>
 *
 * Ratios: {@code ratioToFloor} divides by the {@code floor-array} subject of the same benchmark and parameters;
 * {@code ratioToBestPeer} by the fastest peer. Every result carries the Java-heap bytes allocated per op
 * ({@code -prof gc}).
 */
public final class BenchMain {
    enum Mode { SMOKE, QUICK, FULL }

    /** One measured (benchmark, parameters, subject). */
    record Row(String benchmark, Map<String, String> params, String subject, Subject.Kind kind, int threads, double nsPerOp,
               double allocBytesPerOp, double error) {
        /** The comparison group: benchmark, parameters and threads, without the subject. */
        String group() {
            return benchmark + params + "/t" + threads;
        }
    }

    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        try {
            if (List.of(args).contains("--gc-compare")) {
                GcCompareMain.main(args); // every collector and the JVM's on four programs: docs/gc.md, the comparison
                return;
            }
            if (List.of(args).contains("stack")) { // ./jalloc bench stack ...: frames and latency tails (docs/stack.md)
                StackBench.main(List.of(args).stream().filter(x -> !x.equals("stack")).toArray(String[]::new));
                return;
            }
            if (List.of(args).contains("--gc")) {
                GcBenchMain.main(args); // the collectors' benchmarks: docs/gc.md
                return;
            }
            if (List.of(args).contains("--gc-pauses")) {
                GcPauseMain.main(args); // issue 19's pauses, survival, throughput and barrier costs: docs/gc.md
                return;
            }
            run(args);
        } catch (java.io.IOException | java.io.UncheckedIOException | IllegalArgumentException e) {
            // bad input (a flag, a results file, an output folder): one line, exit 2, as the rest of ./jalloc
            // an IllegalArgumentException's message says it all; an I/O exception's may be a bare path
            String why = e instanceof IllegalArgumentException ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
            System.err.println("jalloc bench: " + why);
            System.exit(2);
        }
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            System.err.println("jalloc bench: " + args[i - 1] + " needs a value");
            System.exit(2);
        }
        return args[i];
    }

    private static void run(String[] args) throws Exception {
        Mode mode = Mode.FULL;
        boolean json = false;
        boolean report = false;
        Path root = Path.of("").toAbsolutePath();
        Path out = null;
        Path from = null;
        java.util.regex.Pattern only = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--smoke" -> mode = Mode.SMOKE;
                case "--quick" -> mode = Mode.QUICK;
                case "--full" -> mode = Mode.FULL;
                case "--json" -> json = true;
                case "--report" -> report = true;
                case "--out" -> out = Path.of(value(args, ++i));
                case "--from" -> from = Path.of(value(args, ++i));
                case "--only" -> {
                    try {
                        only = java.util.regex.Pattern.compile(value(args, ++i));
                    } catch (java.util.regex.PatternSyntaxException e) {
                        throw new IllegalArgumentException("--only: not a regular expression: " + e.getDescription());
                    }
                }
                case "--root" -> root = Path.of(value(args, ++i)).toAbsolutePath();
                case "-h", "--help" -> {
                    System.out.println("usage: ./jalloc bench [--smoke|--quick|--full] [--json] [--report] [--out DIR] [--from RESULTS.json] [--only REGEX]\n"
                            + "       ./jalloc bench --gc [--quick|--full] [--report]   (collectors: GCBench, binary-trees, JVM GCs)\n"
                            + "       ./jalloc bench --gc-compare [--quick|--full] [--report] [--from compare.json]"
                            + "   (every collector and the JVM's: four programs, time, pauses, memory, barrier cost)\n"
                            + "       ./jalloc bench stack [--quick] [--report] [--frames|--latency] [--latency-ops N]   (docs/stack.md)");
                    return;
                }
                default -> {
                    System.err.println("jalloc bench: unknown argument " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (out == null) {
            out = root.resolve("target/bench");
        }
        System.setProperty("java.awt.headless", "true");
        long t0 = System.nanoTime();
        List<Row> rows = new ArrayList<>();
        if (from != null) {
            // Rebuild the output (and with --report the report, its charts and a fresh trace replay) from a
            // results.json of an earlier run, without running JMH again; read first, so a bad file is one line.
            rows.addAll(read(from));
        }
        List<String> skipped = new ArrayList<>();
        List<String> subjects = available(skipped);
        skipped.forEach(s -> System.err.println("jalloc bench: " + s));
        Files.createDirectories(out);
        int n = 0;
        for (Run run : from != null ? List.<Run>of() : plan(mode, subjects)) {
            if (only != null && !only.matcher(run.include).find()) {
                continue;
            }
            Path log = out.resolve("jmh-" + (++n) + ".log");
            System.err.println("jalloc bench: " + run.label + " (JMH output in " + log + ")");
            rows.addAll(run(run, mode, log));
        }
        List<Map<String, Object>> results = withRatios(rows);
        for (Map<String, Object> r : results) {
            if (json) {
                System.out.println(Json.RESULTS.object(r));
            } else {
                System.out.println(text(r));
            }
        }
        int lines = results.size();
        Files.writeString(out.resolve("results.json"), Json.RESULTS.array(results));
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (report) {
            Report.write(root, mode, results, skipped, from != null ? -1 : seconds);
        }
        System.err.printf(Locale.ROOT, "jalloc bench: %d results in %.0f s; results in %s%n", lines, seconds, out.resolve("results.json"));
        if (lines < 5) {
            System.err.println("jalloc bench: fewer than 5 results: something failed");
            System.exit(1);
        }
    }

    /** Every subject that can be created here; the others are listed with the reason. */
    static List<String> available(List<String> skipped) {
        List<String> ok = new ArrayList<>();
        for (String name : Subject.names()) {
            try (Subject s = Subject.create(name)) {
                ok.add(name);
            } catch (IllegalStateException | IllegalArgumentException | UnsatisfiedLinkError e) {
                skipped.add("skipping " + name + ": " + e.getMessage());
            }
        }
        return ok;
    }

    /** One JMH invocation. */
    record Run(String label, String include, Map<String, List<String>> params, int threads, boolean slowStart) {
        Run(String label, String include, Map<String, List<String>> params, int threads) {
            this(label, include, params, threads, false);
        }
    }

    static List<Run> plan(Mode mode, List<String> subjects) {
        List<Run> runs = new ArrayList<>();
        if (mode == Mode.SMOKE) {
            List<String> smoke = subjects.stream().filter(s -> List.of("boundary-tag", "thread-cache", "thread-cache/handle", "libc",
                    "libc-critical", "arena-confined", "floor-array", "floor-threadlocal").contains(s)).toList();
            runs.add(new Run("pair 64 B (smoke)", "PairBenchmark.pair", Map.of("subject", smoke, "size", List.of("64")), 1));
            // Every standard workload once, on its smallest thread count, for thread-cache and libc's critical form.
            List<String> few = subjects.stream().filter(s -> List.of("thread-cache", "libc-critical").contains(s)).toList();
            for (Standard w : STANDARD) {
                runs.add(new Run(w.label + " (smoke)", w.include, Map.of("subject", few), w.threads.get(0)));
            }
            return runs;
        }
        List<String> concurrent = new ArrayList<>();
        for (String s : subjects) {
            try (Subject subject = Subject.create(s)) {
                if (subject.concurrent()) {
                    concurrent.add(s);
                }
            }
        }
        concurrent.add("boundary-tag+lock");
        List<String> jalloc = subjects.stream().filter(s -> org.jalloc.core.Allocators.type(s).isPresent()).toList();
        List<String> addressed = concurrent.stream().filter(s -> !s.startsWith("arena") && !s.equals("netty") && !s.startsWith("floor")
                && !s.equals("thread-cache/handle")).toList();
        runs.add(new Run("pair", "PairBenchmark.pair", Map.of("subject", subjects, "size", List.of("16", "64", "256", "4096")), 1));
        runs.add(new Run("mixed sizes with a live set", "MixedBenchmark.replace", Map.of("subject", subjects), 1));
        runs.add(new Run("scaling with live blocks", "ScalingBenchmark.replace",
                Map.of("subject", subjects, "live", List.of("1000", "32768", "1048576")), 1));
        runs.add(new Run("larson, 1 thread", "LarsonBenchmark.larson", Map.of("subject", concurrent), 1));
        runs.add(new Run("larson, 2 threads", "LarsonBenchmark.larson", Map.of("subject", concurrent), 2));
        runs.add(new Run("producer/consumer, remote frees", "ProducerConsumerBenchmark.pc", Map.of("subject", addressed), 2));
        runs.add(new Run("heap checker", "CheckerBenchmark.fullCheck", Map.of("allocator", jalloc, "blocks", List.of("10000")), 1));
        // The standard allocator workloads: thread-safe subjects with an address API (both thread-cache paths, the
        // natives in both forms, a locked jalloc allocator); on one thread every general-purpose jalloc allocator.
        List<String> threaded = new ArrayList<>();
        List<String> single = new ArrayList<>();
        for (String s : subjects) {
            try (Subject subject = Subject.create(s)) {
                if (subject.threadAddresses() != null) {
                    single.add(s);
                    if (subject.concurrent()) {
                        threaded.add(s);
                    }
                }
            }
        }
        threaded.add("boundary-tag+lock");
        for (Standard w : STANDARD) {
            for (int t : w.threads) {
                boolean alone = t == 1 && !w.spawnsThreads;
                runs.add(new Run(w.label + ", " + t + (t == 1 ? " thread" : " threads"), w.include,
                        Map.of("subject", alone ? single : threaded), t, w.slowStart));
            }
        }
        return runs;
    }

    /**
     * A standard allocator workload (mimalloc-bench's suite): its JMH include, the thread counts it runs with,
     * whether it starts threads of its own (then only thread-safe subjects take part, even on one JMH thread), and
     * whether it starts slowly: its slow paths (refills, span carving, remote batches) take seconds of C2 compilation
     * to reach a steady state, so {@code --quick} gives it the full run's warm-up (3 x 1 s, every subject alike)
     * instead of 2 x 300 ms, which measured the JIT's warm-up rather than the allocator (rptest: 650 us per loop
     * falling to 14 us over 3.5 s on thread-cache).
     */
    record Standard(String label, String include, List<Integer> threads, boolean spawnsThreads, boolean slowStart) {
        Standard(String label, String include, List<Integer> threads, boolean spawnsThreads) {
            this(label, include, threads, spawnsThreads, false);
        }
    }

    /** The standard allocator workloads, in report order (docs/performance.md cites each original's parameters). */
    static final List<Standard> STANDARD = List.of(
            new Standard("xmalloc-test", "XmallocBenchmark.xmalloc", List.of(2), true, true),
            new Standard("cache-scratch", "CacheScratchBenchmark.scratch", List.of(1, 2), false),
            new Standard("cache-thrash", "CacheThrashBenchmark.thrash", List.of(1, 2), false),
            new Standard("larsonN", "LarsonNBenchmark.larsonN", List.of(1, 2, 4), true),
            new Standard("mstress", "MstressBenchmark.stress", List.of(1, 2, 4), true),
            new Standard("rptest", "RptestBenchmark.loop", List.of(2), false, true),
            new Standard("alloc-test", "AllocTestBenchmark.toggle", List.of(1, 2), false),
            new Standard("glibc-thread", "GlibcThreadBenchmark.glibcThread", List.of(1), true),
            new Standard("sh6bench", "ShBenchmark.sh6", List.of(4), false),
            new Standard("sh8bench", "ShBenchmark.sh8", List.of(4), false));

    static List<Row> run(Run run, Mode mode, Path log) throws RunnerException {
        // JMH's own progress goes to the log, so stdout carries only result lines.
        ChainedOptionsBuilder b = new OptionsBuilder().include("\\." + run.include + "$").forks(1).threads(run.threads)
                .addProfiler(GCProfiler.class).shouldFailOnError(false).output(log.toString());
        run.params.forEach((k, v) -> b.param(k, v.toArray(String[]::new)));
        switch (mode) {
            case SMOKE -> b.warmupIterations(1).measurementIterations(1).warmupTime(TimeValue.milliseconds(100))
                    .measurementTime(TimeValue.milliseconds(100));
            case QUICK -> b.warmupIterations(run.slowStart ? 3 : 2).measurementIterations(3)
                    .warmupTime(TimeValue.milliseconds(run.slowStart ? 1000 : 300)).measurementTime(TimeValue.milliseconds(300));
            case FULL -> { } // the annotations: 3 x 1 s warm-up, 5 x 1 s measurement
        }
        Collection<RunResult> results = new Runner(b.build()).run();
        List<Row> rows = new ArrayList<>();
        for (RunResult r : results) {
            BenchmarkParams p = r.getParams();
            Map<String, String> params = new TreeMap<>();
            for (String key : p.getParamsKeys()) {
                params.put(key, p.getParam(key));
            }
            String subject = params.containsKey("subject") ? params.remove("subject") : params.remove("allocator");
            Result<?> primary = r.getPrimaryResult();
            double score = primary.getScore();
            String unit = primary.getScoreUnit();
            double ns = toNanosPerOp(score, unit);
            double error = Double.isNaN(primary.getScoreError()) ? 0 : toNanosPerOp(score, unit) * primary.getScoreError() / score;
            Result<?> gc = r.getSecondaryResults().get("gc.alloc.rate.norm");
            double bytes = gc == null ? Double.NaN : gc.getScore();
            String bench = p.getBenchmark().substring(p.getBenchmark().lastIndexOf('.', p.getBenchmark().lastIndexOf('.') - 1) + 1);
            rows.add(new Row(bench, params, subject, kindOf(subject), p.getThreads(), ns, bytes, error));
        }
        return rows;
    }

    /** ns per op from a JMH score: average time in any unit, or throughput in ops per unit (aggregate over threads). */
    static double toNanosPerOp(double score, String unit) {
        String[] parts = unit.split("/");
        if (parts[0].equals("ops")) {
            return 1.0 / score * nanos(parts[1]);
        }
        return score * nanos(parts[0]);
    }

    private static double nanos(String unit) {
        return switch (unit) {
            case "ns" -> 1;
            case "us" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            default -> throw new IllegalArgumentException("unit " + unit);
        };
    }

    static Subject.Kind kindOf(String subject) {
        if (subject.startsWith("floor-") || subject.equals("arena-slice")) {
            return Subject.Kind.FLOOR;
        }
        if (List.of("libc", "mimalloc", "jemalloc", "tcmalloc", "arena-confined", "netty").contains(subject.replace("-critical", ""))) {
            return Subject.Kind.PEER;
        }
        return Subject.Kind.JALLOC;
    }

    /** The rows of a results.json written by {@link #main} (ratios are recomputed from them). */
    @SuppressWarnings("unchecked") // the shape BenchMain itself writes: objects of strings, numbers and a params object
    static List<Row> read(Path file) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (Object o : (List<Object>) Json.parse(Files.readString(file))) {
            Map<String, Object> m = (Map<String, Object>) o;
            Map<String, String> params = new TreeMap<>();
            ((Map<String, Object>) m.get("params")).forEach((k, v) -> params.put(k, (String) v));
            rows.add(new Row((String) m.get("benchmark"), params, (String) m.get("allocator"),
                    Subject.Kind.valueOf(((String) m.get("kind")).toUpperCase(Locale.ROOT)), ((Double) m.get("threads")).intValue(),
                    number(m.get("nsPerOp")), number(m.get("allocBytesPerOp")), number(m.get("error"))));
        }
        return rows;
    }

    private static double number(Object o) {
        return o instanceof Double d ? d : Double.NaN;
    }

    /** The rows as JSON-ready maps with ratios to the floor and to the best peer of their group. */
    static List<Map<String, Object>> withRatios(List<Row> rows) {
        Map<String, Double> floor = new LinkedHashMap<>();
        Map<String, Double> bestPeer = new LinkedHashMap<>();
        for (Row r : rows) {
            if (r.subject.equals("floor-array")) {
                floor.put(r.group(), r.nsPerOp);
            }
            if (r.kind == Subject.Kind.PEER) {
                bestPeer.merge(r.group(), r.nsPerOp, Math::min);
            }
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("benchmark", r.benchmark);
            m.put("allocator", r.subject);
            m.put("kind", r.kind.name().toLowerCase(Locale.ROOT));
            m.put("params", r.params);
            m.put("threads", r.threads);
            m.put("nsPerOp", r.nsPerOp);
            m.put("error", r.error);
            Double f = floor.get(r.group());
            m.put("ratioToFloor", f == null ? null : r.nsPerOp / f);
            Double p = bestPeer.get(r.group());
            m.put("ratioToBestPeer", p == null ? null : r.nsPerOp / p);
            m.put("allocBytesPerOp", r.allocBytesPerOp);
            out.add(m);
        }
        return out;
    }

    private static String text(Map<String, Object> r) {
        Object f = r.get("ratioToFloor");
        Object p = r.get("ratioToBestPeer");
        return String.format(Locale.ROOT, "%-34s %-22s %-20s t%s %10.2f ns/op  %s floor  %s best peer  %6.1f B/op", r.get("benchmark"),
                r.get("allocator"), r.get("params"), r.get("threads"), (Double) r.get("nsPerOp"),
                f == null ? "   -" : String.format(Locale.ROOT, "%6.2fx", (Double) f),
                p == null ? "   -" : String.format(Locale.ROOT, "%6.2fx", (Double) p), (Double) r.get("allocBytesPerOp"));
    }
}
