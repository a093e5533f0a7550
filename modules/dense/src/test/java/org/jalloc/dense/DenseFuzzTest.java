package org.jalloc.dense;

import org.jalloc.testkit.fuzz.FuzzBytes;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing with Jazzer: fuzzer bytes become op sequences ({@link FuzzBytes}) run under the checker
 * (HEAP-1..8, DENSE-1..10, API-1..5), at the defaults, with pages from the first small request, with the tagged
 * tier alone, and with every ablation at once. In a normal build this replays the inputs in
 * {@code src/test/resources/org/jalloc/dense/DenseFuzzTestInputs}; {@code JAZZER_FUZZ=1} fuzzes (docs/testing.md).
 */
class DenseFuzzTest {
    private static final long HEAP = 256 << 10;

    private static void run(String spec, byte[] data) {
        FuzzBytes.runChecked(spec, HEAP, data);
    }

    @FuzzTest(maxDuration = "30s")
    void dense(byte[] data) {
        run("dense", data);
    }

    @FuzzTest(maxDuration = "30s")
    void pagesAtOnce(byte[] data) {
        run("dense:threshold=0,page=1280", data);
    }

    @FuzzTest(maxDuration = "30s")
    void taggedOnly(byte[] data) {
        run("dense:small=0,ties=high", data);
    }

    @FuzzTest(maxDuration = "30s")
    void ablations(byte[] data) {
        run("dense:small=256,threshold=0,footers=all,coalesce=never,realloc=in-place,grow=chunk", data);
    }
}
