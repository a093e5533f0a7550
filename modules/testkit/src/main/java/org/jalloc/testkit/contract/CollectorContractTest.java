package org.jalloc.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.gc.Collector;
import org.jalloc.gc.GcMisuseException;
import org.jalloc.gc.GcStats;
import org.jalloc.gc.InvalidReferenceException;
import org.jalloc.gc.Mutator;
import org.jalloc.gc.RootMisuseException;
import org.jalloc.gc.StaleReferenceException;
import org.jalloc.gc.TypeMisuseException;
import org.jalloc.gc.Types;
import org.jalloc.gc.inspect.GcInspector;
import org.jalloc.testkit.gc.CollectorFactory;
import org.jalloc.testkit.gc.GcFuzz;
import org.jalloc.testkit.gc.GcFuzzReport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every collector keeps, as one abstract test (as {@link AllocatorContractTest} is for allocators): roots
 * keep objects alive, unrooted objects (cycles too) go, data survives collections and moves, exhaustion returns 0
 * and leaves a consistent heap, the GOGC trigger collects, statistics add up, misuse gets its specific exception and
 * leaves the heap unchanged, and {@code gc-fuzz} passes 1,000 sequences with the oracle after every collection. A
 * collector module subclasses it in a few lines:
 *
 * <pre>{@code
 * class MarkCompactContractTest extends CollectorContractTest {
 *     protected CollectorFactory factory(long heapBytes) { return CollectorFactory.of("mark-compact", null, heapBytes); }
 * }
 * }</pre>
 * Collectors run in checked mode; after each test the heap checker (with the collector's GC-n) must find nothing.
 * Whole-heap checks run through {@link GcInspector#atSafepoint}, so a concurrent collector's marker is stopped for them.
 */
@SuppressWarnings("initialization.field.uninitialized") // JUnit assigns the fixture in @BeforeEach, before any test
public abstract class CollectorContractTest {
    /** Heap size of the single-test fixture. */
    protected static final long HEAP = 1 << 20;

    private Collector gc;
    private Mutator m;
    private GcInspector inspector;
    private int node;

    /** Fresh collectors of the kind under test (checked mode). */
    protected abstract CollectorFactory factory(long heapBytes);

    /** Sequences for {@link #gcFuzzing()}: at least 1000 in the normal build. */
    protected int fuzzSequences() {
        return 1000;
    }

    /** Operations per fuzz sequence. */
    protected int opsPerSequence() {
        return 120;
    }

    /**
     * Whether the collector reclaims unreachable cycles; false for {@code refcount:cycles=off}, whose contract is
     * to leave them and report their bytes.
     */
    protected boolean collectsCycles() {
        return true;
    }

    /** Heap for fuzzing: small, so that collections and exhaustion are frequent. */
    protected long fuzzHeapBytes() {
        return 64 << 10;
    }

    @BeforeEach
    void create() {
        gc = factory(HEAP).create();
        m = gc.mutator();
        inspector = GcInspector.of(gc);
        node = gc.types().define("node", 1, 16);
    }

    @AfterEach
    void checkAndClose() {
        try {
            assertClean();
        } finally {
            gc.close();
        }
    }

    /** The collector under test. */
    protected final Collector collector() {
        return gc;
    }

    /** Heap checks run at a safepoint: a concurrent collector's marker and mutators are stopped for them. */
    private void assertClean() {
        inspector.atSafepoint(() -> {
            List<Violation> v = new HeapChecker().check(inspector.heapWalk());
            assertTrue(v.isEmpty(), () -> "heap check failed: " + v);
        });
    }

    private long objectCount() {
        long[] n = {0};
        inspector.atSafepoint(() -> inspector.forEachObject((a, size, type, length, pending) -> {
            if (!pending) {
                n[0]++;
            }
            return true;
        }));
        return n[0];
    }

    /** A list of {@code n} nodes in local 0, node i's data holding i, the head the last allocated. */
    private void buildList(int n) {
        for (int i = 0; i < n; i++) {
            long x = m.allocate(node);
            assertNotEquals(0, x, "allocation " + i);
            m.setRef(x, 0, m.local(0));
            m.putLong(x, 0, i);
            m.setLocal(0, x);
        }
    }

    private void assertList(int n) {
        long x = m.local(0);
        for (int i = n - 1; i >= 0; i--) {
            assertNotEquals(0, x, "list too short at " + i);
            assertEquals(i, m.getLong(x, 0));
            x = m.getRef(x, 0);
        }
        assertEquals(0, x, "list too long");
    }

    // ------------------------------------------------------------ reachability

    @Test
    void rootsKeepObjectsAliveAndUnrootedObjectsGo() {
        m.pushFrame(2);
        buildList(100);
        for (int i = 0; i < 300; i++) {
            m.setLocal(1, m.allocate(node)); // garbage, each replaced by the next
        }
        m.setLocal(1, 0);
        m.collect();
        assertEquals(100, objectCount(), "exactly the list survives");
        assertList(100);
        GcStats s = m.stats();
        assertEquals(100, s.liveObjects());
        m.setLocal(0, 0);
        m.collect();
        assertEquals(0, objectCount(), "nothing rooted, nothing survives");
        m.popFrame();
    }

    @Test
    void globalsKeepObjectsAliveUntilFreed() {
        m.pushFrame(1);
        buildList(10);
        int h = m.newGlobal(m.local(0));
        m.popFrame();
        m.collect();
        m.pushFrame(1);
        m.setLocal(0, m.global(h));
        assertList(10);
        m.popFrame();
        m.freeGlobal(h);
        m.collect();
        assertEquals(0, objectCount());
    }

    @Test
    void deeperFramesAreRootsToo() {
        m.pushFrame(1);
        buildList(5);
        m.pushFrame(3);
        for (int i = 0; i < 50; i++) {
            m.setLocal(i % 3, m.allocate(node));
        }
        m.collect();
        assertEquals(8, objectCount(), "the list below and the three slots above");
        m.popFrame();
        m.collect();
        assertEquals(5, objectCount());
        assertList(5);
        m.popFrame();
    }

    @Test
    void unrootedCyclesAreCollected() {
        m.pushFrame(2);
        long first = m.allocate(node);
        m.setLocal(0, first);
        m.setLocal(1, first);
        for (int i = 0; i < 49; i++) {
            long x = m.allocate(node);
            m.setRef(m.local(1), 0, x);
            m.setLocal(1, x);
        }
        m.setRef(m.local(1), 0, m.local(0)); // close the ring of 50
        m.collect();
        assertEquals(50, objectCount(), "a rooted ring survives");
        m.setLocal(0, 0);
        m.setLocal(1, 0);
        m.collect();
        if (collectsCycles()) {
            assertEquals(0, objectCount(), "an unrooted ring goes");
            assertEquals(0, m.stats().unreachableObjects());
        } else {
            assertEquals(50, objectCount(), "an unrooted ring stays: nothing but a trace could find it");
            assertEquals(50, m.stats().unreachableObjects(), m.stats().toString());
            assertEquals(m.stats().usedBytes(), m.stats().unreachableBytes(), "the ring is every byte left, and reported");
            assertEquals(0, m.stats().liveObjects());
        }
        m.popFrame();
    }

    // ------------------------------------------------------------ data

    @Test
    void dataSurvivesCollectionsAndMoves() {
        m.pushFrame(2);
        m.setLocal(0, m.allocateArray(Types.REF_ARRAY, 200));
        for (int i = 0; i < 200; i++) {
            long b = m.allocateArray(Types.BYTE_ARRAY, 40 + i);
            for (int k = 0; k < 40 + i; k++) {
                m.putByte(b, k, (byte) (i * 13 + k));
            }
            m.setRef(m.local(0), i, b);
            m.setLocal(1, m.allocate(node)); // garbage between the arrays, so survivors move
        }
        for (int round = 0; round < 3; round++) {
            for (int i = round; i < 200; i += 4) {
                m.setRef(m.local(0), i, 0);
            }
            m.collect();
            for (int i = 0; i < 200; i++) {
                long b = m.getRef(m.local(0), i);
                if (b == 0) {
                    continue;
                }
                assertEquals(40 + i, m.length(b));
                byte[] bytes = new byte[40 + i];
                m.readData(b, 0, bytes);
                for (int k = 0; k < bytes.length; k++) {
                    assertEquals((byte) (i * 13 + k), bytes[k], "array " + i + " byte " + k + " after collection " + round);
                }
            }
        }
        m.popFrame();
    }

    @Test
    void newObjectsAreZeroedAndDataViewsWork() {
        m.pushFrame(1);
        int t = gc.types().define("wide", 3, 40);
        for (int i = 0; i < 20; i++) {
            long x = m.allocate(t);
            m.setLocal(0, x);
            for (int f = 0; f < 3; f++) {
                assertEquals(0, m.getRef(x, f));
            }
            byte[] data = new byte[40];
            m.readData(x, 0, data);
            assertArrayEquals(new byte[40], data, "a new object's data is zero, even where a dead one was");
            m.data(x).fill((byte) 0x5a);
            assertEquals((byte) 0x5a, m.getByte(x, 39));
            m.collect();
        }
        m.popFrame();
    }

    // ------------------------------------------------------------ exhaustion and the trigger

    @Test
    void exhaustionReturnsZeroAndTheHeapStaysConsistent() {
        m.pushFrame(2);
        m.setLocal(0, m.allocateArray(Types.REF_ARRAY, 4096));
        int filled = 0;
        while (true) {
            long b = m.allocateArray(Types.BYTE_ARRAY, 1000);
            if (b == 0) {
                break;
            }
            m.setRef(m.local(0), filled++, b);
            assertTrue(filled < 4096, "a 1 MiB heap holds fewer than 4096 KiB arrays");
        }
        assertTrue(filled > 100, "filled " + filled);
        assertTrue(m.stats().failedAllocations() >= 1);
        assertClean();
        assertEquals(0, m.allocateArray(Types.BYTE_ARRAY, 1000), "still full");
        for (int i = 0; i < filled; i += 2) {
            m.setRef(m.local(0), i, 0);
        }
        assertNotEquals(0, m.allocateArray(Types.BYTE_ARRAY, 1000), "room again after a collection");
        m.popFrame();
    }

    @Test
    void anObjectLargerThanTheHeapIsZeroNotAnException() {
        assertEquals(0, m.allocateArray(Types.BYTE_ARRAY, (int) (2 * HEAP)));
        assertEquals(0, m.allocateArray(Types.REF_ARRAY, Integer.MAX_VALUE));
    }

    @Test
    void theGogcThresholdStartsCollections() {
        m.pushFrame(1);
        for (int i = 0; i < 20000; i++) {
            m.setLocal(0, m.allocate(node)); // 48 bytes each, 960 KB in all, almost all garbage
        }
        GcStats s = m.stats();
        assertTrue(s.byThreshold() > 0, s.toString());
        assertEquals(s.collections(), s.byThreshold() + s.byExhaustion() + s.explicit());
        m.popFrame();
    }

    @Test
    void statisticsAddUp() {
        m.pushFrame(1);
        buildList(40);
        for (int i = 0; i < 60; i++) {
            m.allocate(node);
        }
        m.collect();
        GcStats s = m.stats();
        long[] sum = {0};
        inspector.atSafepoint(() -> inspector.forEachObject((a, size, type, length, pending) -> {
            sum[0] += pending ? 0 : size;
            return true;
        }));
        assertEquals(sum[0], s.liveBytes(), "live bytes are the bytes of the surviving objects");
        assertEquals(40, s.liveObjects());
        assertEquals(100, s.objectsAllocated());
        assertEquals(s.collections(), s.pauseNanos().length);
        assertTrue(s.objectsReclaimed() >= 60, s.toString());
        assertTrue(s.bytesAllocated() >= s.liveBytes() + s.bytesReclaimed() - 1, s.toString());
        assertTrue(s.peakUsedBytes() >= s.usedBytes() && s.peakUsedBytes() <= s.bytesAllocated(), s.toString());
        assertTrue(s.peakUsedBytes() >= 40 * (16 + 8 + 16), "the list was all in the space at once: " + s.peakUsedBytes());
        m.popFrame();
    }

    // ------------------------------------------------------------ misuse

    /** At a safepoint, so that no collector thread changes the heap between the two snapshots. */
    private void assertMisuse(Class<? extends GcMisuseException> expected, Consumer<Mutator> misuse) {
        inspector.atSafepoint(() -> {
            byte[] before = inspector.heapWalk().heap().snapshot();
            int depth = m.frameDepth();
            GcMisuseException e = assertThrows(expected, () -> misuse.accept(m));
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
            assertArrayEquals(before, inspector.heapWalk().heap().snapshot(), "misuse changed the heap: " + e.getMessage());
            assertEquals(depth, m.frameDepth());
        });
    }

    @Test
    void misuseGetsItsSpecificExceptionAndLeavesTheHeapUnchanged() {
        m.pushFrame(2);
        long x = m.allocate(node);
        m.setLocal(0, x);
        long y = m.allocate(node);
        m.setLocal(1, y);
        long x2 = m.local(0);
        assertMisuse(TypeMisuseException.class, mu -> mu.getRef(x2, 1));
        assertMisuse(TypeMisuseException.class, mu -> mu.setRef(x2, -1, 0));
        assertMisuse(TypeMisuseException.class, mu -> mu.getLong(x2, 9));
        assertMisuse(TypeMisuseException.class, mu -> mu.putByte(x2, 16, (byte) 1));
        assertMisuse(TypeMisuseException.class, mu -> mu.allocate(999));
        assertMisuse(TypeMisuseException.class, mu -> mu.allocate(Types.BYTE_ARRAY));
        assertMisuse(TypeMisuseException.class, mu -> mu.allocateArray(node, 3));
        assertMisuse(TypeMisuseException.class, mu -> mu.allocateArray(Types.BYTE_ARRAY, -1));
        assertMisuse(InvalidReferenceException.class, mu -> mu.getRef(0, 0));
        assertMisuse(InvalidReferenceException.class, mu -> mu.setRef(x2, 0, 12345));
        assertMisuse(RootMisuseException.class, mu -> mu.setLocal(2, 0));
        assertMisuse(RootMisuseException.class, mu -> mu.local(-1));
        assertMisuse(RootMisuseException.class, mu -> mu.global(77));
        int h = m.newGlobal(x2);
        m.freeGlobal(h);
        assertMisuse(RootMisuseException.class, mu -> mu.freeGlobal(h));
        assertMisuse(RootMisuseException.class, mu -> mu.setGlobal(h, 0));
        m.popFrame();
        assertMisuse(RootMisuseException.class, Mutator::popFrame);
        assertMisuse(RootMisuseException.class, mu -> mu.setLocal(0, 0));
        assertMisuse(TypeMisuseException.class, mu -> gc.types().define("bad", -1, 0));
    }

    @Test
    void aReferenceKeptAcrossACollectionIsStale() {
        m.pushFrame(1);
        long x = m.allocate(node);
        m.setLocal(0, x);
        long kept = m.local(0);
        m.setLocal(0, 0);
        m.collect(); // x is garbage now; with a direct collector the address is also from an older epoch
        assertMisuse(StaleReferenceException.class, mu -> mu.getRef(kept, 0));
        assertMisuse(StaleReferenceException.class, mu -> mu.setLocal(0, kept));
        m.popFrame();
    }

    // ------------------------------------------------------------ long structures

    @Test
    void aLongListIsMarkedWithoutRecursion() {
        Collector big = factory(64L << 20).create();
        try {
            Mutator b = big.mutator();
            int n = big.types().define("link", 1, 0);
            b.pushFrame(1);
            for (int i = 0; i < 500_000; i++) {
                long x = b.allocate(n);
                b.setRef(x, 0, b.local(0));
                b.setLocal(0, x);
            }
            b.collect();
            assertEquals(500_000, b.stats().liveObjects());
        } finally {
            big.close();
        }
    }

    // ------------------------------------------------------------ fuzzing

    @Test
    void gcFuzzing() {
        GcFuzz fuzz = new GcFuzz(factory(fuzzHeapBytes())).opsPerSequence(opsPerSequence());
        GcFuzzReport r = fuzz.run(20261206L, (long) fuzzSequences() * opsPerSequence(), null);
        assertTrue(r.sequences() >= fuzzSequences());
        assertTrue(r.collections() >= r.sequences(), "every sequence collects at least at its end: " + r.collections());
        List<String> failures = new ArrayList<>();
        r.failures().forEach(f -> failures.add(f.toString()));
        assertTrue(failures.isEmpty(), () -> String.join("\n\n", failures));
    }
}
