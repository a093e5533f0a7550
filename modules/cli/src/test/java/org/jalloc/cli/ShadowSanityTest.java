package org.jalloc.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import org.jalloc.check.HeapChecker;
import org.jalloc.core.Allocator;
import org.jalloc.core.Allocators;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.InvalidSizeException;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AbstractAllocator;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.Inspection;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code debug=F} alone over the engines that keep each block's size in the word below its payload and screen it at
 * free (boundary-tag, segregated, tlsf, the free-list family): the engine itself checks F through its shadow
 * ({@code EngineShadow}; docs/debugging.md, "F alone"). No byte of F is in the heap, so blocks are the engine's; misuse is found from the shadow outside the heap
 * (exactly, interior pointers included) and the engine's own screen and size comparison at free.
 */
class ShadowSanityTest {
    private static final long HEAP = 8L << 20;

    private static Heap heap(Allocator a) {
        return Inspection.of(a).heap();
    }

    private static String withF(String engine) {
        return engine + (engine.contains(":") ? "," : ":") + "debug=F";
    }

    @ParameterizedTest
    @ValueSource(strings = {"tlsf", "boundary-tag", "boundary-tag:footers=all", "segregated", "first-fit",
            "first-fit:list=lifo", "next-fit", "best-fit", "dense", "dense:footers=all", "slob", "slob:secure=on"})
    void theBlocksAreTheEnginesOwnWithNoPrefix(String engine) {
        List<long[]> plain = new ArrayList<>();
        List<long[]> checked = new ArrayList<>();
        for (String spec : new String[] {engine, withF(engine)}) {
            try (Allocator a = Allocators.create(spec, HEAP)) {
                List<long[]> out = spec.equals(engine) ? plain : checked;
                for (long n : new long[] {1, 16, 24, 64, 100, 1000, 4000}) {
                    long p = a.malloc(n);
                    out.add(new long[] {p, a.usableSize(p)});
                }
                long q = a.alignedAlloc(256, 40);
                out.add(new long[] {q, a.usableSize(q)});
                List<Long> payloads = new ArrayList<>();
                Inspection.of(a).heapWalk().walkExtents((kind, start, size, payload, usable) -> {
                    if (kind == ExtentKind.ALLOCATED) {
                        payloads.add(payload);
                    }
                    return true;
                });
                for (long[] b : out) {
                    assertTrue(payloads.contains(b[0]), "the walk shows the caller's block: " + payloads);
                }
                assertTrue(new HeapChecker().check(Inspection.of(a).heapWalk()).isEmpty());
            }
        }
        for (int i = 0; i < plain.size(); i++) {
            assertArrayEquals(plain.get(i), checked.get(i), "block " + i + ": the same address and usable size as without F");
        }
    }

    /**
     * An interior pointer whose 8 bytes below hold a copy of a real header (a size the engine's screen accepts) is
     * refused by the shadow before the engine sees it, leaving the heap as it was.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tlsf", "boundary-tag", "boundary-tag:footers=all", "segregated", "first-fit",
            "first-fit:list=lifo", "next-fit", "best-fit", "dense", "dense:footers=all", "slob", "slob:secure=on"})
    void aForgedInteriorPointerIsRefusedExactly(String engine) {
        try (Allocator a = Allocators.create(withF(engine), HEAP)) {
            long p = a.malloc(400);
            long small = a.malloc(40);
            long inner = p + 64;
            heap(a).putLong(inner - 8, heap(a).getLong(small - 8)); // a plausible header inside p's payload
            if (engine.contains("footers=all")) { // and its footer, so the engine's own screen would accept it
                long size = heap(a).getLong(small - 8) & ~15L;
                heap(a).putLong(inner - 8 + size - 8, heap(a).getLong(small - 8 + size - 8));
            }
            byte[] before = heap(a).snapshot();
            InvalidPointerException e = assertThrows(InvalidPointerException.class, () -> a.free(inner));
            assertTrue(e.getMessage().contains("not the start of a live block"), e.getMessage());
            assertThrows(InvalidPointerException.class, () -> a.usableSize(inner));
            assertThrows(InvalidPointerException.class, () -> a.realloc(inner, 8));
            assertArrayEquals(before, heap(a).snapshot(), "misuse changed nothing");
            a.free(p);
            a.free(small);
            assertTrue(new HeapChecker().check(Inspection.of(a).heapWalk()).isEmpty());
        }
    }

    /** A 1-byte underrun lands in the top byte of the engine's size word: the engine's screen refuses it at free. */
    @ParameterizedTest
    @ValueSource(strings = {"tlsf", "boundary-tag", "boundary-tag:footers=all", "segregated", "first-fit",
            "first-fit:list=lifo", "next-fit", "best-fit", "dense", "dense:footers=all", "slob", "slob:secure=on"})
    void aOneByteUnderrunIsRefusedByTheEnginesScreenAndNothingIsFreed(String engine) {
        try (Allocator a = Allocators.create(withF(engine), HEAP)) {
            long p = a.malloc(64);
            long q = a.malloc(64);
            byte saved = heap(a).getByte(p - 1);
            heap(a).putByte(p - 1, (byte) 0x41);
            byte[] before = heap(a).snapshot();
            assertThrows(InvalidPointerException.class, () -> a.free(p));
            assertArrayEquals(before, heap(a).snapshot(), "nothing was freed");
            heap(a).putByte(p - 1, saved);
            a.free(p); // still live: the failed free forgot nothing
            assertThrows(DoubleFreeException.class, () -> a.free(p));
            a.free(q);
            assertTrue(new HeapChecker().check(Inspection.of(a).heapWalk()).isEmpty());
        }
    }

