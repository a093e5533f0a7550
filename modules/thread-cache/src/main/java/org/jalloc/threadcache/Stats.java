package org.jalloc.threadcache;

import static org.jalloc.threadcache.SizeClasses.BLOCKS;
import static org.jalloc.threadcache.SizeClasses.COUNT;
import static org.jalloc.threadcache.SizeClasses.PAGE_SHIFT;
import static org.jalloc.threadcache.SizeClasses.SIZE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jalloc.core.StatsSection;

/**
 * {@code malloc_stats_print} for thread-cache: per size class (bins), per arena, per thread cache, and the page
 * heap (spans by length, dirty pages, bytes returned to the OS). Exact at quiescent points.
 */
final class Stats {
    private Stats() {}

    static List<StatsSection> sections(ThreadCacheAllocator a) {
        MemorySegment mem = a.heap().memory();
        int arenas = a.arenas;
        long[] spans = new long[COUNT];
        long[] live = new long[COUNT];
        long[] centralFree = new long[COUNT];
        long[] cached = new long[COUNT];
        long[] remote = new long[COUNT];
        long[] arenaSpans = new long[arenas];
        long[] arenaFreeBytes = new long[arenas];
        long[] arenaRemoteBytes = new long[arenas];
        long[] arenaRefills = new long[arenas];
        long[] arenaInserts = new long[arenas];
        long[] arenaPushes = new long[arenas];
        long[] arenaDrains = new long[arenas];
        long large = 0;
        long largeBytes = 0;
        PageHeap ph = a.pageHeap;
        final int buckets = 10;
        long[] freeByLength = new long[buckets];
        long[] freePagesByLength = new long[buckets];
        long[] dirtyByLength = new long[buckets];
        for (long at = a.heap().start(); at < a.heap().brk(); ) {
            Span s = ph.map.get(at >>> PAGE_SHIFT);
            if (s == null || s.start != at || s.pages <= 0) {
                break;
            }
            if (s.state == Span.SMALL && s.sizeClass > 0 && s.sizeClass < COUNT) {
                int c = s.sizeClass;
                spans[c]++;
                for (int i = 0; i < BLOCKS[c]; i++) {
                    long b = s.start + i * SIZE[c];
                    if (a.states.get(b) == ThreadCacheAllocator.LIVE) {
                        live[c]++;
                    }
                }
                centralFree[c] += s.freeCount;
            } else if (s.state == Span.LARGE) {
                large++;
                largeBytes += s.bytes();
            } else if (s.state == Span.FREE) {
                int k = bucket(s.pages);
                freeByLength[k]++;
                freePagesByLength[k] += s.pages;
                dirtyByLength[k] += s.dirtyPages;
            }
            at = s.end();
        }
        List<ThreadCache> caches = a.cacheSnapshot();
        StringBuilder cacheTable = new StringBuilder(String.format("%6s %-24s %5s %10s %7s %8s %8s %8s%n",
                "cache", "owner", "arena", "bytes", "blocks", "refills", "flushes", "events"));
        long cachedBytes = 0;
        for (ThreadCache c : caches) {
            long blocks = 0;
            for (int cls = 1; cls < COUNT; cls++) {
                cached[cls] += c.counts[cls];
                blocks += c.counts[cls];
            }
            cachedBytes += c.bytes;
            Thread t = c.owner;
            String owner = t == null ? "(explicit handle)" : t.getName() + (t.isAlive() ? "" : " (dead)");
            cacheTable.append(String.format("%6d %-24.24s %5d %10d %7d %8d %8d %8d%n", c.id, owner, c.arena, c.bytes, blocks,
                    c.refills, c.flushes, c.events));
        }
        for (int ar = 0; ar < arenas; ar++) {
            for (int cls = 1; cls < COUNT; cls++) {
                CentralList cl = a.central[ar][cls];
                long r = 0;
                for (long b = cl.remoteHead(); b != 0 && r < (1 << 24); b = mem.get(ValueLayout.JAVA_LONG, b)) {
                    r++;
                }
                remote[cls] += r;
                arenaSpans[ar] += cl.spanCount;
                arenaFreeBytes[ar] += cl.freeBlocks * SIZE[cls];
                arenaRemoteBytes[ar] += r * SIZE[cls];
                arenaRefills[ar] += cl.removeCalls;
                arenaInserts[ar] += cl.insertCalls;
                arenaPushes[ar] += cl.remotePushes;
                arenaDrains[ar] += cl.remoteDrains;
            }
        }

        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("arenas", arenas);
        summary.put("clock", a.clock.name().toLowerCase(Locale.ROOT));
        summary.put("clockNow", a.clockNow());
        summary.put("decayTicks", a.decayTicks);
        summary.put("threadCacheLimitBytes", a.cacheLimit);
        summary.put("smallLimitBytes", SizeClasses.MAX_SMALL);
        summary.put("threadCaches", caches.size());
        summary.put("threadCacheBytes", cachedBytes);
        summary.put("cachesDetached", a.cachesDetached);
        summary.put("deadThreadCachesReclaimed", a.deadCachesReclaimed);
        summary.put("maintenanceRuns", a.maintenanceRuns);
        summary.put("heapFullRecoveries", a.oomRecoveries.get());
        summary.put("uncachedOps", a.uncachedOps.get());
        summary.put("largeBlocks", large);
        summary.put("largeBytes", largeBytes);
        summary.put("crossThreadFree", "into the freeing thread's cache; other arenas' blocks return through remote stacks");

        StringBuilder bins = new StringBuilder(String.format("%5s %8s %6s %8s %8s %8s %8s %8s %6s%n",
                "class", "size", "spans", "blocks", "live", "cached", "central", "remote", "util"));
        int inUse = 0;
        for (int cls = 1; cls < COUNT; cls++) {
            if (spans[cls] == 0 && cached[cls] == 0 && remote[cls] == 0) {
                continue;
            }
            inUse++;
            long blocks = spans[cls] * BLOCKS[cls];
            bins.append(String.format("%5d %8d %6d %8d %8d %8d %8d %8d %5.1f%%%n", cls, SIZE[cls], spans[cls], blocks, live[cls],
                    cached[cls], centralFree[cls], remote[cls], blocks == 0 ? 0.0 : 100.0 * live[cls] / blocks));
        }
        Map<String, Object> binsSection = new LinkedHashMap<>();
        binsSection.put("classesInUse", inUse);

        StringBuilder arenaTable = new StringBuilder(String.format("%5s %6s %12s %12s %9s %9s %9s %9s%n",
                "arena", "spans", "centralBytes", "remoteBytes", "refills", "inserts", "pushes", "drains"));
        for (int ar = 0; ar < arenas; ar++) {
            arenaTable.append(String.format("%5d %6d %12d %12d %9d %9d %9d %9d%n", ar, arenaSpans[ar], arenaFreeBytes[ar],
                    arenaRemoteBytes[ar], arenaRefills[ar], arenaInserts[ar], arenaPushes[ar], arenaDrains[ar]));
        }
        Map<String, Object> arenaValues = new LinkedHashMap<>();
        long centralBytes = 0;
        long remoteBytes = 0;
        for (int ar = 0; ar < arenas; ar++) {
            centralBytes += arenaFreeBytes[ar];
            remoteBytes += arenaRemoteBytes[ar];
        }
        arenaValues.put("centralFreeBytes", centralBytes);
        arenaValues.put("remoteStackBytes", remoteBytes);

        Map<String, Object> cacheValues = new LinkedHashMap<>();
        cacheValues.put("caches", caches.size());
        cacheValues.put("cachedBytes", cachedBytes);

        String[] names = {"1", "2", "3", "4", "5-8", "9-16", "17-32", "33-64", "65-128", ">128"};
        StringBuilder spanTable = new StringBuilder(String.format("%10s %8s %10s %10s%n", "pages", "spans", "freePages", "dirtyPages"));
        for (int k = 0; k < buckets; k++) {
            if (freeByLength[k] > 0) {
                spanTable.append(String.format("%10s %8d %10d %10d%n", names[k], freeByLength[k], freePagesByLength[k], dirtyByLength[k]));
            }
        }
        Map<String, Object> pageValues = new LinkedHashMap<>();
        pageValues.put("freeSpans", ph.freeSpans);
        pageValues.put("freePages", ph.freePages);
        pageValues.put("dirtyPages", ph.dirtyPages);
        pageValues.put("decayLimitPages", ph.decayLimit());
        pageValues.put("bytesReturnedToOs", a.heap().releasedBytes());
        pageValues.put("purges", ph.purges);
        pageValues.put("purgedPages", ph.purgedPages);
        pageValues.put("heapGrowths", ph.grows);
        pageValues.put("grownPages", ph.grownPages);
        pageValues.put("splits", ph.splits);
        pageValues.put("merges", ph.merges);
        pageValues.put("spanAllocations", ph.spanAllocations);
        pageValues.put("largeAllocations", ph.largeAllocations);
        pageValues.put("mmapBacked", a.heap().isMmapBacked());

        return List.of(new StatsSection("thread-cache", summary),
                new StatsSection("bins", binsSection, bins.toString()),
                new StatsSection("arenas", arenaValues, arenaTable.toString()),
                new StatsSection("thread-caches", cacheValues, cacheTable.toString()),
                new StatsSection("page-heap", pageValues, "free spans by length:\n" + spanTable));
    }

    private static int bucket(long pages) {
        if (pages <= 4) {
            return (int) pages - 1;
        }
        if (pages <= 8) {
            return 4;
        }
        if (pages <= 16) {
            return 5;
        }
        if (pages <= 32) {
            return 6;
        }
        if (pages <= 64) {
            return 7;
        }
        return pages <= 128 ? 8 : 9;
    }
}
