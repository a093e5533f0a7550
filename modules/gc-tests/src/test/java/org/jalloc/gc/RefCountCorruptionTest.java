package org.jalloc.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.jalloc.check.HeapCheckException;
import org.jalloc.gc.inspect.GcInspector;
import org.jalloc.testkit.gc.CollectorFactory;
import org.jalloc.testkit.gc.GcFuzz;
import org.jalloc.testkit.gc.GcFuzzFailure;
import org.jalloc.testkit.gc.GcFuzzReport;
import org.jalloc.testkit.gc.GcOp;
import org.jalloc.testkit.gc.GcRun;
import org.junit.jupiter.api.Test;

/**
 * One test per reference-counting invariant (GC-30..34): break real state — a count, the zero-count table, the
 * candidate buffer, the cycle collector itself, the statistics, a leaked object — and prove the checker (through the
 * block walk) or the oracle reports that exact ID; and the planted bug of the Alloy model (trial deletion without
 * its scan step) caught by gc-fuzz and shrunk. Each test first proves the heap it breaks is clean.
 */
class RefCountCorruptionTest extends CorruptionFixture<Collector> {
    private RefCountCollector rc() {
        return (RefCountCollector) c;
    }

    /** A ring a <-> b in slots 0 and 1 of a collector, clean. */
    private Mutator ring(String spec) {
        c = Collectors.create(spec + (spec.contains(":") ? "," : ":") + "checked=on", 1 << 20);
        int node = c.types().define("node", 1, 16);
        Mutator m = c.mutator();
        m.pushFrame(2);
        m.setLocal(0, m.allocate(node));
        m.setLocal(1, m.allocate(node));
        m.setRef(m.local(0), 0, m.local(1));
        m.setRef(m.local(1), 0, m.local(0));
        m.collect();
        assertTrue(check().isEmpty(), () -> "clean before the corruption: " + check());
        return m;
    }

    @Test
    void gc30ACountOneTooHigh() {
        Mutator m = ring("refcount");
        long a = addr(m, 0);
        c.model.setCollectorWord(a, c.model.collectorWord(a) + RefCountCollector.ONE);
        assertReports("GC-30");
    }

    @Test
    void gc30ASideTableCountOneTooLow() {
        Mutator m = ring("refcount:countbits=1");
        long a = addr(m, 0); // held by slot 0 and b's field: 2 does not fit 1 bit, so the count is in the side table
        assertEquals(2, rc().overflowedCounts(), "a's and b's");
        assertTrue((c.model.collectorWord(a) & RefCountCollector.OVERFLOW) != 0);
        m.stack.setAt(m.stack.checkedIndex(1), a); // slot 1 now holds a too, behind the barrier's back
        assertReports("GC-30");
    }

    @Test
    void gc31ANewObjectDroppedFromTheZeroCountTable() {
        c = Collectors.create("refcount:checked=on", 1 << 20);
        int node = c.types().define("node", 1, 16);
        Mutator m = c.mutator();
        long x = m.allocate(node); // count 0, kept alive only by the ZCT until the next allocation
        assertTrue(check().isEmpty(), () -> check().toString());
        long a = GcInspector.of(c).address(x);
        rc().zctSize = 0;
        c.model.setCollectorWord(a, c.model.collectorWord(a) & ~RefCountCollector.IN_ZCT);
        assertReports("GC-31");
    }

    @Test
    void gc31ACandidateWhoseIndexIsNotItsPlace() {
        Mutator m = ring("refcount");
        m.setLocal(1, 0); // b: a decrement to 1, a candidate
        assertTrue(rc().candidates() >= 1);
        assertTrue(check().isEmpty(), () -> check().toString());
        long b = rc().buffer[rc().candidates() - 1];
        long w = c.model.collectorWord(b);
        c.model.setCollectorWord(b, w + (1L << RefCountCollector.INDEX_SHIFT));
        assertReports("GC-31");
    }

    @Test
    void gc32ACycleCollectionThatKeepsItsWhiteObjects() {
        Mutator m = ring("refcount");
        m.setLocal(0, 0);
        m.setLocal(1, 0); // the ring is garbage, its nodes candidates
        rc().fault = RefCountCollector.Fault.SKIP_COLLECT_WHITE;
        m.collect();
        assertReports("GC-32");
        assertTrue(check().stream().noneMatch(v -> v.invariantId().equals("GC-30")), () -> "counts stay exact: " + check());
    }

