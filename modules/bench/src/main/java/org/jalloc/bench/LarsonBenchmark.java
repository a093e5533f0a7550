package org.jalloc.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

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
 * Larson-style server workload (Larson and Krishnan, 1998): each thread owns 1,000 slots of live blocks of 16..512
 * bytes; one op frees a random slot and refills it with a new random size (ops/µs per thread group). Run with
 * {@code -t 1} and {@code -t 2} in the same run to see scaling; only thread-safe subjects take part.
 *
 * <p>{@code -p threads=virtual} runs each invocation's {@value #OPS} ops on a new virtual thread (started and joined by
 * the benchmark thread, which owns the slots; the join orders the hand-over), the way a server running a virtual
 * thread per request reaches the allocator; {@code threads=platform} (the default) runs them on the benchmark thread.
 * Both modes count {@value #OPS} ops per invocation, so their scores compare directly: a virtual thread's start and
 * join (tens of microseconds on a loaded 2-core machine, where the carrier and the joining thread must be woken) is
 * amortised over them to about 1%.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class LarsonBenchmark {
    /** Ops per invocation (one virtual thread's life in {@code threads=virtual}). */
    static final int OPS = 100_000;

    @State(Scope.Benchmark)
    public static class Shared {
        @Param({"thread-cache"})
        public String subject;

        /** {@code platform}: the ops run on the benchmark thread; {@code virtual}: on a new virtual thread per invocation. */
        @Param({"platform"})
        public String threads;

        boolean virtual;

        Subject s;

        @Setup(Level.Trial)
        public void setUp() {
            virtual = switch (threads) {
                case "platform" -> false;
                case "virtual" -> true;
                default -> throw new IllegalArgumentException("threads must be platform or virtual, got " + threads);
            };
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
    @OperationsPerInvocation(OPS)
    public void larson(Shared shared, Slots slots) throws InterruptedException {
        if (shared.virtual) {
            Thread.ofVirtual().start(() -> ops(slots)).join();
        } else {
            ops(slots);
        }
    }

    private static void ops(Slots slots) {
        for (int k = 0; k < OPS; k++) {
            int i = slots.random.nextInt(Slots.SLOTS);
            slots.h.release(i);
            slots.h.allocate(i, 16 + slots.random.nextInt(497));
        }
    }
}
