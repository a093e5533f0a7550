package org.jalloc.core.spi;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.Arrays;

import org.checkerframework.checker.nullness.qual.Nullable;

import org.jalloc.core.Allocator;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.debug.BlockViews;
import org.jalloc.core.debug.RecentFrees;
import org.jalloc.core.debug.SanityReports;
import org.jalloc.core.memory.Heap;

/**
 * {@code debug=F} alone, done by a heap engine itself ({@code tlsf:debug=F} is the engine, no layer): the state an
 * {@link AbstractAllocator} consults behind one field test in its final {@code malloc} and {@code free}, for every
 * engine that keeps each block's size in the word just below its payload and screens that word at free
 * ({@link SizedFree#screensSizeBelowPayload}: boundary-tag, segregated, tlsf and the free-list family; buddy, dense
 * and slob when asked through {@link SizeWordOnRequest}; slob is the one locked engine so far, "Locked engines"
 * below). F's state is a <b>shadow</b> of the heap outside it, one {@code int} per 16-byte granule, so a block is the engine's block unchanged;
 * a malloc + free pair adds to the engine's one shadow store and one shadow load (Java array accesses), the fresh
 * block's header read, the size compared on the header the free reads anyway (SLUB's {@code free_debug_processing}),
 * and the ring's two stores — with no wrapper's call between the caller and the engine (docs/debugging.md, "ablation").
 *
 * <pre>
 *  one block: the engine's, unchanged          shadow (int[], grown with the break, at most capacity / 16 entries)
 *
 *   u - 8      u = the engine's payload         shadow[(u - start) / 16] = under / 8 &lt;&lt; 1 | SCOPED    (u live)
 *   │ header  │ payload ... (usable = under)│                              = 0                          (otherwise)
 *   └─ the engine's size word, screened by its free
 *
 *   recent   the ring of the last frees ({@link RecentFrees}), which tells a double free from an invalid pointer
 *   views    user → the arena of the block's views ({@link BlockViews}), for the blocks whose entry has SCOPED
 * </pre>
 *
 * Invariants: {@code shadow[(u - start) / 16] ≠ 0 ⇔ u is a block the engine handed out and has not freed}, and then
 * its {@code under} is the engine's usable size of {@code u} when it was handed out (or last resized in place);
 * {@code views} holds {@code u} ⇒ {@code u}'s entry has SCOPED (a free closes and removes its arena).
 *
 * <ol>
 *   <li>malloc(n): the engine's block of {@code max(n, 16)} bytes at {@code u}; its size ({@code freshUsable}, one
 *       unscreened header read) goes into the shadow.</li>
 *   <li>free(u): the shadow entry of {@code u}; 0 (or {@code u} outside the heap, not 16-aligned) is misuse: among the
 *       last {@code DebugAllocator.RECENT_FREES} frees a {@link DoubleFreeException}, else an
 *       {@link InvalidPointerException} — exact, an interior pointer included, before the engine reads the heap. Then
 *       the engine frees the block only if its usable size is still {@code under} ({@code deallocateIfUsable}: its own
 *       screen first, so a header an underrun made impossible is its {@link InvalidPointerException}); otherwise
 *       nothing changes and a {@link HeapCorruptionException} says "changed from A to B". Then the entry becomes 0,
 *       the views die and the free goes into the ring.</li>
 * </ol>
 *
 * <h2>Locked engines (a concurrent engine with one lock: slob; written once for any engine that names a lock)</h2>
 * The shadow, the ring and the views are plain arrays and maps. A {@link ThreadSafety#CONCURRENT} engine is served
 * only when it names a monitor ({@link AbstractAllocator#shadowLock}; null for every single owner): then {@link #lock}
 * is that monitor and each F step of {@link AbstractAllocator}'s final operations runs while holding it, the engine's
 * own call inside (the engine's acquisitions of its lock nest, so a malloc or free is one real acquisition, not two).
 * An engine without one lock (per-thread caches) may name a lock of its own for F: correct, but every F operation of
 * that allocator then serializes on it.
 * <ol>
 *   <li>malloc(n) locked: the engine's block and its entry under one hold of the lock: no other thread frees or
 *       resizes {@code u} before its entry is there.</li>
 *   <li>free(u) locked: under one hold, the entry is <b>taken</b> (set to 0) before the engine frees the block and
 *       put back if the engine refuses (the heap unchanged, the entry as it was); after the engine freed it, the views
 *       die and the free enters the ring, still under the hold. A racing malloc that gets {@code u} back from the
 *       engine can record its entry and ask views only after the hold ends, so the late free can neither clear its
 *       entry nor close its views; a racing second free of {@code u} finds the entry 0 and the ring's record (a
 *       {@link DoubleFreeException}).</li>
 *   <li>realloc, tryExpand, usableSize, segment, asSegmentAllocator locked: the whole F operation under one hold
 *       (realloc's malloc nests).</li>
 * </ol>
 * The single owners' F path is unchanged but for one test of {@link #lock} (a final field of this object, null for
 * them) at the top of each F branch; off is unchanged (the one test of {@code sanity}). The reports are
 * {@link SanityReports}', the same texts as every debug layer's F.
 */
