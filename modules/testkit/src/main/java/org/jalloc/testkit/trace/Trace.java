package org.jalloc.testkit.trace;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.jalloc.core.spi.Messages;

/**
 * A malloc-lab trace: four header numbers, then ops ({@link Op}).
 *
 * <h2>Reading rules (lenient, as later versions of the lab require)</h2>
 * <ul>
 *   <li>The file is read streaming, line by line (bytes as ISO-8859-1); only the ops are kept, packed in an
 *       {@link OpList} (about 13 bytes per op). A UTF-8 byte-order mark at the start is skipped.</li>
 *   <li>CRLF, LF or CR line ends, surrounding whitespace and blank lines are accepted; lines starting with {@code #}
 *       are comments (a jalloc extension, used for the seed of a shrunk fuzz failure). A line longer than
 *       {@value #MAX_LINE} characters is an error unless it is a comment.</li>
 *   <li>Header: {@code heap-size hint}, {@code number of ids}, {@code number of ops}, {@code weight}, one
 *       non-negative long per line; only the op count is used (it bounds how many ops are read).</li>
 *   <li>Lines beyond the op count are ignored with a warning; fewer ops than announced is a warning too. A trace
 *       holds at most {@value #MAX_OPS} ops.</li>
 *   <li>Ops: ids are in {@code [0, 2147483646]} ({@code f -1} is free(NULL)); sizes, counts and alignments are
 *       non-negative longs; a {@code c} whose count * size overflows a long and an {@code m} whose alignment is not
 *       a power of two are errors (the API would throw: they are bad input, not allocator failures).</li>
 *   <li>Replaying: {@code r} on an id that is not live acts as malloc; ids may be reused after their free; ids
 *       beyond the announced count are accepted (memory does not depend on how large an id is).</li>
 *   <li>Anything else malformed (unknown op, wrong number of fields, a field that is not a number) is a
 *       {@link TraceFormatException} naming the file and line; quoted input is cut to 80 characters.</li>
 * </ul>
 *
 * @param name     file name (or a label)
 * @param hint     the first header number (mdriver's suggested heap size, unused)
 * @param numIds   the second header number
 * @param numOps   the third header number
 * @param weight   the fourth header number (unused)
 * @param ops      the ops read (an {@link OpList})
 * @param warnings what the reader tolerated
 */
public record Trace(String name, long hint, long numIds, long numOps, long weight, List<Op> ops, List<String> warnings) {
    /** The longest line read (comments may be longer: their rest is skipped). */
    public static final int MAX_LINE = 4096;
    /** The most ops a trace may hold (about 650 MB in memory). */
    public static final int MAX_OPS = 50_000_000;

    private static final String[] HEADER = {"heap size hint", "number of ids", "number of ops", "weight"};

    public Trace {
        ops = OpList.copyOf(ops);
        warnings = List.copyOf(warnings);
    }

    /** The ops as packed columns, for loops that should not create an {@link Op} per step. */
    public OpList opList() {
        return (OpList) ops;
    }

    /** A trace built in code; the header is derived from the ops. */
    public static Trace of(String name, List<Op> ops) {
        int ids = ops.stream().mapToInt(Op::id).max().orElse(-1) + 1;
        return new Trace(name, 0, ids, ops.size(), 1, ops, List.of());
    }

