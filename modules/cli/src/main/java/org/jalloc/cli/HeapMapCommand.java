package org.jalloc.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.core.AllocatorStats;
import org.jalloc.core.Allocators;
import org.jalloc.core.TrackingAllocator;
import org.jalloc.testkit.json.Json;
import org.jalloc.testkit.trace.OpList;
import org.jalloc.testkit.trace.OpRunner;
import org.jalloc.testkit.gc.FragmentationScene;
import org.jalloc.testkit.trace.Trace;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./jalloc heapmap}: replays a trace and draws the heap as its block walk sees it, at one operation (a PNG or
 * an SVG) or at K operations evenly spaced over the trace (K PNGs on one scale and an {@code index.html} with a
 * slider).
 *
 * <ol>
 *   <li>Check the flags, the output and the trace (exit 2 with one line on any of them).</li>
 *   <li>Pass 1, when the target depends on the whole trace ({@code peak}, {@code --frames}): replay to find the op
 *       after which the live requested bytes peak, and the furthest walk end at the frames' ops (their common
 *       scale).</li>
 *   <li>Pass 2: replay on a fresh heap, stop at each target op, walk the heap into a {@link HeapPicture} and write
 *       it. Running out of heap stops the replay: the picture shows the heap there, and the exit code is 1.</li>
 * </ol>
 */
@Command(name = "heapmap", mixinStandardHelpOptions = true,
        description = {"Draws the heap as the allocator's block walk sees it, after replaying a trace up to its peak, its end or op N:",
                "address runs left to right, top to bottom; allocated / free / metadata / padding in distinct colours; the largest free block outlined;",
                "a legend with the allocator, the trace, the op, utilization and external fragmentation.",
                "--frames K --out DIR writes K PNGs evenly spaced over the trace and an index.html that steps through them (works offline)."})
final class HeapMapCommand implements Callable<Integer> {
    @Spec
    @SuppressWarnings("initialization.field.uninitialized") // picocli injects the spec before call()
    CommandSpec spec;

    /** The most frames one run writes. */
    static final int MAX_FRAMES = 1000;

    @Option(names = "--allocator", description = "allocator name or spec; with --collector mark-sweep: the allocator its objects live in")
    @Nullable String allocator;

    @Option(names = "--trace", description = "trace file (with --allocator)")
    @Nullable Path trace;

    @Option(names = "--collector", description = "instead of a trace: a collector's space in the fragmentation scene, before and after a collection "
            + "(live / garbage / free), as two PNGs and an index.html in the folder --out")
    @Nullable String collector;

    @Option(names = "--at", description = "peak (default), end, or op=N (after the first N ops, 0 to the trace's length)")
    @Nullable String at;

    @Option(names = "--frames", description = "write this many PNG frames evenly spaced over the trace into the folder --out, 1 to " + MAX_FRAMES)
    @Nullable Integer frames;

    @Option(names = "--out", required = true, description = "a .png or .svg file; with --frames, a folder (created if missing)")
    String out = "";

    @Option(names = "--heap", converter = SizeConverter.class, description = "heap size (default 256M; with --collector 8M, 4M to 1G)")
    @Nullable Long heapOption;

    private long heap;

    @Option(names = "--json", description = "one JSON line per file written")
    boolean json;

    private enum Format { PNG, SVG }

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        if (collector != null) {
            return collectorMaps(stdout, err);
        }
        if (allocator == null || trace == null) {
            throw new UsageException("heapmap needs --allocator and --trace (or --collector)");
        }
        Path trace = this.trace;
        String allocator = this.allocator;
        heap = heapOption == null ? 256L << 20 : heapOption;
        long opArg = -1;
        String where = at == null ? "peak" : at;
        if (frames != null) {
            if (at != null) {
                throw new UsageException("--at and --frames do not go together (the frames are spread over the whole trace)");
            }
            UsageException.requireRange("--frames", frames, 1, MAX_FRAMES);
        } else if (where.startsWith("op=")) {
            String n = where.substring(3);
            try {
                opArg = Long.parseLong(n);
            } catch (NumberFormatException e) {
                throw new UsageException("--at op=N needs a whole number of ops, not '" + n + "'");
            }
            if (opArg < 0) {
                throw new UsageException("--at op=N needs N >= 0, not " + opArg);
            }
        } else if (!where.equals("peak") && !where.equals("end")) {
            throw new UsageException("--at takes peak, end or op=N, not '" + where + "'");
        }
        Path outPath = Path.of(out);
        Format format = Format.PNG;
        if (frames != null) {
            prepareFolder(outPath);
        } else {
            String lower = out.toLowerCase(Locale.ROOT);
            if (lower.endsWith(".svg")) {
                format = Format.SVG;
            } else if (!lower.endsWith(".png")) {
                throw new UsageException("--out must name a .png or .svg file (or a folder, with --frames), not '" + out + "'");
            }
            if (Files.isDirectory(outPath)) {
                throw new UsageException("cannot write " + out + ": it is a directory");
            }
        }
        Io.requireReadableTrace(trace);
        AllocatorFactory factory = Specs.usable(allocator, heap);
        Trace t = Trace.read(trace);
        t.warnings().forEach(w -> err.println("warning: " + w));
        OpList ops = t.opList();
        int n = ops.size();
        String traceName = String.valueOf(trace.getFileName());

