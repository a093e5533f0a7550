package org.jalloc.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.stream.Stream;

import org.jalloc.core.Allocator;
import org.jalloc.core.Allocators;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.LeakLevel;
import org.jalloc.core.LeakReport;
import org.jalloc.core.RedZoneException;
import org.jalloc.core.UseAfterFreeException;
import org.jalloc.core.debug.DebugAllocator;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AllocatorType;
import org.jalloc.core.spi.AllocatorTypes;
import org.jalloc.core.walk.Inspection;
import org.jalloc.testkit.fuzz.DisciplineFuzz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The debug layer (issue 24) on every allocator of {@code ./jalloc list}: a 1-byte overrun, a 1-byte underrun, a
 * write after free, a read after free through a view, a double free and a leaked block are each caught and reported
 * with the right site (this class's frames). slab runs with its own SLUB-style {@code debug=FZPU} under the generic
 * layer's scoped views and sites; stack, arena and pool with their discipline's layer (no quarantine: the poison of a
 * freed block is verified when its bytes are handed out again).
 */
class DebugLayerTest {
    private static final long HEAP = 8L << 20;

    /** Every allocator of {@code ./jalloc list}: stack, arena and pool through their discipline's layer (DisciplineDebug). */
    static Stream<String> allocators() {
        return AllocatorTypes.all().stream().map(AllocatorType::name);
    }

    static Stream<String> disciplinedAllocators() {
        return AllocatorTypes.all().stream().map(AllocatorType::name).filter(DebugLayerTest::disciplined);
    }

    private static boolean disciplined(String name) {
        try (Allocator a = Allocators.create(spec(name), HEAP)) {
            return DisciplineFuzz.kindOf(a) != null;
        }
    }

    /** The spec of {@code name} on this test's heap: stack's frame area fits it, pool's objects hold the largest request. */
    private static String spec(String name) {
        return switch (name) {
            case "stack" -> "stack:size=1M";
            case "pool" -> "pool:object=1024";
            default -> name;
        };
    }

    @ParameterizedTest
    @MethodSource("disciplinedAllocators")
    void allocatorsWithADisciplineKeepItUnderTheLayer(String name) {
        for (String option : List.of("debug=FZPU", "leaks=simple", "debug=P,leaks=paranoid")) {
            try (Allocator plain = Allocators.create(spec(name), HEAP); Allocator a = Allocators.create(with(spec(name), option), HEAP)) {
                assertEquals(DisciplineFuzz.kindOf(plain), DisciplineFuzz.kindOf(a), option);
                assertTrue(a.name().contains(option), a.name());
            }
        }
    }

    @Test
    void everyAllocatorIsCovered() {
        assertTrue(allocators().toList().containsAll(List.of("first-fit", "next-fit", "best-fit", "segregated", "boundary-tag", "tlsf",
                "buddy", "slab", "slub", "slob", "thread-cache", "dense", "stack", "arena", "pool")), allocators().toList().toString());
        assertEquals(java.util.Set.of("stack", "arena", "pool"), java.util.Set.copyOf(disciplinedAllocators().toList()));
    }

    private static String with(String spec, String options) {
        return spec + (spec.contains(":") ? "," : ":") + options;
    }

    private static Allocator debug(String name) {
        return Allocators.create(with(spec(name), "debug=FZPU,leaks=paranoid"), HEAP);
    }

    private static Heap heap(Allocator a) {
        return Inspection.of(a).heap();
    }

    private static boolean generic(String name) {
        return !name.equals("slab"); // slab's debug= letters are its own implementation
    }

    @ParameterizedTest
    @MethodSource("allocators")
    void aOneByteOverrunIsCaughtOnFreeNamingTheBlockAndWhereItWasAllocated(String name) {
        try (Allocator a = debug(name)) {
            long p = allocateForOverrun(a);
            long n = a.usableSize(p);
            heap(a).putByte(p + n, (byte) 0x41);
            byte[] before = heap(a).snapshot();
            HeapCorruptionException e = assertThrows(HeapCorruptionException.class, () -> a.free(p));
            assertTrue(e.getMessage().contains("allocateForOverrun"), e.getMessage());
            assertTrue(e.getMessage().contains("overrun"), e.getMessage());
            if (generic(name)) {
                assertInstanceOf(RedZoneException.class, e);
                assertTrue(e.getMessage().contains("41"), "the zone bytes found: " + e.getMessage());
                assertTrue(e.getMessage().contains(name), "names the allocator: " + e.getMessage());
            }
            assertArrayEquals(before, heap(a).snapshot(), "the failed free left the heap as it was");
            heap(a).putByte(p + n, generic(name) ? DebugAllocator.RED : (byte) 0xcc);
            a.free(p);
        }
    }

    private static long allocateForOverrun(Allocator a) {
        return a.malloc(24);
    }

    @ParameterizedTest
    @MethodSource("allocators")
    void aOneByteUnderrunIsCaughtOnFreeNamingWhereTheBlockWasAllocated(String name) {
        try (Allocator a = debug(name)) {
            long p = allocateForUnderrun(a);
            heap(a).putByte(p - 1, (byte) 0x42);
            HeapCorruptionException e = assertThrows(HeapCorruptionException.class, () -> a.free(p));
            assertTrue(e.getMessage().contains("allocateForUnderrun"), e.getMessage());
            assertTrue(e.getMessage().contains("underrun"), e.getMessage());
        }
    }

    private static long allocateForUnderrun(Allocator a) {
        return a.malloc(40);
    }

    @ParameterizedTest
    @MethodSource("allocators")
    void aWriteAfterFreeIsCaughtNamingTheFreeSiteAndTheFirstChangedByte(String name) {
        try (Allocator a = debug(name)) {
            long p = a.malloc(48);
            freeForWriteAfterFree(a, p);
            heap(a).putByte(p + 5, (byte) 0x43);
            HeapCorruptionException e = assertThrows(HeapCorruptionException.class, () -> {
                for (int i = 0; i < 4 * DebugAllocator.QUARANTINE_BLOCKS; i++) {
                    a.free(a.malloc(48));
                }
            });
            assertTrue(e.getMessage().contains("freeForWriteAfterFree"), e.getMessage());
            if (generic(name)) {
                assertInstanceOf(UseAfterFreeException.class, e);
                assertTrue(e.getMessage().contains("offset 5"), e.getMessage());
                assertTrue(e.getMessage().contains("0x43"), e.getMessage());
            } else {
                assertTrue(e.getMessage().contains("write after free"), e.getMessage());
            }
        }
    }

    private static void freeForWriteAfterFree(Allocator a, long p) {
        a.free(p);
    }

    @ParameterizedTest
    @MethodSource("allocators")
    void aReadAfterFreeThroughAViewThrows(String name) {
        try (Allocator a = debug(name)) {
            long p = a.malloc(64);
            MemorySegment view = a.segment(p);
            view.set(ValueLayout.JAVA_LONG, 0, 7);
            MemorySegment fromAdapter = a.asSegmentAllocator().allocate(32, 8);
            long q = a.offsetOf(fromAdapter);
            a.free(q); // newest first: a stack frees only its newest block
            a.free(p);
            assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_LONG, 0));
            assertThrows(IllegalStateException.class, () -> fromAdapter.get(ValueLayout.JAVA_BYTE, 0));
        }
    }

    @ParameterizedTest
    @MethodSource("allocators")
    void aDoubleFreeNamesBothFreeSites(String name) {
        try (Allocator a = debug(name)) {
            long p = a.malloc(24);
            firstFree(a, p);
            byte[] before = heap(a).snapshot();
            DoubleFreeException e = assertThrows(DoubleFreeException.class, () -> secondFree(a, p));
            assertTrue(e.getMessage().contains("firstFree"), e.getMessage());
            assertTrue(e.getMessage().contains("secondFree"), e.getMessage());
            assertArrayEquals(before, heap(a).snapshot(), "the double free left the heap as it was");
        }
    }

    private static void firstFree(Allocator a, long p) {
        a.free(p);
    }

    private static void secondFree(Allocator a, long p) {
        a.free(p);
    }

    @ParameterizedTest
    @MethodSource("allocators")
    void aLeakedBlockIsReportedWithItsAllocationSite(String name) {
        try (Allocator a = debug(name)) {
            long kept = leakThree(a);
            a.free(a.malloc(100));
            LeakReport r = a.leakReport();
            assertEquals(LeakLevel.PARANOID, r.level());
            assertEquals(4, r.liveBlocks(), r.format());
            LeakReport.Group top = r.groups().get(0);
            assertEquals(3, top.blocks(), r.format());
            assertTrue(top.site().get(0).contains("leakThree"), r.format());
            assertTrue(r.groups().stream().anyMatch(g -> g.blocks() == 1 && g.site().get(0).contains("leakOne")), r.format());
            assertNotEquals(0, kept);
        }
    }

    private static long leakThree(Allocator a) {
        long last = 0;
        for (int i = 0; i < 3; i++) {
            last = a.malloc(1000); // one site: the same frames for the three blocks
        }
        leakOne(a);
        return last;
    }

    private static void leakOne(Allocator a) {
        a.malloc(16);
    }

    @Test
    void offIsNoWrapperAtAll() {
        try (Allocator a = Allocators.create("tlsf", HEAP)) {
            assertFalse(a instanceof DebugAllocator);
            assertEquals(LeakLevel.DISABLED, a.leakReport().level());
        }
        try (Allocator a = Allocators.create("tlsf:debug=-,leaks=disabled", HEAP)) {
            assertFalse(a instanceof DebugAllocator);
            assertEquals("tlsf", a.name());
        }
    }

    @Test
    void theNameCarriesTheGenericOptionsInCanonicalOrder() {
        try (Allocator a = Allocators.create("buddy:leaks=simple,debug=upz,max-order=20", HEAP)) {
            assertEquals("buddy:max-order=20,debug=ZPU,leaks=simple", a.name());
        }
    }

    @Test
    void badGenericValuesAreOneClearLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Allocators.create("tlsf:debug=X", HEAP));
        assertTrue(e.getMessage().contains("subset of FZPU"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Allocators.create("tlsf:leaks=loud", HEAP));
        assertTrue(e.getMessage().contains("disabled|simple|advanced|paranoid"), e.getMessage());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(new String[] {"fuzz", "--allocator", "tlsf:leaks=loud", "--ops", "10"}, new PrintWriter(out, true),
                new PrintWriter(err, true));
        assertEquals(2, exit);
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
    }

    @Test
    void simpleLeakDetectionSamplesAndCountsTheRest() {
        try (Allocator a = Allocators.create("tlsf:leaks=simple", HEAP)) {
            assertFalse(a.leakReport().isEmpty() && a.leakReport().liveBlocks() != 0);
            for (int i = 0; i < 2000; i++) {
                a.malloc(32);
            }
            LeakReport r = a.leakReport();
            assertEquals(2000, r.liveBlocks(), r.format());
            long sampled = r.groups().stream().filter(g -> !g.site().isEmpty()).mapToLong(LeakReport.Group::blocks).sum();
            assertTrue(sampled > 0 && sampled < 100, "about 2000 / 128 sampled: " + sampled);
        }
    }

    @Test
    void advancedLeakDetectionRecordsRecentAccesses() {
        try (Allocator a = Allocators.create("tlsf:debug=U,leaks=advanced", HEAP)) {
            long p = a.malloc(64);
            touch(a, p);
            LeakReport r = a.leakReport();
            assertEquals(1, r.liveBlocks());
            List<List<String>> accesses = r.groups().get(0).recentAccesses();
            assertEquals(1, accesses.size(), r.format());
            assertTrue(accesses.get(0).get(0).contains("touch"), r.format());
        }
    }

    private static void touch(Allocator a, long p) {
        a.segment(p).set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
    }

    @Test
    void theCheckerSeesRedZoneDamageAsDebug1AndPoisonDamageAsDebug2() {
        try (Allocator a = Allocators.create("tlsf:debug=ZP", HEAP)) {
            var walk = Inspection.of(a).heapWalk();
            long p = a.malloc(32);
            long q = a.malloc(32);
            a.free(q);
            List<String> ids = new java.util.ArrayList<>();
            walk.checkInvariants((id, at, message, expected, actual) -> ids.add(id));
            assertEquals(List.of(), ids);
            heap(a).putByte(p + 32, (byte) 0);
            heap(a).putByte(q, (byte) 0);
            walk.checkInvariants((id, at, message, expected, actual) -> ids.add(id));
            assertEquals(List.of("DEBUG-1", "DEBUG-2"), ids);
            heap(a).putByte(p + 32, DebugAllocator.RED);
            heap(a).putByte(q, DebugAllocator.POISON);
        }
    }
}
