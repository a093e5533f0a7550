package org.jalloc.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.jalloc.check.CheckedAllocator;
import org.jalloc.check.HeapChecker;
import org.jalloc.core.AllocatorStats;
import org.jalloc.core.Allocators;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.TrackingAllocator;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.core.walk.Inspection;
import org.jalloc.testkit.contract.AllocatorContractTest;
import org.jalloc.testkit.contract.Misuse;
import org.jalloc.testkit.contract.Replaces;
import org.jalloc.testkit.trace.Op;
import org.jalloc.testkit.trace.ReplayResult;
import org.jalloc.testkit.trace.SharedTraces;
import org.jalloc.testkit.trace.Trace;
import org.jalloc.testkit.trace.TraceGenerator;
import org.jalloc.testkit.trace.TraceReplayer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The allocator contract for {@code pool} (64-byte objects, as many as the heap holds). Every misuse of the table is
 * detected without the checker (the live bitmap is exact). The base tests that ask for blocks larger than the object
 * size, expecting them, are replaced by the same promises at the pool's one size (each names the base test it
 * replaces and why, see {@link Replaces}):
 *
 * <table class="striped">
 *   <caption>Replaced base tests</caption>
 *   <tr><th>base test</th><th>replacement</th></tr>
 *   <tr><td>payloadsAreSixteenByteAlignedOnRealAddressesAndLargeEnough</td><td>every size up to the object size; one above it is 0</td></tr>
 *   <tr><td>alignedAllocHonoursEveryAlignment</td><td>alignments up to the object size are honoured, larger ones return 0</td></tr>
 *   <tr><td>exhaustionReturnsNullNotAnExceptionAndTheHeapRecovers</td><td>all N objects, then 0; all N again after giving them back</td></tr>
 *   <tr><td>aFailedReallocLeavesTheBlockIntact, tryExpandResizesInPlaceOrChangesNothing,
 *       reallocMovesContentsWhenItMustGrowElsewhere</td><td>within the object in place, beyond it 0/false with the object intact</td></tr>
 *   <tr><td>callocZeroesRecycledMemory</td><td>the same with an object-sized calloc</td></tr>
 *   <tr><td>segmentViewsMapBackToAddresses, segmentAllocatorAllocatesAlignedBlocks,
 *       arenaSegmentsAreZeroedAndCloseFreesEverything, everyViewThrowsOnceTheAllocatorIsClosed,
 *       closingTheAllocatorOnAnotherThreadKillsTheArenaOnThisOne</td><td>the same views of object-sized segments</td></tr>
 *   <tr><td>statsAddUp</td><td>the same sums with object-sized requests</td></tr>
 *   <tr><td>generatedWorkloadsReplayCleanUnderTheChecker, malloclabTracesReplayCleanUnderTheChecker</td>
 *       <td>the same workloads with every size clamped to the object size</td></tr>
 * </table>
 */
class PoolContractTest extends AllocatorContractTest {
    private static final long OBJECT = PoolAllocator.DEFAULT_OBJECT_SIZE;
    private static final String WHY_SIZE = "a pool serves one size: the base test needs blocks larger than an object";

    @Override
    protected AllocatorFactory factory(long heapBytes) {
        return AllocatorFactory.of("pool", heapBytes);
    }

    @Override
    protected Set<Misuse> detectedWithoutChecker() {
        return EnumSet.allOf(Misuse.class);
    }

    private Heap heap() {
        return checked().heap();
    }

    private PoolAllocator pool() {
        return (PoolAllocator) checked().delegate();
    }

    @Test
    @Replaces(value = "payloadsAreSixteenByteAlignedOnRealAddressesAndLargeEnough", because = WHY_SIZE)
    void payloadsAreAlignedAndHoldEverySizeUpToTheObjectSize() {
        List<Long> blocks = new ArrayList<>();
        for (long size = 0; size <= OBJECT; size++) {
            long p = checked().malloc(size);
            assertNotEquals(0, p, "malloc(" + size + ")");
            assertEquals(0, (heap().memory().address() + p) % 16);
            assertEquals(OBJECT, checked().usableSize(p));
            blocks.add(p);
        }
        assertEquals(0, checked().malloc(OBJECT + 1), "never another size");
        for (int i = 0; i < blocks.size(); i += 2) {
            checked().free(blocks.get(i));
        }
        for (int i = 1; i < blocks.size(); i += 2) {
            checked().free(blocks.get(i));
        }
    }

