package org.jalloc.core.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The state map: one byte per 16 bytes, leaves created by runs of blocks, dropped by release, counted by bytes(). */
class GranuleMapTest {
    private static final long KIB = 1024;

    @Test
    void runsOfBlocksSetTheirGranulesAndNothingElse() {
        try (Heap heap = Heap.reserve(64L << 20)) {
            GranuleMap map = new GranuleMap(heap);
            assertEquals(0, map.get(4096), "nothing set: 0");
            map.setBlocks(4096, 48, 85, (byte) 1);
            for (long a = 4096; a < 4096 + 85 * 48; a += 16) {
                assertEquals((a - 4096) % 48 == 0 ? 1 : 0, map.get(a), "granule " + a);
            }
            map.set(4096 + 48, (byte) 0);
            assertEquals(0, map.get(4096 + 48));
            assertEquals(1, map.get(4096 + 96));
            assertEquals(0, map.get(-16), "any address is safe to ask about");
            assertEquals(0, map.get(Long.MAX_VALUE & ~15));
            assertEquals(0, map.get(60L << 20), "beyond the root: 0");
            assertThrows(IllegalStateException.class, () -> map.set(8L << 20, (byte) 1), "no run was set there");
            assertThrows(IndexOutOfBoundsException.class, () -> map.setBlocks(heap.limit(), 16, 1, (byte) 1));
        }
    }

    @Test
    void leavesGrowWithTheHighestRunAndReleaseDropsWholeLeavesOnly() {
        try (Heap heap = Heap.reserve(64L << 20)) {
            GranuleMap map = new GranuleMap(heap);
            long empty = map.bytes();
            map.setBlocks(4096, 16, 1, (byte) 1);
            assertEquals(empty + 16 + 4 * KIB, map.bytes(), "one 4 KiB leaf for the first 64 KiB of heap");
            map.setBlocks(40L << 20, 4096, 32, (byte) 1); // 128 KiB from 40 MiB: two leaves, the root grows to 642 entries
            assertEquals(1, map.get(40L << 20));
            assertEquals(1, map.get(4096), "earlier leaves survive the root's growth");
            long grown = map.bytes();
            assertEquals(16 + 4L * 642 + 3 * (16 + 4 * KIB), grown);
            map.release((40L << 20) + 16, 128 * KIB); // covers the second leaf only wholly
            assertEquals(grown - (16 + 4 * KIB), map.bytes());
            assertEquals(1, map.get(40L << 20), "the partly covered leaf stays");
            assertEquals(0, map.get((40L << 20) + 64 * KIB), "the released leaf reads 0");
        }
    }
}
