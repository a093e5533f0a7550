package org.jalloc.slab;

import java.util.List;

import org.jalloc.core.Allocator;

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

    @Override
    Class<? extends Allocator> engine() {
        return SlubAllocator.class;
    }

    @Override
    List<String> layered() {
        return List.of("slub:debug=FU", "slub:debug=F,leaks=simple");
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
