package org.jalloc.slab;

import static org.jalloc.testkit.contract.LiveBlocks.allocated;
import static org.jalloc.testkit.contract.LiveBlocks.heap;
import static org.jalloc.testkit.contract.LiveBlocks.randomOperationsUnderTheChecker;
import static org.jalloc.testkit.contract.RacingFrees.assertExactlyOnePassesEachRound;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.function.ToLongFunction;

import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.core.Allocator;
import org.jalloc.core.Allocators;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.InvalidSizeException;
import org.jalloc.core.walk.Inspection;
import org.jalloc.testkit.contract.FreedAndLive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code debug=F} alone on the two engines that keep {@link FreeHeads}' 16-byte head below each payload (slub, SLUB-4;
 * slab's kmalloc face, SLAB-8): the questions both answer alike, written once — refusals in the caller's words with the
 * heap unchanged, an underrun and a changed size word, aligned blocks and views, two racing frees of each of 2,000
 * blocks with exactly one passing, the head's invariant for the checker, random operations under the checker. Each
 * engine's test keeps what is its own (docs/testing.md, "F alone's shared tests").
 */
abstract class FreeHeadsDebugFTest {
    static final long HEAP = 8L << 20;
    /** How many times the race tests run their rounds ({@code -Djalloc.races=N}, 1 by default). */
    static final int RACES = Integer.getInteger("jalloc.races", 1);

    /** The spec under test, {@code slab:debug=F} or {@code slub:debug=F}; also the prefix of every refusal. */
    abstract String spec();

    /** The head's invariant ID the checker reports for a damaged head. */
    abstract String headInvariant();

    /** Gives the engine's empty slabs back (its {@code shrink()}), before the final walk of the race test. */
    abstract void shrink(Allocator a);

    /** A spec of F alone whose engine gives a slab back to buddy as soon as a free empties it. */
    abstract String givenBackAtOnce();

    /** A block of {@code size} bytes of {@link #givenBackAtOnce}'s engine, on a slab whose free of it gives the slab back. */
    abstract long lonelyBlock(Allocator a, long size);

    /** The slabs the engine has given back to buddy so far (its metric's {@code slabsDestroyed}). */
    abstract long slabsGivenBack(Allocator a);

    /** The engine's class: F alone is the engine itself, no layer. */
    abstract Class<? extends Allocator> engine();

    /** Specs with another letter or a leak level beside F, each of which keeps a layer over the engine. */
    abstract List<String> layered();

    /** What F alone keeps that is the engine's own, on the F heap whose block {@code q} (64 bytes) is live, and live after. */
    void ownLayout(Allocator f, long q) {
    }

    @Test
    void fAloneIsTheEngineWithAHeadOf16BytesBelowEachPayload() {
        String plain = spec().substring(0, spec().indexOf(':'));
        try (Allocator off = Allocators.create(plain, HEAP); Allocator f = Allocators.create(spec(), HEAP)) {
            assertSame(engine(), f.getClass(), "the engine itself, no layer");
            assertEquals(spec(), f.name());
            long p = off.malloc(64);
            long q = f.malloc(64);
            assertEquals(64, off.usableSize(p), "off: kmalloc-64, the object is the payload");
            assertEquals(80, f.usableSize(q), "F: 16 + 64 bytes take kmalloc-96, less the head");
            assertEquals(80, heap(f).getLong(q - 8), "the word below the payload is its usable size");
            assertEquals(16, heap(f).getLong(q - 16), "the block's first word is the front");
            long[] e = allocated(f).get(0);
            assertEquals(q - 16, e[0], "the object starts at the head");
            assertEquals(q, e[2], "the walk shows the caller's payload");
            assertEquals(80, e[3]);
            assertEquals(0, (p - heap(off).start()) % 64);
            ownLayout(f, q);
            f.free(q);
            off.free(p);
            for (String other : layered()) {
                try (Allocator a = Allocators.create(other, HEAP)) {
                    assertFalse(engine().isInstance(a), other + ": another letter or a leak level keeps a layer over the engine");
                }
            }
        }
    }