    /**
     * Reads a trace file, streaming.
     *
     * @throws UncheckedIOException   when the file cannot be read (the message says why)
     * @throws TraceFormatException   when it is not a trace (the message names the file and line)
     */
    public static Trace read(Path file) {
        String name = String.valueOf(file.getFileName());
        try (InputStream in = Files.newInputStream(file)) {
            return parse(name, new InputStreamReader(in, StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read trace " + file + ": " + reason(e), e);
        }
    }

    /** Why an I/O operation failed, in words ("no such file", "permission denied", or the system's message). */
    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /** Parses trace text; {@code name} appears in error messages. */
    public static Trace parse(String name, String text) {
        try {
            return parse(name, new StringReader(text));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringReader does not fail
        }
    }

    /** Parses a trace from {@code in}, line by line. */
    public static Trace parse(String name, Reader in) throws IOException {
        Lines lines = new Lines(in);
        long[] header = new long[4];
        int headerRead = 0;
        OpList ops = new OpList();
        List<String> warnings = new ArrayList<>();
        long ignored = 0;
        long firstIgnored = 0;
        while (lines.next()) {
            long lineNo = lines.number;
            Tokens t = new Tokens(lines.chars, lines.length);
            boolean comment = t.count > 0 && lines.chars[t.start[0]] == '#';
            if (comment || t.count == 0 && !lines.truncated) {
                continue;
            }
            if (lines.truncated) {
                throw new TraceFormatException(name, lineNo, "line longer than " + MAX_LINE + " characters: "
                        + Messages.quote(t.line()));
            }
            if (headerRead < 4) {
                if (t.count != 1) {
                    throw new TraceFormatException(name, lineNo, "the header takes one number per line (" + HEADER[headerRead]
                            + "), found " + Messages.quote(t.line()));
                }
                long v = number(name, lineNo, t, 0, HEADER[headerRead]);
                if (v < 0) {
                    throw new TraceFormatException(name, lineNo, "header: the " + HEADER[headerRead] + " is negative (" + v + ")");
                }
                header[headerRead++] = v;
                continue;
            }
            if (ops.size() >= header[2]) {
                if (ignored++ == 0) {
                    firstIgnored = lineNo;
                }
                continue;
            }
            if (ops.size() >= MAX_OPS) {
                throw new TraceFormatException(name, lineNo, "more than " + MAX_OPS + " ops: jalloc reads traces of at most "
                        + MAX_OPS + " ops");
            }
            op(name, lineNo, t, ops);
        }
        if (headerRead < 4) {
            throw new TraceFormatException(name, Math.max(1, lines.number), "the header needs 4 numbers, found " + headerRead
                    + (lines.number == 0 ? " (the file is empty)" : ""));
        }
        if (ignored > 0) {
            warnings.add(name + ":" + firstIgnored + ": " + ignored + " line(s) beyond the announced " + header[2] + " ops ignored");
        }
        if (ops.size() < header[2]) {
            warnings.add(name + ": announces " + header[2] + " ops but holds " + ops.size());
        }
        return new Trace(name, header[0], header[1], header[2], header[3], ops, warnings);
    }

    private static void op(String file, long line, Tokens t, OpList ops) {
        char first = t.chars[t.start[0]];
        char kind = Character.toLowerCase(first);
        int fields = t.length(0) != 1 ? -1 : switch (kind) {
            case 'f' -> 2;
            case 'a', 'r', 'x' -> 3;
            case 'c', 'm' -> 4;
            default -> -1;
        };
        if (fields < 0) {
            throw new TraceFormatException(file, line, "unknown op " + Messages.quote(t.token(0)) + " (expected a, f, r, c, m or x)");
        }
        if (t.count != fields) {
            throw new TraceFormatException(file, line, "'" + kind + "' takes " + (fields - 1) + (fields == 2 ? " operand" : " operands")
                    + ", found " + (t.count - 1) + ": " + Messages.quote(t.line()));
        }
        long id = number(file, line, t, 1, "id");
        if (id < (kind == 'f' ? -1 : 0) || id > Integer.MAX_VALUE - 1) {
            throw new TraceFormatException(file, line, "id " + id + " out of range [" + (kind == 'f' ? -1 : 0) + ", "
                    + (Integer.MAX_VALUE - 1) + "]");
        }
        long size = fields >= 3 ? number(file, line, t, fields - 1, kind == 'c' ? "element size" : "size") : 0;
        long arg = fields == 4 ? number(file, line, t, 2, kind == 'c' ? "count" : "alignment") : 0;
        if (size < 0 || arg < 0) {
            throw new TraceFormatException(file, line, "negative operand: " + Messages.quote(t.line()));
        }
        if (kind == 'c' && (Math.multiplyHigh(arg, size) != 0 || arg * size < 0)) {
            throw new TraceFormatException(file, line, "calloc count " + arg + " * size " + size + " overflows a long");
        }
        if (kind == 'm' && Long.bitCount(arg) != 1) {
            throw new TraceFormatException(file, line, "alignment " + arg + " is not a power of two");
        }
        ops.append(kind, (int) id, size, arg);
    }

    /** Token {@code i} as a long; an error naming {@code what} if it is not one. */
    private static long number(String file, long line, Tokens t, int i, String what) {
        int from = t.start[i];
        int to = from + t.length(i);
        int p = from;
        boolean negative = false;
        if (p < to && (t.chars[p] == '-' || t.chars[p] == '+')) {
            negative = t.chars[p] == '-';
            p++;
        }
        if (p == to) {
            throw new TraceFormatException(file, line, what + " " + Messages.quote(t.token(i)) + " is not a number");
        }
        long v = 0;
        for (; p < to; p++) {
            char c = t.chars[p];
            if (c < '0' || c > '9') {
                throw new TraceFormatException(file, line, what + " " + Messages.quote(t.token(i)) + " is not a number");
            }
            int d = c - '0';
            // accumulate negatively, so Long.MIN_VALUE fits
            if (v < (Long.MIN_VALUE + d) / 10) {
                throw new TraceFormatException(file, line, what + " " + Messages.quote(t.token(i)) + " is out of range (a long)");
            }
            v = v * 10 - d;
        }
        if (!negative) {
            if (v == Long.MIN_VALUE) {
                throw new TraceFormatException(file, line, what + " " + Messages.quote(t.token(i)) + " is out of range (a long)");
            }
            v = -v;
        }
        return v;
    }

    /** Whitespace-separated tokens of one line (at most 5 are located; the count goes on). */
    private static final class Tokens {
        final char[] chars;
        final int end;
        final int[] start = new int[5];
        final int[] stop = new int[5];
        int count;

        Tokens(char[] chars, int length) {
            this.chars = chars;
            this.end = length;
            int i = 0;
            while (true) {
                while (i < length && blank(chars[i])) {
                    i++;
                }
                if (i == length) {
                    break;
                }
                int s = i;
                while (i < length && !blank(chars[i])) {
                    i++;
                }
                if (count < start.length) {
                    start[count] = s;
                    stop[count] = i;
                }
                count++;
            }
        }

        static boolean blank(char c) {
            return c == ' ' || c == '\t' || c == '\u000B' || c == '\f';
        }

        int length(int i) {
            return stop[i] - start[i];
        }

        String token(int i) {
            return new String(chars, start[i], length(i));
        }

        /** The line without surrounding whitespace. */
        String line() {
            if (count == 0) {
                return "";
            }
            int e = end;
            while (e > start[0] && blank(chars[e - 1])) {
                e--;
            }
            return new String(chars, start[0], e - start[0]);
        }
    }

    /**
     * Lines of a reader: LF, CRLF or CR ends; at most {@link #MAX_LINE} characters of a line are kept
     * ({@code truncated} says the rest was skipped); a UTF-8 byte-order mark at the start (read as ISO-8859-1, or
     * decoded) is skipped.
     */
    private static final class Lines {
        private final Reader in;
        private final char[] buffer = new char[1 << 16];
        private int pos;
        private int limit;
        private boolean pendingCr;
        final char[] chars = new char[MAX_LINE];
        int length;
        boolean truncated;
        long number;

        Lines(Reader in) throws IOException {
            this.in = in;
            fill();
            if (limit > 0 && buffer[0] == '\uFEFF') {
                pos = 1;
            } else if (limit >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF) {
                pos = 3;
            }
        }

        /** Fills the buffer with at least 3 characters unless the input ends first. */
        private void fill() throws IOException {
            while (limit < 3) {
                int n = in.read(buffer, limit, buffer.length - limit);
                if (n < 0) {
                    return;
                }
                limit += n;
            }
        }

        private int read() throws IOException {
            if (pos == limit) {
                int n = in.read(buffer, 0, buffer.length);
                pos = 0;
                limit = Math.max(0, n);
                if (n <= 0) {
                    return -1;
                }
            }
            return buffer[pos++];
        }

        boolean next() throws IOException {
            length = 0;
            truncated = false;
            int c = read();
            if (pendingCr) {
                pendingCr = false;
                if (c == '\n') {
                    c = read();
                }
            }
            if (c < 0) {
                return false;
            }
            while (c >= 0 && c != '\n' && c != '\r') {
                if (length < chars.length) {
                    chars[length++] = (char) c;
                } else {
                    truncated = true;
                }
                c = read();
            }
            pendingCr = c == '\r';
            number++;
            return true;
        }
    }

    /** The trace in its text format (header, then one op per line), with optional leading comment lines. */
    public String format(List<String> comments) {
        StringWriter w = new StringWriter();
        try {
            write(w, comments);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return w.toString();
    }

    /** Writes the trace in its text format to {@code out} (buffered here; flushed, not closed). */
    public void write(Writer out, List<String> comments) throws IOException {
        BufferedWriter w = new BufferedWriter(out, 1 << 16);
        for (String c : comments) {
            w.append("# ").append(c).append('\n');
        }
        w.append(Long.toString(hint)).append('\n').append(Long.toString(numIds)).append('\n')
                .append(Integer.toString(ops.size())).append('\n').append(Long.toString(weight)).append('\n');
        for (Op op : ops) {
            w.append(op.toString()).append('\n');
        }
        w.flush();
    }

    /** The {@code *.rep} files of a folder (not recursive) in name order, or the file itself. */
    public static List<Path> files(Path path) {
        if (!Files.isDirectory(path)) {
            return List.of(path);
        }
        try (var s = Files.list(path)) {
            return s.filter(p -> String.valueOf(p.getFileName()).endsWith(".rep") && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + path + ": " + reason(e), e);
        }
    }
}
