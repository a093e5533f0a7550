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
final class ThreadCacheTypes implements AllocatorProvider {
    @Override
    public List<AllocatorType> allocatorTypes() {
        List<OptionSpec> options = List.of(
                OptionSpec.number("arenas", "1", "arenas of central lists; 0 = availableProcessors()", 0, 1024),
                OptionSpec.choice("clock", "ops", "what drives decay: operations (reproducible) or milliseconds", "ops", "time"),
                OptionSpec.number("decay", "10000", "decay time in clock ticks (ops or ms); 0 returns free pages at once"),
                OptionSpec.number("tcache", "2M", "per-thread cache limit in bytes (at least 512K)", ThreadCacheAllocator.MIN_CACHE_BYTES, Long.MAX_VALUE),
                OptionSpec.choice("cache", "implicit",
                        "how a thread reaches its cache: implicit (per platform thread, found through a hint and a ThreadLocal) or explicit (an explicit handle per thread, through the handle view's Allocator)",
                        "implicit", "explicit"),
                OptionSpec.choice("secure", "off",
                        "encoded free-list links (mimalloc's secure mode): links in free blocks stored XOR-ed with a per-heap random key"
                                + " and checked before they are followed, so a write into a freed block is caught at the next allocation"
                                + " that reaches it", "off", "on"),
                OptionSpec.number("stripes", "4",
                        "striped caches for virtual threads, claimed with a try-lock per call (rounded up to a power of two; 0 = none: the arena path under its lock; library default 2 x availableProcessors)",
                        0, 256));
        return List.of(new AllocatorType("thread-cache",
                "size classes, per-thread caches, central lists in arenas, page heap of spans with a radix page map, decay",
                ThreadSafety.CONCURRENT, options, (heap, o, name) -> {
                    int arenas = (int) Sizes.parse(o.getOrDefault("arenas", "1"));
                    ThreadCacheAllocator engine = ThreadCacheAllocator.builder()
                            .arenas(arenas == 0 ? Runtime.getRuntime().availableProcessors() : arenas)
                            .clock(ThreadCacheAllocator.Clock.valueOf(o.getOrDefault("clock", "ops").toUpperCase(Locale.ROOT)))
                            .decay(Sizes.parse(o.getOrDefault("decay", "10000")))
                            .threadCacheBytes(Sizes.parse(o.getOrDefault("tcache", "2M")))
                            .secure("on".equals(o.get("secure")))
                            .virtualThreadStripes((int) Sizes.parse(o.getOrDefault("stripes", "4")))
                            .name(name)
                            .build(heap);
                    return "explicit".equals(o.get("cache")) ? ExplicitCacheAllocator.owning(engine, name) : engine;
                }));
    }
}
