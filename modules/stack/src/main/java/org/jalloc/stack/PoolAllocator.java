package org.jalloc.stack;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;


import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.FixedSizeAllocator;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.SecureLinks;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.core.walk.InvariantSink;

/**
 * The {@code pool}: a fixed-size object pool, the user-space memory pool of latency-sensitive code (game engines,
 * trading systems). N objects of one size are set aside at construction; {@link #take()} and {@link #giveBack} are a
 * pop and a push on a free list threaded through the objects themselves, O(1) with no search, no split, no merge and
 * no refill, and the pool never grows: when all N are out, {@code take} returns 0.
 *
 * <h2>Nouns</h2>
 * <dl>
 *   <dt>object, slot</dt><dd>object {@code i} is the {@code slot} bytes at {@code first + i·slot}
 *       ({@code slot = max(16, round16(object size))}, {@code first = heap.start()})</dd>
 *   <dt>free list</dt><dd>the objects given back, newest first, each holding the address of the next in its first
 *       word ({@code head} names the first; 0 ends the list)</dd>
 *   <dt>watermark {@code fresh}</dt><dd>objects {@code [fresh, N)} were never handed out: they are the free list's
 *       implicit tail, so construction touches no object (a pool of a million objects costs no page until used)</dd>
 *   <dt>live bitmap</dt><dd>one bit per object outside the heap, set while the object is out: it makes double
 *       give-back and foreign pointers exact, whatever the objects hold; it covers the objects below the watermark
 *       (its words double as the watermark rises), so it costs nothing for objects never used</dd>
 * </dl>
 *
 * <h2>Layout</h2>
 * <pre>
 *   first = heap.start()                                    first + fresh·slot                     end = brk
 *   | obj 0 | obj 1 | obj 2 | obj 3 | ... | obj fresh-1 |  never handed out (the list's implicit tail)  |
 *   | live  | free  | live  | free  |     | free        |                                               |
 *   +-------+-------+-------+-------+-----+-------------+-----------------------------------------------+
 *   free list, linked through the free objects' first words, newest first:  head → obj fresh-1 → obj 3 → obj 1 → 0
 *   live bitmap, outside the heap:  1 0 1 0 ... 0   (bit i set while object i is out)
 * </pre>
 *
 * <h2>Invariants (spec/invariants.md)</h2>
 * <ul>
 *   <li>POOL-1 (conservation): {@code |free list| + (N − fresh) + live = N}, and {@code live} is the number of set
 *       bits.</li>
 *   <li>POOL-2: the free list holds object starts below the watermark, none live, none twice, and ends.</li>
 *   <li>POOL-3: the pool never grows: the break is {@code first + N·slot} since construction, {@code 0 <= fresh <= N},
 *       and no bit is set at or above the watermark.</li>
 * </ul>
 *
 * <h2>Algorithms</h2>
 * <ol>
 *   <li>take() / malloc(n ≤ slot): pop the free list head (its first word is the next link); if the list is empty,
 *       hand out object {@code fresh++}; if none is left, 0. Set the object's bit.</li>
 *   <li>giveBack(p) / free(p): check {@code p} (below), clear its bit, write the head into its first word, head = p.</li>
 *   <li>malloc(n), n &gt; slot: 0 (a pool never serves another size). alignedAlloc(a, n): an object when every object
 *       is aligned to {@code a}, else 0. realloc/tryExpand: within the slot in place, else 0/false.</li>
 * </ol>
 *
 * <h2>Misuse detected exactly in O(1), heap unchanged</h2>
 * A pointer that is not 16-aligned, outside the objects, or not at an object start (a foreign or interior pointer):
 * {@link InvalidPointerException}; an object never handed out: {@link InvalidPointerException}; an object that is not
 * out (given back twice): {@link DoubleFreeException}.
 *
 * <h2>How it differs from slab's caches</h2>
 * A slab cache ({@code org.jalloc.slab.SlabCache}) also hands out objects of one size from free lists, but it is a
 * general kernel-style allocator: it grows by taking pages from buddy and shrinks by giving empty slabs back, keeps
 * full/partial/empty slab lists, colours slabs, runs constructors, and puts per-thread magazines and a depot in front.
 * So its worst case includes a slab refill (a buddy split) or a depot exchange. The pool does none of that: one region
 * made at construction, one free list, no locks, no growth; every take and give-back is the same few instructions,
 * which is the point of a pool in latency-sensitive code (docs/stack.md measures both).
 *
 * <p>Thread safety: {@link ThreadSafety#SINGLE_OWNER}.
 */
public final class PoolAllocator extends SaneEngine implements FixedSizeAllocator {
    /** The default object size: 64 bytes. */
    public static final long DEFAULT_OBJECT_SIZE = 64;
    /** The most objects a pool can have: what the live bitmap (an {@code int}-indexed array of words) can index. */
    public static final long MAX_COUNT = (long) Integer.MAX_VALUE * 64;

    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG;

