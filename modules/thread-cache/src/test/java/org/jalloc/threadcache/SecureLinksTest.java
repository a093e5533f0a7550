package org.jalloc.threadcache;

import static org.jalloc.testkit.contract.Corruption.assertReports;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jalloc.check.CheckedAllocator;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code secure=on}: links in free blocks are stored encoded, and a write into a freed block is caught by the
 * allocation that would follow its link (TC-4 checked at the pop), with a clear exception and nothing changed; the
 * checker then reports the broken list (HEAP-3).
 */
class SecureLinksTest {
    private final Heap heap = Heap.reserve(1 << 20);

    @AfterEach
    void close() {
        heap.close();
    }

    private ThreadCacheAllocator build(boolean secure) {
        return ThreadCacheAllocator.builder().arenas(1).clock(ThreadCacheAllocator.Clock.OPS).secure(secure).build(heap);
    }

    @Test
    void withSecureOffALinkIsStoredAsItIs() {
        ThreadCacheAllocator t = build(false);
        long a = t.malloc(64);
        long b = t.malloc(64);
        t.free(b);
        t.free(a); // a is on top of the cache list, linked to b
        assertEquals(b, heap.getLong(a));
    }

    @Test
    void withSecureOnALinkIsStoredEncodedAndStillFollowed() {
        ThreadCacheAllocator t = build(true);
        long a = t.malloc(64);
        long b = t.malloc(64);
        t.free(b);
        t.free(a);
        assertNotEquals(b, heap.getLong(a));
        assertEquals(b, t.links.decode(a, heap.getLong(a)));
        assertEquals(a, t.malloc(64));
        assertEquals(b, t.malloc(64));
    }

    @Test
    void aStrayWriteIntoAFreedBlockIsCaughtAtTheNextAllocationThatFollowsTheLink() {
        ThreadCacheAllocator t = build(true);
        CheckedAllocator checked = new CheckedAllocator(t);
        long a = checked.malloc(64);
        long b = checked.malloc(64);
        checked.free(b);
        checked.free(a);
        heap.putLong(a, 0x4141_4141_4141_4141L); // a write after free over a's link
        ThreadCache cache = t.cacheSnapshot().get(0);
        int cls = SizeClasses.classOf(64);
        int count = cache.count(cls);
        HeapCorruptionException e = assertThrows(HeapCorruptionException.class, () -> t.malloc(64));
        assertTrue(e.getMessage().contains("secure=on") && e.getMessage().contains(Long.toHexString(a))
                && e.getMessage().contains("4141414141414141"), e.getMessage());
        assertEquals(a, cache.head(cls), "nothing changed: a is still the head");
        assertEquals(count, cache.count(cls));
        assertReports(checked, "HEAP-3"); // the checker names the broken list: its head entry is no free block
    }

    @Test
    void aLinkRedirectedToALiveBlockOfTheSameClassIsCaught() {
        ThreadCacheAllocator t = build(true);
        long a = t.malloc(64);
        long b = t.malloc(64);
        long live = t.malloc(64);
        t.free(b);
        t.free(a);
        heap.putLong(a, t.links.encode(a, live)); // even a well-encoded link must name a FREE block
        assertThrows(HeapCorruptionException.class, () -> t.malloc(64));
    }

    @Test
    void aCorruptedLinkInASpanFreeListIsCaughtWhenTheCacheRefills() {
        ThreadCacheAllocator t = build(true);
        long first = t.malloc(64); // the refill moved a batch to the cache; the span's free list holds the rest
        Span s = t.pageHeap.map.get(first >>> SizeClasses.PAGE_SHIFT);
        long spanHead = s.freeHead;
        assertNotEquals(0, spanHead);
        heap.putLong(spanHead, 0x10);
        assertThrows(HeapCorruptionException.class, () -> {
            for (int i = 0; i < 64; i++) {
                t.malloc(64);
            }
        });
    }
}
