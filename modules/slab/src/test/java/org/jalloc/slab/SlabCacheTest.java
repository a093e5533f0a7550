package org.jalloc.slab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import org.jalloc.core.walk.Inspection;
import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The object-cache behaviours the issue asks for, each on a real heap with the checker afterwards: constructed state
 * kept across reuse (constructor and destructor run on slab creation and destruction only), the three slab lists and
 * the preference for partial slabs, the empty-slab limit and {@code shrink()}, coloring, the on-/off-slab layouts,
 * magazines and the depot, {@code detach()}, the scavenger for dead threads, virtual threads without magazines,
 * misuse (wrong cache, double free, foreign pointers) with the heap unchanged, running out of heap, cache destruction,
 * and the slabinfo layout.
 */
class SlabCacheTest {
    private final Heap heap = Heap.reserve(4L << 20);
    private final SlabAllocator slab = SlabAllocator.builder().build(heap);

    @AfterEach
    void close() {
        slab.close();
    }

    private void assertClean() {
        List<Violation> v = new HeapChecker().check(Inspection.of(slab).heapWalk());
        assertTrue(v.isEmpty(), v::toString);
    }

    private static long inuse(SlabCache c) {
        synchronized (c.slabs.slabLock) {
            return c.slabs.activeObjects;
        }
    }

    private static long slabs(SlabCache c, int list) {
        synchronized (c.slabs.slabLock) {
            return c.slabs.counts[list];
        }
    }

    // ------------------------------------------------------------ constructed state

    @Test
    void aReusedObjectKeepsItsConstructedStateAndTheConstructorRunsOncePerObject() {
        AtomicInteger ctors = new AtomicInteger();
        AtomicInteger dtors = new AtomicInteger();
        SlabCache inodes = slab.newCache("inode", 200)
                .constructor(o -> {
                    o.set(ValueLayout.JAVA_LONG, 0, 0x1A0DEL);
                    o.set(ValueLayout.JAVA_INT, 8, ctors.incrementAndGet());
                })
                .destructor(o -> {
                    assertEquals(0x1A0DEL, o.get(ValueLayout.JAVA_LONG, 0), "destroyed in constructed state");
                    dtors.incrementAndGet();
                }).build();
        long a = inodes.alloc();
        assertEquals(inodes.objectsPerSlab(), ctors.get(), "every object of the new slab constructed once, at slab creation");
        assertEquals(0x1A0DEL, heap.getLong(a));
        int serial = heap.getInt(a + 8);
        heap.fill(a + 16, inodes.usableSize() - 16, (byte) 0x77); // scratch bytes the caller may use
        inodes.free(a);
        long b = inodes.alloc();
        assertEquals(a, b, "LIFO reuse through the magazine");
        assertEquals(0x1A0DEL, heap.getLong(b), "the constructed state survived the free");
        assertEquals(serial, heap.getInt(b + 8), "the same construction: no constructor call on alloc");
        assertEquals(inodes.objectsPerSlab(), ctors.get(), "no constructor call on alloc or free");
        inodes.free(b);
        assertEquals(0, dtors.get(), "no destructor call on free");
        inodes.shrink();
        assertEquals(inodes.objectsPerSlab(), dtors.get(), "destructors ran when the slab was destroyed, once per object");
        assertClean();
    }

    @Test
    void constructedStateSurvivesTheSlabFreeListsToo() {
        // Without magazines every free goes to the slab's free list: the link and the free marker must live outside a
        // constructed object, on-slab and off-slab alike.
        for (long size : new long[] {48, 200, 1000, 3000}) {
            SlabCache c = slab.newCache("ctor-" + size, size).magazineSize(0)
                    .constructor(o -> o.asSlice(0, size).fill((byte) 0x3C)).build();
            List<Long> objs = new ArrayList<>();
            for (int i = 0; i < c.objectsPerSlab() * 2; i++) {
                objs.add(c.alloc());
            }
            objs.forEach(c::free);
            for (int i = 0; i < c.objectsPerSlab() * 2; i++) {
                long o = c.alloc();
                assertEquals(-1, heap.slice(o, size).asByteBuffer().mismatch(java.nio.ByteBuffer.wrap(filled(size, (byte) 0x3C))),
                        c + ": the whole constructed object survived");
                c.free(o);
            }
        }
        assertClean();
    }

    private static byte[] filled(long n, byte b) {
        byte[] a = new byte[(int) n];
        java.util.Arrays.fill(a, b);
        return a;
    }

    // ------------------------------------------------------------ lists, empties, shrink

