package org.jalloc.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.spi.AllocatorTypes;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.spi.AllocatorType;
import org.jalloc.core.spi.Sizes;
import org.jalloc.testkit.fuzz.ConcurrentFuzz;
import org.jalloc.testkit.fuzz.FuzzEngine;
import org.jalloc.testkit.fuzz.FuzzFailure;
import org.jalloc.testkit.fuzz.FuzzReport;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import org.jalloc.testkit.json.Json;

/**
 * {@code ./jalloc fuzz}: checked fuzzing of one allocator or all of them; with {@code --minutes}, a soak that
 * rotates seeds and heap sizes until the time is up.
 */
@Command(name = "fuzz", mixinStandardHelpOptions = true,
        description = {"Runs seeded op sequences with the heap checker after every op (checked at barriers with --threads).",
                "A failing sequence is shrunk and printed as a replayable trace.",
                "With --minutes M: a soak of every allocator (or --allocator) for M minutes, rotating seeds and heap sizes",
                "64K, 256K, 1M, 4M, 16M, 64M, 256M, 1G; progress on stderr every 10 s, a summary at the end (one JSON line with --json)."})
final class FuzzCommand implements Callable<Integer> {
    /** The heap sizes a soak rotates through. */
    static final long[] SOAK_HEAPS = {64L << 10, 256L << 10, 1L << 20, 4L << 20, 16L << 20, 64L << 20, 256L << 20, 1L << 30};
    /** Sequences per allocator and heap before a soak moves on. */
    static final int SOAK_SLOT_SEQUENCES = 10;
    /** The most ops one sequence may have. */
    static final int MAX_SEQUENCE_OPS = 1_000_000;
    /** The longest soak, in minutes (a week). */
    static final double MAX_MINUTES = 7 * 24 * 60;

    @Spec
    @SuppressWarnings("initialization.field.uninitialized") // picocli injects the spec before call()
    CommandSpec spec;

    @Option(names = "--allocator", defaultValue = "all", description = "allocator name or spec (NAME:key=value,...), or 'all' (default)")
    String allocator = "all";

    @Option(names = "--ops", defaultValue = "100000", description = "ops per allocator, counting every thread (default ${DEFAULT-VALUE}); not with --minutes")
    long ops;

    @Option(names = "--seed", defaultValue = "1", description = "seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--heap", defaultValue = "16M", converter = SizeConverter.class,
            description = "heap size, bytes or K/M/G (default ${DEFAULT-VALUE}); a soak rotates its own sizes")
    long heap;

    @Option(names = "--threads", defaultValue = "1", description = "worker threads, 1 to 256; only for thread-safe allocators (default ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--sequence-ops", defaultValue = "1000", description = "ops per sequence, 1 to 1000000 (default ${DEFAULT-VALUE})")
    int sequenceOps;

    @Option(names = "--minutes", description = "soak for this many minutes (decimals allowed, at most a week)")
    @Nullable Double minutes;

