package org.jalloc.projecttests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jalloc.check.CheckedAllocator;
import org.jalloc.core.Allocator;
import org.jalloc.core.Allocators;
import org.junit.jupiter.api.Test;

/**
 * The misuse table of {@code docs/reliability.md} ("What each allocator promises and detects") is what the allocators
 * do: every cell is run. A cell naming an exception must be thrown by that allocator without the checker, with the
 * heap left byte for byte as it was; a cell starting "not detected" must not throw; the "checked mode" column must
 * hold for every allocator under {@link CheckedAllocator}. A row without a scenario here, or a scenario without a
 * row, fails too, so the table and this test change together.
 */
class ReliabilityTableTest {
    private static final Path ROOT = Path.of(System.getProperty("jalloc.root", "../..")).toAbsolutePath().normalize();
    private static final String HEADING = "## What each allocator promises and detects";
    private static final String CHECKED = "checked mode (every allocator)";

    /** A misuse on a heap holding live 48-byte blocks a, b, c (b freed first where the scenario says so). */
    private record Scenario(boolean freeB, boolean freeA, Prepare prepare, Act act) {}

    @FunctionalInterface
    private interface Prepare {
        /** Returns the address to misuse. */
        long at(Allocator al, long a, long b, long c);
    }

    @FunctionalInterface
    private interface Act {
        void run(Allocator al, long x);
    }

    private static final Map<String, Scenario> SCENARIOS = new LinkedHashMap<>();

    private static void row(String name, boolean freeB, boolean freeA, Prepare prepare, Act act) {
        SCENARIOS.put(name, new Scenario(freeB, freeA, prepare, act));
    }

    static {
        row("double free", true, false, (al, a, b, c) -> b, Allocator::free);
        row("double free after the block merged with its free neighbour", true, true, (al, a, b, c) -> b, Allocator::free);
        row("realloc of a freed block", true, false, (al, a, b, c) -> b, (al, x) -> al.realloc(x, 100));
        row("tryExpand of a freed block", true, false, (al, a, b, c) -> b, (al, x) -> al.tryExpand(x, 20));
        row("usableSize of a freed block", true, false, (al, a, b, c) -> b, Allocator::usableSize);
        row("free inside a live block", false, false, (al, a, b, c) -> a + 16, Allocator::free);
        row("usableSize inside a live block", false, false, (al, a, b, c) -> a + 16, Allocator::usableSize);
        row("free inside a live block whose bytes imitate a block", false, false, (al, a, b, c) -> {
            long big = al.malloc(1024);
            long x = big + 256;
            al.heap().copy(c - 128, x - 128, 256); // the bytes around a real live 48-byte block, inside big's payload
            return x;
        }, Allocator::free);
        row("free inside a free block", true, false, (al, a, b, c) -> b + 16, Allocator::free);
        row("misaligned pointer (a + 1)", false, false, (al, a, b, c) -> a + 1, Allocator::free);
        row("misaligned pointer (a + 8)", false, false, (al, a, b, c) -> a + 8, Allocator::free);
        row("beyond the break", false, false, (al, a, b, c) -> (al.heap().brk() + 4096) & -16L, Allocator::free);
        row("in the guard page", false, false, (al, a, b, c) -> al.heap().start() - 64, Allocator::free);
        row("past the reservation", false, false, (al, a, b, c) -> al.heap().limit() + 4096, Allocator::free);
        row("negative address", false, false, (al, a, b, c) -> -16, Allocator::free);
        row("address with bit 53 set", false, false, (al, a, b, c) -> a | (1L << 53), Allocator::free);
        row("tryExpand(0, n)", false, false, (al, a, b, c) -> 0, (al, x) -> al.tryExpand(x, 16));
        row("free of a freed block reallocated since", true, false, (al, a, b, c) -> {
            assertEquals(b, al.malloc(48), al.name() + " hands the freed 48-byte block out again");
            return b;
        }, Allocator::free);
    }

    static List<List<String>> table() throws IOException {
        List<String> lines = Files.readAllLines(ROOT.resolve("docs/reliability.md"));
        int from = lines.indexOf(HEADING);
        assertTrue(from >= 0, "docs/reliability.md has no heading '" + HEADING + "'");
        List<List<String>> rows = new ArrayList<>();
        for (int i = from + 1; i < lines.size() && !lines.get(i).startsWith("## "); i++) {
            String line = lines.get(i);
            if (line.startsWith("| ") && !line.startsWith("|---")) {
                List<String> cells = new ArrayList<>();
                for (String cell : line.substring(1, line.lastIndexOf('|')).split("\\|")) {
                    cells.add(cell.trim().replace("`", ""));
                }
                rows.add(cells);
            }
            if (!rows.isEmpty() && !line.startsWith("|")) {
                break;
            }
        }
        return rows;
    }

    @Test
    void everyCellOfTheMisuseTableIsWhatTheAllocatorDoes() throws IOException {
        List<List<String>> table = table();
        List<String> header = table.get(0);
        assertEquals("misuse", header.get(0));
        assertEquals(Allocators.CANONICAL_ORDER, header.subList(1, header.size() - 1), "one column per allocator, in order");
        assertEquals(CHECKED, header.get(header.size() - 1));
        List<String> named = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        for (List<String> row : table.subList(1, table.size())) {
            String misuse = row.get(0);
            named.add(misuse);
            Scenario s = SCENARIOS.get(misuse);
            assertNotNull(s, "no scenario for the row '" + misuse + "'");
            assertEquals(header.size(), row.size(), misuse);
            for (int col = 1; col < header.size(); col++) {
                String expected = row.get(col);
                List<String> allocators = col < header.size() - 1 ? List.of(header.get(col)) : Allocators.CANONICAL_ORDER;
                for (String name : allocators) {
                    String actual = run(name, s, col == header.size() - 1);
                    if (!matches(expected, actual)) {
                        wrong.add(misuse + " / " + name + (col == header.size() - 1 ? " (checked)" : "") + ": documented '"
                                + expected + "', got " + actual);
                    }
                }
            }
        }
        assertEquals(List.copyOf(SCENARIOS.keySet()), named, "the table's rows are the scenarios, in order");
        if (!wrong.isEmpty()) {
            fail(wrong.size() + " cells are not true:\n" + String.join("\n", wrong));
        }
    }

    /** A cell holds an exception's simple name (maybe followed by a note) or starts with "not detected". */
    private static boolean matches(String cell, String actual) {
        String head = cell.split("[ ,(¹²³⁴]")[0];
        return cell.startsWith("not detected") ? actual.equals("not detected") : head.equals(actual);
    }

    /** The simple name of what the misuse threw (the heap unchanged), or "not detected". */
    private static String run(String name, Scenario s, boolean checkedMode) {
        try (Allocator raw = Allocators.create(name, 1 << 20)) {
            Allocator al = checkedMode ? new CheckedAllocator(raw) : raw;
            long a = al.malloc(48);
            long b = al.malloc(48);
            long c = al.malloc(48);
            if (s.freeB()) {
                al.free(b);
            }
            if (s.freeA()) {
                al.free(a);
            }
            long x = s.prepare().at(al, a, b, c);
            byte[] before = raw.heap().snapshot();
            try {
                s.act().run(al, x);
            } catch (RuntimeException e) {
                assertArrayEquals(before, raw.heap().snapshot(), name + ": " + e + " changed the heap");
                return e.getClass().getSimpleName();
            }
            return "not detected";
        }
    }
}
