package org.jalloc.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A ten-million-object linked list is marked (and, for the compactors, slid) without recursion: the mark stack is
 * an explicit array, so the Java stack never grows with the list. Unchecked mode, as a program would run it.
 */
class LongListTest {
    static final int N = 10_000_000;

    @ParameterizedTest
    @ValueSource(strings = {"mark-sweep", "mark-compact", "handles"})
    void tenMillionNodesAreCollectedWithoutAStackOverflow(String collector) {
        // 32-byte nodes: 320 MB of objects (mark-sweep: plus tlsf's block headers); pages are touched only as used.
        try (Collector c = Collectors.create(collector + ":gogc=off", null, 1L << 30)) {
            int link = c.types().define("link", 1, 0);
            Mutator m = c.mutator();
            m.pushFrame(1);
            for (int i = 0; i < N; i++) {
                long x = m.allocate(link);
                m.setRef(x, 0, m.local(0));
                m.setLocal(0, x);
            }
            m.allocate(link); // one garbage node at the end, so something moves / is swept
            m.collect();
            assertEquals(N, m.stats().liveObjects());
            assertEquals(1, m.stats().objectsReclaimed());
            long x = m.local(0);
            int n = 0;
            while (x != 0) {
                n++;
                x = m.getRef(x, 0);
            }
            assertEquals(N, n, "the list is intact after the collection");
            m.setLocal(0, 0);
            m.collect();
            assertEquals(0, m.stats().liveObjects());
        }
    }
}
