package org.jalloc.testkit.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.jalloc.testkit.trace.Op;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, defect 4: what a generated sequence asks for is bounded whatever the heap, so a fuzz run's resident
 * memory does not grow with {@code --heap}.
 */
class OpGeneratorBudgetTest {
    private static long bigRequests(List<Op> ops) {
        return ops.stream().mapToLong(Op::requested).filter(n -> n > OpGenerator.SMALL).sum();
    }

    @Test
    void aSequenceForAHugeHeapStaysWithinTheBudget() {
        for (long heap : new long[] {1L << 32, 1L << 42, Long.MAX_VALUE / 2}) {
            for (long seed = 0; seed < 200; seed++) {
                List<Op> ops = OpGenerator.generate(FuzzEngine.sequenceSeed(7, seed), 1000, heap);
                long big = bigRequests(ops);
                assertTrue(big <= OpGenerator.SEQUENCE_BUDGET, "seed " + seed + ", heap " + heap + ": " + big + " bytes requested");
                long total = ops.stream().mapToLong(Op::requested).sum();
                assertTrue(total <= OpGenerator.SEQUENCE_BUDGET + 1000 * OpGenerator.SMALL, "everything: " + total);
                for (Op op : ops) {
                    assertTrue(op.requested() <= OpGenerator.MAX_REQUEST, op.toString());
                }
            }
        }
    }

    @Test
    void concurrentWorkersShareTheBudget() {
        long budget = OpGenerator.SEQUENCE_BUDGET / 4;
        for (long seed = 0; seed < 50; seed++) {
            assertTrue(bigRequests(OpGenerator.generate(seed, 2000, 1L << 40, budget)) <= budget);
        }
    }

    @Test
    void smallHeapsStillReachExhaustionSizes() {
        // 64 KiB and 16 MiB heaps get large requests of heap/16 .. heap/2, unchanged by the budget
        for (long heap : new long[] {64 << 10, 16 << 20}) {
            long largest = 0;
            for (long seed = 0; seed < 100; seed++) {
                for (Op op : OpGenerator.generate(seed, 1000, heap)) {
                    largest = Math.max(largest, op.requested());
                }
            }
            assertTrue(largest >= heap / 2, "heap " + heap + ": largest request " + largest);
        }
    }

    @Test
    void theBudgetDoesNotChangeSequencesThatStayWithinIt() {
        for (long seed = 0; seed < 100; seed++) {
            List<Op> small = OpGenerator.generate(seed, 1000, 64 << 10);
            assertEquals(small, OpGenerator.generate(seed, 1000, 64 << 10, Long.MAX_VALUE), "seed " + seed);
        }
    }

    @Test
    void anExceptionAnAllocatorThrowsIsReportedInOneLine() {
        String m = FuzzEngine.thrown(new IllegalStateException("first\nsecond"));
        assertTrue(m.startsWith("java.lang.IllegalStateException: first; second (thrown at "), m);
        assertTrue(m.lines().count() == 1 && !m.contains("\tat "), m);
    }
}
