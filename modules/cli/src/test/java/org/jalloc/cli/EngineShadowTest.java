package org.jalloc.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

import org.jalloc.check.HeapChecker;
import org.jalloc.core.Allocator;
import org.jalloc.core.Allocators;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.InvalidSizeException;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AbstractAllocator;
import org.jalloc.core.walk.Inspection;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code debug=F} alone done by the heap engines themselves ({@code EngineShadow} behind one field test in
 * {@link AbstractAllocator}'s final operations): no layer, the engine's class under the name {@code NAME:debug=F}, and
 * every report worded exactly as F alone's layer worded it before (the texts below are the shadow layer's of main at
 * 17be1b9, checked against it call for call), each misuse leaving the heap byte for byte as it was.
 */
class EngineShadowTest {
    private static final long HEAP = 8L << 20;
    private static final String NO_SITES = " (add U to debug= to record sites)";
    private static final String NOT_RECORDED = "    (not recorded: add U to debug=)\n";

    private static Heap heap(Allocator a) {
        return Inspection.of(a).heap();
    }

    private static String withF(String engine) {
        return engine + (engine.contains(":") ? "," : ":") + "debug=F";
    }

    private static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }

    /** Runs {@code misuse}: it throws {@code type} with {@code message} and leaves the heap byte for byte as it was. */
    private static <T extends RuntimeException> void refused(Allocator a, Class<T> type, String message, Executable misuse) {
        byte[] before = heap(a).snapshot();
        T e = assertThrows(type, misuse);
        assertEquals(message, e.getMessage());
        assertArrayEquals(before, heap(a).snapshot(), "the heap as it was after: " + message);
    }

    private static String doubleFree(String name, String op, long p, long usable) {
        return name + ": " + op + "(" + hex(p) + "): block already freed (" + usable + " bytes)" + NO_SITES + "\n  first freed at:\n"
                + NOT_RECORDED + "  " + (op.equals("free") ? "freed again" : op) + " at:\n" + NOT_RECORDED;
    }

    private static String invalid(String name, String op, long p, boolean outside) {
        return name + ": " + op + "(" + hex(p) + "): not the start of a live block of this heap" + (outside ? " (outside the heap)" : "");
    }

    /** Every engine spec whose {@code debug=F} is the engine itself. */
    static Stream<String> engines() {
        return Stream.of("tlsf", "boundary-tag", "boundary-tag:footers=all", "segregated", "first-fit", "first-fit:list=lifo",
                "next-fit", "best-fit", "buddy", "buddy:min-block=4096", "dense", "dense:footers=all",
                "slob", "slob:secure=on");
    }

    @ParameterizedTest
    @MethodSource("engines")
    void fAloneIsTheEngineItselfWithTheOptionInItsName(String engine) {
        try (Allocator off = Allocators.create(engine, HEAP); Allocator f = Allocators.create(withF(engine), HEAP)) {
            assertTrue(f instanceof AbstractAllocator, f.toString());
            assertSame(off.getClass(), f.getClass(), "the engine's own class");
            assertEquals(withF(engine), f.name());
            assertTrue(f.leakReport().isEmpty());
        }
        for (String other : new String[] {withF(engine) + ",leaks=simple", engine + (engine.contains(":") ? "," : ":") + "debug=FU"}) {
            try (Allocator a = Allocators.create(other, HEAP)) {
                assertFalse(a instanceof AbstractAllocator, other + ": another letter or a leak level is the layer's: " + a);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void aFreedBlockIsADoubleFreeOnEveryOperationWordedAsTheLayerWordedIt(String engine) {
        String name = withF(engine);
        try (Allocator a = Allocators.create(name, HEAP)) {
            long p = a.malloc(40);
            long q = a.malloc(40);
            long usable = a.usableSize(p);
            a.free(p);
            refused(a, DoubleFreeException.class, doubleFree(name, "free", p, usable), () -> a.free(p));
            refused(a, DoubleFreeException.class, doubleFree(name, "usableSize", p, usable), () -> a.usableSize(p));
            refused(a, DoubleFreeException.class, doubleFree(name, "realloc", p, usable), () -> a.realloc(p, 100));
            refused(a, DoubleFreeException.class, doubleFree(name, "tryExpand", p, usable), () -> a.tryExpand(p, 100));
            refused(a, DoubleFreeException.class, doubleFree(name, "segment", p, usable), () -> a.segment(p));
            a.free(q);
            assertTrue(new HeapChecker().check(Inspection.of(a).heapWalk()).isEmpty());
        }
    }

    /**
     * The ring names a double free for the last 4,096 frees (the latest free of the address, its usable size then), and
     * a free older than that is an invalid pointer, as every F's ring ({@code DebugAllocator.RECENT_FREES}).
     */
    /** The engines above and the concurrent ones that check F with their own screen and core's EngineSanity. */
    static Stream<String> enginesAndOwnScreens() {
        return Stream.concat(engines(), Stream.of("slub", "thread-cache", "slab"));
    }

    @ParameterizedTest
    @MethodSource("enginesAndOwnScreens")
    void aDoubleFreeIsToldForTheLast4096FreesThenItIsAnInvalidPointer(String engine) {
        String name = withF(engine);
        // 4,097 live blocks at once: 64 MiB hold them for every engine (buddy:min-block=4096 takes 4 KiB for each)
        try (Allocator a = Allocators.create(name, 64L << 20)) {
            long p = a.malloc(40);
            long[] others = new long[4096];
            for (int k = 0; k < others.length; k++) {
                others[k] = a.malloc(24);
                assertNotEquals(0, others[k], "block " + k + " of 4,096: every free must enter the ring");
            }
            long usable = a.usableSize(p);
            a.free(p); // no malloc from here on: p stays free, its granule no block start
            for (int k = 0; k < others.length - 1; k++) {
                a.free(others[k]);
            }
            refused(a, DoubleFreeException.class, doubleFree(name, "free", p, usable), () -> a.free(p)); // 4,096th-latest
            a.free(others[others.length - 1]);
            refused(a, InvalidPointerException.class, invalid(name, "free", p, false), () -> a.free(p)); // 4,097th
            assertTrue(new HeapChecker().check(Inspection.of(a).heapWalk()).isEmpty());
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void anInteriorMisalignedOrForeignPointerIsWordedAsTheLayerWordedIt(String engine) {
        String name = withF(engine);
        try (Allocator a = Allocators.create(name, HEAP)) {
            long p = a.malloc(400);
            long q = a.malloc(40);
            long start = heap(a).start();
            for (String op : new String[] {"free", "usableSize", "realloc", "tryExpand", "segment"}) {
                LongConsumer call = switch (op) {
                    case "free" -> a::free;
                    case "usableSize" -> a::usableSize;
                    case "realloc" -> u -> a.realloc(u, 100);
                    case "tryExpand" -> u -> a.tryExpand(u, 500);
                    default -> a::segment;
                };
                refused(a, InvalidPointerException.class, invalid(name, op, p + 64, false), () -> call.accept(p + 64));
                refused(a, InvalidPointerException.class, invalid(name, op, p + 8, false), () -> call.accept(p + 8));
                refused(a, InvalidPointerException.class, invalid(name, op, 1L << 40, true), () -> call.accept(1L << 40));
                refused(a, InvalidPointerException.class, invalid(name, op, start - 16, true), () -> call.accept(start - 16));
            }
            refused(a, InvalidPointerException.class, name + ": segment(NULL)", () -> a.segment(0));
            refused(a, InvalidPointerException.class, name + ": tryExpand(NULL): NULL is never a block", () -> a.tryExpand(0, 8));
            refused(a, InvalidSizeException.class, name + ": malloc(-1): negative size", () -> a.malloc(-1));
            refused(a, InvalidSizeException.class, name + ": realloc(" + hex(p) + ", -1): negative size", () -> a.realloc(p, -1));
            refused(a, InvalidSizeException.class, name + ": tryExpand(" + hex(p) + ", -1): negative size", () -> a.tryExpand(p, -1));
            a.free(p);
            a.free(q);
            assertTrue(new HeapChecker().check(Inspection.of(a).heapWalk()).isEmpty());
        }
    }

    /** A size word overwritten with another plausible size: the comparison's report at free, nothing freed. */
    @ParameterizedTest
    @ValueSource(strings = {"tlsf", "boundary-tag", "segregated", "first-fit", "first-fit:list=lifo", "next-fit", "best-fit", "buddy",
            "dense", "slob"})
    void aChangedSizeIsWordedAsTheLayerWordedIt(String engine) {
        String name = withF(engine);
        for (long delta : new long[] {32, -16}) {
            try (Allocator a = Allocators.create(name, HEAP)) {
                long p = a.malloc(200);
                long after = a.malloc(4000);
                long usable = a.usableSize(p);
                long word = heap(a).getLong(p - 8);
                heap(a).putLong(p - 8, word + delta);
                refused(a, HeapCorruptionException.class, name + ": free(" + hex(p) + "): the allocator's usable size of the block at "
                        + hex(p) + " changed from " + usable + " to " + (usable + delta) + " while it was live (its metadata was"
                        + " overwritten)" + NO_SITES, () -> a.free(p));
                heap(a).putLong(p - 8, word);
                a.free(p);
                a.free(after);
                assertTrue(new HeapChecker().check(Inspection.of(a).heapWalk()).isEmpty());
            }
        }
    }

    /** Views live while their block does, through an in-place resize, and die at its free or when realloc moves it. */
    @ParameterizedTest
    @ValueSource(strings = {"tlsf", "boundary-tag", "segregated", "first-fit", "best-fit", "buddy", "dense", "slob"})
    void viewsDieWithTheirBlock(String engine) {
        try (Allocator a = Allocators.create(withF(engine), HEAP)) {
            long p = a.malloc(64);
            MemorySegment v = a.segment(p);
            v.set(ValueLayout.JAVA_LONG, 0, 42);
            assertEquals(42, a.segment(p).get(ValueLayout.JAVA_LONG, 0), "the block's one arena, found again");
            long q = a.malloc(64);
            long blocker = a.malloc(64); // so q cannot grow in place
            MemorySegment w = a.segment(q);
            long moved = a.realloc(q, 100_000);
            assertTrue(moved != q && moved != 0, "moved");
            assertThrows(IllegalStateException.class, () -> w.get(ValueLayout.JAVA_BYTE, 0), "realloc moved the block: its view died");
            MemorySegment s = a.asSegmentAllocator().allocate(40, 8);
            long r = a.offsetOf(s);
            assertEquals(40, s.byteSize());
            a.free(r);
            assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(42, v.get(ValueLayout.JAVA_LONG, 0), "p's view lives while p does");
            a.free(p);
            assertThrows(IllegalStateException.class, () -> v.get(ValueLayout.JAVA_BYTE, 0));
            a.free(moved);
            a.free(blocker);
            assertTrue(new HeapChecker().check(Inspection.of(a).heapWalk()).isEmpty());
        }
    }
}