    @Option(names = "--json", description = "one JSON object per allocator (a soak: one at the end)")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        UsageException.requireRange("--ops", ops, 1, Long.MAX_VALUE);
        UsageException.requireRange("--threads", threads, 1, ConcurrentFuzz.MAX_THREADS);
        UsageException.requireRange("--sequence-ops", sequenceOps, 1, MAX_SEQUENCE_OPS);
        Double soakMinutes = minutes;
        if (soakMinutes != null) {
            UsageException.requireRange("--minutes", soakMinutes, 1e-3, MAX_MINUTES);
            if (spec.commandLine().getParseResult().hasMatchedOption("--ops")) {
                throw new UsageException("--ops and --minutes do not go together: a soak runs until the time is up");
            }
            if (spec.commandLine().getParseResult().hasMatchedOption("--heap")) {
                throw new UsageException("--heap and --minutes do not go together: a soak rotates heaps of 64K to 1G");
            }
        }
        List<String> names = names(err);
        if (soakMinutes != null) {
            return soak(names, soakMinutes, out, err);
        }
        List<AllocatorFactory> factories = new ArrayList<>();
        for (String name : names) {
            AllocatorFactory f = AllocatorFactory.of(name, heap);
            if (threads > 1 && f.threadSafety() != ThreadSafety.CONCURRENT) {
                throw new UsageException(f.name() + " is single-owner (not thread safe): it cannot be fuzzed with --threads " + threads);
            }
            factories.add(Specs.usable(name, heap));
        }
        boolean failed = false;
        Progress progress = new Progress();
        for (AllocatorFactory f : factories) {
            FuzzReport report = run(f, seed, ops, (done, total, failures) ->
                    progress.show(f.name() + "  " + done + "/" + total + " ops  " + failures + " failing"), () -> false);
            progress.done();
            failed |= !report.failures().isEmpty();
            printFailures(report, out, err);
            if (json) {
                out.println(Json.LINES.object(jsonOf(report, report.allocator())));
            } else {
                out.printf("%-40s %9d ops  %5d sequences  %3d violations  %,14d blocks checked  %6.1f s  (%.1f M blocks/s)%n",
                        report.allocator(), report.ops(), report.sequences(), report.failures().size(), report.blocksVisited(),
                        report.seconds(), report.blocksPerSecond() / 1e6);
            }
            out.flush();
        }
        return failed ? Main.FAILED : 0;
    }

    /** The allocator specs to fuzz: --allocator, or every type (the concurrent ones with --threads). */
    private List<String> names(PrintWriter err) {
        List<String> names = new ArrayList<>();
        if (!allocator.equals("all")) {
            names.add(allocator);
            return names;
        }
        List<String> skipped = new ArrayList<>();
        for (AllocatorType t : AllocatorTypes.all()) {
            if (threads == 1 || t.threadSafety() == ThreadSafety.CONCURRENT) {
                names.add(t.name());
            } else {
                skipped.add(t.name());
            }
        }
        if (names.isEmpty()) {
            throw new UsageException("no allocator supports --threads " + threads + " (all are single-owner)");
        }
        if (!skipped.isEmpty()) {
            err.println("jalloc: --threads " + threads + " skips the single-owner allocators: " + String.join(", ", skipped));
        }
        return names;
    }

    private FuzzReport run(AllocatorFactory f, long runSeed, long totalOps, FuzzEngine.Progress progress, BooleanSupplier stop) {
        return threads == 1
                ? new FuzzEngine(f).opsPerSequence(sequenceOps).run(runSeed, totalOps, progress, stop)
                : new ConcurrentFuzz(f, threads).run(runSeed, totalOps, progress, stop);
    }

    private void printFailures(FuzzReport report, PrintWriter out, PrintWriter err) {
        for (FuzzFailure failure : report.failures()) {
            (json ? err : out).println(failure);
        }
        (json ? err : out).flush();
    }

    private Map<String, Object> jsonOf(FuzzReport report, String name) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("allocator", name);
        o.put("ops", report.ops());
        o.put("seed", report.seed());
        o.put("violations", report.failures().size());
        o.put("blocksVisited", report.blocksVisited());
        o.put("seconds", report.seconds());
        o.put("threads", threads);
        o.put("sequences", report.sequences());
        return o;
    }

    /** What a soak has done for one allocator. */
    private static final class Tally {
        long ops;
        long sequences;
        long violations;
        long blocksVisited;
        double seconds;

        void add(FuzzReport r) {
            ops += r.ops();
            sequences += r.sequences();
            violations += r.failures().size();
            blocksVisited += r.blocksVisited();
            seconds += r.seconds();
        }
    }

    /**
     * The soak: rounds until the deadline; round r fuzzes every allocator for {@link #SOAK_SLOT_SEQUENCES}
     * sequences on a heap of {@code SOAK_HEAPS[r % 8]}, seeded {@code sequenceSeed(--seed, r)}. Each spec is first
     * made on every heap size; sizes it refuses are skipped with a note (none left is a usage error).
     */
    private int soak(List<String> names, double soakMinutes, PrintWriter out, PrintWriter err) {
        @Nullable AllocatorFactory[][] factories = new @Nullable AllocatorFactory[names.size()][];
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            AllocatorFactory probe = AllocatorFactory.of(names.get(i), SOAK_HEAPS[0]);
            if (threads > 1 && probe.threadSafety() != ThreadSafety.CONCURRENT) {
                throw new UsageException(probe.name() + " is single-owner (not thread safe): it cannot be fuzzed with --threads " + threads);
            }
            shown.add(probe.name());
            factories[i] = new @Nullable AllocatorFactory[SOAK_HEAPS.length];
            List<String> refused = new ArrayList<>();
            String why = "";
            for (int h = 0; h < SOAK_HEAPS.length; h++) {
                try {
                    factories[i][h] = Specs.usable(names.get(i), SOAK_HEAPS[h]);
                } catch (UsageException e) {
                    refused.add(Sizes.format(SOAK_HEAPS[h]));
                    why = String.valueOf(e.getMessage());
                }
            }
            if (refused.size() == SOAK_HEAPS.length) {
                throw new UsageException(why);
            }
            if (!refused.isEmpty()) {
                err.println("jalloc: the soak skips " + probe.name() + " on heaps of " + String.join(", ", refused) + " (" + why + ")");
            }
        }
        long t0 = System.nanoTime();
        long deadline = t0 + (long) (soakMinutes * 60e9);
        BooleanSupplier timeUp = () -> System.nanoTime() - deadline >= 0;
        Tally[] tallies = new Tally[names.size()];
        Arrays.setAll(tallies, i -> new Tally());
        long[] lastReport = {t0};
        long rounds = 0;
        boolean failed = false;
        while (!timeUp.getAsBoolean()) {
            int h = (int) (rounds % SOAK_HEAPS.length);
            long roundSeed = FuzzEngine.sequenceSeed(seed, rounds);
            long round = rounds;
            for (int i = 0; i < names.size() && !timeUp.getAsBoolean(); i++) {
                AllocatorFactory f = factories[i][h];
                if (f == null) {
                    continue;
                }
                long before = total(tallies);
                FuzzReport r = run(f, roundSeed, (long) SOAK_SLOT_SEQUENCES * (threads == 1 ? sequenceOps : 2000), (done, total, failures) -> {
                    long now = System.nanoTime();
                    if (now - lastReport[0] >= 10_000_000_000L) {
                        lastReport[0] = now;
                        err.printf(Locale.ROOT, "jalloc soak: %s of %s, round %d (heap %s), %s, %,d ops, %d violations%n",
                                clock(now - t0), clock(deadline - t0), round + 1, Sizes.format(SOAK_HEAPS[h]), f.name(), before + done,
                                violations(tallies) + failures);
                        err.flush();
                    }
                }, timeUp);
                tallies[i].add(r);
                failed |= !r.failures().isEmpty();
                printFailures(r, out, err);
            }
            rounds++;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long totalOps = total(tallies);
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("allocator", allocator.equals("all") ? "all" : shown.get(0));
            o.put("ops", totalOps);
            o.put("seed", seed);
            o.put("violations", violations(tallies));
            o.put("blocksVisited", Arrays.stream(tallies).mapToLong(t -> t.blocksVisited).sum());
            o.put("seconds", seconds);
            o.put("threads", threads);
            o.put("sequences", Arrays.stream(tallies).mapToLong(t -> t.sequences).sum());
            o.put("minutes", soakMinutes);
            o.put("rounds", rounds);
            o.put("heaps", Arrays.stream(SOAK_HEAPS).mapToObj(Sizes::format).toList());
            Map<String, Object> per = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("ops", tallies[i].ops);
                p.put("sequences", tallies[i].sequences);
                p.put("violations", tallies[i].violations);
                p.put("blocksVisited", tallies[i].blocksVisited);
                p.put("seconds", tallies[i].seconds);
                per.put(shown.get(i), p);
            }
            o.put("allocators", per);
            out.println(Json.LINES.object(o));
        } else {
            for (int i = 0; i < names.size(); i++) {
                Tally t = tallies[i];
                out.printf("%-40s %12d ops  %7d sequences  %3d violations  %,16d blocks checked  %7.1f s%n",
                        shown.get(i), t.ops, t.sequences, t.violations, t.blocksVisited, t.seconds);
            }
            out.printf(Locale.ROOT, "soak: %,d checked ops in %.1f s (%d rounds over heaps of 64K to 1G, seed %d), %d violations%n",
                    totalOps, seconds, rounds, seed, violations(tallies));
        }
        out.flush();
        return failed ? Main.FAILED : 0;
    }

    private static long total(Tally[] tallies) {
        return Arrays.stream(tallies).mapToLong(t -> t.ops).sum();
    }

    private static long violations(Tally[] tallies) {
        return Arrays.stream(tallies).mapToLong(t -> t.violations).sum();
    }

    private static String clock(long nanos) {
        long s = Math.max(0, nanos) / 1_000_000_000L;
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