    static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }

    String invalid(String op, long p) {
        return spec() + ": " + op + "(" + hex(p) + "): not the start of a live block of this heap";
    }

    /** Refusals name the operation the caller called (realloc, tryExpand, segment), and change nothing. */
    @Test
    void refusalsNameTheCallersOperation() {
        try (Allocator a = Allocators.create(spec(), HEAP)) {
            FreedAndLive m = FreedAndLive.of(a, 40, 400);
            long q = m.live();
            m.assertRefusedInTheCallersWords(64, 5000, "realloc", "tryExpand", "segment");
            a.free(q);
            assertTrue(new HeapChecker().check(Inspection.of(a).heapWalk()).isEmpty());
        }
    }

    /**
     * A size beyond the heap's capacity: realloc and tryExpand still screen the pointer first, and their refusals name
     * the caller's operation (they said {@code usableSize(...)}); a live block is answered 0 / false, nothing changed.
     */
    @Test
    void aSizeBeyondTheCapacityIsRefusedInTheCallersWords() {
        try (Allocator a = Allocators.create(spec(), HEAP)) {
            FreedAndLive m = FreedAndLive.of(a, 40, 400);
            m.assertASizeBeyondTheCapacityIsRefusedInTheCallersWords(64);
            a.free(m.live());
            assertTrue(allocated(a).isEmpty());
        }
    }

    @Test
    void misuseIsToldExactlyInFsWordsAndLeavesTheHeapAsItWas() {
        try (Allocator a = Allocators.create(spec(), HEAP)) {
            FreedAndLive m = FreedAndLive.of(a, 40, 400);
            long p = m.live();
            long q = m.freed();
            long usable = m.freedUsable();
            for (long bad : new long[] {p + 64, p + 8, p - 16, p + 496}) {
                InvalidPointerException x = assertThrows(InvalidPointerException.class, () -> a.free(bad));
                assertEquals(invalid("free", bad), x.getMessage());
                assertThrows(InvalidPointerException.class, () -> a.usableSize(bad));
                assertThrows(InvalidPointerException.class, () -> a.realloc(bad, 10));
                assertThrows(InvalidPointerException.class, () -> a.segment(bad));
            }
            // an interior pointer whose 16 bytes below hold a copy of a real head is still no block: the slot says so
            long w0 = heap(a).getLong(p + 48);
            long w1 = heap(a).getLong(p + 56);
            heap(a).putLong(p + 48, 16);
            heap(a).putLong(p + 56, a.usableSize(p) - 64);
            assertThrows(InvalidPointerException.class, () -> a.free(p + 64));
            heap(a).putLong(p + 48, w0);
            heap(a).putLong(p + 56, w1);
            m.assertHeapUnchanged();
            assertEquals(spec() + ": malloc(-1): negative size", assertThrows(InvalidSizeException.class, () -> a.malloc(-1)).getMessage());
            assertEquals(spec() + ": realloc(" + hex(p) + ", -1): negative size",
                    assertThrows(InvalidSizeException.class, () -> a.realloc(p, -1)).getMessage());
            DoubleFreeException d = assertThrows(DoubleFreeException.class, () -> a.free(q));
            assertTrue(d.getMessage().startsWith(spec() + ": free(" + hex(q) + "): block already freed (" + usable + " bytes)"), d.getMessage());
            assertThrows(DoubleFreeException.class, () -> a.usableSize(q));
            assertThrows(DoubleFreeException.class, () -> a.segment(q));
            m.assertHeapUnchanged();
            a.free(p);
            assertTrue(new HeapChecker().check(Inspection.of(a).heapWalk()).isEmpty());
        }
    }

    @Test
    void aOneByteUnderrunIsRefusedAndAnotherSizeIsTheComparisonsReport() {
        try (Allocator a = Allocators.create(spec(), HEAP)) {
            long p = a.malloc(64);
            long big = a.malloc(20_000); // a large block: the same head
            for (long u : new long[] {p, big}) {
                long usable = a.usableSize(u);
                byte old = heap(a).getByte(u - 1);
                heap(a).putByte(u - 1, (byte) 0x41);
                byte[] before = heap(a).snapshot();
                InvalidPointerException refused = assertThrows(InvalidPointerException.class, () -> a.free(u));
                assertEquals(spec() + ": free(" + hex(u) + "): the size word below the payload reads " + hex(usable | 0x41L << 56)
                        + ", which is no size of a block (an underrun damaged the block's head); nothing freed", refused.getMessage());
                assertArrayEquals(before, heap(a).snapshot(), "nothing freed");
                heap(a).putByte(u - 1, old);
                for (long delta : new long[] {32, -16}) {
                    heap(a).putLong(u - 8, usable + delta);
                    HeapCorruptionException x = assertThrows(HeapCorruptionException.class, () -> a.free(u));
                    assertTrue(x.getMessage().contains("usable size of the block at " + hex(u) + " changed from " + usable + " to "
                            + (usable + delta)), x.getMessage());
                }
                heap(a).putLong(u - 8, usable);
            }
            a.free(p);
            a.free(big);
            assertTrue(allocated(a).isEmpty());
        }
    }

    @Test
    void alignedBlocksKeepTheirFrontAndViewsDieWithTheirBlock() {
        try (Allocator a = Allocators.create(spec(), HEAP)) {
            for (long alignment : new long[] {32, 256, 4096, 16384}) {
                long p = a.alignedAlloc(alignment, 40);
                assertEquals(0, p & (alignment - 1), "aligned to " + alignment);
                assertEquals(alignment, heap(a).getLong(p - alignment), "the front in the block's first word");
                assertTrue(a.usableSize(p) >= 40);
                assertTrue(allocated(a).stream().anyMatch(e -> e[2] == p), "the walk shows the payload");
                assertThrows(InvalidPointerException.class, () -> a.free(p - alignment + 16), "not the payload");
                MemorySegment v = a.segment(p);
                v.set(ValueLayout.JAVA_BYTE, 0, (byte) 7);
                long r = a.realloc(p, 30_000);
                assertEquals(7, heap(a).getByte(r), "realloc kept the bytes");
                assertThrows(IllegalStateException.class, () -> v.get(ValueLayout.JAVA_BYTE, 0), "the moved block's view died");
                assertThrows(DoubleFreeException.class, () -> a.free(p));
                MemorySegment w = a.segment(r);
                a.free(r);
                assertThrows(IllegalStateException.class, () -> w.get(ValueLayout.JAVA_BYTE, 0));
            }
            MemorySegment s = a.asSegmentAllocator().allocate(40, 8);
            assertEquals(40, s.byteSize());
            a.free(a.offsetOf(s));
            assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0));
            assertTrue(new HeapChecker().check(Inspection.of(a).heapWalk()).isEmpty());
            assertTrue(allocated(a).isEmpty());
        }
    }

    /** Two threads free the same block at once, many times: exactly one free passes, the other is a double free. */
    @Test
    void ofTwoRacingFreesOfOneBlockExactlyOnePasses() throws Exception {
        try (Allocator a = Allocators.create(spec(), HEAP)) {
            int rounds = 2000;
            long[] blocks = new long[rounds];
            for (int i = 0; i < rounds; i++) {
                blocks[i] = a.malloc(48);
            }
            int[] next = new int[1];
            assertExactlyOnePassesEachRound(a, rounds, () -> blocks[next[0]++], DoubleFreeException.class, "48 bytes, all live first");
            shrink(a);
            assertTrue(new HeapChecker().check(Inspection.of(a).heapWalk()).isEmpty());
            assertTrue(allocated(a).isEmpty());
        }
    }

    /**
     * Two racing frees of one block whose free empties its slab, which goes back to buddy at once
     * ({@link #givenBackAtOnce}): the losing free may find the slab given back (slab: its header overwritten by buddy's
     * links, or its off-slab descriptor freed; slub: its descriptor naming no cache); that is the ring's double free,
     * never a {@code HeapCorruptionException} (slub's race, fixed in c5652f0; slab's, in mend44's FreeHeads#raced). An
     * on-slab header's cache (48 bytes) and an off-slab descriptor's (1,000 bytes); 2,000 rounds, repeated
     * {@code -Djalloc.races=N} times (1 by default).
     */
    @ParameterizedTest
    @ValueSource(longs = {48, 1000})
    void aRacingFreeThatFindsItsSlabGivenBackIsADoubleFree(long size) throws Exception {
        racesOfOneBlock(givenBackAtOnce(), size, a -> lonelyBlock(a, size), 2000);
    }

    /**
     * Two racing frees of one large block (above kmalloc's largest cache, 8,192 bytes with its head: buddy's pages
     * directly, no slab): the winner tells the ring, then gives the pages back; the loser, whatever it reads of them
     * meanwhile (the page map's entry gone, buddy's links over the front or the size word), is the ring's double free,
     * never another exception. 2,000 rounds, repeated {@code -Djalloc.races=N} times.
     */
    @ParameterizedTest
    @ValueSource(longs = {8192, 20_000})
    void ofTwoRacingFreesOfOneLargeBlockExactlyOnePasses(long size) throws Exception {
        racesOfOneBlock(spec(), size, a -> a.malloc(size), 0);
    }

    /**
     * {@link #RACES} times, on a fresh allocator of {@code spec} (F alone, the engine's own): 2,000 rounds of two racing
     * frees of the block {@code block} allocates, exactly one passing; then at least {@code givenBack} slabs given back
     * to buddy (each round's, when the race is to be the give-back's), nothing live and the checker content.
     */
    private void racesOfOneBlock(String spec, long size, ToLongFunction<Allocator> block, long givenBack) throws InterruptedException {
        for (int rep = 0; rep < RACES; rep++) {
            try (Allocator a = Allocators.create(spec, HEAP)) {
                assertTrue(a instanceof SlabAllocator || a instanceof SlubAllocator, "F alone, the engine's own: " + a);
                assertExactlyOnePassesEachRound(a, 2000, () -> block.applyAsLong(a), DoubleFreeException.class, size + " bytes, repetition " + rep);
                assertTrue(slabsGivenBack(a) >= givenBack, "each round's slab given back: " + slabsGivenBack(a));
                shrink(a);
                assertTrue(new HeapChecker().check(Inspection.of(a).heapWalk()).isEmpty());
                assertTrue(allocated(a).isEmpty());
            }
        }
    }

    /** SLAB-8 / SLUB-4 for the checker: an underrun into the size word, a damaged front word; each the block's, nothing else. */
    @Test
    void aDamagedHeadIsTheHeadsInvariantForTheCheckerNamingTheBlock() {
        try (Allocator a = Allocators.create(spec(), HEAP)) {
            long p = a.malloc(64);
            long q = a.alignedAlloc(256, 40);
            long big = a.malloc(20_000);
            assertEquals(List.of(), check(a));
            // {byte written, its value, the block that owns the head}: the size word's top byte (a 1-byte underrun),
            // an aligned block's front word, a large block's front word
            for (long[] damage : new long[][] {{p - 1, 0x41, p - 16}, {q - 256, 128, q - 256}, {big - 16, 32, big - 16}}) {
                long at = damage[0];
                byte old = heap(a).getByte(at);
                heap(a).putByte(at, (byte) damage[1]);
                List<Violation> v = check(a);
                assertEquals(List.of(headInvariant()), v.stream().map(Violation::invariantId).toList(), v.toString());
                assertEquals(damage[2], v.get(0).address(), "the block, at its head: " + v);
                assertTrue(v.get(0).message().contains("head of the live block"), v.get(0).message());
                heap(a).putByte(at, old);
            }
            assertEquals(List.of(), check(a), "mended, the heap is well formed again");
            a.free(p);
            a.free(q);
            a.free(big);
        }
    }

    private static List<Violation> check(Allocator a) {
        return new HeapChecker().check(Inspection.of(a).heapWalk());
    }

    /** Random malloc, alignedAlloc, realloc and free under F, the checker after each step. */
    @Test
    void randomOperationsKeepEveryHeadAndTheChecker() {
        try (Allocator a = Allocators.create(spec(), HEAP)) {
            randomOperationsUnderTheChecker(a, 3000);
        }
    }
}
