package org.jalloc.buddy.pages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Checked fuzzing of the page-level API with mixed orders ({@link PageFuzz}): 1,000 sequences of 200 ops in Linux's
 * configuration, plus a tiny heap (exhaustion) and 16-byte pages (malloc's configuration). Every op is followed by the
 * heap checker with the shadow model: HEAP-1..8 and BUDDY-1..5; every misuse (wrong order, a split half freed as the
 * whole, unaligned and interior addresses, double free, outside the heap, order out of range) must throw the
 * predicted exception and leave the metadata unchanged.
 */
class PageFuzzTest {
    private static PageFuzz.Report assertClean(PageFuzz.Report report) {
        List<PageFuzz.Failure> failures = report.failures();
        assertTrue(failures.isEmpty(), () -> failures.size() + " failing sequences; first:\n" + failures.get(0));
        return report;
    }

    @Test
    void linuxConfigurationThousandSequencesOfMixedOrders() {
        PageFuzz.Report r = assertClean(PageFuzz.fuzz(new PageFuzz.Config(4096, 10, 16L << 20), 0xB0DD1, 1000, 200));
        for (char kind : PageFuzz.KINDS.toCharArray()) {
            assertTrue(r.performed(kind) >= 500, "op kind " + kind + " ran only " + r.performed(kind) + " times");
        }
    }

    @Test
    void tinyHeapExercisesExhaustionAndTheSmallZones() {
        assertClean(PageFuzz.fuzz(new PageFuzz.Config(64, 5, 16 << 10), 0x71A1, 300, 200));
    }

    @Test
    void sixteenBytePagesAsUnderMalloc() {
        assertClean(PageFuzz.fuzz(new PageFuzz.Config(16, 12, 256 << 10), 0x16, 200, 300));
    }

    @Test
    void sequencesAreReproducible() {
        assertEquals(PageFuzz.generate(42, 300, 10), PageFuzz.generate(42, 300, 10));
        assertTrue(PageFuzz.generate(42, 300, 10).stream().anyMatch(op -> op.kind() == 'a' && op.arg() >= 7), "large orders occur");
    }

    @Test
    void aPlantedFaultIsFoundAndShrunkToOneAllocation() {
        PageFuzz.Config config = new PageFuzz.Config(4096, 10, 16L << 20);
        List<PageFuzz.Op> ops = PageFuzz.generate(7, 400, 10);
        assertNull(PageFuzz.run(config, ops));
        // A planted bug: after every op, the first allocated block of 4 pages or more loses its second half (a head
        // bit appears at its midpoint, as if a split forgot to push the upper half).
        PageFuzz.Failure f = PageFuzz.runAndShrink(config, ops, 7, (pages, opNo) -> pages.walkBlocks((address, size, free) -> {
            if (!free && size >= 4 * pages.pageSize()) {
                pages.headMap().set((address + size / 2) / pages.pageSize());
                return false;
            }
            return true;
        }));
        assertNotNull(f, "the planted bug was not found");
        assertTrue(f.message().contains("HEAP-6"), f.toString());
        assertEquals(1, f.ops().size(), "shrunk to the one allocation that shows it: " + f.ops());
        assertTrue(f.ops().get(0).kind() == 'a' && f.ops().get(0).arg() >= 2, f.ops().toString());
    }
}
