package org.jalloc.threadcache;

import java.util.List;
import java.util.Locale;

import org.jalloc.core.ThreadSafety;
import org.jalloc.core.spi.AllocatorProvider;
import org.jalloc.core.spi.AllocatorType;
import org.jalloc.core.spi.OptionSpec;
import org.jalloc.core.spi.Sizes;

/**
 * Offers {@code thread-cache} to {@code ./jalloc}, the fuzz engine and trace replay. The names these tools create
 * default to what reproduces byte for byte single-threaded: one arena and the operation-count clock
 * ({@code thread-cache} = {@code thread-cache:arenas=1,clock=ops}); {@code arenas=0} means
 * {@code availableProcessors()}. Library users get production defaults from {@link ThreadCacheAllocator#builder()}
 * ({@code availableProcessors()} arenas, the time clock).
 */
public final class ThreadCacheProvider implements AllocatorProvider {
    @Override
    public List<AllocatorType> allocatorTypes() {
        List<OptionSpec> options = List.of(
                OptionSpec.number("arenas", "1", "arenas of central lists; 0 = availableProcessors()", 0, 1024),
                OptionSpec.choice("clock", "ops", "what drives decay: operations (reproducible) or milliseconds", "ops", "time"),
                OptionSpec.number("decay", "10000", "decay time in clock ticks (ops or ms); 0 returns free pages at once"),
                OptionSpec.number("tcache", "2M", "per-thread cache limit in bytes (at least 512K)", ThreadCacheAllocator.MIN_CACHE_BYTES, Long.MAX_VALUE));
        return List.of(new AllocatorType("thread-cache",
                "size classes, per-thread caches, central lists in arenas, page heap of spans with a radix page map, decay",
                ThreadSafety.CONCURRENT, options, (heap, o, name) -> {
                    int arenas = (int) Sizes.parse(o.getOrDefault("arenas", "1"));
                    return ThreadCacheAllocator.builder()
                            .arenas(arenas == 0 ? Runtime.getRuntime().availableProcessors() : arenas)
                            .clock(ThreadCacheAllocator.Clock.valueOf(o.getOrDefault("clock", "ops").toUpperCase(Locale.ROOT)))
                            .decay(Sizes.parse(o.getOrDefault("decay", "10000")))
                            .threadCacheBytes(Sizes.parse(o.getOrDefault("tcache", "2M")))
                            .name(name)
                            .build(heap);
                }));
    }
}
