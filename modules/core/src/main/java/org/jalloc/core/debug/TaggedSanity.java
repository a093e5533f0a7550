package org.jalloc.core.debug;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ThreadLocalRandom;

import org.jalloc.core.spi.Arguments;
import org.jalloc.core.Allocator;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.InvalidSizeException;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.SizedFree;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.core.walk.Inspection;
import org.jalloc.core.walk.InvariantSink;

/**
 * The debug layer with {@code debug=F} alone (and the scoped views a type's own {@code debug=} letters ask of the
 * generic layer, slab's) over the engines {@code org.jalloc.core.spi.EngineShadow} does not serve — those whose free does not screen a
 * size word just below the payload nor keep one on request (slab, slub, slob), concurrent engines that do not check F
 * themselves ({@code org.jalloc.core.spi.FreeChecksOnRequest}: slub and thread-cache do), heaps over
 * 8 GiB: F's state lives in a tagged prefix of each block, not in a table, so a malloc + free pair
 * costs two prefix writes, two prefix reads, a ring store, and of the engine ({@link SizedFree}) the size of the fresh
 * block at malloc and a free that compares the size on the metadata it reads anyway.
 * Z, P, U and any leak level need per-block records and sites: {@link DebugAllocator} does those.
 *
 * <pre>
 *  one block (front = 16, or the alignment of an alignedAlloc above 16):
 *
 *  base                            user - 16   user - 8   user = base + front            base + under
 *   │ (aligned only: mark, front)   │ tag       │ word      │ payload: the caller's bytes   │
 *   └───────────────────────────────┴───────────┴───────────┴───────────────────────────────┘
 *   └──────────────── one block of the underlying allocator (its usableSize = under) ─────────┘
 *
 *   word = under << 7 | SCOPED? | log2(front)         tag = mix(user ^ word) ^ key   (live)
 *                                                     tag ^ FREED                     (freed by the layer)
 *   key: per heap, random. The mark of an aligned block (at base: mark(base), front) lets the walk find user.
 *
 *   recent, scopes   the ring of recent frees and the views' arenas, kept by {@link SanityLayer}
 * </pre>
 *
 * Invariant: a block the layer handed out at {@code u} is live ⇔ {@code tag(u) = mix(u ^ word(u)) ^ key}; the layer
 * writes that value only at a malloc of {@code u} and overwrites it before the engine takes the block back. A forged
 * tag needs the key; a 1-byte underrun changes {@code word} and so fails the tag.
 *
 * <ol>
 *   <li>malloc(n): the engine's block of {@code front + max(n, 16)} bytes; its size ({@link SizedFree#freshUsableSize});
 *       write word, tag; hand out {@code base + front}.</li>
 *   <li>free(u): read word and tag at {@code u - 16} (inside the heap, else invalid); a wrong tag is misuse: among
 *       the last {@link DebugAllocator#RECENT_FREES} frees, a {@link DoubleFreeException}, else an
 *       {@link InvalidPointerException}. Then the tag becomes freed (a compare-and-set when the engine is concurrent,
 *       so two racing frees of one block cannot both pass) and the engine frees — with F only if its usable size of
 *       the block is still {@code under} ({@link SizedFree#freeIfUsable}), else it changes nothing and a
 *       {@link HeapCorruptionException} says so; if the engine refuses either way, the tag is put back. Then the
 *       views die and the free goes into the ring.</li>
 * </ol>
 *
 * <p>The trade-off against {@link DebugAllocator}'s table: a live block is told from a non-block by its own bytes, so
 * a pointer whose 16 bytes below hold a forged tag would pass (the key is random per heap; nothing the layer hands
 * out contains it), and a live block whose tag or word an underrun damaged is reported as misuse (double free when
 * its address is in the ring, else invalid pointer) instead of being freed; a freed block is named a double free
 * from the ring alone, exactly as the table did. 16 bytes more per block. Where the engine keeps its size just below
 * the payload and screens it at free, the engine's own F ({@code org.jalloc.core.spi.EngineShadow}) is stronger (an invalid pointer is found exactly: no tag to
 * forge) and cheaper (no prefix): the prefix is for the engines that have no such word, where a 1-byte underrun would
 * otherwise land in the neighbour's bytes unseen.
 */
