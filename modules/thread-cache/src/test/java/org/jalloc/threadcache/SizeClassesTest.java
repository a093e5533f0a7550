package org.jalloc.threadcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.Test;

/** The size-class table's promises: order, alignment, the waste bound, span tails, and the lookup tables. */
class SizeClassesTest {
    @Test
    void classesAreIncreasingMultiplesOfSixteenUpTo256KiB() {
        for (int c = 1; c < SizeClasses.COUNT; c++) {
            assertEquals(0, SizeClasses.size(c) % 16, "class " + c);
            if (c > 1) {
                assertTrue(SizeClasses.size(c) > SizeClasses.size(c - 1));
            }
        }
        assertEquals(16, SizeClasses.size(1));
        assertEquals(SizeClasses.MAX_SMALL, SizeClasses.size(SizeClasses.COUNT - 1));
    }

    @Test
    void wasteIsAtMostAnEighthFrom128BytesAndUnder16BytesBelow() {
        for (int c = 1; c < SizeClasses.COUNT; c++) {
            long size = SizeClasses.size(c);
            if (size >= 128) {
                assertTrue(SizeClasses.maxWaste(c) <= 0.125, "class " + c + " (" + size + " B) wastes " + SizeClasses.maxWaste(c));
            } else {
                long previous = c == 1 ? 0 : SizeClasses.size(c - 1);
                assertTrue(size - previous - 1 < 16, "class " + c);
            }
        }
    }

    @Test
    void everySizeMapsToTheSmallestClassThatHoldsIt() {
        for (long n = 0; n <= SizeClasses.MAX_SMALL; n++) {
            int c = SizeClasses.classFor(n);
            assertTrue(SizeClasses.size(c) >= n, "size " + n);
            assertTrue(c == 1 || SizeClasses.size(c - 1) < n, "size " + n + " could use class " + (c - 1));
        }
        assertEquals(0, SizeClasses.classFor(SizeClasses.MAX_SMALL + 1));
    }

    @Test
    void spansHoldEnoughBlocksWithASmallTail() {
        for (int c = 1; c < SizeClasses.COUNT; c++) {
            long span = SizeClasses.pagesPerSpan(c) * Heap.PAGE_SIZE;
            long used = SizeClasses.blocksPerSpan(c) * SizeClasses.size(c);
            assertTrue(used <= span && span - used <= span / 8, "class " + c + " tail " + (span - used));
            assertTrue(SizeClasses.blocksPerSpan(c) >= SizeClasses.minBlocks(SizeClasses.size(c)), "class " + c);
            assertTrue(SizeClasses.batch(c) >= 1 && SizeClasses.batch(c) <= SizeClasses.maxCached(c));
            long size = SizeClasses.size(c);
            for (long off = 0; off < span; off++) {
                boolean blockStart = off % size == 0 && off / size < SizeClasses.blocksPerSpan(c);
                // Assert on a mismatch only, so the exhaustive loop builds no message per offset.
                if (SizeClasses.isBlockOffset(c, off) != blockStart) {
                    assertEquals(blockStart, SizeClasses.isBlockOffset(c, off), "class " + c + " offset " + off);
                }
            }
        }
    }

    /**
     * A list holds at least four batches, 128 blocks up to 8 KiB and 1 MiB worth above (branch mx45): with the old
     * bound of 8 blocks of 32 KiB a live set of large blocks bounced them through the central list and the page heap.
     */
    @Test
    void listsHoldFourBatchesAndAMegabyteOfLargeBlocks() {
        for (int c = 1; c < SizeClasses.COUNT; c++) {
            int max = SizeClasses.maxCached(c);
            assertTrue(max >= 4 * SizeClasses.batch(c), "class " + c);
            assertEquals(Math.max(4L * SizeClasses.batch(c), Math.min(128, (1 << 20) / SizeClasses.size(c))), max, "class " + c);
        }
        assertEquals(128, SizeClasses.maxCached(SizeClasses.classOf(8192)));
        assertEquals(32, SizeClasses.maxCached(SizeClasses.classOf(32768)));
        assertEquals(4, SizeClasses.maxCached(SizeClasses.classOf(SizeClasses.MAX_SMALL)));
    }

    @Test
    void theTableIsPrintable() {
        String t = SizeClasses.table();
        assertEquals(SizeClasses.COUNT, t.lines().count(), t);
    }
}
