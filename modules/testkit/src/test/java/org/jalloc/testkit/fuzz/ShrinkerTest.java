package org.jalloc.testkit.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.IntStream;

import org.jalloc.testkit.trace.Op;
import org.junit.jupiter.api.Test;

class ShrinkerTest {
    @Test
    void findsTheOneMinimalFailingSubsequence() {
        List<Integer> input = IntStream.range(0, 500).boxed().toList();
        // Fails when 17, 230 and 499 are all present, in order.
        List<Integer> shrunk = Shrinker.shrink(input, l -> l.contains(17) && l.contains(230) && l.contains(499), 10_000);
        assertEquals(List.of(17, 230, 499), shrunk);
    }

    @Test
    void respectsTheBudget() {
        List<Integer> input = IntStream.range(0, 1000).boxed().toList();
        int[] runs = {0};
        Shrinker.shrink(input, l -> { runs[0]++; return l.size() > 3; }, 50);
        assertTrue(runs[0] <= 50);
    }

    @Test
    void generatedSequencesAreDeterministicAndLongEnough() {
        List<Op> a = OpGenerator.generate(42, 300, 1 << 20);
        assertEquals(a, OpGenerator.generate(42, 300, 1 << 20));
        assertEquals(300, a.size());
        assertTrue(a.stream().map(Op::kind).distinct().count() >= 5, "the whole API appears: " + a.stream().map(Op::kind).distinct().toList());
    }
}
