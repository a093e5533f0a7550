package org.jalloc.slab;

import static org.jalloc.testkit.contract.Corruption.assertReports;
import static org.jalloc.testkit.contract.Corruption.assertReportsOnly;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jalloc.core.walk.Inspection;
import org.jalloc.check.CheckedAllocator;
import org.jalloc.core.FreeListCorruptionException;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Breaks real slab metadata — a free-list link, a bufctl entry, a list link, a color, a red zone byte, a poison
 * byte, a page map entry, a buddy block, a round's free marker, a depot count — and proves the checker names the
 * invariant: SLAB-1 (free list), SLAB-2 (lists), SLAB-3 (placement), SLAB-4 (red zones), SLAB-5 (poison), SLAB-6
 * (slab pages in buddy and the page map), SLAB-7 (magazines and depot); with {@code secure=on}, an encoded link
 * overwritten is SLAB-1 for the checker and SEC-1 for the pop that would follow it. The kmalloc caches are driven through
 * {@link CheckedAllocator}, so the shadow model and the payload patterns are checked as well.
 */
class SlabCorruptionTest {
    private final Heap heap = Heap.reserve(4L << 20);
    private final SlabAllocator slab = SlabAllocator.builder().magazines(false).build(heap);
    private final CheckedAllocator checked = new CheckedAllocator(slab);
    /** kmalloc-64: on-slab, 63 objects per one-page slab, no slack, the free link and marker in the free object. */
    private final SlabCache k64 = slab.kmallocCache(64);

    @AfterEach
    void close() {
        slab.close();
    }

    private long header(long obj) {
        return slab.pageEntry(obj);
    }

    @Test
    void theUntouchedLayoutIsClean() {
        long a = checked.malloc(50);
        long b = checked.malloc(1000);
        long c = checked.malloc(20_000);
        checked.free(b);
        checked.verifyAll();
        assertEquals(63, k64.objectsPerSlab());
        assertEquals(0, k64.slackBytesPerSlab());
        assertTrue(k64.onSlab());
        checked.free(a);
        checked.free(c);
        checked.verifyAll();
    }

    @Test
    void slab1AFreeLinkToALiveObject() {
        long a = checked.malloc(64);
        long b = checked.malloc(64);
        checked.malloc(64);
        checked.free(b); // b heads the slab's free list; its link (the next free slot) is in its first bytes
        heap.putLong(b + k64.g.linkOffset(), a); // the link now names the live a: a is free and allocated at once
        assertReports(checked, "SLAB-1");
    }

    @Test
    void slab1AFreeSlotThatTheStateMapCallsLive() {
        long a = checked.malloc(64);
        checked.malloc(64);
        checked.free(a); // a heads the slab's free list
        slab.states.set(a, SlabLayer.SLOT_LIVE); // the state map now says the caller has it
        assertReports(checked, "SLAB-1");
    }

    @Test
    void slab1AFreeSlotWithoutItsMarker() {
        long a = checked.malloc(64);
        checked.malloc(64);
        checked.free(a);
        heap.putLong(a + k64.g.markerOffset(), 0L); // a write after free into the canary
        assertReports(checked, "SLAB-1");
    }

    @Test
    void slab1ABufctlEntryOfAFreeSlotSaysLive() {
        SlabCache k1k = slab.kmallocCache(1000);
        assertFalse(k1k.onSlab());
        long a = checked.malloc(1000);
        checked.malloc(1000);
        checked.free(a);
        long h = header(a);
        long index = heap.getLong(h + SlabLayer.H_FREE);
        assertEquals(0, index, "a's slot heads the off-slab free list");
        heap.putInt(k1k.slabs.bufctl(h, index), SlabLayer.BUFCTL_LIVE); // the free list now runs into a LIVE entry
        assertReports(checked, "SLAB-1");
    }

    @Test
    void slab2ABrokenPrevLinkOnTheFullList() {
        for (int i = 0; i < 2 * k64.objectsPerSlab(); i++) {
            checked.malloc(40);
        }
        long first = k64.slabs.heads[SlabLayer.FULL];
        long second = heap.getLong(first + SlabLayer.H_NEXT);
        assertNotEquals(0, second, "two full slabs");
        heap.putLong(second + SlabLayer.H_PREV, 0);
        assertReportsOnly(checked, "SLAB-2");
    }

    @Test
    void slab2AFullSlabLeftOnThePartialList() {
        long first = 0;
        for (int i = 0; i < k64.objectsPerSlab(); i++) {
            long p = checked.malloc(40);
            first = i == 0 ? p : first;
        }
        checked.free(first); // the slab is partial again
        long h = header(first);
        assertEquals(h, k64.slabs.heads[SlabLayer.PARTIAL]);
        // Take the freed slot off the free list by hand and count it in use: a full slab, but still on the partial list.
        heap.putLong(h + SlabLayer.H_FREE, 0);
        heap.putInt(h + SlabLayer.H_INUSE, k64.objectsPerSlab());
        synchronized (k64.slabs.slabLock) {
            k64.slabs.activeObjects++;
        }
        assertReports(checked, "SLAB-2");
    }

