package org.jalloc.testkit.fuzz;

import java.util.ArrayList;
import java.util.List;

import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.testkit.trace.Op;

/**
 * Turns coverage-guided fuzzer input (Jazzer's {@code byte[]}) into an op sequence: five bytes per op
 * (kind, id, size class, two size bytes), so mutations of a byte change one op's field.
 */
public final class FuzzBytes {
    private FuzzBytes() {}

    /**
     * A Jazzer input's ops run on a fresh {@code spec} allocator of {@code heapBytes} under the checker (every
     * module's {@code *FuzzTest} body): a failure is shrunk (budget 500 runs) and thrown as an {@link AssertionError}
     * naming the invariant or exception and the shrunk ops.
     */
    public static void runChecked(String spec, long heapBytes, byte[] data) {
        FuzzFailure failure = new FuzzEngine(AllocatorFactory.of(spec, heapBytes)).shrinkBudget(500)
                .runOps(toOps(data, heapBytes), -1);
        if (failure != null) {
            throw new AssertionError(failure.toString());
        }
    }

    /** The ops encoded by {@code data} for a heap of {@code heapBytes}; trailing bytes short of an op are ignored. */
    public static List<Op> toOps(byte[] data, long heapBytes) {
        List<Op> ops = new ArrayList<>(data.length / 5);
        for (int i = 0; i + 5 <= data.length; i += 5) {
            int kind = (data[i] & 0xFF) % 6;
            int id = (data[i + 1] & 0xFF) % 32;
            int sizeClass = (data[i + 2] & 0xFF) % 6;
            int raw = ((data[i + 3] & 0xFF) << 8) | (data[i + 4] & 0xFF);
            long size = switch (sizeClass) {
                case 0 -> raw % 17;
                case 1 -> raw % 512;
                case 2 -> 1L << (raw % 14);
                case 3 -> 4096L * (1 + raw % 4) + (raw % 33) - 16;
                case 4 -> raw;
                default -> heapBytes / (2 + raw % 15);
            };
            ops.add(switch (kind) {
                case 0 -> Op.malloc(id, size);
                case 1 -> Op.free(id);
                case 2 -> Op.realloc(id, size);
                case 3 -> Op.calloc(id, 1 + raw % 64, Math.max(1, size / (1 + raw % 64)));
                case 4 -> Op.aligned(id, 1L << (3 + raw % 10), size);
                default -> Op.expand(id, size);
            });
        }
        return ops;
    }
}
