package org.jalloc.threadcache;

import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.testkit.fuzz.FuzzBytes;
import org.jalloc.testkit.fuzz.FuzzEngine;
import org.jalloc.testkit.fuzz.FuzzFailure;

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
        FuzzFailure failure = new FuzzEngine(AllocatorFactory.of("thread-cache", HEAP)).shrinkBudget(500)
                .runOps(FuzzBytes.toOps(data, HEAP), -1);
        if (failure != null) {
            throw new AssertionError(failure.toString());
        }
    }
}
