package org.jalloc.dense;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

import org.jalloc.core.HeapCorruptionException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The treap against a TreeSet of (size, address): best fit, in-order walk and DENSE-6 after every change. */
class TreapTest {
    private record Key(long size, long block) {}

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void agreesWithASortedSetThroughTenThousandRandomChanges(boolean highTies) {
        Treap t = new Treap(highTies);
        TreeSet<Key> model = new TreeSet<>((a, b) -> a.size != b.size ? Long.compare(a.size, b.size)
                : highTies ? Long.compare(b.block, a.block) : Long.compare(a.block, b.block));
        List<Key> live = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(5);
        for (int step = 0; step < 10_000; step++) {
            if (live.isEmpty() || r.nextInt(100) < 55) {
                Key k = new Key(32 + 16L * r.nextInt(40), 4096 + 8 + 16L * r.nextInt(1 << 20));
                if (model.add(k)) {
                    live.add(k);
                    t.insert(k.block, k.size);
                }
            } else {
                Key k = live.remove(r.nextInt(live.size()));
                model.remove(k);
                t.remove(k.block, k.size);
            }
            long ask = 16L * r.nextInt(45);
            Key want = model.ceiling(new Key(ask, highTies ? Long.MAX_VALUE : Long.MIN_VALUE));
            assertEquals(want == null ? 0 : want.block, t.findFit(ask), "best fit for " + ask + " at step " + step);
            assertEquals(model.size(), t.nodes);
        }
        List<Long> walked = new ArrayList<>();
        t.walk((list, block, size) -> walked.add(block));
        assertEquals(model.stream().map(Key::block).toList(), walked, "the walk is in key order");
        List<String> violations = new ArrayList<>();
        t.check((id, address, message, expected, actual) -> violations.add(id + " " + message));
        assertTrue(violations.isEmpty(), violations.toString());
        assertThrows(HeapCorruptionException.class, () -> t.remove(8, 48), "a block that is not in the tree");
    }
}
