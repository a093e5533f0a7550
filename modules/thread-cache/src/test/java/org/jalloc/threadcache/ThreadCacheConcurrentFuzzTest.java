package org.jalloc.threadcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.testkit.fuzz.ConcurrentFuzz;
import org.jalloc.testkit.fuzz.FuzzReport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Several platform threads on one allocator with remote frees (blocks handed between threads), the full checker
 * (HEAP-1..8, TC-1..7) at every barrier while the workers are parked: blocks in thread caches and on remote stacks
 * are FREE extents in exactly one list. With two arenas every hand-off between the workers is a cross-arena free
 * that returns through a remote stack. The explicit-handle view ({@code cache=explicit}) also detaches and attaches
 * the workers' handles as fuzz operations.
 */
class ThreadCacheConcurrentFuzzTest {
    @ParameterizedTest(name = "{0} with {1} threads")
    @CsvSource(delimiter = '|', value = {"thread-cache | 2 | 40000", "thread-cache:arenas=2 | 2 | 40000",
            "thread-cache:arenas=3,decay=0 | 4 | 40000", "thread-cache:cache=explicit | 2 | 40000",
            "thread-cache:arenas=2,cache=explicit | 4 | 40000"})
    void checkedAtBarriers(String spec, int threads, long ops) {
        FuzzReport report = new ConcurrentFuzz(AllocatorFactory.of(spec, 16 << 20), threads).opsBetweenChecks(50).run(23, ops, null);
        assertTrue(report.failures().isEmpty(), () -> report.failures().get(0).toString());
        assertEquals(ops, report.ops());
        assertTrue(report.blocksVisited() > 0);
    }
}
