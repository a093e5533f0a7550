package org.jalloc.examples.ffmqsort;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Arrays;

import org.jalloc.core.Allocator;
import org.jalloc.freelist.FreeListAllocator;

/**
 * One jalloc allocator as the FFM {@link SegmentAllocator} of a native call: libc's {@code qsort} sorts an array that
 * lives in a jalloc heap, with a Java comparator upcall, and {@code strlen} measures a string allocated there.
 */
public final class FfmQsort {
    private FfmQsort() {}

    static int compare(MemorySegment a, MemorySegment b) {
        return Integer.compare(a.get(JAVA_INT, 0), b.get(JAVA_INT, 0));
    }

    public static void main(String[] args) throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle qsort = linker.downcallHandle(linker.defaultLookup().find("qsort").orElseThrow(),
                FunctionDescriptor.ofVoid(ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS));
        MethodHandle strlen = linker.downcallHandle(linker.defaultLookup().find("strlen").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, ADDRESS));
        FunctionDescriptor cmpDesc = FunctionDescriptor.of(JAVA_INT, ADDRESS.withTargetLayout(JAVA_INT), ADDRESS.withTargetLayout(JAVA_INT));
        MethodHandle cmp = MethodHandles.lookup().findStatic(FfmQsort.class, "compare",
                MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class));

        try (Allocator heap = FreeListAllocator.create(1 << 20, FreeListAllocator.Policy.BEST_FIT,
                FreeListAllocator.ListKind.ADDRESS, FreeListAllocator.Coalescing.IMMEDIATE);
             Arena upcalls = Arena.ofConfined()) {
            SegmentAllocator memory = heap.asSegmentAllocator();
            int[] values = {42, 7, 19, 3, 88, 1, 56, 23};
            MemorySegment array = memory.allocateFrom(JAVA_INT, values);
            MemorySegment comparator = linker.upcallStub(cmp, cmpDesc, upcalls);
            qsort.invokeExact(array, (long) values.length, JAVA_INT.byteSize(), comparator);
            System.out.println("qsort in a " + heap.name() + " block at offset " + heap.offsetOf(array) + ": "
                    + Arrays.toString(array.toArray(JAVA_INT)));
            MemorySegment text = memory.allocateFrom("jalloc hands FFM its own memory");
            long n = (long) strlen.invokeExact(text);
            System.out.println("strlen of a string allocated there: " + n);
            heap.free(heap.offsetOf(array));
            heap.free(heap.offsetOf(text));
            System.out.println("live blocks after free: " + heap.stats().allocatedBlocks());
        }
    }
}
