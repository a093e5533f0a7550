package org.jalloc.threadcache;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A run of whole pages and what it is used for: free (in the page heap), a small-object span cut into blocks of one
 * size class (owned by one arena's central list), or one large block. Descriptors live on the Java heap, outside the
 * managed heap; the page map names the descriptor of every page.
 *
 * <p>Ownership: the fields of a FREE span and {@code start/pages/state} of every span belong to the page heap (its
 * lock); {@code freeHead/freeCount/allocated/prev/next} of a SMALL span belong to its central list (that list's
 * lock). {@code state, sizeClass, arena, start} of a SMALL or LARGE span never change while a block of it is live,
 * so any thread freeing such a block reads them without a lock (they were written before the block was handed
 * out, which happens-before the free).
 */
final class Span {
    static final byte FREE = 0;
    static final byte SMALL = 1;
    static final byte LARGE = 2;

    /** First address. */
    long start;
    /** Length in pages. */
    long pages;
    byte state;
    /** Size class of a SMALL span, else 0. */
    int sizeClass;
    /** Owning arena of a SMALL span. */
    int arena;

    // SMALL: the span's own free list (links through the blocks), under the central list's lock.
    long freeHead;
    int freeCount;
    /** Blocks out of the span: live, in a thread cache or on a remote stack. */
    int allocated;
    /** True while on its central list's list of spans with free blocks. */
    boolean inCentral;

    // FREE: pages not yet returned to the OS; the page heap's dirty-page LRU.
    long dirtyPages;
    @Nullable Span lruPrev;
    @Nullable Span lruNext;
    boolean inLru;

    /** Doubly linked list this span is on: a page-heap free list or its central list. */
    @Nullable Span prev;
    @Nullable Span next;

    /** Scratch for the checker: blocks found in caches and remote stacks at the last check. */
    int checkCount;
    /** Scratch for the checker: length of the span's free list at the last check. */
    int checkFree;
    /** Scratch for the checker: blocks the state map calls live, as the checked extent walk counted them at the last check. */
    int checkLive;

    Span(long start, long pages, byte state) {
        this.start = start;
        this.pages = pages;
        this.state = state;
    }

    /** A recycled descriptor starts over as {@code [start, +pages)} in {@code state}, every other field cleared. */
    void reset(long start, long pages, byte state) {
        this.start = start;
        this.pages = pages;
        this.state = state;
        sizeClass = 0;
        arena = 0;
        freeHead = 0;
        freeCount = 0;
        allocated = 0;
        inCentral = false;
        dirtyPages = 0;
        lruPrev = null;
        lruNext = null;
        inLru = false;
        prev = null;
        next = null;
        checkCount = 0;
        checkFree = 0;
        checkLive = 0;
    }

    long bytes() {
        return pages << SizeClasses.PAGE_SHIFT;
    }

    long end() {
        return start + bytes();
    }

    long firstPage() {
        return start >>> SizeClasses.PAGE_SHIFT;
    }

    String describe() {
        String what = switch (state) {
            case FREE -> "free";
            case SMALL -> "small class " + sizeClass + " (" + SizeClasses.SIZE[sizeClass] + " B) arena " + arena;
            case LARGE -> "large";
            default -> "state " + state;
        };
        return "span [0x" + Long.toHexString(start) + ", +" + pages + " pages) " + what;
    }

    @Override
    public String toString() {
        return describe();
    }
}
