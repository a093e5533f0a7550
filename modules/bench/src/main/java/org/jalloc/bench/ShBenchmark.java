package org.jalloc.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * sh6bench and sh8bench: batches of varied sizes freed out of order, then freed by other threads.
 *
 * <p><b>The originals</b> (MicroQuill's SmartHeap benchmarks; their licence forbids redistribution, so mimalloc-bench
 * downloads them, and this class re-expresses them from their published description only; mimalloc-bench runs
 * {@code sh6bench $procs*2} and {@code sh8bench $procs*2}, with 10,000 calls per thread and the first and last byte of
 * each block written): every thread repeatedly allocates a batch of blocks whose sizes step through a range of small
 * sizes, and frees the batch in an order other than allocation order (part forwards, the rest backwards), so the
 * allocator sees interleaved frees of mixed sizes. sh8bench adds cross-thread frees: part of every batch is freed by
 * another thread.
 *
 * <p><b>Here:</b> 4 JMH threads ({@code $procs × 2} on this machine's 2 cores). One invocation allocates
 * {@link #BATCH} = 1,000 blocks of 1 to 1,000 bytes (a size sequence stepping by 37 modulo 1,000, shifted every
 * batch), writes the first and last byte of each, frees the odd-indexed blocks forwards and then — {@code sh6} — the
 * even-indexed ones backwards; {@code sh8} instead first frees every batch half other threads sent it, and sends its
 * even-indexed half to the next thread (round robin) through a lock-free mailbox, freeing it itself only when all its
 * batches are in flight. One op is one block allocated and freed; ns per op.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ShBenchmark {
    static final int BATCH = 1000;
    static final int MAX_SIZE = 1000;

    @State(Scope.Benchmark)
    public static class Shared extends SharedMailboxes {
        public Shared() {
            super(8, BATCH / 2);
        }
    }

    @State(Scope.Thread)
    public static class Batch {
        final long[] blocks = new long[BATCH];
        Subject.Addresses a;
        int index;
        int threads;
        int shift;

        @Setup(Level.Trial)
        public void setUp(Shared shared, ThreadParams t) {
            a = shared.s.threadAddresses();
            index = t.getThreadIndex();
            threads = t.getThreadCount();
        }

        /** Allocates the batch and frees its odd-indexed blocks forwards. */
        void allocateAndFreeOdd() {
            long m = a.base();
            for (int i = 0; i < BATCH; i++) {
                long size = 1 + (shift + 37L * i) % MAX_SIZE;
                long p = StandardWorkloads.malloc(a, size);
                StandardWorkloads.writeByte(m, p, (byte) 0);
                StandardWorkloads.writeByte(m, p + size - 1, (byte) 0);
                blocks[i] = p;
            }
            shift = (shift + 1) % MAX_SIZE;
            for (int i = 1; i < BATCH; i += 2) {
                a.free(blocks[i]);
            }
        }

        void freeEvenBackwards() {
            for (int i = BATCH - 2; i >= 0; i -= 2) {
                a.free(blocks[i]);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void sh6(Batch b) {
        b.allocateAndFreeOdd();
        b.freeEvenBackwards();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void sh8(Shared shared, Batch b) {
        StandardWorkloads.Post post = shared.posts[b.index];
        post.drain(b.a);
        b.allocateAndFreeOdd();
        StandardWorkloads.Batch out = b.threads > 1 ? post.pool.pop() : null;
        if (out == null) {
            b.freeEvenBackwards();
            return;
        }
        int n = 0;
        for (int i = 0; i < BATCH; i += 2) {
            out.blocks[n++] = b.blocks[i];
        }
        out.count = n;
        shared.posts[(b.index + 1) % b.threads].inbox.push(out);
    }
}