    private final MemorySegment mem;
    private final long first;
    private final long slot;
    private final int shift;
    private final long count;
    private final long end;
    /** One bit per object below the watermark (rounded up to whole words, grown as the watermark rises). */
    private long[] liveBits = new long[1];
    private long fresh;
    private long head;
    /** The links' encoding ({@code secure=on|off}, SEC-1). */
    private final SecureLinks links;
    private long live;
    private long peakLive;
    /** {@code debug=F} claimed by the engine (null: off): its reports and views; the live bitmap is its check. */

    /**
     * A pool of {@code count} objects of {@code objectSize} bytes over {@code heap} (empty, owned from now on);
     * {@code count = 0} makes as many as the heap holds.
     *
     * @throws IllegalArgumentException if the heap cannot hold them, or the sizes are not positive
     */
    PoolAllocator(Heap heap, long objectSize, long count, String name) {
        this(heap, objectSize, count, false, name);
    }

    /**
     * As {@link #PoolAllocator(Heap, long, long, String)}, with {@code secure=on|off}: the free list's links stored
     * encoded and checked before they are followed (SEC-1, {@link SecureLinks}).
     */
    PoolAllocator(Heap heap, long objectSize, long count, boolean secure, String name) {
        this(heap, objectSize, count, secure, false, name);
    }

    /**
     * As {@link #PoolAllocator(Heap, long, long, boolean, String)}; with {@code sane} the engine does {@code debug=F}
     * itself: its give-back is exact already (the live bitmap) and an object's usable size never changes, so F adds
     * only the reports' wording and views that die with their object.
     */
    PoolAllocator(Heap heap, long objectSize, long count, boolean secure, boolean sane, String name) {
        super(name, heap, sane);
        if (objectSize <= 0 || objectSize > heap.capacity()) {
            throw new IllegalArgumentException("pool: object size " + objectSize + " is not in [1, heap capacity " + heap.capacity() + "]");
        }
        if (heap.brk() != heap.start()) {
            throw new IllegalArgumentException("pool: the heap is not empty");
        }
        this.slot = Math.max(16, (objectSize + 15) & -16L);
        long holds = heap.capacity() / slot;
        long n = count == 0 ? holds : count;
        if (n <= 0 || n > holds) {
            throw new IllegalArgumentException("pool: " + n + " objects of " + slot + " bytes do not fit: the heap holds " + heap.capacity()
                    + " bytes (" + holds + " objects)");
        }
        if (n > MAX_COUNT) {
            throw new IllegalArgumentException("pool: " + n + " objects is more than the live bitmap can index");
        }
        this.count = n;
        this.shift = Long.bitCount(slot) == 1 ? Long.numberOfTrailingZeros(slot) : -1;
        this.mem = heap.memory();
        this.first = heap.start();
        this.end = first + n * slot;
        heap.sbrk(n * slot);
        this.links = new SecureLinks(secure, heap, name, first, 16);
    }

    /** A pool of {@code count} objects of {@code objectSize} bytes over a new heap just large enough. */
    public static PoolAllocator create(long objectSize, long count) {
        long slot = Math.max(16, (objectSize + 15) & -16L);
        return new PoolAllocator(Heap.reserve(Math.multiplyExact(slot, count)), objectSize, count, "pool");
    }

    // ---------------------------------------------------------------- the pool API

    /** Takes an object in O(1): its address, or 0 when all {@link #objectCount()} are out. Its bytes are unspecified. */
    public long take() {
        long p = head;
        if (p != 0) {
            head = links.on() ? nextChecked(p) : mem.get(WORD, p);
        } else if (fresh < count) {
            p = first + fresh++ * slot;
            if ((fresh - 1) >>> 6 >= liveBits.length) {
                liveBits = java.util.Arrays.copyOf(liveBits, (int) Math.min(liveBits.length * 2L, (count + 63) >>> 6));
            }
        } else {
            return 0;
        }
        long i = index(p);
        liveBits[(int) (i >>> 6)] |= 1L << i;
        if (++live > peakLive) {
            peakLive = live;
        }
        return p;
    }

    /**
     * Gives an object back in O(1).
     *
     * @throws DoubleFreeException     if it is not out (given back already)
     * @throws InvalidPointerException if {@code address} is not an object of this pool handed out before
     */
    public void giveBack(long address) {
        long i = checkedIndex("giveBack", address);
        long bit = 1L << i;
        int w = (int) (i >>> 6);
        if ((liveBits[w] & bit) == 0) {
            EngineSanity v = sanity;
            throw v != null ? v.doubleFree("free", address, slot)
                    : new DoubleFreeException(name() + ": giveBack(" + address + "): object " + i + " is not out (given back already)", address);
        }
        push(address, w, bit);
    }

