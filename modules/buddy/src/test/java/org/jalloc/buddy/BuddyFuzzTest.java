package org.jalloc.buddy;

import org.jalloc.buddy.pages.PageFuzz;
import org.jalloc.testkit.fuzz.FuzzBytes;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing with Jazzer, on both APIs: {@code malloc} ops from fuzzer bytes ({@link FuzzBytes}) under
 * the checker (HEAP-1..8, BUDDY-1..5, API-1..5), and page-level ops ({@link PageFuzz#fromBytes}: allocPages with mixed
 * orders, freePages, every page-level misuse) with the page fuzz's shadow model. In a normal build this replays the
 * inputs in {@code src/test/resources/org/jalloc/buddy/BuddyFuzzTestInputs}; {@code JAZZER_FUZZ=1} fuzzes (see
 * docs/testing.md).
 */
class BuddyFuzzTest {
    private static final long HEAP = 256 << 10;

    @FuzzTest(maxDuration = "30s")
    void buddy(byte[] data) {
        FuzzBytes.runChecked("buddy", HEAP, data);
    }

    @FuzzTest(maxDuration = "30s")
    void pages(byte[] data) {
        PageFuzz.Config config = new PageFuzz.Config(4096, 6, HEAP);
        PageFuzz.Failure failure = PageFuzz.runAndShrink(config, PageFuzz.fromBytes(data, config.maxOrder()), -1);
        if (failure != null) {
            throw new AssertionError(failure.toString());
        }
    }
}
