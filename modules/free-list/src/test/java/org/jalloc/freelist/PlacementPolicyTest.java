package org.jalloc.freelist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.jalloc.core.walk.Inspection;
import org.jalloc.check.CheckedAllocator;
import org.jalloc.check.HeapChecker;
import org.jalloc.core.Allocator;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.freelist.FreeListAllocator.Coalescing;
import org.jalloc.freelist.FreeListAllocator.ListKind;
import org.jalloc.freelist.FreeListAllocator.Policy;
import org.jalloc.testkit.trace.Op;
import org.jalloc.testkit.trace.OpRunner;
import org.jalloc.testkit.trace.Trace;
import org.jalloc.testkit.trace.TraceGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What each placement policy chooses, on heaps laid out by hand: first fit takes the lowest (or, LIFO, the most
 * recently freed) block that fits, best fit the tightest and stops at a perfect fit, next fit resumes after its last
 * allocation and its rover survives coalescing, segregated fits serve a request from its size class. Address-ordered
 * first and best fit lay the heap out exactly as their implicit-list twins.
 */
class PlacementPolicyTest {
    private final Heap heap = Heap.reserve(1 << 20);

    @AfterEach
    void close() {
        heap.close();
    }

    private CheckedAllocator checked(FreeListAllocator allocator) {
        return new CheckedAllocator(allocator);
    }

    private FreeListAllocator allocator(Policy policy, ListKind list) {
        return new FreeListAllocator(heap, policy, list, Coalescing.IMMEDIATE, policy.specName());
    }

    /**
     * Free blocks of 112, 320 and 208 bytes (requests 100, 300, 200), freed in that order, each followed by a live
     * fence; returns the payloads of the three free blocks.
     */
    private static long[] threeHoles(Allocator a) {
        long[] holes = new long[3];
        long[] sizes = {100, 300, 200};
        for (int i = 0; i < 3; i++) {
            holes[i] = a.malloc(sizes[i]);
            a.malloc(16);
        }
        for (long h : holes) {
            a.free(h);
        }
        return holes;
    }

    @ParameterizedTest
    @EnumSource(value = ListKind.class, names = {"IMPLICIT", "ADDRESS"})
    void firstFitTakesTheLowestBlockThatFits(ListKind list) {
        CheckedAllocator a = checked(allocator(Policy.FIRST_FIT, list));
        long[] holes = threeHoles(a);
        assertEquals(holes[1], a.malloc(150), "the 112-byte hole is too small, the 320-byte one is first");
    }

    @Test
    void lifoFirstFitTakesTheMostRecentlyFreedBlockThatFits() {
        CheckedAllocator a = checked(allocator(Policy.FIRST_FIT, ListKind.LIFO));
        long[] holes = threeHoles(a);
        assertEquals(holes[2], a.malloc(150), "the 208-byte hole was freed last");
    }

    @ParameterizedTest
    @EnumSource(ListKind.class)
    void bestFitTakesTheTightestBlock(ListKind list) {
        CheckedAllocator a = checked(allocator(Policy.BEST_FIT, list));
        long[] holes = threeHoles(a);
        assertEquals(holes[2], a.malloc(150), "208 leaves less over than 320");
        assertEquals(holes[0], a.malloc(90), "112 fits 90 (block 112) exactly");
    }

