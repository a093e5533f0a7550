package org.jalloc.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jalloc.core.Allocator;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidPointerException;

/**
 * A freed and a live block of one allocator, the heap snapshotted after the free: the setup of the {@code debug=F}
 * tests' misuse questions (a second free of {@code freed} is the double free naming its usable size then; a pointer
 * into {@code live} is no block), the refusals in the caller's words, and the check that the misuse changed no byte.
 * Beside {@link LiveBlocks}.
 *
 * @param allocator the allocator both blocks are of
 * @param freed a block of {@code freedSize} bytes, freed
 * @param freedUsable its usable size while it was live
 * @param live a block of {@code liveSize} bytes, still live
 * @param before the heap's bytes right after the free
 */
public record FreedAndLive(Allocator allocator, long freed, long freedUsable, long live, byte[] before) {
    /** Allocates a block of {@code freedSize} bytes, then one of {@code liveSize}; frees the first; snapshots the heap. */
    public static FreedAndLive of(Allocator a, long freedSize, long liveSize) {
        long p = a.malloc(freedSize);
        long q = a.malloc(liveSize);
        long usable = a.usableSize(p);
        a.free(p);
        return new FreedAndLive(a, p, usable, q, LiveBlocks.heap(a).snapshot());
    }

    /** Asserts the heap's bytes are still those of the snapshot: the misuse since changed nothing. */
    public void assertHeapUnchanged() {
        assertArrayEquals(before, LiveBlocks.heap(allocator).snapshot(), "misuse changed nothing");
    }

    /**
     * Each of {@code ops} ({@code realloc}, {@code tryExpand}, {@code segment}), with {@code size} where it takes one,
     * refused in the caller's words: on {@code freed}, the double free naming {@code op} and the block's usable size
     * then; on {@code live + interior}, no live block; then the heap unchanged.
     */
    public void assertRefusedInTheCallersWords(long interior, long size, String... ops) {
        String name = allocator.name();
        long inside = live + interior;
        for (String op : ops) {
            DoubleFreeException d = assertThrows(DoubleFreeException.class, () -> call(allocator, op, freed, size), op);
            String report = String.valueOf(d.getMessage());
            assertTrue(report.startsWith(name + ": " + op + "(" + hex(freed) + "): block already freed (" + freedUsable + " bytes)"), report);
            InvalidPointerException x = assertThrows(InvalidPointerException.class, () -> call(allocator, op, inside, size), op);
            assertEquals(name + ": " + op + "(" + hex(inside) + "): not the start of a live block of this heap", x.getMessage());
        }
        assertHeapUnchanged();
    }

    /**
     * realloc and tryExpand to a size beyond the heap's capacity (capacity + 1, {@code Long.MAX_VALUE}) still screen the
     * pointer and refuse in the caller's words ({@link #assertRefusedInTheCallersWords}); {@code live} is answered 0 and
     * false, still live; the heap unchanged.
     */
    public void assertASizeBeyondTheCapacityIsRefusedInTheCallersWords(long interior) {
        for (long size : new long[] {LiveBlocks.heap(allocator).capacity() + 1, Long.MAX_VALUE}) {
            assertRefusedInTheCallersWords(interior, size, "realloc", "tryExpand");
            assertEquals(0, allocator.realloc(live, size), "no room: 0, the block still live");
            assertFalse(allocator.tryExpand(live, size));
        }
        assertHeapUnchanged();
    }

    /** The caller's operation {@code op} on {@code u}: {@code realloc} or {@code tryExpand} to {@code size} bytes, or {@code segment}. */
    public static Object call(Allocator a, String op, long u, long size) {
        return switch (op) {
            case "realloc" -> a.realloc(u, size);
            case "tryExpand" -> a.tryExpand(u, size);
            case "segment" -> a.segment(u);
            default -> throw new IllegalArgumentException(op);
        };
    }

    private static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }
}
