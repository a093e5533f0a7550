package org.jalloc.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.gc.inspect.GcInspector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * What makes {@code generational} generational: minor collections copy only the survivors and promote them by age,
 * the barrier remembers old-to-young fields so that an object reachable only from the tenured space survives a minor
 * collection, most nursery objects die young, and a full collection compacts everything.
 */
class GenerationalTest {
    private static void assertClean(Collector c) {
        List<Violation> v = new HeapChecker().check(GcInspector.of(c).heapWalk());
        assertTrue(v.isEmpty(), () -> "heap check failed: " + v);
    }

    private static long tenuredTop(Collector c) {
        return ((GenerationalSpace) c.space).tTop;
    }

    private static boolean tenured(Collector c, long ref) {
        long a = GcInspector.of(c).address(ref);
        return a >= 0 && a < ((GenerationalSpace) c.space).nurseryStart();
    }

    @ParameterizedTest
    @ValueSource(strings = {"cards", "ssb"})
    void anObjectReachableOnlyFromTheTenuredSpaceSurvivesMinorCollections(String remset) {
        try (Collector c = Collectors.create("generational:promote=1,gogc=off,checked=on,remset=" + remset, 1 << 20)) {
            int node = c.types().define("node", 1, 8);
            Mutator m = c.mutator();
            m.pushFrame(2);
            m.setLocal(0, m.allocate(node));
            m.collect(); // a full collection tenures every survivor that fits
            assertTrue(tenured(c, m.local(0)), "the survivor of a full collection is tenured");
            long young = m.allocate(node);
            m.putLong(young, 0, 4242);
            m.setRef(m.local(0), 0, young); // old -> young: only the barrier knows
            long minorsBefore = GenerationalStats.of(c).minorCollections();
            for (int i = 0; i < 50_000 && GenerationalStats.of(c).minorCollections() < minorsBefore + 3; i++) {
                m.setLocal(1, m.allocate(node)); // garbage fills eden: minor collections
            }
            assertTrue(GenerationalStats.of(c).minorCollections() >= minorsBefore + 3, GenerationalStats.of(c).toString());
            assertEquals(1, GenerationalStats.of(c).majorCollections(), "only the explicit full collection was major");
            long kept = m.getRef(m.local(0), 0);
            assertNotEquals(0, kept);
            assertEquals(4242, m.getLong(kept, 0), "the object only the tenured space names survived, data intact");
            assertTrue(tenured(c, kept), "promoted after one minor collection (promote=1)");
            assertClean(c);
        }
    }

    @Test
    void survivorsAgeInTheSurvivorSpacesAndArePromotedAtTheirAge() {
        try (Collector c = Collectors.create("generational:promote=3,gogc=off,checked=on", 1 << 20)) {
            int node = c.types().define("node", 0, 8);
            Mutator m = c.mutator();
            m.pushFrame(2);
            m.setLocal(0, m.allocate(node));
            long tTop = tenuredTop(c);
            for (int minor = 1; minor <= 3; minor++) {
                long before = GenerationalStats.of(c).minorCollections();
                while (GenerationalStats.of(c).minorCollections() == before) {
                    m.setLocal(1, m.allocate(node));
                }
                long a = GcInspector.of(c).address(m.local(0));
                int age = (int) ((c.model.status(a) & ObjectModel.AGE_MASK) >>> ObjectModel.AGE_SHIFT);
                assertEquals(minor, age, "age after " + minor + " minor collections");
                assertEquals(minor == 3, tenured(c, m.local(0)), "promoted at age 3 only (minor " + minor + ")");
            }
            assertTrue(tenuredTop(c) > tTop, "the promoted object bumped the tenured top");
            GenerationalStats s = GenerationalStats.of(c);
            assertEquals(1, s.promotedObjects(), s.toString());
            assertTrue(s.meanSurvivalRate() < 0.05, "nearly everything in eden was garbage: " + s);
            assertEquals(0, s.majorCollections());
            assertClean(c);
        }
    }

