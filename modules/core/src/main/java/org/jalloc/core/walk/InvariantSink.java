package org.jalloc.core.walk;

/** Collects invariant violations; checkers report every violation they find, not just the first. */
@FunctionalInterface
public interface InvariantSink {
    /**
     * @param invariantId the catalogue ID from {@code spec/invariants.md}, e.g. {@code "HEAP-1"}
     * @param address     the heap address the violation is about (0 if none)
     * @param message     what is wrong, in words
     * @param expected    what the invariant requires
     * @param actual      what was found
     */
    void violation(String invariantId, long address, String message, String expected, String actual);
}
