package org.jalloc.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.gc.inspect.GcInspector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What only reference counting does: objects freed the moment their last reference goes (cascades without
 * recursion, a ten-million-object list at once), rings reclaimed by trial deletion or left and reported with
 * {@code cycles=off}, counts that overflow the header into the side table and back, the store that drops the last
 * reference to the object it stores into, candidates released out of the buffer (and zombies where the index does
 * not fit), checked-mode stale references, and the options.
 */
class RefCountTest {
    private static void assertClean(Collector c) {
        List<Violation> v = new HeapChecker().check(GcInspector.of(c).heapWalk());
        assertTrue(v.isEmpty(), () -> "heap check failed: " + v);
    }

    private static long objects(Collector c) {
        long[] n = {0};
        GcInspector.of(c).forEachObject((a, size, type, length, pending) -> {
            n[0]++;
            return true;
        });
        return n[0];
    }

    /** Builds a ring of {@code length} nodes (slots 0 and 1 of the top frame hold its first and last node). */
    private static void ring(Mutator m, int node, int length) {
        long first = m.allocate(node);
        assertNotEquals(0, first);
        m.setLocal(0, first);
        m.setLocal(1, first);
        for (int i = 1; i < length; i++) {
            long x = m.allocate(node);
            assertNotEquals(0, x);
            m.putLong(x, 0, i);
            m.setRef(m.local(1), 0, x);
            m.setLocal(1, x);
        }
        m.setRef(m.local(1), 0, m.local(0)); // close it (length 1: a self-loop)
    }

    @ParameterizedTest
    @ValueSource(strings = {"refcount", "refcount:cycles=off"})
    void ringsOfLength1To1000DiscardedAreReclaimedByTrialDeletionOrLeftAndReported(String spec) {
        boolean off = spec.endsWith("cycles=off");
        try (Collector c = Collectors.create(spec, null, 64L << 20)) {
            RefCountCollector rc = (RefCountCollector) c;
            int node = c.types().define("node", 1, 8);
            Mutator m = c.mutator();
            m.pushFrame(2);
            long ringNodes = 0;
            for (int length = 1; length <= 1000; length++) {
                ring(m, node, length);
                ringNodes += length;
                m.setLocal(0, 0);
                m.setLocal(1, 0); // the whole ring discarded: every count stays at 1
            }
            m.popFrame();
            m.collect();
            GcStats s = m.stats();
            long nodeBytes = c.model.sizeOf(node, 0);
            assertEquals(500_500, ringNodes);
            assertEquals(ringNodes, s.objectsAllocated());
            if (off) {
                assertEquals(ringNodes, objects(c), "every ring is still in the heap");
                assertEquals(ringNodes, s.unreachableObjects(), s.toString());
                assertEquals(ringNodes * nodeBytes, s.unreachableBytes(), "stats() reports every byte the rings hold");
                assertEquals(s.usedBytes(), s.unreachableBytes());
                assertEquals(0, s.liveObjects());
                assertEquals(0, s.objectsReclaimed(), "counting alone frees nothing of a ring");
            } else {
                assertEquals(0, objects(c), "every ring reclaimed");
                assertEquals(ringNodes, s.objectsReclaimed());
                assertEquals(ringNodes, rc.objectsFreedByCycles, "by the cycle collector, not by counting");
                assertEquals(0, s.unreachableObjects());
                assertEquals(0, s.usedBytes());
                assertTrue(rc.cycleCollections >= 2, "the buffer threshold started cycle collections before collect(): "
                        + rc.cycleCollections);
            }
            assertClean(c);
            System.out.println(spec + ": 1,000 rings of 1..1000 nodes discarded, then collect(): " + s);
        }
    }

