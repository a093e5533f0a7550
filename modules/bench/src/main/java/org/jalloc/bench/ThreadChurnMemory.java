package org.jalloc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

import org.jalloc.core.walk.Inspection;
import org.jalloc.threadcache.ThreadCacheAllocator;

/**
 * Memory on a workload where threads come and go: 30 waves of 8 platform threads; each thread allocates blocks of
 * 16..4096 bytes up to 2 MiB, frees three quarters of them (some freed by the next wave: remote frees), hands the
 * rest to the next wave and ends. A sampler reads the heap mapping's resident set (Rss in /proc/self/smaps) every
 * 2 ms; the workload tracks live requested bytes. Prints peak resident vs peak live, and the resident set at the
 * end (after the scavenger reclaimed the dead threads' caches and decay returned free pages).
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp modules/bench/target/benchmarks.jar org.jalloc.bench.ThreadChurnMemory</pre>
 */
public final class ThreadChurnMemory {
    private ThreadChurnMemory() {}

    public static void main(String[] args) throws Exception {
        run("decay 10 s (default), no background scavenger", ThreadCacheAllocator.builder());
        run("decay 200 ms, background scavenger every 20 ms", ThreadCacheAllocator.builder().decay(200)
                .backgroundScavenger(Duration.ofMillis(20)));
        run("decay 0 (return free pages at once)", ThreadCacheAllocator.builder().decay(0));
    }

    private static void run(String label, ThreadCacheAllocator.Builder builder) throws Exception {
        try (ThreadCacheAllocator tc = builder.build(1L << 30)) {
            long base = Inspection.of(tc).heap().memory().address();
            AtomicLong live = new AtomicLong();
            AtomicLong peakLive = new AtomicLong();
            AtomicLong peakRss = new AtomicLong();
            ConcurrentLinkedQueue<long[]> handed = new ConcurrentLinkedQueue<>();
            Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    peakRss.accumulateAndGet(rss(base), Math::max);
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            for (int wave = 0; wave < 30; wave++) {
                List<Thread> threads = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    long seed = wave * 8L + t;
                    threads.add(Thread.ofPlatform().start(() -> work(tc, seed, live, peakLive, handed)));
                }
                for (Thread t : threads) {
                    t.join();
                }
            }
            for (long[] b; (b = handed.poll()) != null; ) {
                tc.free(b[0]);
                live.addAndGet(-b[1]);
            }
            tc.detach();
            tc.scavenge();
            Thread.sleep(300);
            tc.scavenge();
            long endRss = rss(base);
            sampler.interrupt();
            sampler.join();
            System.out.printf("%-50s peak live %,12d B   peak resident %,12d B   ratio %5.2f   resident at end %,12d B%n", label,
                    peakLive.get(), peakRss.get(), (double) peakRss.get() / peakLive.get(), endRss);
        }
    }

    private static void work(ThreadCacheAllocator tc, long seed, AtomicLong live, AtomicLong peakLive,
                             ConcurrentLinkedQueue<long[]> handed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<long[]> mine = new ArrayList<>();
        for (int i = 0; i < 2000 && !handed.isEmpty(); i++) {
            long[] b = handed.poll();
            if (b != null) {
                tc.free(b[0]); // a block allocated by a thread of the previous wave: a remote free
                live.addAndGet(-b[1]);
            }
        }
        long bytes = 0;
        while (bytes < (2 << 20)) {
            long size = 16 + r.nextInt(4081);
            long p = tc.malloc(size);
            mine.add(new long[] {p, size});
            bytes += size;
            peakLive.accumulateAndGet(live.addAndGet(size), Math::max);
        }
        for (long[] b : mine) {
            if (r.nextInt(4) == 0) {
                handed.add(b);
            } else {
                tc.free(b[0]);
                live.addAndGet(-b[1]);
            }
        }
    }

    /** Resident bytes of the mapping containing {@code address}, from /proc/self/smaps (0 if unreadable). */
    static long rss(long address) {
        try {
            boolean inside = false;
            for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
                int dash = line.indexOf('-');
                int space = line.indexOf(' ');
                if (dash > 0 && space > dash && line.substring(0, dash).matches("[0-9a-f]+")) {
                    long from = Long.parseUnsignedLong(line.substring(0, dash), 16);
                    long to = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
                    inside = address >= from && address < to;
                } else if (inside && line.startsWith("Rss:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }
}
