package org.jalloc.testkit.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class TraceGeneratorTest {
    @Test
    void everyPatternIsExactSizedBalancedValidAndDeterministic() {
        for (String pattern : TraceGenerator.PATTERNS) {
            Trace t = TraceGenerator.generate(pattern, 5000, 9);
            assertEquals(5000, t.ops().size(), pattern);
            assertEquals(t.ops(), TraceGenerator.generate(pattern, 5000, 9).ops(), pattern + " is deterministic");
            Set<Integer> live = new HashSet<>();
            for (Op op : t.ops()) {
                switch (op.kind()) {
                    case 'a', 'c', 'm' -> assertTrue(live.add(op.id()), pattern + ": allocation into a live id " + op);
                    case 'f' -> assertTrue(live.remove(op.id()), pattern + ": free of a dead id " + op);
                    case 'r', 'x' -> assertTrue(live.contains(op.id()), pattern + ": resize of a dead id " + op);
                    default -> throw new AssertionError(op);
                }
            }
            assertTrue(live.isEmpty(), pattern + " ends balanced");
            assertEquals(t.ops(), Trace.parse("g.rep", t.format(java.util.List.of())).ops());
        }
    }

    @Test
    void unknownPatternsListTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TraceGenerator.generate("nope", 10, 1));
        assertTrue(e.getMessage().contains("larson"));
    }

    @Test
    void tailSizesSitJustAboveMultiplesOf16() {
        for (Op op : TraceGenerator.generate("tail-sizes", 2000, 3).ops()) {
            if (op.kind() == 'a') {
                long tail = op.size() % 16;
                assertTrue(tail >= 1 && tail <= 8, "size " + op.size());
            }
        }
    }
}
