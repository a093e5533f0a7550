package org.jalloc.core.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** The operation-count clock, at most one pass at a time, the daemon, and the per-thread builder options. */
class ScavengerTest {
    @Test
    void everyIntervalthOperationRunsOnePassInOneThread() {
        Scavenger s = new Scavenger(4096);
        List<Long> passes = new ArrayList<>();
        for (int i = 0; i < 3 * 4096 + 100; i++) {
            s.countAndTick(passes::add);
        }
        assertEquals(List.of(4096L, 8192L, 12288L), passes);
        assertEquals(3 * 4096 + 100, s.ops());
    }

    @Test
    void largerStepsAndOtherClocksRearmFromTheReading() {
        Scavenger s = new Scavenger(100);
        List<Long> passes = new ArrayList<>();
        s.tick(s.count(256), passes::add); // 256 >= 100: runs, next at 356
        s.tick(s.count(50), passes::add); // 306
        s.tick(s.count(50), passes::add); // 356: runs
        s.tick(99, passes::add); // a reading from another clock, below the next pass
        assertEquals(List.of(256L, 356L), passes);
    }

    @Test
    void aTriggeredPassIsSkippedWhileAnotherRuns() throws Exception {
        Scavenger s = new Scavenger(1);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger passes = new AtomicInteger();
        Thread explicit = Thread.ofPlatform().start(() -> s.run(() -> {
            passes.incrementAndGet();
            inside.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        assertTrue(inside.await(10, TimeUnit.SECONDS));
        for (int i = 0; i < 10; i++) {
            s.countAndTick(now -> passes.incrementAndGet());
        }
        assertEquals(1, passes.get(), "due ten times, but a pass was running");
        release.countDown();
        explicit.join();
        s.countAndTick(now -> passes.incrementAndGet());
        assertEquals(2, passes.get(), "due and free again");
    }

    @Test
    void theDaemonRunsUntilClosed() throws Exception {
        Scavenger s = new Scavenger(1);
        CountDownLatch ran = new CountDownLatch(2);
        PerThreadOptions options = new PerThreadOptions();
        assertNull(options.backgroundScavenger());
        options.start(s, "unused", ran::countDown); // no period: no thread
        options.backgroundScavenger(Duration.ofMillis(1));
        options.start(s, "jalloc-test-scavenger", ran::countDown);
        assertTrue(ran.await(10, TimeUnit.SECONDS), "the daemon ran twice");
        Thread daemon = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("jalloc-test-scavenger"))
                .findFirst().orElseThrow();
        assertTrue(daemon.isDaemon());
        s.close();
        daemon.join(10_000);
        assertFalse(daemon.isAlive(), "close stops it");
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Scavenger(0));
        assertThrows(NullPointerException.class, () -> new PerThreadOptions().backgroundScavenger(null));
    }

    @Test
    void aFailedBuildClosesTheHeapItReserved() {
        org.jalloc.core.memory.Heap[] seen = new org.jalloc.core.memory.Heap[1];
        assertThrows(IllegalStateException.class, () -> PerThreadOptions.buildOnNewHeap(1 << 20, h -> {
            seen[0] = h;
            throw new IllegalStateException("refused");
        }));
        assertThrows(IllegalStateException.class, () -> seen[0].memory().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0),
                "the heap was closed");
        assertEquals(42, (int) PerThreadOptions.buildOnNewHeap(1 << 20, h -> {
            h.close();
            return 42;
        }));
    }
}
