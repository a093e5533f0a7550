package org.jalloc.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.Test;

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
}
