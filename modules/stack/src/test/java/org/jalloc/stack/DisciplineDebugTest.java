package org.jalloc.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import org.jalloc.core.Allocator;
import org.jalloc.core.Allocators;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.FixedSizeAllocator;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.LeakReport;
import org.jalloc.core.OutOfOrderFreeException;
import org.jalloc.core.RedZoneException;
import org.jalloc.core.RegionAllocator;
import org.jalloc.core.UseAfterFreeException;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.core.spi.ForwardingAllocator;
import org.jalloc.core.walk.Inspection;
import org.jalloc.testkit.fuzz.DisciplineFuzz;
import org.jalloc.testkit.fuzz.FuzzEngine;
import org.jalloc.testkit.fuzz.FuzzReport;
import org.junit.jupiter.api.Test;

/**
 * The discipline's debug layer ({@link DisciplineDebug}) on what only a stack, an arena and a pool have: P without a
 * quarantine (the bytes of a freed or released block come back at once, their poison is verified when they are handed
 * out again or at a reset), blocks retired by a pop or a release (zones verified, views dead, poisoned), the pool's
 * larger slots, and the discipline fuzz under {@code debug=FZPU}. The detections every allocator shares are in the
 * CLI's {@code DebugLayerTest}.
 */
class DisciplineDebugTest {
    private static final long HEAP = 4L << 20;

    private static Heap heap(Allocator a) {
        return Inspection.of(a).heap();
    }

    /** The stack engine: under the layer, or the allocator itself when the engine does F alone. */
    private static StackAllocator stackEngine(Allocator a) {
        return a instanceof StackAllocator s ? s : (StackAllocator) ((ForwardingAllocator) a).delegate();
    }

    @Test
    void poisonDoesNotDelayAStacksRelease() {
        try (Allocator a = Allocators.create("stack:size=1M,debug=FZPU", HEAP)) {
            StackAllocator engine = stackEngine(a);
            long sp = engine.stackPointer();
            long p = a.malloc(100);
            assertTrue(engine.stackPointer() < sp);
            a.free(p);
            assertEquals(sp, engine.stackPointer(), "the newest block's bytes come back at once: no quarantine");
            assertEquals(DisciplineDebug.POISON, heap(a).getByte(p + 50), "poisoned on free");
            assertEquals(p, a.malloc(100), "and handed out again at once");
        }
    }

    @Test
    void aWriteAfterAPopIsCaughtWhenTheBytesAreHandedOutAgainNamingTheReleaseSite() {
        try (Allocator a = Allocators.create("stack:size=1M,debug=FZPU", HEAP)) {
            RegionAllocator r = (RegionAllocator) a;
            long frame = r.checkpoint();
            long p = a.malloc(64);
            popFrame(r, frame);
            heap(a).putByte(p + 3, (byte) 0x44);
            UseAfterFreeException e = assertThrows(UseAfterFreeException.class, () -> a.malloc(64));
            assertTrue(e.getMessage().contains("offset 3") && e.getMessage().contains("0x44"), e.getMessage());
            assertTrue(e.getMessage().contains("popFrame"), e.getMessage());
        }
    }

    private static void popFrame(RegionAllocator r, long frame) {
        r.releaseTo(frame);
    }

    @Test
    void aFreeOutOfOrderIsStillTheStacksExactRefusalHeapUnchanged() {
        try (Allocator a = Allocators.create("stack:size=1M,debug=FZPU", HEAP)) {
            long p = a.malloc(32);
            a.malloc(32);
            byte[] before = heap(a).snapshot();
            assertThrows(OutOfOrderFreeException.class, () -> a.free(p));
            assertArrayEquals(before, heap(a).snapshot());
        }
    }