    @Test
    void slab3AColorBeyondTheSlack() {
        long a = checked.malloc(64);
        heap.putInt(header(a) + SlabLayer.H_COLOR, 64); // the slack is 0: the last object would run into the header
        assertReports(checked, "SLAB-3");
    }

    @Test
    void slab4AnOverrunIntoARedZone() {
        try (SlabAllocator debug = SlabAllocator.builder().debug("Z").build(Heap.reserve(4L << 20))) {
            CheckedAllocator ch = new CheckedAllocator(debug);
            long p = ch.malloc(24);
            ch.verifyAll();
            Inspection.of(debug).heap().memory().set(java.lang.foreign.ValueLayout.JAVA_BYTE, p + debug.kmallocCache(24).usableSize(), (byte) 0x11);
            assertReportsOnly(ch, "SLAB-4");
        }
    }

    @Test
    void slab5AWriteIntoAPoisonedFreeObject() {
        try (SlabAllocator debug = SlabAllocator.builder().debug("P").build(Heap.reserve(4L << 20))) {
            CheckedAllocator ch = new CheckedAllocator(debug);
            long p = ch.malloc(40);
            ch.malloc(40);
            ch.free(p);
            ch.verifyAll();
            Inspection.of(debug).heap().memory().set(java.lang.foreign.ValueLayout.JAVA_LONG, p + 8, 0x1234L);
            assertReportsOnly(ch, "SLAB-5");
        }
    }

    @Test
    void slab6APageMapEntryOfASlabCleared() {
        long a = checked.malloc(64);
        slab.pageMap.setRange((a & -SlabAllocator.PAGE_SIZE) >>> SlabPageEntry.PAGE_SHIFT, 1, 0, 0);
        assertReports(checked, "SLAB-6");
    }

    @Test
    void slab6ABuddyBlockOwnedByNothing() {
        checked.malloc(64);
        long leaked;
        synchronized (slab.pageLock) {
            leaked = slab.pages().allocPages(1); // pages taken behind the slab layer's back: no slab, no large block
        }
        assertNotEquals(0, leaked);
        assertReports(checked, "SLAB-6");
    }

    @Test
    void slab6ALargeBlockAboveOrderTenWhosePageMapEntryGivesAnotherOrder() {
        try (SlabAllocator big = SlabAllocator.builder().magazines(false).build(Heap.reserve(64L << 20))) {
            CheckedAllocator ch = new CheckedAllocator(big);
            long p = ch.malloc(8L << 20); // an order-11 block: beyond Linux's order 10
            assertEquals(11, SlabPageEntry.largeOrder(big.pageEntry(p)));
            ch.verifyAll();
            synchronized (big.pageLock) {
                big.pageMap.set(p >>> SlabPageEntry.PAGE_SHIFT, SlabPageEntry.large(10)); // the first page now claims half the block
            }
            assertReports(ch, "SLAB-6");
        }
    }

    @Test
    void slab7ARoundWithoutItsFreeMarker() {
        try (SlabAllocator mags = SlabAllocator.builder().build(Heap.reserve(4L << 20))) {
            CheckedAllocator ch = new CheckedAllocator(mags);
            long p = ch.malloc(24);
            ch.malloc(24);
            ch.free(p); // a round in this thread's loaded magazine of kmalloc-32
            assertEquals(1, mags.scavenging.roundsInMagazines()[mags.kmallocCache(24).id]);
            ch.verifyAll();
            SlabCache k32 = mags.kmallocCache(24);
            Inspection.of(mags).heap().memory().set(java.lang.foreign.ValueLayout.JAVA_LONG, p + k32.g.markerOffset(), 0L); // a write after free
            assertReports(ch, "SLAB-7");
        }
    }

    @Test
    void slab7ARoundThatTheStateMapCallsLive() {
        try (SlabAllocator mags = SlabAllocator.builder().build(Heap.reserve(4L << 20))) {
            CheckedAllocator ch = new CheckedAllocator(mags);
            long p = ch.malloc(24);
            ch.malloc(24);
            ch.free(p); // a round in this thread's loaded magazine of kmalloc-32
            ch.verifyAll();
            mags.states.set(p, SlabLayer.SLOT_LIVE); // as if handed out again while still a round
            assertReports(ch, "SLAB-7");
        }
    }

    @Test
    void slab7ADepotCountThatDisagreesWithItsList() {
        try (SlabAllocator mags = SlabAllocator.builder().build(Heap.reserve(4L << 20))) {
            CheckedAllocator ch = new CheckedAllocator(mags);
            SlabCache k16 = mags.kmallocCache(16);
            long[] p = new long[3 * k16.magazineSize()];
            for (int i = 0; i < p.length; i++) {
                p[i] = ch.malloc(16);
            }
            for (long q : p) {
                ch.free(q); // loaded and previous fill up; the third magazine's worth sends a full one to the depot
            }
            synchronized (k16.depot) {
                assertEquals(1, k16.depot.fullCount);
                k16.depot.fullCount = 2;
            }
            assertReportsOnly(ch, "SLAB-7");
        }
    }