    @Test
    @Replaces(value = "alignedAllocHonoursEveryAlignment", because = WHY_SIZE + " (and aligned to more than the objects are)")
    void alignedAllocHonoursAlignmentsUpToTheObjectSize() {
        for (long alignment = 1; alignment <= 65536; alignment <<= 1) {
            for (long size : new long[] {0, 1, 24, OBJECT, OBJECT + 1}) {
                long p = checked().alignedAlloc(alignment, size);
                if (alignment <= OBJECT && size <= OBJECT) {
                    assertNotEquals(0, p, "alignedAlloc(" + alignment + ", " + size + ")");
                    assertEquals(0, (heap().memory().address() + p) % Math.max(16, alignment));
                    checked().free(p);
                } else {
                    assertEquals(0, p, "alignedAlloc(" + alignment + ", " + size + "): no object is aligned so, or large enough");
                }
            }
        }
    }

    @Test
    @Replaces(value = "requestsLargerThanTheHeapReturnNull", because = WHY_SIZE + " (its first block is 100 bytes)")
    void requestsLargerThanTheObjectOrTheHeapReturnNull() {
        long p = checked().malloc(OBJECT);
        assertEquals(0, checked().malloc(OBJECT + 1));
        assertEquals(0, checked().malloc(heap().capacity() + 1));
        assertEquals(0, checked().malloc(Long.MAX_VALUE));
        assertEquals(0, checked().calloc(1L << 40, 1));
        assertEquals(0, checked().alignedAlloc(64, Long.MAX_VALUE / 2));
        assertEquals(0, checked().alignedAlloc(1L << 40, 16));
        assertEquals(0, checked().realloc(p, Long.MAX_VALUE));
        assertFalse(checked().tryExpand(p, Long.MAX_VALUE));
        checked().verifyAll();
        checked().free(p);
    }

    @Test
    @Replaces(value = "exhaustionReturnsNullNotAnExceptionAndTheHeapRecovers", because = WHY_SIZE)
    void allObjectsThenNullAndAllAgainAfterGivingThemBack() {
        assertEquals(heap().capacity() / OBJECT, pool().objectCount(), "count=0: as many as the heap holds");
        long n = 600;
        try (CheckedAllocator small = new CheckedAllocator(new PoolAllocator(Heap.reserve(HEAP), OBJECT, n, "pool:count=600"))) {
            for (int round = 0; round < 2; round++) {
                List<Long> blocks = new ArrayList<>();
                for (long p; (p = small.malloc(40)) != 0; ) {
                    blocks.add(p);
                }
                assertEquals(n, blocks.size(), "exactly N objects, round " + round);
                assertEquals(0, small.calloc(1, 16));
                assertEquals(0, small.alignedAlloc(32, 16));
                for (int i = 0; i < blocks.size(); i += 2) {
                    small.free(blocks.get(i));
                }
                for (int i = 1; i < blocks.size(); i += 2) {
                    small.free(blocks.get(i));
                }
                assertEquals(small.heap().start() + n * OBJECT, small.heap().brk(), "the pool never grows");
            }
            assertEquals(0, small.malloc(HEAP / 4), "nor serves another size");
        }
    }

    @Test
    @Replaces(value = "aFailedReallocLeavesTheBlockIntact", because = WHY_SIZE)
    @Replaces(value = "tryExpandResizesInPlaceOrChangesNothing", because = WHY_SIZE)
    @Replaces(value = "reallocMovesContentsWhenItMustGrowElsewhere", because = WHY_SIZE + ": an object never moves")
    void reallocAndTryExpandStayWithinTheObjectOrFailIntact() {
        long p = checked().malloc(20);
        assertEquals(p, checked().realloc(p, OBJECT), "within the object: in place");
        assertTrue(checked().tryExpand(p, 10));
        assertTrue(checked().tryExpand(p, OBJECT));
        byte[] before = heap().snapshot();
        assertEquals(0, checked().realloc(p, OBJECT + 1), "beyond the object: 0");
        assertFalse(checked().tryExpand(p, OBJECT + 1));
        assertArrayEquals(before, heap().snapshot());
        checked().verifyAll();
        assertTrue(checked().live().contains(p));
        checked().free(p);
    }

    @Test
    @Replaces(value = "callocZeroesRecycledMemory", because = WHY_SIZE)
    void callocZeroesARecycledObject() {
        long p = checked().malloc(OBJECT);
        heap().fill(p, OBJECT, (byte) 0x5A);
        checked().free(p);
        long q = checked().calloc(4, OBJECT / 4); // the checker verifies the zeros (API-1)
        assertEquals(p, q, "the object just given back");
        checked().free(q);
    }

