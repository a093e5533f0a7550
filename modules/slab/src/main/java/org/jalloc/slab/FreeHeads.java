package org.jalloc.slab;

import static org.jalloc.slab.AddressScreen.hex;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.function.LongUnaryOperator;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.spi.EngineSanity;
import org.jalloc.core.pagemap.RadixPageMap;

/**
 * The head that {@code debug=F} alone keeps below every payload on slub (SLUB-4) and on slab's kmalloc face (SLAB-8),
 * and the steps of F that read or write it; each engine keeps its own exact screen (which block a payload belongs to).
 *
 * <pre>
 *   block b (an object of a cache, or a large block of size(b) bytes)
 *   +--------------+-----+-------------------------------+----------------------------------+
 *   | front (8 B)  | ... | usable (| SCOPED, | FREED)    | payload u = b + front: usable B  |
 *   +--------------+-----+-------------------------------+----------------------------------+
 *   b                       u - 8                          u
 * </pre>
 *
 * <p>Invariants (SLUB-4, SLAB-8), for a live block: {@code mem[b] = front = 2^j >= 16}, {@code b ≡ 0 (mod front)},
 * {@code front < size(b)}, {@code mem[u − 8] & ~SCOPED = size(b) − front}; FREED is set only by the free that passes.
 *
 * <ol>
 *   <li>{@link #write}: malloc puts the front and the usable size.</li>
 *   <li>{@link #claim}: free reads the size word; it must say the block's usable size (a 1-byte underrun or any other
 *       word: the engine's refusal, nothing changed; FREED: another free passed first, a double free); one CAS then
 *       sets FREED, so of two racing frees exactly one passes. A refusal whose page the page map no longer maps as the
 *       screen found it is a racing free's give-back: the ring's double free ({@link #raced}).</li>
 *   <li>{@link #markScoped}: a view of the block sets SCOPED (same check, one CAS), so its free closes the views.</li>
 *   <li>{@link #viewUntilFree}, {@link #resizeChecked}, {@link #usable}: core's {@code FreeChecksOnRequest} hooks and the
 *       usable size, through the engine's exact {@link Screen} and block sizes (set by {@link #checkWith} when F alone
 *       becomes the engine's); each engine's methods of those hooks are one-line calls of these.</li>
 * </ol>
 */
final class FreeHeads {
    /** The head's bytes (an alignment's front may be larger); also the payload's alignment. */
    static final long HEAD = 16;
    /** The size word's flag: the block has views that die at its free. */
    static final long SCOPED = 1;
    /** The size word's flag: a free passed (set by its CAS). */
    static final long FREED = 2;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final VarHandle WORD = LONG.varHandle();
    /** {@link #raced}'s {@code e} for a refusal that is no free's (a view's mark): no page map entry to compare. */
    private static final long UNSCREENED = 0;

    /** Each engine's exact screen, as the steps past the head need it. */
    @FunctionalInterface
    interface Screen {
        /** The block whose live payload is {@code u}, or F's misuse report for {@code op} ({@code u} is no payload a malloc returned). */
        long blockOf(EngineSanity f, String op, long u);
    }

    private final MemorySegment mem;
    /** The engine's page map and the lock its give-backs hold ({@link #raced}). */
    private final RadixPageMap.Words pageMap;
    private final Object pageLock;
    /** The engine's name, for the refusal of an F hook when F alone is not the engine's. */
    private final String engine;
    /** Set once by {@link #checkWith}, before any block is handed out (the engine's own {@code checks} is the same object). */
    private @Nullable EngineSanity checks;
    private @Nullable Screen screen;
    /** The engine's bytes of the live block at {@code b} (an object of its cache, or a large block); set with the screen. */
    private LongUnaryOperator blockBytes = b -> 0;
    /**
     * slab's release writes its free marker (SLAB-7) over the size word of the slot's next 16 bytes; a racing free that
     * reads it there finds a double free the ring names (slab only).
     */
    private final boolean markerOverWord;

    FreeHeads(MemorySegment mem, boolean markerOverWord, String engine, RadixPageMap.Words pageMap, Object pageLock) {
        this.mem = mem;
        this.markerOverWord = markerOverWord;
        this.engine = engine;
        this.pageMap = pageMap;
        this.pageLock = pageLock;
    }

    /** F alone is the engine's from now on: {@code f} its ring and views, {@code s} its exact screen, {@code bytes} its block sizes. */
    void checkWith(EngineSanity f, Screen s, LongUnaryOperator bytes) {
        checks = f;
        screen = s;
        blockBytes = bytes;
    }

    /** Whether F alone is the engine's (every block carries a head). */
    boolean on() {
        return checks != null;
    }

    /** The usable size of the live payload {@code u}: its block's bytes past the payload's offset; misuse for {@code op} else. */
    long usable(EngineSanity f, String op, long u) {
        long b = screen().blockOf(f, op, u);
        return blockBytes.applyAsLong(b) - (u - b);
    }

    /** F's view of the live payload {@code u} ({@code segment}, {@code asSegmentAllocator}: core's): it dies when {@code u} is freed. */
    MemorySegment viewUntilFree(String op, long u, long length) {
        EngineSanity f = require();
        long under = usable(f, op, u);
        return f.view(u, length < 0 ? under : length, () -> markScoped(f, op, u, under));
    }

    /** F's in-place resize of the live payload {@code u} ({@code realloc}, {@code tryExpand}: core's): its block fits {@code size} or not. */
    boolean resizeChecked(String op, long u, long size) {
        return size <= usable(require(), op, u);
    }

    private EngineSanity require() {
        EngineSanity f = checks;
        if (f == null) {
            throw new IllegalStateException(engine + " does not check debug=F alone itself");
        }
        return f;
    }

