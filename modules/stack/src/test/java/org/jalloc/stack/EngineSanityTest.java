package org.jalloc.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.jalloc.core.Allocator;
import org.jalloc.core.Allocators;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.LeakLevel;
import org.jalloc.core.OutOfOrderFreeException;
import org.jalloc.core.RegionAllocator;
import org.jalloc.core.debug.DebugOptions;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.core.walk.Inspection;
import org.jalloc.testkit.fuzz.DisciplineFuzz;
import org.jalloc.testkit.fuzz.FuzzEngine;
import org.jalloc.testkit.fuzz.FuzzReport;
import org.junit.jupiter.api.Test;

/**
 * {@code debug=F} alone done by the engine itself ({@link EngineSanity}): no layer, the blocks the engine's own, and
 * every F report worded exactly as the discipline's layer ({@link DisciplineDebug} with flag F over the plain engine,
 * built here directly) words it, each misuse leaving the heap as it was.
 */
class EngineSanityTest {
    private static final long HEAP = 4L << 20;

    private static Heap heap(Allocator a) {
        return Inspection.of(a).heap();
    }

    @Test
    void fAloneIsTheEngineItselfWithTheOptionInItsName() {
        try (Allocator s = Allocators.create("stack:size=1M,debug=F", HEAP);
             Allocator a = Allocators.create("arena:debug=F", HEAP);
             Allocator p = Allocators.create("pool:object=48,debug=F", HEAP)) {
            assertInstanceOf(StackAllocator.class, s);
            assertInstanceOf(ArenaAllocator.class, a);
            assertInstanceOf(PoolAllocator.class, p);
            assertEquals("stack:size=1M,debug=F", s.name());
            assertEquals("pool:object=48,debug=F", p.name());
        }
        try (Allocator s = Allocators.create("stack:size=1M,debug=FU", HEAP); Allocator l = Allocators.create("arena:debug=F,leaks=simple", HEAP)) {
            assertInstanceOf(DisciplineDebug.class, s, "another letter: the layer");
            assertInstanceOf(DisciplineDebug.class, l, "a leak level: the layer");
        }
    }

    @Test
    void fAloneAddsNoByteTheBlocksAreTheEnginesOwn() {
        for (String spec : List.of("stack:size=1M", "arena", "pool:object=48")) {
            try (Allocator off = Allocators.create(spec, HEAP); Allocator f = Allocators.create(spec + (spec.contains(":") ? "," : ":") + "debug=F", HEAP)) {
                for (int n : new int[] {1, 16, 17, 48, 31, 2}) {
                    long p = off.malloc(n);
                    long q = f.malloc(n);
                    assertEquals(p, q, spec + " malloc(" + n + ")");
                    assertEquals(off.usableSize(p), f.usableSize(q), spec);
                }
                assertEquals(heap(off).brk(), heap(f).brk(), spec);
            }
        }
    }

    // ---------------------------------------------------------------- the reports, against the layer's

    /** The layer as it was for F alone, over a plain engine of the same spec and heap layout. */
    private static Allocator layer(String kind) {
        int flags = DebugOptions.F;
        return switch (kind) {
            case "stack" -> {
                StackAllocator e = new StackAllocator(Heap.reserve(HEAP), 1 << 20, "stack:size=1M,debug=F");
                yield new DisciplineDebug.Region(e, flags, LeakLevel.DISABLED, "stack:size=1M,debug=F", true, e::checkRelease);
            }
            case "arena" -> {
                ArenaAllocator e = new ArenaAllocator(Heap.reserve(HEAP), ArenaAllocator.DEFAULT_CHUNK, "arena:debug=F");
                yield new DisciplineDebug.Region(e, flags, LeakLevel.DISABLED, "arena:debug=F", false, e::checkRelease);
            }
            default -> new DisciplineDebug.Pool(new PoolAllocator(Heap.reserve(HEAP), 48, 0, "pool:object=48,debug=F"), flags,
                    LeakLevel.DISABLED, "pool:object=48,debug=F");
        };
    }

    private static Allocator engine(String kind) {
        return Allocators.create(switch (kind) {
            case "stack" -> "stack:size=1M,debug=F";
            case "arena" -> "arena:debug=F";
            default -> "pool:object=48,debug=F";
        }, HEAP);
    }

    /**
     * Runs {@code misuse} (which returns the call that must fail) on the layer and on the engine: the same exception
     * type and message, and the engine's heap byte for byte as before the call.
     */
    private static void sameReport(String kind, Class<? extends RuntimeException> type, Consumer<List<Runnable>> misuse) {
        try (Allocator l = layer(kind); Allocator e = engine(kind)) {
            List<Runnable> onLayer = new ArrayList<>();
            List<Runnable> onEngine = new ArrayList<>();
            misuse.accept(onLayer);
            misuse.accept(onEngine);
            RuntimeException expected = run(l, type, onLayer, kind);
            RuntimeException actual = run(e, type, onEngine, kind);
            assertEquals(expected.getMessage(), actual.getMessage(), kind);
        }
    }

