package org.jalloc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code --json} line of every command that prints one is a public contract: its keys, their order, the JSON type
 * of each value and every value that does not depend on the clock or the machine must stay byte for byte what the CLI
 * printed before its JSON moved to Jackson (issue 16). The golden lines under {@code src/test/resources/golden/json}
 * were printed by that build. Values that vary from run to run (timings, rates, resident pages, temporary paths) are
 * masked as {@code <number>}, {@code <string>} or {@code <boolean>} on both sides, so their type is still checked (the
 * test's temporary folder reads {@code <tmp>}). {@code list}'s golden
 * lines must each appear, in order, among today's (a new allocator adds a line; a changed one fails).
 *
 * <p>To print today's lines for a new case: {@code -Djalloc.golden.print=DIR} writes them to DIR and fails the case.
 */
class JsonLinesGoldenTest {
    @TempDir
    static Path tmp;

    /** Keys whose values vary between runs: masked, type kept. */
    private static final Set<String> VOLATILE = Set.of("seconds", "opsPerSecond", "libcOpsPerSecond", "ratioToLibc",
            "blocksPerSecond", "minBlocksPerSecond", "maxBlocksPerSecond", "meanBlocksPerSecond", "bytesAllocatedPerCheck", "checks",
            "residentBefore", "residentPeak", "residentAfterFree", "residentAfterTrim",
            "trimReleased", "withinBound", "out", "index");

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("fuzz", List.of("fuzz", "--allocator", "first-fit", "--ops", "3000", "--seed", "7", "--json")),
                Arguments.of("fuzz-explicit", List.of("fuzz", "--allocator", "thread-cache:cache=explicit", "--ops", "3000",
                        "--seed", "23", "--json")),
                Arguments.of("fuzz-buddy", List.of("fuzz", "--allocator", "buddy", "--ops", "2000", "--seed", "3", "--heap", "1M",
                        "--json")),
                Arguments.of("replay", List.of("replay", "@trace", "--allocator", "first-fit", "--check", "--json", "--min-time", "1")),
                Arguments.of("replay-tlsf", List.of("replay", "@trace", "--allocator", "tlsf", "--json", "--min-time", "1")),
                Arguments.of("stats", List.of("stats", "--allocator", "buddy", "--trace", "@trace", "--at", "end", "--json")),
                Arguments.of("check-rate", List.of("check-rate", "--allocator", "first-fit", "--blocks", "500", "--seconds", "1",
                        "--heap", "16M", "--json")),
                Arguments.of("gc-fuzz", List.of("gc-fuzz", "--collector", "mark-sweep", "--allocator", "segregated", "--ops", "3000",
                        "--seed", "31", "--json")),
                Arguments.of("fragmentation", List.of("fragmentation", "--collector", "mark-compact", "--json")),
                Arguments.of("trim", List.of("trim", "--allocator", "tlsf", "--bytes", "1M", "--block", "64", "--json")),
                Arguments.of("heapmap", List.of("heapmap", "--allocator", "first-fit", "--trace", "@trace", "--at", "end", "--out",
                        "@png", "--json")));
    }

    /** A small trace written by the test (no shared material needed): three blocks, one freed, one grown. */
    private static Path trace() throws IOException {
        Path t = tmp.resolve("golden.rep");
        if (!Files.exists(t)) {
            Files.writeString(t, "20000\n4\n6\n1\na 0 1024\na 1 4096\na 2 100\nf 1\nr 2 300\na 3 2048\n");
        }
        return t;
    }

    private static List<String> args(List<String> template) throws IOException {
        List<String> args = new ArrayList<>();
        for (String a : template) {
            args.add(switch (a) {
                case "@trace" -> trace().toString();
                case "@png" -> tmp.resolve("golden.png").toString();
                default -> a;
            });
        }
        return args;
    }

    private static List<String> jsonLines(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, exit, String.join(" ", args) + ": " + err);
        return out.toString().lines().filter(l -> l.startsWith("{")).map(l -> mask(l.replace(tmp.toString(), "<tmp>"))).toList();
    }

    private static final Pattern VALUE = Pattern.compile("\"([A-Za-z]+)\":(\"(?:[^\"\\\\]|\\\\.)*\"|-?[0-9][^,}\\]]*|null|true|false)");

    /** The line with every volatile value replaced by its JSON type. */
    static String mask(String line) {
        Matcher m = VALUE.matcher(line);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String key = m.group(1);
            String value = m.group(2);
            String shown = !VOLATILE.contains(key) ? value
                    : value.startsWith("\"") ? "<string>"
                    : value.equals("true") || value.equals("false") ? "<boolean>"
                    : value.equals("null") ? "null" : "<number>";
            m.appendReplacement(sb, Matcher.quoteReplacement("\"" + key + "\":" + shown));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static List<String> golden(String name) throws IOException {
        try (InputStream in = JsonLinesGoldenTest.class.getResourceAsStream("/golden/json/" + name + ".jsonl")) {
            return new String(Objects.requireNonNull(in, "golden/json/" + name + ".jsonl").readAllBytes(), StandardCharsets.UTF_8)
                    .lines().toList();
        }
    }

    private static void printInstead(String name, List<String> lines) throws IOException {
        String dir = System.getProperty("jalloc.golden.print");
        if (dir != null) {
            Files.createDirectories(Path.of(dir));
            Files.writeString(Path.of(dir, name + ".jsonl"), String.join("\n", lines) + "\n");
            fail("printed " + name + " to " + dir + " instead of checking it");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theLineIsUnchanged(String name, List<String> template) throws IOException {
        List<String> lines = jsonLines(args(template));
        printInstead(name, lines);
        assertEquals(golden(name), lines, name);
    }

    @Test
    void listKeepsEveryLineItPrinted() throws IOException {
        List<String> lines = jsonLines(List.of("list", "--json"));
        printInstead("list", lines);
        int at = 0;
        for (String g : golden("list")) {
            int i = lines.subList(at, lines.size()).indexOf(g);
            assertTrue(i >= 0, "list --json no longer prints, in order:\n" + g);
            at += i + 1;
        }
    }

    @Test
    void maskingKeepsTypesAndStableValues() {
        assertEquals("{\"allocator\":\"tlsf\",\"seconds\":<number>,\"out\":<string>,\"withinBound\":<boolean>,\"ops\":7}",
                mask("{\"allocator\":\"tlsf\",\"seconds\":0.123,\"out\":\"/tmp/x \\\"y\\\".png\",\"withinBound\":true,\"ops\":7}"));
    }
}