    @Test
    @Replaces(value = "segmentViewsMapBackToAddresses", because = WHY_SIZE)
    void segmentViewsOfObjectsMapBackToAddresses() {
        var raw = checked().delegate();
        long p = raw.malloc(OBJECT);
        MemorySegment view = raw.segment(p);
        assertEquals(OBJECT, view.byteSize());
        assertEquals(p, raw.offsetOf(view));
        view.set(ValueLayout.JAVA_LONG, 8, 0x1122334455667788L);
        assertEquals(0x1122334455667788L, heap().getLong(p + 8));
        assertThrows(IndexOutOfBoundsException.class, () -> view.get(ValueLayout.JAVA_BYTE, OBJECT));
        assertThrows(InvalidPointerException.class, () -> raw.segment(0));
        raw.free(p);
    }

    @Test
    @Replaces(value = "segmentAllocatorAllocatesAlignedBlocks", because = WHY_SIZE)
    void segmentAllocatorAllocatesObjects() {
        SegmentAllocator sa = checked().asSegmentAllocator();
        MemorySegment s = sa.allocate(ValueLayout.JAVA_LONG, 8);
        MemorySegment aligned = sa.allocate(48, 64);
        assertEquals(0, aligned.address() % 64);
        checked().free(checked().offsetOf(s));
        checked().free(checked().offsetOf(aligned));
        assertThrows(OutOfMemoryError.class, () -> sa.allocate(OBJECT + 1));
        assertEquals(0, checked().live().size());
    }

    @Test
    @Replaces(value = "arenaSegmentsAreZeroedAndCloseFreesEverything", because = WHY_SIZE)
    void arenaSegmentsOfObjectsAreZeroedAndCloseGivesThemBack() {
        var raw = checked().delegate();
        MemorySegment kept;
        try (Arena arena = raw.asArena()) {
            for (int i = 0; i < 50; i++) {
                MemorySegment s = arena.allocate(16 + i % 49, 8);
                for (long j = 0; j < s.byteSize(); j++) {
                    assertEquals(0, s.get(ValueLayout.JAVA_BYTE, j));
                }
                s.fill((byte) 7);
            }
            kept = arena.allocate(64, 64);
            assertEquals(51, raw.stats().allocatedBlocks());
        }
        assertEquals(0, raw.stats().allocatedBlocks());
        assertThrows(IllegalStateException.class, () -> kept.get(ValueLayout.JAVA_BYTE, 0));
        assertTrue(new HeapChecker().check(Inspection.of(raw).heapWalk()).isEmpty());
    }

    @Test
    @Replaces(value = "everyViewThrowsOnceTheAllocatorIsClosed", because = WHY_SIZE)
    @Replaces(value = "closingTheAllocatorOnAnotherThreadKillsTheArenaOnThisOne", because = WHY_SIZE)
    void everyViewOfAnObjectThrowsOnceThePoolIsClosedFromAnyThread() throws Exception {
        var raw = checked().delegate();
        Arena arena = raw.asArena();
        List<MemorySegment> views = List.of(raw.segment(raw.malloc(OBJECT)), raw.asSegmentAllocator().allocate(64, 32), arena.allocate(40));
        views.forEach(v -> v.fill((byte) 0x33));
        Thread t = Thread.ofPlatform().start(raw::close);
        t.join();
        for (MemorySegment v : views) {
            assertThrows(IllegalStateException.class, () -> v.get(ValueLayout.JAVA_BYTE, 0));
        }
        assertThrows(IllegalStateException.class, () -> arena.allocate(16));
        assertThrows(IllegalStateException.class, arena::close);
    }

    @Test
    @Replaces(value = "statsAddUp", because = WHY_SIZE)
    void statsAddUpWithObjectSizedRequests() {
        Heap h = Heap.reserve(HEAP);
        try (PoolAllocator raw = new PoolAllocator(h, OBJECT, 1000, "pool:count=1000")) {
            TrackingAllocator tracking = Allocators.tracking(raw);
            List<Long> blocks = new ArrayList<>();
            long requested = 0;
            for (int i = 1; i <= 40; i++) {
                blocks.add(tracking.malloc(i));
                requested += i;
            }
            for (int i = 0; i < blocks.size(); i += 3) {
                requested -= i + 1;
                tracking.free(blocks.get(i));
            }
            AllocatorStats s = tracking.stats();
            assertEquals(40 - 14, s.allocatedBlocks());
            assertEquals(requested, s.liveRequestedBytes().orElseThrow());
            assertEquals(26 * OBJECT, s.liveGrantedBytes());
            assertEquals(s.heapBytes(), s.liveGrantedBytes() + s.freeBytes() + s.metadataBytes() - s.externalMetadataBytes(),
                    "granted + free + in-heap metadata tile the heap: " + s);
            assertEquals((1000 - 26) * OBJECT, s.freeBytes());
            assertEquals(1000 * OBJECT, s.heapBytes());
            assertTrue(s.externalMetadataBytes() > 0, "the live bitmap");
        }
    }

