package org.jalloc.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
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
import org.openjdk.jmh.infra.Control;

/**
 * Producer/consumer with every free remote: one thread allocates 64-byte blocks and passes them through a
 * single-producer single-consumer ring; the other frees them (a consumer that never allocates). Throughput of the
 * pair in blocks/us for every thread-safe subject with an address API: thread-cache (implicit path, production
 * defaults), a locked jalloc allocator, and the native allocators through FFM.
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ProducerConsumerBenchmark {
    @Param({"thread-cache"})
    public String subject;

    private static final int RING = 1024;
    private final long[] ring = new long[RING];
    private final AtomicLong head = new AtomicLong(); // next slot the consumer reads
    private final AtomicLong tail = new AtomicLong(); // next slot the producer writes
    private Subject s;
    private Subject.Addresses memory;

    @Setup(Level.Trial)
    public void setUp() {
        s = Subject.create(subject);
        Subject.Addresses a = s.addresses();
        if (!s.concurrent() || a == null) {
            s.close();
            throw new IllegalStateException("SKIPPED: " + subject + " has no thread-safe address API");
        }
        memory = a;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (long h = head.get(); h < tail.get(); h++) {
            free(ring[(int) (h % RING)]);
        }
        s.close();
    }

    private long malloc(long size) {
        return memory.malloc(size);
    }

    private void free(long p) {
        memory.free(p);
    }

    @Benchmark
    @Group("pc")
    public void producer(Control control) {
        long p = malloc(64);
        long t = tail.get();
        while (t - head.get() >= RING) {
            if (control.stopMeasurement) {
                free(p);
                return;
            }
            Thread.onSpinWait();
        }
        ring[(int) (t % RING)] = p;
        tail.lazySet(t + 1);
    }

    @Benchmark
    @Group("pc")
    public void consumer(Control control) {
        long h = head.get();
        while (tail.get() <= h) {
            if (control.stopMeasurement) {
                return;
            }
            Thread.onSpinWait();
        }
        long p = ring[(int) (h % RING)];
        head.lazySet(h + 1);
        free(p);
    }
}
