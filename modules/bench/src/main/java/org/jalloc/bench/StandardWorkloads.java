package org.jalloc.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Shared machinery of the standard allocator workloads (mimalloc-bench's suite, re-expressed as JMH benchmarks):
 * opening a subject for a workload, writing into blocks as the originals do, their size distributions, and the
 * lock-free batch mailboxes through which workloads hand blocks to other threads without allocating Java heap.
 *
 * <table class="striped">
 *   <caption>The workloads ({@code docs/performance.md}, "The standard allocator workloads")</caption>
 *   <tr><th>benchmark</th><th>original</th></tr>
 *   <tr><td>{@link XmallocBenchmark}</td><td>xmalloc-test (Lever and Boreham, USENIX 2000)</td></tr>
 *   <tr><td>{@link CacheThrashBenchmark}, {@link CacheScratchBenchmark}</td><td>Hoard's cache-thrash and cache-scratch (Berger et al., ASPLOS 2000)</td></tr>
 *   <tr><td>{@link LarsonNBenchmark}</td><td>larson (Larson and Krishnan, ISMM 1998), mimalloc-bench's larsonN</td></tr>
 *   <tr><td>{@link MstressBenchmark}</td><td>mimalloc's test-stress, mimalloc-bench's mstress</td></tr>
 *   <tr><td>{@link RptestBenchmark}</td><td>rpmalloc's benchmark (rptest)</td></tr>
 *   <tr><td>{@link AllocTestBenchmark}</td><td>alloc-test (node-dot-cpp, OLogN Technologies)</td></tr>
 *   <tr><td>{@link GlibcThreadBenchmark}</td><td>glibc's benchtests/bench-malloc-thread, with short-lived threads</td></tr>
 *   <tr><td>{@link ShBenchmark}</td><td>MicroQuill's sh6bench and sh8bench</td></tr>
 * </table>
 */
final class StandardWorkloads {
    private StandardWorkloads() {}

    private static final VarHandle BYTE = ValueLayout.JAVA_BYTE.varHandle();

    /**
     * The subject for a workload that needs its address API, thread safe when {@code threaded}.
     *
     * @throws IllegalStateException starting with {@code SKIPPED:} when the subject cannot run the workload (JMH
     *     reports the benchmark failed and BenchMain leaves it out)
     */
    static Subject open(String name, boolean threaded) {
        Subject s = Subject.create(name);
        if (s.threadAddresses() == null || (threaded && !s.concurrent())) {
            s.close();
            throw new IllegalStateException("SKIPPED: " + name + (threaded ? " is not thread safe or" : "") + " has no address API");
        }
        return s;
    }

    static long malloc(Subject.Addresses a, long size) {
        long p = a.malloc(size);
        if (p == 0) {
            throw new IllegalStateException("out of memory allocating " + size + " bytes");
        }
        return p;
    }

    /** Writes {@code n} bytes of {@code value} at {@code p} (eight at a time, then the tail). */
    static void fill(long base, long p, long n, byte value) {
        MemorySegment m = Subject.ALL_MEMORY;
        p += base;
        long word = (value & 0xFFL) * 0x0101010101010101L;
        long i = 0;
        for (; i + 8 <= n; i += 8) {
            m.set(ValueLayout.JAVA_LONG_UNALIGNED, p + i, word);
        }
        for (; i < n; i++) {
            m.set(ValueLayout.JAVA_BYTE, p + i, value);
        }
    }

    /** Reads {@code n} bytes at {@code p} (eight at a time, then the tail) and returns their sum. */
    static long read(long base, long p, long n) {
        MemorySegment m = Subject.ALL_MEMORY;
        p += base;
        long sum = 0;
        long i = 0;
        for (; i + 8 <= n; i += 8) {
            sum += m.get(ValueLayout.JAVA_LONG_UNALIGNED, p + i);
        }
        for (; i < n; i++) {
            sum += m.get(ValueLayout.JAVA_BYTE, p + i);
        }
        return sum;
    }

    /** An opaque store: the JIT keeps every one, as the C originals' volatile writes. */
    static void writeOpaque(long base, long p, byte value) {
        BYTE.setOpaque(Subject.ALL_MEMORY, base + p, value);
    }

    /** A plain one-byte store. */
    static void writeByte(long base, long p, byte value) {
        Subject.ALL_MEMORY.set(ValueLayout.JAVA_BYTE, base + p, value);
    }

    /** An opaque load. */
    static byte readOpaque(long base, long p) {
        return (byte) BYTE.getOpaque(Subject.ALL_MEMORY, base + p);
    }

    /** Writes the first byte, one byte per 4 KiB page and the last byte: commits every page as rptest does. */
    static void touchPages(long base, long p, long size) {
        MemorySegment m = Subject.ALL_MEMORY;
        p += base;
        m.set(ValueLayout.JAVA_BYTE, p, (byte) size);
        for (long page = 4096; page < size; page += 4096) {
            m.set(ValueLayout.JAVA_BYTE, p + page, (byte) 1);
        }
        m.set(ValueLayout.JAVA_BYTE, p + size - 1, (byte) 1);
    }

    /**
     * {@code n} sizes in {@code [min, max]} with an inverse-square density (glibc's bench-malloc-thread: many more
     * small blocks than large ones), by inverting the distribution function.
     */
    static long[] inverseSquareSizes(int n, long min, long max, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long[] out = new long[n];
        double lo = 1.0 / min;
        double hi = 1.0 / max;
        for (int i = 0; i < n; i++) {
            double u = r.nextDouble();
            out[i] = Math.min(max, Math.max(min, (long) (1.0 / (lo + (hi - lo) * u))));
        }
        return out;
    }

    /** {@code n} sizes in {@code [min, max]} whose density drops linearly from {@code min} to zero at {@code max}. */
    static long[] linearDropoffSizes(int n, long min, long max, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = min + (long) ((max - min) * (1 - Math.sqrt(r.nextDouble())));
        }
        return out;
    }

    /** A batch of blocks handed from one thread to another; it goes back to its owner's pool once emptied. */
    static final class Batch {
        final long[] blocks;
        int count;
        Batch next;
        final Mailbox home;

        Batch(int capacity, Mailbox home) {
            this.blocks = new long[capacity];
            this.home = home;
        }
    }

    /**
     * A Treiber stack of batches: any thread pushes; one thread (the owner) pops or takes all. ABA cannot occur: only
     * the owner removes, so a node it reads as the head is not removed and re-pushed under it.
     */
    static final class Mailbox {
        private final AtomicReference<Batch> head = new AtomicReference<>();

        void push(Batch b) {
            Batch h;
            do {
                h = head.get();
                b.next = h;
            } while (!head.compareAndSet(h, b));
        }

        /** The owner's pop; null when empty. */
        Batch pop() {
            Batch h;
            do {
                h = head.get();
                if (h == null) {
                    return null;
                }
            } while (!head.compareAndSet(h, h.next));
            h.next = null;
            return h;
        }

        /** Everything pushed so far, newest first, as a chain through {@link Batch#next}. */
        Batch takeAll() {
            return head.getAndSet(null);
        }
    }

    /** One thread's mailboxes: an inbox of batches to free, and a pool of empty batches of its own to send. */
    static final class Post {
        final Mailbox inbox = new Mailbox();
        final Mailbox pool = new Mailbox();

        Post(int batches, int capacity) {
            for (int i = 0; i < batches; i++) {
                pool.push(new Batch(capacity, pool));
            }
        }

        /** Frees every block of every batch received and returns the batches to their senders' pools; blocks freed. */
        int drain(Subject.Addresses a) {
            int freed = 0;
            for (Batch b = inbox.takeAll(); b != null; ) {
                Batch next = b.next;
                for (int i = 0; i < b.count; i++) {
                    a.free(b.blocks[i]);
                }
                freed += b.count;
                b.count = 0;
                b.home.push(b);
                b = next;
            }
            return freed;
        }
    }
}