    /** The op with every size clamped to the object size (and alignments to what the objects have). */
    static Op clamp(Op op) {
        return switch (op.kind()) {
            case 'c' -> Op.calloc(op.id(), 1, Math.min(OBJECT, op.requested()));
            case 'm' -> Op.aligned(op.id(), Math.min(OBJECT, op.arg()), Math.min(OBJECT, op.size()));
            case 'a', 'r', 'x' -> new Op(op.kind(), op.id(), Math.min(OBJECT, op.size()), op.arg());
            default -> op;
        };
    }

    static Trace clamp(Trace t) {
        return Trace.of(t.name(), t.ops().stream().map(PoolContractTest::clamp).toList());
    }

    static Stream<String> patterns() {
        return TraceGenerator.PATTERNS.stream();
    }

    @ParameterizedTest
    @MethodSource("patterns")
    @Replaces(value = "generatedWorkloadsReplayCleanUnderTheChecker", because = WHY_SIZE)
    void generatedWorkloadsAtTheObjectSizeReplayCleanUnderTheChecker(String pattern) {
        Trace trace = clamp(TraceGenerator.generate(pattern, 3000, 42));
        ReplayResult r = TraceReplayer.replay(trace, factory(16L << 20), TraceReplayer.Options.correctnessOnly(true));
        assertTrue(r.ok(), r.failure() + (r.outOfMemory() ? " (out of memory)" : ""));
    }

    @Test
    @Replaces(value = "malloclabTracesReplayCleanUnderTheChecker", because = WHY_SIZE)
    void malloclabTracesAtTheObjectSizeReplayCleanUnderTheChecker() {
        List<Path> files = SharedTraces.all();
        Assumptions.assumeFalse(files.isEmpty(), "../shared/traces/malloclab is absent");
        for (Path file : files) {
            ReplayResult r = TraceReplayer.replay(clamp(Trace.read(file)), factory(traceHeapBytes()), TraceReplayer.Options.correctnessOnly(true));
            assertTrue(r.ok(), file.getFileName() + ": " + r.failure() + (r.outOfMemory() ? " (out of memory)" : ""));
        }
    }

    @Test
    void aForeignPoolsObjectIsRefused() {
        try (PoolAllocator other = PoolAllocator.create(OBJECT, 16)) {
            long foreign = other.take();
            long mine = checked().malloc(OBJECT);
            assertThrows(InvalidPointerException.class, () -> pool().giveBack(foreign + 64 * 1024 * 1024));
            assertThrows(InvalidPointerException.class, () -> pool().giveBack(mine + 16), "inside an object");
            assertThrows(InvalidPointerException.class, () -> pool().giveBack(mine + OBJECT * 5), "an object never handed out");
            checked().free(mine);
        }
    }

    @Test
    void aCheckedPoolStaysCheckedThroughItsArena() {
        CheckedAllocator other = new CheckedAllocator(factory(HEAP).create(Heap.reserve(HEAP)), CheckedAllocator.Payloads.CALLER_OWNED);
        try (other; Arena arena = other.asArena()) {
            arena.allocate(OBJECT);
            assertEquals(1, other.live().size());
        }
    }

    private static final String WHY_TRIM = "a pool serves one size and keeps its capacity by design (issue 25 exempts it"
            + " from the resident-pages bound): the base tests need blocks larger than an object";

    @Test
    @Replaces(value = "trimLeavesTheCheckerPassingAndTheHeapUsable", because = WHY_TRIM)
    @Replaces(value = "trimGivesTheFreedPagesOfALargeLiveSetBack", because = WHY_TRIM)
    void trimLeavesTheCheckerPassingAndEveryObjectServedAgain() {
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 500; i++) { // checked: the whole heap is walked after every op
            long p = checked().malloc(1 + i % OBJECT);
            if (p == 0) {
                break;
            }
            blocks.add(p);
        }
        assertFalse(blocks.isEmpty());
        for (int i = 0; i < blocks.size(); i++) {
            if (i % 50 != 0) {
                checked().free(blocks.get(i));
            }
        }
        long released = checked().trim(); // the checker walks the heap and every live payload after it
        assertTrue(released >= 0);
        assertTrue(released % Heap.PAGE_SIZE == 0, "whole pages: " + released);
        List<Long> again = new ArrayList<>();
        for (int i = 0; i < blocks.size() - (blocks.size() + 49) / 50; i++) {
            long p = checked().malloc(OBJECT);
            assertNotEquals(0, p, "the trimmed pool serves its freed objects again");
            again.add(p);
        }
        for (long p : again) {
            checked().free(p);
        }
        for (int i = 0; i < blocks.size(); i += 50) {
            checked().free(blocks.get(i));
        }
        checked().trim();
        assertEquals(0, checked().stats().allocatedBlocks());
    }
}
