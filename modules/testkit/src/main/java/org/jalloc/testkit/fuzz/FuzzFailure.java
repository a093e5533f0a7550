package org.jalloc.testkit.fuzz;

import java.util.List;

import org.jalloc.testkit.trace.Op;
import org.jalloc.testkit.trace.Trace;

/**
 * A failing sequence after shrinking, printable as a replayable trace.
 *
 * @param allocator    the allocator's name
 * @param heapBytes    the heap size it ran with
 * @param seed         the sequence seed (or -1 for a sequence from fuzzer bytes)
 * @param originalOps  length before shrinking
 * @param ops          the shrunk sequence
 * @param signature    what failed: the invariant IDs, or the exception class
 * @param message      the full report of the shrunk run
 */
public record FuzzFailure(String allocator, long heapBytes, long seed, int originalOps, List<Op> ops, String signature,
                          String message) {
    public FuzzFailure {
        ops = List.copyOf(ops);
    }

    /** The shrunk sequence as a trace file, with the seed and the replay command in comments. */
    public String trace() {
        String file = "fuzz-" + allocator.replaceAll("[^A-Za-z0-9_-]", "_") + "-" + seed + ".rep";
        return Trace.of(file, ops).format(List.of(
                "jalloc fuzz failure: " + signature,
                "allocator " + allocator + ", heap " + heapBytes + ", seed " + seed + ", shrunk from " + originalOps + " to " + ops.size() + " ops",
                "replay: ./jalloc replay " + file + " --allocator " + allocator + " --heap " + heapBytes + " --check"));
    }

    @Override
    public String toString() {
        return ops.isEmpty() ? message : message + "\nshrunk trace:\n" + trace();
    }
}
