package org.jalloc.slab;

import org.jalloc.testkit.fuzz.FuzzBytes;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of {@code slub} with Jazzer: fuzzer bytes become op sequences ({@link FuzzBytes}) under the
 * checker (HEAP-1..8, API-1..5, BUDDY-1..5, SLUB-1..3), hardened and not, with merged caches and no empty slabs kept.
 * In a normal build this replays the inputs in {@code src/test/resources/org/jalloc/slab/SlubFuzzTestInputs}.
 */
class SlubFuzzTest {
    private static final long HEAP = 1L << 20;

    private static void run(String spec, byte[] data) {
        FuzzBytes.runChecked(spec, HEAP, data);
    }

    @FuzzTest(maxDuration = "30s")
    void slub(byte[] data) {
        run("slub", data);
    }

    @FuzzTest(maxDuration = "30s")
    void slubUnhardenedMerged(byte[] data) {
        run("slub:hardened=off,merge=on,empty-slabs=0,arenas=1", data);
    }
}
