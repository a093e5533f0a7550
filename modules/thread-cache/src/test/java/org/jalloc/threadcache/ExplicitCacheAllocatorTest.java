package org.jalloc.threadcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.jalloc.core.Allocator;
import org.jalloc.core.InvalidSizeException;
import org.jalloc.core.ThreadSafety;
import org.jalloc.testkit.fuzz.FuzzEngine;
import org.jalloc.testkit.fuzz.FuzzReport;
import org.junit.jupiter.api.Test;

/** A handle yields an {@link Allocator}: the whole malloc family through it, detach and attach, and the fuzz engine. */
class ExplicitCacheAllocatorTest {
    private static ThreadCacheAllocator engine() {
        return ThreadCacheAllocator.builder().arenas(1).clock(ThreadCacheAllocator.Clock.OPS).build(16 << 20);
    }

    @Test
    void aHandleViewHasTheWholeMallocFamily() {
        try (ThreadCacheAllocator tc = engine()) {
            ThreadCache handle = tc.newCache();
            Allocator a = tc.allocator(handle);
            assertEquals(ThreadSafety.SINGLE_OWNER, a.threadSafety());
            long p = a.calloc(10, 10);
            assertNotEquals(0, p);
            for (int i = 0; i < 100; i++) {
                assertEquals(0, a.segment(p).get(java.lang.foreign.ValueLayout.JAVA_BYTE, i));
            }
            long usable = a.usableSize(p);
            assertTrue(usable >= 100, "usable " + usable);
            assertTrue(a.tryExpand(p, usable), "in place within its class");
            assertFalse(a.tryExpand(p, 4096), "a small block never grows past its class");
            long q = a.alignedAlloc(4096, 100);
            assertEquals(0, q % 4096);
            long r = a.realloc(p, 5000);
            assertNotEquals(0, r);
            assertEquals(0, a.realloc(r, 0), "realloc(p, 0) frees");
            assertThrows(InvalidSizeException.class, () -> a.malloc(-1));
            a.free(q);
            assertTrue(handle.cachedBytes() > 0, "frees went into the handle's cache");
            a.close();
            assertTrue(handle.isDetached(), "closing a handle view detaches the handle");
            assertThrows(CacheMisuseException.class, () -> a.malloc(16));
            assertNotEquals(0, tc.malloc(16), "the engine stays open");
        }
    }

    @Test
    void implicitCachesAreNoHandles() {
        try (ThreadCacheAllocator tc = engine()) {
            tc.malloc(16);
            ThreadCache implicit = tc.cacheSnapshot().get(0);
            assertThrows(CacheMisuseException.class, () -> tc.allocator(implicit));
        }
    }

    @Test
    void perThreadHandlesDetachAndAttach() throws InterruptedException {
        try (ThreadCacheAllocator tc = engine(); ExplicitCacheAllocator view = tc.explicitView()) {
            assertEquals(ThreadSafety.CONCURRENT, view.threadSafety());
            long p = view.malloc(64);
            ThreadCache first = view.handle();
            assertFalse(first.isImplicit());
            view.free(p);
            view.detachCurrentThread();
            assertTrue(first.isDetached());
            assertEquals(0, first.cachedBytes(), "its blocks went back to the central lists");
            long q = view.malloc(64);
            ThreadCache second = view.handle();
            assertNotEquals(first.id(), second.id(), "the next call attached a new handle");
            view.attachCurrentThread();
            assertTrue(second.isDetached());
            Thread other = Thread.ofPlatform().start(() -> view.free(q)); // into the other thread's own handle
            other.join();
            assertEquals(2, tc.cacheSnapshot().size(), "this thread's third handle and the other thread's, nothing implicit: "
                    + tc.cacheSnapshot());
        }
    }

    @Test
    void theFuzzEngineRunsTheExplicitSpec() {
        FuzzReport report = new FuzzEngine(org.jalloc.core.spi.AllocatorFactory.of("thread-cache:cache=explicit", 1 << 20))
                .run(23, 20_000, null);
        assertEquals(List.of(), report.failures());
        assertEquals(20_000, report.ops());
    }
}