    /**
     * Any other size in the word (larger or smaller, still a plausible block) is the comparison's corruption report;
     * with {@code footers=all} the engine's screen finds the header no longer repeated by the footer first (its
     * invalid pointer). realloc asks the engine's screened {@code usableSize}, which may refuse the block first.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tlsf", "boundary-tag", "boundary-tag:footers=all", "segregated", "first-fit",
            "first-fit:list=lifo", "next-fit", "best-fit", "dense", "dense:footers=all", "slob", "slob:secure=on"})
    void aSizeWordOverwrittenIsCaughtAtFreeAndAtRealloc(String engine) {
        for (long delta : new long[] {32, -16}) {
            try (Allocator a = Allocators.create(withF(engine), HEAP)) {
                long p = a.malloc(200);
                long after = a.malloc(4000);
                long usable = a.usableSize(p);
                long header = p - 8;
                long word = heap(a).getLong(header);
                heap(a).putLong(header, word + delta);
                byte[] before = heap(a).snapshot();
                if (engine.contains("footers=all")) {
                    InvalidPointerException e = assertThrows(InvalidPointerException.class, () -> a.free(p));
                    assertTrue(e.getMessage().contains("does not repeat header"), e.getMessage());
                } else {
                    HeapCorruptionException e = assertThrows(HeapCorruptionException.class, () -> a.free(p));
                    assertTrue(e.getMessage().contains("usable size of the block at 0x" + Long.toHexString(p) + " changed from "
                            + usable + " to " + (usable + delta)), e.getMessage());
                }
                RuntimeException r = assertThrows(RuntimeException.class, () -> a.realloc(p, 300));
                assertTrue(r instanceof HeapCorruptionException || r instanceof InvalidPointerException, r.toString());
                assertArrayEquals(before, heap(a).snapshot(), "the failed free and realloc left the heap as they found it");
                heap(a).putLong(header, word);
                assertEquals(usable, a.usableSize(p));
                a.free(p);
                a.free(after);
                assertTrue(new HeapChecker().check(Inspection.of(a).heapWalk()).isEmpty());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tlsf", "first-fit:list=lifo", "best-fit", "dense", "slob"})
    void doubleFreesAndResizesKeepTheShadowTrue(String engine) {
        try (Allocator a = Allocators.create(withF(engine), HEAP)) {
            long p = a.malloc(100);
            assertTrue(a.tryExpand(p, 120) || a.usableSize(p) >= 100);
            long r = a.realloc(p, 5000);
            assertTrue(a.usableSize(r) >= 5000);
            if (r != p) {
                assertThrows(DoubleFreeException.class, () -> a.free(p), "the moved block's old address was freed");
            }
            long s = a.realloc(r, 32);
            assertTrue(a.usableSize(s) >= 32);
            a.free(s);
            DoubleFreeException e = assertThrows(DoubleFreeException.class, () -> a.free(s));
            assertTrue(e.getMessage().contains("block already freed"), e.getMessage());
            assertEquals(0, a.realloc(a.malloc(10), 0));
            assertTrue(new HeapChecker().check(Inspection.of(a).heapWalk()).isEmpty());
        }
    }

    /** The shadow is the engine's own F (no layer) only on the engines that screen their size word (or keep one on request). */
    @ParameterizedTest
    @ValueSource(strings = {"tlsf:debug=F", "first-fit:debug=F", "buddy:debug=F", "thread-cache:debug=F", "dense:debug=F", "slob:debug=F"})
    void theShadowServesOnlyEnginesThatScreenTheirSizeWord(String spec) {
        try (Allocator a = Allocators.create(spec, HEAP)) {
            long p = a.malloc(64);
            // buddy keeps a size word below each payload when F alone asks for it (SizeWordOnRequest)
            // and dense keeps its header on every block (no headerless slots) under F alone; slob (concurrent, one lock)
            // keeps a size word as its check word and F's steps run under its lock; thread-cache checks F with its own
            // screen (a head per block, a mark per payload)
            boolean shadow = spec.startsWith("tlsf") || spec.startsWith("first-fit") || spec.startsWith("buddy") || spec.startsWith("dense")
                    || spec.startsWith("slob") || spec.startsWith("thread-cache");
            if (shadow) {
                assertTrue(a instanceof AbstractAllocator, "the engine itself: " + a);
                assertEquals(spec, a.name());
            } else {
                assertTrue(a.toString().startsWith("TaggedSanity("), a.toString());
            }
            a.free(p);
        }
    }

