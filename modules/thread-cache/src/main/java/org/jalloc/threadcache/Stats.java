package org.jalloc.threadcache;

import static org.jalloc.threadcache.SizeClasses.BLOCKS;
import static org.jalloc.threadcache.SizeClasses.COUNT;
import static org.jalloc.threadcache.SizeClasses.PAGE_SHIFT;
import static org.jalloc.threadcache.SizeClasses.SIZE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.jalloc.core.walk.Inspection;
import org.jalloc.core.AllocatorMetric;

/**
 * {@code malloc_stats_print} for thread-cache: per size class (bins), per arena, per thread cache, and the page
 * heap (spans by length, dirty pages, bytes returned to the OS). Exact at quiescent points.
 */
final class Stats {
    private Stats() {}

    static List<AllocatorMetric> metrics(ThreadCacheAllocator a) {
        MemorySegment mem = Inspection.of(a).heap().memory();
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
        for (long at = Inspection.of(a).heap().start(); at < Inspection.of(a).heap().brk(); ) {
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
        List<ThreadCacheMetrics.Cache> cacheRows = new ArrayList<>();
        for (ThreadCache c : caches) {
            long blocks = 0;
            for (int cls = 1; cls < COUNT; cls++) {
                cached[cls] += c.count(cls);
                blocks += c.count(cls);
            }
            cachedBytes += c.bytes;
            Thread t = c.owner;
            String owner = t == null ? c.stripe >= 0 ? "(virtual stripe " + c.stripe + ")" : "(explicit handle)" : t.getName() + (t.isAlive() ? "" : " (dead)");
            cacheTable.append(String.format("%6d %-24.24s %5d %10d %7d %8d %8d %8d%n", c.id, owner, c.arena, c.bytes, blocks,
                    c.refills, c.flushes, c.events));
            cacheRows.add(new ThreadCacheMetrics.Cache(c.id, owner, c.arena, c.bytes, blocks, c.refills, c.flushes, c.events));
        }
        for (int ar = 0; ar < arenas; ar++) {
            for (int cls = 1; cls < COUNT; cls++) {
                CentralList cl = a.central[ar][cls];
                long r = 0;
                for (long b = cl.remoteHead(); b != 0 && r < (1 << 24); b = a.links.decode(b, mem.get(ValueLayout.JAVA_LONG, b))) {
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

        StringBuilder bins = new StringBuilder(String.format("%5s %8s %6s %8s %8s %8s %8s %8s %6s%n",
                "class", "size", "spans", "blocks", "live", "cached", "central", "remote", "util"));
        int inUse = 0;
        List<ThreadCacheMetrics.Bin> binRows = new ArrayList<>();
        for (int cls = 1; cls < COUNT; cls++) {
            if (spans[cls] == 0 && cached[cls] == 0 && remote[cls] == 0) {
                continue;
            }
            inUse++;
            long blocks = spans[cls] * BLOCKS[cls];
            bins.append(String.format("%5d %8d %6d %8d %8d %8d %8d %8d %5.1f%%%n", cls, SIZE[cls], spans[cls], blocks, live[cls],
                    cached[cls], centralFree[cls], remote[cls], blocks == 0 ? 0.0 : 100.0 * live[cls] / blocks));
            binRows.add(new ThreadCacheMetrics.Bin(cls, SIZE[cls], spans[cls], blocks, live[cls], cached[cls], centralFree[cls], remote[cls]));
        }

        StringBuilder arenaTable = new StringBuilder(String.format("%5s %6s %12s %12s %9s %9s %9s %9s%n",
                "arena", "spans", "centralBytes", "remoteBytes", "refills", "inserts", "pushes", "drains"));
        List<ThreadCacheMetrics.Arena> arenaRows = new ArrayList<>();
        for (int ar = 0; ar < arenas; ar++) {
            arenaRows.add(new ThreadCacheMetrics.Arena(ar, arenaSpans[ar], arenaFreeBytes[ar], arenaRemoteBytes[ar], arenaRefills[ar],
                    arenaInserts[ar], arenaPushes[ar], arenaDrains[ar]));
            arenaTable.append(String.format("%5d %6d %12d %12d %9d %9d %9d %9d%n", ar, arenaSpans[ar], arenaFreeBytes[ar],
                    arenaRemoteBytes[ar], arenaRefills[ar], arenaInserts[ar], arenaPushes[ar], arenaDrains[ar]));
        }
        long centralBytes = 0;
        long remoteBytes = 0;
        for (int ar = 0; ar < arenas; ar++) {
            centralBytes += arenaFreeBytes[ar];
            remoteBytes += arenaRemoteBytes[ar];
        }

        String[] names = {"1", "2", "3", "4", "5-8", "9-16", "17-32", "33-64", "65-128", ">128"};
        StringBuilder spanTable = new StringBuilder(String.format("%10s %8s %10s %10s%n", "pages", "spans", "freePages", "dirtyPages"));
        for (int k = 0; k < buckets; k++) {
            if (freeByLength[k] > 0) {
                spanTable.append(String.format("%10s %8d %10d %10d%n", names[k], freeByLength[k], freePagesByLength[k], dirtyByLength[k]));
            }
        }
        return List.of(
                new ThreadCacheMetrics.Summary(arenas, a.maintenance.clock.name().toLowerCase(Locale.ROOT), a.clockNow(), a.maintenance.decayTicks,
                        a.caches.cacheLimit, SizeClasses.MAX_SMALL, caches.size(), cachedBytes, a.caches.cachesDetached,
                        a.caches.deadCachesReclaimed, a.maintenance.maintenanceRuns, a.maintenance.oomRecoveries.get(), a.uncachedOps.get(), large,
                        largeBytes, "into the freeing thread's cache; other arenas' blocks return through remote stacks"),
                new ThreadCacheMetrics.Bins(inUse, binRows, bins.toString()),
                new ThreadCacheMetrics.Arenas(centralBytes, remoteBytes, arenaRows, arenaTable.toString()),
                new ThreadCacheMetrics.Caches(caches.size(), cachedBytes, cacheRows, cacheTable.toString()),
                new ThreadCacheMetrics.PageHeap(ph.freeSpans, ph.freePages, ph.dirtyPages, ph.decayLimit(),
                        Inspection.of(a).heap().releasedBytes(), ph.purges, ph.purgedPages, ph.grows, ph.grownPages, ph.splits, ph.merges,
                        ph.spanAllocations, ph.largeAllocations, Inspection.of(a).heap().isMmapBacked(),
                        "free spans by length:\n" + spanTable));
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
