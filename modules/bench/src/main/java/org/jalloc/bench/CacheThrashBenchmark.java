package org.jalloc.bench;

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
 * cache-thrash: active false sharing.
 *
 * <p><b>The original</b> (Hoard, Berger, McKinley, Blumofe and Wilson, ASPLOS 2000; GPL, re-expressed here): each of
 * {@code n} threads repeatedly allocates one small object, writes and reads each of its bytes {@code repetitions}
 * times, and frees it. An allocator that carves the threads' objects from the same cache line makes the threads'
 * cores fight over that line on every write, though no object is shared. mimalloc-bench runs
 * {@code cache-thrash 1 1000 1 2000000 $procs} and {@code cache-thrash $procs 1000 1 2000000 $procs}: 1 or
 * {@code procs} threads, 1,000 iterations, 1-byte objects, 2,000,000 repetitions; the score is the wall time.
 *
 * <p><b>Here:</b> one op is one of the original's iterations — malloc 1 byte, {@code repetitions} opaque write+read
 * pairs of each byte (the C original's volatile accesses: the JIT keeps every one), free — on 1 and 2 JMH threads (2 is
 * this machine's {@code $procs}). {@code repetitions} is scaled from 2,000,000 to 2,000 so an op is microseconds and a
 * quick run still holds several hundred of them; the cost of an op is still almost all writes, so the figure shows
 * where the allocator put the objects (alone on its line: about 2,000 × a cached store; shared: each store a cache-line
 * transfer), not the cost of malloc. ns per op.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class CacheThrashBenchmark {
    @State(Scope.Benchmark)
    public static class Shared {
        @Param({"thread-cache"})
        public String subject;

        @Param({"1"})
        public long objectSize;

        @Param({"2000"})
        public int repetitions;

        Subject s;

        @Setup(Level.Trial)
        public void setUp(org.openjdk.jmh.infra.BenchmarkParams params) {
            s = StandardWorkloads.open(subject, params.getThreads() > 1);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            s.close();
        }
    }

    @State(Scope.Thread)
    public static class Worker {
        Subject.Addresses a;

        @Setup(Level.Trial)
        public void setUp(Shared shared) {
            a = shared.s.threadAddresses();
        }
    }

    /** The original's inner loops over one object: {@code repetitions} × each byte written and read back. */
    static long exercise(long m, long p, long size, int repetitions) {
        long sum = 0;
        for (int r = 0; r < repetitions; r++) {
            for (long k = 0; k < size; k++) {
                StandardWorkloads.writeOpaque(m, p + k, (byte) k);
                sum += StandardWorkloads.readOpaque(m, p + k);
            }
        }
        return sum;
    }

    @Benchmark
    public long thrash(Shared shared, Worker w) {
        long p = StandardWorkloads.malloc(w.a, shared.objectSize);
        long sum = exercise(w.a.base(), p, shared.objectSize, shared.repetitions);
        w.a.free(p);
        return sum;
    }
}
