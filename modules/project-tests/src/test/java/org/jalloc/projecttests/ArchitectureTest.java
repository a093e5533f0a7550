package org.jalloc.projecttests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;

import org.junit.jupiter.api.Test;

/** The module dependency rules hold for the main code of every module, and a planted violation breaks them. */
class ArchitectureTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.jalloc");

    @Test
    void everyModuleRespectsTheDependencyDirection() {
        for (String pkg : new String[] {"org.jalloc.core", "org.jalloc.check", "org.jalloc.testkit.fuzz", "org.jalloc.freelist", "org.jalloc.cli"}) {
            assertTrue(MAIN.stream().anyMatch(c -> c.getPackageName().equals(pkg)), "main classes of " + pkg + " were imported");
        }
        for (ArchRule rule : ModuleRules.all()) {
            rule.check(MAIN);
        }
    }

    @Test
    void aPlantedViolationFailsTheRule() {
        JavaClasses planted = new ClassFileImporter().importPackages("org.jalloc.projecttests.planted");
        EvaluationResult result = ModuleRules.onlyDependsOn("org.jalloc.projecttests.planted..", "org.jalloc.core..").evaluate(planted);
        assertTrue(result.hasViolation(), "an allocator-like class using testkit must violate the rule");
        assertTrue(result.getFailureReport().toString().contains("org.jalloc.testkit"), result.getFailureReport().toString());
        EvaluationResult clean = ModuleRules.onlyDependsOn("org.jalloc.projecttests.planted..", "org.jalloc.core..", "org.jalloc.testkit..")
                .evaluate(planted);
        assertFalse(clean.hasViolation(), clean.getFailureReport().toString());
    }
}
