package org.jalloc.threadcache;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.spi.EngineSanity;
import org.jalloc.core.memory.Heap;

/**
 * {@code thread-cache:debug=F} alone, done by the engine itself ({@link org.jalloc.core.spi.FreeChecksOnRequest}; no layer): the
 * state {@link ThreadCacheAllocator} consults behind one field test in its {@code allocate}, {@code deallocate},
 * {@code resize}, {@code usable} and views. The engine's own screen (page map, state map) already finds every bad
 * free of a <i>block</i> exactly; what F adds is a <b>head</b> of 16 bytes (or the alignment) below each payload,
 * whose word just below the payload holds the usable size, so a 1-byte underrun lands in the block's own head and
 * not in its neighbour's bytes, and a <b>mark</b> per payload outside the heap, so that a payload is told from any
 * other address exactly (no byte of the heap can forge it) and two racing frees of one block cannot both pass.
 *
 * <pre>
 *  one block under F (SMALL: a class for n + 16; LARGE: a span; aligned a &gt; 16: a class or span for n + a):
 *
 *   b = block start          u - 8           u = b + front (16, or a)             b + block bytes
 *   │ front (8 B) │ (0 ...)  │ usable (8 B)  │ payload: the caller's bytes          │
 *   └──────────── head ──────┴───────────────┴─────────────────────────────────────┘
 *   usable = block bytes - front
 *
 *   marks    one byte per 16-byte granule, outside the heap: log2(front) | SCOPED? at u's granule while u is live, 0
 *            elsewhere (leaves of 4 KiB per 64 KiB of heap, made on first use with a compare-and-set on the root)
 *   sanity   core's {@link EngineSanity}, shared with slub: the views (u → the arena of the block's views, under one
 *            lock, for marks with SCOPED), the ring of the last frees (concurrent mode, which names a double free), the
 *            texts of F's reports
 * </pre>
 *
 * Invariants: {@code mark(u) ≠ 0 ⇔ u} is a payload the engine handed out under F and has not freed, and then
 * {@code u - front(mark(u))} is a live block start (LIVE in the state map, or a LARGE span's start); {@code views}
 * holds {@code u} ⇒ {@code mark(u)} has SCOPED. The word at {@code u - 8} of a live payload is its usable size
 * (checked at free and realloc, not an invariant of the walk: a caller's underrun may break it between calls).
 *
 * <ol>
 *   <li>malloc(n): the engine's block {@code b} for {@code max(n, 16) + 16} bytes; write front at {@code b}, usable at
 *       {@code u - 8}; mark {@code u}; hand out {@code u = b + 16}.</li>
 *   <li>free(u): take the mark with one atomic exchange (0: misuse — a double free when {@code u} is in the ring, else
 *       an invalid pointer, exact, before anything changes). The word at {@code u - 8} against the engine's size of the
 *       block (its class or span): a word no block could have (an underrun sets its top byte) is an
 *       {@link InvalidPointerException}, another size a {@link HeapCorruptionException} "changed from A to B"; either
 *       way the mark is put back and nothing is freed. Then the views die and the free goes into the ring (so a free
 *       racing this one finds it there: a double free), then the engine frees {@code b} (its own screen and state
 *       exchange).</li>
 * </ol>
 *
 * <p>Thread safety: the marks' leaves are published with a compare-and-set; a mark is set by the allocating thread
 * (ordered before any other thread's use by the hand-over of the address) and taken by one atomic exchange; the
 * views are kept under {@link EngineSanity}'s lock, taken only for blocks a view was asked of.
 */
final class FreeChecks {
    /** The head below a payload without alignment: front word and size word. */
    static final long HEAD = 16;
    private static final int SCOPED = 0x40;
    private static final int FRONT = 0x3f;
    private static final int LEAF_SHIFT = 16;
    private static final int LEAF_BYTES = 1 << (LEAF_SHIFT - 4);
    /** The largest heap the marks cover (a root of at most 2^20 leaves); beyond it F alone is the tagged prefix. */
    static final long MAX_COVERED = 1L << 36;
    private static final VarHandle BYTES = MethodHandles.arrayElementVarHandle(byte[].class);
    private static final VarHandle LEAVES = MethodHandles.arrayElementVarHandle(byte[][].class);

    /** The ring, the views and the report texts every concurrent engine's own F shares (core). */
    private final EngineSanity sanity;
    private final Heap heap;
    private final long start;
    private final long covered;
    private final byte[] @Nullable [] leaves;

    FreeChecks(EngineSanity sanity, Heap heap) {
        this.sanity = sanity;
        this.heap = heap;
        this.start = heap.start();
        this.covered = heap.limit() - start;
        this.leaves = new byte[(int) ((covered + (1L << LEAF_SHIFT) - 1) >>> LEAF_SHIFT)][];
    }