    @Test
    void anOverrunInsideAPoppedFrameIsReportedAtThePopWhichStillHappens() {
        try (Allocator a = Allocators.create("stack:size=1M,debug=ZU", HEAP)) {
            RegionAllocator r = (RegionAllocator) a;
            long sp = stackEngine(a).stackPointer();
            long frame = r.checkpoint();
            long p = allocateInFrame(a);
            heap(a).putByte(p + 40, (byte) 0x41);
            RedZoneException e = assertThrows(RedZoneException.class, () -> r.releaseTo(frame));
            assertTrue(e.getMessage().contains("overrun") && e.getMessage().contains("allocateInFrame"), e.getMessage());
            assertEquals(sp, stackEngine(a).stackPointer(), "the frame is popped");
        }
    }

    private static long allocateInFrame(Allocator a) {
        return a.malloc(40);
    }

    @Test
    void viewsDieWhenTheirFrameOrMarkIsReleasedOrTheArenaReset() {
        for (String spec : List.of("stack:size=1M,debug=F", "arena:debug=F")) {
            try (Allocator a = Allocators.create(spec, HEAP)) {
                RegionAllocator r = (RegionAllocator) a;
                long c = r.checkpoint();
                MemorySegment v = a.segment(a.malloc(32));
                v.set(ValueLayout.JAVA_INT, 0, 1);
                r.releaseTo(c);
                assertThrows(IllegalStateException.class, () -> v.get(ValueLayout.JAVA_INT, 0), spec);
                MemorySegment w = a.segment(a.malloc(32));
                r.reset();
                assertThrows(IllegalStateException.class, () -> w.get(ValueLayout.JAVA_INT, 0), spec);
            }
        }
    }

    @Test
    void anArenaFindsAWriteAfterFreeIntoAnOlderBlockAtTheAllocationThatReachesItOrAtReset() {
        try (Allocator a = Allocators.create("arena:debug=PU,leaks=paranoid", HEAP)) {
            long p = a.malloc(64);
            long q = a.malloc(64);
            freeOlder(a, p); // only dead: q is above it
            heap(a).putByte(p + 7, (byte) 0x45);
            UseAfterFreeException e = assertThrows(UseAfterFreeException.class, () -> ((RegionAllocator) a).reset());
            assertTrue(e.getMessage().contains("offset 7") && e.getMessage().contains("freeOlder"), e.getMessage());
            assertNotEquals(0, q);
            assertEquals(0, a.leakReport().liveBlocks(), "reset released everything");
        }
        try (Allocator a = Allocators.create("arena:debug=P", HEAP)) {
            long p = a.malloc(64);
            a.free(p); // the newest: the top comes back
            heap(a).putByte(p + 60, (byte) 0x46);
            assertThrows(UseAfterFreeException.class, () -> a.malloc(16), "the window the next allocation may write covers the freed block");
        }
    }

    private static void freeOlder(Allocator a, long p) {
        a.free(p);
    }

    @Test
    void aPoolWithZonesIsBuiltWithLargerSlotsAndKeepsItsObjectSizeAndCount() {
        try (Allocator a = Allocators.create("pool:object=48,count=100,debug=Z", HEAP)) {
            FixedSizeAllocator f = (FixedSizeAllocator) a;
            assertEquals(48, f.objectSize());
            assertEquals(100, f.objectCount());
            PoolAllocator engine = (PoolAllocator) ((ForwardingAllocator) a).delegate();
            assertEquals(48 + 32, engine.objectSize(), "slot = 16 + 48 + 16");
            assertEquals(0, a.malloc(49), "a pool serves one size");
            List<Long> all = new ArrayList<>();
            for (long p; (p = a.malloc(48)) != 0; ) {
                all.add(p);
            }
            assertEquals(100, all.size());
            all.forEach(a::free);
        }
    }