    @Test
    void gc33AGarbageRingNoCandidateReaches() {
        Mutator m = ring("refcount");
        m.setLocal(0, 0);
        m.setLocal(1, 0);
        assertTrue(check().isEmpty(), () -> check().toString());
        for (int i = 0; i < rc().buffered; i++) {
            long o = rc().buffer[i];
            c.model.setCollectorWord(o, c.model.collectorWord(o) & ~(RefCountCollector.BUFFERED | RefCountCollector.INDEX_MASK
                    | RefCountCollector.COLOR));
        }
        rc().buffered = 0; // the candidates forgotten: no cycle collection would ever find the ring
        assertReports("GC-33");
        assertTrue(check().stream().noneMatch(v -> v.invariantId().equals("GC-31")), () -> "the tables agree: " + check());
    }

    @Test
    void gc34StatisticsThatMisreportTheLeak() {
        Mutator m = ring("refcount:cycles=off");
        m.setLocal(0, 0);
        m.setLocal(1, 0);
        m.collect();
        assertEquals(2, m.stats().unreachableObjects());
        assertTrue(check().isEmpty(), () -> check().toString());
        c.unreachableBytes += 16;
        assertReports("GC-34");
    }

    @Test
    void gc34AnAcyclicGarbageObjectLeftBehind() {
        Mutator m = ring("refcount:cycles=off");
        m.setLocal(0, 0);
        m.setLocal(1, 0);
        m.collect();
        int node = c.types().count();
        c.allocateStored(c.model.sizeOf(node, 0), node, 0); // garbage no cycle holds, behind the collector's back
        assertReports("GC-34");
        assertTrue(check().stream().noneMatch(v -> v.invariantId().equals("GC-31")), () -> "it is in the ZCT: " + check());
    }

    @Test
    void gc34TheOracleKnowsWhatTheCyclesHold() {
        c = Collectors.create("refcount:cycles=off,checked=on", 1 << 20);
        GcRun run = new GcRun(c);
        // a ring of two nodes with data, discarded, then collected: the oracle expects exactly it to remain
        for (String op : List.of("T 1 16", "n 0 0", "n 1 0", "l 0 0 1", "l 1 0 0", "w 0 0 9", "c 0", "c 1", "C")) {
            run.apply(GcOp.parse(op));
        }
        assertEquals(2, c.stats().unreachableObjects());
        long[] leaked = {0};
        GcInspector.of(c).forEachObject((address, size, type, length, pending) -> {
            leaked[0] = address;
            return false;
        });
        long data = c.model.dataStart(leaked[0]);
        c.heap.putByte(data, (byte) (c.heap.getByte(data) ^ 0x55)); // a leaked object's data changed behind everyone's back
        HeapCheckException e = assertThrows(HeapCheckException.class, () -> run.check(true));
        assertTrue(e.invariantIds().contains("GC-34"), e.getMessage());
    }

    // ------------------------------------------------------------ the planted bug: trial deletion without its scan

    static final long HEAP = 256 << 10;

    private static CollectorFactory planted() {
        return CollectorFactory.of("refcount", "tlsf", HEAP, () -> {
            RefCountCollector r = (RefCountCollector) Collectors.create("refcount:checked=on", "tlsf", HEAP);
            r.fault = RefCountCollector.Fault.SKIP_SCAN;
            return r;
        });
    }

    @Test
    void trialDeletionWithoutItsScanFreesLiveObjectsAndIsCaughtAndShrunk() {
        GcFuzzReport r = new GcFuzz(planted()).opsPerSequence(1000).run(23, 5000, null);
        assertTrue(!r.failures().isEmpty(), "the planted bug went unnoticed in " + r.sequences() + " sequences");
        GcFuzzFailure f = r.failures().get(0);
        System.out.println("planted bug (trial deletion without Scan): sequence seed " + f.seed() + ", shrunk from " + f.originalOps()
                + " to " + f.ops().size() + " ops, signature " + f.signature() + "\n" + f.replay());
        assertTrue(f.ops().size() <= 30, "shrunk to " + f.ops().size() + " ops:\n" + f.replay());
        GcFuzzReport again = new GcFuzz(planted()).replay(GcOp.parseAll(f.replay()));
        assertEquals(1, again.failures().size());
        assertEquals(f.signature(), again.failures().get(0).signature());
        assertTrue(new GcFuzz(CollectorFactory.of("refcount", null, HEAP)).replay(f.ops()).failures().isEmpty());
    }
}
