package org.jalloc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import org.jalloc.gc.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The public contract of the collector subcommands: gc-fuzz, fragmentation, and the collectors in list. */
class GcCliTest {
    @TempDir
    Path dir;

    /** The line has exactly these keys, in this order. */
    private static void assertExactKeys(String json, String... keys) {
        StringBuilder re = new StringBuilder("^\\{");
        for (int i = 0; i < keys.length; i++) {
            re.append(i == 0 ? "" : ",").append("\"").append(keys[i]).append("\":(\"[^\"]*\"|[^,{}\"]+)");
        }
        re.append("\\}$");
        assertTrue(Pattern.compile(re.toString()).matcher(json).matches(), "keys " + List.of(keys) + " exactly in " + json);
    }

    @Test
    void gcFuzzJsonHasTheContractShape() {
        CliRun r = CliRun.of("gc-fuzz", "--collector", "mark-sweep", "--allocator", "segregated", "--ops", "3000", "--seed", "31", "--json");
        assertEquals(0, r.exit(), r.err());
        assertEquals(1, r.jsonLines().size(), r.out());
        String line = r.jsonLines().get(0);
        assertExactKeys(line, "collector", "allocator", "ops", "collections", "violations", "seconds");
        assertTrue(line.startsWith("{\"collector\":\"mark-sweep\",\"allocator\":\"segregated\",\"ops\":3000,"), line);
        assertTrue(line.contains("\"violations\":0"), line);
        CliRun own = CliRun.of("gc-fuzz", "--collector", "handles", "--ops", "2000", "--json");
        assertEquals(0, own.exit(), own.err());
        assertTrue(own.jsonLines().get(0).contains("\"allocator\":null"), own.out());
        for (String rc : List.of("refcount", "refcount:cycles=off")) {
            CliRun counted = CliRun.of("gc-fuzz", "--collector", rc, "--allocator", "best-fit", "--ops", "3000", "--seed", "47", "--json");
            assertEquals(0, counted.exit(), counted.err());
            String l = counted.jsonLines().get(0);
            assertTrue(l.startsWith("{\"collector\":\"" + rc + "\",\"allocator\":\"best-fit\",\"ops\":3000,"), l);
            assertTrue(l.contains("\"violations\":0"), l);
        }
    }

    @Test
    void gcFuzzRejectsBadInputWithExitTwo() {
        assertEquals(2, CliRun.of("gc-fuzz", "--collector", "no-such", "--ops", "10").exit());
        CliRun r = CliRun.of("gc-fuzz", "--collector", "mark-compact", "--allocator", "tlsf", "--ops", "10");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--allocator applies to mark-sweep, incremental, concurrent and refcount only"), r.err());
        assertEquals(2, CliRun.of("gc-fuzz", "--collector", "mark-sweep", "--allocator", "no-such", "--ops", "10").exit());
        assertEquals(2, CliRun.of("gc-fuzz", "--collector", "mark-sweep:lazy=maybe", "--ops", "10").exit());
        assertEquals(2, CliRun.of("gc-fuzz", "--collector", "mark-sweep", "--ops", "0").exit());
        assertEquals(2, CliRun.of("gc-fuzz", "--ops", "10").exit(), "--collector is required");
        assertFalse(CliRun.of("gc-fuzz", "--collector", "no-such").err().contains("Exception"), "one line, no stack trace");
    }

