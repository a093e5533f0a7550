package org.jalloc.check;

/**
 * One broken invariant.
 *
 * @param invariantId the catalogue ID ({@code spec/invariants.md}), e.g. {@code HEAP-3}
 * @param address     the heap address concerned, 0 if none
 * @param message     what is wrong
 * @param expected    what the invariant requires
 * @param actual      what was found
 */
public record Violation(String invariantId, long address, String message, String expected, String actual) {
    @Override
    public String toString() {
        return invariantId + " @" + HeapMap.hex(address) + ": " + message + " (expected " + expected + ", actual " + actual + ")";
    }
}
