package org.jalloc.boundarytag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.ForwardingWalk;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.core.walk.Inspection;
import org.jalloc.core.walk.InvariantSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The checker's one pass over a boundary-tag heap takes each free block's header and links from what the checked
 * extent walk recorded, not from the heap (see {@code BinIndex#walkChecked}): for corrupted lists it must report
 * exactly what the plain walks and {@code checkInvariants(sink)} report, violation for violation, and it must never
 * use a record after the heap changed.
 *
 * <p>Fixture: 240 blocks of 48, 112 and 200 bytes in turn, every other one freed in address order (none adjacent):
 * 120 free blocks on LIFO lists that run downwards, the shape check-rate measures.
 */
class BoundaryTagOnePassTest {
    private Heap heap = Heap.reserve(1 << 20);
    private BoundaryTagAllocator allocator;
    private final List<Long> free = new ArrayList<>();
    private final List<Long> live = new ArrayList<>();

    BoundaryTagOnePassTest() {
        allocator = fixture(BoundaryTagAllocator.Policy.SEGREGATED);
    }

    private BoundaryTagAllocator fixture(BoundaryTagAllocator.Policy policy) {
        heap.close();
        heap = Heap.reserve(1 << 20);
        BoundaryTagAllocator bt = new BoundaryTagAllocator(heap, policy, BoundaryTagAllocator.Footers.FREE_ONLY, "bt-one-pass");
        free.clear();
        live.clear();
        long[] sizes = {48, 112, 200};
        for (int i = 0; i < 240; i++) {
            (i % 2 == 0 ? free : live).add(bt.malloc(sizes[i % 3]));
        }
        free.forEach(bt::free);
        return bt;
    }

    @AfterEach
    void close() {
        heap.close();
    }

    private static long header(long payload) {
        return payload - BoundaryTagAllocator.WORD;
    }

    /** The checked walks of {@code under} replaced by its plain walks and its full {@code checkInvariants(sink)}. */
    private static final class PlainWalk extends ForwardingWalk {
        PlainWalk(HeapWalk under) {
            super(under);
        }

        @Override
        public boolean walkExtents(ExtentVisitor visitor, InvariantSink sink) {
            under.walkExtents(visitor);
            return false;
        }

        @Override
        public boolean walkFreeStructures(FreeEntryVisitor visitor, InvariantSink sink) {
            under.walkFreeStructures(visitor);
            return false;
        }

        @Override
        public void checkInvariants(InvariantSink sink, boolean extentsChecked, boolean freeStructuresChecked) {
            under.checkInvariants(sink);
        }
    }

    /** The one pass reports what the plain walks report, violation for violation, and reports {@code id}. */
    private void assertOnePassIsPlain(String id) {
        HeapWalk walk = Inspection.of(allocator).heapWalk();
        List<Violation> onePass = List.copyOf(new HeapChecker().check(walk));
        List<Violation> plain = List.copyOf(new HeapChecker().check(new PlainWalk(walk)));
        assertTrue(onePass.stream().anyMatch(v -> v.invariantId().equals(id)), () -> id + " reported: " + onePass);
        assertEquals(plain, onePass);
    }

    @Test
    void theFixtureChecksCleanInOnePass() {
        HeapWalk walk = Inspection.of(allocator).heapWalk();
        assertEquals(List.of(), new HeapChecker().check(walk));
        assertEquals(List.of(), new HeapChecker().check(walk), "again: the record is made anew for every check");
    }

    @ParameterizedTest
    @EnumSource(BoundaryTagAllocator.Policy.class)
    void onePassAsPlainForAPrevLinkInTheMiddleOfALongList(BoundaryTagAllocator.Policy policy) {
        allocator = fixture(policy);
        long b = header(free.get(60));
        heap.putLong(b + BinIndex.PREV, header(free.get(7))); // BT-7: read from the record, reported as from the heap
        assertOnePassIsPlain("BT-7");
    }

    @ParameterizedTest
    @EnumSource(BoundaryTagAllocator.Policy.class)
    void onePassAsPlainForANextLinkToALiveBlock(BoundaryTagAllocator.Policy policy) {
        allocator = fixture(policy);
        // A link to a live block: not a recorded free block, so the walk reads that block's header and links from
        // the heap from there on, as the plain walk does (HEAP-3 for the stray and the blocks cut off, BT-7, BT-6).
        heap.putLong(header(free.get(90)) + BinIndex.NEXT, header(live.get(10)));
        assertOnePassIsPlain("HEAP-3");
    }

    @ParameterizedTest
    @EnumSource(BoundaryTagAllocator.Policy.class)
    void onePassAsPlainForABlockMovedToAnotherSizesList(BoundaryTagAllocator.Policy policy) {
        allocator = fixture(policy);
        // The 64-byte free block 0 pushed, links and all, in front of the list of the free block 1 (another size)
        BinIndex index = allocator.index;
        long moved = header(free.get(0));
        long other = header(free.get(1));
        int from = index.listOf(BoundaryTagAllocator.sizeOf(heap.getLong(moved)));
        int to = index.listOf(BoundaryTagAllocator.sizeOf(heap.getLong(other)));
        assertFalse(from == to, "two sizes, two lists");
        long prevOfMoved = index.prevUnchecked(moved); // free block 0 is the tail of its list (freed first)
        heap.putLong(prevOfMoved + BinIndex.NEXT, 0);
        heap.putLong(moved + BinIndex.NEXT, index.heads[to]);
        heap.putLong(moved + BinIndex.PREV, 0);
        heap.putLong(index.heads[to] + BinIndex.PREV, moved);
        index.heads[to] = moved;
        assertOnePassIsPlain("BT-6");
    }

    @Test
    void aRecordIsNotUsedOnceTheHeapChanged() {
        HeapWalk walk = Inspection.of(allocator).heapWalk();
        List<Violation> sink = new ArrayList<>();
        InvariantSink into = (id, address, message, expected, actual) -> sink.add(new Violation(id, address, message, expected, actual));
        assertTrue(walk.walkExtents((kind, start, size, payload, usable) -> true, into), "the extent walk records");
        // the heap changes after the record: three frees (merging with free neighbours) and an allocation
        allocator.free(live.get(30));
        allocator.free(live.get(31));
        allocator.free(live.get(100));
        allocator.malloc(48);
        List<String> checked = new ArrayList<>();
        assertTrue(walk.walkFreeStructures((list, start, size) -> checked.add(list + ":" + start + ":" + size), into));
        List<String> plain = new ArrayList<>();
        walk.walkFreeStructures((list, start, size) -> plain.add(list + ":" + start + ":" + size));
        assertEquals(plain, checked, "the checked list walk read the changed heap, not the stale record");
        assertEquals(List.of(), sink);
        assertEquals(List.of(), new HeapChecker().check(walk));
    }
}
