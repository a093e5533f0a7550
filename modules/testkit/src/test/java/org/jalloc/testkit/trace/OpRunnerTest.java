package org.jalloc.testkit.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.jalloc.core.Allocator;
import org.jalloc.core.AllocatorFactory;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.Test;

/** Issue 15, defect 5: the id table costs memory by the ids used, not by the largest id. */
class OpRunnerTest {
    /** An allocator that hands out increasing addresses and records frees: enough to drive the runner. */
    private static Allocator bump(List<Long> freed) {
        return java.lang.reflect.Proxy.newProxyInstance(Allocator.class.getClassLoader(), new Class<?>[] {Allocator.class},
                new java.lang.reflect.InvocationHandler() {
                    long next = 4096;

                    @Override
                    public Object invoke(Object proxy, java.lang.reflect.Method m, Object[] args) {
                        return switch (m.getName()) {
                            case "malloc", "calloc", "alignedAlloc", "realloc" -> next += 64;
                            case "free" -> {
                                freed.add((Long) args[0]);
                                yield null;
                            }
                            case "tryExpand" -> false;
                            default -> throw new UnsupportedOperationException(m.getName());
                        };
                    }
                }) instanceof Allocator a ? a : null;
    }

    @Test
    void theLargestIdCostsNoMoreThanASmallOne() {
        List<Long> freed = new ArrayList<>();
        Allocator a = bump(freed);
        OpRunner r = new OpRunner(Integer.MAX_VALUE); // the header's id count is a hint, not an allocation
        assertTrue(r.apply(a, Op.malloc(2_147_483_646, 16)));
        assertTrue(r.apply(a, Op.malloc(5, 32)));
        assertTrue(r.apply(a, Op.malloc(1_000_000_000, 8)));
        assertEquals(56, r.liveRequested());
        long big = r.address(2_147_483_646);
        assertTrue(big != 0);
        r.apply(a, Op.free(2_147_483_646));
        assertEquals(List.of(big), freed);
        assertEquals(0, r.address(2_147_483_646));
        assertEquals(40, r.liveRequested());
        r.freeAll(a);
        assertEquals(3, freed.size(), "ascending ids: 5, then 1,000,000,000");
        assertTrue(freed.get(1) < freed.get(2) == (r.address(5) == 0));
        assertEquals(0, r.liveRequested());
        assertEquals(56, r.peakRequested());
    }

    @Test
    void manySparseIdsGrowTheTable() {
        List<Long> freed = new ArrayList<>();
        Allocator a = bump(freed);
        OpRunner r = new OpRunner(16);
        for (int i = 0; i < 10_000; i++) {
            r.apply(a, Op.malloc(IdTable.DENSE_IDS + i * 7919, 1));
        }
        for (int i = 0; i < 10_000; i += 2) {
            r.apply(a, Op.free(IdTable.DENSE_IDS + i * 7919));
        }
        assertEquals(5_000, r.liveRequested());
        r.freeAll(a);
        assertEquals(10_000, freed.size());
        assertEquals(0, r.liveRequested());
    }

    @Test
    void aReplayedTraceWithAHugeIdRuns() {
        Trace t = Trace.parse("huge-id.rep", "0\n1\n2\n1\na 2147483646 16\nf 2147483646\n");
        AllocatorFactory f = AllocatorFactory.of("bump", 1 << 20, ThreadSafety.SINGLE_OWNER, (Heap h) -> bump(new ArrayList<>()));
        OpRunner r = new OpRunner(t.numIds());
        for (int i = 0; i < t.ops().size(); i++) {
            assertTrue(r.apply(f.create(Heap.reserveInArena(4096)), t.opList(), i));
        }
        assertEquals(16, r.peakRequested());
    }
}
