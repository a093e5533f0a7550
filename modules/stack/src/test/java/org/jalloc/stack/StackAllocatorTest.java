package org.jalloc.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.jalloc.check.CheckedAllocator;
import org.jalloc.check.HeapChecker;
import org.jalloc.core.Allocator;
import org.jalloc.core.Allocators;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.InvalidSizeException;
import org.jalloc.core.OutOfOrderFreeException;
import org.jalloc.core.StaleCheckpointException;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.Inspection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The stack's own API: frames, overflow, LIFO misuse, per-thread stacks, the guard page, realloc, FFM arenas as frames. */
class StackAllocatorTest {
    private static final long CAPACITY = 64 << 10;
    private final StackAllocator stack = StackAllocator.create(CAPACITY);
    private final Heap heap = Inspection.of(stack).heap();

    @AfterEach
    void close() {
        stack.close();
    }

    private void assertWellFormed() {
        var v = new HeapChecker().check(Inspection.of(stack).heapWalk());
        assertTrue(v.isEmpty(), v::toString);
    }

    @Test
    void aFrameReleasesEverythingAllocatedInItAtOnce() {
        long outer = stack.push();
        long a = stack.alloc(100);
        long inner = stack.push();
        for (int i = 0; i < 1000; i++) {
            stack.alloc(i % 64);
        }
        assertEquals(2, stack.depth());
        long usedInside = stack.used();
        stack.pop(inner);
        assertEquals(a - 16, stack.stackPointer(), "back to the outer frame's newest block");
        assertTrue(stack.used() < usedInside);
        assertEquals(1, stack.depth());
        heap.putLong(a, 7);
        stack.pop(outer);
        assertEquals(0, stack.used());
        assertEquals(0, stack.depth());
        assertTrue(stack.peakUsed() >= usedInside);
        assertWellFormed();
    }

    @Test
    void allocationIsOneSubtractDownFromTheBase() {
        long p = stack.alloc(16);
        long q = stack.alloc(40);
        assertEquals(stack.limit() + CAPACITY - 32 + 16, p, "the first block sits at the top of the region");
        assertEquals(p - 16 - 64 + 16, q, "the next one right below it");
        assertEquals(16, stack.usableSize(p));
        assertEquals(48, stack.usableSize(q));
    }

    @Test
    void overflowIsCaughtBeforeAnyByteIsWrittenAndTheStackIsUnchanged() {
        long frame = stack.push();
        while (stack.stackPointer() - stack.limit() >= 1024) {
            stack.alloc(1000);
        }
        long sp = stack.stackPointer();
        byte[] before = heap.snapshot();
        StackOverflowException e = assertThrows(StackOverflowException.class, () -> stack.alloc(1000));
        assertEquals(1024, e.requested());
        assertEquals(sp - stack.limit(), e.available());
        assertThrows(StackOverflowException.class, () -> stack.alloc(Long.MAX_VALUE / 2));
        assertThrows(InvalidSizeException.class, () -> stack.alloc(-1));
        assertEquals(0, stack.malloc(1000), "the Allocator face returns 0, as every allocator does");
        assertEquals(sp, stack.stackPointer());
        assertArrayEquals(before, heap.snapshot());
        while (stack.stackPointer() - stack.limit() >= 32) {
            stack.alloc(0);
        }
        long last = stack.stackPointer() - stack.limit() >= 16 ? stack.push() : 0; // the last 16 bytes hold a frame record
        assertEquals(stack.limit(), stack.stackPointer(), "full to the limit");
        assertThrows(StackOverflowException.class, stack::push, "no room for a frame record");
        assertEquals(0, stack.checkpoint(), "checkpoint() says so with 0");
        if (last != 0) {
            stack.pop(last);
        }
        stack.pop(frame);
        assertEquals(0, stack.used());
        assertWellFormed();
    }

