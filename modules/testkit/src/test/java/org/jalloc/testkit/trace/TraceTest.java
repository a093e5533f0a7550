package org.jalloc.testkit.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The lenient reading rules of the malloc-lab format and its jalloc extensions. */
class TraceTest {
    @Test
    void readsTheClassicFormat() {
        Trace t = Trace.parse("t.rep", "20000\n3\n5\n1\na 0 2040\na 1 10\nr 0 4000\nf 1\nf 0\n");
        assertEquals(20000, t.hint());
        assertEquals(3, t.numIds());
        assertEquals(5, t.numOps());
        assertEquals(List.of(Op.malloc(0, 2040), Op.malloc(1, 10), Op.realloc(0, 4000), Op.free(1), Op.free(0)), t.ops());
        assertTrue(t.warnings().isEmpty());
    }

    @Test
    void toleratesCrlfWhitespaceBlankLinesAndComments() {
        Trace t = Trace.parse("t.rep", "# comment\r\n 100 \r\n\r\n1\r\n  2\r\n1\r\n\ta   0   16 \r\n\r\nf 0\r\n");
        assertEquals(List.of(Op.malloc(0, 16), Op.free(0)), t.ops());
    }

    @Test
    void headerNumbersAreLongs() {
        Trace t = Trace.parse("t.rep", "9999999999999\n1\n1\n1\na 0 5000000000\n");
        assertEquals(9_999_999_999_999L, t.hint());
        assertEquals(5_000_000_000L, t.ops().get(0).size());
    }

    @Test
    void linesBeyondTheOpCountAreIgnoredWithAWarning() {
        Trace t = Trace.parse("t.rep", "0\n1\n1\n1\na 0 8\nf 0\nf 0\n");
        assertEquals(1, t.ops().size());
        assertEquals(1, t.warnings().size());
        assertTrue(t.warnings().get(0).contains("t.rep:6: 2 line(s) beyond"), t.warnings().get(0));
    }

    @Test
    void fewerOpsThanAnnouncedIsAWarning() {
        Trace t = Trace.parse("t.rep", "0\n1\n3\n1\na 0 8\n");
        assertEquals(1, t.ops().size());
        assertTrue(t.warnings().get(0).contains("announces 3 ops but holds 1"));
    }

    @Test
    void readsTheExtendedOpsAndFreeOfNull() {
        Trace t = Trace.parse("t.rep", "0\n3\n5\n1\nc 0 4 16\nm 1 4096 100\nx 1 200\nf -1\nr 2 50\n");
        assertEquals(List.of(Op.calloc(0, 4, 16), Op.aligned(1, 4096, 100), Op.expand(1, 200), Op.free(-1), Op.realloc(2, 50)), t.ops());
        assertEquals(64, t.ops().get(0).requested());
    }

    @Test
    void malformedLinesNameTheFileAndLine() {
        String[] bad = {
            "0\n1\n1\n1\nq 0 8\n", "0\n1\n1\n1\na 0\n", "0\n1\n1\n1\na x 8\n", "0\n1\n1\n1\na 0 -8\n",
            "0\n1\n1\n1\nf 0 8\n", "0\n1\n1\n1\nm 0 8\n", "0\n1\n1\n1\na -1 8\n", "0\nten\n1\n1\na 0 8\n", "0\n1\n"};
        for (String text : bad) {
            TraceFormatException e = assertThrows(TraceFormatException.class, () -> Trace.parse("bad.rep", text), text);
            assertTrue(e.getMessage().startsWith("bad.rep:"), e.getMessage());
        }
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> Trace.parse("bad.rep", "0\n1\n2\n1\na 0 8\nz 0\n"));
        assertTrue(e.getMessage().startsWith("bad.rep:6:"), e.getMessage());
    }

    @Test
    void formatRoundTrips() {
        Trace t = Trace.of("x.rep", List.of(Op.malloc(0, 8), Op.calloc(1, 2, 3), Op.aligned(2, 64, 9), Op.expand(0, 30), Op.free(0)));
        Trace back = Trace.parse("x.rep", t.format(List.of("seed 3")));
        assertEquals(t.ops(), back.ops());
        assertEquals(3, back.numIds());
    }
}
