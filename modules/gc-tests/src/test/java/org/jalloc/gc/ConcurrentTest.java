package org.jalloc.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.gc.inspect.GcInspector;
import org.jalloc.testkit.gc.CollectorFactory;
import org.jalloc.testkit.gc.GcFuzz;
import org.jalloc.testkit.gc.GcFuzzReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What makes {@code concurrent} concurrent: several mutator threads allocate and write while the marker thread marks
 * and sweeps, the world stopping only for root scans and remarks; gc-fuzz on several threads checked at safepoints;
 * safe regions; a broken safepoint reported (GC-17); the thread-related misuse of the single-owner collectors.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConcurrentTest {
    private static List<Violation> check(Collector c) {
        List<List<Violation>> out = new ArrayList<>();
        GcInspector i = GcInspector.of(c);
        i.atSafepoint(() -> out.add(new HeapChecker().check(i.heapWalk())));
        return out.get(0);
    }

    @Test
    void mutatorThreadsBuildListsWhileTheMarkerCollects() throws InterruptedException {
        int threads = 3;
        int nodes = 20_000;
        try (Collector c = Collectors.create("concurrent:checked=on,satb-buffer=16", 4 << 20)) {
            int node = c.types().define("node", 1, 8);
            List<Mutator> ms = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Mutator m = t == 0 ? c.mutator() : c.newMutator();
                m.pushFrame(2);
                m.enterSafeRegion();
                ms.add(m);
            }
            // Whether a deletion store lands while the marker is marking depends on the schedule: on a loaded
            // machine a round can pass with every store between cycles. Rounds repeat (at most 5) until the barrier
            // has logged; the lists checked below are the last round's.
            for (int round = 0; round < 5 && (round == 0 || ConcurrentStats.of(c).loggedEntries() == 0); round++) {
                AtomicReference<Throwable> failed = new AtomicReference<>();
                List<Thread> ts = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    Mutator m = ms.get(t);
                    int id = t;
                    ts.add(Thread.ofPlatform().start(() -> {
                        m.leaveSafeRegion();
                        try {
                            m.setLocal(0, 0);
                            for (int i = 0; i < nodes; i++) {
                                long x = m.allocate(node);
                                m.setRef(x, 0, m.local(0));
                                m.putLong(x, 0, id * 1_000_000L + i);
                                m.setLocal(0, x);
                                m.setLocal(1, m.allocate(node)); // garbage
                                if (i % 1000 == 999) {
                                    m.setRef(m.local(0), 0, m.getRef(m.getRef(m.local(0), 0), 0)); // unlink one: deletions for the barrier
                                }
                            }
                        } catch (Throwable e) {
                            failed.compareAndSet(null, e);
                        } finally {
                            m.enterSafeRegion();
                        }
                    }));
                }
                for (Thread t : ts) {
                    t.join();
                }
                assertEquals(null, failed.get());
            }
            ConcurrentStats s = ConcurrentStats.of(c);
            assertTrue(s.cycles() >= 1, s.toString());
            assertTrue(s.rootScanPauseNanos().length >= s.cycles() && s.remarkPauseNanos().length >= s.cycles(), s.toString());
            assertTrue(s.loggedEntries() > 0, "the barrier logged deletions while marking: " + s);
            c.collect();
            for (int t = 0; t < threads; t++) {
                Mutator m = ms.get(t);
                m.leaveSafeRegion();
                long x = m.local(0);
                int n = 0;
                long expect = t * 1_000_000L + nodes - 1;
                while (x != 0) {
                    long v = m.getLong(x, 0);
                    assertTrue(v <= expect && v >= t * 1_000_000L, "thread " + t + "'s list holds its own nodes");
                    expect = v - 1;
                    n++;
                    x = m.getRef(x, 0);
                }
                assertEquals(nodes - nodes / 1000, n, "thread " + t + "'s list, less the unlinked nodes");
                m.enterSafeRegion();
            }
            assertEquals(List.of(), check(c));
            assertEquals(threads * (nodes - nodes / 1000 + 1), c.stats().liveObjects(), "the lists and each thread's last garbage node, still in its slot 1");
        }
    }

    @Test
    void gcFuzzOnTwoThreadsCheckedAtSafepoints() {
        GcFuzzReport r = new GcFuzz(CollectorFactory.of("concurrent", null, 256 << 10)).opsPerSequence(1000).threads(2).run(43, 20_000, null);
        assertTrue(r.failures().isEmpty(), () -> r.failures().get(0).toString());
        assertEquals(20, r.sequences());
        assertTrue(r.checks() >= 20 * 2 * 1000 / 2 / 64, "periodic checks at safepoints: " + r.checks());
    }

    @Test
    void gcFuzzWithTheMarkerInSteps() {
        GcFuzzReport r = new GcFuzz(CollectorFactory.of("concurrent:marker=steps,step=4,satb-buffer=2", null, 128 << 10)).opsPerSequence(500)
                .run(41, 20_000, null);
        assertTrue(r.failures().isEmpty(), () -> r.failures().get(0).toString());
    }

    @Test
    void aThreadInASafeRegionDoesNotHoldUpTheWorld() throws InterruptedException {
        try (Collector c = Collectors.create("concurrent:checked=on", 1 << 20)) {
            int node = c.types().define("node", 1, 8);
            Mutator main = c.mutator();
            main.pushFrame(1);
            CountDownLatch parked = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Thread other = Thread.ofPlatform().start(() -> {
                Mutator m = c.newMutator();
                m.pushFrame(1);
                m.setLocal(0, m.allocate(node));
                m.enterSafeRegion(); // blocks elsewhere for a while
                parked.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                m.leaveSafeRegion();
                assertNotEquals(0, m.local(0), "its root survived the collections made meanwhile");
                m.detach();
            });
            parked.await();
            for (int i = 0; i < 5; i++) {
                main.setLocal(0, main.allocate(node));
                main.collect(); // stops the world: the other thread is in its safe region
            }
            release.countDown();
            other.join();
            assertEquals(5, c.stats().explicit());
            assertEquals(1, ConcurrentStats.of(c).mutators(), "the other mutator detached");
            main.collect();
            assertEquals(1, c.stats().liveObjects(), "the detached mutator's object died with its roots");
        }
    }

    @Test
    void aStopThatDoesNotWaitForTheMutatorsIsReportedGc17() throws InterruptedException {
        try (ConcurrentCollector c = (ConcurrentCollector) Collectors.create("concurrent:checked=on,marker=steps", 1 << 20)) {
            c.mutator().pushFrame(1);
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(1);
            Thread other = Thread.ofPlatform().start(() -> {
                c.newMutator(); // attached and running: it never polls while the test waits
                running.countDown();
                try {
                    done.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            running.await();
            c.fault = ConcurrentCollector.Fault.NO_SAFEPOINT_WAIT; // the planted bug: stop without waiting
            c.step(); // the root scan's stop
            List<Violation> v = new ArrayList<>();
            GcInspector i = GcInspector.of(c);
            v.addAll(new HeapChecker().check(i.heapWalk()));
            assertTrue(v.stream().anyMatch(x -> x.invariantId().equals("GC-17")), () -> "expected GC-17 among " + v);
            done.countDown();
            other.join();
        }
    }

    @Test
    void theSingleOwnerCollectorsRefuseThreadsAndConcurrentOptionsAreChecked() {
        try (Collector c = Collectors.create("mark-sweep", 1 << 20)) {
            assertThrows(IllegalStateException.class, c::newMutator);
            assertThrows(IllegalStateException.class, () -> c.mutator().detach());
            c.mutator().enterSafeRegion(); // no collector thread: nothing to do
            c.mutator().leaveSafeRegion();
            assertFalse(c.step());
            assertThrows(IllegalArgumentException.class, () -> ConcurrentStats.of(c));
        }
        assertThrows(IllegalArgumentException.class, () -> Collectors.create("concurrent:satb-buffer=0", 1 << 20));
        assertThrows(IllegalArgumentException.class, () -> Collectors.create("concurrent:marker=fiber", 1 << 20));
        try (Collector c = Collectors.create("concurrent", "segregated", 1 << 20)) {
            assertFalse(c.step(), "with a marker thread, step() does nothing");
            assertFalse(c.collectsInSteps());
            Mutator m = c.mutator();
            m.detach();
            assertThrows(IllegalStateException.class, m::detach);
            assertEquals("segregated", Collectors.allocatorOf(c));
        }
        assertThrows(IllegalArgumentException.class,
                () -> new GcFuzz(CollectorFactory.of("mark-compact", null, 64 << 10)).threads(2));
    }
}