    @Test
    void aTenMillionObjectListIsFreedAtOnceWhenItsLastReferenceGoes() {
        int n = 10_000_000;
        try (Collector c = Collectors.create("refcount:gogc=off", null, 1L << 30)) {
            int link = c.types().define("link", 1, 0);
            Mutator m = c.mutator();
            m.pushFrame(1);
            for (int i = 0; i < n; i++) {
                long x = m.allocate(link);
                m.setRef(x, 0, m.local(0));
                m.setLocal(0, x);
            }
            m.allocate(link); // the last allocation's reconciliation: the previous head is counted, nothing leaves
            GcStats built = m.stats();
            assertEquals(n + 1L, built.objectsAllocated());
            m.setLocal(0, 0); // one decrement: the cascade frees the whole list, iteratively
            GcStats s = m.stats();
            assertEquals(n, s.objectsReclaimed(), "the list is freed at once, with no collection: " + s);
            assertEquals(c.model.sizeOf(link, 0), s.usedBytes(), "only the last (unstored) node is left, in the ZCT");
            assertTrue(s.freePauseNanos().length >= 1, "the cascade is recorded as a pause");
            long longest = 0;
            for (long p : s.freePauseNanos()) {
                longest = Math.max(longest, p);
            }
            System.out.printf("10,000,000-object list freed by one store: cascade %.1f ms, %d cycle collections while building%n",
                    longest / 1e6, ((RefCountCollector) c).cycleCollections);
            m.popFrame();
        }
    }

    @Test
    void aCountBeyondTheHeaderMovesToTheSideTableAndBack() {
        try (Collector c = Collectors.create("refcount:countbits=2,checked=on", null, 1 << 20)) {
            RefCountCollector rc = (RefCountCollector) c;
            Mutator m = c.mutator();
            m.pushFrame(2);
            m.setLocal(0, m.allocateArray(Types.REF_ARRAY, 10));
            m.setLocal(1, m.allocateArray(Types.BYTE_ARRAY, 8)); // the target: count 1 (slot 1)
            for (int i = 0; i < 10; i++) {
                m.setRef(m.local(0), i, m.local(1));
                long target = GcInspector.of(c).address(m.local(1));
                assertEquals(i + 2, rc.count(target));
                assertEquals(i + 2 > 3 ? 1 : 0, rc.overflowedCounts(), "2 bits hold up to 3");
                assertClean(c);
            }
            m.setLocal(1, 0);
            for (int i = 9; i >= 0; i--) {
                m.setRef(m.local(0), i, 0);
                assertEquals(i > 3 ? 1 : 0, rc.overflowedCounts());
                assertClean(c);
            }
            assertEquals(1, objects(c), "the target went with its last reference");
            m.popFrame();
        }
    }

    @Test
    void aStoreThatDropsTheLastReferenceToItsOwnObjectParksItInTheZeroCountTable() {
        try (Collector c = Collectors.create("refcount:checked=on", null, 1 << 20)) {
            RefCountCollector rc = (RefCountCollector) c;
            int node = c.types().define("node", 1, 8);
            Mutator m = c.mutator();
            m.pushFrame(3);
            m.setLocal(0, m.allocate(node)); // a
            m.setLocal(1, m.allocate(node)); // b
            m.setRef(m.local(0), 0, m.local(1));
            m.setRef(m.local(1), 0, m.local(0)); // a <-> b
            m.setLocal(2, m.allocate(node)); // c: b leaves the ZCT, c is its only entry
            long b = m.local(1);
            m.setLocal(0, 0);
            m.setLocal(1, 0); // a garbage ring; b is a borrowed reference now
            assertEquals(3, objects(c));
            assertEquals(1, rc.zeroCountTable());
            m.setRef(b, 0, 0); // b.f = NULL: a's count goes to 0, a is freed, and with it b's last reference
            assertEquals(2, objects(c), "a freed at once");
            assertEquals(2, rc.zeroCountTable(), "b waits in the ZCT: the store was writing into it");
            assertEquals(0, m.getRef(b, 0), "the store completed into b, not into freed memory");
            assertClean(c);
            m.allocate(node); // the next allocation: borrowed references die, b is released
            assertThrows(StaleReferenceException.class, () -> m.getRef(b, 0));
            assertEquals(2, objects(c), "c and the new (unstored) object");
            assertClean(c);
            m.popFrame();
        }
    }

