package org.jalloc.stack;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.testkit.fuzz.DisciplineFuzz;
import org.jalloc.testkit.fuzz.FuzzFailure;

/**
 * Coverage-guided fuzzing with Jazzer of the three disciplines: fuzzer bytes become discipline steps
 * ({@link DisciplineFuzz#fromBytes}: allocations, frees in the order the discipline allows, checkpoints and releases,
 * and the misuse probes) run under the checker (HEAP-1..8, API-1..5, STACK-1..3, ARENA-1..4, POOL-1..3) with the
 * probes' exceptions and unchanged heaps required. In a normal build this replays the inputs in
 * {@code src/test/resources/org/jalloc/stack/StackFuzzTestInputs}; {@code JAZZER_FUZZ=1} fuzzes (docs/testing.md).
 */
class StackFuzzTest {
    private static final long HEAP = 256 << 10;

    private static void run(String spec, byte[] data) {
        DisciplineFuzz fuzz = DisciplineFuzz.forFactory(AllocatorFactory.of(spec, HEAP));
        if (fuzz == null) {
            throw new AssertionError(spec + " has no discipline");
        }
        FuzzFailure failure = fuzz.shrinkBudget(500).runSteps(fuzz.fromBytes(data), -1);
        if (failure != null) {
            throw new AssertionError(failure.toString());
        }
    }

    @FuzzTest(maxDuration = "30s")
    void stack(byte[] data) {
        run("stack", data);
    }

    @FuzzTest(maxDuration = "30s")
    void arena(byte[] data) {
        run("arena:chunk=4K", data);
    }

    @FuzzTest(maxDuration = "30s")
    void pool(byte[] data) {
        run("pool:object=48,count=64", data);
    }
}
