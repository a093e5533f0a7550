package org.jalloc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jalloc.core.Allocator;
import org.jalloc.core.Allocators;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.LeakReport;
import org.jalloc.core.debug.DebugAllocator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The debug layer's tables at their edges (docs/debugging.md): a double free is named as one while the free is among
 * the last {@link DebugAllocator#RECENT_FREES}, and is an invalid pointer once forgotten; an address allocated again
 * is live again; leak sites captured raw are formatted and trimmed to the caller when a report is made.
 */
class DebugTablesTest {
    private static final long HEAP = 8L << 20;

    @ParameterizedTest
    @ValueSource(strings = {"tlsf:debug=F", "buddy:debug=FZ", "first-fit:list=lifo,debug=U"})
    void aDoubleFreeIsNamedWhileTheRingHoldsTheFreeAndAnInvalidPointerOnceForgotten(String spec) {
        try (Allocator a = Allocators.create(spec, HEAP)) {
            long keep = a.malloc(32); // keeps the freed block below from merging into the top of the heap
            long p = a.malloc(200);
            long guard = a.malloc(32);
            long[] churn = new long[8];
            for (int k = 0; k < churn.length; k++) {
                churn[k] = a.malloc(16); // before p is freed, so the churn never splits p's block
            }
            a.free(p);
            for (int i = 0; i < DebugAllocator.RECENT_FREES - 1; i++) {
                int k = i & 7;
                a.free(churn[k]);
                churn[k] = a.malloc(16);
                assertTrue(churn[k] != p, "the churn does not reuse p");
            }
            assertThrows(DoubleFreeException.class, () -> a.free(p), "freed " + (DebugAllocator.RECENT_FREES - 1) + " frees ago");
            for (int i = 0; i < 2 * DebugAllocator.RECENT_FREES; i++) {
                int k = i & 7;
                a.free(churn[k]);
                churn[k] = a.malloc(16);
            }
            assertThrows(InvalidPointerException.class, () -> a.free(p), "forgotten after more than RECENT_FREES frees");
            for (long c : churn) {
                a.free(c);
            }
            a.free(keep);
            a.free(guard);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tlsf:debug=F", "tlsf:debug=FZPU"})
    void anAddressAllocatedAgainIsLiveAgainAndItsSecondFreeIsADoubleFree(String spec) {
        try (Allocator a = Allocators.create(spec, HEAP)) {
            long p = a.malloc(64);
            a.free(p);
            long q = 0;
            for (int i = 0; i < 4 * DebugAllocator.QUARANTINE_BLOCKS && q != p; i++) {
                q = a.malloc(64);
                if (q != p) {
                    a.free(q);
                }
            }
            assertEquals(p, q, "the engine hands p out again");
            assertTrue(a.usableSize(p) >= 64, "p is live: usableSize answers");
            a.free(p);
            assertThrows(DoubleFreeException.class, () -> a.free(p));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tlsf:leaks=simple", "buddy:leaks=advanced", "slab:leaks=simple"})
    void sampledSitesAreTrimmedToTheCallerAndTheTotalsCountEveryBlock(String spec) {
        try (Allocator a = Allocators.create(spec, HEAP)) {
            for (int i = 0; i < 5_000; i++) {
                allocateHere(a);
            }
            LeakReport r = a.leakReport();
            assertEquals(5_000, r.liveBlocks(), r.format());
            long sampled = r.groups().stream().filter(g -> !g.site().isEmpty()).mapToLong(LeakReport.Group::blocks).sum();
            assertTrue(sampled > 5 && sampled < 200, "about 5000 / 128 sampled: " + sampled);
            r.groups().stream().filter(g -> !g.site().isEmpty()).forEach(g -> {
                assertTrue(g.site().get(0).contains("DebugTablesTest.allocateHere"), "innermost frame is the caller's: " + g.site());
                assertTrue(g.site().size() <= 8, "SHORT_DEPTH frames at most: " + g.site());
            });
            assertEquals(1, r.groups().stream().filter(g -> !g.site().isEmpty()).count(), "one site, one group: " + r.format());
        }
    }

    private static void allocateHere(Allocator a) {
        a.malloc(24);
    }
}
