package org.jalloc.check;

/**
 * The IDs of the invariants the shared checker enforces; their statements are in {@code spec/invariants.md}.
 * Allocator-specific IDs ({@code FL-*}, {@code BT-*}, ...) live with their allocators.
 */
public final class Invariants {
    private Invariants() {}

    /** The extents tile {@code [walkStart, walkEnd)} exactly, in address order, each of positive size. */
    public static final String HEAP_1 = "HEAP-1";
    /** Payloads are aligned (16 bytes on the real address) and lie inside their blocks; live blocks have at least 16 usable bytes. */
    public static final String HEAP_2 = "HEAP-2";
    /** The free structures hold exactly the FREE extents of the walk, each once, with matching sizes, and no cycles. */
    public static final String HEAP_3 = "HEAP-3";
    /** No two FREE extents are adjacent, where the allocator promises immediate coalescing. */
    public static final String HEAP_4 = "HEAP-4";
    /** The ALLOCATED extents are exactly the live blocks of the shadow model (no lost, leaked or duplicated block). */
    public static final String HEAP_5 = "HEAP-5";
    /** Every live block's usable size is what {@code usableSize} says and at least what was requested. */
    public static final String HEAP_6 = "HEAP-6";
    /** Every live payload holds exactly the bytes its owner last wrote (the block's pattern). */
    public static final String HEAP_7 = "HEAP-7";
    /** The allocator's metadata is traversable: its walkers and own checks complete without error. */
    public static final String HEAP_8 = "HEAP-8";

    /** {@code calloc} returns zeroed bytes. */
    public static final String API_1 = "API-1";
    /** {@code realloc} keeps the first {@code min(old, new)} bytes; a failed realloc leaves the block untouched. */
    public static final String API_2 = "API-2";
    /** {@code alignedAlloc(a, n)} returns an address that is a multiple of {@code a}. */
    public static final String API_3 = "API-3";
    /** A successful {@code tryExpand(p, n)} leaves {@code usableSize(p) >= n}. */
    public static final String API_4 = "API-4";
    /** The allocator accepts every valid call: it never rejects a live block or a valid size as misuse. */
    public static final String API_5 = "API-5";
}
