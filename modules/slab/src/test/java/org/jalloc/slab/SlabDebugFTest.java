package org.jalloc.slab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.jalloc.check.HeapChecker;
import org.jalloc.core.Allocator;
import org.jalloc.core.Allocators;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.walk.Inspection;
import org.junit.jupiter.api.Test;

/**
 * {@code slab:debug=F}: the engine checks F alone itself (its exact screen, a 16-byte head below each payload, an atomic
 * claim at free before the object becomes a round; core's {@code EngineSanity} for the ring, the views and the texts),
 * no layer, the kmalloc caches keeping their magazines (docs/slab.md, "debug=F alone").
 */
class SlabDebugFTest extends FreeHeadsDebugFTest {
    private static final String F = "slab:debug=F";

    @Override
    String spec() {
        return F;
    }

    @Override
    String headInvariant() {
        return "SLAB-8";
    }

    @Override
    void shrink(Allocator a) {
        ((SlabAllocator) a).shrink();
    }

    @Override
    Class<? extends Allocator> engine() {
        return SlabAllocator.class;
    }

    @Override
    List<String> layered() {
        return List.of("slab:debug=FU", "slab:debug=F,leaks=simple", "slab:debug=FZ", "slab:debug=FP");
    }

    /** The kmalloc caches keep their magazines and natural alignment under F alone; magazines=off stays off. */
    @Override
    void ownLayout(Allocator f, long q) {
        SlabAllocator s = (SlabAllocator) f;
        for (SlabCache c : s.caches()) {
            assertTrue(c.magazineSize() > 0, c.name() + ": the kmalloc caches keep their magazines under F alone");
            assertEquals(Long.lowestOneBit(c.objectSize()), c.align(), c.name() + ": natural alignment, as off");
        }
        f.free(q);
        assertEquals(q, f.malloc(64), "the round comes back from the magazine, LIFO");
        try (Allocator a = Allocators.create("slab:debug=F,magazines=off", HEAP)) {
            assertSame(SlabAllocator.class, a.getClass());
            assertEquals(0, ((SlabAllocator) a).caches().get(0).magazineSize(), "magazines=off stays off");
        }
    }

    /** A cache of one's own keeps the debug flags it was made with; F alone is the kmalloc face's. */
    @Test
    void aCacheOfOnesOwnKeepsItsOwnDebugFlagsUnderFAlone() {
        try (Allocator f = Allocators.create(F, HEAP)) {
            SlabAllocator s = (SlabAllocator) f;
            SlabCache plain = s.newCache("plain", 48).build();
            SlabCache checked = s.newCache("checked", 48).debug("F").build();
            assertTrue(plain.magazineSize() > 0, "a cache made without flags is a plain cache");
            assertEquals(0, checked.magazineSize(), "a cache made with F is a SLUB-style debug cache: no magazines");
            long o = checked.alloc();
            long k = f.malloc(40);
            assertThrows(WrongCacheException.class, () -> f.free(o), "an object of a cache of one's own is not kmalloc's");
            checked.free(o);
            assertThrows(DoubleFreeException.class, () -> checked.free(o));
            f.free(k);
            assertTrue(new HeapChecker().check(Inspection.of(f).heapWalk()).isEmpty());
            s.destroyCache(plain);
            s.destroyCache(checked);
        }
        try (Allocator f = Allocators.create(F, HEAP)) {
            f.free(f.malloc(16));
            assertFalse(((SlabAllocator) f).checkFreesAlone("again"), "asked once, before any block");
        }
    }

    @Override
    String givenBackAtOnce() {
        return "slab:magazines=off,empty-slabs=0,debug=F";
    }

    @Override
    long lonelyBlock(Allocator a, long size) {
        return a.malloc(size); // no magazine, no empty slab kept: the only live block's slab is its own
    }

    @Override
    long slabsGivenBack(Allocator a) {
        return a.stats().metric(SlabMetric.class).orElseThrow().slabsDestroyed();
    }
}
