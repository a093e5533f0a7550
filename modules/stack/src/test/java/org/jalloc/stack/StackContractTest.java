package org.jalloc.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.jalloc.check.CheckedAllocator;
import org.jalloc.check.HeapChecker;
import org.jalloc.core.AllocatorStats;
import org.jalloc.core.Allocators;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.OutOfOrderFreeException;
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
import org.jalloc.testkit.trace.TraceReplayer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The allocator contract for {@code stack}. Every misuse of the table is detected without the checker. The base tests
 * that free blocks out of last-in-first-out order are replaced by tests of the same promise freeing newest first
 * (each names the base test it replaces and why, see {@link Replaces}):
 *
 * <table class="striped">
 *   <caption>Replaced base tests</caption>
 *   <tr><th>base test</th><th>why</th><th>replacement</th></tr>
 *   <tr><td>mallocZeroReturnsUniqueMinimumBlocks, payloadsAreSixteenByteAlignedOnRealAddressesAndLargeEnough,
 *       segmentAllocatorAllocatesAlignedBlocks, statsAddUp</td><td>they free older blocks first</td>
 *       <td>the same checks, freeing newest first</td></tr>
 *   <tr><td>alignedAllocHonoursEveryAlignment</td><td>frees the middle block each round</td><td>frees the newest</td></tr>
 *   <tr><td>exhaustionReturnsNullNotAnExceptionAndTheHeapRecovers</td><td>frees evens then odds</td>
 *       <td>frees newest first; the frame API throws StackOverflowException at the limit, stack unchanged</td></tr>
 *   <tr><td>aFailedReallocLeavesTheBlockIntact, reallocMovesContentsWhenItMustGrowElsewhere</td>
 *       <td>only the newest block can move (moving another would free it out of order)</td>
 *       <td>the newest block moves (slides down); an older one's realloc fails intact</td></tr>
 *   <tr><td>both misuse tests</td><td>the fixture frees the middle block</td>
 *       <td>the fixture frees the newest; plus out-of-order free</td></tr>
 *   <tr><td>generatedWorkloadsReplayCleanUnderTheChecker, malloclabTracesReplayCleanUnderTheChecker</td>
 *       <td>the workloads free in any order</td><td>LIFO workloads replay clean; a malloc-lab trace is refused at its first
 *       out-of-order free with OutOfOrderFreeException</td></tr>
 * </table>
 */
class StackContractTest extends AllocatorContractTest {
    @Override
    protected AllocatorFactory factory(long heapBytes) {
        return AllocatorFactory.of("stack", heapBytes);
    }

    @Override
    protected Set<Misuse> detectedWithoutChecker() {
        return EnumSet.allOf(Misuse.class);
    }

    private Heap heap() {
        return checked().heap();
    }

    private void freeNewestFirst(List<Long> blocks) {
        for (int i = blocks.size() - 1; i >= 0; i--) {
            checked().free(blocks.get(i));
        }
    }

    @Test
    @Replaces(value = "mallocZeroReturnsUniqueMinimumBlocks", because = "LIFO: it frees the older block first")
    void mallocZeroReturnsUniqueMinimumBlocksFreedNewestFirst() {
        long p = checked().malloc(0);
        long q = checked().malloc(0);
        assertNotEquals(0, p);
        assertNotEquals(0, q);
        assertNotEquals(p, q);
        assertTrue(checked().usableSize(p) >= 16);
        checked().free(q);
        checked().free(p);
    }

    @Test
    @Replaces(value = "payloadsAreSixteenByteAlignedOnRealAddressesAndLargeEnough", because = "LIFO: it frees evens, then odds")
    void payloadsAreSixteenByteAlignedOnRealAddressesAndLargeEnoughFreedNewestFirst() {
        List<Long> blocks = new ArrayList<>();
        for (long size = 0; size <= 600; size += 7) {
            long p = checked().malloc(size);
            assertNotEquals(0, p);
            assertEquals(0, (heap().memory().address() + p) % 16, "real address of malloc(" + size + ")");
            assertTrue(checked().usableSize(p) >= Math.max(16, size));
            blocks.add(p);
        }
        freeNewestFirst(blocks);
        assertEquals(0, checked().live().size());
    }

    @Test
    @Replaces(value = "alignedAllocHonoursEveryAlignment", because = "LIFO: it frees the middle block of each round")
    void alignedAllocHonoursEveryAlignmentFreedNewestFirst() {
        List<Long> blocks = new ArrayList<>();
        for (long alignment = 1; alignment <= 65536; alignment <<= 1) {
            for (long size : new long[] {0, 1, 24, 100, 4096}) {
                long p = checked().alignedAlloc(alignment, size);
                assertNotEquals(0, p, "alignedAlloc(" + alignment + ", " + size + ")");
                assertEquals(0, (heap().memory().address() + p) % Math.max(16, alignment));
                blocks.add(p);
            }
            checked().free(blocks.remove(blocks.size() - 1));
        }
        freeNewestFirst(blocks);
    }

