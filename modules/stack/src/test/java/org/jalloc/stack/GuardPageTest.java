package org.jalloc.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guard page below a stack's limit is real: a child JVM ({@link GuardPageCrash}) writes past the limit through raw
 * memory, bypassing the stack's check, and dies of SIGSEGV, as the seed says a C program does when it touches "an
 * unmapped guard page below the stack". Each child runs with {@code -XX:ErrorFile} pointing into a temporary folder,
 * where its error report must name SIGSEGV, and leaves no core file.
 *
 * <p>Two children, because HotSpot ends a crashed VM in one of two ways. With {@code -XX:-CreateCoredumpOnCrash} it
 * writes the report and calls {@code _exit(1)}: exit status 1, no signal (JDK 25; measured). With the default
 * {@code -XX:+CreateCoredumpOnCrash} it calls {@code abort()} after the report: the process dies of SIGABRT, exit
 * status 134 = 128 + 6; there the child's core size limit is set to 0 ({@code ulimit -c 0}), so no core is written
 * either.
 */
class GuardPageTest {
    @TempDir
    Path dir;

    private static String classPath() throws Exception {
        List<String> path = new ArrayList<>();
        for (String p : new String[] {System.getProperty("jdk.module.path", ""), System.getProperty("java.class.path", "")}) {
            for (String e : p.split(File.pathSeparator)) {
                if (!e.isBlank()) {
                    path.add(e);
                }
            }
        }
        path.add(Path.of(GuardPageCrash.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        return String.join(File.pathSeparator, path);
    }

    private record Crash(int status, String output, String report) {}

    private Crash crash(Path folder, List<String> prefix, String... vmOptions) throws Exception {
        Files.createDirectories(folder);
        List<String> command = new ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:ErrorFile=" + folder.resolve("hs_err_%p.log"));
        command.addAll(List.of(vmOptions));
        command.addAll(List.of("-Xmx64m", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED", "-cp", classPath(),
                GuardPageCrash.class.getName()));
        Process child = new ProcessBuilder(command).directory(folder.toFile()).redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes());
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child ended");
        assertTrue(out.contains("CHECKED: "), "the frame API refused the block first:\n" + out);
        assertTrue(out.contains("WRITING "), out);
        assertFalse(out.contains("SURVIVED"), "the write past the limit must not succeed:\n" + out);
        List<Path> reports;
        try (Stream<Path> s = Files.list(folder)) {
            reports = s.filter(p -> p.getFileName().toString().startsWith("hs_err_")).toList();
        }
        assertEquals(1, reports.size(), "the JVM wrote its error report into the temporary folder:\n" + out);
        try (Stream<Path> s = Files.list(folder)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith("core")), "no core dump");
        }
        return new Crash(child.exitValue(), out, Files.readString(reports.get(0)));
    }

    @Test
    void aWritePastTheLimitDiesOfSigsegvWithTheReportInATemporaryFolderAndNoCore() throws Exception {
        Crash c = crash(dir.resolve("no-core-flag"), List.of(), "-XX:-CreateCoredumpOnCrash");
        assertTrue(c.report().contains("SIGSEGV"), "the error report names SIGSEGV:\n" + c.report().lines().limit(20).toList());
        assertTrue(c.report().contains("GuardPageCrash.main"), "in the write past the limit");
        assertNotEquals(0, c.status(), "the VM did not exit normally:\n" + c.output());
        assertEquals(1, c.status(), "HotSpot's _exit(1) after the report when core dumps are switched off");
    }

    @Test
    void withTheDefaultAbortTheChildIsKilledByASignal() throws Exception {
        Crash c = crash(dir.resolve("ulimit"), List.of("/bin/sh", "-c", "ulimit -c 0 && exec \"$0\" \"$@\""));
        assertTrue(c.report().contains("SIGSEGV"), "the error report names SIGSEGV:\n" + c.report().lines().limit(20).toList());
        assertTrue(c.status() >= 128, "killed by a signal (exit status 128 + signal), got " + c.status() + ":\n" + c.output());
        assertEquals(128 + 6, c.status(), "SIGABRT, raised by HotSpot after reporting the SIGSEGV");
    }
}
