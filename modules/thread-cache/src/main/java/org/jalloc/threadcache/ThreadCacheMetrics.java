package org.jalloc.threadcache;

import java.util.List;

import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.MetricSink;

/**
 * The thread-cache allocator's statistics, jemalloc's {@code malloc_stats_print} in typed form: a summary, the size
 * classes (bins), the arenas, the thread caches and the page heap, each an {@link AllocatorMetric} with typed rows.
 */
public final class ThreadCacheMetrics {
    private ThreadCacheMetrics() {}

    /**
     * The summary (section {@code thread-cache}).
     *
     * @param arenas                    arenas of central lists
     * @param clock                     what drives decay: {@code ops} or {@code time}
     * @param clockNow                  the clock's reading
     * @param decayTicks                decay time in clock ticks
     * @param threadCacheLimitBytes     the per-thread cache limit
     * @param smallLimitBytes           the largest size served from size classes
     * @param threadCaches              live thread caches
     * @param threadCacheBytes          bytes held in them
     * @param cachesDetached            caches detached (explicitly or by their owner)
     * @param deadThreadCachesReclaimed caches of dead threads swept
     * @param maintenanceRuns           maintenance (scavenger) passes
     * @param heapFullRecoveries        times a full heap was relieved by flushing caches
     * @param uncachedOps               operations served without a cache
     * @param largeBlocks               live large blocks (page spans)
     * @param largeBytes                their bytes
     * @param crossThreadFree           where a block freed by another thread goes
     */
    public record Summary(long arenas, String clock, long clockNow, long decayTicks, long threadCacheLimitBytes,
                          long smallLimitBytes, long threadCaches, long threadCacheBytes, long cachesDetached,
                          long deadThreadCachesReclaimed, long maintenanceRuns, long heapFullRecoveries, long uncachedOps,
                          long largeBlocks, long largeBytes, String crossThreadFree) implements AllocatorMetric {
        @Override
        public String section() {
            return "thread-cache";
        }

        @Override
        public void describe(MetricSink sink) {
            sink.value("arenas", arenas);
            sink.value("clock", clock);
            sink.value("clockNow", clockNow);
            sink.value("decayTicks", decayTicks);
            sink.value("threadCacheLimitBytes", threadCacheLimitBytes);
            sink.value("smallLimitBytes", smallLimitBytes);
            sink.value("threadCaches", threadCaches);
            sink.value("threadCacheBytes", threadCacheBytes);
            sink.value("cachesDetached", cachesDetached);
            sink.value("deadThreadCachesReclaimed", deadThreadCachesReclaimed);
            sink.value("maintenanceRuns", maintenanceRuns);
            sink.value("heapFullRecoveries", heapFullRecoveries);
            sink.value("uncachedOps", uncachedOps);
            sink.value("largeBlocks", largeBlocks);
            sink.value("largeBytes", largeBytes);
            sink.value("crossThreadFree", crossThreadFree);
        }
    }

    /**
     * One size class in use.
     *
     * @param sizeClass the class index
     * @param size      its block size
     * @param spans     spans carved into it
     * @param blocks    blocks in those spans
     * @param live      blocks in use
     * @param cached    blocks in thread caches
     * @param central   blocks on central lists
     * @param remote    blocks on remote-free stacks
     */
    public record Bin(int sizeClass, long size, long spans, long blocks, long live, long cached, long central, long remote) {
        /** {@code live / blocks}, 0 without blocks. */
        public double utilization() {
            return blocks == 0 ? 0.0 : (double) live / blocks;
        }
    }

    /**
     * The size classes (section {@code bins}).
     *
     * @param classesInUse classes with spans, cached or remote blocks
     * @param bins         one row per such class
     * @param table        the rows as {@code ./jalloc stats} prints them
     */
    public record Bins(long classesInUse, List<Bin> bins, String table) implements AllocatorMetric {
        public Bins {
            bins = List.copyOf(bins);
        }

        @Override
        public String section() {
            return "bins";
        }

        @Override
        public void describe(MetricSink sink) {
            sink.value("classesInUse", classesInUse);
        }
    }

