package org.jalloc.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.Test;

/** The payload patterns behind HEAP-7 and API-2: unique per block and chunk, written only where asked. */
class PatternsTest {
    private final Patterns patterns = new Patterns();

    @Test
    void writtenPatternsVerifyAcrossChunkBoundariesAndPrefixesStayValid() {
        try (Heap heap = Heap.reserve(1 << 20)) {
            heap.sbrk(64 << 10);
            long p = heap.start() + 16;
            patterns.write(heap, p, 7, 0, 10_000);
            assertEquals(-1, patterns.firstMismatch(heap, p, 7, 0, 10_000));
            patterns.write(heap, p, 7, 10_000, 20_001); // growth writes only the extension
            assertEquals(-1, patterns.firstMismatch(heap, p, 7, 0, 20_001));
            assertNotEquals(-1, patterns.firstMismatch(heap, p, 8, 0, 64), "another tag's pattern differs");
            heap.putByte(p + 8191, (byte) ~heap.getByte(p + 8191));
            assertEquals(8191, patterns.firstMismatch(heap, p, 7, 0, 20_001));
            assertEquals(8191, patterns.firstMismatch(heap, p, 7, 100, 20_001));
            assertEquals(-1, patterns.firstMismatch(heap, p, 7, 8192, 20_001));
        }
    }

    @Test
    void chunksOfOneBlockDiffer() {
        try (Heap heap = Heap.reserve(1 << 20)) {
            heap.sbrk(64 << 10);
            long p = heap.start();
            patterns.write(heap, p, 3, 0, 8192);
            assertNotEquals(heap.getLong(p), heap.getLong(p + 4096));
            assertEquals(heap.getLong(p + 8), heap.getLong(p + 4096 + 8));
            assertEquals(heap.getByte(p + 4097) & 0xFF, patterns.expectedByte(3, 4097));
        }
    }

    @Test
    void aWriteTouchesOnlyItsRange() {
        try (Heap heap = Heap.reserve(1 << 20)) {
            heap.sbrk(64 << 10);
            long p = heap.start() + 64;
            patterns.write(heap, p, 5, 0, 100);
            patterns.write(heap, p, 5, 5000, 5100);
            assertEquals(-1, patterns.firstMismatch(heap, p, 5, 0, 100));
            assertEquals(-1, patterns.firstMismatch(heap, p, 5, 5000, 5100));
            for (long off : new long[] {-1, 100, 4095, 4096, 4999, 5100, 8191}) {
                assertEquals(0, heap.getByte(p + off), "byte at offset " + off);
            }
        }
    }

    @Test
    void oneInstanceAlternatingBetweenTagsWritesWhatAFreshOneVerifies() {
        try (Heap heap = Heap.reserve(1 << 20)) {
            heap.sbrk(64 << 10);
            long p = heap.start();
            long q = heap.start() + 16384;
            for (long from = 0; from < 12288; from += 4096) {
                patterns.write(heap, p, 7, from, from + 4096);
                patterns.write(heap, q, 8, from, from + 4096);
            }
            Patterns fresh = new Patterns();
            assertEquals(-1, fresh.firstMismatch(heap, p, 7, 0, 12288));
            assertEquals(-1, new Patterns().firstMismatch(heap, q, 8, 0, 12288));
            assertEquals(8, fresh.firstMismatch(heap, p, 8, 8, 12288), "the words after the first differ between tags");
        }
    }

    @Test
    void everyWordOfTheFirstChunksOfManyBlocksIsDistinctAndNonZero() {
        try (Heap heap = Heap.reserve(1 << 20)) {
            heap.sbrk(8192);
            long p = heap.start();
            Set<Long> words = new HashSet<>();
            for (long tag = 1; tag <= 64; tag++) {
                patterns.write(heap, p, tag, 0, 8192);
                for (long off = 0; off < 8192; off += 8) {
                    long w = heap.getLong(p + off);
                    assertNotEquals(0, w);
                    // every word of a chunk but the first repeats in the next chunk of the same block
                    if (off < 4096 || off == 4096) {
                        assertTrue(words.add(w), "tag " + tag + " offset " + off + " repeats a word");
                    }
                }
            }
            assertEquals(64 * 513, words.size());
        }
    }
}
