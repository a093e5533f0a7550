package org.jalloc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jalloc.testkit.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The public contract of {@code ./jalloc}: subcommands, exit codes (0 good, 1 violation/failed trace/out of memory,
 * 2 usage), and the {@code --json} line shapes (only result lines begin with '{').
 */
class CliContractTest {
    @TempDir
    Path dir;

    private static void assertKeys(String json, String... keys) {
        int at = 0;
        for (String k : keys) {
            int i = json.indexOf("\"" + k + "\":", at);
            assertTrue(i >= 0, "key " + k + " in order in " + json);
            at = i;
        }
    }

    @Test
    void listNamesTheAllocators() {
        CliRun r = CliRun.of("list");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("first-fit"), r.out());
        assertTrue(r.out().contains("coalesce=immediate|deferred"), r.out());
    }

    @Test
    void fuzzJsonHasTheContractShape() {
        CliRun r = CliRun.of("fuzz", "--allocator", "first-fit", "--ops", "3000", "--seed", "7", "--json");
        assertEquals(0, r.exit(), r.err());
        assertEquals(1, r.jsonLines().size(), r.out());
        String line = r.jsonLines().get(0);
        assertKeys(line, "allocator", "ops", "seed", "violations", "blocksVisited", "seconds");
        assertTrue(line.contains("\"allocator\":\"first-fit\""), line);
        assertTrue(line.contains("\"ops\":3000"), line);
        assertTrue(line.contains("\"violations\":0"), line);
        assertTrue(Pattern.compile("\"seconds\":[0-9.]+").matcher(line).find(), line);
    }

    @Test
    void checkRateReportsTheMedianOfItsRoundsInsideTheirRange() {
        CliRun r = CliRun.of("check-rate", "--allocator", "tlsf", "--blocks", "2000", "--seconds", "0.2", "--rounds", "5",
                "--heap", "16M", "--json");
        assertEquals(0, r.exit(), r.err());
        String line = r.jsonLines().get(0);
        assertTrue(line.contains("\"rounds\":5"), line);
        double median = number(line, "blocksPerSecond");
        double min = number(line, "minBlocksPerSecond");
        double max = number(line, "maxBlocksPerSecond");
        double mean = number(line, "meanBlocksPerSecond");
        assertTrue(0 < min && min <= median && median <= max, line);
        assertTrue(min <= mean && mean <= max, line);
        assertTrue(number(line, "bytesAllocatedPerCheck") >= -1, line);
        CliRun text = CliRun.of("check-rate", "--allocator", "tlsf", "--blocks", "2000", "--seconds", "0.1", "--rounds", "3", "--heap", "16M");
        assertEquals(0, text.exit(), text.err());
        assertTrue(text.out().contains("median of 3 rounds"), text.out());
    }

    private static double number(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":(-?[0-9.Ee+]+)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void fuzzAllRunsEveryAllocatorAndSmallHeapsWork() {
        CliRun r = CliRun.of("fuzz", "--allocator", "all", "--ops", "2000", "--heap", "64K", "--json");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.jsonLines().size() >= 1);
    }

    @Test
    void singleOwnerAllocatorsRejectThreads() {
        CliRun r = CliRun.of("fuzz", "--allocator", "first-fit", "--threads", "2", "--ops", "100");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("single-owner"), r.err());
    }

    @Test
    void unknownAllocatorsAndOptionsAreUsageErrors() {
        assertEquals(2, CliRun.of("fuzz", "--allocator", "no-such", "--ops", "10").exit());
        CliRun r = CliRun.of("fuzz", "--allocator", "first-fit:coalesce=never", "--ops", "10");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("immediate|deferred"), r.err());
        assertEquals(2, CliRun.of("fuzz", "--heap", "lots").exit());
        assertEquals(2, CliRun.of("frobnicate").exit());
    }

    private Path trace(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void replayJsonHasTheContractShape() throws IOException {
        trace("b.rep", "0\n2\n4\n1\na 0 100\na 1 200\nf 0\nf 1\n");
        trace("a.rep", "0\n1\n2\n1\na 0 100\nf 0\n");
        trace("notes.txt", "not a trace");
        CliRun r = CliRun.of("replay", dir.toString(), "--allocator", "first-fit", "--check", "--json", "--min-time", "1");
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.jsonLines();
        assertEquals(2, lines.size(), "only .rep files, in name order: " + r.out());
        assertTrue(lines.get(0).contains("\"trace\":\"a.rep\""), lines.get(0));
        assertKeys(lines.get(1), "trace", "allocator", "ops", "utilization", "opsPerSecond", "violations", "outOfMemory");
        assertTrue(lines.get(1).contains("\"violations\":0") && lines.get(1).contains("\"outOfMemory\":false"), lines.get(1));
    }

    @Test
    void replayWithTheLibcBaselineAddsItsFigures() throws IOException {
        Path t = trace("t.rep", "0\n1\n2\n1\na 0 100\nf 0\n");
        CliRun r = CliRun.of("replay", t.toString(), "--allocator", "first-fit", "--baseline", "libc", "--json", "--min-time", "1");
        assertEquals(0, r.exit(), r.err());
        assertKeys(r.jsonLines().get(0), "trace", "allocator", "ops", "utilization", "opsPerSecond", "violations", "outOfMemory",
                "libcOpsPerSecond", "libcUtilization", "libcPeakBytes", "libcNoiseFloorBytes");
    }

    @Test
    void libcUtilizationIsMeasuredInAFreshJvmPerTrace() throws IOException {
        // 64 blocks of 100 KiB live at once: at least 6.4 MB requested, which glibc must take from the OS
        StringBuilder b = new StringBuilder("0\n64\n128\n1\n");
        for (int i = 0; i < 64; i++) {
            b.append("a ").append(i).append(" 102400\n");
        }
        for (int i = 0; i < 64; i++) {
            b.append("f ").append(i).append("\n");
        }
        Path t = trace("big.rep", b.toString());
        CliRun r = CliRun.of("replay", t.toString(), "--allocator", "dense", "--baseline", "libc", "--json", "--min-time", "1");
        assertEquals(0, r.exit(), r.err());
        String line = r.jsonLines().get(0);
        Matcher m = Pattern.compile("\"libcUtilization\":([0-9.E-]+)").matcher(line);
        assertTrue(m.find(), line);
        double u = Double.parseDouble(m.group(1));
        assertTrue(u > 0.5 && u <= 1.0, "glibc mmaps each 100 KiB block with a page of overhead at most: " + line);
        Matcher peak = Pattern.compile("\"libcPeakBytes\":([0-9]+)").matcher(line);
        assertTrue(peak.find() && Long.parseLong(peak.group(1)) >= 64 * 102400, line);
    }

    @Test
    void anUnknownBaselineIsAUsageError() throws IOException {
        Path t = trace("t.rep", "0\n1\n2\n1\na 0 100\nf 0\n");
        CliRun r = CliRun.of("replay", t.toString(), "--allocator", "first-fit", "--baseline", "hoard");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("libc, jemalloc, mimalloc, tcmalloc"), r.err());
    }

    @Test
    void aTraceThatRunsOutOfHeapExitsOneAndTheRunGoesOn() throws IOException {
        trace("a-big.rep", "0\n1\n2\n1\na 0 1000000\nf 0\n");
        trace("b-small.rep", "0\n1\n2\n1\na 0 10\nf 0\n");
        CliRun r = CliRun.of("replay", dir.toString(), "--allocator", "first-fit", "--heap", "64K", "--json", "--min-time", "1");
        assertEquals(1, r.exit());
        assertEquals(2, r.jsonLines().size());
        assertTrue(r.jsonLines().get(0).contains("\"outOfMemory\":true"));
        assertTrue(r.jsonLines().get(1).contains("\"outOfMemory\":false"));
    }

    @Test
    void unreadableOrMalformedTracesAreUsageErrors() throws IOException {
        assertEquals(2, CliRun.of("replay", dir.resolve("missing.rep").toString(), "--allocator", "first-fit").exit());
        assertEquals(2, CliRun.of("replay", dir.toString(), "--allocator", "first-fit").exit(), "a folder without .rep files");
        Path bad = trace("bad.rep", "0\n1\n1\n1\nq 0 8\n");
        CliRun r = CliRun.of("replay", bad.toString(), "--allocator", "first-fit");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("bad.rep:5"), r.err());
    }

    @Test
    void genWritesAReplayableTrace() throws IOException {
        Path out = dir.resolve("larson.rep");
        assertEquals(0, CliRun.of("gen", "--pattern", "larson", "--ops", "500", "--seed", "3", "--out", out.toString()).exit());
        assertTrue(Files.readString(out).startsWith("# generated by"));
        CliRun r = CliRun.of("replay", out.toString(), "--allocator", "first-fit", "--check", "--json", "--min-time", "1");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.jsonLines().get(0).contains("\"ops\":500"));
        assertEquals(2, CliRun.of("gen", "--pattern", "nope", "--ops", "5", "--out", out.toString()).exit());
    }

    @Test
    void soakRotatesHeapsAndEndsWithOneJsonLine() {
        CliRun r = CliRun.of("fuzz", "--allocator", "first-fit", "--minutes", "0.03", "--sequence-ops", "200", "--seed", "5", "--json");
        assertEquals(0, r.exit(), r.err());
        assertEquals(1, r.jsonLines().size(), r.out());
        String line = r.jsonLines().get(0);
        assertInstanceOf(Map.class, Json.parse(line), line); // one JSON object, strictly (RFC 8259)
        assertKeys(line, "allocator", "ops", "seed", "violations", "blocksVisited", "seconds", "threads", "sequences", "minutes",
                "rounds", "heaps", "allocators");
        assertTrue(line.contains("\"allocator\":\"first-fit\"") && line.contains("\"violations\":0"), line);
        assertTrue(line.contains("\"heaps\":[\"64K\",\"256K\",\"1M\",\"4M\",\"16M\",\"64M\",\"256M\",\"1G\"]"), line);
        assertTrue(Pattern.compile("\"rounds\":[1-9]").matcher(line).find(), line);
        assertTrue(Pattern.compile("\"ops\":[1-9][0-9]{3,}").matcher(line).find(), "at least one slot ran: " + line);
        CliRun text = CliRun.of("fuzz", "--allocator", "thread-cache", "--threads", "2", "--minutes", "0.01");
        assertEquals(0, text.exit(), text.err());
        assertTrue(text.out().contains("soak: ") && text.out().contains("0 violations"), text.out());
    }

    @Test
    void soakSkipsHeapsAConfigurationCannotUseAndSaysSo() {
        CliRun r = CliRun.of("fuzz", "--allocator", "buddy:min-block=1M", "--minutes", "0.01", "--sequence-ops", "100", "--json");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("the soak skips buddy:min-block=1M on heaps of 64K, 256K"), r.err());
        assertEquals(1, r.jsonLines().size());
    }

    @Test
    void genWritesExactlyTheOpsAskedFor() throws IOException {
        for (int n : new int[] {1, 2, 7, 16, 17}) {
            CliRun r = CliRun.of("gen", "--pattern", "larson", "--ops", Integer.toString(n), "--out", "-");
            assertEquals(0, r.exit(), r.err());
            long ops = r.out().lines().filter(l -> !l.startsWith("#")).skip(4).count();
            assertEquals(n, ops, r.out());
            Path p = dir.resolve("g" + n + ".rep");
            Files.writeString(p, r.out());
            CliRun replay = CliRun.of("replay", p.toString(), "--allocator", "first-fit", "--check", "--json", "--min-time", "1");
            assertEquals(0, replay.exit(), replay.err());
            assertTrue(replay.jsonLines().get(0).contains("\"ops\":" + n + ","), replay.out());
        }
    }

    @Test
    void invalidAllocatorOptionsAreUsageErrorsNotViolations() {
        for (String spec : new String[] {"buddy:max-order=99", "buddy:min-block=24", "thread-cache:arenas=100000"}) {
            CliRun r = CliRun.of("fuzz", "--allocator", spec, "--ops", "200");
            assertEquals(2, r.exit(), spec + ": " + r.out() + r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertFalse(r.out().contains("violations"), r.out());
        }
    }

    @Test
    void aTraceWithAnInvalidRequestIsAnInputErrorNamingFileAndLine() throws IOException {
        Path calloc = trace("calloc.rep", "0\n1\n2\n1\na 0 8\nc 1 9223372036854775807 2\n");
        CliRun r = CliRun.of("replay", calloc.toString(), "--allocator", "first-fit", "--min-time", "1");
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("calloc.rep:6: calloc count 9223372036854775807 * size 2 overflows a long"), r.err());
        Path align = trace("align.rep", "0\n1\n1\n1\nm 0 24 16\n");
        r = CliRun.of("replay", align.toString(), "--allocator", "first-fit", "--check", "--min-time", "1");
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("align.rep:5: alignment 24 is not a power of two"), r.err());
    }

    @Test
    void aHugeIdIsReplayedWithoutRunningOutOfMemory() throws IOException {
        Path t = trace("huge.rep", "0\n1\n2\n1\na 2147483646 16\nf 2147483646\n");
        CliRun r = CliRun.of("replay", t.toString(), "--allocator", "first-fit", "--check", "--json", "--min-time", "1");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.jsonLines().get(0).contains("\"violations\":0"), r.out());
    }

    @Test
    void statsPrintsTheSchemaAtThePeak() throws IOException {
        Path t = trace("s.rep", "0\n3\n6\n1\na 0 100\na 1 300\na 2 50\nf 1\nf 0\nf 2\n");
        CliRun r = CliRun.of("stats", "--allocator", "first-fit", "--trace", t.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("peak, after op 3 of 6"), r.out());
        assertTrue(r.out().contains("[free-list]"), r.out());
        CliRun j = CliRun.of("stats", "--allocator", "first-fit", "--trace", t.toString(), "--at", "end", "--json");
        assertEquals(0, j.exit());
        assertKeys(j.jsonLines().get(0), "trace", "at", "afterOp", "allocator", "heapBytes", "liveRequestedBytes");
        assertFalse(j.jsonLines().get(0).contains("\"allocatedBlocks\":1"), "nothing is live at the end");
    }
}
