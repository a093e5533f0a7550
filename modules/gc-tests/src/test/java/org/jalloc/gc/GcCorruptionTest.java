package org.jalloc.gc;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.jalloc.check.HeapCheckException;
import org.jalloc.testkit.gc.GcOp;
import org.jalloc.testkit.gc.GcRun;
import org.junit.jupiter.api.Test;

/**
 * One test per collector invariant: break real state (a header, a reference field, a mark bit, a collector word,
 * the order of two objects, a data byte) and prove the checker (the collector's GC-n through the block walk) or the
 * reachability oracle reports that exact ID. Each test first proves the heap it breaks is clean.
 */
class GcCorruptionTest extends CorruptionFixture<Collector> {
    /** A collector with two rooted nodes in slots 0 and 1 (a -> b), a garbage node between them, collected. */
    private Mutator twoNodes(String spec) {
        c = Collectors.create(spec + (spec.contains(":") ? "," : ":") + "checked=on", 1 << 20);
        int node = c.types().define("node", 1, 16);
        Mutator m = c.mutator();
        m.pushFrame(2);
        m.setLocal(0, m.allocate(node));
        m.allocate(node);
        m.setLocal(1, m.allocate(node));
        m.setRef(m.local(0), 0, m.local(1));
        m.putLong(m.local(0), 0, 0x1111);
        m.putLong(m.local(1), 0, 0x2222);
        m.collect();
        assertTrue(check().isEmpty(), () -> "clean before the corruption: " + check());
        return m;
    }

    @Test
    void gc1AnUnregisteredTypeIdInAHeader() {
        Mutator m = twoNodes("mark-sweep");
        long a = addr(m, 1);
        c.model.setStatus(a, ObjectModel.status(4000, 0, c.model.status(a) % 2 != 0));
        assertReports("GC-1");
    }

    @Test
    void gc1ALengthOnAFixedTypeInABumpSpace() {
        Mutator m = twoNodes("mark-compact");
        long a = addr(m, 0);
        c.model.setStatus(a, c.model.status(a) | (5L << ObjectModel.LENGTH_SHIFT));
        assertReports("GC-1");
    }

    @Test
    void gc2AReferenceIntoTheMiddleOfAnObject() {
        Mutator m = twoNodes("mark-compact");
        c.heap.putLong(ObjectModel.slot(addr(m, 0), 0), addr(m, 1) + 16);
        assertReports("GC-2");
    }

    @Test
    void gc2ARootNamingAFreedBlock() {
        Mutator m = twoNodes("mark-sweep");
        long b = addr(m, 1);
        m.setRef(m.local(0), 0, 0);
        m.setLocal(1, 0);
        m.collect(); // b is freed
        m.stack.setAt(m.stack.checkedIndex(1), b);
        assertReports("GC-2");
    }

    @Test
    void gc4AnUnreachableObjectRightAfterACollection() {
        Mutator m = twoNodes("mark-compact");
        c.allocateStored(48, c.types().count(), 0); // an object no root reaches, allocated behind the collector's back
        assertReports("GC-4");
    }

    @Test
    void gc5AMarkBitLeftSetBetweenCollections() {
        Mutator m = twoNodes("mark-compact");
        long a = addr(m, 0);
        c.model.setStatus(a, c.model.status(a) | ObjectModel.MARK_BIT);
        assertReports("GC-5");
    }

    @Test
    void gc5AForwardingAddressLeftInTheCollectorWord() {
        Mutator m = twoNodes("mark-compact");
        c.model.setCollectorWord(addr(m, 1), c.heap.start());
        assertReports("GC-5");
    }

    @Test
    void gc5AMarkSweepObjectWithTheWrongMarkValue() {
        Mutator m = twoNodes("mark-sweep");
        long a = addr(m, 1);
        c.model.setStatus(a, c.model.status(a) ^ ObjectModel.MARK_BIT);
        assertReports("GC-5");
    }

