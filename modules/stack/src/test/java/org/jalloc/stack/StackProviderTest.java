package org.jalloc.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jalloc.core.Allocator;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AllocatorFactory;
import org.junit.jupiter.api.Test;

/** The options of {@code stack}, {@code arena} and {@code pool}: their defaults, their ranges, and what only the constructor can refuse. */
class StackProviderTest {
    @Test
    void defaultsAndOptionsMakeTheAllocatorsTheyName() {
        try (Allocator a = AllocatorFactory.of("stack:size=64K", 1 << 20).create(Heap.reserve(1 << 20))) {
            assertEquals(64 << 10, ((StackAllocator) a).capacity());
        }
        Heap small = Heap.reserve(1 << 20);
        try (Allocator a = AllocatorFactory.of("stack", 1 << 20).create(small)) {
            assertEquals(small.capacity(), ((StackAllocator) a).capacity(), "8M on a 1M heap: the whole heap");
        }
        try (Allocator a = AllocatorFactory.of("pool:object=100,count=10", 1 << 20).create(Heap.reserve(1 << 20))) {
            assertEquals(112, ((PoolAllocator) a).objectSize());
            assertEquals(10, ((PoolAllocator) a).objectCount());
        }
        try (Allocator a = AllocatorFactory.of("arena:chunk=4K", 1 << 20).create(Heap.reserve(1 << 20))) {
            assertTrue(a.malloc(100) != 0);
        }
    }

    @Test
    void valuesOutsideTheRangesAreRefusedWhenTheSpecIsResolved() {
        for (String bad : new String[] {"stack:size=16", "stack:size=-1", "stack:size=1E", "arena:chunk=8", "pool:object=0",
                "pool:count=-1", "pool:count=137438953409"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AllocatorFactory.of(bad, 1 << 20), bad);
            assertTrue(e.getMessage().contains("must be") || e.getMessage().contains("not a number") || e.getMessage().contains("too large"),
                    bad + ": " + e.getMessage());
        }
    }

    @Test
    void combinationsOnlyTheConstructorCanJudgeAreRefusedByIt() {
        for (String bad : new String[] {"arena:chunk=24", "pool:object=2M", "pool:count=100000"}) {
            AllocatorFactory f = AllocatorFactory.of(bad, 1 << 20);
            Heap h = Heap.reserve(1 << 20);
            try {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.create(h), bad);
                assertTrue(e.getMessage().startsWith(bad.substring(0, bad.indexOf(':')) + ": "), e.getMessage());
            } finally {
                h.close();
            }
        }
    }
}
