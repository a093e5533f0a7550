/**
 * jalloc testkit: invariant-checked fuzzing (seeded op sequences, a shadow model, shrinking, a Jazzer bridge),
 * the CS:APP malloc-lab trace format (reader, writer, replayer with mdriver utilization and a libc baseline,
 * generator of published workload patterns), the abstract contract test every allocator subclasses, and the tools'
 * JSON (the {@code --json} lines and the benchmarks' results files).
 */
module org.jalloc.testkit {
    requires static org.checkerframework.checker.qual;
    requires transitive org.jalloc.core;
    requires transitive org.jalloc.check;
    requires transitive org.jalloc.gc;
    // Only the contract package uses JUnit; callers of fuzz and trace need not have it.
    requires static org.junit.jupiter.api;
    requires static org.junit.jupiter.params;
    // Only the json package uses Jackson; its one reader, the CLI, requires it itself (bench runs on the class path).
    requires static com.fasterxml.jackson.databind;

    exports org.jalloc.testkit.trace;
    exports org.jalloc.testkit.fuzz;
    // The JUnit contract tests are for the allocator and collector modules' own tests (patched into those modules);
    // class-path test projects (gc-tests) see every package anyway.
    exports org.jalloc.testkit.contract to
            org.jalloc.freelist, org.jalloc.boundarytag, org.jalloc.buddy, org.jalloc.slab, org.jalloc.threadcache,
            org.jalloc.gc, org.jalloc.stack, org.jalloc.dense;
    exports org.jalloc.testkit.gc;
    // The tools' JSON lines and results files: the CLI's writer; not an API for users.
    exports org.jalloc.testkit.json to org.jalloc.cli;

    opens org.jalloc.testkit.contract to org.junit.platform.commons;
}
