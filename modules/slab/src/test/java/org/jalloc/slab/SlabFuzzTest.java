package org.jalloc.slab;

import org.jalloc.testkit.fuzz.FuzzBytes;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing with Jazzer: fuzzer bytes become kmalloc op sequences ({@link FuzzBytes}) run under the
 * checker (HEAP-1..8, API-1..5, BUDDY-1..5, SLAB-1..7), with magazines, without them, with every debug flag, and with
 * {@code secure=on} (encoded free links, SEC-1) without magazines and with every debug flag. In a
 * normal build this replays the inputs in {@code src/test/resources/org/jalloc/slab/SlabFuzzTestInputs};
 * {@code JAZZER_FUZZ=1} fuzzes (see docs/fuzzing.md). The object-cache level has its own fuzz ({@link CacheFuzzTest}).
 */
class SlabFuzzTest {
    private static final long HEAP = 1L << 20;

    private static void run(String spec, byte[] data) {
        FuzzBytes.runChecked(spec, HEAP, data);
    }

    @FuzzTest(maxDuration = "30s")
    void slab(byte[] data) {
        run("slab", data);
    }

    @FuzzTest(maxDuration = "30s")
    void slabWithoutMagazines(byte[] data) {
        run("slab:magazines=off,empty-slabs=0", data);
    }

    @FuzzTest(maxDuration = "30s")
    void slabDebug(byte[] data) {
        run("slab:debug=FZPU", data);
    }

    @FuzzTest(maxDuration = "30s")
    void slabSecure(byte[] data) {
        run("slab:magazines=off,empty-slabs=0,secure=on", data);
    }

    @FuzzTest(maxDuration = "30s")
    void slabDebugSecure(byte[] data) {
        run("slab:debug=FZPU,secure=on", data);
    }
}
