package org.jalloc.slab;

import static org.jalloc.testkit.contract.LiveBlocks.allocated;
import static org.jalloc.testkit.contract.LiveBlocks.heap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jalloc.core.Allocator;
import org.jalloc.core.Allocators;
import org.junit.jupiter.api.Test;

/**
 * {@code slub:debug=F}: the engine checks F alone itself (its exact screen, a 16-byte head below each payload, an atomic
 * claim at free; core's {@code EngineSanity} for the ring, the views and the texts), no layer (docs/slub.md, "debug=F").
 */
class SlubDebugFTest extends FreeHeadsDebugFTest {
    private static final String F = "slub:debug=F";

    @Override
    String spec() {
        return F;
    }

    @Override
    String headInvariant() {
        return "SLUB-4";
    }

    @Override
    void shrink(Allocator a) {
        ((SlubAllocator) a).shrink();
    }

    @Test
    void fAloneIsTheEngineWithAHeadOf16BytesBelowEachPayload() {
        try (Allocator off = Allocators.create("slub", HEAP); Allocator f = Allocators.create(F, HEAP)) {
            assertSame(SlubAllocator.class, f.getClass(), "the engine itself, no layer");
            assertEquals(F, f.name());
            long p = off.malloc(64);
            long q = f.malloc(64);
            assertEquals(64, off.usableSize(p), "off: kmalloc-64, the object is the payload");
            assertEquals(80, f.usableSize(q), "F: 16 + 64 bytes take kmalloc-96, less the head");
            assertEquals(80, heap(f).getLong(q - 8), "the word below the payload is its usable size");
            assertEquals(16, heap(f).getLong(q - 16), "the block's first word is the front");
            long[] e = allocated(f).get(0);
            assertEquals(q - 16, e[0], "the object starts at the head");
            assertEquals(q, e[2], "the walk shows the caller's payload");
            assertEquals(80, e[3]);
            assertEquals(0, (p - heap(off).start()) % 64);
            f.free(q);
            off.free(p);
            for (String other : new String[] {"slub:debug=FU", "slub:debug=F,leaks=simple"}) {
                try (Allocator a = Allocators.create(other, HEAP)) {
                    assertTrue(!(a instanceof SlubAllocator), other + ": another letter or a leak level is the layer's");
                }
            }
        }
    }

    @Override
    String givenBackAtOnce() {
        return "slub:empty-slabs=0,debug=F";
    }

    @Override
    long lonelyBlock(Allocator a, long size) {
        long u = a.malloc(size);
        ((SlubAllocator) a).detach(); // the caller's active slab deactivated: the free that empties it gives it back
        return u;
    }

    @Override
    long slabsGivenBack(Allocator a) {
        return a.stats().metric(SlubMetric.class).orElseThrow().slabsDestroyed();
    }
}