    @Test
    void mostObjectsDieYoungAndMinorPausesDoNotGrowWithTheTenuredSpace() {
        try (Collector c = Collectors.create("generational:gogc=off", 8 << 20)) {
            int node = c.types().define("node", 2, 0);
            Mutator m = c.mutator();
            m.pushFrame(2);
            // 50,000 long-lived nodes in a list, promoted
            for (int i = 0; i < 50_000; i++) {
                long x = m.allocate(node);
                m.setRef(x, 0, m.local(0));
                m.setLocal(0, x);
            }
            m.collect();
            long minors = GenerationalStats.of(c).minorCollections();
            for (int i = 0; i < 400_000; i++) {
                m.setLocal(1, m.allocate(node)); // short-lived
            }
            GenerationalStats s = GenerationalStats.of(c);
            assertTrue(s.minorCollections() - minors >= 3, s.toString());
            double[] rates = s.survivalRates();
            for (int i = (int) minors; i < rates.length; i++) {
                assertTrue(rates[i] < 0.01, "minor " + i + " kept " + rates[i] + " of the nursery");
            }
            assertEquals(1, s.majorCollections());
            assertTrue(m.stats().liveObjects() >= 50_000, m.stats().toString());
        }
    }

    @Test
    void aFullCollectionCompactsAndTenuresEverySurvivorThatFits() {
        try (Collector c = Collectors.create("generational:gogc=off,checked=on", 1 << 20)) {
            int node = c.types().define("node", 1, 16);
            Mutator m = c.mutator();
            m.pushFrame(2);
            for (int i = 0; i < 200; i++) {
                long x = m.allocate(node);
                m.setRef(x, 0, m.local(0));
                m.putLong(x, 8, i);
                m.setLocal(0, x);
                m.setLocal(1, m.allocate(node)); // garbage between
            }
            m.setLocal(1, 0);
            m.collect();
            GenerationalSpace sp = (GenerationalSpace) c.space;
            assertEquals(sp.start + 200 * c.model.sizeOf(node, 0), sp.tTop, "200 nodes, back to back in the tenured space");
            assertEquals(sp.eStart, sp.eTop, "eden is empty");
            long x = m.local(0);
            for (int i = 199; i >= 0; i--) {
                assertEquals(i, m.getLong(x, 8));
                x = m.getRef(x, 0);
            }
            assertEquals(0, x);
            assertClean(c);
        }
    }

    @Test
    void largeObjectsAreBornTenured() {
        try (Collector c = Collectors.create("generational:checked=on", 1 << 20)) {
            Mutator m = c.mutator();
            m.pushFrame(1);
            long eden = GenerationalStats.of(c).edenBytes();
            m.setLocal(0, m.allocateArray(Types.BYTE_ARRAY, (int) (eden / 2 + 64)));
            assertTrue(tenured(c, m.local(0)));
            assertClean(c);
        }
    }

    @Test
    void optionsAreCheckedAndStatisticsAreOnlyForGenerationalCollectors() {
        assertThrows(IllegalArgumentException.class, () -> Collectors.create("generational:promote=0", 1 << 20));
        assertThrows(IllegalArgumentException.class, () -> Collectors.create("generational:promote=16", 1 << 20));
        assertThrows(IllegalArgumentException.class, () -> Collectors.create("generational:nursery=95", 1 << 20));
        assertThrows(IllegalArgumentException.class, () -> Collectors.create("generational:remset=bits", 1 << 20));
        try (Collector c = Collectors.create("mark-compact", 1 << 20)) {
            assertThrows(IllegalArgumentException.class, () -> GenerationalStats.of(c));
        }
        try (Collector c = Collectors.create("generational:nursery=50,promote=4,remset=ssb", 1 << 20)) {
            GenerationalStats s = GenerationalStats.of(c);
            assertEquals("ssb", s.rememberedSet());
            assertEquals(4, s.promoteAge());
            assertEquals(s.edenBytes(), 8 * s.survivorBytes(), 512 * 8, s.toString());
            assertEquals("generational:nursery=50,promote=4,remset=ssb", c.name());
        }
    }
}
