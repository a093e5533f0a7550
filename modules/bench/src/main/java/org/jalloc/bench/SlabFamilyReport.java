package org.jalloc.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import org.jalloc.core.Allocator;
import org.jalloc.core.AllocatorStats;
import org.jalloc.core.Allocators;

/**
 * The memory side of the slab family (issue 21; docs/slab.md "The slab family side by side"): what {@code slab},
 * {@code slub} and {@code slob} take from memory for the same objects. Deterministic (one thread, seeded), so a single
 * run is the figure; the time side is {@link SlabCacheBenchmark} and {@link SmallHeapBenchmark}.
 *
 * <p>Memory taken = the heap's high-water mark (every allocator here grows the break on demand through buddy) plus
 * the metadata kept outside the heap (page maps, state maps, descriptors). Three tables:
 * <ol>
 *   <li>per object: {@code n}, then {@code 2n} objects of one size; the marginal cost {@code (taken(2n) - taken(n)) / n - size}
 *       (the fixed costs of the cache cancel), and the part of it outside the heap;</li>
 *   <li>per cache: one 64-byte object, then one object in each of the 13 kmalloc classes: the fixed cost;</li>
 *   <li>small heaps (64 KiB, 256 KiB, 1 MiB): objects of a small-object mix (16 to 512 bytes) allocated until
 *       {@code malloc} returns 0, then half of them freed at random and the heap filled again: the requested bytes
 *       held at each failure over the heap size.</li>
 * </ol>
 *
 * <pre>java -cp modules/bench/target/benchmarks.jar org.jalloc.bench.SlabFamilyReport [allocators...]</pre>
 */
public final class SlabFamilyReport {
    static final long[] MIX = {16, 24, 32, 48, 64, 80, 96, 128, 160, 192, 256, 384, 512};
    static final long[] KMALLOC = {16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192, 8};

    private SlabFamilyReport() {}

    public static void main(String[] args) {
        List<String> subjects = args.length > 0 ? List.of(args) : List.of("slab", "slub", "slob");
        System.out.println("### Per object: n and 2n objects of one size (heap 16 MiB); the marginal cost of the second n\n");
        System.out.println("| allocator | size | n | taken at n: heap + outside | taken at 2n | marginal per object: heap + outside | of which outside |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        for (long size : new long[] {16, 64, 256, 1024}) {
            int n = 4096;
            for (String s : subjects) {
                try (Allocator a = Allocators.create(s, 16L << 20)) {
                    long[] at = new long[2];
                    long[] ext = new long[2];
                    for (int half = 0; half < 2; half++) {
                        for (int i = 0; i < n; i++) {
                            if (a.malloc(size) == 0) {
                                throw new IllegalStateException(s + " ran out of heap");
                            }
                        }
                        AllocatorStats st = a.stats();
                        at[half] = st.highWaterBytes() + st.externalMetadataBytes();
                        ext[half] = st.externalMetadataBytes();
                    }
                    double marginal = (double) (at[1] - at[0]) / n - size;
                    double outside = (double) (ext[1] - ext[0]) / n;
                    System.out.printf(Locale.ROOT, "| %s | %d | %d | %,d | %,d | %.1f B | %.1f B |%n", s, size, n, at[0], at[1], marginal, outside);
                }
            }
        }

        System.out.println("\n### Per cache: the fixed cost of a cache in use (heap 16 MiB)\n");
        System.out.println("| allocator | one 64 B object: heap + outside | one object in each of 13 classes (8 B ... 8 KiB) | per class in use |");
        System.out.println("|---|---:|---:|---:|");
        for (String s : subjects) {
            long one;
            try (Allocator a = Allocators.create(s, 16L << 20)) {
                a.malloc(64);
                AllocatorStats st = a.stats();
                one = st.highWaterBytes() + st.externalMetadataBytes();
            }
            long all;
            long requested = 0;
            try (Allocator a = Allocators.create(s, 16L << 20)) {
                for (long k : KMALLOC) {
                    a.malloc(k);
                    requested += k;
                }
                AllocatorStats st = a.stats();
                all = st.highWaterBytes() + st.externalMetadataBytes();
            }
            System.out.printf(Locale.ROOT, "| %s | %,d B | %,d B (%,d requested) | %,d B |%n", s, one, all, requested,
                    (all - requested) / KMALLOC.length);
        }

        System.out.println("\n### Small heaps: a mix of 16-512 B objects until malloc returns 0, then half freed and filled again\n");
        System.out.println("| heap | allocator | first fill: requested bytes held | of the heap | refill after freeing half | of the heap | outside the heap |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|");
        for (long heapBytes : new long[] {64 << 10, 256 << 10, 1 << 20}) {
            for (String s : subjects) {
                long[] r = fill(s, heapBytes, 42);
                System.out.printf(Locale.ROOT, "| %s | %s | %,d | %.1f%% | %,d | %.1f%% | %,d |%n", Sizes.human(heapBytes), s, r[0],
                        100.0 * r[0] / heapBytes, r[1], 100.0 * r[1] / heapBytes, r[2]);
            }
        }
    }

    /** Requested bytes live at the first failure, at the second one after freeing half at random, external metadata. */
    static long[] fill(String spec, long heapBytes, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        try (Allocator a = Allocators.create(spec, heapBytes)) {
            List<long[]> live = new ArrayList<>();
            long held = 0;
            long first;
            while (true) {
                long size = MIX[rnd.nextInt(MIX.length)];
                long p = a.malloc(size);
                if (p == 0) {
                    first = held;
                    break;
                }
                live.add(new long[] {p, size});
                held += size;
            }
            for (int i = live.size() / 2; i > 0; i--) {
                long[] b = live.remove(rnd.nextInt(live.size()));
                a.free(b[0]);
                held -= b[1];
            }
            while (true) {
                long size = MIX[rnd.nextInt(MIX.length)];
                long p = a.malloc(size);
                if (p == 0) {
                    break;
                }
                held += size;
            }
            return new long[] {first, held, a.stats().externalMetadataBytes()};
        }
    }

    /** Sizes for the tables: 64K, 256K, 1M. */
    static final class Sizes {
        private Sizes() {}

        static String human(long b) {
            return b >= 1 << 20 ? (b >> 20) + " MiB" : (b >> 10) + " KiB";
        }
    }
}