    @Test
    @Replaces(value = "exhaustionReturnsNullNotAnExceptionAndTheHeapRecovers", because = "LIFO: it frees evens, then odds")
    void exhaustionReturnsNullThroughMallocOverflowsThroughTheFrameApiAndTheStackRecovers() {
        List<Long> blocks = new ArrayList<>();
        for (long p; (p = checked().malloc(1000)) != 0; ) {
            blocks.add(p);
        }
        assertEquals(0, checked().calloc(100, 100));
        assertEquals(0, checked().alignedAlloc(4096, 4000));
        StackAllocator stack = (StackAllocator) checked().delegate();
        byte[] before = heap().snapshot();
        long sp = stack.stackPointer();
        StackOverflowException e = assertThrows(StackOverflowException.class, () -> stack.alloc(1000));
        assertEquals(1024, e.requested(), "16-byte header + 1008");
        assertEquals(sp - stack.limit(), e.available());
        assertEquals(sp, stack.stackPointer(), "overflow is caught before anything is written");
        assertArrayEquals(before, heap().snapshot());
        assertFalse(blocks.isEmpty());
        freeNewestFirst(blocks);
        assertNotEquals(0, checked().malloc(HEAP / 4), "the whole stack is reusable after freeing everything");
    }

    @Test
    @Replaces(value = "aFailedReallocLeavesTheBlockIntact", because = "only the newest block can move: moving another frees it out of order")
    void aFailedReallocOfAnOlderOrOfTheNewestBlockLeavesItIntact() {
        long p = checked().malloc(300);
        List<Long> filler = new ArrayList<>();
        for (long q; (q = checked().malloc(4000)) != 0; ) {
            filler.add(q);
        }
        assertEquals(0, checked().realloc(p, 1000), "an older block cannot move");
        assertEquals(0, checked().realloc(filler.get(filler.size() - 1), HEAP / 2), "no room to grow the newest");
        checked().verifyAll();
        assertTrue(checked().live().contains(p));
        assertFalse(checked().tryExpand(p, HEAP / 2));
        freeNewestFirst(filler);
        checked().free(p);
    }

    @Test
    @Replaces(value = "reallocMovesContentsWhenItMustGrowElsewhere", because = "only the newest block can move: moving another frees it out of order")
    void reallocSlidesTheNewestBlockDownKeepingItsContents() {
        long fence = checked().malloc(64);
        long p = checked().malloc(64);
        long moved = checked().realloc(p, 10_000); // the checker verifies the first 64 bytes moved (API-2)
        assertNotEquals(0, moved);
        assertTrue(moved < p, "a stack grows down");
        assertEquals(0, checked().realloc(fence, 10_000), "the fence is older: it cannot move");
        checked().free(moved);
        checked().free(fence);
    }

    @Test
    @Replaces(value = "segmentAllocatorAllocatesAlignedBlocks", because = "LIFO: it frees the older segment first")
    void segmentAllocatorAllocatesAlignedBlocksFreedNewestFirst() {
        SegmentAllocator sa = checked().asSegmentAllocator();
        MemorySegment s = sa.allocate(ValueLayout.JAVA_LONG, 10);
        assertEquals(80, s.byteSize());
        MemorySegment big = sa.allocate(1000, 256);
        assertEquals(0, big.address() % 256);
        big.setAtIndex(ValueLayout.JAVA_LONG, 124, 42); // written by the caller: freed next, before the checker looks
        assertEquals(42, big.getAtIndex(ValueLayout.JAVA_LONG, 124));
        checked().free(checked().offsetOf(big));
        checked().free(checked().offsetOf(s));
        assertThrows(OutOfMemoryError.class, () -> sa.allocate(HEAP * 2));
        assertEquals(0, checked().live().size());
    }

    @Test
    @Replaces(value = "statsAddUp", because = "LIFO: it frees every third block")
    void statsAddUpFreeingNewestFirst() {
        Heap h = Heap.reserve(HEAP);
        try (StackAllocator raw = new StackAllocator(h, HEAP, "stack")) {
            TrackingAllocator tracking = Allocators.tracking(raw);
            List<Long> blocks = new ArrayList<>();
            long requested = 0;
            for (int i = 1; i <= 40; i++) {
                blocks.add(tracking.malloc(i * 13L));
                requested += i * 13L;
            }
            for (int i = 40; i > 27; i--) {
                requested -= i * 13L;
                tracking.free(blocks.remove(blocks.size() - 1));
            }
            AllocatorStats s = tracking.stats();
            assertEquals(27, s.allocatedBlocks());
            assertEquals(requested, s.liveRequestedBytes().orElseThrow());
            assertTrue(s.liveGrantedBytes() >= requested);
            assertEquals(s.heapBytes(), s.liveGrantedBytes() + s.freeBytes() + s.metadataBytes() - s.externalMetadataBytes(),
                    "granted + free + in-heap metadata tile the heap: " + s);
            assertEquals(1, s.freeBlocks(), "one free region, below the stack pointer");
            assertEquals(s.freeBytes(), s.largestFreeBlock());
            assertEquals(HEAP - raw.used(), s.freeBytes());
        }
    }