    @Test
    void aPoolsWriteAfterFreeIsCaughtAtTheTakeThatReusesTheSlotAndTheTakeIsUndone() {
        try (Allocator a = Allocators.create("pool:object=64,count=4,debug=PU", HEAP)) {
            long p = a.malloc(64);
            a.free(p);
            heap(a).putByte(p + 20, (byte) 0x47);
            assertThrows(UseAfterFreeException.class, () -> a.malloc(64));
            assertEquals(0, a.leakReport().liveBlocks());
            PoolAllocator engine = (PoolAllocator) ((ForwardingAllocator) a).delegate();
            assertEquals(0, engine.liveObjects(), "the failed take gave the object back");
        }
    }

    @Test
    void leaksAreReportedAtCloseForEachDiscipline() {
        for (String spec : List.of("stack:size=1M,leaks=paranoid", "arena:leaks=paranoid", "pool:leaks=paranoid")) {
            Allocator a = Allocators.create(spec, HEAP);
            leakTwo(a);
            LeakReport r = a.leakReport();
            assertEquals(2, r.liveBlocks(), spec + "\n" + r.format());
            assertTrue(r.groups().get(0).site().get(0).contains("leakTwo"), r.format());
            a.close();
            assertEquals(2, a.leakReport().liveBlocks(), "the report made at close stays");
        }
    }

    private static void leakTwo(Allocator a) {
        a.malloc(32);
        a.malloc(32);
    }

    @Test
    void anFfmArenaOverTheLayerReleasesThroughIt() {
        try (Allocator a = Allocators.create("stack:size=1M,debug=FZPU,leaks=paranoid", HEAP)) {
            long sp = stackEngine(a).stackPointer();
            MemorySegment s;
            try (Arena ffm = a.asArena()) {
                s = ffm.allocate(100);
                s.set(ValueLayout.JAVA_BYTE, 99, (byte) 1);
                assertEquals(1, a.leakReport().liveBlocks());
            }
            assertEquals(0, a.leakReport().liveBlocks());
            assertEquals(sp, stackEngine(a).stackPointer());
            MemorySegment dead = s;
            assertThrows(IllegalStateException.class, () -> dead.get(ValueLayout.JAVA_BYTE, 0));
        }
    }

    @Test
    void theDisciplineFuzzPassesUnderEveryFlag() {
        for (String spec : List.of("stack:debug=FZPU,leaks=paranoid", "arena:debug=FZPU", "pool:debug=FZPU", "pool:debug=ZP,secure=on",
                "stack:debug=P", "arena:debug=ZP")) {
            AllocatorFactory f = AllocatorFactory.of(spec, 16L << 20);
            DisciplineFuzz d = DisciplineFuzz.forFactory(f);
            assertTrue(d != null, spec + " keeps its discipline");
            FuzzReport r = new FuzzEngine(f).opsPerSequence(300).run(71, 300 * 10, null);
            assertTrue(r.failures().isEmpty(), () -> spec + ": " + r.failures().get(0));
            assertEquals(3000, r.ops());
        }
    }

    @Test
    void anArenasOutOfOrderFreesLeaveEveryOtherBlockFoundExactlyAndTheirBytesComeBackWithTheTop() {
        try (Allocator a = Allocators.create("arena:debug=FU", HEAP)) {
            long[] p = new long[8];
            for (int i = 0; i < p.length; i++) {
                p[i] = a.malloc(32 + i);
            }
            a.free(p[2]);
            a.free(p[5]);
            a.free(p[3]); // three older blocks: only dead, their index entries with them
            for (int i : new int[] {0, 1, 4, 6, 7}) {
                assertEquals(i == 0 ? 32 : 48, a.usableSize(p[i]), "block " + i);
                a.segment(p[i]).set(ValueLayout.JAVA_BYTE, 0, (byte) i);
            }
            DoubleFreeException twice = assertThrows(DoubleFreeException.class, () -> a.free(p[5]));
            assertTrue(twice.getMessage().contains("first freed at") && twice.getMessage().contains("anArenasOutOfOrderFrees"), twice.getMessage());
            assertThrows(InvalidPointerException.class, () -> a.free(p[4] + 16), "inside a live block");
            a.free(p[7]);
            a.free(p[6]); // the top comes back over the dead 5, down to the live 4
            long q = a.malloc(32);
            assertEquals(p[5], q, "the dead block's bytes came back with the top");
            assertEquals(32, a.usableSize(q));
            assertThrows(DoubleFreeException.class, () -> a.free(p[6]), "freed: its bytes lie above the top");
            assertThrows(InvalidPointerException.class, () -> a.free(q + 16), "inside the live block q");
            a.free(q);
            List<String> violations = new ArrayList<>();
            Inspection.of(a).heapWalk().checkInvariants((id, at, message, expected, actual) -> violations.add(id + " " + message));
            assertEquals(List.of(), violations);
            assertEquals(48, a.usableSize(p[4]));
        }
    }