        long[] targets;
        String[] labels;
        long commonEnd = 0;
        if (frames != null) {
            if (frames > Math.max(1, n)) {
                throw new UsageException("--frames " + frames + " is more than the trace's " + n + " ops");
            }
            targets = new long[frames];
            labels = new String[frames];
            for (int i = 0; i < frames; i++) {
                targets[i] = (long) (i + 1) * n / frames;
                labels[i] = "frame " + (i + 1) + " of " + frames;
            }
            commonEnd = passOne(factory, t, targets)[1];
        } else if (where.equals("peak")) {
            targets = new long[] {passOne(factory, t, new long[0])[0]};
            labels = new String[] {"peak"};
        } else if (where.equals("end")) {
            targets = new long[] {n};
            labels = new String[] {"end"};
        } else {
            if (opArg > n) {
                throw new UsageException("--at op=" + opArg + " is past the end of the trace (" + n + " ops)");
            }
            targets = new long[] {opArg};
            labels = new String[] {"op=" + opArg};
        }

        List<FramesPage.Frame> written = new ArrayList<>();
        boolean outOfMemory = false;
        try (TrackingAllocator a = Allocators.tracking(factory.create(Specs.reserve(heap)))) {
            OpRunner runner = new OpRunner(t.numIds());
            int next = 0;
            for (int i = 0; next < targets.length; i++) {
                while (next < targets.length && targets[next] == i) {
                    Path file = frames == null ? outPath : outPath.resolve(String.format(Locale.ROOT, "frame-%04d.png", next + 1));
                    FramesPage.Frame f = write(a, file, format, traceName, i, n, labels[next], commonEnd, stdout, err);
                    written.add(f);
                    next++;
                }
                if (next == targets.length || i >= n) {
                    break;
                }
                if (!apply(runner, a, ops, i)) {
                    outOfMemory = true;
                    String label = "out of heap at op " + (i + 1);
                    Path file = frames == null ? outPath : outPath.resolve(String.format(Locale.ROOT, "frame-%04d.png", next + 1));
                    written.add(write(a, file, format, traceName, i + 1, n, label, commonEnd, stdout, err));
                    break;
                }
            }
        }
        if (frames != null) {
            Path index = outPath.resolve("index.html");
            String title = "jalloc heapmap: " + factory.name() + " on " + traceName + ", " + written.size() + " frames";
            try {
                Files.writeString(index, FramesPage.html(title, written), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UsageException("cannot write " + index + ": " + Io.writeReason(e, index));
            }
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("index", index.toString());
                o.put("frames", written.size());
                stdout.println(Json.LINES.object(o));
            } else {
                stdout.println("wrote " + index + ": " + written.size() + " frames with a slider (open it in a browser, no network needed)");
            }
        }
        if (outOfMemory) {
            err.println("jalloc: " + traceName + " ran out of heap with " + factory.name() + " on a heap of " + Specs.size(heap)
                    + "; the last picture shows the heap there");
            return Main.FAILED;
        }
        return 0;
    }

    /**
     * Pass 1: replays the whole trace; returns {the op count after which the live requested bytes peak, the furthest
     * walk end at the {@code frameOps}}.
     */
    private long[] passOne(AllocatorFactory factory, Trace t, long[] frameOps) {
        OpList ops = t.opList();
        long peakOp = 0;
        long best = 0;
        long end = 0;
        try (TrackingAllocator a = Allocators.tracking(factory.create(Specs.reserve(heap)))) {
            OpRunner runner = new OpRunner(t.numIds());
            int next = 0;
            for (int i = 0; i <= ops.size(); i++) {
                while (next < frameOps.length && frameOps[next] == i) {
                    end = Math.max(end, HeapInspection.of(a).end());
                    next++;
                }
                if (i == ops.size() || !apply(runner, a, ops, i)) {
                    end = Math.max(end, HeapInspection.of(a).end());
                    break;
                }
                if (a.liveRequested() > best) {
                    best = a.liveRequested();
                    peakOp = i + 1;
                }
            }
        }
        return new long[] {peakOp, end};
    }

    private FramesPage.Frame write(TrackingAllocator a, Path file, Format format, String traceName, long op, long n, String label,
                                   long commonEnd, PrintWriter stdout, PrintWriter err) {
        AllocatorStats s = a.stats();
        List<String> legend = legend(s, traceName, op, n, label);
        HeapInspection inspection = HeapInspection.of(a);
        HeapPicture p = HeapPicture.draw(inspection, a::requested, inspection.start(), Math.max(commonEnd, inspection.end()), legend);
        writeFile(p, file, format, err);
        double util = s.utilization().orElse(0);
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("out", file.toString());
            o.put("allocator", s.allocator());
            o.put("trace", traceName);
            o.put("at", label);
            o.put("afterOp", op);
            o.put("ops", n);
            o.put("width", HeapMapImages.width());
            o.put("height", HeapMapImages.height(p));
            o.put("bytesPerCell", p.bytesPerCell());
            o.put("utilization", util);
            o.put("externalFragmentation", s.externalFragmentation());
            o.put("largestFreeBlock", s.largestFreeBlock());
            stdout.println(Json.LINES.object(o));
        } else {
            stdout.printf(Locale.ROOT, "wrote %s: after op %d of %d (%s), %dx%d px, %d bytes per cell, utilization %.1f%%, external fragmentation %.3f%n",
                    file, op, n, label, HeapMapImages.width(), HeapMapImages.height(p), p.bytesPerCell(), 100 * util, s.externalFragmentation());
        }
        stdout.flush();
        String caption = String.format(Locale.ROOT, "op %d of %d: heap %,d bytes, utilization %.1f%%, external fragmentation %.3f",
                op, n, s.heapBytes(), 100 * util, s.externalFragmentation());
        Path name = file.getFileName();
        return new FramesPage.Frame(name == null ? file.toString() : name.toString(), caption);
    }

    /** Writes the picture; a file that cannot be written is the user's input (exit 2). */
    private static void writeFile(HeapPicture p, Path file, Format format, PrintWriter err) {
        String warning = "";
        try {
            if (format == Format.SVG) {
                Files.writeString(file, HeapMapImages.svg(p), StandardCharsets.UTF_8);
            } else {
                try (OutputStream o = Files.newOutputStream(file)) {
                    warning = HeapMapImages.writePng(p, o);
                }
            }
        } catch (IOException e) {
            throw new UsageException("cannot write " + file + ": " + Io.writeReason(e, file));
        }
        if (!warning.isEmpty()) {
            err.println("warning: " + warning);
        }
    }

    /**
     * {@code --collector}: the fragmentation scene ({@link FragmentationScene}) drawn before and after its collection,
     * objects no root reaches as garbage; exit 1 on a checker violation, as {@code ./jalloc fragmentation}.
     */
    private int collectorMaps(PrintWriter stdout, PrintWriter err) {
        String collector = this.collector;
        if (collector == null) {
            throw new IllegalStateException("collectorMaps needs --collector");
        }
        if (trace != null || at != null || frames != null) {
            throw new UsageException("--collector draws the fragmentation scene before and after a collection: it takes no --trace, --at or --frames");
        }
        heap = heapOption == null ? 8L << 20 : heapOption;
        if (heap < (4L << 20) || heap > FragmentationCommand.MAX_HEAP) {
            throw new UsageException("--heap must be between 4M and 1G with --collector, not " + Specs.size(heap));
        }
        org.jalloc.testkit.gc.CollectorFactory.of(collector, allocator, heap); // a bad spec fails here, before any file is made
        Path dir = Path.of(out);
        prepareFolder(dir);
        List<FramesPage.Frame> written = new ArrayList<>();
        String[] title = {""};
        FragmentationScene scene = FragmentationScene.run(collector, allocator, heap, (phase, inspector) -> {
            long[] reachable = inspector.reachable();
            long[] sums = new long[3]; // live, garbage, free
            inspector.heapWalk().walkExtents((kind, start, size, payload, usable) -> {
                if (kind == org.jalloc.core.walk.ExtentKind.ALLOCATED) {
                    sums[Arrays.binarySearch(reachable, payload) >= 0 ? 0 : 1] += size;
                } else if (kind == org.jalloc.core.walk.ExtentKind.FREE) {
                    sums[2] += size;
                }
                return size > 0;
            });
            long[] runs = FragmentationScene.freeRuns(inspector);
            String who = "collector " + collector + (inspector.allocator() == null ? "" : " over " + inspector.allocator());
            title[0] = who;
            List<String> legend = List.of(
                    who + "   the fragmentation scene: 8 KiB arrays, every other one dropped   " + phase,
                    String.format(Locale.ROOT, "space %,d bytes   live (reachable) %,d bytes   garbage (unreachable) %,d bytes   free %,d bytes",
                            inspector.capacity(), sums[0], sums[1], sums[2]),
                    String.format(Locale.ROOT, "no reachable object: %,d bytes, largest run %,d bytes   external fragmentation %.3f (1 - largest run / those bytes)",
                            runs[0], runs[1], runs[0] == 0 ? 0.0 : 1 - (double) runs[1] / runs[0]));
            HeapPicture p = HeapPicture.draw(HeapInspection.of(inspector), a -> -1, a -> Arrays.binarySearch(reachable, a) < 0,
                    inspector.spaceStart(), inspector.spaceEnd(), legend);
            Path file = dir.resolve(phase.replace(' ', '-') + ".png");
            writeFile(p, file, Format.PNG, err);
            String caption = legend.get(1) + "; " + legend.get(2);
            written.add(new FramesPage.Frame(String.valueOf(file.getFileName()), phase + ": " + caption));
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("out", file.toString());
                o.put("collector", collector);
                o.put("phase", phase);
                o.put("liveBytes", sums[0]);
                o.put("garbageBytes", sums[1]);
                o.put("freeBytes", sums[2]);
                o.put("largestFreeRun", runs[1]);
                stdout.println(Json.LINES.object(o));
            } else {
                stdout.println("wrote " + file + ": " + phase + ", " + caption);
            }
        });
        Path index = dir.resolve("index.html");
        try {
            Files.writeString(index, FramesPage.html("jalloc heapmap: " + title[0] + ", the fragmentation scene", written), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UsageException("cannot write " + index + ": " + Io.writeReason(e, index));
        }
        if (!json) {
            stdout.println("wrote " + index + ": before and after the collection (open it in a browser, no network needed)");
        }
        scene.violations().forEach(v -> err.println(v));
        return scene.violations().isEmpty() ? 0 : Main.FAILED;
    }

    static List<String> legend(AllocatorStats s, String traceName, long op, long n, String label) {
        List<String> l = new ArrayList<>();
        l.add("allocator " + s.allocator() + "   trace " + traceName + "   after op " + op + " of " + n + " (" + label + ")");
        l.add(String.format(Locale.ROOT, "heap %,d bytes (high-water %,d)   live %,d blocks, %,d bytes granted%s",
                s.heapBytes(), s.highWaterBytes(), s.allocatedBlocks(), s.liveGrantedBytes(),
                s.liveRequestedBytes().isPresent() ? String.format(Locale.ROOT, ", %,d requested", s.liveRequestedBytes().getAsLong()) : ""));
        l.add(String.format(Locale.ROOT, "free %,d bytes in %,d blocks, largest %,d   metadata %,d bytes (%,d outside the heap)",
                s.freeBytes(), s.freeBlocks(), s.largestFreeBlock(), s.metadataBytes(), s.externalMetadataBytes()));
        l.add(String.format(Locale.ROOT, "utilization %.1f%% (peak requested / high-water)   external fragmentation %.3f (1 - largest free / free)",
                100 * s.utilization().orElse(0), s.externalFragmentation()));
        return l;
    }

    /** The --frames folder: created if missing (its parent must exist); an existing file that is not a folder is refused. */
    private static void prepareFolder(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UsageException("cannot write frames into " + dir + ": it is not a directory");
        }
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectory(dir);
            }
        } catch (IOException e) {
            throw new UsageException("cannot create " + dir + ": " + Io.writeReason(e, dir));
        }
        if (!Files.isWritable(dir)) {
            throw new UsageException("cannot write frames into " + dir + ": permission denied");
        }
    }

    /** Op {@code i}; an exception from the allocator on a valid op is its failure: reported with the op, exit 1. */
    private boolean apply(OpRunner runner, TrackingAllocator a, OpList ops, int i) {
        try {
            return runner.apply(a, ops, i);
        } catch (RuntimeException e) {
            throw new AllocatorFailure((trace == null ? "" : String.valueOf(trace.getFileName())) + ": op #" + (i + 1) + " (" + ops.get(i) + ") threw " + e);
        }
    }
}
