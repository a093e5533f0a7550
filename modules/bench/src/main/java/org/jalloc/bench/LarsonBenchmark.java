package org.jalloc.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Larson-style server workload (Larson and Krishnan, 1998): each thread owns 1,000 slots of live blocks of 16..512
 * bytes; one op frees a random slot and refills it with a new random size (ops/µs per thread group). Run with
 * {@code -t 1} and {@code -t 2} in the same run to see scaling; only thread-safe subjects take part.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class LarsonBenchmark {
    @State(Scope.Benchmark)
    public static class Shared {
        @Param({"thread-cache"})
        public String subject;

        Subject s;

        @Setup(Level.Trial)
        public void setUp() {
            s = Subject.create(subject);
            if (!s.concurrent()) {
                s.close();
                throw new IllegalStateException("SKIPPED: " + subject + " is not thread safe");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            s.close();
        }
    }

    @State(Scope.Thread)
    public static class Slots {
        static final int SLOTS = 1000;
        Subject.Handle h;
        final SplittableRandom random = new SplittableRandom(Thread.currentThread().threadId());

        @Setup(Level.Trial)
        public void fill(Shared shared) {
            h = shared.s.handle(SLOTS);
            for (int i = 0; i < SLOTS; i++) {
                h.allocate(i, 16 + random.nextInt(497));
            }
        }
        // No per-thread teardown: closing the shared subject releases every block (a per-thread free could run
        // after another thread's trial teardown closed it).
    }

    @Benchmark
    public void larson(Slots slots) {
        int i = slots.random.nextInt(Slots.SLOTS);
        slots.h.release(i);
        slots.h.allocate(i, 16 + slots.random.nextInt(497));
    }
}
