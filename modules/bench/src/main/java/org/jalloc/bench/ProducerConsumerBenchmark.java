package org.jalloc.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;

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
 *
 * <p>The ring is the same for every subject and kept out of the figure as far as a ring can be (branch pc44,
 * 2026-12-07): the consumer's index and the producer's index sit on cache lines of their own (until then two
 * {@code AtomicLong}s allocated back to back, so each side's store to its index took the line from the other side
 * on every block), and each side keeps its last reading of the other's index, reading the other's line again only
 * when that reading says the ring is full (producer) or empty (consumer) — Lamport's ring with cached indices, as
 * JCTools' {@code SpscArrayQueue}. What is left per block is the slot's own line, shared by 8 blocks.
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

    /**
     * The indices, each on its own cache line (128 bytes apart, past the adjacent-line prefetch, and 128 bytes from
     * the array's ends): {@link #HEAD} the next slot the consumer reads (written by the consumer), next to it the
     * consumer's last reading of the tail; {@link #TAIL} the next slot the producer writes (written by the producer),
     * next to it the producer's last reading of the head.
     */
    private final long[] indices = new long[3 * PAD + 2];
    private static final int PAD = 16;
    private static final int HEAD = PAD;
    private static final int TAIL_SEEN = PAD + 1;
    private static final int TAIL = 2 * PAD;
    private static final int HEAD_SEEN = 2 * PAD + 1;
    private static final VarHandle INDEX = MethodHandles.arrayElementVarHandle(long[].class);
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
        for (long h = (long) INDEX.getVolatile(indices, HEAD); h < (long) INDEX.getVolatile(indices, TAIL); h++) {
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
        long[] x = indices;
        long t = x[TAIL]; // the producer's own
        if (t - x[HEAD_SEEN] >= RING) {
            long h;
            while (t - (h = (long) INDEX.getAcquire(x, HEAD)) >= RING) {
                if (control.stopMeasurement) {
                    free(p);
                    return;
                }
                Thread.onSpinWait();
            }
            x[HEAD_SEEN] = h;
        }
        ring[(int) (t % RING)] = p;
        INDEX.setRelease(x, TAIL, t + 1);
    }

    @Benchmark
    @Group("pc")
    public void consumer(Control control) {
        long[] x = indices;
        long h = x[HEAD]; // the consumer's own
        if (x[TAIL_SEEN] <= h) {
            long t;
            while ((t = (long) INDEX.getAcquire(x, TAIL)) <= h) {
                if (control.stopMeasurement) {
                    return;
                }
                Thread.onSpinWait();
            }
            x[TAIL_SEEN] = t;
        }
        long p = ring[(int) (h % RING)];
        INDEX.setRelease(x, HEAD, h + 1);
        free(p);
    }
}
