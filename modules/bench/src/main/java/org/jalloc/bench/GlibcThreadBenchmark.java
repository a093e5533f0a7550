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
 * glibc-thread: many threads, short lives.
 *
 * <p><b>The original</b> (glibc's {@code benchtests/bench-malloc-thread.c}, LGPL; mimalloc-bench runs
 * {@code glibc-thread $procs}): each thread keeps a working set of 1,024 slots and for 2 seconds replaces the block of
 * a random slot with a new one whose size follows an inverse-square law from 4 to 32,768 bytes (many more small blocks
 * than large), touching every byte of it. The sizes and slots come from precomputed tables of 8,000 sizes and 4,096
 * offsets (seed 88).
 *
 * <p><b>Here</b> (re-expressed, and with short lives as the issue asks, so a thread's cache is set up and torn down
 * many times): one invocation starts {@link #ALIVE} = 8 platform threads at once (never more alive: the team's cap) and
 * waits for them; each runs {@link #LIFE} = 10,000 replacements on its own working set of 1,024 slots (empty at start,
 * as the original's), writing every byte of each new block (eight at a time), then frees its working set and exits
 * (an explicit thread-cache handle is detached). One op is one replacement; ns per op, thread start and exit included.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class GlibcThreadBenchmark {
    static final int ALIVE = 8;
    static final int LIFE = 10_000;
    static final int WORKING_SET = 1024;
    static final int SIZES = 8000;
    static final int OFFSETS = WORKING_SET * 4;

    @State(Scope.Benchmark)
    public static class Shared {
        @Param({"thread-cache"})
        public String subject;

        Subject s;
        long[] sizes;
        int[] offsets;
        volatile Throwable failure;

        @Setup(Level.Trial)
        public void setUp() {
            s = StandardWorkloads.open(subject, true);
            sizes = StandardWorkloads.inverseSquareSizes(SIZES, 4, 32_768, 88);
            SplittableRandom r = new SplittableRandom(88);
            offsets = new int[OFFSETS];
            for (int i = 0; i < OFFSETS; i++) {
                offsets[i] = r.nextInt(WORKING_SET);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            s.close();
        }

        /** One short thread life, starting at {@code start} in the size and offset tables. */
        void live(int start) {
            Subject.Addresses a = s.threadAddresses();
            long[] set = new long[WORKING_SET];
            try {
                long m = a.base();
                int o = start % OFFSETS;
                int z = start % SIZES;
                for (int n = 0; n < LIFE; n++) {
                    int slot = offsets[o];
                    o = o + 1 == OFFSETS ? 0 : o + 1;
                    long size = sizes[z];
                    z = z + 1 == SIZES ? 0 : z + 1;
                    if (set[slot] != 0) {
                        a.free(set[slot]);
                    }
                    long p = StandardWorkloads.malloc(a, size);
                    StandardWorkloads.fill(m, p, size, (byte) n);
                    set[slot] = p;
                }
                for (long p : set) {
                    if (p != 0) {
                        a.free(p);
                    }
                }
            } catch (RuntimeException | Error e) {
                failure = e;
            } finally {
                a.done();
            }
        }
    }

    @State(Scope.Thread)
    public static class Lives {
        final Thread[] threads = new Thread[ALIVE];
        int round;
    }

    @Benchmark
    @OperationsPerInvocation(ALIVE * LIFE)
    public void glibcThread(Shared shared, Lives lives) throws InterruptedException {
        for (int i = 0; i < ALIVE; i++) {
            int start = (lives.round * ALIVE + i) * 997;
            lives.threads[i] = Thread.ofPlatform().name("glibc-thread-" + i).start(() -> shared.live(start));
        }
        lives.round++;
        for (Thread t : lives.threads) {
            t.join();
        }
        if (shared.failure != null) {
            throw new IllegalStateException("thread failed: " + shared.failure, shared.failure);
        }
    }
}