    /** Three live 48-byte blocks a, b, c; for the "freed" cases c, the newest, freed. Returns {a, c}. */
    private static long[] lifoFixture(org.jalloc.core.Allocator allocator, boolean freeNewest) {
        long a = allocator.malloc(48);
        allocator.malloc(48);
        long c = allocator.malloc(48);
        if (freeNewest) {
            allocator.free(c);
        }
        return new long[] {a, c};
    }

    @ParameterizedTest
    @EnumSource(Misuse.class)
    @Replaces(value = "misuseInCheckedModeIsDetectedExactlyAndLeavesTheHeapUnchanged", because = "LIFO: the fixture frees the middle block")
    void misuseInCheckedModeIsDetectedExactlyOnALifoFixture(Misuse misuse) {
        long[] ac = lifoFixture(checked(), misuse.freesFirst());
        byte[] before = heap().snapshot();
        InvalidPointerException e = assertThrows(InvalidPointerException.class, () -> misuse(misuse, checked(), ac[0], ac[1]));
        assertEquals(misuse.checkedException, e.getClass(), String.valueOf(e.getMessage()));
        assertArrayEquals(before, heap().snapshot(), "misuse changed the heap");
        checked().verifyAll();
    }

    @ParameterizedTest
    @EnumSource(Misuse.class)
    @Replaces(value = "misuseWithoutTheCheckerIsDetectedAsDocumented", because = "LIFO: the fixture frees the middle block")
    void misuseWithoutTheCheckerIsDetectedOnALifoFixture(Misuse misuse) {
        Heap h = Heap.reserve(HEAP);
        try (StackAllocator raw = new StackAllocator(h, HEAP, "stack")) {
            long[] ac = lifoFixture(raw, misuse.freesFirst());
            byte[] before = h.snapshot();
            InvalidPointerException e = assertThrows(InvalidPointerException.class, () -> misuse(misuse, raw, ac[0], ac[1]));
            if (misuse.freesFirst()) {
                assertEquals(DoubleFreeException.class, e.getClass(), "the freed block's header is intact below the stack pointer: " + e);
            }
            assertArrayEquals(before, h.snapshot(), "misuse changed the heap");
            assertTrue(new HeapChecker().check(Inspection.of(raw).heapWalk()).isEmpty());
        }
    }

    /** Misuse's cases on the LIFO fixture: the freed block is c (the newest), the live one a. */
    private static void misuse(Misuse m, org.jalloc.core.Allocator al, long a, long c) {
        long brk = Inspection.of(al).heap().brk();
        switch (m) {
            case DOUBLE_FREE -> al.free(c);
            case REALLOC_FREED -> al.realloc(c, 100);
            case EXPAND_FREED -> al.tryExpand(c, 20);
            case USABLE_SIZE_FREED -> al.usableSize(c);
            case INTERIOR -> al.free(a + 16);
            case MISALIGNED -> al.free(a + 1);
            case BEYOND_BREAK -> al.free((brk + 4096) & -16L);
            case GUARD_PAGE -> al.free(Inspection.of(al).heap().start() - 64);
            case FOREIGN -> al.free(Inspection.of(al).heap().limit() + 4096);
        }
    }

    @Test
    void anOutOfOrderFreeIsItsOwnMisuseWithOrWithoutTheChecker() {
        long[] ac = lifoFixture(checked(), false);
        byte[] before = heap().snapshot();
        assertThrows(OutOfOrderFreeException.class, () -> checked().free(ac[0]), "checked mode passes the stack's verdict through");
        assertThrows(OutOfOrderFreeException.class, () -> checked().delegate().free(ac[0]));
        assertThrows(OutOfOrderFreeException.class, () -> checked().realloc(ac[0], 0), "realloc(p, 0) frees p");
        assertArrayEquals(before, heap().snapshot());
        checked().verifyAll();
    }

