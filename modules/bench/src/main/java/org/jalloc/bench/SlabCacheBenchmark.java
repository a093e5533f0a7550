package org.jalloc.bench;

import java.util.concurrent.TimeUnit;

import org.jalloc.core.memory.Heap;
import org.jalloc.slab.SlabAllocator;
import org.jalloc.slab.SlabCache;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Object alloc + free cost (ns per object) of a slab object cache with and without magazines, of kmalloc ({@code slab}
 * through the {@code Allocator} interface, with and without magazines), and of the buddy and boundary-tag allocators
 * for the same sizes; run with {@code -t 1} and {@code -t 2} (the threads share one allocator; single-owner subjects
 * go behind a lock with {@code +lock}). See docs/slab.md for the command and the figures.
 *
 * <ul>
 *   <li>{@code pair}: one object allocated and freed (the magazine's best case: a push and a pop).</li>
 *   <li>{@code batch}: 64 objects allocated, then freed (more than two magazines of rounds: depot exchanges, and the
 *       slab layer whenever the depot runs dry).</li>
 * </ul>
 * Subjects: {@code cache} (a {@link SlabCache} with its default magazine size, grown under depot contention),
 * {@code cache/fixed-magazines} (the same without resizing), {@code cache/no-magazines} (magazine size 0: every call
 * takes the slab lock), and any {@link Subject} name ({@code slab}, {@code slub}, {@code slob},
 * {@code slab:magazines=off}, {@code buddy}, {@code boundary-tag}, {@code buddy+lock}, {@code boundary-tag+lock}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class SlabCacheBenchmark {
    static final int BATCH = 64;

    /** The allocator under test, shared by the benchmark threads. */
    @State(Scope.Benchmark)
    public static class Target {
        @Param({"cache", "cache/no-magazines", "slab", "slab:magazines=off", "buddy", "boundary-tag"})
        public String subject;

        @Param({"64", "256"})
        public long size;

        private SlabAllocator slab;
        private SlabCache cache;
        private Subject other;
        private Subject.Addresses addresses;

        @Setup(Level.Trial)
        public void setUp() {
            if (subject.startsWith("cache")) {
                slab = SlabAllocator.builder().build(Heap.reserve(1L << 30));
                SlabCache.Builder b = slab.newCache("bench", size);
                if (subject.equals("cache/no-magazines")) {
                    b.magazineSize(0);
                }
                if (subject.equals("cache/fixed-magazines")) {
                    b.magazineResizeAfter(0);
                }
                cache = b.build();
                startLimit = cache.magazineSize();
            } else {
                other = Subject.create(subject);
                addresses = other.addresses();
                if (addresses == null) {
                    throw new IllegalArgumentException(subject + " has no address API");
                }
            }
        }

        long alloc() {
            long p = cache != null ? cache.alloc() : addresses.malloc(size);
            if (p == 0) {
                throw Subject.outOfMemory(subject, size);
            }
            return p;
        }

        void free(long p) {
            if (cache != null) {
                cache.free(p);
            } else {
                addresses.free(p);
            }
        }

        private int startLimit;

        @TearDown(Level.Trial)
        public void tearDown() {
            if (cache != null) {
                // the limit column of slabinfo before and after the trial: how far depot contention grew the magazines
                System.out.println("# " + subject + " size " + size + ": slabinfo limit " + startLimit + " -> " + cache.magazineSize()
                        + " (" + cache.magazineResizes() + " steps up, " + cache.depotContentions() + " contended depot entries)");
            }
            if (slab != null) {
                slab.close();
            }
            if (other != null) {
                other.close();
            }
        }
    }

    /** One benchmark thread's objects. */
    @State(Scope.Thread)
    public static class Objects {
        final long[] held = new long[BATCH];
    }

    @Benchmark
    public void pair(Target t) {
        t.free(t.alloc());
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void batch(Target t, Objects o) {
        long[] held = o.held;
        for (int i = 0; i < BATCH; i++) {
            held[i] = t.alloc();
        }
        for (int i = 0; i < BATCH; i++) {
            t.free(held[i]);
        }
    }
}
