package org.jalloc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.jalloc.testkit.trace.SharedTraces;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code ./jalloc stats} is a public contract: its text report and its {@code --json} line for every allocator on
 * {@code amptjp-bal.rep} must stay byte for byte what they were before the statistics became typed metrics. The golden
 * files under {@code src/test/resources/golden/stats} were written by the build before that change (issue 16); a
 * difference is a broken contract unless a value was wrong (then say so in the commit that rewrites the file).
 * Skipped cleanly when the shared traces are absent.
 */
class StatsGoldenTest {
    static List<String> specs() {
        return List.of("first-fit", "next-fit", "best-fit", "segregated", "boundary-tag", "tlsf", "buddy", "slab",
                "thread-cache", "first-fit:list=address,coalesce=deferred", "segregated:list=address",
                "boundary-tag:footers=all", "buddy:min-block=4096", "slab:debug=FZPU", "slab:magazines=off",
                "thread-cache:arenas=2,decay=0");
    }

    private static Path trace() {
        var dir = SharedTraces.malloclab();
        Assumptions.assumeTrue(dir.isPresent(), "shared malloc-lab traces absent");
        return dir.get().resolve("amptjp-bal.rep");
    }

    private static String golden(String name) throws IOException {
        try (InputStream in = StatsGoldenTest.class.getResourceAsStream("/golden/stats/" + name)) {
            return new String(Objects.requireNonNull(in, name).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, exit, err.toString());
        return out.toString();
    }

    @ParameterizedTest
    @MethodSource("specs")
    void textAndJsonAreUnchanged(String spec) throws IOException {
        String file = spec.replaceAll("[:=,]", "_");
        String t = trace().toString();
        List<String> args = new ArrayList<>(List.of("stats", "--allocator", spec, "--trace", t));
        assertEquals(golden(file + ".txt"), run(args.toArray(String[]::new)), spec + " text at the peak");
        args.add("--json");
        assertEquals(golden(file + ".json"), run(args.toArray(String[]::new)), spec + " --json");
        assertEquals(golden(file + ".end.txt"), run("stats", "--allocator", spec, "--trace", t, "--at", "end"),
                spec + " text at the end");
    }
}
