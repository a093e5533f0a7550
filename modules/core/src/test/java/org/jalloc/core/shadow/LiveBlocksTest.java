package org.jalloc.core.shadow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** The shadow-model map against java.util.HashMap, through many random puts and removes (backward-shift deletion). */
class LiveBlocksTest {
    @Test
    void behavesLikeAMap() {
        LiveBlocks live = new LiveBlocks(4);
        Map<Long, long[]> model = new HashMap<>();
        SplittableRandom r = new SplittableRandom(1);
        long total = 0;
        for (int i = 0; i < 200_000; i++) {
            long key = 16L * (1 + r.nextInt(5000));
            if (r.nextBoolean()) {
                long req = r.nextInt(1000);
                long[] old = model.put(key, new long[] {req, i});
                total += req - (old == null ? 0 : old[0]);
                live.put(key, req, i);
            } else {
                long[] old = model.remove(key);
                total -= old == null ? 0 : old[0];
                assertEquals(old != null, live.remove(key));
            }
            long probe = 16L * (1 + r.nextInt(5000));
            long[] m = model.get(probe);
            assertEquals(m != null, live.contains(probe));
            assertEquals(m == null ? -1 : m[0], live.requested(probe));
            assertEquals(m == null ? -1 : m[1], live.tag(probe));
        }
        assertEquals(model.size(), live.size());
        assertEquals(total, live.totalRequested());
        assertArrayEquals(model.keySet().stream().mapToLong(Long::longValue).sorted().toArray(), live.sortedAddresses());
        long[] sum = {0};
        live.forEach((a, req, tag) -> sum[0] += req);
        assertEquals(total, sum[0]);
        live.clear();
        assertEquals(0, live.size());
        assertFalse(live.contains(16));
    }

    @Test
    void nullIsNeverLive() {
        LiveBlocks live = new LiveBlocks();
        assertThrows(IllegalArgumentException.class, () -> live.put(0, 1, 1));
        assertFalse(live.contains(0));
        assertFalse(live.remove(0));
        assertEquals(-1, live.requested(0));
    }
}
