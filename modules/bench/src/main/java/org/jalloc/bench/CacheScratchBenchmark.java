package org.jalloc.bench;

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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * cache-scratch: passive false sharing.
 *
 * <p><b>The original</b> (Hoard, Berger et al., ASPLOS 2000; GPL, re-expressed here): the main thread allocates one
 * small object per worker — neighbours, likely on one cache line — and hands one to each worker; each worker frees the
 * object it was handed, then repeatedly allocates an object, writes and reads each of its bytes {@code repetitions}
 * times and frees it, as in cache-thrash. An allocator that gives the freed block back to the thread that freed it
 * (a freeing-thread cache) hands each worker a block on the main thread's shared line: the workers then false-share
 * though their objects are distinct. mimalloc-bench runs {@code cache-scratch 1 1000 1 2000000 $procs} and
 * {@code cache-scratch $procs 1000 1 2000000 $procs}.
 *
 * <p><b>Here:</b> at the start of every measured iteration one thread allocates one object per JMH thread (the main
 * thread's objects) and each JMH thread frees the one with its index before its first op; then one op is one of the
 * original's iterations (malloc 1 byte, 2,000 opaque write+read pairs per byte — scaled from 2,000,000 as in
 * {@link CacheThrashBenchmark} — free). 1 and 2 JMH threads. ns per op. With 1 thread the "main" thread is the worker
 * itself, as close as JMH gets to the original's cache-scratch1.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class CacheScratchBenchmark {
    /** The main thread's objects, one per worker, allocated back to back at the start of every iteration. */
    @State(Scope.Benchmark)
    public static class Handed {
        long[] objects = new long[0];

        @Setup(Level.Iteration)
        public void allocate(CacheThrashBenchmark.Shared shared, BenchmarkParams params) {
            if (objects.length != params.getThreads()) {
                objects = new long[params.getThreads()];
            }
            Subject.Addresses a = shared.s.threadAddresses();
            for (int i = 0; i < objects.length; i++) {
                objects[i] = StandardWorkloads.malloc(a, shared.objectSize);
                StandardWorkloads.fill(a.base(), objects[i], shared.objectSize, (byte) i);
            }
            a.done();
        }
    }

    /** A worker that first frees the object the main thread handed it: the block its next malloc may get back. */
    @State(Scope.Thread)
    public static class Receiver {
        @Setup(Level.Iteration)
        public void freeHanded(CacheThrashBenchmark.Worker w, Handed handed, ThreadParams t) {
            w.a.free(handed.objects[t.getThreadIndex()]);
        }
    }

    @Benchmark
    public long scratch(CacheThrashBenchmark.Shared shared, CacheThrashBenchmark.Worker w, Receiver r) {
        long p = StandardWorkloads.malloc(w.a, shared.objectSize);
        long sum = CacheThrashBenchmark.exercise(w.a.base(), p, shared.objectSize, shared.repetitions);
        w.a.free(p);
        return sum;
    }
}
