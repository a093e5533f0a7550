package org.jalloc.freelist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.jalloc.core.spi.AllocatorTypes;
import org.jalloc.core.Allocator;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.core.AllocatorStats;
import org.jalloc.core.Allocators;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AllocatorType;
import org.jalloc.freelist.FreeListAllocator.Coalescing;
import org.jalloc.freelist.FreeListAllocator.ListKind;
import org.jalloc.freelist.FreeListAllocator.Policy;
import org.jalloc.testkit.trace.OpRunner;
import org.jalloc.testkit.trace.Trace;
import org.jalloc.testkit.trace.TraceGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The four names through the provider SPI, their options and defaults, and the {@code free-list} stats section. */
class FreeListStatsAndNamesTest {
    @Test
    void everyPolicyIsRegisteredWithItsOptions() {
        List<String> names = AllocatorTypes.all().stream().map(AllocatorType::name).toList();
        assertTrue(names.containsAll(List.of("first-fit", "next-fit", "best-fit", "segregated")), names::toString);
        AllocatorType segregated = AllocatorTypes.require("segregated");
        assertEquals("list=lifo|address (default lifo), coalesce=deferred|immediate (default deferred), secure=off|on (default off)",
                segregated.usage());
        assertEquals("list=implicit|lifo|address (default implicit), coalesce=immediate|deferred (default immediate), secure=off|on (default off)",
                AllocatorTypes.require("next-fit").usage());
    }

    @Test
    void specsSpellVariantsAndRejectWhatDoesNotExist() {
        assertEquals("first-fit:list=address,coalesce=deferred",
                AllocatorFactory.of("first-fit:coalesce=deferred,list=address", 1 << 20).name());
        assertEquals("best-fit", AllocatorFactory.of("best-fit:list=implicit", 1 << 20).name(), "defaults are not spelled");
        assertEquals("segregated:coalesce=immediate", AllocatorFactory.of("segregated:coalesce=immediate", 1 << 20).name());
        assertThrows(IllegalArgumentException.class, () -> AllocatorFactory.of("segregated:list=implicit", 1 << 20));
        assertThrows(IllegalArgumentException.class, () -> AllocatorFactory.of("next-fit:list=sorted", 1 << 20));
        try (Heap heap = Heap.reserve(1 << 20)) {
            assertThrows(IllegalArgumentException.class,
                    () -> new FreeListAllocator(heap, Policy.SEGREGATED, ListKind.IMPLICIT, Coalescing.DEFERRED, "x"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"first-fit", "next-fit:list=lifo", "best-fit:list=address", "segregated", "segregated:list=address"})
    void theStatsSectionCountsTheWork(String spec) {
        try (Allocator a = Allocators.create(spec, 16 << 20)) {
            Trace trace = TraceGenerator.generate("random", 4000, 3);
            OpRunner runner = new OpRunner(trace.numIds());
            trace.ops().forEach(op -> runner.apply(a, op));
            a.malloc(100);
            AllocatorStats stats = a.stats();
            assertEquals(1, stats.metrics().size());
            FreeListMetric v = stats.metric(FreeListMetric.class).orElseThrow();
            assertEquals("free-list", v.section());
            assertEquals(spec.split(":")[0], v.placement());
            assertEquals(AllocatorTypes.require(spec.split(":")[0]).resolve(org.jalloc.core.spi.AllocatorSpec.parse(spec)).get("list"), v.list());
            long allocations = v.allocations();
            assertTrue(allocations > 1000, "allocations " + allocations);
            double mean = v.searchStepsMean();
            assertTrue(mean > 0 && mean <= v.searchStepsMax(), v::toString);
            assertTrue(v.splits() > 0, v::toString);
            assertTrue(v.coalesces() > 0, v::toString);
            assertEquals(stats.freeBlocks(), v.freeBlocks());
            assertEquals(stats.largestFreeBlock(), v.largestFreeBlock());
            assertEquals(stats.externalFragmentation(), v.externalFragmentation(), 1e-12);
            assertEquals(spec.startsWith("segregated"), !v.table().isEmpty(), v.table());
        }
    }

    @Test
    void deferredCoalescingPaysForAPassWithFreesAndAlwaysTriesOneBeforeGivingUp() {
        try (Heap heap = Heap.reserve(64 << 10)) {
            FreeListAllocator a = new FreeListAllocator(heap, Policy.FIRST_FIT, ListKind.LIFO, Coalescing.DEFERRED, "first-fit");
            List<Long> blocks = new ArrayList<>();
            for (int i = 0; i < 160; i++) {
                blocks.add(a.malloc(48)); // 160 blocks of 64 bytes
            }
            a.free(blocks.get(0));
            a.free(blocks.get(1)); // two frees: far less than one per 8 blocks
            assertNotEquals(0, a.malloc(100));
            assertEquals(0, a.counters.coalescePasses, "the heap grew without a pass");
            for (int i = 2; i < 40; i++) {
                a.free(blocks.get(i));
            }
            long merged = a.malloc(1000); // 40 adjacent free blocks: a pass merges them and serves the request
            assertEquals(1, a.counters.coalescePasses);
            assertEquals(blocks.get(0), merged);
            // Fill the heap, free a run of small blocks, then ask for more than any of them: the heap is full, so a
            // pass runs although few blocks were freed, and the run serves the request.
            List<Long> filler = new ArrayList<>();
            for (long p; (p = a.malloc(48)) != 0; ) {
                filler.add(p);
            }
            assertTrue(filler.size() >= 8, "the heap held more blocks");
            for (int i = 0; i < 3; i++) {
                a.free(filler.get(i));
            }
            long passes = a.counters.coalescePasses;
            assertEquals(filler.get(0), a.malloc(150));
            assertEquals(passes + 1, a.counters.coalescePasses);
        }
    }
}
