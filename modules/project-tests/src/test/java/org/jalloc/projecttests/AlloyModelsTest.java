package org.jalloc.projecttests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import edu.mit.csail.sdg.alloy4.A4Reporter;
import edu.mit.csail.sdg.ast.Command;
import edu.mit.csail.sdg.parser.CompModule;
import edu.mit.csail.sdg.parser.CompUtil;
import edu.mit.csail.sdg.translator.A4Options;
import edu.mit.csail.sdg.translator.A4Solution;
import edu.mit.csail.sdg.translator.TranslateAlloyToKodkod;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every {@code run} and {@code check} command of every model in {@code spec/models/} with Alloy 6 and fails
 * on any outcome other than the command's {@code expect}: a {@code check ... expect 0} that finds a counterexample
 * fails the build; a deliberately broken operation's {@code check ... expect 1} must find one; every {@code run}
 * shows an instance exists.
 */
class AlloyModelsTest {
    static Path models() {
        Path p = Path.of(System.getProperty("jalloc.root", "../..")).resolve("spec/models").normalize();
        assertTrue(Files.isDirectory(p), "spec/models at " + p.toAbsolutePath());
        return p;
    }

    static List<Path> modelFiles() throws IOException {
        try (Stream<Path> s = Files.list(models())) {
            return s.filter(f -> f.toString().endsWith(".als")).sorted().toList();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyModelCommandHasItsExpectedOutcome() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        List<Path> files = modelFiles();
        assertFalse(files.isEmpty(), "no models in spec/models");
        for (Path file : files) {
            CompModule world = CompUtil.parseEverything_fromFile(A4Reporter.NOP, null, file.toString());
            boolean sawBroken = false;
            boolean sawRun = false;
            for (Command c : world.getAllCommands()) {
                assertNotEquals(-1, c.expects, file.getFileName() + ": command " + c.label + " has no 'expect'");
                sawRun |= !c.check;
                sawBroken |= c.check && c.expects == 1;
                tests.add(DynamicTest.dynamicTest(file.getFileName() + " " + (c.check ? "check " : "run ") + c.label, () -> {
                    A4Options options = new A4Options();
                    options.noOverflow = true;
                    A4Solution s = TranslateAlloyToKodkod.execute_command(A4Reporter.NOP, world.getAllReachableSigs(), c, options);
                    boolean sat = s.satisfiable();
                    String what = c.check ? (sat ? "a counterexample" : "no counterexample") : (sat ? "an instance" : "no instance");
                    assertEquals(c.expects == 1, sat, file.getFileName() + ": " + c.label + " found " + what);
                }));
            }
            assertTrue(sawRun, file.getFileName() + " has no run command (a model must show an instance exists)");
            assertTrue(sawBroken, file.getFileName() + " has no deliberately broken operation (check ... expect 1)");
        }
        return tests.stream();
    }
}
