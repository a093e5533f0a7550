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
import org.openjdk.jmh.infra.ThreadParams;

/**
 * larsonN: Larson's server benchmark with its thread hand-over.
 *
 * <p><b>The original</b> (Larson and Krishnan, "Memory Allocation for Long-Running Server Applications", ISMM 1998;
 * mimalloc-bench's {@code larson 5 8 1000 5000 100 4141 $procs}): the main thread allocates {@code chperthread} =
 * 5,000 blocks of 8–1,000 bytes for each of {@code n} threads; each thread then replaces a random one of its blocks
 * (free it, malloc a new random size, write two bytes) {@code rounds × chperthread} = 500,000 times, and exits after
 * starting a new thread that takes over its blocks. So every block is freed by a thread other than the one that
 * allocated it, threads come and go, and memory must flow from dead threads to live ones. The score is replacements
 * per second over 5 seconds.
 *
 * <p><b>Here:</b> each of 1, 2 or 4 JMH threads (the 1, 2 and 4) owns one block array, filled at setup by the
 * JMH thread itself (the original's main thread). One invocation is one thread life: a new platform thread takes the
 * array, does the 500,000 replacements (sizes {@code 8 + rand % 992}, writing the first two bytes) and exits; the JMH
 * thread waits for it. One op is one replacement (ops/µs, aggregate). thread-cache's explicit handle gives every life
 * its own cache and detaches it at the end; the implicit path leaves dead threads' caches to the allocator.
 * Unlike {@link LarsonBenchmark} (per-thread slots on long-lived threads), this one measures the hand-over.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class LarsonNBenchmark {
    static final int BLOCKS = 5000;
    static final int ROUNDS = 100;
    static final int LIFE = ROUNDS * BLOCKS;
    static final int MIN = 8;
    static final int MAX = 1000;

    @State(Scope.Benchmark)
    public static class Shared {
        @Param({"thread-cache"})
        public String subject;

        Subject s;

        @Setup(Level.Trial)
        public void setUp() {
            s = StandardWorkloads.open(subject, true);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            s.close();
        }
    }

    @State(Scope.Thread)
    public static class Blocks {
        final long[] blocks = new long[BLOCKS];
        SplittableRandom random;
        Subject s;
        volatile Throwable failure;

        @Setup(Level.Trial)
        public void fill(Shared shared, ThreadParams t) {
            s = shared.s;
            random = new SplittableRandom(4141 + t.getThreadIndex());
            Subject.Addresses a = s.threadAddresses();
            for (int i = 0; i < BLOCKS; i++) {
                blocks[i] = StandardWorkloads.malloc(a, MIN + random.nextInt(MAX - MIN));
            }
            a.done();
        }

        /** One thread life: {@link #LIFE} replacements on this array. */
        void live() {
            Subject.Addresses a = s.threadAddresses();
            try {
                long m = a.base();
                for (int n = 0; n < LIFE; n++) {
                    int victim = random.nextInt(BLOCKS);
                    a.free(blocks[victim]);
                    long p = StandardWorkloads.malloc(a, MIN + random.nextInt(MAX - MIN));
                    blocks[victim] = p;
                    StandardWorkloads.writeOpaque(m, p, (byte) 'a');
                    StandardWorkloads.writeOpaque(m, p + 1, (byte) 'b');
                }
            } catch (RuntimeException | Error e) {
                failure = e;
            } finally {
                a.done();
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(LIFE)
    public void larsonN(Blocks b) throws InterruptedException {
        Thread t = Thread.ofPlatform().name("larson-life").start(b::live);
        t.join();
        if (b.failure != null) {
            throw new IllegalStateException("larson thread failed: " + b.failure, b.failure);
        }
    }
}
