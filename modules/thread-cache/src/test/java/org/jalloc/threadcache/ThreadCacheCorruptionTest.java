package org.jalloc.threadcache;

import static org.jalloc.testkit.contract.Corruption.assertReports;
import static org.jalloc.threadcache.SizeClasses.PAGE_SHIFT;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.jalloc.core.walk.Inspection;
import org.jalloc.check.CheckedAllocator;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Breaks real thread-cache metadata and proves the checker names the invariant: TC-1 (page map), TC-2 (span shape),
 * TC-3 (conservation), TC-4 (list entries and free markers), TC-5 (thread-cache counts), TC-6 (page heap),
 * TC-7 (central lists), and the generic HEAP-3 (a free-list link to a live block), HEAP-5 (a live block the state
 * map calls free)
 * and HEAP-7 (a payload byte).
 */
class ThreadCacheCorruptionTest {
    private final Heap heap = Heap.reserve(1 << 20);
    private final ThreadCacheAllocator allocator = ThreadCacheAllocator.builder().arenas(1).clock(ThreadCacheAllocator.Clock.OPS)
            .build(heap);
    private final CheckedAllocator checked = new CheckedAllocator(allocator);

    /** a, b, c: 48-byte blocks of class 3, b freed into the thread cache; big: a LARGE block of 75 pages. */
    private final long a = checked.malloc(48);
    private final long b = checked.malloc(48);
    private final long c = checked.malloc(48);
    private final long big = checked.malloc(300 << 10);

    ThreadCacheCorruptionTest() {
        checked.free(b);
        checked.verifyAll();
    }

    @AfterEach
    void close() {
        heap.close();
    }

    private Span span(long address) {
        Span s = allocator.pageHeap.map.get(address >>> PAGE_SHIFT);
        assertNotNull(s);
        return s;
    }

    private ThreadCache cache() {
        return allocator.cacheSnapshot().get(0);
    }

    @Test
    void aPageMapEntryNamingAnotherSpanBreaksPageMapAgreement() {
        allocator.pageHeap.map.set((big >>> PAGE_SHIFT) + 3, 1, span(a));
        assertReports(checked, "TC-1");
    }

    @Test
    void aFlatPageInfoNamingAnotherSizeClassBreaksPageMapAgreement() {
        PageHeap ph = allocator.pageHeap;
        int i = (int) ((a >>> PAGE_SHIFT) - ph.firstPage);
        ph.info[i] = (ph.info[i] & ~0xFF) | (span(a).sizeClass + 1); // the free path would screen a's page by the wrong class
        assertReports(checked, "TC-1");
    }

    @Test
    void aSpanOwnedByAnArenaThatDoesNotExistBreaksItsShape() {
        span(a).arena = 5;
        assertReports(checked, "TC-2");
    }

    @Test
    void aLargeSpanWithASizeClassBreaksItsShape() {
        span(big).sizeClass = 7;
        assertReports(checked, "TC-2");
    }

    @Test
    void anAllocatedCountOffByOneBreaksConservation() {
        span(a).allocated++;
        assertReports(checked, "TC-3");
    }

    @Test
    void aClearedFreeMarkerOnACachedBlockIsReported() {
        heap.putLong(b + 8, 0); // b sits in the thread cache: a write after free cleared its canary
        assertReports(checked, "TC-4");
    }

    @Test
    void aLiveStateOfACachedBlockIsReported() {
        allocator.states.set(b, ThreadCacheAllocator.LIVE); // b sits in the thread cache but the state map says live
        assertReports(checked, "TC-4");
        assertReports(checked, "HEAP-3"); // a list entry naming an allocated block
    }

    @Test
    void aFreeStateOfALiveBlockLosesIt() {
        allocator.states.set(c, ThreadCacheAllocator.FREE); // c is live but the state map says free
        assertReports(checked, "HEAP-5");
        assertReports(checked, "HEAP-3"); // and it is a free block in no list
    }

    @Test
    void aCacheLinkToALiveBlockIsReported() {
        heap.putLong(b, a); // the cache list b -> a: a live block on a free list
        assertReports(checked, "HEAP-3");
        assertTrue(ownIds().contains("TC-4"), ownIds()::toString); // the lost blocks after a crowd the checker's report
    }

    /** The IDs the allocator's own checks report, without the shared checker's cap on violations. */
    private List<String> ownIds() {
        List<String> ids = new ArrayList<>();
        Inspection.of(allocator).heapWalk().checkInvariants((id, address, message, expected, actual) -> ids.add(id));
        return ids;
    }

    @Test
    void aThreadCacheCountOffByOneIsReported() {
        cache().count(3, cache().count(3) + 1);
        assertReports(checked, "TC-5");
    }

    @Test
    void aThreadCacheByteTotalThatDisagreesIsReported() {
        cache().bytes += 16;
        assertReports(checked, "TC-5");
    }

    @Test
    void aReleasedBitOnAPageInUseIsReported() {
        allocator.pageHeap.setReleased(a >>> PAGE_SHIFT, 1, true);
        assertReports(checked, "TC-6");
    }

    @Test
    void aDirtyPageCounterThatDisagreesIsReported() {
        checked.free(big); // a free span with dirty pages
        allocator.pageHeap.dirtyPages++;
        assertReports(checked, "TC-6");
    }

    @Test
    void aCentralFreeCounterThatDisagreesIsReported() {
        allocator.central[0][3].freeBlocks++;
        assertReports(checked, "TC-7");
    }

    @Test
    void aSpanWithFreeBlocksMissingFromItsCentralListIsReported() {
        for (int i = 0; i < 70; i++) {
            checked.malloc(48); // most of a's span handed out (slow-start refills 3..12), so few of its free blocks are
        }                       // lost with it below: the checker reports at most 64 violations, HEAP-3's come first
        Span s = span(a);
        assertTrue(s.inCentral && s.freeCount > 0 && s.freeCount < 32, s.describe() + " " + s.freeCount);
        CentralList list = allocator.central[0][3];
        // unlink it by hand, as a lost update would
        list.spans = s.next;
        s.inCentral = false;
        assertReports(checked, "TC-7");
    }

    @Test
    void aChangedPayloadByteIsReported() {
        heap.putByte(c + 20, (byte) (heap.getByte(c + 20) ^ 0x10));
        assertReports(checked, "HEAP-7");
    }
}
