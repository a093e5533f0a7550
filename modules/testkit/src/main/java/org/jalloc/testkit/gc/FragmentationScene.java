package org.jalloc.testkit.gc;

import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.gc.Collector;
import org.jalloc.gc.Collectors;
import org.jalloc.gc.Mutator;
import org.jalloc.gc.Types;
import org.jalloc.gc.inspect.GcInspector;

/**
 * The seed's fragmentation scene, built for real on a collector: the heap is filled with 8 KiB byte arrays, every
 * other one is dropped, so more than 1 MiB is free in pieces of at most 10 KiB between live objects and a 1 MiB
 * array does not fit. The scene measures the free bytes and the largest free run, tries the 1 MiB allocation without
 * collecting, collects, measures again and tries again. A compacting collector makes the free space one run and the
 * allocation succeeds; mark-sweep frees the pieces where they are and it still fails — which is the point.
 *
 * <p>"Free" counts every byte no reachable object holds: the allocator's free blocks, dead objects (garbage is free
 * space a collection has not yet reclaimed) and the unused tail of the space. A run is a maximal stretch of such bytes
 * in the block walk (plus the tail past the walk). The checker (HEAP and GC-n) runs after each step.
 *
 * @param collector        the collector's name
 * @param allocator        its allocator, or null
 * @param freeBytes        bytes free before the collection
 * @param largestFreeBefore the largest free run before it
 * @param allocatedBefore  whether the 1 MiB array could be allocated without collecting
 * @param freeBytesAfter   bytes free after the collection
 * @param largestFreeAfter the largest free run after it
 * @param allocatedAfter   whether the 1 MiB array could be allocated after the collection
 * @param violations       checker violations found during the scene
 */
public record FragmentationScene(String collector, @Nullable String allocator, long freeBytes, long largestFreeBefore,
                                 boolean allocatedBefore, long freeBytesAfter, long largestFreeAfter, boolean allocatedAfter,
                                 List<Violation> violations) {
    /** The size of each piece's data. */
    public static final int PIECE = 8 << 10;
    /** The allocation the scene tries. */
    public static final int BIG = 1 << 20;

    public FragmentationScene {
        violations = List.copyOf(violations);
    }

    /** External fragmentation before the collection: {@code 1 - largest / free}. */
    public double fragmentationBefore() {
        return freeBytes == 0 ? 0 : 1 - (double) largestFreeBefore / freeBytes;
    }

    public double fragmentationAfter() {
        return freeBytesAfter == 0 ? 0 : 1 - (double) largestFreeAfter / freeBytesAfter;
    }

    /** Builds and runs the scene on a new collector (checked mode). */
    public static FragmentationScene run(String spec, @Nullable String allocator, long heapBytes) {
        return run(spec, allocator, heapBytes, null);
    }

    /**
     * Builds and runs the scene, showing {@code observer} the heap "before collection" (every other piece dropped)
     * and "after collection" (what the collector made of it): {@code ./jalloc heapmap --collector} draws these.
     */
    public static FragmentationScene run(String spec, @Nullable String allocator, long heapBytes,
                                         @Nullable BiConsumer<String, GcInspector> observer) {
        CollectorFactory factory = CollectorFactory.of(spec, allocator, heapBytes);
        try (Collector c = factory.create()) {
            Mutator m = c.mutator();
            GcInspector inspector = GcInspector.of(c);
            HeapChecker checker = new HeapChecker();
            List<Violation> violations = new java.util.ArrayList<>();
            int slots = (int) (heapBytes / PIECE) + 16;
            m.pushFrame(1);
            m.setLocal(0, m.allocateArray(Types.REF_ARRAY, slots));
            int n = 0;
            while (n < slots) {
                long p = m.allocateArray(Types.BYTE_ARRAY, PIECE - 16);
                if (p == 0) {
                    break;
                }
                m.setRef(m.local(0), n++, p);
            }
            for (int i = 1; i < n - 1; i += 2) { // the last piece stays, so no dead piece joins the tail
                m.setRef(m.local(0), i, 0);
            }
            long[] before = freeRuns(inspector);
            if (observer != null) {
                observer.accept("before collection", inspector);
            }
            long big = m.allocateWithoutCollecting(Types.BYTE_ARRAY, BIG);
            boolean allocatedBefore = big != 0;
            violations.addAll(checker.check(inspector.heapWalk()));
            m.collect();
            violations.addAll(checker.check(inspector.heapWalk()));
            long[] after = freeRuns(inspector);
            if (observer != null) {
                observer.accept("after collection", inspector);
            }
            boolean allocatedAfter = m.allocateArray(Types.BYTE_ARRAY, BIG) != 0;
            violations.addAll(checker.check(inspector.heapWalk()));
            return new FragmentationScene(factory.name(), factory.allocator(), before[0], before[1], allocatedBefore, after[0], after[1],
                    allocatedAfter, violations);
        }
    }

    /** {free bytes, largest free run}: runs of bytes no reachable object holds, in walk order, plus the tail. */
    public static long[] freeRuns(GcInspector inspector) {
        long[] reachable = inspector.reachable();
        long[] r = {0, 0, 0, 0}; // free, largest, current run, end of the last extent
        inspector.heapWalk().walkExtents((kind, start, size, payload, usable) -> {
            boolean free = kind == ExtentKind.FREE
                    || (kind == ExtentKind.ALLOCATED && Arrays.binarySearch(reachable, payload) < 0);
            if (free) {
                r[0] += size;
                r[2] += size;
                r[1] = Math.max(r[1], r[2]);
            } else {
                r[2] = 0;
            }
            r[3] = start + size;
            return true;
        });
        long tail = inspector.spaceEnd() - Math.max(r[3], inspector.spaceStart());
        if (tail > 0) {
            r[0] += tail;
            r[2] = r[3] == 0 ? tail : r[2] + tail;
            r[1] = Math.max(r[1], r[2]);
        }
        return new long[] {r[0], r[1]};
    }

    /** The collectors the scene is defined for, in the book's order. */
    public static List<String> collectors() {
        return Collectors.types().stream().map(t -> t.name()).toList();
    }
}