    /** Whether the marks can cover {@code heap}. */
    static boolean covers(Heap heap) {
        return heap.limit() - heap.start() <= MAX_COVERED;
    }

    static long front(int mark) {
        return 1L << (mark & FRONT);
    }

    static boolean scoped(int mark) {
        return (mark & SCOPED) != 0;
    }

    // ---------------------------------------------------------------- marks

    /** The leaf of {@code u}'s granule, or null when none was made or {@code u} is no 16-aligned address of the heap. */
    private byte @Nullable [] leaf(long u) {
        long off = u - start;
        if ((u & 15) != 0 || off < 0 || off >= covered) {
            return null;
        }
        return leaves[(int) (off >>> LEAF_SHIFT)];
    }

    private static int index(long u) {
        return (int) (u >>> 4) & (LEAF_BYTES - 1);
    }

    /** The mark of {@code u}: 0 unless {@code u} is a live payload. */
    int mark(long u) {
        byte @Nullable [] l = leaf(u);
        return l == null ? 0 : l[index(u)];
    }

    /** Takes the mark of {@code u} (atomic: of two racing frees one gets it, the other 0). */
    int claim(long u) {
        byte @Nullable [] l = leaf(u);
        return l == null ? 0 : (byte) BYTES.getAndSet(l, index(u), (byte) 0);
    }

    /** Puts back the mark a refused free took. */
    void restore(long u, int mark) {
        byte @Nullable [] l = leaf(u);
        if (l != null) {
            BYTES.setVolatile(l, index(u), (byte) mark);
        }
    }

    /**
     * Writes the head of the engine's fresh block {@code b} ({@code bytes} long) for a payload at {@code b + front},
     * marks the payload and returns it.
     */
    long handOut(long b, long front, long bytes) {
        long u = b + front;
        heap.putLong(b, front);
        heap.putLong(u - 8, bytes - front);
        int off = (int) ((u - start) >>> LEAF_SHIFT);
        byte @Nullable [] l = leaves[off];
        if (l == null) {
            l = newLeaf(off);
        }
        l[index(u)] = (byte) Long.numberOfTrailingZeros(front);
        return u;
    }

    @SuppressWarnings("nullness:argument") // compareAndExchange expects null: the slot is empty until a leaf is published
    private byte[] newLeaf(int off) {
        byte[] made = new byte[LEAF_BYTES];
        byte @Nullable [] won = (byte @Nullable []) LEAVES.compareAndExchange(leaves, off, (byte @Nullable []) null, made);
        return won != null ? won : made;
    }

    /** The payload of the live block at {@code b} ({@code bytes} long) for the walk, or {@code b} when it has no head. */
    long payloadOf(long b, long bytes) {
        long front = heap.getLong(b);
        if (front < HEAD || front >= bytes || Long.bitCount(front) != 1) {
            return b;
        }
        int m = mark(b + front);
        return m != 0 && front(m) == front ? b + front : b;
    }

    // ---------------------------------------------------------------- reports (EngineSanity's texts)

    /** {@code u} is no live payload: a double free when it is among the recent frees, else an invalid pointer. */
    RuntimeException misuse(String op, long u) {
        return sanity.misuse(op, u);
    }


    /** The word below the live payload {@code u} (block {@code b}) is not its usable size: {@link EngineSanity#wordRefused}. */
    RuntimeException wordRefused(String op, long u, long b, long usable, long word) {
        return sanity.wordRefused(op, u, b, usable, word);
    }

    /**
     * The payload {@code u} ({@code usable} bytes), its mark taken, is about to go back to the engine: its views die
     * ({@code scoped}) and the ring takes it first, so a free racing this one finds it there (a double free).
     */
    void freeing(long u, long usable, boolean scoped) {
        sanity.freed(u, usable, scoped);
    }

    // ---------------------------------------------------------------- views

    /**
     * A view of {@code length} bytes of the live payload {@code u} that dies when it is freed: its mark takes SCOPED
     * under the views' lock (a compare-and-set, so a racing free either sees SCOPED and waits for that lock to close
     * the view, or took the mark first and this is misuse).
     */
    MemorySegment view(String op, long u, long length) {
        return sanity.view(u, length, () -> {
            byte @Nullable [] l = leaf(u);
            int m = l == null ? 0 : l[index(u)];
            if (l == null || m == 0 || (m & SCOPED) == 0 && !BYTES.compareAndSet(l, index(u), (byte) m, (byte) (m | SCOPED))) {
                throw misuse(op, u);
            }
        });
    }
}
