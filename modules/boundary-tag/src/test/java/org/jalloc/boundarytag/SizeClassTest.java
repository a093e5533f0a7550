package org.jalloc.boundarytag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The size-to-list mappings of both indexes, checked over every block size up to 1 MiB and at the extremes. */
class SizeClassTest {
    /** The sizes a list holds: {@code [lo, hi)}, parsed back from its description. */
    private static long[] range(BinIndex index, int list) {
        String d = index.describe(list);
        String r = d.substring(d.indexOf('[') + 1, d.indexOf(')'));
        String[] parts = r.split(", ");
        return new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])};
    }

    @Test
    void segregatedClassesArePowersOfTwoFromThirtyTwo() {
        assertEquals(0, SegregatedLists.classOf(32));
        assertEquals(0, SegregatedLists.classOf(48));
        assertEquals(1, SegregatedLists.classOf(64));
        assertEquals(3, SegregatedLists.classOf(511));
        assertEquals(4, SegregatedLists.classOf(512));
        assertEquals(57, SegregatedLists.classOf(1L << 62));
        SegregatedLists lists = new SegregatedLists(org.jalloc.core.memory.Heap.reserve(4096), SegregatedLists.Fit.BEST, 16);
        for (long size = 32; size <= 1 << 20; size += 16) {
            long[] r = range(lists, lists.listOf(size));
            assertTrue(r[0] <= size && size < r[1], size + " in " + lists.describe(lists.listOf(size)));
        }
        lists.heap.close();
    }

    @Test
    void tlsfMapsEverySizeIntoItsListAndRoundsSearchesToWholeLists() {
        Tlsf tlsf = new Tlsf(org.jalloc.core.memory.Heap.reserve(4096));
        int previous = -1;
        for (long size = 32; size <= 1 << 20; size += 16) {
            int list = tlsf.listOf(size);
            long[] r = range(tlsf, list);
            assertTrue(r[0] <= size && size < r[1], size + " in " + tlsf.describe(list));
            assertTrue(list >= previous, "lists ascend with size");
            previous = list;
            // Every block of the list a search lands on is large enough: its lower bound covers the request.
            long[] searched = range(tlsf, tlsf.listOf(Tlsf.roundUp(size)));
            assertTrue(searched[0] >= size, "search for " + size + " lands on " + tlsf.describe(tlsf.listOf(Tlsf.roundUp(size))));
            // ... and it is the first such list: the one below it may hold smaller blocks.
            long[] below = range(tlsf, tlsf.listOf(Tlsf.roundUp(size)) - 1);
            assertTrue(below[0] < size, "rounding skips no whole list for " + size);
        }
        assertEquals(0, Tlsf.fl(255));
        assertEquals(1, Tlsf.fl(256));
        assertEquals(0, Tlsf.sl(256));
        assertEquals(15, Tlsf.sl(511));
        assertEquals(2, Tlsf.fl(512));
        assertEquals(Tlsf.SL_COUNT * 55 + 15, tlsf.listOf(Long.MAX_VALUE & ~15L), "the largest size maps inside 64 first-level classes");
        tlsf.heap.close();
    }
}
