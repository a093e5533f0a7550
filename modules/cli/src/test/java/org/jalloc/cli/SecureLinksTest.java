package org.jalloc.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.jalloc.check.HeapChecker;
import org.jalloc.core.Allocator;
import org.jalloc.core.AllocatorInfo;
import org.jalloc.core.Allocators;
import org.jalloc.core.FreeListCorruptionException;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.Inspection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code secure=on} (SEC-1, docs/debugging.md): on every allocator that keeps free-list links inside its free blocks,
 * a stray write into a freed block is caught by the next allocation that follows the link, with a
 * {@link FreeListCorruptionException} naming the allocator, the block and the bad link, before anything changes.
 */
class SecureLinksTest {
    private static final long HEAP = 8L << 20;
    private static final long STRAY = 0x4141414141414141L;

    /**
     * The allocators offering secure=, each in a spec that keeps links in free blocks (slab without magazines: a
     * round in a magazine is linked from the magazine's array, outside the heap, and reaches its slab's free list only
     * when the magazine is flushed).
     */
    static Stream<String> secureSpecs() {
        return Stream.of("first-fit:list=lifo", "next-fit:list=address", "best-fit:list=lifo", "segregated", "segregated:list=address",
                "boundary-tag", "boundary-tag:footers=all", "tlsf", "buddy", "pool", "slub", "slab:magazines=off", "slob");
    }

    /**
     * The word of the freed block {@code q} that holds its link: SLOB keeps it in the block's 16-byte header, before
     * the payload (a stray write reaches it as an overrun of the block before, or through a stale pointer into a
     * block merged since); the others in the payload's first word.
     */
    private static long linkWord(String spec, long q) {
        return spec.startsWith("slob") ? q - 8 : q;
    }

    @Test
    void exactlyTheAllocatorsWithLinksInFreeBlocksOfferSecure() {
        Set<String> offering = Set.copyOf(Allocators.types().stream()
                .filter(t -> t.options().stream().anyMatch(o -> o.key().equals("secure")))
                .map(AllocatorInfo::name).toList());
        // thread-cache encodes its own per-class lists (its SecureLinksTest breaks and checks them)
        assertEquals(Set.of("first-fit", "next-fit", "best-fit", "segregated", "boundary-tag", "tlsf", "buddy", "pool", "slub",
                "slab", "slob", "thread-cache"), offering);
    }

    private static String with(String spec, String option) {
        return spec + (spec.contains(":") ? "," : ":") + option;
    }

    private static Heap heap(Allocator a) {
        return Inspection.of(a).heap();
    }

    @ParameterizedTest
    @MethodSource("secureSpecs")
    void aStrayWriteIntoAFreedBlockIsCaughtAtTheNextAllocationThatFollowsTheLink(String spec) {
        try (Allocator a = Allocators.create(with(spec, "secure=on"), HEAP)) {
            long p = a.malloc(48);
            long q = a.malloc(48);
            long r = a.malloc(48);
            assertTrue(p != 0 && q != 0 && r != 0);
            long usable = a.usableSize(q);
            a.free(q);
            if (spec.startsWith("slub")) {
                for (long k = 0; k < usable; k += 8) { // SLUB keeps its free pointer mid-object
                    heap(a).putLong(q + k, STRAY);
                }
            } else {
                heap(a).putLong(linkWord(spec, q), STRAY); // the word of the freed block that holds its next link
            }
            FreeListCorruptionException caught = null;
            byte[] before = null;
            for (int i = 0; i < 64 && caught == null; i++) {
                before = heap(a).snapshot();
                try {
                    assertTrue(a.malloc(48) != 0);
                } catch (FreeListCorruptionException e) {
                    caught = e;
                }
            }
            assertNotNull(caught, spec + ": the corrupted link was never caught");
            String m = caught.getMessage();
            assertTrue(m.startsWith(a.name() + ": "), "names the allocator: " + m);
            assertTrue(m.contains("secure=on"), m);
            assertTrue(caught.block() <= q && caught.block() >= q - 16, "the freed block " + Long.toHexString(q) + ": " + m);
            assertTrue(m.contains("0x" + Long.toHexString(caught.block())), "names the block: " + m);
            assertEquals(STRAY, caught.stored(), m);
            assertTrue(m.contains("0x4141414141414141"), "names the bad word: " + m);
            assertTrue(m.contains("0x" + Long.toHexString(caught.decoded())), "and what it decodes to: " + m);
            assertArrayEquals(before, heap(a).snapshot(), spec + ": the link was not followed and nothing changed");
        }
    }

