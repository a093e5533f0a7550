package org.jalloc.threadcache;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A thread cache: one LIFO free list per size class, linked through the blocks' first words, with a count per list
 * and a byte total, touched without locks or atomics by its single owner. Implicit caches belong to a platform
 * thread (found through a 256-slot hint by thread id, checked against the owner, else a thread-local lookup);
 * explicit ones are handles from {@link ThreadCacheAllocator#newCache()} that the caller passes to
 * {@link ThreadCacheAllocator#malloc(ThreadCache, long)} and friends, and that one thread at a time may use (the
 * caller orders the hand-over between threads, as for any non-thread-safe object).
 *
 * <p>A cache is bounded: each list by {@link SizeClasses#maxCached}, all lists together by the allocator's
 * thread-cache byte limit; longer lists go back to the central lists a batch at a time. Every
 * {@value #EVENT_INTERVAL} operations the owner runs a cache event: it returns half of the least-used
 * part (the low-water mark) of one list (jemalloc's incremental tcache GC) and advances the allocator's clock.
 */
public final class ThreadCache {
    /** Operations between two cache events. */
    public static final int EVENT_INTERVAL = 256;

    /** Longs per class in {@link #lists}: the list's head, its length, its low-water mark, its slow-start fill. */
    static final int STRIDE = 4;
    static final int HEAD = 0;
    static final int COUNT = 1;
    static final int LOW = 2;
    static final int FILL = 3;
    /**
     * The per-class state, {@value #STRIDE} longs per class {@code c} from {@code c * STRIDE}: {@link #HEAD} (the first
     * block, 0 when empty), {@link #COUNT}, {@link #LOW} (the low-water mark since the last cache event) and {@link #FILL}
     * (slow start, below): the fast paths reach a class's head, count and low-water mark through one array reference
     * and one bounds check, in one 32-byte stretch of memory.
     */
    final long[] lists = new long[STRIDE * SizeClasses.COUNT];
    long bytes;
    int ticks = EVENT_INTERVAL;
    int gcCursor = 1;


    final Object allocatorToken;
    /**
     * {@link #allocatorToken} while the cache is usable, null once detached (so the one record of being detached): the
     * explicit calls' whole usability test (right allocator, not detached) is one reference compare with the
     * allocator's token.
     */
    @Nullable Object usable;
    /** The configured per-cache limit (TC-5: {@code bytes <= capBytes}). */
    final long capBytes;
    /**
     * This cache's share of the allocator's overall thread-cache budget, at most {@link #capBytes}: the owner copies
     * the allocator's current share here on its slow path (overflow, refill, cache event) and shrinks if it holds more.
     */
    long limitBytes;
    final int arena;
    final int id;
    /** The platform thread of an implicit cache; null for an explicit handle. */
    final @Nullable Thread owner;
    /** The stripe of a virtual threads' striped cache ({@link StripedCaches}), or -1; set before it is published. */
    int stripe = -1;

    // Scratch for flushing: one chain per arena (blocks freed into this cache from other arenas' spans).
    final long[] chainHead;
    final long[] chainTail;
    final int[] chainCount;

    // statistics
    long refills;
    long flushes;
    long events;

    ThreadCache(Object allocatorToken, long limitBytes, int arena, int id, @Nullable Thread owner, int arenas) {
        this.allocatorToken = allocatorToken;
        this.usable = allocatorToken;
        this.capBytes = limitBytes;
        this.limitBytes = limitBytes;
        for (int c = 1; c < SizeClasses.COUNT; c++) {
            lists[c * STRIDE + FILL] = 1;
        }
        this.arena = arena;
        this.id = id;
        this.owner = owner;
        this.chainHead = new long[arenas];
        this.chainTail = new long[arenas];
        this.chainCount = new int[arenas];
    }

    /** The cache's number, unique within its allocator. */
    public int id() {
        return id;
    }

    /** The arena whose central lists refill this cache. */
    public int arena() {
        return arena;
    }

    /** Bytes of free blocks held (racy when read by a thread other than the owner). */
    public long cachedBytes() {
        return bytes;
    }

    /** True for a thread's implicit cache, false for an explicit handle. */
    public boolean isImplicit() {
        return owner != null;
    }

    /** True once detached: its blocks went back to the central lists and it can no longer be used. */
    public boolean isDetached() {
        return usable == null;
    }

    /** The first block of list {@code c}, 0 when it is empty. */
    long head(int c) {
        return lists[c * STRIDE + HEAD];
    }

    void head(int c, long b) {
        lists[c * STRIDE + HEAD] = b;
    }

    /** The length of list {@code c}. */
    int count(int c) {
        return (int) lists[c * STRIDE + COUNT];
    }

    void count(int c, int n) {
        lists[c * STRIDE + COUNT] = n;
    }

    /** The least length of list {@code c} since the last cache event (jemalloc's low-water mark). */
    int lowWater(int c) {
        return (int) lists[c * STRIDE + LOW];
    }

    void lowWater(int c, int n) {
        lists[c * STRIDE + LOW] = n;
    }

    /**
     * Slow start (tcmalloc's {@code max_length}): blocks the next refill of class c takes, 1 for a new cache, one more
     * after each refill up to {@code BATCH[c]}; so a short-lived thread takes about what it uses, not whole batches.
     */
    int fill(int c) {
        return (int) lists[c * STRIDE + FILL];
    }

    void fill(int c, int n) {
        lists[c * STRIDE + FILL] = n;
    }

    /** Marks the cache detached (its owner's last write to it): every later explicit call is refused. */
    void markDetached() {
        usable = null;
    }

    @Override
    public String toString() {
        Thread t = owner;
        return "thread cache " + id + " (" + (t == null ? stripe >= 0 ? "virtual threads' stripe " + stripe : "explicit" : "thread " + t.getName()) + ", arena " + arena + ", "
                + bytes + " bytes" + (isDetached() ? ", detached" : "") + ")";
    }
}