    @Test
    void gc6AFieldChangedBehindTheCollectorsBack() {
        Mutator m = twoNodes("handles");
        long a = addr(m, 0);
        c.heap.putLong(ObjectModel.slot(a, 0), 0); // a -> b cut without the mutator: the graph is not the one collected
        assertReports("GC-6");
    }

    @Test
    void gc6ADataByteChangedAfterAMove() {
        Mutator m = twoNodes("mark-compact");
        long b = addr(m, 1);
        c.heap.putByte(c.model.dataStart(b) + 3, (byte) 0x7f);
        assertReports("GC-6");
    }

    @Test
    void gc7TwoLiveObjectsSwappedAfterTheCompaction() {
        Mutator m = twoNodes("mark-compact");
        long a = addr(m, 0);
        long b = addr(m, 1);
        long size = c.model.size(a);
        // Swap the two objects in memory and fix every reference: same graph, same data, other order.
        byte[] ab = c.heap.slice(a, size).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        c.heap.copy(b, a, size);
        java.lang.foreign.MemorySegment.copy(ab, 0, c.heap.memory(), java.lang.foreign.ValueLayout.JAVA_BYTE, b, ab.length);
        c.heap.putLong(ObjectModel.slot(b, 0), a); // a's field (now at b) names b (now at a)
        m.stack.setAt(m.stack.checkedIndex(0), b);
        m.stack.setAt(m.stack.checkedIndex(1), a);
        c.objectIndex.put(a, size, 0);
        c.objectIndex.put(b, size, 0);
        assertReports("GC-7");
        assertTrue(check().stream().noneMatch(v -> v.invariantId().equals("GC-6")), () -> "the graph itself is intact: " + check());
    }

    @Test
    void gc8AnObjectWhoseHandleDoesNotNameIt() {
        Mutator m = twoNodes("handles");
        long a = addr(m, 0);
        long b = addr(m, 1);
        c.model.setCollectorWord(a, c.model.collectorWord(b)); // two objects claim one handle
        assertReports("GC-8");
    }

    @Test
    void gc3AndGc6TheOracleSeesWhatTheMutatorStored() {
        c = Collectors.create("mark-compact:checked=on", 1 << 20);
        GcRun run = new GcRun(c);
        for (String op : List.of("T 1 16", "n 0 0", "n 1 0", "l 0 0 1", "w 1 0 5", "C")) {
            run.apply(GcOp.parse(op));
        }
        Mutator m = c.mutator();
        long b = addr(m, 1);
        c.heap.putByte(c.model.dataStart(b), (byte) 0x42); // overwritten behind the mutator's back
        c.dirty = true; // as if the mutator had run since: only the oracle can know the data is wrong
        HeapCheckException e = assertThrows(HeapCheckException.class, () -> run.check(false));
        assertTrue(e.invariantIds().contains("GC-3"), e.getMessage());
        c.heap.putByte(c.model.dataStart(b), (byte) (5 * 31 + 1));
        c.heap.putLong(ObjectModel.slot(addr(m, 0), 0), 0); // the edge 0 -> 1 lost
        HeapCheckException lost = assertThrows(HeapCheckException.class, () -> run.check(false));
        assertTrue(lost.invariantIds().contains("GC-6"), lost.getMessage());
    }

    @Test
    void gc4TheOracleCountsSurvivors() {
        c = Collectors.create("mark-sweep:checked=on", 1 << 20);
        GcRun run = new GcRun(c);
        for (String op : List.of("T 0 8", "n 0 0", "C")) {
            run.apply(GcOp.parse(op));
        }
        c.allocateStored(32, c.types().count(), 0); // a survivor no root reaches
        HeapCheckException e = assertThrows(HeapCheckException.class, () -> run.check(true));
        assertTrue(e.invariantIds().contains("GC-4"), e.getMessage());
    }
}