    @Test
    void framesPopInLifoOrderOnlyAndStaleFramesAreRefused() {
        long f1 = stack.push();
        stack.alloc(64);
        long f2 = stack.push();
        stack.alloc(64);
        byte[] before = heap.snapshot();
        long sp = stack.stackPointer();
        assertThrows(OutOfOrderFreeException.class, () -> stack.pop(f1), "f2 is newer and still open");
        assertThrows(StaleCheckpointException.class, () -> stack.pop(f2 + 1), "never pushed");
        assertThrows(StaleCheckpointException.class, () -> stack.pop(0));
        assertArrayEquals(before, heap.snapshot());
        assertEquals(sp, stack.stackPointer());
        stack.pop(f2);
        assertThrows(StaleCheckpointException.class, () -> stack.pop(f2), "popped already");
        long f3 = stack.push();
        assertNotEquals(f2, f3, "tokens are never reused");
        assertThrows(StaleCheckpointException.class, () -> stack.pop(f2), "an old token does not pop the frame now at its place");
        stack.pop(f3);
        stack.pop(f1);
        assertEquals(0, stack.depth());
        assertWellFormed();
    }

    @Test
    void onlyTheNewestBlockOfTheNewestFrameIsFreed() {
        long a = stack.alloc(48);
        long b = stack.alloc(48);
        long frame = stack.push();
        byte[] before = heap.snapshot();
        assertThrows(OutOfOrderFreeException.class, () -> stack.free(b), "b belongs to an older frame");
        assertThrows(OutOfOrderFreeException.class, () -> stack.free(a));
        assertThrows(InvalidPointerException.class, () -> stack.free(b + 16), "inside b");
        assertThrows(InvalidPointerException.class, () -> stack.free(stack.stackPointer() + 16), "the frame record is no block");
        assertArrayEquals(before, heap.snapshot());
        stack.pop(frame);
        stack.free(b);
        assertThrows(DoubleFreeException.class, () -> stack.free(b), "below the stack pointer, its header intact");
        stack.free(a);
        assertEquals(0, stack.used());
    }

    @Test
    void reallocSlidesTheNewestBlockAndNothingElseMoves() {
        long a = stack.alloc(32);
        long b = stack.malloc(32);
        heap.putLong(b + 24, 0x1234);
        long moved = stack.realloc(b, 500);
        assertTrue(moved < b);
        assertEquals(0x1234, heap.getLong(moved + 24), "contents kept");
        assertEquals(0, stack.realloc(a, 500), "a is older: it cannot move");
        assertEquals(a, stack.realloc(a, 20), "shrinking in place is fine");
        assertFalse(stack.tryExpand(moved, 1000), "the space above a block is its older neighbour's");
        assertTrue(stack.tryExpand(moved, 100));
        assertEquals(0, stack.realloc(moved, CAPACITY), "no room: 0, the block intact");
        assertEquals(0x1234, heap.getLong(moved + 24));
        stack.free(moved);
        stack.free(a);
        assertWellFormed();
    }

    @Test
    void alignedBlocksAbsorbTheirSlack() {
        long p = stack.alignedAlloc(4096, 100);
        assertEquals(0, (heap.memory().address() + p) % 4096);
        assertTrue(stack.usableSize(p) >= 100);
        long q = stack.alignedAlloc(256, 10);
        assertEquals(0, q % 256);
        stack.free(q);
        stack.free(p);
        assertEquals(0, stack.used());
    }

    @Test
    void theGuardPageBelowTheLimitIsProtected() throws IOException {
        assertTrue(stack.hasGuardPage());
        long base = heap.memory().address();
        assertEquals("---p", permissions(base + stack.limit() - 1), "the page right below the limit");
        assertEquals("rw-p", permissions(base + stack.limit()), "the stack itself");
        assertEquals(Heap.PAGE_SIZE, stack.limit(), "the guard page is the heap's first page");
    }