    /**
     * What F alone's two layers share ({@code SanityLayer}): views of a block, through {@code segment} or
     * {@code asSegmentAllocator}, live while it does and die at its free; {@code calloc} zeroes; {@code usableSize}
     * and {@code segment} of a freed block, an interior pointer and NULL are refused with the same exceptions on the
     * shadow layer (tlsf, first-fit) and the tagged prefix (buddy, thread-cache).
     */
    @ParameterizedTest
    @ValueSource(strings = {"tlsf:debug=F", "first-fit:debug=F", "buddy:debug=F", "thread-cache:debug=F", "dense:debug=F",
            "slob:debug=F", "slub:debug=F", "slab:debug=F"})
    void bothLayersShareViewsCallocAndTheirRefusals(String spec) {
        try (Allocator a = Allocators.create(spec, HEAP)) {
            long p = a.malloc(64);
            MemorySegment v1 = a.segment(p);
            MemorySegment v2 = a.segment(p); // the block's one arena, found again
            v1.set(ValueLayout.JAVA_LONG, 8, 0x1122334455667788L);
            assertEquals(0x1122334455667788L, v2.get(ValueLayout.JAVA_LONG, 8));
            assertEquals(a.usableSize(p), v1.byteSize());
            MemorySegment s = a.asSegmentAllocator().allocate(40, 8);
            long q = a.offsetOf(s);
            assertEquals(40, s.byteSize());
            heap(a).fill(q, a.usableSize(q), (byte) 0x5a);
            a.free(q);
            assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0), "the adapter's view died");
            long c = a.calloc(10, 8);
            for (int i = 0; i < 80; i++) {
                assertEquals(0, heap(a).getByte(c + i), "calloc zeroes byte " + i);
            }
            a.free(p);
            assertThrows(IllegalStateException.class, () -> v1.get(ValueLayout.JAVA_BYTE, 0));
            assertThrows(IllegalStateException.class, () -> v2.get(ValueLayout.JAVA_BYTE, 0));
            assertThrows(DoubleFreeException.class, () -> a.usableSize(p));
            assertThrows(DoubleFreeException.class, () -> a.segment(p));
            assertThrows(InvalidPointerException.class, () -> a.segment(c + 16));
            assertThrows(InvalidPointerException.class, () -> a.segment(0));
            assertThrows(InvalidSizeException.class, () -> a.calloc(-1, 8));
            assertEquals(0, a.usableSize(0));
            a.free(c);
            assertTrue(new HeapChecker().check(Inspection.of(a).heapWalk()).isEmpty());
        }
    }
}
