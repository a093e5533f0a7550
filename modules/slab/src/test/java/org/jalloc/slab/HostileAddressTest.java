package org.jalloc.slab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.jalloc.core.walk.Inspection;
import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.shadow.LiveBlocks;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Addresses no program got from the slab layer, chosen to reach every index computed from a user address (the page
 * map's chunk index, buddy's frame number): high bits, negative addresses, the last 16-aligned address below the
 * break, beyond the break and the reservation, the guard page. kmalloc's free, usableSize, realloc and tryExpand, a
 * cache's free and segment, and objectInfo must throw {@link InvalidPointerException} and leave the heap byte for
 * byte as it was.
 */
class HostileAddressTest {
    private static final long MIB = 1 << 20;
    private final Heap heap = Heap.reserve(64 * MIB);
    private final SlabAllocator slab = SlabAllocator.builder().build(heap);
    private final SlabCache own = slab.newCache("hostile-own", 40).build();
    private final List<Long> live = new ArrayList<>();

    @AfterEach
    void close() {
        slab.close();
    }

    private List<Long> hostile() {
        return List.of(1L << 53, 1L << 53 | 1L << 12, 1L << 42, 1L << 31, 1L << 32, 0x7fff_ffff_0000L,
                -16L, -4096L, Long.MIN_VALUE, Long.MIN_VALUE + 16, Long.MAX_VALUE & ~15L, (Long.MAX_VALUE & ~15L) - (1L << 22),
                heap.brk() - 16, heap.brk(), heap.brk() + 4096, heap.brk() + 16 * MIB, heap.limit() - 16, heap.limit(),
                heap.limit() + 4 * MIB, 16L, Heap.PAGE_SIZE - 16);
    }

    private void assertRefused(String what, Consumer<Long> op) {
        for (long p : hostile()) {
            byte[] before = heap.snapshot();
            long brk = heap.brk();
            assertThrows(InvalidPointerException.class, () -> op.accept(p), () -> what + "(0x" + Long.toHexString(p) + ")");
            assertEquals(brk, heap.brk(), what);
            assertArrayEquals(before, heap.snapshot(), () -> what + "(0x" + Long.toHexString(p) + ") changed the heap");
        }
        LiveBlocks shadow = new LiveBlocks();
        live.forEach(p -> shadow.put(p, 1, 0));
        List<Violation> v = new HeapChecker().check(Inspection.of(slab).heapWalk(), shadow, slab::usableSize);
        assertTrue(v.isEmpty(), v::toString);
    }

    @Test
    void hostileAddressesAreInvalidPointersAndChangeNothing() {
        for (int i = 0; i < 40; i++) {
            live.add(slab.malloc(48));
        }
        live.add(slab.malloc(300 << 10));
        live.add(slab.malloc(3000));
        for (int i = 0; i < 40; i += 3) {
            slab.free(live.get(i));
            live.set(i, 0L);
        }
        live.removeIf(p -> p == 0);
        own.free(own.alloc()); // the cache keeps its (empty) slab
        assertRefused("free", slab::free);
        assertRefused("usableSize", slab::usableSize);
        assertRefused("realloc", p -> slab.realloc(p, 64));
        assertRefused("realloc to 0", p -> slab.realloc(p, 0));
        assertRefused("realloc beyond the heap", p -> slab.realloc(p, Long.MAX_VALUE));
        assertRefused("tryExpand", p -> slab.tryExpand(p, 64));
        assertRefused("tryExpand beyond the heap", p -> slab.tryExpand(p, Long.MAX_VALUE));
        assertRefused("objectInfo", slab::objectInfo);
        assertRefused("cache free", own::free);
        assertRefused("cache segment", own::segment);
        live.forEach(slab::free);
        live.clear();
        assertRefused("free on an empty heap", slab::free);
    }
}
