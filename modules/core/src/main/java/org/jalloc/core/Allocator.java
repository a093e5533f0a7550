package org.jalloc.core;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

import org.jalloc.core.walk.Inspection;

/**
 * A C-style allocator over an off-heap heap: addresses are heap offsets ({@code long}), 0 is NULL.
 *
 * <p>This is the user face. What the checker, the fuzzer and the tools need (the heap itself, the block walk) is the
 * allocator's inspection face, reached by tools only through {@code org.jalloc.core.walk.Inspection.of(allocator)}.
 *
 * <h2>Edge cases (the same for every jalloc allocator)</h2>
 * <table class="striped">
 *   <caption>Decided once, tested for every allocator by the contract test in testkit</caption>
 *   <tr><th>call</th><th>result</th></tr>
 *   <tr><td>{@code malloc(0)}</td><td>a unique minimum block (as glibc), never 0 unless the heap is full</td></tr>
 *   <tr><td>{@code malloc(n)}, heap exhausted or {@code n} larger than the heap can ever hold</td><td>0 (not an exception)</td></tr>
 *   <tr><td>{@code malloc(-1)}, {@code calloc} with negative operands or an overflowing product</td><td>{@link InvalidSizeException}</td></tr>
 *   <tr><td>{@code free(0)}</td><td>no-op</td></tr>
 *   <tr><td>{@code realloc(0, n)}</td><td>{@code malloc(n)}</td></tr>
 *   <tr><td>{@code realloc(p, 0)}</td><td>frees {@code p}, returns 0</td></tr>
 *   <tr><td>{@code realloc(p, n)} that cannot be satisfied</td><td>0, and {@code p} is untouched and still live</td></tr>
 *   <tr><td>{@code tryExpand(p, n)}</td><td>grows or shrinks {@code p} in place, never moves; false if it cannot</td></tr>
 *   <tr><td>{@code tryExpand(0, n)}</td><td>{@link InvalidPointerException}: NULL is never a block</td></tr>
 *   <tr><td>{@code alignedAlloc(a, n)} with {@code a} not a power of two</td><td>{@link InvalidAlignmentException}</td></tr>
 *   <tr><td>{@code alignedAlloc(a, n)} with {@code a <= 16}</td><td>same as {@code malloc(n)}</td></tr>
 *   <tr><td>{@code usableSize(0)}</td><td>0</td></tr>
 *   <tr><td>free/realloc/tryExpand/usableSize of an address that is not a live block start</td>
 *       <td>{@link InvalidPointerException} ({@link DoubleFreeException} for a block already freed), heap unchanged;
 *       exact in checked mode, best effort in O(1) otherwise (each allocator documents what it detects)</td></tr>
 * </table>
 *
 * <p>Every payload is at least 16-byte aligned on the real memory address, and the smallest usable size is 16.
 *
 * <h2>Views and lifetimes</h2>
 * <table class="striped">
 *   <caption>What each FFM view of the heap does after each end of life (tested for every allocator by the contract
 *   test; docs/reliability.md)</caption>
 *   <tr><th>view</th><th>after {@code free} of its block</th><th>after its arena closes</th>
 *       <th>after {@link #close()} (or the heap's {@code reset()})</th><th>other threads</th></tr>
 *   <tr><td>{@link #segment}, {@link #asSegmentAllocator} segments, the heap's memory</td>
 *       <td>still read and write the heap: use after free is not detected outside checked mode (a new
 *       {@code segment(p)} of a freed block is refused as {@code usableSize(p)} is)</td><td>-</td>
 *       <td>{@link IllegalStateException} on every access ({@code reset} leaves them valid: they then see the next
 *       allocator's blocks)</td>
 *       <td>any thread may access them</td></tr>
 *   <tr><td>{@link #asArena()} segments</td>
 *       <td>the arena frees its blocks itself; freeing one yourself is a double free when the arena closes</td>
 *       <td>{@link IllegalStateException}</td><td>{@link IllegalStateException}: the arena closes with the heap</td>
 *       <td>any thread may access them; the arena's {@code allocate} and {@code close} belong to the thread that
 *       called {@code asArena()} ({@link WrongThreadException})</td></tr>
 * </table>
 * No view ever reaches unmapped memory or a heap mapped later at the same address: closing the allocator unmaps the
 * heap through a shared arena (FFM waits until no thread is inside an access) and first closes every arena opened
 * over it (the heap's dependent arenas).
 */
public interface Allocator extends AutoCloseable {

    /** The allocator's name with its non-default options, as accepted by {@link Allocators#create}. */
    String name();

    /** Which threads may call this allocator. */
    ThreadSafety threadSafety();

