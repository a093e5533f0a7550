package org.jalloc.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Function;

import org.jalloc.core.Allocator;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.OutOfOrderFreeException;
import org.jalloc.core.RegionAllocator;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.core.spi.ForwardingAllocator;
import org.jalloc.testkit.fuzz.DisciplineFuzz;
import org.jalloc.testkit.fuzz.FuzzEngine;
import org.jalloc.testkit.fuzz.FuzzFailure;
import org.jalloc.testkit.fuzz.FuzzReport;
import org.junit.jupiter.api.Test;

/**
 * The discipline fuzz can fail: planted bugs in the discipline (a stack that lets an out-of-order free pass, one that
 * refuses it with the wrong exception or after touching the heap, an arena whose release ends too much, a pool that
 * lets a double give-back pass) are found, and shrunk to a few steps.
 */
class DisciplineFuzzTest {
    private static final long HEAP = 1 << 20;

    /** A region allocator passing everything to a real one, with one planted bug in what it overrides. */
    static class Planted extends ForwardingAllocator implements RegionAllocator {
        final RegionAllocator region;

        Planted(Allocator delegate) {
            super(delegate);
            this.region = (RegionAllocator) delegate;
        }

        @Override
        public long checkpoint() {
            return region.checkpoint();
        }

        @Override
        public void releaseTo(long checkpoint) {
            region.releaseTo(checkpoint);
        }

        @Override
        public void reset() {
            region.reset();
        }

        @Override
        public boolean lifo() {
            return region.lifo();
        }
    }

    private static AllocatorFactory factory(String name, Function<Heap, Allocator> make) {
        return AllocatorFactory.of(name, HEAP, ThreadSafety.SINGLE_OWNER, make);
    }

    private static FuzzFailure firstFailure(AllocatorFactory f) {
        FuzzReport r = new FuzzEngine(f).opsPerSequence(300).shrinkBudget(400).run(7, 300 * 40, null);
        assertFalse(r.failures().isEmpty(), "the planted bug was not found in " + r.sequences() + " sequences");
        return r.failures().get(0);
    }

    @Test
    void aStackThatLetsAnOutOfOrderFreePassIsCaught() {
        FuzzFailure f = firstFailure(factory("lenient-stack", heap -> new Planted(new StackAllocator(heap, HEAP, "stack")) {
            @Override
            public void free(long address) {
                try {
                    delegate.free(address);
                } catch (OutOfOrderFreeException swallowed) {
                    // planted: the free out of order is silently dropped
                }
            }
        }));
        assertEquals("probe F not detected", f.signature(), f.toString());
        assertTrue(f.message().contains("misuse: free"), f.message());
        assertTrue(f.message().split("\n").length < 20, "shrunk to a few steps:\n" + f.message());
    }

    @Test
    void aStackThatRefusesWithTheWrongExceptionIsCaught() {
        FuzzFailure f = firstFailure(factory("vague-stack", heap -> new Planted(new StackAllocator(heap, HEAP, "stack")) {
            @Override
            public void free(long address) {
                try {
                    delegate.free(address);
                } catch (OutOfOrderFreeException e) {
                    throw new InvalidPointerException("planted: not specific", address);
                }
            }
        }));
        assertEquals("probe F threw InvalidPointerException", f.signature(), f.toString());
    }

    @Test
    void aStackThatTouchesTheHeapBeforeRefusingIsCaught() {
        FuzzFailure f = firstFailure(factory("scribbling-stack", heap -> new Planted(new StackAllocator(heap, HEAP, "stack")) {
            @Override
            public void free(long address) {
                try {
                    delegate.free(address);
                } catch (OutOfOrderFreeException e) {
                    heap.putByte(address, (byte) (heap.getByte(address) + 1)); // planted: a byte of the block changes
                    throw e;
                }
            }
        }));
        assertEquals("probe F changed the heap", f.signature(), f.toString());
    }

    @Test
    void anArenaWhoseReleaseEndsTooMuchIsCaught() {
        FuzzFailure f = firstFailure(factory("eager-arena", heap -> new Planted(new ArenaAllocator(heap, 4096, "arena")) {
            @Override
            public void releaseTo(long checkpoint) {
                region.releaseTo(checkpoint);
                region.reset(); // planted: the blocks older than the mark go too
            }
        }));
        assertTrue(f.signature().contains("HEAP-5"), f.toString());
    }

    @Test
    void aPoolThatLetsADoubleGiveBackPassIsCaught() {
        FuzzFailure f = firstFailure(factory("lenient-pool", heap -> new PoolLike(new PoolAllocator(heap, 64, 500, "pool")) {
            @Override
            public void free(long address) {
                try {
                    delegate.free(address);
                } catch (DoubleFreeException swallowed) {
                    // planted
                }
            }
        }));
        assertEquals("probe D not detected", f.signature(), f.toString());
    }

    /** A pool passing everything to a real one. */
    static class PoolLike extends ForwardingAllocator implements org.jalloc.core.FixedSizeAllocator {
        PoolLike(PoolAllocator delegate) {
            super(delegate);
        }

        @Override
        public long objectSize() {
            return ((PoolAllocator) delegate).objectSize();
        }

        @Override
        public long objectCount() {
            return ((PoolAllocator) delegate).objectCount();
        }
    }

    @Test
    void theRealAllocatorsPassAndAreFuzzedByTheirDiscipline() {
        for (String spec : List.of("stack", "arena", "pool")) {
            AllocatorFactory f = AllocatorFactory.of(spec, HEAP);
            DisciplineFuzz d = DisciplineFuzz.forFactory(f);
            assertEquals(switch (spec) {
                case "stack" -> DisciplineFuzz.Kind.LIFO;
                case "arena" -> DisciplineFuzz.Kind.REGION;
                default -> DisciplineFuzz.Kind.FIXED_SIZE;
            }, d == null ? null : d.kind());
            FuzzReport r = new FuzzEngine(f).opsPerSequence(300).run(11, 300 * 20, null);
            assertTrue(r.failures().isEmpty(), () -> r.failures().get(0).toString());
            assertEquals(6000, r.ops());
        }
        try (StackAllocator stack = StackAllocator.create(HEAP)) {
            assertNull(DisciplineFuzz.kindOf(new ForwardingAllocator(stack) { }), "what declares no discipline is fuzzed as a general allocator");
        }
    }

    @Test
    void sequencesAreReproducibleFromTheirSeed() {
        DisciplineFuzz d = DisciplineFuzz.forFactory(AllocatorFactory.of("arena", HEAP));
        assertEquals(d.generate(42, 500), d.generate(42, 500));
        assertFalse(d.generate(42, 500).equals(d.generate(43, 500)));
        assertTrue(d.generate(42, 500).stream().anyMatch(s -> s.kind() == 'S' || s.kind() == 'D' || s.kind() == 'I'), "misuse is tried");
    }
}
