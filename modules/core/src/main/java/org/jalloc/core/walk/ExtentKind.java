package org.jalloc.core.walk;

/** What a stretch of heap is, as the allocator's own metadata says. */
public enum ExtentKind {
    /** A block handed out by malloc: header (if any) plus payload. */
    ALLOCATED,
    /** A block the allocator may hand out: it must appear in exactly one free structure. */
    FREE,
    /** Allocator bookkeeping inside the heap: sentinels, slab headers, span descriptors. */
    METADATA,
    /** Bytes no block owns, kept for alignment. */
    PADDING
}
