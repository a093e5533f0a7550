package org.jalloc.stack;

import java.util.List;

import org.jalloc.core.LeakLevel;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.debug.DebugOptions;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AllocatorProvider;
import org.jalloc.core.spi.AllocatorType;
import org.jalloc.core.spi.OptionSpec;
import org.jalloc.core.spi.SecureLinks;
import org.jalloc.core.spi.Sizes;

/**
 * Offers {@code stack}, {@code arena} and {@code pool} to {@code ./jalloc}, the fuzz engine and trace replay (the
 * service is {@link org.jalloc.stack.internal.StackProvider}, in a package the module does not export).
 */
final class StackTypes implements AllocatorProvider {
    @Override
    public List<AllocatorType> allocatorTypes() {
        OptionSpec size = OptionSpec.number("size", Sizes.format(StackAllocator.DEFAULT_CAPACITY),
                "capacity in bytes, as ulimit -s (at most the heap's capacity)", StackAllocator.MIN_BLOCK, Heap.MAX_BYTES);
        OptionSpec chunk = OptionSpec.number("chunk", Sizes.format(ArenaAllocator.DEFAULT_CHUNK),
                "bytes the arena's break moves at a time (a multiple of 16)", 16, Heap.MAX_BYTES);
        OptionSpec object = OptionSpec.number("object", Long.toString(PoolAllocator.DEFAULT_OBJECT_SIZE),
                "object size in bytes (rounded up to 16)", 1, Heap.MAX_BYTES);
        OptionSpec count = OptionSpec.number("count", "0", "objects made at construction; 0: as many as the heap holds", 0,
                PoolAllocator.MAX_COUNT);
        // debug= and leaks= are these types' own options: the discipline's debug layer (DisciplineDebug), not core's
        // generic one, whose FIFO quarantine would free out of a stack's order and whose wrapper would hide the discipline
        String[] spellings = new String[16];
        for (int bits = 0; bits < 16; bits++) {
            spellings[bits] = DebugOptions.formatFlags(bits);
        }
        OptionSpec debug = OptionSpec.choice("debug", "-", "debug layer: F sanity checks on every free, Z red zones (a pool's slots grow"
                + " by 32 bytes), P poison freed blocks, verified when their bytes are handed out again (no quarantine: a stack or"
                + " arena gets its bytes back at once), U allocation/free sites (any subset); views of a block throw once it is"
                + " freed or released", spellings);
        OptionSpec leaks = OptionSpec.choice("leaks", "disabled", "leak detection (Netty's levels): simple and advanced record the site"
                + " of 1 allocation in " + LeakLevel.SAMPLE_INTERVAL + " (advanced also recent accesses), paranoid of every one;"
                + " leakReport(), printed at close()", "disabled", "simple", "advanced", "paranoid");
        return List.of(
                new AllocatorType("stack",
                        "LIFO frames over a fixed region growing down to a guard page (mprotect); only the newest block is freed",
                        ThreadSafety.SINGLE_OWNER, List.of(size, debug, leaks),
                        (heap, options, name) -> DisciplineDebug.wrap(new StackAllocator(heap, Sizes.parse(options.getOrDefault("size", "8M")),
                                DisciplineDebug.engineDoesF(options), name), options.getOrDefault("debug", "-"), options.getOrDefault("leaks", "disabled"), name), false),
                new AllocatorType("arena",
                        "bump allocation in chunks with marks, release and reset; older blocks' bytes come back with the blocks above",
                        ThreadSafety.SINGLE_OWNER, List.of(chunk, debug, leaks),
                        (heap, options, name) -> DisciplineDebug.wrap(new ArenaAllocator(heap, Sizes.parse(options.getOrDefault("chunk", "64K")),
                                DisciplineDebug.engineDoesF(options), name), options.getOrDefault("debug", "-"), options.getOrDefault("leaks", "disabled"), name), false),
                new AllocatorType("pool",
                        "N fixed-size objects made at construction, a free list through them; never grows",
                        ThreadSafety.SINGLE_OWNER, List.of(object, count, debug, leaks, SecureLinks.OPTION),
                        (heap, options, name) -> {
                            String flags = options.getOrDefault("debug", "-");
                            // Z: the pool is built with slots 32 bytes larger, so the zones fit around the caller's object size
                            long slot = Math.max(16, (Sizes.parse(options.getOrDefault("object", "64")) + 15) & -16L);
                            long engineObject = slot + DisciplineDebug.zoneBytes(DisciplineDebug.flags(flags));
                            return DisciplineDebug.wrap(new PoolAllocator(heap, engineObject, Sizes.parse(options.getOrDefault("count", "0")),
                                    SecureLinks.requested(options), DisciplineDebug.engineDoesF(options), name), flags, options.getOrDefault("leaks", "disabled"), name);
                        }, false));
    }
}