public final class EngineShadow {
    private static final int SCOPED = 1;
    /** The largest heap the shadow covers: {@code under / 8} must fit in 30 bits. */
    static final long MAX_CAPACITY = 1L << 33;

    final String name;
    private final Heap heap;
    private final long start;
    private final long maxEntries;
    /** One entry per 16 bytes from {@link #start}: {@code under / 8 << 1 | SCOPED} of a live block start, else 0. */
    private int[] shadow;
    private final RecentFrees recent = new RecentFrees(false);
    private final BlockViews views;
    /**
     * The monitor under which every F step runs for a locked engine ({@link AbstractAllocator#shadowLock}); null for
     * a single owner, whose F path tests it once and takes no lock.
     */
    final @Nullable Object lock;

    private EngineShadow(String name, Heap heap, @Nullable Object lock) {
        this.name = name;
        this.heap = heap;
        this.lock = lock;
        this.views = new BlockViews(heap);
        this.start = heap.start();
        this.maxEntries = (heap.limit() - start + 15) >>> 4;
        this.shadow = new int[(int) Math.min(maxEntries, 1 << 12)];
    }

    /**
     * True when {@code engine} can do F alone itself: an {@link AbstractAllocator}, single owner or concurrent with a
     * lock it names ({@link AbstractAllocator#shadowLock}), that keeps each block's size where the shadow checks it,
     * over a heap the shadow covers.
     */
    public static boolean serves(Allocator engine) {
        if (!(engine instanceof AbstractAllocator a) || a.sanity != null || !a.screensSizeBelowPayload()
                || engine.threadSafety() == ThreadSafety.CONCURRENT && a.shadowLock() == null) {
            return false;
        }
        return a.heap.capacity() <= MAX_CAPACITY && a.heap.limit() - a.heap.start() <= MAX_CAPACITY;
    }

    /**
     * Makes {@code engine} ({@link #serves}, nothing handed out yet) check F itself under the name {@code displayName}
     * ({@code tlsf:debug=F}); returns it. Called once, by the spec's debug options, before the engine is handed out.
     */
    public static Allocator claim(Allocator engine, String displayName) {
        if (!serves(engine)) {
            throw new IllegalArgumentException(engine.name() + " cannot check debug=F itself");
        }
        AbstractAllocator a = (AbstractAllocator) engine;
        Object lock = engine.threadSafety() == ThreadSafety.CONCURRENT ? a.shadowLock() : null;
        a.checkFrees(new EngineShadow(displayName, a.heap, lock), displayName);
        return a;
    }

    // ---------------------------------------------------------------- the shadow

    static long under(int entry) {
        return (long) (entry >>> 1) << 3;
    }

