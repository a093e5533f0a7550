package org.jalloc.core.debug;

import java.util.Arrays;

import org.jalloc.core.Allocator;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.InvalidSizeException;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.spi.Arguments;
import org.jalloc.core.spi.SizedFree;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.core.walk.Inspection;

/**
 * The debug layer with {@code debug=F} alone over an engine that keeps each block's size in the word just below its
 * payload and screens that word at free ({@link SizedFree#screensSizeBelowPayload}: boundary-tag, segregated, tlsf and
 * the free-list family): F's state is a <b>shadow</b> of the heap outside it, one {@code int} per 16-byte granule, so
 * a block is the engine's block unchanged — no prefix, no byte of the layer in the heap. A malloc + free pair costs
 * of the layer one shadow store and one shadow load (Java array accesses), the ring store, and of the engine the size
 * of the fresh block at malloc and a free that compares the size on the header it reads anyway (SLUB's
 * {@code free_debug_processing}: the allocator's own metadata, checked strictly at free).
 *
 * <pre>
 *  one block: the engine's, unchanged          shadow (int[], grown with the break, at most capacity / 16 entries)
 *
 *   u - 8      u = the engine's payload         shadow[(u - start) / 16] = under / 8 &lt;&lt; 1 | SCOPED    (u live)
 *   │ header  │ payload ... (usable = under)│                              = 0                          (otherwise)
 *   └─ the engine's size word, screened by its free
 *
 *   recent, scopes   the ring of recent frees and the views' arenas, kept by {@link SanityLayer}
 * </pre>
 *
 * Invariant: {@code shadow[(u - start) / 16] ≠ 0 ⇔ u is a block the layer handed out and has not freed}, and then
 * its {@code under} is the engine's usable size of {@code u} when it was handed out (or last resized in place).
 *
 * <ol>
 *   <li>malloc(n): the engine's block of {@code max(n, 16)} bytes at {@code u}; its size
 *       ({@link SizedFree#freshUsableSize}, one unscreened header read) goes into the shadow.</li>
 *   <li>free(u): the shadow entry of {@code u}; 0 (or {@code u} outside the heap, not 16-aligned) is misuse: among the
 *       last {@link DebugAllocator#RECENT_FREES} frees a {@link DoubleFreeException}, else an
 *       {@link InvalidPointerException} — exact, an interior pointer included, and before the engine sees the call.
 *       Then the engine frees the block only if its usable size is still {@code under}
 *       ({@link SizedFree#freeIfUsable}: its free's own screen first, so a header an underrun made impossible is its
 *       {@link InvalidPointerException}); otherwise nothing changes and a {@link HeapCorruptionException} says
 *       "changed from A to B". Then the entry becomes 0, the views die and the free goes into the ring.</li>
 * </ol>
 *
 * <p>Against {@link TaggedSanity}'s prefix: no forged tag can pass (the shadow is not in the heap), an interior
 * pointer is refused exactly, blocks are the engine's sizes (no 16 bytes more), and an underrun into the engine's
 * header is the engine's refusal ({@link InvalidPointerException} or, when it makes the header another plausible size,
 * the {@link HeapCorruptionException} of the comparison). The cost is the shadow's memory: 4 bytes per 16 bytes of
 * the heap below the break (a quarter of the heap in use), on the Java heap.
 *
 * <p>Single owner only: an engine that is concurrent gets {@link TaggedSanity}.
 */
final class ShadowSanity extends SanityLayer {
    private static final int SCOPED = 1;
    /** The largest heap the shadow covers: {@code under / 8} must fit in 30 bits. */
    static final long MAX_CAPACITY = 1L << 33;

    private final SizedFree sized;
    private final long start;
    private final long maxEntries;
    /** One entry per 16 bytes from {@link #start}: {@code under / 8 << 1 | SCOPED} of a live block start, else 0. */
    private int[] shadow;

    ShadowSanity(Allocator delegate, DebugOptions options, String name) {
        super(delegate, options, name, false);
        this.sized = SizedFree.of(delegate);
        this.start = heap.start();
        this.maxEntries = (heap.limit() - start + 15) >>> 4;
        this.shadow = new int[(int) Math.min(maxEntries, 1 << 12)];
    }

    /**
     * True when {@code options} need no more than this layer offers (F alone, no views a type's own letters ask for)
     * and {@code engine} keeps its sizes where this layer checks them.
     */
    static boolean serves(DebugOptions options, Allocator engine) {
        return TaggedSanity.serves(options) && options.has(DebugOptions.F)
                && engine.threadSafety() != ThreadSafety.CONCURRENT
                && SizedFree.of(engine).screensSizeBelowPayload()
                && Inspection.of(engine).heap().capacity() <= MAX_CAPACITY
                && Inspection.of(engine).heap().limit() - Inspection.of(engine).heap().start() <= MAX_CAPACITY;
    }