    @Test
    void gcFuzzRunsTheIssue19CollectorsAndConcurrentOnSeveralThreads() {
        for (String c : List.of("generational", "incremental", "concurrent:marker=steps")) {
            CliRun r = CliRun.of("gc-fuzz", "--collector", c, "--ops", "2000", "--json");
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.jsonLines().get(0).contains("\"violations\":0"), r.out());
        }
        CliRun threads = CliRun.of("gc-fuzz", "--collector", "concurrent", "--threads", "2", "--ops", "2000", "--seed", "43", "--json");
        assertEquals(0, threads.exit(), threads.err());
        assertExactKeys(threads.jsonLines().get(0), "collector", "allocator", "ops", "collections", "violations", "seconds");
        assertTrue(threads.jsonLines().get(0).startsWith("{\"collector\":\"concurrent\",\"allocator\":\"tlsf\",\"ops\":2000,"), threads.out());
        CliRun single = CliRun.of("gc-fuzz", "--collector", "mark-compact", "--threads", "2", "--ops", "10");
        assertEquals(2, single.exit());
        assertTrue(single.err().contains("single-owner") && !single.err().contains("Exception"), single.err());
        assertEquals(2, CliRun.of("gc-fuzz", "--collector", "concurrent", "--threads", "0", "--ops", "10").exit());
        assertEquals(2, CliRun.of("gc-fuzz", "--collector", "concurrent", "--threads", "257", "--ops", "10").exit());
        CliRun big = CliRun.of("gc-fuzz", "--collector", "concurrent", "--threads", "100000", "--ops", "10");
        assertEquals(2, big.exit(), "refused before any thread starts");
        assertTrue(big.err().contains("--threads") && big.err().lines().count() == 1, big.err());
        assertEquals(2, CliRun.of("gc-fuzz", "--collector", "concurrent", "--threads", "x", "--ops", "10").exit());
    }

    @Test
    void aReplayFileRunsOnce() throws IOException {
        Path f = dir.resolve("ops.txt");
        Files.writeString(f, "# a replay file\nT 1 8\nn 0 0\nn 1 0\nl 0 0 1\nc 1\nC\nv 0\n");
        CliRun r = CliRun.of("gc-fuzz", "--collector", "mark-compact", "--replay", f.toString(), "--json");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.jsonLines().get(0).contains("\"ops\":7"), r.out());
        Files.writeString(f, "q 1 2\n");
        CliRun bad = CliRun.of("gc-fuzz", "--collector", "mark-compact", "--replay", f.toString());
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("line 1"), bad.err());
        assertEquals(2, CliRun.of("gc-fuzz", "--collector", "mark-compact", "--replay", dir.resolve("missing").toString()).exit());
    }

    @Test
    void fragmentationIsCuredByCompactionAndNotBySweeping() {
        for (String c : List.of("mark-compact", "handles", "mark-sweep")) {
            CliRun r = CliRun.of("fragmentation", "--collector", c, "--json");
            assertEquals(0, r.exit(), c + ": " + r.err());
            String line = r.jsonLines().get(0);
            assertExactKeys(line, "collector", "freeBytes", "largestFreeBefore", "allocatedBefore", "largestFreeAfter", "allocatedAfter",
                    "violations");
            assertTrue(line.contains("\"allocatedBefore\":false"), line);
            assertTrue(line.contains("\"allocatedAfter\":" + !c.equals("mark-sweep")), line);
            assertTrue(line.contains("\"violations\":0"), line);
        }
        CliRun text = CliRun.of("fragmentation", "--collector", "mark-sweep", "--allocator", "segregated");
        assertEquals(0, text.exit(), text.err());
        assertTrue(text.out().contains("1 MiB allocation failed"), text.out());
        assertEquals(2, CliRun.of("fragmentation", "--collector", "mark-compact", "--heap", "1M").exit());
        assertEquals(2, CliRun.of("fragmentation", "--collector", "nope").exit());
    }

    @Test
    void listShowsEachCollectorOnceWithoutAnAllocatorKey() {
        CliRun r = CliRun.of("list", "--json");
        assertEquals(0, r.exit(), r.err());
        List<String> collectors = r.jsonLines().stream().filter(l -> l.startsWith("{\"collector\":")).toList();
        assertEquals(Collectors.types().stream().map(t -> "{\"collector\":\"" + t.name() + "\"").toList(),
                collectors.stream().map(l -> l.substring(0, l.indexOf(",\"description\""))).toList(), r.out());
        String refcount = collectors.stream().filter(l -> l.startsWith("{\"collector\":\"refcount\"")).findFirst().orElseThrow();
        assertTrue(refcount.contains("\"countbits\":{\"description\":\"bits of the count in the header; a count that does not fit moves"
                + " to a side table\",\"values\":[],\"default\":\"32\",\"min\":1,\"max\":32}"), refcount);
        for (String name : List.of("generational", "incremental", "concurrent")) {
            assertTrue(collectors.stream().anyMatch(l -> l.startsWith("{\"collector\":\"" + name + "\"")), name + " in " + r.out());
        }
        for (String l : collectors) {
            assertFalse(l.contains("\"allocator\""), l);
            assertTrue(Pattern.compile("^\\{\"collector\":\"[a-z-]+\",\"description\":\"[^\"]+\",\"options\":\\{.*\\}\\}$").matcher(l).matches(), l);
        }
        assertTrue(r.jsonLines().stream().filter(l -> l.startsWith("{\"allocator\":")).count() >= 9, "the allocators are still listed");
        CliRun text = CliRun.of("list");
        assertTrue(text.out().contains("mark-compact") && text.out().contains("lazy=off|on"), text.out());
    }
}
