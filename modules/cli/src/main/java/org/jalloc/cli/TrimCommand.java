package org.jalloc.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.Allocator;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.core.Allocators;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.nativeaccess.Libc;
import org.jalloc.core.spi.AllocatorType;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import org.jalloc.testkit.json.Json;

/**
 * {@code ./jalloc trim}: memory given back to the OS, measured. For each allocator: the resident pages of the heap's
 * own mapping ({@code mincore}) before, at the peak of a live set of small blocks, after freeing them all, and after
 * {@code trim()}; the bound is the larger of 10% of the live set and 16 MiB over the "before" figure.
 */
@Command(name = "trim", mixinStandardHelpOptions = true,
        description = {"Allocates --bytes in blocks of --block bytes (each touched), frees them all, calls trim(), and prints the heap mapping's",
                "resident bytes (mincore) before, at the peak, after the frees and after the trim. Without --allocator: every allocator.",
                "Exit 1 if an allocator stays above the bound: the larger of 10% of --bytes and 16 MiB over its resident bytes before."})
final class TrimCommand implements Callable<Integer> {
    @Spec
    @SuppressWarnings("initialization.field.uninitialized") // picocli injects the spec before call()
    CommandSpec spec;

    @Option(names = "--allocator", description = "allocator name or spec (default: every allocator)")
    @Nullable String allocator;

    @Option(names = "--bytes", defaultValue = "256M", converter = SizeConverter.class, description = "live set to allocate, 1M to 4G (default ${DEFAULT-VALUE})")
    long bytes;

    @Option(names = "--block", defaultValue = "64", converter = SizeConverter.class, description = "block size, 16 to 1M (default ${DEFAULT-VALUE})")
    long block;

    @Option(names = "--json", description = "one JSON line per allocator")
    boolean json;

    static final long MAX_BYTES = 4L << 30;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        UsageException.requireRange("--bytes", bytes, 1L << 20, MAX_BYTES);
        UsageException.requireRange("--block", block, 16, 1L << 20);
        if (!Libc.available()) {
            throw new UsageException("trim needs mmap and mincore: " + Libc.unavailableReason());
        }
        long heapBytes = Math.max(2 * bytes, bytes + (64L << 20));
        List<AllocatorFactory> factories = new ArrayList<>();
        if (allocator != null) {
            factories.add(Specs.usable(allocator, heapBytes));
        } else {
            for (AllocatorType t : org.jalloc.core.spi.AllocatorTypes.all()) {
                // an implicit list searches every block per malloc: millions of small blocks take hours, so the three
                // single-list policies run over their explicit LIFO list (the same blocks, headers and coalescing)
                String name = Set.of("first-fit", "next-fit", "best-fit").contains(t.name()) ? t.name() + ":list=lifo" : t.name();
                factories.add(AllocatorFactory.of(name, heapBytes));
            }
        }
        long bound = Math.max(bytes / 10, 16L << 20);
        if (!json) {
            out.printf(Locale.ROOT, "%d MiB in %d-byte blocks, resident bytes of the heap mapping (mincore); bound: before + %d MiB%n",
                    bytes >> 20, block, bound >> 20);
            out.printf(Locale.ROOT, "%-22s %10s %10s %12s %12s %12s  %s%n", "allocator", "before", "peak", "after free", "after trim", "trim gave", "result");
            out.flush();
        }
        boolean failed = false;
        for (AllocatorFactory f : factories) {
            long[] r = measure(f, heapBytes);
            boolean ok = r[0] >= 0 && r[3] - r[0] <= bound;
            failed |= !ok;
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("allocator", f.name());
                o.put("bytes", bytes);
                o.put("block", block);
                o.put("residentBefore", r[0]);
                o.put("residentPeak", r[1]);
                o.put("residentAfterFree", r[2]);
                o.put("residentAfterTrim", r[3]);
                o.put("trimReleased", r[4]);
                o.put("outOfMemory", r[5] != 0);
                o.put("withinBound", ok);
                out.println(Json.LINES.object(o));
            } else {
                out.printf(Locale.ROOT, "%-22s %10s %10s %12s %12s %12s  %s%n", f.name(), mib(r[0]), mib(r[1]), mib(r[2]), mib(r[3]), mib(r[4]),
                        r[5] != 0 ? "OUT OF MEMORY" : ok ? "ok" : "ABOVE BOUND");
            }
            out.flush();
        }
        return failed ? Main.FAILED : 0;
    }

    /** {before, peak, after free, after trim, trim's released bytes, out of memory (1/0)}. */
    private long[] measure(AllocatorFactory f, long heapBytes) {
        try (Heap h = Specs.reserve(heapBytes)) {
            Allocator a = f.create(h);
            long before = h.residentBytes();
            int n = (int) Math.min(Integer.MAX_VALUE - 8, bytes / block);
            long[] blocks = new long[n];
            int made = 0;
            for (; made < n; made++) {
                long p = a.malloc(block);
                if (p == 0) {
                    break;
                }
                h.putLong(p, made);
                blocks[made] = p;
            }
            long peak = h.residentBytes();
            for (int i = 0; i < made; i++) {
                a.free(blocks[i]);
            }
            long afterFree = h.residentBytes();
            long released = a.trim();
            long afterTrim = h.residentBytes();
            a.close();
            return new long[] {before, peak, afterFree, afterTrim, released, made < n ? 1 : 0};
        }
    }

    private static String mib(long b) {
        return String.format(Locale.ROOT, "%.1f MiB", b / 1048576.0);
    }
}