    private static final ThreadLocal<Allocator> SUBJECT = new ThreadLocal<>();

    /** Runs the setup steps, then the last one, which must throw {@code type} and leave the heap byte for byte as it was. */
    private static RuntimeException run(Allocator a, Class<? extends RuntimeException> type, List<Runnable> steps, String kind) {
        SUBJECT.set(a);
        try {
            for (int i = 0; i < steps.size() - 1; i++) {
                steps.get(i).run();
            }
            byte[] before = heap(a).snapshot();
            RuntimeException e = assertThrows(type, () -> steps.get(steps.size() - 1).run(), kind);
            assertArrayEquals(before, heap(a).snapshot(), kind + ": the heap as it was");
            return e;
        } finally {
            SUBJECT.remove();
        }
    }

    private static Allocator a() {
        return SUBJECT.get();
    }

    private static final long[] SLOT = new long[4];

    @Test
    void aDoubleFreeIsWordedAsTheLayerWordsIt() {
        for (String kind : List.of("stack", "arena", "pool")) {
            sameReport(kind, DoubleFreeException.class, steps -> {
                steps.add(() -> SLOT[0] = a().malloc(40));
                steps.add(() -> a().free(SLOT[0]));
                steps.add(() -> a().free(SLOT[0]));
            });
            sameReport(kind, DoubleFreeException.class, steps -> {
                steps.add(() -> SLOT[0] = a().malloc(40));
                steps.add(() -> a().free(SLOT[0]));
                steps.add(() -> a().usableSize(SLOT[0]));
            });
        }
        // a block ended by a release, then freed
        for (String kind : List.of("stack", "arena")) {
            sameReport(kind, DoubleFreeException.class, steps -> {
                steps.add(() -> SLOT[1] = ((RegionAllocator) a()).checkpoint());
                steps.add(() -> SLOT[0] = a().malloc(100));
                steps.add(() -> a().malloc(30));
                steps.add(() -> ((RegionAllocator) a()).releaseTo(SLOT[1]));
                steps.add(() -> a().free(SLOT[0]));
            });
        }
        // an arena's older block freed twice (dead, not given back)
        sameReport("arena", DoubleFreeException.class, steps -> {
            steps.add(() -> SLOT[0] = a().malloc(40));
            steps.add(() -> a().malloc(40));
            steps.add(() -> a().free(SLOT[0]));
            steps.add(() -> a().free(SLOT[0]));
        });
    }

    @Test
    void anInteriorOrForeignPointerIsWordedAsTheLayerWordsIt() {
        for (String kind : List.of("stack", "arena", "pool")) {
            sameReport(kind, InvalidPointerException.class, steps -> {
                steps.add(() -> SLOT[0] = a().malloc(40));
                steps.add(() -> a().malloc(40));
                steps.add(() -> a().free(SLOT[0] + 16));
            });
            sameReport(kind, InvalidPointerException.class, steps -> {
                steps.add(() -> a().malloc(40));
                steps.add(() -> a().free(heap(a()).start() + 8));
            });
            sameReport(kind, InvalidPointerException.class, steps -> {
                steps.add(() -> a().malloc(40));
                steps.add(() -> a().free(1L << 40));
            });
            sameReport(kind, InvalidPointerException.class, steps -> {
                steps.add(() -> SLOT[0] = a().malloc(40));
                steps.add(() -> a().segment(SLOT[0] + 32));
            });
        }
        sameReport("pool", InvalidPointerException.class, steps -> {
            steps.add(() -> a().malloc(40));
            steps.add(() -> a().free(heap(a()).start() + 48 * 20));
        });
    }

    @Test
    void aStacksOlderBlockIsStillTheStacksOwnRefusal() {
        sameReport("stack", OutOfOrderFreeException.class, steps -> {
            steps.add(() -> SLOT[0] = a().malloc(40));
            steps.add(() -> a().malloc(40));
            steps.add(() -> a().free(SLOT[0]));
        });
    }