    @ParameterizedTest
    @MethodSource("secureSpecs")
    void secureLinksAreStoredEncodedAndOffStoresThemAsTheyAre(String spec) {
        for (boolean on : List.of(true, false)) {
            if (spec.startsWith("slub") && !on) {
                continue; // slub:secure=off (hardened=off) stores plain pointers; its own tests cover that
            }
            try (Allocator a = Allocators.create(with(spec, "secure=" + (on ? "on" : "off")), HEAP)) {
                long p = a.malloc(48);
                long q = a.malloc(48);
                long r = a.malloc(48);
                long s = a.malloc(48);
                assertTrue(p != 0 && q != 0 && r != 0 && s != 0);
                a.free(r);
                a.free(q); // q's first word is now the link of a free block (merged with r or not)
                Heap h = heap(a);
                long word = spec.startsWith("slub") ? -1 : h.getLong(linkWord(spec, q));
                boolean plain = word == 0 || (word >= h.start() && word < h.brk());
                if (!spec.startsWith("slub")) {
                    assertEquals(!on, plain, spec + (on ? ": an encoded link looks like no address: " : ": a plain link: ") + Long.toHexString(word));
                }
                for (int i = 0; i < 3; i++) {
                    assertTrue(a.malloc(48) != 0, "the encoded lists still work");
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("secureSpecs")
    void theFuzzerFindsNoViolationWithSecureLinks(String spec) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(new String[] {"fuzz", "--allocator", with(spec, "secure=on"), "--ops", "4000", "--seed", "71", "--json"},
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, exit, err.toString());
        assertTrue(out.toString().contains("\"violations\":0"), out.toString());
    }

    @ParameterizedTest
    @MethodSource("slabSpecsBeyondTheTable")
    void slabWithMagazinesOffSlabCachesAndItsOwnDebugRunsCleanWithSecureLinks(String spec) {
        theFuzzerFindsNoViolationWithSecureLinks(spec);
    }

    /** slab as users run it: magazines on (the default), its own debug letters, an off-slab cache's sizes. */
    static Stream<String> slabSpecsBeyondTheTable() {
        return Stream.of("slab", "slab:debug=FZPU", "slob:debug=FZPU", "slab:magazines=off,debug=P");
    }

    @Test
    void anOffSlabCacheHasNoLinkInItsObjectsAndStillWorksWithSecureOn() {
        try (Allocator a = Allocators.create("slab:magazines=off,secure=on", HEAP)) {
            long p = a.malloc(1000); // kmalloc-1k: off-slab, its free list is the bufctl array of the slab's descriptor
            long q = a.malloc(1000);
            a.free(p);
            heap(a).putLong(p, STRAY); // nothing of the slab layer lives in a free off-slab object
            assertEquals(p, a.malloc(1000), "the free slot is handed out again; the stray bytes are the caller's now");
            a.free(p);
            a.free(q);
            assertEquals(List.of(), new HeapChecker().check(Inspection.of(a).heapWalk()), "clean");
        }
    }

    @Test
    void anImplicitListHasNoLinksToSecure() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Allocators.create("first-fit:secure=on", HEAP));
        assertTrue(e.getMessage().contains("list=lifo or list=address"), e.getMessage());
    }

    @Test
    void badInputIsOneLineAndExit2() {
        for (String spec : List.of("tlsf:secure=maybe", "stack:debug=Q", "stack:debug=FX", "arena:leaks=loud", "pool:debug=FZPU,leaks=0",
                "first-fit:secure=on", "dense:secure=on")) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int exit = Main.run(new String[] {"fuzz", "--allocator", spec, "--ops", "10"}, new PrintWriter(out, true), new PrintWriter(err, true));
            assertEquals(2, exit, spec + ": " + err);
            assertEquals(1, err.toString().strip().lines().count(), spec + ": " + err);
            assertFalse(err.toString().contains("Exception"), spec + ": " + err);
            String line = err.toString().strip();
            assertTrue(line.contains(spec.substring(0, spec.indexOf(':'))), spec + ": " + line);
        }
    }
}
