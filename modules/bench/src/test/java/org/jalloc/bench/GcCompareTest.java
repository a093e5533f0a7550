package org.jalloc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.jalloc.gc.Collector;
import org.jalloc.gc.CollectorType;
import org.jalloc.gc.Collectors;
import org.jalloc.gc.GcStats;
import org.junit.jupiter.api.Test;

/** The comparison's collectors come from the registry by name; its two new programs compute what their Java twins do. */
class GcCompareTest {
    @Test
    void everyRegisteredCollectorIsComparedWithItsVariants() {
        List<String> missing = new ArrayList<>();
        List<String> compared = GcCompareMain.collectors(missing);
        for (CollectorType t : Collectors.types()) {
            assertTrue(compared.contains(t.name()), t.name() + " is registered and must be compared: " + compared);
        }
        assertEquals(compared.indexOf("refcount") + 1, compared.indexOf("refcount:cycles=off"), compared.toString());
        for (String e : GcCompareMain.EXPECTED) {
            assertTrue(compared.contains(e) != missing.contains(e), e + ": compared " + compared + ", missing " + missing);
        }
        for (String c : compared) {
            try (Collector gc = Collectors.create(c, 1 << 20)) {
                assertEquals(c, gc.name());
            }
        }
    }

    @Test
    void mutationComputesWhatTheJavaProgramDoesAndRefcountFreesEveryLeaver() {
        long java = JavaCompareWorkloads.mutation();
        long live = CompareWorkloads.peakLive("mutation");
        try (Collector gc = Collectors.create("refcount", 3 * live)) {
            assertEquals(java, CompareWorkloads.run("mutation", gc.mutator()));
            GcStats s = gc.stats();
            assertEquals(0, s.failedAllocations(), s.toString());
            assertTrue(s.peakUsedBytes() <= live, "no cycles: every node leaving the FIFO is freed at once: " + s.peakUsedBytes() + " > " + live);
        }
    }

    @Test
    void cyclicComputesWhatTheJavaProgramDoesAndLeaksWithoutTheCycleCollector() {
        long java = JavaCompareWorkloads.cyclic();
        long live = CompareWorkloads.peakLive("cyclic");
        try (Collector gc = Collectors.create("mark-compact", 3 * live)) {
            assertEquals(java, CompareWorkloads.run("cyclic", gc.mutator()));
        }
        try (Collector gc = Collectors.create("refcount", 3 * live)) {
            assertEquals(java, CompareWorkloads.run("cyclic", gc.mutator()), "trial deletion keeps the heap within 3x live");
            assertEquals(0, gc.stats().unreachableBytes(), gc.stats().toString());
        }
        try (Collector gc = Collectors.create("refcount:cycles=off", 3 * live)) {
            GcPrograms.OutOfHeap e = org.junit.jupiter.api.Assertions.assertThrows(GcPrograms.OutOfHeap.class,
                    () -> CompareWorkloads.run("cyclic", gc.mutator()));
            assertTrue(gc.stats().unreachableBytes() > live, "the dropped structures leak: " + gc.stats() + " " + e);
        }
    }
}
