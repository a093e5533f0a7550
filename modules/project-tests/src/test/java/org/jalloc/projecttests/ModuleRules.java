package org.jalloc.projecttests;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.tngtech.archunit.lang.ArchRule;

/**
 * The dependency direction of the modules, as ArchUnit rules over packages:
 * <pre>
 *   core  &lt;-  check  &lt;-  testkit
 *   core  &lt;-  every allocator (slab may also use buddy)
 *   core  &lt;-  gc  &lt;-  testkit (the oracle, gc-fuzz); gc finds allocators by name at run time
 *   cli, bench, stress-tests may use everything; nothing uses cli
 * </pre>
 * The same direction is declared in each {@code module-info.java}; these rules keep it visible and fail loudly
 * with the offending class when a dependency creeps in.
 */
final class ModuleRules {
    private ModuleRules() {}

    /**
     * What any module may use: the Java platform, and the JDK's own JFR and JMX APIs, through which core emits its
     * events and registers its opt-in MBeans (docs/observability.md); no third-party library.
     */
    static final String[] PLATFORM = {"java..", "javax.annotation..", "org.checkerframework..", "jdk.jfr..", "javax.management.."};

    /** Allocator packages and the jalloc packages each may use besides core and its own. */
    static final Map<String, List<String>> ALLOCATORS = Map.of(
            "org.jalloc.freelist..", List.of(),
            "org.jalloc.boundarytag..", List.of(),
            "org.jalloc.buddy..", List.of(),
            "org.jalloc.slab..", List.of("org.jalloc.buddy.."),
            "org.jalloc.threadcache..", List.of(),
            "org.jalloc.dense..", List.of(),
            "org.jalloc.stack..", List.of());

    static ArchRule onlyDependsOn(String pkg, String... allowed) {
        List<String> all = new ArrayList<>(List.of(PLATFORM));
        all.add(pkg);
        all.addAll(List.of(allowed));
        return classes().that().resideInAPackage(pkg).should().onlyDependOnClassesThat()
                .resideInAnyPackage(all.toArray(String[]::new))
                .allowEmptyShould(true)
                .because(pkg + " may only use " + String.join(", ", allowed) + " (docs/architecture.md)");
    }

    static List<ArchRule> all() {
        List<ArchRule> rules = new ArrayList<>();
        rules.add(onlyDependsOn("org.jalloc.core.."));
        rules.add(onlyDependsOn("org.jalloc.check..", "org.jalloc.core.."));
        // JUnit for the contract tests, Jackson for the tools' JSON (testkit.json)
        rules.add(onlyDependsOn("org.jalloc.testkit..", "org.jalloc.core..", "org.jalloc.check..", "org.jalloc.gc..", "org.junit..",
                "com.fasterxml.jackson.."));
        rules.add(onlyDependsOn("org.jalloc.gc..", "org.jalloc.core.."));
        ALLOCATORS.forEach((pkg, extra) -> {
            List<String> allowed = new ArrayList<>(extra);
            allowed.add("org.jalloc.core..");
            rules.add(onlyDependsOn(pkg, allowed.toArray(String[]::new)));
        });
        rules.add(noClasses().that().resideOutsideOfPackage("org.jalloc.cli..").should().dependOnClassesThat()
                .resideInAPackage("org.jalloc.cli..").because("nothing depends on the CLI"));
        return rules;
    }
}