final class TaggedSanity extends SanityLayer {
    /** Bytes before the payload: tag and word. */
    static final long PREFIX = 16;
    private static final long FREED = 0x5A5A_0F0F_F0F0_A5A5L;
    private static final long MARK = 0x3C3C_C3C3_6969_9696L;
    private static final long SCOPED = 1L << 6;
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final MemorySegment memory;
    /** The engine's usable size at malloc and its free with F's comparison, each reading its metadata once. */
    private final SizedFree sized;
    /** The highest address a prefix may be read at: the reservation's end (a final field, where brk is volatile). */
    private final long readLimit;
    private final boolean sanity;
    private final boolean concurrent;
    private final long key = ThreadLocalRandom.current().nextLong() | 1;

    TaggedSanity(Allocator delegate, DebugOptions options, String name) {
        super(delegate, options, name, delegate.threadSafety() == ThreadSafety.CONCURRENT);
        this.memory = heap.memory();
        this.sized = SizedFree.of(delegate);
        this.readLimit = heap.limit();
        this.sanity = options.has(DebugOptions.F);
        this.concurrent = delegate.threadSafety() == ThreadSafety.CONCURRENT;
    }

    /** True when {@code options} need no more than this layer offers. */
    static boolean serves(DebugOptions options) {
        return options.leaks() == org.jalloc.core.LeakLevel.DISABLED
                && (options.flags() & (DebugOptions.Z | DebugOptions.P | DebugOptions.U)) == 0;
    }

    // ---------------------------------------------------------------- the prefix

    private long tag(long u, long word) {
        return ((u ^ word) * 0x9E3779B97F4A7C15L) ^ key;
    }

    private long mark(long b) {
        return ((b ^ MARK) * 0xC2B2AE3D27D4EB4FL) ^ key;
    }

    private static long front(long word) {
        return 1L << (word & 63);
    }

    private static long under(long word) {
        return word >>> 7;
    }

    /** Writes the prefix of engine block {@code b} handed out at {@code b + front}; returns the user address. */
    private long stamp(long b, long front) {
        long under = sized.freshUsableSize(b);
        long u = b + front;
        if (front > PREFIX) {
            heap.putLong(b, mark(b));
            heap.putLong(b + 8, front);
        }
        long word = under << 7 | Long.numberOfTrailingZeros(front);
        heap.putLong(u - 8, word);
        heap.putLong(u - 16, tag(u, word));
        return u;
    }

    /** Rewrites the word (and tag) of live block {@code u}. */
    private void restamp(long u, long word) {
        heap.putLong(u - 8, word);
        heap.putLong(u - 16, tag(u, word));
    }

    /** The word of the live block at {@code u}, or the exception saying why {@code u} is none. */
    private long liveWord(String op, long u) {
        // inside the reservation, not only below brk: a prefix above brk was overwritten by its free, so fails the tag
        if (u >= Heap.PAGE_SIZE + PREFIX && u <= readLimit) {
            long word = heap.getLong(u - 8);
            if (heap.getLong(u - 16) == tag(u, word)) {
                return word;
            }
        }
        throw misuse(op, u);
    }

    @Override
    long liveState(String op, long u) {
        return liveWord(op, u);
    }

    @Override
    long usable(long word) {
        return under(word) - front(word);
    }

    @Override
    boolean scoped(long word) {
        return (word & SCOPED) != 0;
    }

    @Override
    void markScoped(long u, long word) {
        restamp(u, word | SCOPED);
    }

    /** F: the engine's usable size of the block is what it was at malloc (realloc's check, before any change). */
    private void checkEngine(String op, long u, long word) {
        long now = delegate.usableSize(u - front(word));
        if (now != under(word)) {
            throw sizeChanged(op, u, word, now);
        }
    }

    private HeapCorruptionException sizeChanged(String op, long u, long word, long now) {
        return sizeChanged(op, u, u - front(word), under(word), now);
    }

    // ---------------------------------------------------------------- allocation

    @Override
    public long malloc(long size) {
        if (size < 0) {
            throw new InvalidSizeException(name + ": malloc(" + size + "): negative size");
        }
        if (size > heap.capacity()) {
            return 0;
        }
        long b = delegate.malloc(Math.max(size, MIN_PAYLOAD) + PREFIX);
        return b == 0 ? 0 : stamp(b, PREFIX);
    }

    @Override
    public long alignedAlloc(long alignment, long size) {
        Arguments.checkAlignedAlloc(name + ": ", alignment, size);
        if (alignment <= PREFIX) {
            return malloc(size);
        }
        if (size > heap.capacity()) {
            return 0;
        }
        long b = delegate.alignedAlloc(alignment, Math.max(size, MIN_PAYLOAD) + alignment);
        return b == 0 ? 0 : stamp(b, alignment);
    }

