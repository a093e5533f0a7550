package org.jalloc.testkit.trace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A malloc-lab trace: four header numbers, then ops ({@link Op}).
 *
 * <h2>Reading rules (lenient, as later versions of the lab require)</h2>
 * <ul>
 *   <li>CRLF or LF line ends, surrounding whitespace and blank lines are accepted; lines starting with {@code #}
 *       are comments (a jalloc extension, used for the seed of a shrunk fuzz failure).</li>
 *   <li>Header: {@code heap-size hint}, {@code number of ids}, {@code number of ops}, {@code weight}, each parsed as
 *       a long; only the op count is used (it bounds how many ops are read).</li>
 *   <li>Lines beyond the op count are ignored with a warning; fewer ops than announced is a warning too.</li>
 *   <li>Replaying: {@code r} on an id that is not live acts as malloc; {@code f -1} is free(NULL); ids may be
 *       reused after their free; ids beyond the announced count are accepted.</li>
 *   <li>A malformed line (unknown op, wrong number of fields, a field that is not a number, a negative size) is a
 *       {@link TraceFormatException} naming the file and line.</li>
 * </ul>
 *
 * @param name     file name (or a label)
 * @param hint     the first header number (mdriver's suggested heap size, unused)
 * @param numIds   the second header number
 * @param numOps   the third header number
 * @param weight   the fourth header number (unused)
 * @param ops      the ops read
 * @param warnings what the reader tolerated
 */
public record Trace(String name, long hint, long numIds, long numOps, long weight, List<Op> ops, List<String> warnings) {
    public Trace {
        ops = List.copyOf(ops);
        warnings = List.copyOf(warnings);
    }

    /** A trace built in code; the header is derived from the ops. */
    public static Trace of(String name, List<Op> ops) {
        int ids = ops.stream().mapToInt(Op::id).max().orElse(-1) + 1;
        return new Trace(name, 0, ids, ops.size(), 1, ops, List.of());
    }

    public static Trace read(Path file) {
        try {
            return parse(String.valueOf(file.getFileName()), Files.readString(file, StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read trace " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses trace text; {@code name} appears in error messages. */
    public static Trace parse(String name, String text) {
        String[] lines = text.split("\r?\n|\r", -1);
        long[] header = new long[4];
        int headerRead = 0;
        List<Op> ops = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        int ignored = 0;
        int firstIgnored = 0;
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (headerRead < 4) {
                header[headerRead++] = number(name, lineNo, line, "header value");
                continue;
            }
            if (ops.size() >= header[2]) {
                if (ignored++ == 0) {
                    firstIgnored = lineNo;
                }
                continue;
            }
            ops.add(op(name, lineNo, line));
        }
        if (headerRead < 4) {
            throw new TraceFormatException(name, lines.length, "the header needs 4 numbers, found " + headerRead);
        }
        if (ignored > 0) {
            warnings.add(name + ":" + firstIgnored + ": " + ignored + " line(s) beyond the announced " + header[2] + " ops ignored");
        }
        if (ops.size() < header[2]) {
            warnings.add(name + ": announces " + header[2] + " ops but holds " + ops.size());
        }
        return new Trace(name, header[0], header[1], header[2], header[3], ops, warnings);
    }

    private static long number(String file, int line, String text, String what) {
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new TraceFormatException(file, line, what + " '" + text + "' is not a number");
        }
    }

    private static Op op(String file, int line, String text) {
        String[] f = text.split("\\s+");
        if (f[0].length() != 1) {
            throw new TraceFormatException(file, line, "unknown op '" + f[0] + "' (expected a, f, r, c, m or x)");
        }
        char kind = f[0].toLowerCase(Locale.ROOT).charAt(0);
        int fields = switch (kind) {
            case 'f' -> 2;
            case 'a', 'r', 'x' -> 3;
            case 'c', 'm' -> 4;
            default -> throw new TraceFormatException(file, line, "unknown op '" + f[0] + "' (expected a, f, r, c, m or x)");
        };
        if (f.length != fields) {
            throw new TraceFormatException(file, line, "'" + kind + "' takes " + (fields - 1) + " operands: " + text);
        }
        long id = number(file, line, f[1], "id");
        if (id < (kind == 'f' ? -1 : 0) || id > Integer.MAX_VALUE - 1) {
            throw new TraceFormatException(file, line, "id " + id + " out of range");
        }
        long size = fields >= 3 ? number(file, line, f[fields - 1], "size") : 0;
        long arg = fields == 4 ? number(file, line, f[2], kind == 'c' ? "count" : "alignment") : 0;
        if (size < 0 || arg < 0) {
            throw new TraceFormatException(file, line, "negative operand: " + text);
        }
        return new Op(kind, (int) id, size, arg);
    }

    /** The trace in its text format (header, then one op per line), with optional leading comment lines. */
    public String format(List<String> comments) {
        StringBuilder sb = new StringBuilder();
        for (String c : comments) {
            sb.append("# ").append(c).append('\n');
        }
        sb.append(hint).append('\n').append(numIds).append('\n').append(ops.size()).append('\n').append(weight).append('\n');
        for (Op op : ops) {
            sb.append(op).append('\n');
        }
        return sb.toString();
    }

    /** The {@code *.rep} files of a folder (not recursive) in name order, or the file itself. */
    public static List<Path> files(Path path) {
        if (!Files.isDirectory(path)) {
            return List.of(path);
        }
        try (var s = Files.list(path)) {
            return s.filter(p -> String.valueOf(p.getFileName()).endsWith(".rep") && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + path + ": " + e.getMessage(), e);
        }
    }
}
