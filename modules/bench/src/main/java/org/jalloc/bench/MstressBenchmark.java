package org.jalloc.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

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
 * mstress: mimalloc's stress test, threads that die and are re-created with objects surviving them.
 *
 * <p><b>The original</b> (mimalloc's {@code test/test-stress.c}, Leijen, MIT licence; mimalloc-bench runs
 * {@code mstress $procs 50 25}: threads, a load of 50 %, 25 rounds): every round starts {@code threads} fresh OS threads
 * and joins them. A thread makes {@code allocs = 100 × scale} short-lived allocations and {@code allocs / 2} retained
 * ones in random order (each step an allocation with probability ≥ 1/2 while both remain); sizes are powers of two in
 * words, 1–16 words for short-lived objects and 1–64 for retained ones, and 1 % of objects are 100 times larger. Every
 * object is filled word by word with a cookie pattern when allocated and checked word by word when freed. After each
 * allocation the thread frees a random earlier short-lived object (probability 67 %) and swaps a random one with a
 * random slot of a 1,000-slot transfer array shared by all threads (26 %), so objects outlive the thread that made
 * them and are freed by another. A thread frees all it still holds before it exits; after every round the main
 * thread frees about half of the transfer array.
 *
 * <p><b>Here:</b> each of 1, 2 or 4 JMH threads (the 1, 2 and 4; mimalloc-bench uses {@code $procs}) does
 * one thread life per invocation: a new platform thread runs the original's thread body with {@code scale} = 50 and
 * exits; the JMH thread waits for it. The transfer array is shared by every JMH thread. The main thread's round end
 * (free about half of the transfer array) runs after every measured iteration. One op is one allocation with its
 * fill, its check and its free (7,500 per life); ns per op. Two differences, both so that every life does the same
 * work: the original's {@code tid % 8 + 1} factor (some threads do more) is dropped, and objects are {@code malloc}ed
 * and filled instead of {@code calloc}ed (the peers' address API has no {@code calloc}; the fill writes every word
 * anyway).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class MstressBenchmark {
    static final int SCALE = 50;
    static final int ALLOCS = 100 * SCALE;
    static final int RETAIN = ALLOCS / 2;
    static final int OPS = ALLOCS + RETAIN;
    static final int TRANSFERS = 1000;
    static final int ITEM_SHIFT = 5;
    static final int RETAINED_ITEM_SHIFT = ITEM_SHIFT + 2;
    static final long COOKIE = 0xbf58476d1ce4e5b9L;

    @State(Scope.Benchmark)
    public static class Shared {
        @Param({"thread-cache"})
        public String subject;

        Subject s;
        final AtomicLongArray transfer = new AtomicLongArray(TRANSFERS);
        final SplittableRandom roundEnd = new SplittableRandom(0x7feb352dL);

        @Setup(Level.Trial)
        public void setUp() {
            s = StandardWorkloads.open(subject, true);
        }

        /** The original's round end: the main thread frees about half of the transfer array. */
        @TearDown(Level.Iteration)
        public void freeHalfOfTheTransfers() {
            freeTransfers(false);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            freeTransfers(true);
            s.close();
        }

        private void freeTransfers(boolean all) {
            Subject.Addresses a = s.threadAddresses();
            try {
                for (int i = 0; i < TRANSFERS; i++) {
                    if (all || chance(50, roundEnd)) {
                        freeItems(a, transfer.getAndSet(i, 0));
                    }
                }
            } finally {
                a.done();
            }
        }
    }

    @State(Scope.Thread)
    public static class Life {
        final long[] data = new long[ALLOCS];
        final long[] retained = new long[RETAIN];
        SplittableRandom random;
        Shared shared;
        volatile Throwable failure;

        @Setup(Level.Trial)
        public void setUp(Shared shared, ThreadParams t) {
            this.shared = shared;
            random = new SplittableRandom((t.getThreadIndex() + 1) * 43L);
        }

        /** The original's thread body: {@link #OPS} allocations, frees and transfers, then free what is left. */
        void live() {
            Subject.Addresses a = shared.s.threadAddresses();
            SplittableRandom r = random;
            AtomicLongArray transfer = shared.transfer;
            int allocs = ALLOCS;
            int retain = RETAIN;
            int dataTop = 0;
            int retainTop = 0;
            try {
                while (allocs > 0 || retain > 0) {
                    if (retain == 0 || (chance(50, r) && allocs > 0)) {
                        allocs--;
                        data[dataTop++] = allocItems(a, 1L << r.nextInt(ITEM_SHIFT), r);
                    } else {
                        retained[retainTop++] = allocItems(a, 1L << r.nextInt(RETAINED_ITEM_SHIFT), r);
                        retain--;
                    }
                    if (chance(66, r) && dataTop > 0) {
                        int idx = r.nextInt(dataTop);
                        freeItems(a, data[idx]);
                        data[idx] = 0;
                    }
                    if (chance(25, r) && dataTop > 0) {
                        int idx = r.nextInt(dataTop);
                        data[idx] = transfer.getAndSet(r.nextInt(TRANSFERS), data[idx]);
                    }
                }
                for (int i = 0; i < retainTop; i++) {
                    freeItems(a, retained[i]);
                }
                for (int i = 0; i < dataTop; i++) {
                    freeItems(a, data[i]);
                }
            } catch (RuntimeException | Error e) {
                failure = e;
            } finally {
                a.done();
            }
        }
    }

    /** The original's {@code chance(perc)}: {@code pick % 100 <= perc}, so {@code perc + 1} in 100. */
    static boolean chance(int perc, SplittableRandom r) {
        return r.nextInt(100) <= perc;
    }

    /** Allocates {@code items} words (100 times more for 1 % of objects) and fills word i with {@code (items - i) ^ COOKIE}. */
    static long allocItems(Subject.Addresses a, long items, SplittableRandom r) {
        if (chance(1, r)) {
            items *= 100;
        }
        long p = StandardWorkloads.malloc(a, items * 8);
        MemorySegment m = Subject.ALL_MEMORY;
        long at = a.base() + p;
        for (long i = 0; i < items; i++) {
            m.set(ValueLayout.JAVA_LONG_UNALIGNED, at + i * 8, (items - i) ^ COOKIE);
        }
        return p;
    }

    /** Checks every word of an object made by {@link #allocItems} and frees it; 0 is no object. */
    static void freeItems(Subject.Addresses a, long p) {
        if (p == 0) {
            return;
        }
        MemorySegment m = Subject.ALL_MEMORY;
        long at = a.base() + p;
        long items = m.get(ValueLayout.JAVA_LONG_UNALIGNED, at) ^ COOKIE;
        for (long i = 0; i < items; i++) {
            if ((m.get(ValueLayout.JAVA_LONG_UNALIGNED, at + i * 8) ^ COOKIE) != items - i) {
                throw new IllegalStateException("memory corruption in the block at " + p + ", word " + i);
            }
        }
        a.free(p);
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public void stress(Life life) throws InterruptedException {
        Thread t = Thread.ofPlatform().name("mstress-life").start(life::live);
        t.join();
        if (life.failure != null) {
            throw new IllegalStateException("mstress thread failed: " + life.failure, life.failure);
        }
    }
}