    /** Object {@code address} (bit {@code bit} of word {@code w}), out, back on the free list. */
    private void push(long address, int w, long bit) {
        EngineSanity v = sanity;
        if (v != null && v.viewCount != 0) {
            v.closeView(address);
        }
        liveBits[w] &= ~bit;
        live--;
        mem.set(WORD, address, links.encode(address, head));
        head = address;
    }

    /** The free object {@code p}'s link, decoded and checked (SEC-1): 0 or an object handed out before. */
    private long nextChecked(long p) {
        long stored = mem.get(WORD, p);
        long n = links.decode(p, p, stored);
        if (n != 0 && ((n - first) % slot != 0 || index(n) >= fresh)) {
            throw links.corrupted(p, p, stored, n, "not an object of this pool handed out before, in");
        }
        return n;
    }

    private long index(long p) {
        long off = p - first;
        return shift >= 0 ? off >>> shift : off / slot;
    }

    /** The object index of {@code address}, or the misuse: not an object start of this pool handed out before. */
    private long checkedIndex(String op, long address) {
        long off = address - first;
        EngineSanity v = sanity;
        if (v != null) {
            String said = op.equals("giveBack") ? "free" : op;
            if (off < 0 || address >= end) {
                throw v.invalidPointer(said, address);
            }
            long i = index(address);
            if ((address & 15) != 0 || i * slot != off) {
                throw i < fresh && isLive(i) ? v.inside(said, address, first + i * slot, slot) : v.invalidPointer(said, address);
            }
            if (i >= fresh) {
                throw v.invalidPointer(said, address);
            }
            return i;
        }
        if ((address & 15) != 0 || off < 0 || address >= end) {
            throw new InvalidPointerException(name() + ": " + op + "(" + address + "): not an object of this pool (objects lie in ["
                    + first + ", " + end + "))", address);
        }
        long i = index(address);
        if (i * slot != off) {
            throw new InvalidPointerException(name() + ": " + op + "(" + address + "): inside object " + i + ", not at its start", address);
        }
        if (i >= fresh) {
            throw new InvalidPointerException(name() + ": " + op + "(" + address + "): object " + i + " was never handed out", address);
        }
        return i;
    }

    @Override
    public long objectSize() {
        return slot;
    }

    @Override
    public long objectCount() {
        return count;
    }

    /** Objects out now. */
    public long liveObjects() {
        return live;
    }

    /** The most objects out at once so far. */
    public long peakLiveObjects() {
        return peakLive;
    }

    // ---------------------------------------------------------------- engine

    @Override
    public ThreadSafety threadSafety() {
        return ThreadSafety.SINGLE_OWNER;
    }

    @Override
    protected long allocate(long size) {
        return size > slot ? 0 : take();
    }

    @Override
    protected long allocateAligned(long alignment, long size) {
        boolean everyObjectAligned = first % alignment == 0 && slot % alignment == 0;
        return everyObjectAligned && size <= slot ? take() : 0;
    }

    @Override
    protected void deallocate(long address) {
        giveBack(address);
    }

    @Override
    protected long usable(long address) {
        return usable("usableSize", address);
    }

    private long usable(String op, long address) {
        long i = checkedIndex(op, address);
        if ((liveBits[(int) (i >>> 6)] & (1L << i)) == 0) {
            EngineSanity v = sanity;
            throw v != null ? v.doubleFree(op, address, slot)
                    : new DoubleFreeException(name() + ": usableSize(" + address + "): object " + i + " is not out", address);
        }
        return slot;
    }

    @Override
    long liveUsable(String op, long p) {
        return usable(op, p);
    }

    @Override
    protected boolean resize(long address, long size) {
        return size <= usable(address);
    }

    /** Every object's usable size is the slot ({@link org.jalloc.core.spi.SizedFree}). */
    @Override
    protected long freshUsable(long address) {
        return slot;
    }

    /** {@link #usable} then {@link #giveBack} with one index check: the slot never changes, so this frees whenever usable is the slot. */
    @Override
    protected long deallocateIfUsable(long address, long usable) {
        long i = checkedIndex("usableSize", address);
        long bit = 1L << i;
        int w = (int) (i >>> 6);
        if ((liveBits[w] & bit) == 0) {
            throw new DoubleFreeException(name() + ": usableSize(" + address + "): object " + i + " is not out", address);
        }
        if (usable == slot) {
            push(address, w, bit);
        }
        return slot;
    }

    private boolean isLive(long i) {
        return (liveBits[(int) (i >>> 6)] & (1L << i)) != 0;
    }

