package org.jalloc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

import org.jalloc.testkit.json.Json;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15: every input in {@code src/test/resources/bad-input/cases.tsv} (malformed traces, hostile flag values)
 * ends with the exit code and the message the manifest names, one stderr line for exit 2, no stack trace, and
 * with {@code --json} only valid JSON objects on the lines that start with '{'.
 */
class BadInputCorpusTest {
    private static final Set<String> JSON_COMMANDS = Set.of("fuzz", "replay", "stats", "list", "check-rate", "gc-fuzz", "fragmentation", "heapmap", "trim");

    @TempDir
    static Path tmp;

    record Case(int line, int exit, String message, List<String> args) {
        @Override
        public String toString() {
            return "cases.tsv:" + line + " " + String.join(" ", args);
        }
    }

    static Path corpus() throws URISyntaxException {
        URL u = Objects.requireNonNull(BadInputCorpusTest.class.getResource("/bad-input/cases.tsv"), "bad-input/cases.tsv on the class path");
        return Path.of(u.toURI()).getParent();
    }

    static List<Case> cases() throws IOException, URISyntaxException {
        List<String> lines = Files.readAllLines(corpus().resolve("cases.tsv"), StandardCharsets.UTF_8);
        List<Case> cases = new ArrayList<>();
        for (int n = 0; n < lines.size(); n++) {
            String l = lines.get(n);
            if (l.isBlank() || l.startsWith("#")) {
                continue;
            }
            String[] f = l.split("\t", -1);
            cases.add(new Case(n + 1, Integer.parseInt(f[0]), f[1], List.of(Arrays.copyOfRange(f, 2, f.length))));
        }
        return cases;
    }

    private static String resolve(String s, Path corpus) {
        if (s.equals("<empty>")) {
            return "";
        }
        if (s.startsWith("@gen/")) {
            return tmp.resolve("gen").resolve(s.substring(5)).toString();
        }
        s = s.replace("@tmp", tmp.resolve("t").toString());
        if (s.startsWith("@")) {
            return corpus.resolve(s.substring(1)).toString();
        }
        return s;
    }

    private static void writeGenerated() throws IOException {
        Path gen = Files.createDirectories(tmp.resolve("gen"));
        Files.createDirectories(tmp.resolve("t"));
        if (!Files.exists(gen.resolve("long-line.rep"))) {
            byte[] a = new byte[10 << 20];
            Arrays.fill(a, (byte) 'a');
            Files.write(gen.resolve("long-line.rep"), a);
            Files.writeString(gen.resolve("long-comment.rep"), "# " + "c".repeat(1 << 20) + "\n0\n1\n2\n1\na 0 16\nf 0\n");
        }
    }

    @TestFactory
    Stream<DynamicTest> everyCaseEndsAsTheManifestSays() throws IOException, URISyntaxException {
        writeGenerated();
        Path corpus = corpus();
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> {
            if (c.args().contains("/dev/full") && !Files.isWritable(Path.of("/dev/full"))) {
                return; // not every system has /dev/full; the case is about a full device
            }
            List<String> args = c.args().stream().map(a -> resolve(a, corpus)).toList();
            CliRun r = CliRun.of(args);
            check(c, r, false);
            if (!args.isEmpty() && JSON_COMMANDS.contains(args.get(0)) && !args.contains("--json")) {
                List<String> withJson = new ArrayList<>(args);
                withJson.add(1, "--json");
                CliRun j = CliRun.of(withJson);
                assertEquals(r.exit(), j.exit(), "the same exit code with --json: " + j.err());
                check(c, j, true);
            }
        }));
    }

    private static void check(Case c, CliRun r, boolean json) throws URISyntaxException {
        String where = c + (json ? " --json" : "") + "\nstdout: " + cut(r.out()) + "\nstderr: " + cut(r.err());
        assertEquals(c.exit(), r.exit(), where);
        String expected = c.message().replace("@tmp", tmp.resolve("t").toString());
        if (!expected.equals("-")) {
            assertTrue(r.err().contains(expected), "stderr should contain: " + expected + "\n" + where);
        }
        assertFalse(r.err().contains("\tat "), "a stack trace: " + where);
        assertFalse(r.err().contains("Exception in thread"), where);
        assertFalse(r.err().lines().anyMatch(l -> l.startsWith("jalloc: internal error")), where);
        if (r.exit() == 2) {
            assertEquals(1, r.err().lines().count(), "one line for a usage or input error: " + where);
            assertTrue(r.err().length() < 600, "a short line: " + where);
        }
        for (String line : r.out().lines().toList()) {
            if (json && line.startsWith("{")) {
                assertInstanceOf(Map.class, Json.parse(line), line); // one JSON object, strictly (RFC 8259)
            }
        }
        if (json) {
            assertTrue(r.out().lines().filter(l -> !l.startsWith("{")).noneMatch(l -> l.contains("{\"")),
                    "only whole lines are JSON: " + where);
        }
    }

    private static String cut(String s) {
        return s.length() > 2000 ? s.substring(0, 2000) + "…" : s;
    }

    @Test
    void theManifestCoversEveryFileOfTheCorpus() throws IOException, URISyntaxException {
        Path corpus = corpus();
        String manifest = Files.readString(corpus.resolve("cases.tsv"));
        try (Stream<Path> files = Files.list(corpus)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".rep")).toList()) {
                assertTrue(manifest.contains("@" + f.getFileName() + "\t") || manifest.endsWith("@" + f.getFileName() + "\n"),
                        f.getFileName() + " is in cases.tsv");
            }
        }
    }

    @Test
    void aWriteErrorOnStandardOutputIsOneLineAndExitTwo() {
        Writer full = new Writer() {
            @Override
            public void write(char[] buf, int off, int len) throws IOException {
                throw new IOException("No space left on device");
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        StringWriter err = new StringWriter();
        int exit = Main.run(new String[] {"gen", "--pattern", "larson", "--ops", "100", "--out", "-"}, new Main.StdOut(full),
                new PrintWriter(err, true));
        assertEquals(2, exit);
        assertEquals("jalloc: cannot write standard output: No space left on device", err.toString().strip());
        err.getBuffer().setLength(0);
        exit = Main.run(new String[] {"list", "--json"}, new Main.StdOut(full), new PrintWriter(err, true));
        assertEquals(2, exit);
        assertEquals("jalloc: cannot write standard output: No space left on device", err.toString().strip());
    }

    @Test
    void anUnexpectedExceptionIsOneLineNamingItAndHowToSeeTheStackTrace() {
        StringWriter err = new StringWriter();
        int exit = Main.failure(new IllegalStateException("boom\nsecond line"), new PrintWriter(err, true));
        assertEquals(Main.FAILED, exit);
        assertEquals("jalloc: internal error: java.lang.IllegalStateException: boom; second line (a bug in jalloc; run with"
                + " JALLOC_STACKTRACE=1 for the stack trace)", err.toString().strip());
        err.getBuffer().setLength(0);
        assertEquals(Main.FAILED, Main.failure(new OutOfMemoryError("Java heap space"), new PrintWriter(err, true)));
        assertEquals("jalloc: out of memory (Java heap): Java heap space", err.toString().strip());
    }
}