    // ---------------------------------------------------------------- the shadow

    private static long under(int entry) {
        return (long) (entry >>> 1) << 3;
    }

    /** The shadow entry of {@code u}: 0 when {@code u} is no live block start the layer handed out. */
    private int entry(long u) {
        long i = (u - start) >>> 4;
        return (u & 15) == 0 && u >= start && i < shadow.length ? shadow[(int) i] : 0;
    }

    /** Records the fresh engine block {@code u}; returns it. */
    private long record(long u, int scoped) {
        long under = sized.freshUsableSize(u);
        long i = (u - start) >>> 4;
        if (i >= shadow.length) {
            grow(i);
        }
        shadow[(int) i] = (int) (under >>> 3) << 1 | scoped;
        return u;
    }

    private void grow(long i) {
        long n = Math.min(maxEntries, Math.max(i + 1, 2L * shadow.length));
        shadow = Arrays.copyOf(shadow, (int) n);
    }

    /** The entry of the live block at {@code u}, or the exception saying why {@code u} is none. */
    private int liveEntry(String op, long u) {
        int e = entry(u);
        if (e == 0) {
            throw misuse(op, u);
        }
        return e;
    }

    @Override
    long liveState(String op, long u) {
        return liveEntry(op, u);
    }

    @Override
    long usable(long state) {
        return under((int) state);
    }

    @Override
    boolean scoped(long state) {
        return (state & SCOPED) != 0;
    }

    @Override
    void markScoped(long u, long state) {
        shadow[(int) ((u - start) >>> 4)] = (int) state | SCOPED;
    }

    // ---------------------------------------------------------------- allocation

    @Override
    public long malloc(long size) {
        if (size < 0) {
            throw new InvalidSizeException(name + ": malloc(" + size + "): negative size");
        }
        long u = delegate.malloc(Math.max(size, MIN_PAYLOAD));
        return u == 0 ? 0 : record(u, 0);
    }

    @Override
    public long alignedAlloc(long alignment, long size) {
        Arguments.checkAlignedAlloc(name + ": ", alignment, size);
        long u = delegate.alignedAlloc(alignment, Math.max(size, MIN_PAYLOAD));
        return u == 0 ? 0 : record(u, 0);
    }

    // ---------------------------------------------------------------- free

    @Override
    public void free(long address) {
        if (address == 0) {
            return;
        }
        int e = entry(address);
        if (e == 0) {
            throw misuse("free", address);
        }
        long under = under(e);
        long now = sized.freeIfUsable(address, under); // the engine's screen refuses what it refuses, changing nothing
        if (now != under) {
            throw sizeChanged("free", address, address, under, now); // nothing freed
        }
        forget(address, e, under);
    }

    /** After the engine freed {@code u}: its entry, views and the ring. */
    private void forget(long u, int e, long under) {
        shadow[(int) ((u - start) >>> 4)] = 0;
        if ((e & SCOPED) != 0) {
            closeScope(u);
        }
        recent.add(u, under);
    }

    /** Frees the live block {@code u} (checked by the caller). */
    private void release(long u, int e) {
        delegate.free(u);
        forget(u, e, under(e));
    }

    // ---------------------------------------------------------------- resize

    /** F: the engine's usable size of the block is what it was (realloc's check, before any change). */
    private void checkEngine(String op, long u, int e) {
        long now = delegate.usableSize(u);
        if (now != under(e)) {
            throw sizeChanged(op, u, u, under(e), now);
        }
    }

    @Override
    public long realloc(long address, long size) {
        if (address == 0) {
            return malloc(size);
        }
        checkResizeSize("realloc", address, size);
        int e = liveEntry("realloc", address);
        checkEngine("realloc", address, e); // before any change, a new block included
        if (size == 0) {
            release(address, e);
            return 0;
        }
        if (size > heap.capacity()) {
            return 0;
        }
        if (expand(address, e, size)) {
            return address;
        }
        long moved = malloc(size);
        if (moved == 0) {
            return 0;
        }
        heap.copy(address, moved, Math.min(under(e), size));
        release(address, e);
        return moved;
    }

    @Override
    public boolean tryExpand(long address, long size) {
        checkTryExpand(address, size);
        int e = liveEntry("tryExpand", address);
        if (size > heap.capacity()) {
            return false;
        }
        return expand(address, e, size);
    }

    private boolean expand(long u, int e, long size) {
        if (!delegate.tryExpand(u, Math.max(size, MIN_PAYLOAD))) {
            return false;
        }
        record(u, e & SCOPED);
        return true;
    }

    // ---------------------------------------------------------------- inspection face

    /** The engine's walk as it is: the layer's blocks are the engine's, byte for byte. */
    @Override
    public HeapWalk heapWalk() {
        return Inspection.of(delegate).heapWalk();
    }

    @Override
    public String toString() {
        return "ShadowSanity(" + name + ", " + delegate + ")";
    }
}