    @Test
    void bestFitStopsAtAPerfectFit() {
        FreeListAllocator raw = allocator(Policy.BEST_FIT, ListKind.ADDRESS);
        long perfect = raw.malloc(100);
        raw.malloc(16);
        List<Long> holes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            holes.add(raw.malloc(300));
            raw.malloc(16); // a live fence keeps the holes apart
        }
        holes.forEach(raw::free);
        raw.free(perfect); // an address-ordered list: the perfect fit is the first node
        raw.counters.begin();
        assertEquals(perfect, raw.malloc(100));
        assertEquals(1, raw.counters.maxSearchSteps, "one node visited: a perfect fit ends the search");
        long before = raw.counters.searchSteps;
        raw.malloc(250); // no perfect fit: every node is examined
        assertEquals(20, raw.counters.searchSteps - before);
    }

    @ParameterizedTest
    @EnumSource(ListKind.class)
    void nextFitResumesAfterItsLastAllocation(ListKind list) {
        FreeListAllocator raw = allocator(Policy.NEXT_FIT, list);
        CheckedAllocator a = checked(raw);
        long first = a.malloc(48);
        a.malloc(16);
        long second = a.malloc(48);
        a.malloc(16);
        a.free(first);
        a.free(second);
        long took = a.malloc(48);
        a.free(took);
        long again = a.malloc(48);
        assertNotEquals(took, again, "next fit moves on instead of reusing the block it just took");
        assertEquals(List.of(first, second), took == first ? List.of(took, again) : List.of(again, took));
    }

    @Test
    void theImplicitRoverMovesToTheStartOfTheBlockItsBlockMergedInto() {
        FreeListAllocator raw = allocator(Policy.NEXT_FIT, ListKind.IMPLICIT);
        CheckedAllocator a = checked(raw);
        long b = a.malloc(48);
        long c = a.malloc(48);
        a.malloc(48);
        a.free(b);
        assertEquals(b, a.malloc(48)); // takes b whole: the rover is now c, the block after it
        Placement.NextFit nextFit = (Placement.NextFit) raw.placement;
        assertEquals(c - FreeListAllocator.HEADER, nextFit.rover);
        a.free(c);
        a.free(b); // b merges with its free right neighbour c: c is no block start any more
        assertEquals(b - FreeListAllocator.HEADER, nextFit.rover);
        a.verifyAll();
    }

    @ParameterizedTest
    @EnumSource(value = ListKind.class, names = {"LIFO", "ADDRESS"})
    void anExplicitRoverMovesOnWhenItsBlockLeavesTheList(ListKind list) {
        FreeListAllocator raw = allocator(Policy.NEXT_FIT, list);
        CheckedAllocator a = checked(raw);
        long b = a.malloc(48);
        long c = a.malloc(48);
        a.malloc(48);
        long e = a.malloc(48);
        a.malloc(48);
        a.free(e);
        a.free(c);
        Placement.NextFit nextFit = (Placement.NextFit) raw.placement;
        nextFit.rover = c - FreeListAllocator.HEADER;
        a.free(b); // c merges into b and leaves the list
        assertNotEquals(c - FreeListAllocator.HEADER, nextFit.rover);
        a.verifyAll(); // FL-4: the rover is 0 or a list member
    }

    @Test
    void segregatedFitsServeARequestFromItsClass() {
        FreeListAllocator raw = new FreeListAllocator(heap, Policy.SEGREGATED, ListKind.LIFO, Coalescing.IMMEDIATE, "segregated");
        CheckedAllocator a = checked(raw);
        long[] holes = threeHoles(a); // blocks 112 (class 5), 320 (class 15), 208 (class 11)
        assertEquals(holes[1], a.malloc(300), "class 15 holds the 320-byte block");
        assertEquals(holes[2], a.malloc(150), "nothing in class 8 [160]: the next non-empty class is 11");
        assertEquals(holes[0], a.malloc(100));
    }

    @Test
    void sizeClassesCoverEverySizeOnceInOrder() {
        assertEquals(0, SegregatedClasses.of(32));
        for (int c = 0; c < SegregatedClasses.COUNT; c++) {
            long lower = SegregatedClasses.lowerBound(c);
            assertEquals(c, SegregatedClasses.of(lower), "lower bound of class " + c);
            if (c + 1 < SegregatedClasses.COUNT) {
                long next = SegregatedClasses.lowerBound(c + 1);
                assertTrue(next > lower);
                assertTrue(next - lower <= Math.max(16, lower / 4), "a class spans at most a quarter of its lower bound");
                assertEquals(c, SegregatedClasses.of(next - 16), "last size of class " + c);
            }
        }
        assertEquals(SegregatedClasses.COUNT - 1, SegregatedClasses.of(1L << 40));
    }

    /**
     * Address-ordered first and best fit choose exactly the blocks their implicit twins choose: the two heaps stay
     * identical (relative to their first block) op by op over a generated workload. Aligned allocations become plain
     * ones here: the head table moves the first block by 16 bytes, which changes where an aligned payload can start.
     */
    @ParameterizedTest
    @ValueSource(strings = {"first-fit", "best-fit", "first-fit:coalesce=deferred", "best-fit:coalesce=deferred"})
    void addressOrderedListsPlaceExactlyLikeTheImplicitList(String spec) {
        String explicit = spec + (spec.contains(":") ? "," : ":") + "list=address";
        Trace trace = TraceGenerator.generate("full-api", 3000, 9);
        try (Heap implicitHeap = Heap.reserve(1 << 24); Heap addressHeap = Heap.reserve(1 << 24)) {
            FreeListAllocator implicit = (FreeListAllocator) AllocatorFactory.of(spec, 1 << 24).create(implicitHeap);
            FreeListAllocator address = (FreeListAllocator) AllocatorFactory.of(explicit, 1 << 24).create(addressHeap);
            OpRunner ri = new OpRunner(trace.numIds());
            OpRunner ra = new OpRunner(trace.numIds());
            int i = 0;
            for (Op traced : trace.ops()) {
                Op op = traced.kind() == 'm' ? Op.malloc(traced.id(), traced.size()) : traced;
                ri.apply(implicit, op);
                ra.apply(address, op);
                assertEquals(layout(implicit), layout(address), "after op " + i++ + " " + op);
            }
            assertTrue(new HeapChecker().check(Inspection.of(address).heapWalk()).isEmpty());
        }
    }

    /** The blocks as "kind offset size" from the first block. */
    private static String layout(FreeListAllocator a) {
        StringBuilder sb = new StringBuilder();
        Inspection.of(a).heapWalk().walkExtents((kind, start, size, payload, usable) -> {
            if (kind == ExtentKind.ALLOCATED || kind == ExtentKind.FREE) {
                sb.append(kind == ExtentKind.FREE ? 'f' : 'a').append(start - a.firstBlock).append(':').append(size).append(' ');
            }
            return true;
        });
        return sb.toString();
    }
}