    /** Allocates at least {@code size} bytes; returns the payload address or 0 when the heap cannot hold it. */
    long malloc(long size);

    /** Allocates {@code count * size} zeroed bytes; 0 when the heap cannot hold them. */
    long calloc(long count, long size);

    /** Resizes, in place when possible, else by moving the contents; see the class table for 0 cases. */
    long realloc(long address, long size);

    /**
     * Grows or shrinks the block in place to hold at least {@code size} bytes (jemalloc's {@code xallocx},
     * mimalloc's {@code mi_expand}); never moves it.
     *
     * @return true if the block now holds {@code size} bytes; false if it could not grow (it is then unchanged)
     */
    boolean tryExpand(long address, long size);

    /** Frees a live block; {@code free(0)} does nothing. */
    void free(long address);

    /** Allocates {@code size} bytes whose payload address is a multiple of {@code alignment} (a power of two). */
    long alignedAlloc(long alignment, long size);

    /** The bytes the caller may use at a live block (at least what was requested); 0 for NULL. */
    long usableSize(long address);

    /** A point-in-time statistics snapshot; may walk the heap (not for hot paths). */
    AllocatorStats stats();

    /**
     * Gives free memory back to the OS, as glibc's {@code malloc_trim}: the whole pages inside free blocks (and, for
     * allocators with caches, the pages those caches held once flushed) are released with {@code madvise}, so they
     * leave the process's resident set and read back as zero when reused. Live blocks and metadata are untouched;
     * the heap stays well formed. Pools and stacks, which keep their capacity by design, give nothing back.
     *
     * @return the bytes of whole pages released by this call (a page released before and still free may be counted
     *         again)
     */
    long trim();

    /**
     * Releases the heap; every address becomes invalid and every view throws {@link IllegalStateException} (see the
     * class comment). Any thread may call it; calling it again does nothing.
     */
    @Override
    void close();

    /**
     * The blocks still live, grouped by allocation site, largest first, when the allocator was created with leak
     * detection ({@code leaks=simple|advanced|paranoid} in its spec); otherwise an empty report at
     * {@link LeakLevel#DISABLED}. Walks the heap: call it while no other thread uses the allocator.
     */
    default LeakReport leakReport() {
        return LeakReport.disabled(name());
    }

    /** A bounds-checked view of the usable payload of a live block. */
    default MemorySegment segment(long address) {
        if (address == 0) {
            throw new InvalidPointerException("segment(NULL)", 0);
        }
        return Inspection.of(this).heap().slice(address, usableSize(address));
    }

    /**
     * The heap address of a segment that starts inside this heap (the inverse of {@link #segment}).
     *
     * @throws InvalidPointerException if the segment does not lie in this heap
     */
    default long offsetOf(MemorySegment segment) {
        long address = Inspection.of(this).heap().addressOf(segment);
        if (address <= 0) {
            throw new InvalidPointerException("segment " + segment + " is not inside this heap", address);
        }
        return address;
    }

    /**
     * This allocator as an FFM {@link SegmentAllocator}: each call allocates a block (aligned as asked) and returns
     * a view of exactly {@code byteSize} bytes; the contents are unspecified (not zeroed). Nothing frees these
     * blocks unless the caller passes {@code offsetOf(segment)} to {@link #free}.
     *
     * @throws OutOfMemoryError from {@code allocate} when the heap is exhausted
     */
    default SegmentAllocator asSegmentAllocator() {
        return (byteSize, byteAlignment) -> {
            long a = Segments.allocate(this, byteSize, byteAlignment, false);
            return Inspection.of(this).heap().slice(a, byteSize);
        };
    }

    /**
     * An {@link Arena} that allocates from this allocator: segments are zeroed, aligned as asked, and become
     * inaccessible ({@link IllegalStateException}) when the arena is closed, which frees every block it allocated, or
     * when this allocator is closed (or its heap reset), whichever comes first.
     *
     * <p>Threads: the segments are shared (any thread may access them, as every view of the heap, unlike an
     * {@link Arena#ofConfined()} arena's); {@code allocate} and {@code close} belong to the calling thread
     * ({@link WrongThreadException} elsewhere). Closing the allocator from any thread closes the arena too; its own
     * {@code close()} then throws {@link IllegalStateException} (already closed) and frees nothing, the heap is gone.
     *
     * <p>{@code close()} frees every block even if one fails to free (a block the caller freed itself: a double free)
     * and then throws the first failure with the others suppressed; the arena is closed either way.
     *
     * @throws IllegalStateException if this allocator is closed
     */
    default Arena asArena() {
        return new AllocatorArena(this);
    }
}