    @Test
    void aReleasedCandidateLeavesTheBufferAtOnceOrIsAZombieWhereItsIndexDoesNotFit() {
        try (Collector c = Collectors.create("refcount:checked=on", null, 1 << 20)) {
            RefCountCollector rc = (RefCountCollector) c;
            rc.indexLimit = 2; // entries 0 and 1 have an index; later ones do not
            int node = c.types().define("node", 1, 8);
            Mutator m = c.mutator();
            m.pushFrame(4);
            int h = m.newGlobal(0);
            for (int i = 0; i < 4; i++) {
                m.setLocal(i, m.allocate(node));
            }
            for (int i = 0; i < 4; i++) {
                m.setGlobal(h, m.local(i));
                m.setGlobal(h, 0); // the slot still holds it: a decrement to 1, a candidate
            }
            m.allocate(node);
            assertEquals(4, rc.candidates());
            assertClean(c);
            m.setLocal(0, 0); // entry 0: removed by its index, freed
            assertEquals(3, rc.candidates());
            assertEquals(5 - 1, objects(c));
            m.setLocal(2, 0); // an entry past the index limit: a zombie, fields cleared, freed by the next collection
            assertEquals(3, rc.candidates());
            assertEquals(4, objects(c));
            assertClean(c);
            m.collect();
            assertEquals(2, objects(c), "slots 1 and 3 hold the rest");
            assertEquals(0, rc.candidates());
            assertClean(c);
            m.popFrame();
        }
    }

    @Test
    void objectsWithoutReferenceFieldsAreNeverCandidates() {
        try (Collector c = Collectors.create("refcount", null, 1 << 20)) {
            RefCountCollector rc = (RefCountCollector) c;
            Mutator m = c.mutator();
            m.pushFrame(2);
            m.setLocal(0, m.allocateArray(Types.BYTE_ARRAY, 100));
            m.setLocal(1, m.local(0));
            m.setLocal(1, 0); // a decrement to 1 of an object that cannot be on a cycle
            m.allocateArray(Types.BYTE_ARRAY, 1);
            assertEquals(0, rc.candidates());
            m.popFrame();
        }
    }

    @Test
    void aLiveReferenceSurvivesCollectionsAndAFreedOneIsStale() {
        try (Collector c = Collectors.create("refcount:checked=on", null, 1 << 20)) {
            int node = c.types().define("node", 1, 8);
            Mutator m = c.mutator();
            m.pushFrame(2);
            m.setLocal(0, m.allocate(node));
            m.setLocal(1, m.allocate(node));
            long kept = m.local(0);
            long gone = m.local(1);
            m.setLocal(1, 0); // freed now, not at a collection
            assertThrows(StaleReferenceException.class, () -> m.putLong(gone, 0, 1));
            m.collect();
            m.putLong(kept, 0, 7); // objects do not move and the object lives: its reference still works
            assertEquals(7, m.getLong(m.local(0), 0));
            m.setLocal(1, m.allocate(node)); // likely at gone's address: the serial tells them apart
            assertThrows(StaleReferenceException.class, () -> m.getRef(gone, 0));
            assertThrows(InvalidReferenceException.class, () -> m.getRef(12345, 0));
            m.popFrame();
        }
    }

    @Test
    void optionsAndAllocatorsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> Collectors.create("refcount:countbits=0", 1 << 20));
        assertThrows(IllegalArgumentException.class, () -> Collectors.create("refcount:countbits=33", 1 << 20));
        assertThrows(IllegalArgumentException.class, () -> Collectors.create("refcount:cycles=sometimes", 1 << 20));
        assertThrows(IllegalArgumentException.class, () -> Collectors.create("refcount", "stack", 1 << 20));
        try (Collector c = Collectors.create("refcount:cycles=off,buffer=64", "best-fit", 1 << 20)) {
            assertEquals("refcount:cycles=off,buffer=64", c.name());
            assertEquals("best-fit", Collectors.allocatorOf(c));
            assertTrue(!c.moving());
        }
    }
}
