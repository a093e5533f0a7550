package org.jalloc.slab;

import org.jalloc.testkit.fuzz.FuzzBytes;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of {@code slob} with Jazzer: fuzzer bytes become op sequences ({@link FuzzBytes}) run under
 * the checker (HEAP-1..8, API-1..5, BUDDY-1..5, SLOB-1..4) on a 256 KiB heap, SLOB's home ground. In a normal build
 * this replays the inputs in {@code src/test/resources/org/jalloc/slab/SlobFuzzTestInputs}; {@code JAZZER_FUZZ=1}
 * fuzzes.
 */
class SlobFuzzTest {
    private static final long HEAP = 256L << 10;

    private static void run(String spec, byte[] data) {
        FuzzBytes.runChecked(spec, HEAP, data);
    }

    @FuzzTest(maxDuration = "30s")
    void slob(byte[] data) {
        run("slob", data);
    }

    /** With {@code secure=on}: the free blocks' links encoded (SEC-1); the walk decodes them. */
    @FuzzTest(maxDuration = "30s")
    void slobSecure(byte[] data) {
        run("slob:secure=on", data);
    }
}
