package org.jalloc.threadcache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.jalloc.core.walk.Inspection;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.Test;

/**
 * Addresses no program got from the allocator, chosen to reach every index the page map computes from a user address:
 * high bits (the root index of the radix tree truncated to an int), negative addresses, the last 16-aligned address
 * below the break, addresses beyond the break in a leaf that exists and in one that was never created, and beyond the
 * reservation. Each of free, usableSize, realloc and tryExpand (implicit and explicit-cache paths) must throw
 * {@link InvalidPointerException} and leave the heap byte for byte as it was.
 */
class HostileAddressTest {
    private static final long MIB = 1 << 20;

    /** A 64 MiB heap (16 page-map leaves of 4 MiB) with blocks of a small class and a large block, some freed. */
    private static List<Long> hostile(ThreadCacheAllocator a) {
        Heap heap = Inspection.of(a).heap();
        List<Long> out = new ArrayList<>(List.of(
                1L << 53, 1L << 53 | 1L << 12, 1L << 42, 1L << 31, 1L << 32, 0x7fff_ffff_0000L,
                -16L, -4096L, Long.MIN_VALUE, Long.MIN_VALUE + 16, Long.MAX_VALUE & ~15L, (Long.MAX_VALUE & ~15L) - (1L << 22),
                heap.brk() - 16,
                heap.brk(),
                heap.brk() + 4096,
                heap.limit() - 16,
                heap.limit(),
                heap.limit() + (4 * MIB),
                16L));
        long leafBytes = 1L << PageHeap.MAP_LEAF_BITS << SizeClasses.PAGE_SHIFT;
        long unmappedLeaf = (heap.brk() + 2 * leafBytes) & -leafBytes;
        assertNull(a.pageHeap.map.get(unmappedLeaf >>> SizeClasses.PAGE_SHIFT));
        out.add(unmappedLeaf);
        out.add(unmappedLeaf + 4096 + 48);
        return out;
    }

    private static void assertRefused(ThreadCacheAllocator a, List<Long> keep, String what, Consumer<Long> op) {
        for (long p : hostile(a)) {
            byte[] before = Inspection.of(a).heap().snapshot();
            long brk = Inspection.of(a).heap().brk();
            assertThrows(InvalidPointerException.class, () -> op.accept(p), () -> what + "(0x" + Long.toHexString(p) + ")");
            assertEquals(brk, Inspection.of(a).heap().brk(), what);
            assertArrayEquals(before, Inspection.of(a).heap().snapshot(), () -> what + "(0x" + Long.toHexString(p) + ") changed the heap");
        }
        Quiescent.check(a, keep);
    }

    @Test
    void hostileAddressesAreInvalidPointersAndChangeNothing() {
        try (ThreadCacheAllocator a = ThreadCacheAllocator.builder().arenas(1).build(Heap.reserve(64 * MIB))) {
            List<Long> keep = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                keep.add(a.malloc(48));
            }
            keep.add(a.malloc(300 << 10));
            for (int i = 0; i < 40; i += 3) {
                a.free(keep.get(i));
                keep.set(i, 0L);
            }
            keep.removeIf(p -> p == 0);
            ThreadCache handle = a.newCache();
            assertRefused(a, keep, "free", a::free);
            assertRefused(a, keep, "usableSize", a::usableSize);
            assertRefused(a, keep, "realloc", p -> a.realloc(p, 64));
            assertRefused(a, keep, "realloc to 0", p -> a.realloc(p, 0));
            assertRefused(a, keep, "realloc beyond the heap", p -> a.realloc(p, Long.MAX_VALUE));
            assertRefused(a, keep, "tryExpand", p -> a.tryExpand(p, 64));
            assertRefused(a, keep, "tryExpand beyond the heap", p -> a.tryExpand(p, Long.MAX_VALUE));
            assertRefused(a, keep, "free(cache)", p -> a.free(handle, p));
            assertRefused(a, keep, "realloc(cache)", p -> a.realloc(handle, p, 64));
            a.detach(handle);
            keep.forEach(a::free);
            a.detach();
            Quiescent.check(a, List.of());
        }
    }
}
