/**
 * jalloc testkit: invariant-checked fuzzing (seeded op sequences, a shadow model, shrinking, a Jazzer bridge),
 * the CS:APP malloc-lab trace format (reader, writer, replayer with mdriver utilization and a libc baseline,
 * generator of published workload patterns), and the abstract contract test every allocator subclasses.
 */
module org.jalloc.testkit {
    requires static org.checkerframework.checker.qual;
    requires transitive org.jalloc.core;
    requires transitive org.jalloc.check;
    requires transitive org.jalloc.gc;
    // Only the contract package uses JUnit; callers of fuzz and trace need not have it.
    requires static org.junit.jupiter.api;
    requires static org.junit.jupiter.params;

    exports org.jalloc.testkit.trace;
    exports org.jalloc.testkit.fuzz;
    exports org.jalloc.testkit.contract;
    exports org.jalloc.testkit.gc;

    opens org.jalloc.testkit.contract to org.junit.platform.commons;
}
