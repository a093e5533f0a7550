package org.jalloc.slab;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The cache registry of a {@link SlabAllocator} (Linux's {@code slab_caches} list): every cache by id, kmalloc caches
 * first, then the caches made with {@link SlabAllocator#newCache}; a slab header names its cache by this id.
 *
 * <h2>Lock order</h2>
 * The registry's monitor is held alone and briefly (never while taking a thread's magazine lock, a depot, a slab lock or
 * the page lock): readers take no lock at all.
 *
 * <h2>Layout</h2>
 * <pre>
 *   caches:  [ kmalloc-16 | kmalloc-32 | ... | kmalloc-8k | inode | dentry | null (destroyed) | ... ]
 *   index  =   cache id (never reused: a destroyed cache's slot stays null, so a stale id names nothing)
 * </pre>
 * The array is copied on write under the monitor and published through a volatile field, so the walk, the statistics
 * and {@code free}'s cache lookup read it without locks.
 *
 * <h2>Invariants</h2>
 * {@code ∀ i: caches[i] = null ∨ caches[i].id = i}; the names of the live caches are distinct.
 */
final class CacheRegistry {
    /** Caches by id (null once destroyed); copy on write under this registry's monitor. */
    private volatile @Nullable SlabCache[] caches = new SlabCache[0];

    /** Creates and registers a cache of {@code owner} (the id is the next free index); see {@link SlabAllocator#newCache}. */
    SlabCache create(SlabAllocator owner, String name, long objectSize, long align, @Nullable Consumer<MemorySegment> constructor,
                     @Nullable Consumer<MemorySegment> destructor, int debug, int magazineSize, int emptyLimit, boolean kmalloc,
                     int resizeAfter) {
        if (owner.isClosed()) {
            throw new IllegalStateException(owner.name() + " is closed");
        }
        if (name.isBlank() || name.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("a cache name is a non-empty word (slabinfo's first column), got '" + name + "'");
        }
        CacheGeometry g = CacheGeometry.of(objectSize, align, constructor != null, debug, SlabAllocator.PAGE_SIZE, SlabAllocator.MAX_ORDER);
        int m = magazineSize >= 0 ? magazineSize : owner.magazinesOn() ? SlabCache.defaultMagazineSize(g.slot()) : 0;
        synchronized (this) {
            for (SlabCache c : caches) {
                if (c != null && c.name().equals(name)) {
                    throw new IllegalArgumentException("a cache named " + name + " exists already");
                }
            }
            @Nullable SlabCache[] old = caches;
            SlabCache c = new SlabCache(owner, old.length, name, g, constructor, destructor, m, emptyLimit, kmalloc, resizeAfter);
            @Nullable SlabCache[] grown = Arrays.copyOf(old, old.length + 1);
            grown[old.length] = c;
            caches = grown;
            return c;
        }
    }

    /**
     * Re-creates the kmalloc cache {@code old}, which has never made a slab, in its own id with {@code debug} flags and
     * {@code align} ({@code slab:debug=F} alone: plain caches again, before the allocator hands out any block).
     */
    SlabCache remakeKmalloc(SlabCache old, long objectSize, long align, int debug) {
        CacheGeometry g = CacheGeometry.of(objectSize, align, false, debug, SlabAllocator.PAGE_SIZE, SlabAllocator.MAX_ORDER);
        SlabAllocator owner = old.owner;
        int m = owner.magazinesOn() ? SlabCache.defaultMagazineSize(g.slot()) : 0;
        synchronized (this) {
            if (!old.kmalloc || caches[old.id] != old) {
                throw new IllegalStateException(old.name() + " is not a live kmalloc cache");
            }
            SlabCache c = new SlabCache(owner, old.id, old.name(), g, null, null, m, old.emptySlabLimit(), true, SlabCache.RESIZE_CONTENTION);
            @Nullable SlabCache[] copy = caches.clone();
            copy[old.id] = c;
            caches = copy;
            return c;
        }
    }

    /** Destroys a cache of {@code owner}; see {@link SlabAllocator#destroyCache}. */
    void destroy(SlabAllocator owner, SlabCache cache) {
        if (cache.owner != owner) {
            throw new IllegalArgumentException(cache.name() + " belongs to another allocator");
        }
        if (cache.kmalloc) {
            throw new IllegalArgumentException(cache.name() + " is a kmalloc cache: it lives as long as the allocator");
        }
        if (cache.isDestroyed()) {
            throw new IllegalStateException(cache.name() + " was destroyed already");
        }
        owner.scavenging.purgeThreadMagazines(cache);
        cache.purgeDepot();
        long live;
        synchronized (cache.slabs.slabLock) {
            live = cache.slabs.activeObjects;
        }
        if (live != 0) {
            throw new IllegalStateException(cache.name() + ": " + live + " objects are still allocated; free them before destroying the cache");
        }
        cache.markDestroyed();
        cache.slabs.destroyEmpties(0);
        synchronized (this) {
            @Nullable SlabCache[] copy = caches.clone();
            copy[cache.id] = null;
            caches = copy;
        }
    }

    /** The live caches, kmalloc ones first, in creation order. */
    List<SlabCache> live() {
        List<SlabCache> out = new ArrayList<>();
        for (SlabCache c : caches) {
            if (c != null) {
                out.add(c);
            }
        }
        return out;
    }

    @Nullable SlabCache byId(int id) {
        @Nullable SlabCache[] cs = caches;
        return id >= 0 && id < cs.length ? cs[id] : null;
    }

    String nameOf(int id) {
        SlabCache c = byId(id);
        return c != null ? c.name() : "#" + id + " (no such cache)";
    }

    /** Every cache id ever given (destroyed ones included), for the walk. */
    @Nullable SlabCache[] table() {
        return caches;
    }

    /** Off-slab caches before on-slab ones: destroying an off-slab slab frees its descriptor into an on-slab cache. */
    List<SlabCache> reclaimOrder() {
        List<SlabCache> out = new ArrayList<>();
        for (SlabCache c : live()) {
            if (!c.onSlab()) {
                out.add(c);
            }
        }
        for (SlabCache c : live()) {
            if (c.onSlab()) {
                out.add(c);
            }
        }
        return out;
    }
}