    // ---------------------------------------------------------------- free

    @Override
    public void free(long address) {
        if (address == 0) {
            return;
        }
        release(address, liveWord("free", address), sanity);
    }

    /**
     * Frees the live block {@code u}; with {@code check} (F) only if the engine's usable size of it is still
     * {@code under(word)}, compared by the engine's free on the metadata it reads anyway: else nothing changes and a
     * {@link HeapCorruptionException} says so.
     */
    private void release(long u, long word, boolean check) {
        long live = tag(u, word);
        long t = u - 16;
        if (concurrent) {
            if (!LONG.compareAndSet(memory, t, live, live ^ FREED)) {
                throw misuse("free", u); // another thread freed it first
            }
        } else {
            heap.putLong(t, live ^ FREED);
        }
        long b = u - front(word);
        try {
            if (check) {
                long now = sized.freeIfUsable(b, under(word));
                if (now != under(word)) {
                    throw sizeChanged("free", u, word, now); // nothing freed: the tag is put back below
                }
            } else {
                delegate.free(b);
            }
        } catch (RuntimeException | Error refused) {
            heap.putLong(t, live); // the engine refused (its own checks) or F did: the block stays live
            throw refused;
        }
        if ((word & SCOPED) != 0) {
            closeScope(u);
        }
        recent.add(u, under(word) - front(word));
    }

    // ---------------------------------------------------------------- resize

    @Override
    public long realloc(long address, long size) {
        if (address == 0) {
            return malloc(size);
        }
        checkResizeSize("realloc", address, size);
        long word = liveWord("realloc", address);
        if (sanity) {
            checkEngine("realloc", address, word); // before any change, a new block included
        }
        if (size == 0) {
            release(address, word, false); // checked above
            return 0;
        }
        if (size > heap.capacity()) {
            return 0;
        }
        if (expand(address, word, size)) {
            return address;
        }
        long moved = malloc(size);
        if (moved == 0) {
            return 0;
        }
        heap.copy(address, moved, Math.min(under(word) - front(word), size));
        release(address, word, false); // checked above
        return moved;
    }

    @Override
    public boolean tryExpand(long address, long size) {
        checkTryExpand(address, size);
        long word = liveWord("tryExpand", address);
        if (size > heap.capacity()) {
            return false;
        }
        return expand(address, word, size);
    }

    private boolean expand(long u, long word, long size) {
        long front = front(word);
        long b = u - front;
        if (!delegate.tryExpand(b, front + Math.max(size, MIN_PAYLOAD))) {
            return false;
        }
        long under = sized.freshUsableSize(b);
        restamp(u, under << 7 | (word & (SCOPED | 63)));
        return true;
    }

    // ---------------------------------------------------------------- inspection face

    @Override
    public HeapWalk heapWalk() {
        return new Walk(Inspection.of(delegate).heapWalk());
    }

    /** The user address of the engine block at payload {@code b}, or 0 when the layer did not stamp it. */
    private long userOf(long b, long usableBytes) {
        if (usableBytes < PREFIX) {
            return 0;
        }
        long w0 = heap.getLong(b);
        long w1 = heap.getLong(b + 8);
        long front = PREFIX;
        if (w0 == mark(b) && w1 > PREFIX && Long.bitCount(w1) == 1 && w1 <= usableBytes) {
            front = w1;
        }
        long u = b + front;
        long word = heap.getLong(u - 8);
        return heap.getLong(u - 16) == tag(u, word) && front(word) == front ? u : 0;
    }

    /** The engine's walk with each live block's extent carrying the caller's payload and usable size. */
    private final class Walk extends LayeredWalk {
        Walk(HeapWalk under) {
            super(under);
        }

        @Override
        public void walkExtents(ExtentVisitor visitor) {
            under.walkExtents((kind, start, size, payload, usableBytes) -> {
                if (kind == ExtentKind.ALLOCATED) {
                    long u = userOf(payload, usableBytes);
                    if (u != 0) {
                        return visitor.extent(kind, start, size, u, usableBytes - (u - payload));
                    }
                }
                return visitor.extent(kind, start, size, payload, usableBytes);
            });
        }

        @Override
        protected void checkLayer(InvariantSink sink) {
            // no invariant of its own: F's checks run at each free
        }
    }

    @Override
    public String toString() {
        return "TaggedSanity(" + name + ", " + delegate + ")";
    }
}
