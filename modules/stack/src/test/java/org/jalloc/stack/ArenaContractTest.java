package org.jalloc.stack;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.testkit.contract.AllocatorContractTest;
import org.jalloc.testkit.contract.Misuse;
import org.jalloc.testkit.contract.Replaces;
import org.jalloc.testkit.trace.Op;
import org.jalloc.testkit.trace.ReplayResult;
import org.jalloc.testkit.trace.SharedTraces;
import org.jalloc.testkit.trace.Trace;
import org.jalloc.testkit.trace.TraceGenerator;
import org.jalloc.testkit.trace.TraceReplayer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The allocator contract for {@code arena}. Every misuse of the table is detected without the checker. The arena
 * accepts frees in any order (an older block's bytes come back when the blocks above it go), so every base test runs
 * as is except the two workload replays, which assume freed bytes are reused: an arena reuses them only from the top,
 * so a workload needs about as much heap as it allocates in total. They are replaced by the same replays on a heap of
 * that size (see {@link Replaces}); realloc-bal, which allocates 1.4 GiB in total, must run out of the default 256 MiB
 * cleanly instead.
 */
class ArenaContractTest extends AllocatorContractTest {
    private static final String WHY = "an arena reuses freed bytes only from the top (or at a release): "
            + "the base replay's heap is sized for an allocator that reuses every freed block";

    @Override
    protected AllocatorFactory factory(long heapBytes) {
        return AllocatorFactory.of("arena", heapBytes);
    }

    @Override
    protected Set<Misuse> detectedWithoutChecker() {
        return EnumSet.allOf(Misuse.class);
    }

    /** Bytes the arena needs to replay {@code trace} without reusing anything (alignment pads included). */
    static long totalAllocation(Trace trace) {
        long total = 1 << 20;
        for (Op op : trace.ops()) {
            switch (op.kind()) {
                case 'a', 'r', 'x' -> total += ArenaAllocator.blockSize(op.size());
                case 'c' -> total += ArenaAllocator.blockSize(op.requested());
                case 'm' -> total += ArenaAllocator.blockSize(op.size()) + op.arg();
                default -> { }
            }
        }
        return total;
    }

    static Stream<String> patterns() {
        return TraceGenerator.PATTERNS.stream();
    }

    @ParameterizedTest
    @MethodSource("patterns")
    @Replaces(value = "generatedWorkloadsReplayCleanUnderTheChecker", because = WHY)
    void generatedWorkloadsReplayCleanOnAHeapAsLargeAsTheyAllocate(String pattern) {
        Trace trace = TraceGenerator.generate(pattern, 3000, 42);
        long heap = Math.max(16L << 20, totalAllocation(trace));
        ReplayResult r = TraceReplayer.replay(trace, factory(heap), TraceReplayer.Options.correctnessOnly(true));
        assertTrue(r.ok(), r.failure() + (r.outOfMemory() ? " (out of memory on " + heap + " bytes)" : ""));
    }

    @Test
    @Replaces(value = "malloclabTracesReplayCleanUnderTheChecker", because = WHY)
    void malloclabTracesReplayCleanOrRunOutOfMemoryCleanlyWhenTheyAllocateMoreThanTheHeap() {
        List<Path> files = SharedTraces.all();
        Assumptions.assumeFalse(files.isEmpty(), "../shared/traces/malloclab is absent");
        long heap = traceHeapBytes();
        for (Path file : files) {
            Trace trace = Trace.read(file);
            ReplayResult r = TraceReplayer.replay(trace, factory(heap), TraceReplayer.Options.correctnessOnly(true));
            if (totalAllocation(trace) <= heap) {
                assertTrue(r.ok(), file.getFileName() + ": " + r.failure() + (r.outOfMemory() ? " (out of memory)" : ""));
                assertTrue(r.utilization() > 0 && r.utilization() <= 1, file + " utilization " + r.utilization());
            } else {
                assertTrue(r.outOfMemory(), file.getFileName() + " allocates " + totalAllocation(trace) + " bytes in total");
                assertTrue(r.failure().isEmpty(), file.getFileName() + ": out of memory, but no violation: " + r.failure());
            }
        }
        assertFalse(files.isEmpty());
    }
}
