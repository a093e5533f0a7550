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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * rptest: random sizes with a random lifetime distribution.
 *
 * <p><b>The original</b> (Mattias Jansson's rpmalloc benchmark; mimalloc-bench runs
 * {@code rptest $procs 0 1 2 500 1000 100 8 16000}: random mode, linear size drop-off, a cross-thread batch every 2
 * loops, 500 loops, 1,000 live slots per thread, 100 ops per loop, 8–16,000 bytes): each thread keeps 1,000 slots; a
 * loop frees slots, 0.8 × a random 25–99% of {@code ops} of them (walking the slots with one prime stride), frees the batches other
 * threads sent it, allocates a random 31–99% of {@code ops} blocks into slots walked with another prime stride
 * (freeing what a slot held), writing one byte per page, and every second loop allocates one more batch of that many
 * blocks and sends it to another thread, which frees them. A block lives until its slot comes round again — a random
 * lifetime — or, sent, until the receiver's next loop. The score is memory operations per second.
 *
 * <p><b>Here</b> (re-expressed: the original's fixed tables of random numbers are drawn from a seeded generator
 * instead): 2 JMH threads ({@code $procs} of this machine), each with 1,000 slots, prime strides 3 (alloc) and 7
 * (free), sizes 8–16,000 bytes with a density falling linearly from 8 to 16,000, per-loop op counts drawn uniformly
 * from the same percentage ranges, a batch sent round robin every second loop through a lock-free mailbox (preallocated
 * batches: no Java heap per loop). One op is one loop (about 140 mallocs and frees on average, the same sequence for
 * every subject); ns per loop.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class RptestBenchmark {
    static final int SLOTS = 1000;
    static final int OPS = 100;
    static final int CROSS_RATE = 2;
    static final int ALLOC_STRIDE = 3;
    static final int FREE_STRIDE = 7;
    static final int SIZES = 2000;

    @State(Scope.Benchmark)
    public static class Shared extends SharedMailboxes {
        final long[] sizes = StandardWorkloads.linearDropoffSizes(SIZES, 8, 16_000, 16_000);

        public Shared() {
            super(64, OPS);
        }
    }

    @State(Scope.Thread)
    public static class Slots {
        final long[] slots = new long[SLOTS];
        Subject.Addresses a;
        SplittableRandom random;
        int index;
        int threads;
        int allocAt;
        int freeAt;
        int sizeAt;
        int target;
        long loop;

        @Setup(Level.Trial)
        public void setUp(Shared shared, ThreadParams t) {
            a = shared.s.threadAddresses();
            index = t.getThreadIndex();
            threads = t.getThreadCount();
            target = index;
            random = new SplittableRandom(1 + index);
            sizeAt = (index + 1) * 37 % SIZES;
        }
    }

    @Benchmark
    public int loop(Shared shared, Slots t) {
        Subject.Addresses a = t.a;
        long m = a.base();
        int frees = (int) (0.8 * OPS * (25 + t.random.nextInt(75)) / 100);
        int allocs = OPS * (31 + t.random.nextInt(69)) / 100;
        int ops = 0;
        for (int i = 0; i < frees; i++) {
            long p = t.slots[t.freeAt];
            if (p != 0) {
                a.free(p);
                t.slots[t.freeAt] = 0;
                ops++;
            }
            t.freeAt = (t.freeAt + FREE_STRIDE) % SLOTS;
        }
        StandardWorkloads.Post post = shared.posts[t.index];
        ops += post.drain(a);
        for (int i = 0; i < allocs; i++) {
            long old = t.slots[t.allocAt];
            if (old != 0) {
                a.free(old);
                ops++;
            }
            long size = shared.sizes[t.sizeAt];
            t.sizeAt = t.sizeAt + 1 == SIZES ? 0 : t.sizeAt + 1;
            long p = StandardWorkloads.malloc(a, size);
            StandardWorkloads.touchPages(m, p, size);
            t.slots[t.allocAt] = p;
            t.allocAt = (t.allocAt + ALLOC_STRIDE) % SLOTS;
            ops++;
        }
        if (t.threads > 1 && t.loop++ % CROSS_RATE == 0) {
            StandardWorkloads.Batch b = post.pool.pop();
            if (b != null) { // every batch in flight: skip this one (the original stops sending once a thread ends)
                for (int i = 0; i < allocs; i++) {
                    long size = shared.sizes[t.sizeAt];
                    t.sizeAt = t.sizeAt + 1 == SIZES ? 0 : t.sizeAt + 1;
                    long p = StandardWorkloads.malloc(a, size);
                    StandardWorkloads.touchPages(m, p, size);
                    b.blocks[i] = p;
                }
                b.count = allocs;
                ops += allocs;
                do {
                    t.target = (t.target + 1) % t.threads;
                } while (t.target == t.index);
                shared.posts[t.target].inbox.push(b);
            }
        }
        return ops;
    }
}