    /** LIFO workloads in the malloc-lab format: recursion, a sawtooth, and random pushes and pops. */
    static Trace lifoTrace(String shape, int ops, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        List<Op> out = new ArrayList<>();
        List<Integer> stack = new ArrayList<>();
        int next = 0;
        while (out.size() < ops) {
            boolean push = switch (shape) {
                case "recursion" -> (out.size() / 200) % 2 == 0 || stack.isEmpty();
                case "sawtooth" -> stack.size() < 1 + (out.size() / 7) % 40;
                default -> stack.isEmpty() || r.nextInt(100) < 55;
            };
            if (push) {
                int id = next++;
                long size = 1 + r.nextInt(r.nextInt(8) == 0 ? 8192 : 256);
                out.add(switch (r.nextInt(6)) {
                    case 0 -> Op.calloc(id, 1 + r.nextInt(8), 1 + size / 8);
                    case 1 -> Op.aligned(id, 1L << (4 + r.nextInt(8)), size);
                    default -> Op.malloc(id, size);
                });
                stack.add(id);
            } else {
                int id = stack.remove(stack.size() - 1);
                out.add(r.nextInt(5) == 0 ? Op.realloc(id, 0) : Op.free(id));
            }
        }
        return Trace.of(shape + ".rep", out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"recursion", "sawtooth", "random"})
    @Replaces(value = "generatedWorkloadsReplayCleanUnderTheChecker", because = "LIFO: the generated patterns free in any order")
    void lifoWorkloadsReplayCleanUnderTheChecker(String shape) {
        ReplayResult r = TraceReplayer.replay(lifoTrace(shape, 3000, 42), factory(16L << 20), TraceReplayer.Options.correctnessOnly(true));
        assertTrue(r.ok(), r.failure() + (r.outOfMemory() ? " (out of memory)" : ""));
    }

    /**
     * A malloc-lab trace runs clean under the checker until it breaks the discipline: its first free of an older block
     * is refused with {@link OutOfOrderFreeException} (checked mode passes it through), or its first realloc that
     * would move an older block returns 0, which the replayer reports as running out of memory.
     */
    @Test
    @Replaces(value = "malloclabTracesReplayCleanUnderTheChecker", because = "LIFO: the malloc-lab traces free in any order")
    void malloclabTracesAreRefusedWhereTheyFirstBreakTheDiscipline() {
        List<Path> files = SharedTraces.all();
        Assumptions.assumeFalse(files.isEmpty(), "../shared/traces/malloclab is absent");
        for (Path file : files) {
            ReplayResult r = TraceReplayer.replay(Trace.read(file), factory(traceHeapBytes()), TraceReplayer.Options.correctnessOnly(true));
            assertFalse(r.ok(), file.getFileName() + " frees out of LIFO order somewhere");
            assertTrue(r.failure().contains("OutOfOrderFreeException") || r.failure().isEmpty() && r.outOfMemory(),
                    file.getFileName() + ": " + r.failure());
            assertFalse(r.failure().contains("HEAP-") || r.failure().contains("API-"), file.getFileName() + ": " + r.failure());
        }
    }

    @Test
    void aCheckedStacksArenaFreesNewestFirst() {
        CheckedAllocator other = new CheckedAllocator(factory(HEAP).create(Heap.reserve(HEAP)), CheckedAllocator.Payloads.CALLER_OWNED);
        try (other) {
            try (var arena = other.asArena()) {
                for (int i = 0; i < 20; i++) {
                    arena.allocate(16 + i * 8L);
                }
            }
            assertEquals(0, other.live().size());
            other.verifyAll();
        }
    }

    private static final String WHY_TRIM = "a stack frees newest first and keeps its capacity by design (issue 25 exempts it"
            + " from the resident-pages bound): the base tests free out of LIFO order";

    @Test
    @Replaces(value = "trimLeavesTheCheckerPassingAndTheHeapUsable", because = WHY_TRIM)
    @Replaces(value = "trimGivesTheFreedPagesOfALargeLiveSetBack", because = WHY_TRIM)
    void trimAfterNewestFirstFreesLeavesTheCheckerPassingAndTheStackUsable() {
        try (Heap h = Heap.reserve(16L << 20)) {
            CheckedAllocator c = new CheckedAllocator(factory(16L << 20).create(h));
            List<Long> blocks = new ArrayList<>();
            for (int i = 0; i < 1_500; i++) { // checked: the whole heap is walked after every op
                long p = c.malloc(16 + (i % 7) * 40);
                assertNotEquals(0, p);
                blocks.add(p);
            }
            for (int i = blocks.size() - 1; i >= 100; i--) {
                c.free(blocks.remove(i)); // newest first
            }
            long released = c.trim(); // the checker walks the heap and every live payload after it
            assertTrue(released >= 0);
            assertTrue(released % Heap.PAGE_SIZE == 0, "whole pages: " + released);
            long again = c.malloc(300 * 1024);
            assertNotEquals(0, again, "the trimmed stack serves a large frame again");
            c.free(again);
            for (int i = blocks.size() - 1; i >= 0; i--) {
                c.free(blocks.get(i));
            }
            c.trim();
            assertEquals(0, c.stats().allocatedBlocks());
        }
    }
}