    @Test
    void allocationPrefersPartialSlabsAndSlabsMoveBetweenTheLists() {
        SlabCache c = slab.newCache("lists", 100).magazineSize(0).emptySlabLimit(4).build();
        int n = c.objectsPerSlab();
        List<Long> first = new ArrayList<>();
        List<Long> second = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            first.add(c.alloc());
        }
        for (int i = 0; i < n; i++) {
            second.add(c.alloc());
        }
        assertEquals(2, slabs(c, SlabLayer.FULL));
        second.forEach(c::free);
        assertEquals(1, slabs(c, SlabLayer.EMPTY), "the second slab is empty");
        c.free(first.get(5));
        assertEquals(1, slabs(c, SlabLayer.PARTIAL));
        assertEquals(0, slabs(c, SlabLayer.FULL));
        long again = c.alloc();
        assertEquals(first.get(5), again, "the partial slab's free object, not one of the empty slab");
        assertEquals(1, slabs(c, SlabLayer.FULL));
        assertEquals(1, slabs(c, SlabLayer.EMPTY));
        assertClean();
    }

    @Test
    void emptySlabsBeyondTheLimitGoBackToBuddyAndShrinkReturnsTheRest() {
        SlabCache c = slab.newCache("empties", 500).emptySlabLimit(1).build();
        int n = c.objectsPerSlab();
        List<Long> objs = new ArrayList<>();
        for (int i = 0; i < n * 4; i++) {
            objs.add(c.alloc());
        }
        long slabsBefore = slabs(c, SlabLayer.FULL);
        assertEquals(4, slabsBefore);
        long freeBefore = slab.pages().freeBytes();
        objs.forEach(c::free);
        c.detach(); // the rounds in this thread's magazines go back to their slabs
        synchronized (c.depot) {
            assertTrue(c.depot.fullCount > 0, "full magazines went to the depot");
        }
        c.shrink();
        assertEquals(0, slabs(c, SlabLayer.EMPTY) + slabs(c, SlabLayer.PARTIAL) + slabs(c, SlabLayer.FULL), "shrink returns every empty slab");
        assertEquals(freeBefore + 4 * c.pagesPerSlab() * SlabAllocator.PAGE_SIZE, slab.pages().freeBytes());
        assertClean();

        SlabCache d = slab.newCache("limit", 500).magazineSize(0).emptySlabLimit(1).build();
        objs.clear();
        for (int i = 0; i < d.objectsPerSlab() * 3; i++) {
            objs.add(d.alloc());
        }
        objs.forEach(d::free);
        assertEquals(1, slabs(d, SlabLayer.EMPTY), "one empty slab kept, the other two returned at once");
        assertClean();
    }

    @Test
    void shrinkFlushesEveryThreadsMagazines() throws InterruptedException {
        SlabCache c = slab.newCache("shared", 64).build();
        List<Long> objs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            objs.add(c.alloc());
        }
        Thread other = Thread.ofPlatform().start(() -> objs.subList(0, 20).forEach(c::free));
        other.join();
        objs.subList(20, 40).forEach(c::free);
        assertTrue(slab.scavenging.roundsInMagazines()[c.id] > 0);
        c.shrink();
        assertEquals(0, slab.scavenging.roundsInMagazines()[c.id], "every thread's rounds returned, dead or alive");
        assertEquals(0, inuse(c));
        assertEquals(0, slabs(c, SlabLayer.EMPTY));
        assertClean();
    }

    // ------------------------------------------------------------ coloring, layouts

    @Test
    void coloringShiftsEachNewSlabsObjectsByACacheLine() {
        // 240-byte slots: 16 per 4 KiB on-slab slab (4032 usable bytes), 192 bytes of slack: colors 0, 64, 128, 192.
        SlabCache c = slab.newCache("colored", 240).magazineSize(0).build();
        assertEquals(16, c.objectsPerSlab());
        assertEquals(192, c.slackBytesPerSlab());
        assertEquals(4, c.colors());
        List<Long> offsets = new ArrayList<>();
        for (int s = 0; s < 6; s++) {
            long first = 0;
            for (int i = 0; i < c.objectsPerSlab(); i++) {
                long o = c.alloc();
                if (i == 0) {
                    first = o;
                }
            }
            offsets.add(first & (SlabAllocator.PAGE_SIZE - 1));
        }
        assertEquals(List.of(0L, 64L, 128L, 192L, 0L, 64L), offsets);
        assertClean();
    }

    @Test
    void smallObjectsKeepTheirHeaderInTheSlabLargeOnesOutside() {
        SlabCache small = slab.kmallocCache(64);
        SlabCache large = slab.kmallocCache(2048);
        assertTrue(small.onSlab());
        assertFalse(large.onSlab());
        long s = small.alloc();
        long l = large.alloc();
        long sh = slab.pageEntry(s);
        long lh = slab.pageEntry(l);
        long sBase = s & -SlabAllocator.PAGE_SIZE;
        assertEquals(sBase + SlabAllocator.PAGE_SIZE - SlabLayer.HEADER, sh, "on-slab header at the slab's end");
        long lBase = heap.getLong(lh + SlabLayer.H_BASE);
        assertTrue(lh < lBase || lh >= lBase + large.pagesPerSlab() * SlabAllocator.PAGE_SIZE, "off-slab header outside the slab");
        SlabObjectInfo d = slab.objectInfo(lh);
        assertEquals("kmalloc-96", d.cache(), "the descriptor (header + bufctl of 2 objects) is a kmalloc object");
        assertEquals("allocated", d.state());
        small.free(s);
        large.free(l);
        assertClean();
    }

    @Test
    void kmallocCachesHaveTheDocumentedGeometry() {
        String[] expected = {
            "kmalloc-16 16 252 1 on", "kmalloc-32 32 126 1 on", "kmalloc-64 64 63 1 on", "kmalloc-96 96 42 1 on",
            "kmalloc-128 128 31 1 on", "kmalloc-192 192 21 1 on", "kmalloc-256 256 15 1 on", "kmalloc-512 512 8 1 off",
            "kmalloc-1k 1024 4 1 off", "kmalloc-2k 2048 2 1 off", "kmalloc-4k 4096 1 1 off", "kmalloc-8k 8192 1 2 off"};
        List<String> actual = new ArrayList<>();
        for (SlabCache c : slab.caches()) {
            actual.add(c.name() + " " + c.slotSize() + " " + c.objectsPerSlab() + " " + c.pagesPerSlab() + " " + (c.onSlab() ? "on" : "off"));
        }
        assertEquals(List.of(expected), actual);
        for (long n = 0; n <= SlabAllocator.KMALLOC_MAX; n++) {
            SlabCache c = slab.kmallocCache(n);
            assertTrue(c.usableSize() >= Math.max(16, n), "request " + n + " fits " + c.name());
            int i = SlabAllocator.classIndex(n);
            assertTrue(i == 0 || SlabAllocator.KMALLOC_SIZES[i - 1] < n, "request " + n + " takes the smallest class that fits");
        }
        assertNull(slab.kmallocCache(SlabAllocator.KMALLOC_MAX + 1));
    }

    // ------------------------------------------------------------ magazines

    @Test
    void magazinesExchangeWithTheDepotAndOtherThreadsGetThem() throws InterruptedException {
        SlabCache c = slab.newCache("mags", 64).magazineSize(2).build();
        List<Long> objs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            objs.add(c.alloc());
        }
        objs.forEach(c::free); // loaded 2, previous 2, three full magazines to the depot
        synchronized (c.depot) {
            assertEquals(3, c.depot.fullCount);
        }
        assertEquals(10, inuse(c), "rounds in magazines stay in use from the slabs' view");
        Set<Long> got = new HashSet<>();
        Thread t = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 6; i++) {
                got.add(c.alloc());
            }
        });
        t.join();
        assertEquals(6, got.size());
        assertTrue(objs.containsAll(got), "the other thread took full magazines from the depot");
        synchronized (c.depot) {
            assertEquals(0, c.depot.fullCount);
        }
        assertClean();
        got.forEach(c::free); // by this thread: its magazines hold 4 already
        assertClean();
    }

    @Test
    void detachFlushesTheCallingThreadsMagazines() {
        SlabCache c = slab.kmallocCache(32);
        long[] objs = new long[12];
        for (int i = 0; i < objs.length; i++) {
            objs[i] = slab.malloc(20);
        }
        for (long p : objs) {
            slab.free(p);
        }
        assertEquals(12, slab.scavenging.roundsInMagazines()[c.id]);
        assertEquals(1, slab.scavenging.threadSnapshot().size());
        slab.detach();
        assertEquals(0, slab.scavenging.threadSnapshot().size());
        assertEquals(0, slab.scavenging.roundsInMagazines()[c.id]);
        assertEquals(0, inuse(c));
        assertClean();
    }

    @Test
    void theScavengerFlushesTheMagazinesOfThreadsThatEnded() throws InterruptedException {
        SlabCache c = slab.newCache("scavenged", 128).build();
        Thread t = Thread.ofPlatform().start(() -> {
            List<Long> objs = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                objs.add(c.alloc());
            }
            objs.forEach(c::free);
        });
        t.join();
        assertEquals(5, slab.scavenging.roundsInMagazines()[c.id], "the dead thread's rounds");
        assertClean();
        slab.scavenge();
        assertEquals(0, slab.scavenging.roundsInMagazines()[c.id]);
        assertEquals(0, inuse(c));
        assertFalse(slab.scavenging.threadSnapshot().stream().anyMatch(m -> m.owner == t));
        assertEquals(1L, slab.stats().metric(SlabMetric.class).orElseThrow().deadThreadsReclaimed());
        assertClean();
    }

    @Test
    void theScavengerRunsByItselfEverySoManySlowOperations() throws InterruptedException {
        SlabCache c = slab.newCache("auto", 64).magazineSize(1).build();
        Thread t = Thread.ofPlatform().start(() -> c.free(c.alloc()));
        t.join();
        assertEquals(1, slab.scavenging.roundsInMagazines()[c.id]);
        List<Long> kept = new ArrayList<>();
        for (int i = 0; i < SlabAllocator.SCAVENGE_EVERY; i++) {
            kept.add(c.alloc()); // each one from the slab layer: an operation off the fast path
        }
        assertFalse(slab.scavenging.threadSnapshot().stream().anyMatch(m -> m.owner == t), "the dead thread was swept without an explicit call");
        assertClean();
        kept.forEach(c::free);
        assertClean();
    }

    @Test
    void virtualThreadsGetNoMagazines() throws InterruptedException {
        SlabCache c = slab.newCache("virtual", 64).build();
        AtomicLong a = new AtomicLong();
        Thread t = Thread.ofVirtual().start(() -> {
            long p = c.alloc();
            c.free(p);
            a.set(c.alloc());
        });
        t.join();
        assertTrue(slab.scavenging.threadSnapshot().isEmpty(), "no magazines for a virtual thread");
        assertEquals(1, inuse(c), "its free went straight to the slab");
        c.free(a.get());
        assertClean();
    }

    // ------------------------------------------------------------ misuse

    @Test
    void freeingToTheWrongCacheIsRefusedWithTheHeapUnchanged() {
        SlabCache dentries = slab.newCache("dentry", 192).build();
        SlabCache inodes = slab.newCache("inode", 192).build();
        long d = dentries.alloc();
        long k = slab.malloc(150);
        byte[] before = heap.snapshot();
        WrongCacheException e = assertThrows(WrongCacheException.class, () -> inodes.free(d));
        assertArrayEquals(before, heap.snapshot());
        assertEquals("inode", e.cache());
        assertEquals("dentry", e.ownerCache());
        assertThrows(WrongCacheException.class, () -> slab.free(d), "kmalloc's free of a cache object");
        assertThrows(WrongCacheException.class, () -> slab.usableSize(d));
        assertThrows(WrongCacheException.class, () -> dentries.free(k), "a cache's free of a kmalloc object");
        long large = slab.malloc(100_000);
        before = heap.snapshot();
        assertThrows(WrongCacheException.class, () -> dentries.free(large), "a large kmalloc block");
        assertArrayEquals(before, heap.snapshot());
        dentries.free(d);
        slab.free(k);
        slab.free(large);
        assertClean();
    }

    @Test
    void doubleFreesAreDetectedWhereverTheObjectIs() {
        SlabCache mags = slab.newCache("dbl-mags", 100).build();
        SlabCache slabOnly = slab.newCache("dbl-slab", 100).magazineSize(0).build();
        SlabCache offSlab = slab.newCache("dbl-off", 1000).build();
        for (SlabCache c : List.of(mags, slabOnly, offSlab)) {
            long keep = c.alloc();
            long p = c.alloc();
            c.free(p);
            byte[] before = heap.snapshot();
            DoubleFreeException e = assertThrows(DoubleFreeException.class, () -> c.free(p), c.name());
            assertTrue(e.getMessage().contains(c.name()), e.getMessage());
            assertArrayEquals(before, heap.snapshot(), "a refused double free changes nothing");
            c.free(keep);
        }
        long p = slab.malloc(20_000);
        slab.free(p);
        assertThrows(DoubleFreeException.class, () -> slab.free(p), "a large block freed twice");
        assertClean();
    }

    @Test
    void foreignAndInteriorPointersAreRefusedWithTheHeapUnchanged() {
        SlabCache c = slab.newCache("foreign", 240).build(); // colored: the second slab's objects start 64 bytes in
        List<Long> objs = new ArrayList<>();
        for (int i = 0; i < c.objectsPerSlab() + 1; i++) {
            objs.add(c.alloc());
        }
        long second = objs.get(objs.size() - 1);
        long slabBase = second & -SlabAllocator.PAGE_SIZE;
        long big = slab.malloc(50_000);
        byte[] before = heap.snapshot();
        long[] bad = {
            objs.get(3) + 16, objs.get(3) + 1, // interior, misaligned
            slabBase, // color padding of the second slab
            slabBase + SlabAllocator.PAGE_SIZE - 64, // the on-slab header
            slabBase + SlabAllocator.PAGE_SIZE - 96, // slack after the last object
            big + 4096, // inside a large block
            heap.brk() + 4096, heap.start() - 64, heap.limit() + 4096, // beyond the break, the guard page, outside
        };
        for (long a : bad) {
            InvalidPointerException e = assertThrows(InvalidPointerException.class, () -> c.free(a), "free(" + Long.toHexString(a) + ")");
            assertTrue(e.getMessage().startsWith("foreign") || e.getMessage().startsWith("slab"), e.getMessage());
            assertThrows(InvalidPointerException.class, () -> slab.free(a));
        }
        assertArrayEquals(before, heap.snapshot());
        objs.forEach(c::free);
        slab.free(big);
        assertClean();
    }

    // ------------------------------------------------------------ exhaustion, destruction, slabinfo

    @Test
    void runningOutOfHeapReturnsZeroAndTheCacheRecovers() {
        try (SlabAllocator small = SlabAllocator.builder().build(Heap.reserve(256 << 10))) {
            SlabCache c = small.newCache("fill", 3000).constructor(o -> o.set(ValueLayout.JAVA_LONG, 0, 7)).build();
            List<Long> objs = new ArrayList<>();
            for (long p; (p = c.alloc()) != 0; ) {
                objs.add(p);
                assertTrue(objs.size() < 1000);
            }
            assertEquals(0, c.alloc(), "still full");
            objs.forEach(c::free);
            assertNotEquals(0, small.malloc(100_000), "the cache's slabs went back to buddy when the heap was full");
            assertTrue(new HeapChecker().check(Inspection.of(small).heapWalk()).isEmpty());
        }
    }

    @Test
    void destroyingACacheNeedsItEmpty() {
        AtomicInteger dtors = new AtomicInteger();
        SlabCache c = slab.newCache("doomed", 80).destructor(o -> dtors.incrementAndGet()).build();
        long p = c.alloc();
        assertThrows(IllegalStateException.class, () -> slab.destroyCache(c));
        assertTrue(slab.caches().contains(c), "a refused destroy changes nothing");
        c.free(p);
        slab.destroyCache(c);
        assertEquals(c.objectsPerSlab(), dtors.get());
        assertFalse(slab.caches().contains(c));
        assertThrows(IllegalStateException.class, c::alloc);
        assertThrows(IllegalArgumentException.class, () -> slab.destroyCache(slab.kmallocCache(64)));
        assertThrows(IllegalArgumentException.class, () -> slab.newCache("kmalloc-64", 10).build(), "names are unique");
        slab.newCache("doomed", 80).build(); // the name is free again
        assertClean();
    }

    @Test
    void slabinfoHasTheProcLayout() {
        SlabCache c = slab.newCache("task_struct", 1700).build();
        long[] objs = {c.alloc(), c.alloc(), c.alloc()};
        String info = slab.slabinfo();
        String[] lines = info.split("\n");
        assertEquals("slabinfo - version: 2.1", lines[0]);
        assertEquals("# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount>"
                + " <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>", lines[1]);
        assertEquals(slab.caches().size(), lines.length - 2);
        assertTrue(lines[2].startsWith("task_struct "), "newest cache first, as Linux lists them");
        assertEquals(9, c.objectsPerSlab());
        assertEquals(String.format("%-17s %6d %6d %6d %4d %4d : tunables %4d %4d %4d : slabdata %6d %6d %6d", "task_struct", 3,
                c.objectsPerSlab(), c.slotSize(), c.objectsPerSlab(), c.pagesPerSlab(), 3, 3, 0, 1, 1, 0), lines[2]);
        Pattern row = Pattern.compile("[\\w-]+ +\\d+ +\\d+ +\\d+ +\\d+ +\\d+ : tunables +\\d+ +\\d+ +\\d+ : slabdata +\\d+ +\\d+ +\\d+");
        for (int i = 2; i < lines.length; i++) {
            assertTrue(row.matcher(lines[i]).matches(), lines[i]);
        }
        for (long o : objs) {
            c.free(o);
        }
    }
}
