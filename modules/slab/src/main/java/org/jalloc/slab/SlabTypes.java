package org.jalloc.slab;

import java.util.List;

import org.jalloc.core.ThreadSafety;
import org.jalloc.core.spi.AllocatorProvider;
import org.jalloc.core.spi.AllocatorType;
import org.jalloc.core.spi.OptionSpec;
import org.jalloc.core.spi.SecureLinks;
import org.jalloc.core.spi.Sizes;

/**
 * Offers {@code slab} (kmalloc over the slab layer over buddy pages), {@code slub} (Linux's default) and {@code slob}
 * (the embedded list of blocks) to {@code ./jalloc}, the fuzz engine and replay (the service is
 * {@link org.jalloc.slab.internal.SlabProvider}, in a package the module does not export).
 */
final class SlabTypes implements AllocatorProvider {
    @Override
    public List<AllocatorType> allocatorTypes() {
        OptionSpec debug = OptionSpec.choice("debug", "-",
                "SLUB-style debugging of the kmalloc caches: F sanity checks, Z red zones, P poisoning, U alloc/free sites", Debug.allSpellings());
        OptionSpec magazines = OptionSpec.choice("magazines", "on", "per-thread magazines and a depot in front of every cache", "on", "off");
        OptionSpec resize = OptionSpec.choice("resize", "on",
                "grow a cache's magazine size under depot contention (Bonwick & Adams 2001; never below its start size)", "on", "off");
        OptionSpec empty = OptionSpec.number("empty-slabs", Integer.toString(SlabAllocator.DEFAULT_EMPTY_SLABS),
                "empty slabs each cache keeps before returning further ones to buddy", 0, Integer.MAX_VALUE);
        OptionSpec maxOrder = OptionSpec.number("max-order", "0",
                "largest buddy order: kmalloc blocks of up to 4 KiB << max-order; 0 takes the largest the heap holds, 10 is Linux's 4 MiB",
                0, SlabAllocator.MAX_PAGE_ORDER);
        return List.of(new AllocatorType("slab",
                "Bonwick's slab allocator over the buddy system: kmalloc caches 16 B-8 KiB (and 96, 192) with per-thread magazines and a depot,"
                        + " coloring, slabinfo; larger requests as buddy pages up to the largest block the heap holds",
                ThreadSafety.CONCURRENT, List.of(debug, magazines, resize, empty, maxOrder, SecureLinks.OPTION),
                (heap, options, name) -> {
                    long emptySlabs = Sizes.parse(options.getOrDefault("empty-slabs", "2"));
                    if (emptySlabs > Integer.MAX_VALUE) {
                        throw new IllegalArgumentException("slab: empty-slabs " + emptySlabs + " is too large");
                    }
                    long maxOrderValue = Sizes.parse(options.getOrDefault("max-order", "0"));
                    if (maxOrderValue > Integer.MAX_VALUE) {
                        throw new IllegalArgumentException("slab: max-order " + maxOrderValue + " is too large");
                    }
                    return SlabAllocator.builder()
                            .maxOrder((int) maxOrderValue)
                            .debug(options.getOrDefault("debug", "-"))
                            .magazines(!"off".equals(options.get("magazines")))
                            .magazineResize(!"off".equals(options.get("resize")))
                            .emptySlabs((int) emptySlabs)
                            .secure(SecureLinks.requested(options))
                            .name(name)
                            .build(heap);
                }),
                new AllocatorType("slub",
                        "SLUB, Linux's default slab allocator: kmalloc caches 16 B-8 KiB without slab headers or queues, free pointers in the"
                                + " objects (hardened), page descriptors outside the heap, per-thread active slabs, lock-free remote frees, per-arena"
                                + " partial lists, slabinfo",
                        ThreadSafety.CONCURRENT, List.of(
                                OptionSpec.number("arenas", "0", "partial-list arenas (threads use arena id mod arenas); 0 takes the processor count, at most 8", 0, 64),
                                OptionSpec.number("empty-slabs", Integer.toString(SlubAllocator.DEFAULT_EMPTY_SLABS),
                                        "empty slabs each cache keeps per arena before returning further ones to buddy", 0, Integer.MAX_VALUE),
                                OptionSpec.choice("hardened", "on", "free pointers stored as next ^ random ^ swab(slot), as CONFIG_SLAB_FREELIST_HARDENED", "on", "off"),
                                OptionSpec.choice("merge", "off", "merge compatible caches: kmalloc-96 into kmalloc-128, kmalloc-192 into kmalloc-256", "on", "off"),
                                // secure=on|off (mimalloc's name, every allocator with links in free blocks) is hardened here:
                                // one mechanism, on by default as Linux's; either option off turns it off
                                OptionSpec.choice("secure", "on", "the same switch as hardened (secure mode of the allocators with links in free blocks):"
                                        + " free pointers encoded, and checked before they are followed (FreeListCorruptionException)", "on", "off")),
                        (heap, options, name) -> SlubAllocator.create(name, heap, (int) Sizes.parse(options.getOrDefault("arenas", "0")),
                                (int) Math.min(Integer.MAX_VALUE, Sizes.parse(options.getOrDefault("empty-slabs", "2"))),
                                !"off".equals(options.get("hardened")) && !"off".equals(options.get("secure")), "on".equals(options.get("merge")))),
                new AllocatorType("slob",
                        "SLOB, Linux's allocator for embedded systems: a list of partially used pages, first fit within a page, whole buddy"
                                + " blocks for large requests, minimal metadata; made for heaps of 64 KiB-1 MiB",
                        ThreadSafety.CONCURRENT, List.of(SecureLinks.OPTION),
                        (heap, options, name) -> new SlobAllocator(name, heap, SecureLinks.requested(options))));
    }
}
