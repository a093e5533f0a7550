package org.jalloc.core.pagemap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The one radix page map: entries, empty answers out of range, leaves made on first use, the byte estimates. */
class RadixPageMapTest {
    private static final long[] HOSTILE = {-1, -4096, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 52, -1L >>> 12, 1L << 31, 1L << 32};

    @Test
    void wordsAreReadBackAndEveryOtherPageIsEmpty() {
        RadixPageMap.Words m = new RadixPageMap.Words(5000, 9);
        assertEquals(10, m.rootLength(), "ceil(5000 / 512)");
        assertEquals(0, m.leaves());
        m.setRange(600, 30, 7, -64);
        assertEquals(7, m.get(600));
        for (long p = 601; p < 630; p++) {
            assertEquals(-64, m.get(p), "tail page " + p);
        }
        assertEquals(0, m.get(599));
        assertEquals(0, m.get(630));
        assertEquals(1, m.leaves(), "pages 600..629 lie in leaf 1");
        m.set(600, 0);
        assertEquals(0, m.get(600), "0 clears");
    }

    @Test
    void outOfRangePagesReadEmptyAndAreNeverTruncatedIntoRange() {
        RadixPageMap.Words words = new RadixPageMap.Words(1024, 9);
        RadixPageMap.Refs<String> refs = new RadixPageMap.Refs<>(1024, 10);
        for (long p = 0; p < 1024; p++) {
            words.set(p, p + 1);
        }
        refs.set(0, 1024, "span");
        for (long p : HOSTILE) {
            assertEquals(0, words.get(p), "page " + p);
            assertNull(refs.get(p), "page " + p);
        }
        // a page whose low 32 bits name a mapped page: compared as a long, so not taken for page 5
        assertEquals(0, words.get((1L << 32) + 5));
        assertNull(refs.get((1L << 32) + 5));
        assertEquals(6, words.get(5));
        assertThrows(IndexOutOfBoundsException.class, () -> words.set(1024, 1), "writes outside the map are bugs");
        assertThrows(IndexOutOfBoundsException.class, () -> refs.set(2048, 1, "x"));
    }

    @Test
    void leavesGrowOnFirstUseAndEmptyWritesCreateNone() {
        RadixPageMap.Refs<Object> m = new RadixPageMap.Refs<>(1L << 20, 10);
        assertEquals(1024, m.rootLength());
        assertEquals(16 + 4 * 1024, m.bytes(), "the root alone");
        m.set(5000, 3000, null);
        assertEquals(0, m.leaves(), "clearing absent leaves creates none");
        Object span = new Object();
        m.set(1023, 2, span); // straddles leaves 0 and 1
        assertEquals(2, m.leaves());
        assertSame(span, m.get(1023));
        assertSame(span, m.get(1024));
        assertNull(m.get(1025));
        assertEquals(16 + 4 * 1024 + 2 * (16 + 4 * 1024), m.bytes());
        m.set(1023, 2, null);
        assertNull(m.get(1023));
        assertEquals(2, m.leaves(), "leaves stay once made");

        RadixPageMap.Words w = new RadixPageMap.Words(4097, 9);
        assertEquals(9, w.rootLength());
        w.set(4096, 0);
        assertEquals(0, w.leaves(), "0 into an absent leaf creates none");
        w.set(4096, 1);
        assertEquals(1, w.leaves());
        assertEquals(512 * 8 + 9 * 8, w.bytes());
    }

    @Test
    void geometryIsChecked() {
        assertThrows(IllegalArgumentException.class, () -> new RadixPageMap.Words(10, 0));
        assertThrows(IllegalArgumentException.class, () -> new RadixPageMap.Words(-1, 9));
        assertThrows(IllegalArgumentException.class, () -> new RadixPageMap.Refs<>(Long.MAX_VALUE, 1));
        assertEquals(0, new RadixPageMap.Words(0, 9).rootLength());
        assertEquals(0, new RadixPageMap.Words(0, 9).get(0), "an empty map answers empty");
    }
}
