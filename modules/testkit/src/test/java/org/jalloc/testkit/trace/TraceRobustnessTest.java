package org.jalloc.testkit.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 15, defects 5, 6 and 10: hostile traces end in a result or one clear TraceFormatException. */
class TraceRobustnessTest {
    @TempDir
    Path dir;

    private static TraceFormatException bad(String text) {
        return assertThrows(TraceFormatException.class, () -> Trace.parse("bad.rep", text), text.length() > 100 ? text.substring(0, 100) : text);
    }

    @Test
    void negativeHeaderValuesAreRejected() {
        TraceFormatException e = bad("0\n1\n-5\n1\na 0 16\n");
        assertEquals("bad.rep:3: header: the number of ops is negative (-5)", e.getMessage());
        assertTrue(bad("-1\n1\n1\n1\na 0 16\n").getMessage().startsWith("bad.rep:1: header: the heap size hint is negative"));
        assertTrue(bad("0\n-1\n1\n1\na 0 16\n").getMessage().startsWith("bad.rep:2:"));
        assertTrue(bad("0\n1\n1\n-1\na 0 16\n").getMessage().startsWith("bad.rep:4:"));
        assertTrue(bad("0\n1\n99999999999999999999\n1\n").getMessage().contains("out of range"));
        assertTrue(bad("0\n1 2\n1\n1\n").getMessage().contains("one number per line"));
    }

    @Test
    void aUtf8ByteOrderMarkIsSkipped() throws IOException {
        byte[] bytes = "\u00ef\u00bb\u00bf0\n1\n2\n1\na 0 16\nf 0\n".getBytes(StandardCharsets.ISO_8859_1);
        Path p = dir.resolve("bom.rep");
        Files.write(p, bytes);
        assertEquals(List.of(Op.malloc(0, 16), Op.free(0)), Trace.read(p).ops());
        assertEquals(2, Trace.parse("bom.rep", "\uFEFF0\n1\n2\n1\na 0 16\nf 0\n").ops().size(), "a decoded BOM too");
        assertEquals(2, Trace.parse("bom.rep", "\u00ef\u00bb\u00bf0\r\n1\r\n2\r\n1\r\na 0 16\r\nf 0\r\n").ops().size(), "with CRLF");
        assertTrue(bad("0\n\u00ef\u00bb\u00bf1\n1\n1\n").getMessage().contains("'\\xef\\xbb\\xbf1' is not a number"), "only at the start");
    }

    @Test
    void crOnlyAndMixedLineEndsAndNoFinalNewline() {
        assertEquals(2, Trace.parse("t.rep", "0\r1\r2\r1\ra 0 16\rf 0").ops().size());
        assertEquals(2, Trace.parse("t.rep", "0\r\n1\n2\r1\r\n\r\na 0 16\n\rf 0").ops().size());
    }

    @Test
    void hugeIdsAreAccepted() {
        Trace t = Trace.parse("t.rep", "0\n1\n2\n1\na 2147483646 16\nf 2147483646\n");
        assertEquals(2_147_483_646, t.ops().get(0).id());
        assertTrue(bad("0\n1\n1\n1\na 2147483647 16\n").getMessage().contains("id 2147483647 out of range [0, 2147483646]"));
        assertTrue(bad("0\n1\n1\n1\nf -2\n").getMessage().contains("out of range [-1, 2147483646]"));
        assertTrue(bad("0\n1\n1\n1\na 99999999999999999999 16\n").getMessage().contains("id '99999999999999999999' is out of range"));
    }

    @Test
    void invalidRequestsAreInputErrorsNamingTheLine() {
        assertEquals("bad.rep:5: calloc count 9223372036854775807 * size 2 overflows a long",
                bad("0\n1\n1\n1\nc 0 9223372036854775807 2\n").getMessage());
        assertEquals("bad.rep:5: calloc count 4294967296 * size 4294967296 overflows a long",
                bad("0\n1\n1\n1\nc 0 4294967296 4294967296\n").getMessage());
        assertEquals("bad.rep:6: alignment 24 is not a power of two", bad("0\n1\n2\n1\na 0 1\nm 1 24 16\n").getMessage());
        assertTrue(bad("0\n1\n1\n1\nm 0 0 16\n").getMessage().contains("alignment 0 is not a power of two"));
        assertEquals(Long.MAX_VALUE, Trace.parse("t.rep", "0\n1\n1\n1\na 0 9223372036854775807\n").ops().get(0).size(),
                "a huge size is a valid request (malloc returns 0)");
        assertEquals(1L << 62, Trace.parse("t.rep", "0\n1\n1\n1\nc 0 2 2305843009213693952\n").ops().get(0).requested());
    }