    /** The shadow entry of {@code u}: 0 when {@code u} is no live block start the engine handed out. */
    int entry(long u) {
        long i = (u - start) >>> 4;
        return (u & 15) == 0 && u >= start && i < shadow.length ? shadow[(int) i] : 0;
    }

    /** Records the fresh block {@code u} of {@code under} usable bytes, keeping {@code scoped}. */
    void record(long u, long under, int scoped) {
        long i = (u - start) >>> 4;
        if (i >= shadow.length) {
            grow(i);
        }
        shadow[(int) i] = (int) (under >>> 3) << 1 | scoped;
    }

    private void grow(long i) {
        long n = Math.min(maxEntries, Math.max(i + 1, 2L * shadow.length));
        shadow = Arrays.copyOf(shadow, (int) n);
    }

    /** The entry of the live block at {@code u}, or the exception saying why {@code u} is none. */
    int liveEntry(String op, long u) {
        int e = entry(u);
        if (e == 0) {
            throw misuse(op, u);
        }
        return e;
    }

    /** A locked free's first step (lock held): the live entry of {@code u}, set to 0 before the engine frees it. */
    int take(String op, long u) {
        int e = liveEntry(op, u);
        shadow[(int) ((u - start) >>> 4)] = 0;
        return e;
    }

    /** The engine refused the free of {@code u} (lock held): its entry {@code e} back, as it was. */
    void putBack(long u, int e) {
        shadow[(int) ((u - start) >>> 4)] = e;
    }

    /** After the engine freed {@code u} (entry {@code e}): its entry, views and the ring. */
    void forget(long u, int e) {
        shadow[(int) ((u - start) >>> 4)] = 0;
        if ((e & SCOPED) != 0) {
            closeView(u);
        }
        recent.add(u, under(e));
    }

    static int scopedBit(int e) {
        return e & SCOPED;
    }

    // ---------------------------------------------------------------- reports

    /** {@code u} is no live block: a double free when it is among the recent frees, else an invalid pointer. */
    RuntimeException misuse(String op, long u) {
        long usable = recent.usableOf(u);
        return usable >= 0 ? SanityReports.doubleFree(name, op, u, usable) : SanityReports.invalidPointer(name, heap, op, u);
    }

    HeapCorruptionException sizeChanged(String op, long u, long under, long now) {
        return SanityReports.sizeChanged(name, op, u, u, under, now);
    }

    static String hex(long address) {
        return "0x" + Long.toHexString(address);
    }

    // ---------------------------------------------------------------- views

    /** {@code segment(u)}: a view of the live block's usable bytes that dies when it is freed. */
    MemorySegment segment(long u) {
        if (u == 0) {
            throw new InvalidPointerException(name + ": segment(NULL)", 0);
        }
        int e = liveEntry("segment", u);
        return view(u, e, under(e));
    }

    /** {@code asSegmentAllocator()}: each allocation a view of exactly its bytes that dies with its block. */
    SegmentAllocator segmentAllocator(Allocator engine) {
        Object l = lock;
        if (l != null) {
            return (byteSize, byteAlignment) -> {
                synchronized (l) { // the block's entry and its view in one hold (the engine's malloc nests)
                    long a = Arguments.allocateForSegment(engine, byteSize, byteAlignment);
                    return view(a, liveEntry("asSegmentAllocator", a), byteSize);
                }
            };
        }
        return (byteSize, byteAlignment) -> {
            long a = Arguments.allocateForSegment(engine, byteSize, byteAlignment);
            return view(a, liveEntry("asSegmentAllocator", a), byteSize);
        };
    }

    private MemorySegment view(long u, int e, long length) {
        if ((e & SCOPED) == 0) {
            shadow[(int) ((u - start) >>> 4)] = e | SCOPED;
        }
        return views.view(u, length);
    }

    private void closeView(long u) {
        views.close(u);
    }
}
