package org.jalloc.freelist;

import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.InvariantSink;

/**
 * How the free blocks are organised and found: the implicit list ({@link ImplicitList}: the block list itself) or
 * explicit doubly linked lists kept in the free blocks ({@link LinkedFreeLists}: one list, LIFO or address-ordered,
 * or one per size class). The engine changes headers; an index only links, unlinks and enumerates.
 *
 * <p>Protocol: a block is {@link #insert inserted} once it is free with its final size and {@link #remove removed}
 * before its header changes again (an index may file a block by its size). Searches enumerate candidates with
 * {@link #first} and {@link #next}; they may skip blocks that cannot fit but never skip one that can, and count a
 * step per block or node they visit in {@link Counters#step()}.
 */
interface FreeIndex {
    /** "implicit", "lifo" or "address": the spelling of the {@code list} option. */
    String kind();

    /** Words of the head table at the start of the heap, before the pad word: 0, or an even number. */
    int tableWords();

    /** Writes an empty head table (the heap may hold an earlier allocator's bytes). */
    void format();

    /** Files the free block {@code block}. */
    void insert(long block);

    /**
     * Unfiles {@code block}, a free block of this index; returns the candidate a search would have visited after it
     * (0 at the end). The implicit list removes nothing and returns {@code block}: it is still a position.
     */
    long remove(long block);

    /** The first candidate for a block of {@code asize} bytes, or 0. */
    long first(long asize);

    /** The candidate after {@code block} (0 at the end); the search order is this index's. */
    long next(long block);

    /** The first candidate at or after {@code position}, a position kept by next fit (0 when none). */
    long resume(long position);

    /**
     * Where next fit resumes after it took {@code taken} (split into {@code remainder}, or 0 when not split) whose
     * successor was {@code successor}: the candidate the search would have visited next. 0 means "from the start".
     */
    long resumeAfterTaking(long taken, long remainder, long successor);

    /** The free block that ends exactly at {@code end} (the left neighbour of the block there), or 0. */
    long freeBlockEndingAt(long end);

    /** True if {@code position} is a position next fit may hold: a block start (implicit) or a member (explicit). */
    boolean isPosition(long position);

    /** Every entry, in search order, for the checker (HEAP-3). */
    void walk(FreeEntryVisitor visitor);

    /** This organisation's own invariants (FL-5 .. FL-8). */
    void check(InvariantSink sink);

    /**
     * {@link #walk} with the per-entry checks of {@link #check} made on the way (the checker's one pass); true when
     * it made all of them, so {@link #check(InvariantSink, boolean)} may leave them out. By default folds nothing.
     */
    default boolean walkChecked(FreeEntryVisitor visitor, InvariantSink sink) {
        walk(visitor);
        return false;
    }

    /** {@link #check(InvariantSink)} less the per-entry checks when {@code entriesChecked}. */
    default void check(InvariantSink sink, boolean entriesChecked) {
        check(sink);
    }

    /** A name for list index {@code list}, for messages. */
    String describe(int list);

    /** A text table of the lists for {@code ./jalloc stats}, or the empty string. */
    String table();
}
