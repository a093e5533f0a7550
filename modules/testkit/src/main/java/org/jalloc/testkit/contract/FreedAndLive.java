package org.jalloc.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.jalloc.core.Allocator;

/**
 * A freed and a live block of one allocator, the heap snapshotted after the free: the setup of the {@code debug=F}
 * tests' misuse questions (a second free of {@code freed} is the double free naming its usable size then; a pointer
 * into {@code live} is no block), and the check that the misuse changed no byte. Beside {@link LiveBlocks}.
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
}