    private Screen screen() {
        Screen s = screen;
        if (s == null) {
            throw new IllegalStateException(engine + " does not check debug=F alone itself");
        }
        return s;
    }

    /** Step 1: the head of the block {@code b} of {@code bytes} whose payload starts {@code front} bytes in; returns the payload. */
    long write(long b, long front, long bytes) {
        long u = b + front;
        mem.set(LONG, b, front);
        mem.set(LONG, u - 8, bytes - front);
        return u;
    }

    /**
     * Step 2: the size word below {@code u} still says {@code under}; sets FREED atomically. Returns the word as it was.
     * A refusal is {@link #raced} ({@code e}: the page map's entry of {@code u}'s page, as the screen read it).
     */
    long claim(EngineSanity f, String op, long u, long under, long e) {
        for (;;) {
            long w = (long) WORD.getVolatile(mem, u - 8);
            if ((w & ~SCOPED) != under) { // a flag other than SCOPED, or another size: the cold refusal
                throw refusal(f, op, u, under, w, e);
            }
            if (WORD.compareAndSet(mem, u - 8, w, w | FREED)) {
                return w;
            }
        }
    }

    /**
     * {@code x}, F's refusal of {@code u} whose page the screen found as {@code e} in the page map; or, when the map no
     * longer holds {@code e} there (read under the page lock, which every give-back holds), the ring's misuse report: a
     * racing free of {@code u} passed first, emptied the slab (or freed the large block) and gave its pages back, after
     * telling the ring (a double free), and what this free read since (a broken header, buddy's links over the size
     * word) was the pages' new content. If the pages were mapped again meanwhile (the same entry), {@code x} stands: an
     * invalid pointer or the word's report, still refused, nothing changed.
     */
    RuntimeException raced(EngineSanity f, String op, long u, long e, RuntimeException x) {
        if (e == UNSCREENED) {
            return x;
        }
        synchronized (pageLock) {
            if (pageMap.get(u >>> SlabPageEntry.PAGE_SHIFT) == e) {
                return x;
            }
        }
        return f.misuse(op, u);
    }

    /** Step 3: marks the live block {@code u} as having views (its free closes them). */
    void markScoped(EngineSanity f, String op, long u, long under) {
        for (;;) {
            long w = (long) WORD.getVolatile(mem, u - 8);
            if ((w & ~SCOPED) != under) {
                throw refusal(f, op, u, under, w, UNSCREENED);
            }
            if ((w & SCOPED) != 0 || WORD.compareAndSet(mem, u - 8, w, w | SCOPED)) {
                return;
            }
        }
    }

    /**
     * The misuse the size word {@code w} below {@code u} shows, which does not say {@code under} without FREED (off the
     * claim's hot path); {@code e} as in {@link #raced}.
     */
    private RuntimeException refusal(EngineSanity f, String op, long u, long under, long w, long e) {
        long size = w & ~(SCOPED | FREED);
        if (size == under) {
            return f.doubleFree(op, u, under); // FREED: another thread's free claimed it first
        }
        if (markerOverWord && (w ^ SlabLayer.FREE_TAG) == u - HEAD) {
            // the free marker of the object at u - 16 (SLAB-7), written over the size word by another thread's free,
            // which told the ring first (the store fence in slab's freeChecked): the double free the ring names
            return f.misuse(op, u);
        }
        return raced(f, op, u, e, f.wordRefused(op, u, u, under, size));
    }

    /**
     * SLUB-4 / SLAB-8, the head of the live block at {@code b} of {@code bytes}: null when its front word is a power of two
     * of at least 16 that divides the block's alignment and leaves room, and the size word below the payload is the
     * block's size less that front (SCOPED aside, no FREED); else what is wrong, as {expected, found, what}.
     */
    String @Nullable [] fault(long b, long bytes) {
        long front = mem.get(LONG, b);
        if (front < HEAD || Long.bitCount(front) != 1 || front >= bytes || (b & (front - 1)) != 0) {
            return new String[] {"a power of two of at least 16 the block is aligned to", Long.toString(front), "front word"};
        }
        long w = mem.get(LONG, b + front - 8);
        if ((w & ~SCOPED) != bytes - front) {
            return new String[] {Long.toString(bytes - front), Long.toString(w), "size word below the payload " + hex(b + front)};
        }
        return null;
    }

    /**
     * Under F alone the payload's offset in the live block at {@code b} of {@code bytes} (its front word, or 16 when that
     * is no front), else 0.
     */
    long front(long b, long bytes) {
        if (checks == null) {
            return 0;
        }
        long front = mem.get(LONG, b);
        return front >= HEAD && front < bytes && (front & (HEAD - 1)) == 0 ? front : HEAD;
    }

    /**
     * The large block whose payload is {@code u} ({@code e}: the page map's entry of {@code u}'s page, {@code first}: the
     * heap's first address), or the misuse ({@code u} is no payload a malloc returned).
     */
    long largeBlockOf(EngineSanity f, String op, long u, long e, RadixPageMap.Words pageMap, long first) {
        long b = 0;
        long page = SlabAllocator.PAGE_SIZE;
        if (SlabPageEntry.largeOrder(e) >= 0) {
            b = u & -page;
        } else if (e == SlabPageEntry.LARGE_TAIL) { // a front of a page or more (an alignment): the block's first page below
            for (long p = (u & -page) - page; p >= first; p -= page) {
                long x = pageMap.get(p >>> SlabPageEntry.PAGE_SHIFT);
                if (x != SlabPageEntry.LARGE_TAIL) {
                    b = SlabPageEntry.largeOrder(x) >= 0 ? p : 0;
                    break;
                }
            }
        }
        if (b == 0 || mem.get(LONG, b) != u - b) {
            throw f.misuse(op, u);
        }
        return b;
    }
}
