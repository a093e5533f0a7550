package org.jalloc.threadcache;

import org.jalloc.testkit.fuzz.FuzzBytes;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing with Jazzer: fuzzer bytes become op sequences ({@link FuzzBytes}) run under the checker
 * (HEAP-1..8, API-1..5, TC-1..7). A normal build replays the inputs in
 * {@code src/test/resources/org/jalloc/threadcache/ThreadCacheFuzzTestInputs}; {@code JAZZER_FUZZ=1} fuzzes.
 */
class ThreadCacheFuzzTest {
    private static final long HEAP = 1 << 20;

    @FuzzTest(maxDuration = "30s")
    void threadCache(byte[] data) {
        FuzzBytes.runChecked("thread-cache", HEAP, data);
    }
}
