package org.jalloc.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.check.Violation;
import org.jalloc.testkit.gc.FragmentationScene;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import org.jalloc.testkit.json.Json;

/** {@code ./jalloc fragmentation}: the seed's fragmentation scene, built for real, then collected. */
@Command(name = "fragmentation", mixinStandardHelpOptions = true,
        description = {"Fills a heap with 8 KiB arrays and drops every other one (over 1 MiB free in pieces of at most 10 KiB),",
                "tries a 1 MiB allocation, collects, and tries again: compaction cures it, mark-sweep cannot.",
                "Exit 0 when the scene ran without a checker violation (a failed allocation is the expected result), 1 on a violation."})
final class FragmentationCommand implements Callable<Integer> {
    @Spec
    @SuppressWarnings("initialization.field.uninitialized") // picocli injects the spec before call()
    CommandSpec spec;

    @Option(names = "--collector", required = true, description = "collector name or spec")
    String collector = "";

    @Option(names = "--allocator", description = "for mark-sweep: the allocator its objects live in (default tlsf)")
    @Nullable String allocator;

    /** The largest --heap: the scene writes all of it. */
    static final long MAX_HEAP = 1L << 30;

    @Option(names = "--heap", defaultValue = "8M", converter = SizeConverter.class, description = "space, 4M to 1G (default ${DEFAULT-VALUE})")
    long heap;

    @Option(names = "--json", description = "one JSON line")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (heap < (4L << 20)) {
            throw new UsageException("--heap must be at least 4M: the scene needs over 1 MiB free in 8 KiB pieces next to 1 MiB live");
        }
        if (heap > MAX_HEAP) {
            // the scene fills the whole heap with 8 KiB arrays: every byte of it becomes resident memory
            throw new UsageException("--heap must be at most 1G: the scene fills the whole heap, so all of it becomes resident memory");
        }
        FragmentationScene s = FragmentationScene.run(collector, allocator, heap);
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("collector", s.collector());
            o.put("freeBytes", s.freeBytes());
            o.put("largestFreeBefore", s.largestFreeBefore());
            o.put("allocatedBefore", s.allocatedBefore());
            o.put("largestFreeAfter", s.largestFreeAfter());
            o.put("allocatedAfter", s.allocatedAfter());
            o.put("violations", s.violations().size());
            out.println(Json.LINES.object(o));
        } else {
            out.printf("%s%s, heap %d bytes%n", s.collector(), s.allocator() == null ? "" : " over " + s.allocator(), heap);
            out.printf("before collecting: %,d bytes free, largest free run %,d bytes, external fragmentation %.3f; 1 MiB allocation %s%n",
                    s.freeBytes(), s.largestFreeBefore(), s.fragmentationBefore(), s.allocatedBefore() ? "succeeded" : "failed");
            out.printf("after collecting:  %,d bytes free, largest free run %,d bytes, external fragmentation %.3f; 1 MiB allocation %s%n",
                    s.freeBytesAfter(), s.largestFreeAfter(), s.fragmentationAfter(), s.allocatedAfter() ? "succeeded" : "failed");
            out.printf("checker: %d violations%n", s.violations().size());
        }
        for (Violation v : s.violations()) {
            spec.commandLine().getErr().println(v);
        }
        out.flush();
        return s.violations().isEmpty() ? 0 : Main.FAILED;
    }
}
