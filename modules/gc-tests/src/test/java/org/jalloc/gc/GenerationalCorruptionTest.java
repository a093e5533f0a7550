package org.jalloc.gc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.jalloc.check.Violation;
import org.junit.jupiter.api.Test;

/**
 * The generational collector's invariants broken in real state, each reported with its exact ID: an old-to-young
 * field whose card is clean or which the store buffer lacks (GC-9), a reference into the evacuated nursery (GC-10),
 * a wrong block-offset entry (GC-11). Each test first proves the heap it breaks is clean.
 */
class GenerationalCorruptionTest extends CorruptionFixture<Collector> {
    /** A tenured node in slot 0 whose field names a nursery node (slot 1 holds it too). */
    private Mutator oldToYoung(String remset) {
        c = Collectors.create("generational:checked=on,gogc=off,remset=" + remset, 1 << 20);
        int node = c.types().define("node", 2, 16);
        Mutator m = c.mutator();
        m.pushFrame(2);
        m.setLocal(0, m.allocate(node));
        m.setRef(m.local(0), 1, m.allocate(node)); // a tenured object's second card entry, so cover has work
        m.collect(); // both tenured now
        m.setLocal(1, m.allocate(node));
        m.setRef(m.local(0), 0, m.local(1)); // old -> young through the barrier
        assertTrue(check().isEmpty(), () -> "clean before the corruption: " + check());
        return m;
    }

    @Test
    void gc9ACleanCardUnderAnOldToYoungReference() {
        Mutator m = oldToYoung("cards");
        GenerationalCollector g = (GenerationalCollector) c;
        g.cards.clearCards(); // the barrier's mark lost
        assertReports("GC-9");
    }

    @Test
    void gc9AStoreBufferThatLostAnEntry() {
        Mutator m = oldToYoung("ssb");
        GenerationalCollector g = (GenerationalCollector) c;
        g.ssb.take(); // emptied behind the mutator's back
        assertReports("GC-9");
    }

    @Test
    void gc9IsCheckedWhenAMinorCollectionStarts() {
        Mutator m = oldToYoung("cards");
        GenerationalCollector g = (GenerationalCollector) c;
        long old = addr(m, 0);
        long young = addr(m, 1);
        m.setLocal(1, 0);
        g.cards.clearCards();
        long before = GenerationalStats.of(c).minorCollections();
        // fill eden until a minor collection runs; the check at its start finds the clean card
        while (GenerationalStats.of(c).minorCollections() == before) {
            m.allocateArray(Types.BYTE_ARRAY, 4000);
        }
        assertTrue(old != 0 && young != 0);
        List<Violation> v = check();
        assertTrue(v.stream().anyMatch(x -> x.invariantId().equals("GC-9") && x.message().contains("when a minor collection started")),
                () -> "expected GC-9 at the minor collection's start among " + v);
    }

    @Test
    void gc10ARootIntoTheEmptySurvivorSpace() {
        Mutator m = oldToYoung("cards");
        GenerationalSpace sp = (GenerationalSpace) c.space;
        m.stack.setAt(m.stack.checkedIndex(1), sp.toStart()); // as if the root had not been forwarded
        assertReports("GC-10");
    }

    @Test
    void gc10AFieldIntoEdenAboveItsTop() {
        Mutator m = oldToYoung("cards");
        GenerationalSpace sp = (GenerationalSpace) c.space;
        c.heap.putLong(ObjectModel.slot(addr(m, 0), 1), sp.eTop + 64);
        assertReports("GC-10");
    }

    @Test
    void gc11ABlockOffsetEntryNamingTheWrongObject() {
        Mutator m = oldToYoung("cards");
        GenerationalCollector g = (GenerationalCollector) c;
        g.cards.cover[0] = addr(m, 0) + 16; // the middle of an object
        assertReports("GC-11");
    }
}