    /** The permissions /proc/self/maps shows for the mapping holding {@code address}. */
    static String permissions(long address) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            String[] f = line.split("\\s+");
            String[] range = f[0].split("-");
            if (Long.compareUnsigned(Long.parseUnsignedLong(range[0], 16), address) <= 0
                    && Long.compareUnsigned(address, Long.parseUnsignedLong(range[1], 16)) < 0) {
                return f[1];
            }
        }
        return "";
    }

    @Test
    void eachThreadGetsItsOwnStackSizedWhenItIsCreated() throws Exception {
        long old = StackAllocator.threadStackSize();
        StackAllocator.closeCurrent(); // another test on this thread may have made one
        try {
            StackAllocator.setThreadStackSize(128 << 10);
            StackAllocator mine = StackAllocator.current();
            assertSame(mine, StackAllocator.current(), "created on first use, then the same");
            assertEquals(128 << 10, mine.capacity());
            StackAllocator.setThreadStackSize(256 << 10);
            assertEquals(128 << 10, StackAllocator.current().capacity(), "a thread keeps the size it was created with");
            CompletableFuture<StackAllocator> other = new CompletableFuture<>();
            Thread t = Thread.ofPlatform().start(() -> {
                StackAllocator s = StackAllocator.current();
                long f = s.push();
                s.alloc(1000);
                s.pop(f);
                other.complete(s);
            });
            t.join();
            StackAllocator theirs = other.get(10, TimeUnit.SECONDS);
            assertNotSame(mine, theirs);
            assertEquals(256 << 10, theirs.capacity());
            assertTrue(theirs.hasGuardPage());
            theirs.close(); // what the cleaner does once the thread object is collected
            StackAllocator.closeCurrent();
            StackAllocator fresh = StackAllocator.current();
            assertNotSame(mine, fresh, "closeCurrent unmapped it; the next use makes a new one");
            assertThrows(IllegalStateException.class, () -> Inspection.of(mine).heap().getLong(mine.limit()));
            StackAllocator.closeCurrent();
            assertThrows(IllegalArgumentException.class, () -> StackAllocator.setThreadStackSize(100));
        } finally {
            StackAllocator.setThreadStackSize(old);
        }
    }

    @Test
    void anFfmArenaIsAFrame() {
        long a = stack.alloc(32);
        MemorySegment s;
        try (Arena arena = stack.asArena()) {
            assertEquals(1, stack.depth());
            s = arena.allocate(ValueLayout.JAVA_LONG, 100);
            s.setAtIndex(ValueLayout.JAVA_LONG, 99, 5);
            stack.alloc(64); // a block of the frame through the stack itself
            Arena inner = stack.asArena();
            inner.allocate(16);
            byte[] before = heap.snapshot();
            assertThrows(OutOfOrderFreeException.class, arena::close, "the inner frame is newer");
            assertArrayEquals(before, heap.snapshot());
            assertTrue(s.scope().isAlive(), "a refused close changes nothing");
            inner.close();
        }
        assertEquals(0, stack.depth());
        assertEquals(a - 16, stack.stackPointer(), "everything since the arena opened is gone");
        assertFalse(s.scope().isAlive());
        assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0));
        stack.free(a);
    }

    @Test
    void theCapacityIsEightMegabytesByDefaultAndAtMostTheHeap() {
        try (Allocator big = Allocators.create("stack", 64L << 20); Allocator small = Allocators.create("stack", 64 << 10);
             Allocator sized = Allocators.create("stack:size=1M", 64L << 20)) {
            assertEquals(8L << 20, ((StackAllocator) big).capacity());
            assertEquals(64 << 10, ((StackAllocator) small).capacity());
            assertEquals(1 << 20, ((StackAllocator) sized).capacity());
            assertEquals("stack:size=1M", sized.name());
        }
    }

    @Test
    void statsTellTheStacksShape() {
        long f = stack.push();
        stack.alloc(100);
        StackMetric v = stack.stats().metric(StackMetric.class).orElseThrow();
        assertEquals(CAPACITY, v.capacity());
        assertEquals(16L + 128, v.usedBytes());
        assertEquals(1, v.framesOpen());
        assertTrue(v.guardPage());
        stack.pop(f);
        assertEquals(0L, stack.stats().metric(StackMetric.class).orElseThrow().usedBytes());
        assertEquals(144L, stack.stats().metric(StackMetric.class).orElseThrow().peakUsedBytes());
    }

    @Test
    void resetEndsEveryFrame() {
        long f = stack.push();
        stack.alloc(10);
        stack.reset();
        assertEquals(0, stack.used());
        assertThrows(StaleCheckpointException.class, () -> stack.pop(f));
        assertWellFormed();
    }

    @Test
    void aCheckedStackPassesTheDisciplineThroughAndKeepsItsShadow() {
        CheckedAllocator checked = new CheckedAllocator(stack);
        long a = checked.malloc(10);
        long b = checked.malloc(10);
        assertThrows(OutOfOrderFreeException.class, () -> checked.free(a));
        assertEquals(2, checked.live().size());
        checked.free(b);
        checked.free(a);
        checked.verifyAll();
    }
}
