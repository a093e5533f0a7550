package org.jalloc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bad input to {@code ./jalloc bench} gets one clear line on stderr and exit 2, never a stack trace. */
class BenchBadInputTest {
    private record Result(int exit, String out, String err) {}

    private static Result bench(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.jalloc.bench.BenchMain"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out, err);
    }

    private static void assertOneLine(Result r, String expected) {
        assertEquals(2, r.exit(), r.err());
        assertEquals("", r.out());
        assertEquals(expected + System.lineSeparator(), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void aBadRegularExpressionIsOneLineWithoutTheExceptionsName() throws Exception {
        assertOneLine(bench("--only", "("), "jalloc bench: --only: not a regular expression: Unclosed group");
    }

    @Test
    void aFlagWithoutItsValueIsOneLine() throws Exception {
        assertOneLine(bench("--only"), "jalloc bench: --only needs a value");
    }

    @Test
    void aMissingResultsFileNamesTheFile() throws Exception {
        Result r = bench("--from", "/nonexistent/results.json");
        assertEquals(2, r.exit(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertEquals(true, r.err().startsWith("jalloc bench: ") && r.err().contains("/nonexistent/results.json"), r.err());
    }
}
