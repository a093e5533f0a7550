package org.jalloc.boundarytag;

import org.jalloc.testkit.fuzz.FuzzBytes;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing with Jazzer: fuzzer bytes become op sequences ({@link FuzzBytes}) run under the
 * checker (HEAP-1..8, BT-1..8, API-1..5), for both indexes and both layouts. In a normal build this replays the
 * inputs in {@code src/test/resources/org/jalloc/boundarytag/BoundaryTagFuzzTestInputs}; {@code JAZZER_FUZZ=1}
 * fuzzes (see docs/testing.md).
 */
class BoundaryTagFuzzTest {
    private static final long HEAP = 256 << 10;

    private static void run(String spec, byte[] data) {
        FuzzBytes.runChecked(spec, HEAP, data);
    }

    @FuzzTest(maxDuration = "30s")
    void boundaryTag(byte[] data) {
        run("boundary-tag", data);
    }

    @FuzzTest(maxDuration = "30s")
    void boundaryTagFootersAll(byte[] data) {
        run("boundary-tag:footers=all", data);
    }

    @FuzzTest(maxDuration = "30s")
    void tlsf(byte[] data) {
        run("tlsf", data);
    }

    @FuzzTest(maxDuration = "30s")
    void tlsfFootersAll(byte[] data) {
        run("tlsf:footers=all", data);
    }
}