    /**
     * One arena.
     *
     * @param arena        its index
     * @param spans        spans its central lists hold
     * @param centralBytes bytes free on its central lists
     * @param remoteBytes  bytes on its remote-free stacks
     * @param refills      central-list removals (cache refills)
     * @param inserts      central-list inserts (cache flushes)
     * @param pushes       remote-free pushes
     * @param drains       remote-free stack drains
     */
    public record Arena(int arena, long spans, long centralBytes, long remoteBytes, long refills, long inserts, long pushes,
                        long drains) {}

    /**
     * The arenas (section {@code arenas}).
     *
     * @param centralFreeBytes bytes free on central lists, over all arenas
     * @param remoteStackBytes bytes on remote-free stacks, over all arenas
     * @param arenas           one row per arena
     * @param table            the rows as {@code ./jalloc stats} prints them
     */
    public record Arenas(long centralFreeBytes, long remoteStackBytes, List<Arena> arenas, String table)
            implements AllocatorMetric {
        public Arenas {
            arenas = List.copyOf(arenas);
        }

        @Override
        public String section() {
            return "arenas";
        }

        @Override
        public void describe(MetricSink sink) {
            sink.value("centralFreeBytes", centralFreeBytes);
            sink.value("remoteStackBytes", remoteStackBytes);
        }
    }

    /**
     * One thread cache.
     *
     * @param id      its number
     * @param owner   its owner thread's name ({@code (dead)} appended), or {@code (explicit handle)}
     * @param arena   the arena it refills from
     * @param bytes   bytes cached
     * @param blocks  blocks cached
     * @param refills refills from central lists
     * @param flushes flushes to central lists
     * @param events  operations counted towards its next maintenance
     */
    public record Cache(int id, String owner, int arena, long bytes, long blocks, long refills, long flushes, long events) {}

    /**
     * The thread caches (section {@code thread-caches}).
     *
     * @param caches      live caches
     * @param cachedBytes bytes held in them
     * @param rows        one row per cache
     * @param table       the rows as {@code ./jalloc stats} prints them
     */
    public record Caches(long caches, long cachedBytes, List<Cache> rows, String table) implements AllocatorMetric {
        public Caches {
            rows = List.copyOf(rows);
        }

        @Override
        public String section() {
            return "thread-caches";
        }

        @Override
        public void describe(MetricSink sink) {
            sink.value("caches", caches);
            sink.value("cachedBytes", cachedBytes);
        }
    }

    /**
     * The page heap (section {@code page-heap}).
     *
     * @param freeSpans         free spans
     * @param freePages         pages in them
     * @param dirtyPages        free pages not yet returned to the OS
     * @param decayLimitPages   dirty pages decay allows right now
     * @param bytesReturnedToOs bytes given back with {@code madvise}
     * @param purges            purge passes
     * @param purgedPages       pages purged
     * @param heapGrowths       times the break moved
     * @param grownPages        pages the break moved by
     * @param splits            spans split
     * @param merges            spans merged
     * @param spanAllocations   spans allocated
     * @param largeAllocations  large blocks allocated
     * @param mmapBacked        whether the heap is an mmap reservation (pages can be returned)
     * @param table             free spans by length
     */
    public record PageHeap(long freeSpans, long freePages, long dirtyPages, long decayLimitPages, long bytesReturnedToOs,
                           long purges, long purgedPages, long heapGrowths, long grownPages, long splits, long merges,
                           long spanAllocations, long largeAllocations, boolean mmapBacked, String table)
            implements AllocatorMetric {
        @Override
        public String section() {
            return "page-heap";
        }

        @Override
        public void describe(MetricSink sink) {
            sink.value("freeSpans", freeSpans);
            sink.value("freePages", freePages);
            sink.value("dirtyPages", dirtyPages);
            sink.value("decayLimitPages", decayLimitPages);
            sink.value("bytesReturnedToOs", bytesReturnedToOs);
            sink.value("purges", purges);
            sink.value("purgedPages", purgedPages);
            sink.value("heapGrowths", heapGrowths);
            sink.value("grownPages", grownPages);
            sink.value("splits", splits);
            sink.value("merges", merges);
            sink.value("spanAllocations", spanAllocations);
            sink.value("largeAllocations", largeAllocations);
            sink.value("mmapBacked", mmapBacked);
        }
    }
}
