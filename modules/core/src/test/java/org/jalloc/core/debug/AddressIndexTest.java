package org.jalloc.core.debug;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** The debug layer's address table against a {@link HashMap}: inserts, lookups, in-place updates, removals, growth. */
class AddressIndexTest {
    @Test
    void agreesWithAHashMapThroughGrowthAndBackwardShiftRemovals() {
        AddressIndex index = new AddressIndex();
        Map<Long, Integer> model = new HashMap<>();
        SplittableRandom random = new SplittableRandom(24);
        for (int step = 0; step < 200_000; step++) {
            long key = 16L * (1 + random.nextInt(6_000)); // heap-like addresses, many collisions of runs
            switch (random.nextInt(4)) {
                case 0 -> {
                    int v = random.nextInt(1 << 20) - 5_000;
                    if (v == AddressIndex.ABSENT) {
                        v = 0;
                    }
                    index.put(key, v);
                    model.put(key, v);
                }
                case 1 -> {
                    Integer old = model.remove(key);
                    assertEquals(old == null ? AddressIndex.ABSENT : old, index.remove(key), "remove " + key);
                }
                case 2 -> {
                    int s = index.find(key);
                    assertEquals(model.containsKey(key), s >= 0, "find " + key);
                    if (s >= 0) {
                        assertEquals(key, index.keyAt(s));
                        index.setValueAt(s, -2 - step % 4096);
                        model.put(key, -2 - step % 4096);
                    }
                }
                default -> assertEquals(model.getOrDefault(key, AddressIndex.ABSENT), index.get(key), "get " + key);
            }
            assertEquals(model.size(), index.size());
        }
        model.forEach((k, v) -> assertEquals(v, index.get(k)));
    }

    @Test
    void removeAtDuringASweepKeepsEveryOtherEntryReachable() {
        AddressIndex index = new AddressIndex();
        Map<Long, Integer> model = new HashMap<>();
        for (long k = 1; k <= 3_000; k++) {
            index.put(k * 48, (int) k);
            model.put(k * 48, (int) k);
        }
        for (int s = 0; s < index.capacity(); s++) {
            while (index.keyAt(s) != 0 && index.valueAt(s) % 3 == 0) {
                model.remove(index.keyAt(s));
                index.removeAt(s);
            }
        }
        model.forEach((k, v) -> assertEquals(v, index.get(k), "still reachable: " + k));
        assertEquals(model.size(), index.size());
    }
}
