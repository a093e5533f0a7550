package org.jalloc.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

import org.jalloc.core.Allocator;
import org.jalloc.core.AllocatorFactory;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AllocatorSpec;
import org.jalloc.core.spi.Sizes;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the allocator-spec parser (issue 15): any text given to {@code --allocator} is an
 * allocator or a usage error ({@link IllegalArgumentException}, one line), all the way through: parsing, resolving
 * the options against their ranges, making the allocator on a small heap, and {@code ./jalloc fuzz} itself (exit 0,
 * or 2 with one line; never a stack trace; 1, a violation, is a finding too). The same text is also tried as a size.
 * In a normal build this replays {@code src/test/resources/org/jalloc/cli/AllocatorSpecFuzzTestInputs};
 * {@code JAZZER_FUZZ=1} fuzzes (docs/testing.md).
 */
class AllocatorSpecFuzzTest {
    private static final long HEAP = 1 << 20;

    private static void oneLine(IllegalArgumentException e) {
        String m = String.valueOf(e.getMessage());
        assertTrue(m.lines().count() <= 1 && m.length() < 1000, m);
    }

    @FuzzTest(maxDuration = "30s")
    void allocatorSpec(byte[] data) {
        String text = new String(data, StandardCharsets.ISO_8859_1);
        try {
            Sizes.parse(text);
        } catch (IllegalArgumentException e) {
            oneLine(e);
        }
        try {
            AllocatorSpec.parse(text);
        } catch (IllegalArgumentException e) {
            oneLine(e);
        }
        boolean usable = false;
        try {
            AllocatorFactory f = AllocatorFactory.of(text, HEAP);
            try (Allocator a = f.create(Heap.reserve(HEAP))) {
                a.free(a.malloc(100));
                usable = true;
            }
        } catch (IllegalArgumentException e) {
            oneLine(e);
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(new String[] {"fuzz", "--allocator", text, "--heap", "1M", "--ops", "60", "--sequence-ops", "60"},
                new PrintWriter(out, true), new PrintWriter(err, true));
        String where = "exit " + exit + "\n" + out + err;
        assertTrue(exit == 0 || exit == 2, where);
        assertTrue(usable == (exit == 0), "the CLI agrees with the API: " + where);
        assertFalse(err.toString().contains("\tat ") || err.toString().lines().anyMatch(l -> l.startsWith("jalloc: internal error")), where);
        if (exit == 2) {
            assertTrue(err.toString().lines().count() == 1, where);
        }
    }
}
