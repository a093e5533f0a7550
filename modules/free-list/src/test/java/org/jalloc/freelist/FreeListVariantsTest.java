package org.jalloc.freelist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.jalloc.core.walk.Inspection;
import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.core.Allocator;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.memory.Heap;
import org.jalloc.testkit.fuzz.FuzzEngine;
import org.jalloc.testkit.fuzz.FuzzReport;
import org.jalloc.testkit.trace.ReplayResult;
import org.jalloc.testkit.trace.Trace;
import org.jalloc.testkit.trace.TraceGenerator;
import org.jalloc.testkit.trace.TraceReplayer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every variant of the four placement policies (list organisation x coalescing), lighter than the contract test the
 * defaults run: checked fuzz sequences on a roomy and on a tiny heap (HEAP-1..8, FL-1..9, API-1..5 after every op),
 * every generated workload under the checker, and the O(1) misuse screen leaving the heap unchanged.
 */
class FreeListVariantsTest {
    /** Every spelling {@code NAME:list=...,coalesce=...} the provider accepts. */
    static List<String> variants() {
        List<String> specs = new ArrayList<>();
        for (String policy : List.of("first-fit", "next-fit", "best-fit")) {
            for (String list : List.of("implicit", "lifo", "address")) {
                for (String coalesce : List.of("immediate", "deferred")) {
                    specs.add(policy + ":list=" + list + ",coalesce=" + coalesce);
                }
            }
        }
        for (String list : List.of("lifo", "address")) {
            for (String coalesce : List.of("immediate", "deferred")) {
                specs.add("segregated:list=" + list + ",coalesce=" + coalesce);
            }
        }
        return specs;
    }

    static Stream<String> specs() {
        return variants().stream();
    }

    @ParameterizedTest
    @MethodSource("specs")
    void checkedFuzzing(String spec) {
        FuzzReport roomy = new FuzzEngine(AllocatorFactory.of(spec, 4L << 20)).opsPerSequence(200).run(0xF1, 80L * 200, null);
        FuzzReport tiny = new FuzzEngine(AllocatorFactory.of(spec, 64L << 10)).opsPerSequence(200).run(0xF2, 25L * 200, null);
        for (FuzzReport r : List.of(roomy, tiny)) {
            if (!r.failures().isEmpty()) {
                fail(r.failures().size() + " failing sequences; first:\n" + r.failures().get(0));
            }
        }
        assertEquals(105, roomy.sequences() + tiny.sequences());
    }

    @ParameterizedTest
    @MethodSource("specs")
    void generatedWorkloadsReplayCleanUnderTheChecker(String spec) {
        for (String pattern : TraceGenerator.PATTERNS) {
            Trace trace = TraceGenerator.generate(pattern, 1500, 42);
            ReplayResult r = TraceReplayer.replay(trace, AllocatorFactory.of(spec, 16L << 20), TraceReplayer.Options.correctnessOnly(true));
            assertTrue(r.ok(), pattern + ": " + r.failure());
        }
    }

    @ParameterizedTest
    @MethodSource("specs")
    void misuseIsScreenedInConstantTimeAndLeavesTheHeapUnchanged(String spec) {
        try (Heap heap = Heap.reserve(1 << 20)) {
            Allocator a = AllocatorFactory.of(spec, 1 << 20).create(heap);
            long x = a.malloc(48);
            long y = a.malloc(48);
            a.malloc(48);
            a.free(y);
            byte[] before = heap.snapshot();
            assertThrows(DoubleFreeException.class, () -> a.free(y));
            assertThrows(DoubleFreeException.class, () -> a.realloc(y, 100));
            assertThrows(DoubleFreeException.class, () -> a.tryExpand(y, 20));
            assertThrows(DoubleFreeException.class, () -> a.usableSize(y));
            assertThrows(InvalidPointerException.class, () -> a.free(x + 1));
            assertThrows(InvalidPointerException.class, () -> a.free(heap.start()), "the head table and the pad are no blocks");
            assertThrows(InvalidPointerException.class, () -> a.free((heap.brk() + 4096) & -16L));
            assertArrayEquals(before, heap.snapshot(), "misuse changed the heap");
            List<Violation> v = new HeapChecker().check(Inspection.of(a).heapWalk());
            assertTrue(v.isEmpty(), v::toString);
        }
    }
}
