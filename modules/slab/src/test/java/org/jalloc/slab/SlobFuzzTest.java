package org.jalloc.slab;

import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.testkit.fuzz.FuzzBytes;
import org.jalloc.testkit.fuzz.FuzzEngine;
import org.jalloc.testkit.fuzz.FuzzFailure;

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
        FuzzFailure failure = new FuzzEngine(AllocatorFactory.of(spec, HEAP)).shrinkBudget(500).runOps(FuzzBytes.toOps(data, HEAP), -1);
        if (failure != null) {
            throw new AssertionError(failure.toString());
        }
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