    // ---------------------------------------------------------------- statistics and walk

    @Override
    protected List<AllocatorMetric> metrics() {
        return List.of(new PoolMetric(slot, count, live, peakLive, count - fresh));
    }

    @Override
    protected HeapWalk walk() {
        return new Walk();
    }

    /** The block-walk SPI: the objects below the watermark one by one, then the never-used run as one free extent. */
    final class Walk implements HeapWalk {
        @Override
        public Heap heap() {
            return heap;
        }

        @Override
        public long externalMetadataBytes() {
            return 8L * liveBits.length;
        }

        @Override
        public void walkExtents(ExtentVisitor visitor) {
            for (long i = 0; i < fresh; i++) {
                long p = first + i * slot;
                if (!visitor.extent(isLive(i) ? ExtentKind.ALLOCATED : ExtentKind.FREE, p, slot, p, slot)) {
                    return;
                }
            }
            if (fresh < count) {
                long p = first + fresh * slot;
                visitor.extent(ExtentKind.FREE, p, end - p, p, end - p);
            }
        }

        @Override
        public void walkFreeStructures(FreeEntryVisitor visitor) {
            for (long p = head; p != 0; ) {
                if (!visitor.entry(0, p, slot) || p < first || p >= end || (p & 7) != 0) {
                    break; // a wild link is reported by the checker; it is not followed
                }
                p = links.decodeUnchecked(p, mem.get(WORD, p));
            }
            if (fresh < count) {
                long p = first + fresh * slot;
                visitor.entry(1, p, end - p);
            }
        }

        @Override
        public String describeList(int list) {
            return list == 0 ? "the free list" : "the never-used objects";
        }

        @Override
        public boolean coalescesImmediately() {
            return false;
        }

        @Override
        public void checkInvariants(InvariantSink sink) {
            checkBounds(sink);
            long listed = checkFreeList(sink);
            if (listed >= 0) {
                checkConservation(sink, listed);
            }
        }

        @Enforces("POOL-3")
        private void checkBounds(InvariantSink sink) {
            if (heap.brk() != end) {
                sink.violation("POOL-3", heap.brk(), "the pool grew or shrank", "break " + end + " (first + N·slot)", Long.toString(heap.brk()));
            }
            if (fresh < 0 || fresh > count) {
                sink.violation("POOL-3", first, "watermark out of range", "0 <= fresh <= " + count, Long.toString(fresh));
                return;
            }
            for (long i = fresh; i < (long) liveBits.length * 64; i++) {
                if (isLive(i)) {
                    sink.violation("POOL-3", first + i * slot, "object " + i + " at or above the watermark is marked live", "bit clear", "set");
                    return;
                }
            }
        }

        /** Returns the free list's length, or -1 when it could not be followed to its end. */
        @Enforces("POOL-2")
        private long checkFreeList(InvariantSink sink) {
            long[] seen = new long[liveBits.length];
            long n = 0;
            for (long p = head; p != 0; p = links.decodeUnchecked(p, mem.get(WORD, p))) {
                long off = p - first;
                if ((p & 15) != 0 || off < 0 || p >= end || off % slot != 0 || index(p) >= fresh) {
                    sink.violation("POOL-2", p, "free list entry is not an object handed out before", "an object start below " + (first + fresh * slot),
                            Long.toString(p));
                    return -1;
                }
                long i = index(p);
                if ((seen[(int) (i >>> 6)] & (1L << i)) != 0) {
                    sink.violation("POOL-2", p, "object " + i + " is on the free list twice (a cycle)", "once", "twice");
                    return -1;
                }
                seen[(int) (i >>> 6)] |= 1L << i;
                if (isLive(i)) {
                    sink.violation("POOL-2", p, "object " + i + " is on the free list and live", "not live", "live");
                }
                n++;
            }
            return n;
        }

        @Enforces("POOL-1")
        private void checkConservation(InvariantSink sink, long listed) {
            long bits = 0;
            for (long w : liveBits) {
                bits += Long.bitCount(w);
            }
            if (bits != live) {
                sink.violation("POOL-1", first, "the live count disagrees with the live bitmap", Long.toString(bits), Long.toString(live));
            }
            if (listed + (count - fresh) + live != count) {
                sink.violation("POOL-1", first, "objects are not conserved: free list + never used + live != N", Long.toString(count),
                        listed + " + " + (count - fresh) + " + " + live);
            }
        }
    }

    // ---------------------------------------------------------------- test support (corruption tests)

    long head() {
        return head;
    }

    void corruptLiveCount(long value) {
        live = value;
    }

    void corruptLiveBit(long index) {
        liveBits[(int) (index >>> 6)] ^= 1L << index;
    }

    void corruptFresh(long value) {
        fresh = value;
    }
}