    @Test
    void quotedInputIsCutAndEscaped() {
        String longLine = "a".repeat(3_000_000);
        TraceFormatException e = bad(longLine);
        assertTrue(e.getMessage().length() < 200, e.getMessage().length() + " characters");
        assertTrue(e.getMessage().startsWith("bad.rep:1: line longer than 4096 characters: 'aaaa"), e.getMessage());
        assertTrue(e.getMessage().endsWith("…'"), e.getMessage());
        e = bad("0\n1\n1\n1\na 0 " + "9".repeat(5000) + "\n");
        assertTrue(e.getMessage().length() < 200, e.getMessage());
        e = bad("0\n1\n1\n1\n\0\1\2\u00ff\n");
        assertEquals("bad.rep:5: unknown op '\\x00\\x01\\x02\\xff' (expected a, f, r, c, m or x)", e.getMessage());
        e = bad("0\n1\n1\n1\na 0 16 " + "x".repeat(1000) + "\n");
        assertTrue(e.getMessage().contains("'a' takes 2 operands, found 3") && e.getMessage().length() < 200, e.getMessage());
        e = bad(" ".repeat(5000) + "a 0 1\n");
        assertTrue(e.getMessage().contains("line longer than"), "blank to the cut is not a blank line: " + e.getMessage());
    }

    @Test
    void longCommentsAreSkipped() {
        Trace t = Trace.parse("t.rep", "# " + "c".repeat(100_000) + "\n0\n1\n1\n1\na 0 16\n");
        assertEquals(1, t.ops().size());
    }

    @Test
    void emptyAndTruncatedFilesSayWhatIsMissing() {
        assertEquals("bad.rep:1: the header needs 4 numbers, found 0 (the file is empty)", bad("").getMessage());
        assertTrue(bad("0\n1\n").getMessage().contains("the header needs 4 numbers, found 2"));
        assertTrue(bad("\n\n\n").getMessage().contains("found 0"));
        Trace t = Trace.parse("t.rep", "0\n1\n5\n1\na 0 16\nf 0");
        assertEquals(2, t.ops().size());
        assertTrue(t.warnings().get(0).contains("announces 5 ops but holds 2"));
        assertTrue(bad("0\n1\n2\n1\na 0 16\nf").getMessage().startsWith("bad.rep:6: 'f' takes 1 operand, found 0"));
    }

    @Test
    void readingStreamsAndUnreadableFilesSayWhy() throws IOException {
        // a reader that fails after the header: the error is an I/O error, not a format error
        Reader failing = new Reader() {
            int calls;

            @Override
            public int read(char[] buf, int off, int len) throws IOException {
                if (calls++ > 0) {
                    throw new IOException("device went away");
                }
                String s = "0\n1\n1\n1\n";
                s.getChars(0, s.length(), buf, off);
                return s.length();
            }

            @Override
            public void close() {}
        };
        assertThrows(IOException.class, () -> Trace.parse("t.rep", failing));
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> Trace.read(dir.resolve("missing.rep")));
        assertTrue(e.getMessage().endsWith("missing.rep: no such file"), e.getMessage());
        UncheckedIOException d = assertThrows(UncheckedIOException.class, () -> Trace.read(dir));
        assertTrue(d.getMessage().startsWith("cannot read trace"), d.getMessage());
    }

    @Test
    void aLargeTraceIsPackedNotKeptAsText() throws IOException {
        Trace g = TraceGenerator.generate("full-api", 200_000, 5);
        Path p = dir.resolve("big.rep");
        try (var w = Files.newBufferedWriter(p, StandardCharsets.ISO_8859_1)) {
            g.write(w, List.of("big"));
        }
        Trace t = Trace.read(p);
        assertEquals(g.ops(), t.ops());
        assertTrue(t.ops() instanceof OpList);
        assertEquals(g.ops().get(199_999), t.opList().get(199_999));
    }
}
