package org.jalloc.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.jalloc.threadcache.ThreadCacheAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Larson-style server workload (Larson and Krishnan, 1998): each thread owns 1,000 slots of live blocks of 16..512
 * bytes; one op frees a random slot and refills it with a new random size. Throughput in ops/us; run with
 * {@code -t 1} and {@code -t 2} (same run) and compare: the target is 2 threads >= 1.5x one thread. Threads use the
 * implicit path (thread-local lookup) of one shared allocator with production defaults (availableProcessors()
 * arenas).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class LarsonBenchmark {
    @State(Scope.Benchmark)
    public static class Shared {
        ThreadCacheAllocator tc;

        @Setup(Level.Trial)
        public void setUp() {
            tc = ThreadCacheAllocator.builder().build(1L << 30);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            tc.close();
        }
    }

    @State(Scope.Thread)
    public static class Slots {
        final long[] blocks = new long[1000];
        final SplittableRandom random = new SplittableRandom(Thread.currentThread().threadId());

        @Setup(Level.Trial)
        public void fill(Shared s) {
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = s.tc.malloc(16 + random.nextInt(497));
            }
        }

        // No per-thread teardown: closing the shared allocator releases every block (a per-thread free could run
        // after another thread's trial teardown closed it).
    }

    @Benchmark
    public long larson(Shared s, Slots slots) {
        int i = slots.random.nextInt(slots.blocks.length);
        s.tc.free(slots.blocks[i]);
        long p = s.tc.malloc(16 + slots.random.nextInt(497));
        slots.blocks[i] = p;
        return p;
    }
}
