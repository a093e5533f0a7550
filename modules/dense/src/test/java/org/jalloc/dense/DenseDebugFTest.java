package org.jalloc.dense;

import static org.jalloc.testkit.contract.LiveBlocks.allocated;
import static org.jalloc.testkit.contract.LiveBlocks.anUnderrunIsRefusedThenTheBlockFreesOnce;
import static org.jalloc.testkit.contract.LiveBlocks.heap;
import static org.jalloc.testkit.contract.LiveBlocks.randomOperationsUnderTheChecker;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.jalloc.check.HeapChecker;
import org.jalloc.core.Allocator;
import org.jalloc.core.Allocators;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.walk.Inspection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code dense:debug=F}: the engine itself, every block a tagged block whose header word below the payload is
 * screened at free (the small tier's headerless slots are not used under F), the shadow outside the heap for exact
 * pointers (docs/dense.md, "debug=F").
 */
class DenseDebugFTest {
    private static final long HEAP = 8L << 20;

    @Test
    void fAloneIsTheEngineWithEveryBlockTaggedWhereOffUsesSlots() {
        try (Allocator off = Allocators.create("dense", HEAP); Allocator f = Allocators.create("dense:debug=F", HEAP)) {
            assertSame(DenseAllocator.class, f.getClass(), "the engine itself");
            assertEquals("dense:debug=F", f.name());
            long[] p = new long[40];
            long[] q = new long[40];
            for (int i = 0; i < p.length; i++) { // past the threshold of 8 live blocks of one size: off takes slots
                p[i] = off.malloc(64);
                q[i] = f.malloc(64);
            }
            long slot = p[p.length - 1];
            assertEquals(64, off.usableSize(slot), "off: a 64-byte slot, no header");
            long last = q[q.length - 1];
            assertEquals(72, f.usableSize(last), "F: an 80-byte tagged block less its header");
            assertEquals(80 | DenseAllocator.ALLOCATED | DenseAllocator.PREV_ALLOCATED, heap(f).getLong(last - 8),
                    "the word below the payload is the block's header");
            List<long[]> blocks = allocated(f);
            assertEquals(q.length, blocks.size(), "every block tagged, none in a page");
            for (long[] b : blocks) {
                assertEquals(b[0] + 8, b[2]);
                assertEquals(72, b[3]);
            }
            assertTrue(new HeapChecker().check(Inspection.of(f).heapWalk()).isEmpty());
            for (int i = 0; i < p.length; i++) {
                off.free(p[i]);
                f.free(q[i]);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dense:debug=F", "dense:footers=all,debug=F"})
    void aOneByteUnderrunIsRefusedThenTheBlockFreesOnceAndADoubleFreeNamesItsSize(String spec) {
        try (Allocator a = Allocators.create(spec, HEAP)) {
            long p = a.malloc(100);
            anUnderrunIsRefusedThenTheBlockFreesOnce(a, p, a.malloc(100), "is not a block start", false);
        }
    }

    @Test
    void aHeaderRewrittenWithAnotherSizeIsTheComparisonsReportAndNothingChanges() {
        try (Allocator a = Allocators.create("dense:debug=F", HEAP)) {
            long p = a.malloc(200);
            long after = a.malloc(4000);
            long word = heap(a).getLong(p - 8);
            heap(a).putLong(p - 8, word + 48);
            byte[] before = heap(a).snapshot();
            HeapCorruptionException e = assertThrows(HeapCorruptionException.class, () -> a.free(p));
            assertTrue(e.getMessage().contains("changed from 200 to 248"), e.getMessage());
            RuntimeException r = assertThrows(RuntimeException.class, () -> a.realloc(p, 50)); // the screen may refuse it first
            assertTrue(r instanceof HeapCorruptionException || r instanceof InvalidPointerException, r.toString());
            assertArrayEquals(before, heap(a).snapshot(), "nothing freed, nothing moved");
            heap(a).putLong(p - 8, word);
            a.free(p);
            a.free(after);
            assertTrue(new HeapChecker().check(Inspection.of(a).heapWalk()).isEmpty());
        }
    }

    /** The size word is asked for before any block: asked later, it is refused and the engine keeps its slots. */
    @Test
    void theSizeWordAskedForAfterABlockIsRefused() {
        try (DenseAllocator a = DenseAllocator.create(HEAP)) {
            long p = a.malloc(48);
            byte[] before = Inspection.of(a).heap().snapshot();
            IllegalStateException e = assertThrows(IllegalStateException.class, a::keepSizeWordBelowPayload);
            assertTrue(e.getMessage().contains("before any block is handed out"), e.getMessage());
            assertNotEquals(null, a.pages, "the small tier kept");
            assertArrayEquals(before, Inspection.of(a).heap().snapshot());
            a.free(p);
        }
    }

    /** Random malloc, alignedAlloc, realloc and free under F, the checker after every 50 steps. */
    @ParameterizedTest
    @ValueSource(strings = {"dense:debug=F", "dense:footers=all,coalesce=never,debug=F", "dense:realloc=move,debug=F"})
    void randomOperationsKeepTheCheckerAndTheShadowTrue(String spec) {
        try (Allocator a = Allocators.create(spec, HEAP)) {
            randomOperationsUnderTheChecker(a, 3000);
        }
    }
}