    @Test
    void leaksAloneTrackOnlySampledBlocksAndStillCountEveryLiveOne() {
        for (String spec : List.of("stack:size=1M,leaks=simple", "arena:leaks=simple", "pool:leaks=simple")) {
            try (Allocator a = Allocators.create(spec, HEAP)) {
                RegionAllocator r = a instanceof RegionAllocator region ? region : null;
                long c = r != null ? r.checkpoint() : 0;
                long[] p = new long[2000];
                for (int i = 0; i < p.length; i++) {
                    p[i] = a.malloc(32);
                }
                LeakReport report = a.leakReport();
                assertEquals(2000, report.liveBlocks(), spec + "\n" + report.format());
                long sampled = report.groups().stream().filter(g -> !g.site().isEmpty()).mapToLong(LeakReport.Group::blocks).sum();
                assertTrue(sampled > 0 && sampled < 100, spec + ": about 2000 / 128 sampled: " + sampled);
                if (r != null) {
                    r.releaseTo(c); // the sampled blocks' records go with the release
                } else {
                    for (long q : p) {
                        a.free(q);
                    }
                }
                assertEquals(0, a.leakReport().liveBlocks(), spec);
                assertTrue(a.leakReport().groups().isEmpty(), spec);
                long again = a.malloc(32);
                a.free(again);
            }
        }
    }

    @Test
    void fOnAStackCatchesAHeaderWhoseSizeWasOverwrittenAndFreesNothing() {
        try (Allocator a = Allocators.create("stack:size=1M,debug=F", HEAP)) {
            long p = a.malloc(64);
            MemorySegment mem = heap(a).memory();
            long word = mem.get(ValueLayout.JAVA_LONG, p - 16);
            mem.set(ValueLayout.JAVA_LONG, p - 16, word + 16); // the size: 80 → 96, the tag kept
            long sp = stackEngine(a).stackPointer();
            byte[] before = heap(a).snapshot();
            HeapCorruptionException e = assertThrows(HeapCorruptionException.class, () -> a.free(p));
            assertTrue(e.getMessage().contains("changed from 64 to 80"), e.getMessage());
            assertArrayEquals(before, heap(a).snapshot());
            assertEquals(sp, stackEngine(a).stackPointer(), "nothing was freed");
            mem.set(ValueLayout.JAVA_LONG, p - 16, word);
            a.free(p);
            assertThrows(DoubleFreeException.class, () -> a.free(p));
        }
    }

    @Test
    void theLayerIsInTheNameAndOffIsNoWrapper() {
        try (Allocator a = Allocators.create("arena", HEAP)) {
            assertInstanceOf(ArenaAllocator.class, a);
        }
        try (Allocator a = Allocators.create("pool:debug=-,leaks=disabled", HEAP)) {
            assertInstanceOf(PoolAllocator.class, a);
        }
        try (Allocator a = Allocators.create("pool:debug=FZPU,leaks=simple", HEAP)) {
            assertEquals("pool:debug=FZPU,leaks=simple", a.name());
        }
    }
}
