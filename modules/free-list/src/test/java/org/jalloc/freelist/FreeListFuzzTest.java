package org.jalloc.freelist;

import java.util.Arrays;
import java.util.List;

import org.jalloc.testkit.fuzz.FuzzBytes;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing with Jazzer: fuzzer bytes become op sequences ({@link FuzzBytes}) run under the
 * checker (HEAP-1..8, FL-1..9, API-1..5). One method per policy at its defaults, plus {@link #anyVariant}, whose
 * first byte picks one of every list/coalescing variant. In a normal build this replays the inputs in
 * {@code src/test/resources/org/jalloc/freelist/FreeListFuzzTestInputs}; {@code JAZZER_FUZZ=1} fuzzes
 * (see docs/testing.md).
 */
class FreeListFuzzTest {
    private static final long HEAP = 256 << 10;
    private static final List<String> VARIANTS = FreeListVariantsTest.variants();

    private static void run(String spec, byte[] data) {
        FuzzBytes.runChecked(spec, HEAP, data);
    }

    @FuzzTest(maxDuration = "30s")
    void firstFit(byte[] data) {
        run("first-fit", data);
    }

    @FuzzTest(maxDuration = "30s")
    void firstFitDeferred(byte[] data) {
        run("first-fit:coalesce=deferred", data);
    }

    @FuzzTest(maxDuration = "30s")
    void nextFit(byte[] data) {
        run("next-fit", data);
    }

    @FuzzTest(maxDuration = "30s")
    void bestFit(byte[] data) {
        run("best-fit", data);
    }

    @FuzzTest(maxDuration = "30s")
    void segregated(byte[] data) {
        run("segregated", data);
    }

    @FuzzTest(maxDuration = "30s")
    void anyVariant(byte[] data) {
        if (data.length > 0) {
            run(VARIANTS.get((data[0] & 0xFF) % VARIANTS.size()), Arrays.copyOfRange(data, 1, data.length));
        }
    }
}
