package org.jalloc.testkit.gc;

import java.util.List;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A failing {@code gc-fuzz} sequence after shrinking, printable as a replay file.
 *
 * @param collector   the collector spec
 * @param allocator   its allocator, or null
 * @param heapBytes   the space size
 * @param seed        the sequence seed (-1 for a replayed file)
 * @param originalOps length before shrinking
 * @param ops         the shrunk sequence
 * @param signature   what failed: the invariant IDs, or the exception class
 * @param message     the full report of the shrunk run
 */
public record GcFuzzFailure(String collector, @Nullable String allocator, long heapBytes, long seed, int originalOps, List<GcOp> ops,
                            String signature, String message) {
    public GcFuzzFailure {
        ops = List.copyOf(ops);
    }

    /** The file name the replay text suggests. */
    public String fileName() {
        return "gc-fuzz-" + collector.replaceAll("[^A-Za-z0-9_-]", "_") + "-" + seed + ".ops";
    }

    /** The shrunk sequence with the seed and the replay command in comments. */
    public String replay() {
        StringBuilder sb = new StringBuilder();
        sb.append("# jalloc gc-fuzz failure: ").append(signature).append('\n');
        sb.append("# collector ").append(collector).append(allocator == null ? "" : ", allocator " + allocator).append(", heap ")
                .append(heapBytes).append(", seed ").append(seed).append(", shrunk from ").append(originalOps).append(" to ")
                .append(ops.size()).append(" ops\n");
        sb.append("# replay: ./jalloc gc-fuzz --collector ").append(collector).append(allocator == null ? "" : " --allocator " + allocator)
                .append(" --heap ").append(heapBytes).append(" --replay ").append(fileName()).append('\n');
        for (GcOp op : ops) {
            sb.append(op).append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return message + "\nshrunk operations:\n" + replay();
    }
}