    @Test
    void aSizeOverwrittenWhileLiveIsWordedAsTheLayerWordsItAndNothingIsFreed() {
        // stack: the newest block's size word, 80 → 96 (the tag kept)
        sameReport("stack", HeapCorruptionException.class, steps -> {
            steps.add(() -> SLOT[0] = a().malloc(64));
            steps.add(() -> heap(a()).memory().set(ValueLayout.JAVA_LONG, SLOT[0] - 16,
                    heap(a()).memory().get(ValueLayout.JAVA_LONG, SLOT[0] - 16) + 16));
            steps.add(() -> a().free(SLOT[0]));
        });
        // arena: an older block's size made to reach the bump pointer, so its neighbours' links still agree with it
        sameReport("arena", HeapCorruptionException.class, steps -> {
            steps.add(() -> SLOT[0] = a().malloc(64));
            steps.add(() -> a().malloc(64));
            steps.add(() -> heap(a()).memory().set(ValueLayout.JAVA_LONG, SLOT[0] - 16, 160 | ArenaAllocator.LIVE));
            steps.add(() -> a().free(SLOT[0]));
        });
        try (Allocator a = engine("arena")) {
            long p = a.malloc(64);
            long q = a.malloc(64);
            MemorySegment mem = heap(a).memory();
            long word = mem.get(ValueLayout.JAVA_LONG, p - 16);
            mem.set(ValueLayout.JAVA_LONG, p - 16, 160 | ArenaAllocator.LIVE);
            HeapCorruptionException e = assertThrows(HeapCorruptionException.class, () -> a.free(p));
            assertTrue(e.getMessage().contains("changed from 64 to 144"), e.getMessage());
            mem.set(ValueLayout.JAVA_LONG, p - 16, word);
            a.free(q);
            a.free(p);
            assertEquals(0, ((ArenaAllocator) a).used(), "restored, both free normally");
        }
    }

    @Test
    void aStacksHeaderCheckWordIsKeyedPerHeapSoAHeaderForgedInAPayloadIsNoBlock() {
        try (Allocator plain = Allocators.create("stack:size=1M", HEAP); Allocator a = engine("stack"); Allocator b = engine("stack")) {
            long p = a.malloc(64);
            assertEquals(p, b.malloc(64));
            assertTrue(heap(a).memory().get(ValueLayout.JAVA_LONG, p - 8) != heap(b).memory().get(ValueLayout.JAVA_LONG, p - 8),
                    "two heaps, two keys");
            // a header written into a payload as a plain stack writes one (start ^ CHECK): the plain stack takes it for a
            // block, F's stack does not (it would need the key)
            for (Allocator s : List.of(plain, a)) {
                long r = s.malloc(64);
                MemorySegment mem = heap(s).memory();
                long forged = r + 16;
                mem.set(ValueLayout.JAVA_LONG, forged, 48 | StackAllocator.BLOCK);
                mem.set(ValueLayout.JAVA_LONG, forged + 8, forged ^ StackAllocator.CHECK);
                if (s == plain) {
                    assertEquals(32, s.usableSize(forged + 16), "the plain stack's O(1) check is fooled by the forged header");
                } else {
                    InvalidPointerException e = assertThrows(InvalidPointerException.class, () -> s.usableSize(forged + 16));
                    assertTrue(e.getMessage().contains("inside the live block " + EngineSanity.hex(r)), e.getMessage());
                }
            }
        }
    }

    @Test
    void viewsDieWhenTheirBlockIsFreedForEachDiscipline() {
        for (String kind : List.of("stack", "arena", "pool")) {
            try (Allocator a = engine(kind)) {
                long p = a.malloc(32);
                MemorySegment v = a.segment(p);
                v.set(ValueLayout.JAVA_INT, 0, 7);
                MemorySegment w = a.asSegmentAllocator().allocate(24, 8);
                w.set(ValueLayout.JAVA_INT, 0, 8);
                a.free(a.offsetOf(w));
                assertThrows(IllegalStateException.class, () -> w.get(ValueLayout.JAVA_INT, 0), kind);
                assertEquals(7, v.get(ValueLayout.JAVA_INT, 0), kind + ": the other block's view lives");
                a.free(p);
                assertThrows(IllegalStateException.class, () -> v.get(ValueLayout.JAVA_INT, 0), kind);
            }
        }
    }

    @Test
    void theDisciplineFuzzPassesWithTheEnginesF() {
        for (String spec : List.of("stack:debug=F", "arena:debug=F", "pool:debug=F", "pool:debug=F,secure=on")) {
            AllocatorFactory f = AllocatorFactory.of(spec, 16L << 20);
            assertTrue(DisciplineFuzz.forFactory(f) != null, spec + " keeps its discipline");
            FuzzReport r = new FuzzEngine(f).opsPerSequence(300).run(71, 300 * 10, null);
            assertTrue(r.failures().isEmpty(), () -> spec + ": " + r.failures().get(0));
            assertEquals(3000, r.ops());
        }
    }
}