    // ================================================================== secure=on (SEC-1)

    /** A slab allocator with {@code secure=on} and no magazines over a heap of its own. */
    private static SlabAllocator secure(SlabAllocator.Builder b) {
        return b.magazines(false).secure(true).name("slab:magazines=off,secure=on").build(Heap.reserve(4L << 20));
    }

    @Test
    void sec1AStrayWriteIntoAnEncodedLinkIsSlab1ForTheCheckerAndThePopDoesNotFollowIt() {
        try (SlabAllocator s = secure(SlabAllocator.builder())) {
            Heap h = Inspection.of(s).heap();
            CheckedAllocator ch = new CheckedAllocator(s);
            long a = ch.malloc(64);
            long b = ch.malloc(64);
            ch.malloc(64);
            ch.free(b); // b heads the free list; its link (the next never-used slot) is stored encoded
            ch.verifyAll(); // the walk decodes the links
            long next = a + 3 * 64; // the first never-used slot of the one-page slab (no color, no slack)
            assertEquals(next, s.kmallocCache(64).slabs.nextFreeUnchecked(b));
            assertNotEquals(next, h.getLong(b + s.kmallocCache(64).g.linkOffset()), "the link is not stored as it is");
            h.putLong(b, a); // a plausible address, written plainly: without the key it decodes to garbage
            assertReports(ch, "SLAB-1");
            byte[] before = h.snapshot();
            FreeListCorruptionException e = assertThrows(FreeListCorruptionException.class, () -> s.malloc(64));
            assertEquals(b, e.block());
            assertEquals(a, e.stored());
            assertTrue(e.getMessage().startsWith("slab:magazines=off,secure=on: the free-list link of free block 0x" + Long.toHexString(b)),
                    e.getMessage());
            assertTrue(e.getMessage().contains("not a free slot of its kmalloc-64 slab"), e.getMessage());
            assertArrayEquals(before, h.snapshot(), "the pop refused the link before changing anything");
        }
    }

    @Test
    void sec1ALinkOutsideTheObjectIsEncodedAndCheckedToo() {
        // P (and a constructor) put the link after the object, as SLUB's s->offset: still encoded, still checked
        try (SlabAllocator s = secure(SlabAllocator.builder().debug("P"))) {
            Heap h = Inspection.of(s).heap();
            CheckedAllocator ch = new CheckedAllocator(s);
            SlabCache k64 = s.kmallocCache(64);
            assertTrue(k64.g.linkOffset() >= k64.g.objectEnd(), "the link sits after the object");
            ch.malloc(64);
            long b = ch.malloc(64);
            ch.malloc(64);
            ch.free(b);
            ch.verifyAll();
            long slot = b - k64.g.redLeft();
            h.putLong(slot + k64.g.linkOffset(), 0x4141414141414141L);
            assertReports(ch, "SLAB-1");
            byte[] before = h.snapshot();
            FreeListCorruptionException e = assertThrows(FreeListCorruptionException.class, () -> s.malloc(64));
            assertEquals(b, e.block());
            assertArrayEquals(before, h.snapshot());
        }
    }

    @Test
    void sec1SanityChecksOnFreeFollowTheLinksThroughTheCodec() {
        try (SlabAllocator s = secure(SlabAllocator.builder().debug("F"))) {
            Heap h = Inspection.of(s).heap();
            long a = s.malloc(64);
            long b = s.malloc(64);
            long c = s.malloc(64);
            s.free(a);
            s.free(b); // F walks the free list (b, a, the never-used slots) through the encoded links: they decode
            h.putLong(b, 0x4141414141414141L);
            byte[] before = h.snapshot();
            FreeListCorruptionException e = assertThrows(FreeListCorruptionException.class, () -> s.free(c));
            assertEquals(b, e.block());
            assertArrayEquals(before, h.snapshot(), "F's walk refused the link before the free changed anything");
        }
    }

    @Test
    void sec1OffSlabCachesKeepNoLinkInTheirObjects() {
        try (SlabAllocator s = secure(SlabAllocator.builder())) {
            Heap h = Inspection.of(s).heap();
            CheckedAllocator ch = new CheckedAllocator(s);
            assertFalse(s.kmallocCache(1000).onSlab());
            long a = ch.malloc(1000);
            ch.malloc(1000);
            ch.free(a);
            h.putLong(a, 0x4141414141414141L); // dead bytes of a free off-slab object: no link, nothing to catch
            ch.verifyAll();
            assertEquals(a, s.malloc(1000), "the bufctl list hands the slot out again");
        }
    }
}
