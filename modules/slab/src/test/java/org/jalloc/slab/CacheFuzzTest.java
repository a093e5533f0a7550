package org.jalloc.slab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The cache-level fuzz ({@link CacheFuzz}): 1,000 sequences of 200 ops over two to four caches each (most with
 * constructors, some with destructors, debug flags, magazine sizes 0-3 or the default, empty-slab limits 0-2), the
 * checker after every op: HEAP-1..8, BUDDY-1..5, SLAB-1..7, constructed state on every alloc, constructor and
 * destructor counts, misuse predicted exactly with the heap unchanged.
 */
class CacheFuzzTest {
    @Test
    void thousandSequencesAcrossCachesWithConstructors() {
        CacheFuzz.Report report = CacheFuzz.fuzz(0x51AB, 1000, 200);
        if (!report.failures().isEmpty()) {
            fail(report.failures().size() + " failing sequences; first:\n" + report.failures().get(0));
        }
        assertEquals(1000, report.sequences());
        for (char kind : CacheFuzz.KINDS.toCharArray()) {
            assertTrue(report.performed(kind) > 0, "op kind " + kind + " never ran");
        }
        assertTrue(report.performed('a') > 50_000, "allocations: " + report.performed('a'));
        long misuses = report.performed('w') + report.performed('d') + report.performed('p');
        assertTrue(misuses > 5_000, "misuses tried: wrong cache " + report.performed('w') + ", double free " + report.performed('d')
                + ", foreign " + report.performed('p'));
    }

    @Test
    void aPlantedBugIsFoundAndShrunk() {
        // A stray write flips a byte of a live object once op 40 has run: the fuzz must notice (HEAP-7) and the
        // shrinker must keep a shorter sequence failing the same way.
        long seed = firstSeedWithAConstructor();
        List<CacheFuzz.Op> ops = new ArrayList<>(CacheFuzz.generate(7, 150));
        ops.add(40, new CacheFuzz.Op('a', 0, 0));
        assertEquals(null, CacheFuzz.runAndShrink(seed, ops), "the sequence passes without the stray write");
        CacheFuzz.Failure planted = CacheFuzz.runAndShrink(seed, ops, (run, opNo) -> {
            if (opNo == 41) {
                run.clobberFirstLive();
            }
        });
        assertNotNull(planted, "the stray write was found");
        assertTrue(planted.ops().size() < ops.size(), planted.toString());
        assertTrue(planted.message().startsWith("HEAP-7"), planted.message());
    }

    private static long firstSeedWithAConstructor() {
        for (long s = 1; ; s++) {
            if (CacheFuzz.cachesFor(s).get(0).constructed()) {
                return s;
            }
        }
    }
}
