package org.jalloc.slab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.util.List;

import org.jalloc.core.walk.Inspection;
import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.core.Allocator;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * SLUB-style debugging ({@code FZPU}) finds real bugs: a buffer overrun and an underrun (red zones, Z) on free and by
 * the checker (SLAB-4), a write after free (poison, P) on the next alloc of the object and by the checker (SLAB-5),
 * an exact double free (F); every report names the cache, the object and, with U, its last alloc and free sites.
 * A refused free leaves the object allocated and the heap as it was.
 */
class SlabDebugTest {
    private final Heap heap = Heap.reserve(4L << 20);
    private final SlabAllocator slab = SlabAllocator.builder().build(heap);

    @AfterEach
    void close() {
        slab.close();
    }

    private List<Violation> check() {
        return new HeapChecker().check(Inspection.of(slab).heapWalk());
    }

    private static List<String> ids(List<Violation> v) {
        return v.stream().map(Violation::invariantId).distinct().toList();
    }

    private static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }

    @Test
    void aBufferOverrunIsCaughtOnFreeNamingTheCacheTheObjectAndWhereItWasAllocated() {
        SlabCache c = slab.newCache("packet", 100).debug("FZPU").build();
        assertEquals(0, c.magazineSize(), "debug caches bypass the magazines");
        long obj = c.alloc();
        long other = c.alloc();
        heap.fill(obj, 100, (byte) 1); // in bounds: fine
        heap.putByte(obj + 100, (byte) 0x42); // one byte past the end
        List<Violation> found = check();
        assertEquals(List.of("SLAB-4"), ids(found), found::toString);
        assertTrue(found.get(0).message().contains("packet") && found.get(0).message().contains("overrun"), found.get(0).message());

        byte[] before = heap.snapshot();
        SlabCorruptionException e = assertThrows(SlabCorruptionException.class, () -> c.free(obj));
        assertEquals(SlabCorruptionException.Kind.RED_ZONE, e.kind());
        assertEquals("packet", e.cache());
        assertEquals(obj, e.object());
        String m = e.getMessage();
        assertTrue(m.startsWith("packet: Redzone overwritten at " + hex(obj + 100) + " (object " + hex(obj) + " + 100)"), m);
        assertTrue(m.contains("expected 0xcc, found 0x42: a buffer overrun"), m);
        assertTrue(m.contains("last allocated at org.jalloc.slab.SlabDebugTest.aBufferOverrunIsCaughtOnFreeNamingTheCacheTheObjectAndWhereItWasAllocated("),
                m);
        assertArrayEquals(before, heap.snapshot(), "the refused free changed nothing: the object is still allocated");
        assertEquals("allocated", slab.objectInfo(obj).state());

        heap.putByte(obj + 100, (byte) 0xcc); // repair, and the free goes through
        c.free(obj);
        c.free(other);
        assertTrue(check().isEmpty());
    }

    @Test
    void anUnderrunIntoTheLeftRedZoneIsCaughtToo() {
        SlabCache c = slab.newCache("underrun", 64).debug("Z").build();
        long obj = c.alloc();
        heap.putByte(obj - 3, (byte) 0);
        assertEquals(List.of("SLAB-4"), ids(check()));
        SlabCorruptionException e = assertThrows(SlabCorruptionException.class, () -> c.free(obj));
        assertEquals(SlabCorruptionException.Kind.RED_ZONE, e.kind());
        assertTrue(e.getMessage().contains("(object " + hex(obj) + " - 3)") && e.getMessage().contains("underrun"), e.getMessage());
    }

    @Test
    void aWriteAfterFreeIsCaughtOnTheNextAllocNamingTheCacheTheObjectAndBothSites() {
        SlabCache c = slab.newCache("dentry", 192).debug("FZPU").build();
        long obj = c.alloc();
        freeIt(c, obj);
        assertTrue(check().isEmpty());
        heap.putLong(obj + 40, 0xdeadL); // a stale pointer writes into the freed object

        List<Violation> found = check();
        assertEquals(List.of("SLAB-5"), ids(found), found::toString);
        assertTrue(found.get(0).message().contains("dentry") && found.get(0).message().contains(hex(obj)), found.get(0).message());

        byte[] before = heap.snapshot();
        SlabCorruptionException e = assertThrows(SlabCorruptionException.class, c::alloc, "the LIFO free list hands out this object next");
        assertEquals(SlabCorruptionException.Kind.USE_AFTER_FREE, e.kind());
        assertEquals("dentry", e.cache());
        assertEquals(obj, e.object());
        String m = e.getMessage();
        assertTrue(m.startsWith("dentry: Poison overwritten at " + hex(obj + 40) + " (object " + hex(obj) + " + 40): expected 0x6b, found 0xad"), m);
        assertTrue(m.contains("a write after free"), m);
        assertTrue(m.contains("last allocated at org.jalloc.slab.SlabDebugTest.aWriteAfterFreeIsCaughtOnTheNextAllocNamingTheCacheTheObjectAndBothSites("), m);
        assertTrue(m.contains("last freed at org.jalloc.slab.SlabDebugTest.freeIt("), m);
        assertArrayEquals(before, heap.snapshot(), "the refused alloc changed nothing: the object stays free");
        SlabObjectInfo info = slab.objectInfo(obj);
        assertTrue(info.state().startsWith("free"), info.state());
        assertTrue(info.freeSite().startsWith("org.jalloc.slab.SlabDebugTest.freeIt("), info.freeSite());
        assertEquals(Thread.currentThread().threadId(), info.freeThread());
    }

    private static void freeIt(SlabCache c, long obj) {
        c.free(obj);
    }

    @Test
    void aWriteIntoAFreeObjectsRedZoneIsAWriteAfterFree() {
        SlabCache c = slab.newCache("stale", 48).debug("Z").build();
        long obj = c.alloc();
        c.free(obj);
        heap.putByte(obj + 48, (byte) 7);
        assertEquals(List.of("SLAB-4"), ids(check()));
        SlabCorruptionException e = assertThrows(SlabCorruptionException.class, c::alloc);
        assertEquals(SlabCorruptionException.Kind.USE_AFTER_FREE, e.kind());
        assertTrue(e.getMessage().contains("Redzone of a free object"), e.getMessage());
    }

    @Test
    void aConstructedObjectIsNotPoisonedAndKeepsItsState() {
        SlabCache c = slab.newCache("ctor-debug", 128).debug("FZPU").constructor(o -> o.set(ValueLayout.JAVA_LONG, 0, 0x5EEDL)).build();
        assertFalse(c.g.poisoned(), "P does not apply to a cache with a constructor");
        long obj = c.alloc();
        c.free(obj);
        assertEquals(0x5EEDL, heap.getLong(obj), "no poison over the constructed state (as SLUB)");
        assertTrue(check().isEmpty());
        long again = c.alloc();
        assertEquals(obj, again);
        assertEquals(0x5EEDL, heap.getLong(again));
        heap.putByte(again + 128, (byte) 0); // the red zones still work
        assertThrows(SlabCorruptionException.class, () -> c.free(again));
    }

    @Test
    void theDoubleFreeCheckIsExactWithAndWithoutSanityChecksEvenForDataThatLooksLikeTheFreeMarker() {
        SlabCache plain = slab.newCache("plain", 64).magazineSize(0).build();
        SlabCache checked = slab.newCache("checked", 64).debug("F").build();
        long p = plain.alloc();
        long q = checked.alloc();
        // A live object whose bytes 8..16 hold its slot's free marker: the state map, not the bytes, says it is live.
        heap.putLong(p + 8, p ^ SlabCache.FREE_TAG);
        plain.free(p);
        assertThrows(DoubleFreeException.class, () -> plain.free(p));
        // With F the free list is walked too, and agrees.
        heap.putLong(q + 8, q ^ SlabCache.FREE_TAG);
        checked.free(q);
        DoubleFreeException e = assertThrows(DoubleFreeException.class, () -> checked.free(q));
        assertTrue(e.getMessage().contains("checked") && e.getMessage().contains("double free"), e.getMessage());
        assertTrue(check().isEmpty());
    }

    @Test
    void theDebugOptionTurnsOnEveryKmallocCacheAndReportsBugsThroughTheAllocatorInterface() {
        try (Allocator a = AllocatorFactory.of("slab:debug=FZPU", 4L << 20).create(Heap.reserve(4L << 20))) {
            // slab keeps its own SLUB letters; the generic debug layer wraps it only to scope views to their blocks.
            SlabAllocator s = (SlabAllocator) ((org.jalloc.core.spi.ForwardingAllocator) a).delegate();
            assertTrue(s.caches().stream().allMatch(c -> c.debugFlags().equals("FZPU")));
            long p = a.malloc(24);
            Inspection.of(s).heap().memory().set(ValueLayout.JAVA_BYTE, p + 32, (byte) 0); // kmalloc-32: bytes 24..31 are usable, 32 is red zone
            SlabCorruptionException e = assertThrows(SlabCorruptionException.class, () -> a.free(p));
            assertTrue(e.getMessage().startsWith("kmalloc-32: Redzone overwritten"), e.getMessage());
            assertEquals("FZPU", a.stats().metric(SlabMetric.class).orElseThrow().debug());
            assertFalse(new HeapChecker().check(Inspection.of(s).heapWalk()).isEmpty());
        }
    }

    @Test
    void userTrackingRecordsTheLastSitesAndThreads() throws InterruptedException {
        SlabCache c = slab.newCache("tracked", 80).debug("U").build();
        long obj = c.alloc();
        Thread t = Thread.ofPlatform().start(() -> c.free(obj));
        t.join();
        SlabObjectInfo info = slab.objectInfo(obj);
        assertEquals("tracked", info.cache());
        assertTrue(info.allocSite().startsWith("org.jalloc.slab.SlabDebugTest.userTrackingRecordsTheLastSitesAndThreads("), info.allocSite());
        assertEquals(Thread.currentThread().threadId(), info.allocThread());
        assertTrue(info.freeSite().startsWith("org.jalloc.slab.SlabDebugTest.lambda$userTrackingRecordsTheLastSitesAndThreads"), info.freeSite());
        assertEquals(t.threadId(), info.freeThread());
        DoubleFreeException e = assertThrows(DoubleFreeException.class, () -> c.free(obj));
        assertTrue(e.getMessage().contains("last freed at org.jalloc.slab.SlabDebugTest.lambda$userTracking"), e.getMessage());
    }
}
