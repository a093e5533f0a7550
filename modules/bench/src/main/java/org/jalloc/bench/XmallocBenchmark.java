package org.jalloc.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * xmalloc-test: producer/consumer chains.
 *
 * <p><b>The original</b> (Lever and Boreham, "malloc() Performance in a Multithreaded Linux Environment", USENIX 2000
 * FREENIX; GPL, so re-expressed here from its description): {@code w} threads only allocate — batches of 4,096 objects,
 * each written (up to 128 bytes) — and push the batches on a shared queue of at most 100; {@code w} other threads only
 * pop batches and free every object. Every free is remote, and the freeing threads never allocate: allocators whose
 * thread caches keep what a thread frees pile memory up in the consumers. mimalloc-bench runs
 * {@code xmalloc-test -w $procs -t 5 -s 64}: {@code w} = the number of cores, 64-byte objects; the score is frees per
 * second.
 *
 * <p><b>Here:</b> the JMH threads are the {@code w} consumers (run with {@code -t 2}, the cores of this machine, as
 * mimalloc-bench's {@code -w $procs}); each measured iteration starts {@code w} producer threads that fill batches of
 * 4,096 64-byte blocks (writing each block's 64 bytes) into a bounded queue of 100 batches and stops them at its end.
 * One op is one block freed by a consumer; the score is blocks handed over per µs, the original's frees per second.
 * The batches are preallocated {@code long[]}s circulated through two queues, so the harness allocates no Java heap per
 * block.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class XmallocBenchmark {
    static final int BATCH = 4096;
    static final int QUEUE_LIMIT = 100;
    static final long SIZE = 64;

    @State(Scope.Benchmark)
    public static class Shared {
        @Param({"thread-cache"})
        public String subject;

        Subject s;
        ArrayBlockingQueue<long[]> full;
        ArrayBlockingQueue<long[]> empty;
        final List<Thread> producers = new ArrayList<>();
        volatile boolean stop;
        volatile Throwable failure;

        @Setup(Level.Trial)
        public void setUp(BenchmarkParams params) {
            s = StandardWorkloads.open(subject, true);
            int batches = QUEUE_LIMIT + 2 * params.getThreads() + 2;
            full = new ArrayBlockingQueue<>(QUEUE_LIMIT);
            empty = new ArrayBlockingQueue<>(batches);
            for (int i = 0; i < batches; i++) {
                empty.add(new long[BATCH]);
            }
        }

        @Setup(Level.Iteration)
        public void startProducers(BenchmarkParams params) {
            stop = false;
            producers.clear();
            for (int w = 0; w < Math.min(params.getThreads(), 8); w++) {
                Thread t = Thread.ofPlatform().name("xmalloc-producer-" + w).unstarted(this::produce);
                producers.add(t);
                t.start();
            }
        }

        private void produce() {
            Subject.Addresses a = s.threadAddresses();
            try {
                while (!stop) {
                    long[] b = empty.poll(1, TimeUnit.MILLISECONDS);
                    if (b == null) {
                        continue;
                    }
                    for (int i = 0; i < BATCH; i++) {
                        long p = StandardWorkloads.malloc(a, SIZE);
                        StandardWorkloads.fill(a.base(), p, SIZE, (byte) i);
                        b[i] = p;
                    }
                    while (!full.offer(b, 1, TimeUnit.MILLISECONDS)) {
                        if (stop) {
                            for (long p : b) {
                                a.free(p);
                            }
                            empty.add(b);
                            break;
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                failure = e;
            } finally {
                a.done();
            }
        }

        @TearDown(Level.Iteration)
        public void stopProducers() throws InterruptedException {
            stop = true;
            for (Thread t : producers) {
                t.join();
            }
            Subject.Addresses a = s.threadAddresses();
            for (long[] b; (b = full.poll()) != null; ) {
                for (long p : b) {
                    a.free(p);
                }
                empty.add(b);
            }
            a.done();
            if (failure != null) {
                throw new IllegalStateException("producer failed: " + failure, failure);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            s.close();
        }
    }

    @State(Scope.Thread)
    public static class Consumer {
        Subject.Addresses a;

        @Setup(Level.Trial)
        public void setUp(Shared shared) {
            a = shared.s.threadAddresses();
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void xmalloc(Shared shared, Consumer c) throws InterruptedException {
        long[] b;
        while ((b = shared.full.poll(10, TimeUnit.MILLISECONDS)) == null) {
            if (shared.failure != null) {
                throw new IllegalStateException("producer failed: " + shared.failure, shared.failure);
            }
        }
        for (int i = 0; i < BATCH; i++) {
            c.a.free(b[i]);
        }
        shared.empty.put(b);
    }
}
