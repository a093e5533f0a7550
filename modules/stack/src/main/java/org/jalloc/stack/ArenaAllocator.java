package org.jalloc.stack;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.RegionAllocator;
import org.jalloc.core.StaleCheckpointException;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.core.walk.InvariantSink;

/**
 * The {@code arena}: bump allocation with checkpoints, as Rust's bumpalo and bump-scope. Allocation moves a pointer up;
 * {@link #mark()} remembers where it is and {@link #release(long)} moves it back, freeing everything allocated since in
 * O(1); {@link #reset()} frees everything. The region grows through the heap's break a chunk at a time.
 *
 * <h2>Nouns</h2>
 * <dl>
 *   <dt>bump pointer {@code top}</dt><dd>the end of the last extent: {@code [start, top)} holds extents,
 *       {@code [top, end)} is committed and unused; {@code end} is the heap's break, moved a chunk at a time
 *       ({@code chunk} bytes, more for a larger request)</dd>
 *   <dt>extent</dt><dd>a live block, a dead block (freed, its bytes not yet given back), or a pad (the gap an
 *       aligned allocation leaves before its header)</dd>
 *   <dt>mark</dt><dd>a checkpoint: the {@code top} (and the last extent) when it was taken; the marks open form a
 *       stack; {@code floor} is the newest one's position ({@code start} when none is open)</dd>
 * </dl>
 *
 * <h2>Layout</h2>
 * <pre>
 *   start = heap.start()                        floor (newest mark)                 top               end = brk
 *   | live blk | dead blk | live blk | pad | live blk | live blk | dead blk | live blk |   unused chunk space    |
 *   +----------+----------+----------+-----+----------+----------+----------+----------+-------------------------+
 *
 *   every extent has a 16-byte header:   word 0 = size | tag      tag 0x1 live, 0x3 dead, 0x4 pad
 *                                        word 1 = prev            the start of the extent before it (0 for the first)
 *   a block's payload is start + 16; size = 16 + max(16, round16(n))
 *   marks live outside the heap: position, last extent and token per open mark (token = serial &lt;&lt; 24 | depth)
 * </pre>
 *
 * <h2>The free rule (decided here, in RegionAllocator's terms)</h2>
 * {@code free(p)} is accepted for every live block, in any order, and is never a no-op for the API: {@code p} is dead
 * at once (a second {@code free(p)} is a {@link DoubleFreeException}). Its bytes come back at once when it is the
 * newest extent above the newest mark; then the dead blocks and pads right below it come back too, down to the mark.
 * Otherwise the block is marked dead and its bytes come back when everything above it is gone: a {@code release} or
 * {@code reset} covering it, or the frees of the newer blocks. So the most recent block is freed as in a stack, and any
 * other free costs nothing now and wastes its bytes until then (dead bytes are reported in the statistics).
 *
 * <h2>Invariants (spec/invariants.md)</h2>
 * <ul>
 *   <li>ARENA-1: {@code start <= floor <= top <= end = heap.brk()}, {@code top ≡ 0 (mod 16)}; {@code last = 0} when
 *       {@code top = start}, else {@code last + size(last) = top}.</li>
 *   <li>ARENA-2: the extents tile {@code [start, top)}: tags 1, 3 or 4, blocks of at least 32 bytes and pads of at
 *       least 16, sizes {@code ≡ 0 (mod 16)}; {@code prev(e₀) = 0}, {@code prev(eᵢ₊₁) = start(eᵢ)}.</li>
 *   <li>ARENA-3: the open marks nest: positions non-decreasing with depth, each at an extent boundary and
 *       {@code <= top}; {@code last} recorded right; tokens {@code serial << 24 | depth} with serials increasing and
 *       {@code <= serial}; {@code floor} the newest one's position.</li>
 *   <li>ARENA-4: nothing reclaimable sits at the top: if {@code top > floor}, the extent ending at {@code top} is live.</li>
 * </ul>
 *
 * <h2>Algorithms</h2>
 * <ol>
 *   <li>malloc(n): {@code size = 16 + max(16, round16(n))}; if {@code top + size > end}, move the break by whole chunks
 *       (or by what is left, near the heap's end; 0 if even that fails); header at {@code top}; {@code top += size}.</li>
 *   <li>alignedAlloc(a, n): payload {@code p = roundUp(top + 16, a)}; a pad fills {@code [top, p - 16)} if not empty.</li>
 *   <li>free(p): check the header (below); the newest extent above the floor: {@code top = start(p)}, then pop dead
 *       extents while they are above the floor; else set the dead tag.</li>
 *   <li>realloc/tryExpand: the newest block above the floor grows or shrinks in place ({@code top} moves); any other
 *       block keeps its size when it fits, else realloc moves it (allocate, copy, free: the old one becomes dead).</li>
 *   <li>mark(): push {@code (top, last, token)}; release(token): if the token is open, pop it and every newer mark,
 *       {@code top} back to its position, then reclaim dead extents down to the new floor; else
 *       {@link StaleCheckpointException}. reset(): {@code top = start}, no marks, and the break goes back to one chunk
 *       (the pages beyond are given back to the OS).</li>
 * </ol>
 *
 * <h2>Misuse detected in O(1), heap unchanged</h2>
 * A header is accepted only when it is plausible and agrees with both neighbours: tag live or dead, size in range,
 * {@code prev} names an extent that ends exactly at this header (0 only for the first), and the next extent (unless
 * this one ends at the top) links back to it; pads are zeroed when made, so no old header survives inside one. So a
 * pointer into a payload is refused unless the payload holds three headers consistent with each other (forged, or
 * left there by blocks freed or released before it was handed out: the "bytes that imitate a block" limit every
 * header allocator has, docs/reliability.md); a dead block is a
 * {@link DoubleFreeException}; an address at or above {@code top} whose stale header still checks was freed or
 * released ({@link DoubleFreeException}), else {@link InvalidPointerException}. Mark tokens are exact (serials are
 * never reused).
 *
 * <p>Thread safety: {@link ThreadSafety#SINGLE_OWNER}.
 */
public final class ArenaAllocator extends SaneEngine implements RegionAllocator {
    /** The default chunk: the break moves 64 KiB at a time. */
    public static final long DEFAULT_CHUNK = 64L << 10;

    static final long TAG_MASK = 0xF;
    static final long LIVE = 0x1;
    static final long DEAD = 0x3;
    static final long PAD = 0x4;
    static final long HEADER = 16;
    static final long MIN_BLOCK = 32;
    static final int DEPTH_BITS = 24;
    static final long DEPTH_MASK = (1L << DEPTH_BITS) - 1;

    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG;

    private final MemorySegment mem;
    private final long start;
    private final long chunk;
    private long end;
    private long top;
    private long last;
    private long floor;
    private long[] markPos = new long[8];
    private long[] markLast = new long[8];
    private long[] markToken = new long[8];
    private int marks;
    private long serial;
    /** {@code debug=F} claimed by the engine (null: off): its reports and views. */

    /**
     * An arena over {@code heap} (empty, owned from now on) whose break moves {@code chunk} bytes at a time.
     *
     * @throws IllegalArgumentException if the chunk is not a positive multiple of 16 or the heap is not empty
     */
    ArenaAllocator(Heap heap, long chunk, String name) {
        this(heap, chunk, false, name);
    }

    /**
     * As {@link #ArenaAllocator(Heap, long, String)}; with {@code sane} the engine does {@code debug=F} itself: a free
     * accepts a header only when it agrees with both neighbours (as always) and, for the extent ending at the bump
     * pointer, only when it is the last extent, so a size overwritten while the block was live cannot pass; the misuse
     * is classified by a walk of the extent chain (docs/stack.md, "Debugging").
     */
    ArenaAllocator(Heap heap, long chunk, boolean sane, String name) {
        super(name, heap, sane);
        if (chunk <= 0 || (chunk & 15) != 0) {
            throw new IllegalArgumentException("arena: chunk " + chunk + " is not a positive multiple of 16");
        }
        if (heap.brk() != heap.start()) {
            throw new IllegalArgumentException("arena: the heap is not empty");
        }
        this.mem = heap.memory();
        this.start = heap.start();
        this.chunk = chunk;
        this.end = start;
        this.top = start;
        this.floor = start;
    }

    /** An arena with the default chunk over a new heap of {@code heapBytes}. */
    public static ArenaAllocator create(long heapBytes) {
        return new ArenaAllocator(Heap.reserve(heapBytes), DEFAULT_CHUNK, "arena");
    }

    // ---------------------------------------------------------------- marks

    /** Remembers the current allocation point; {@link #release} goes back to it. Never fails (marks live outside the heap). */
    public long mark() {
        if (marks == markPos.length) {
            if (marks > DEPTH_MASK) {
                throw new IllegalStateException(name() + ": more than " + DEPTH_MASK + " marks open");
            }
            markPos = Arrays.copyOf(markPos, marks * 2);
            markLast = Arrays.copyOf(markLast, marks * 2);
            markToken = Arrays.copyOf(markToken, marks * 2);
        }
        long token = (++serial << DEPTH_BITS) | marks;
        markPos[marks] = top;
        markLast[marks] = last;
        markToken[marks] = token;
        marks++;
        floor = top;
        return token;
    }

    /**
     * Frees every block allocated since {@code mark} was taken and ends it and every newer mark.
     *
     * @throws StaleCheckpointException if the mark is not open (released already, ended by an older one's release or
     *                                  by a reset, or not from this arena)
     */
    public void release(long mark) {
        int d = openDepth(mark);
        EngineSanity v = sanity;
        if (v != null && v.viewCount != 0) {
            v.closeViewsIn(markPos[d], top);
        }
        top = markPos[d];
        last = markLast[d];
        marks = d;
        floor = d == 0 ? start : markPos[d - 1];
        reclaim();
    }

    /** Marks open. */
    public int marks() {
        return marks;
    }

    private int openDepth(long mark) {
        long d = mark & DEPTH_MASK;
        if (mark <= 0 || d >= marks || markToken[(int) d] != mark) {
            throw new StaleCheckpointException(name() + ": release(" + mark + "): no such open mark (released already, ended by an older "
                    + "mark's release or a reset, or not from this arena)", mark);
        }
        return (int) d;
    }

    /** Throws what {@link #release} would throw for {@code mark}, changing nothing. */
    void checkRelease(long mark) {
        openDepth(mark);
    }

    /** Bytes between the heap start and the bump pointer (live, dead and padding). */
    public long used() {
        return top - start;
    }

    /** Bytes the arena holds from the heap (its break). */
    public long committed() {
        return end - start;
    }

    // ---------------------------------------------------------------- RegionAllocator

    @Override
    public long checkpoint() {
        return mark();
    }

    @Override
    public void releaseTo(long checkpoint) {
        release(checkpoint);
    }

    /** Frees everything, ends every mark, and gives the break back down to one chunk. */
    @Override
    public void reset() {
        EngineSanity v = sanity;
        if (v != null) {
            v.closeAllViews();
        }
        top = start;
        last = 0;
        marks = 0;
        floor = start;
        long keep = Math.min(end, start + chunk);
        if (end > keep) {
            heap.release(keep, end - keep);
            heap.sbrk(keep - end);
            end = keep;
        }
    }

    @Override
    public boolean lifo() {
        return false;
    }

    /** An FFM arena that is a mark: closing it releases everything allocated since it opened. */
    @Override
    public Arena asArena() {
        return new RegionArena(this, this::openDepth);
    }

    // ---------------------------------------------------------------- engine

    static long blockSize(long n) {
        return HEADER + Math.max(16, (n + 15) & -16L);
    }

    @Override
    public ThreadSafety threadSafety() {
        return ThreadSafety.SINGLE_OWNER;
    }

    /** Moves the break so that {@code [start, newTop)} is committed: whole chunks, or what is left near the heap's end. */
    private boolean grow(long newTop) {
        long want = start + ((newTop - start + chunk - 1) / chunk) * chunk;
        if (heap.sbrk(want - end) < 0) {
            want = newTop;
            if (heap.sbrk(want - end) < 0) {
                return false;
            }
        }
        end = want;
        return true;
    }

    @Override
    protected long allocate(long size) {
        long t = top;
        long need = blockSize(size);
        if (need > end - t && !grow(t + need)) {
            return 0;
        }
        mem.set(WORD, t, need | LIVE);
        mem.set(WORD, t + 8, last);
        last = t;
        top = t + need;
        return t + HEADER;
    }

    @Override
    protected long allocateAligned(long alignment, long size) {
        long t = top;
        long p = alignUp(t + HEADER, alignment);
        long s = p - HEADER;
        long newTop = s + blockSize(size);
        if (newTop > end && !grow(newTop)) {
            return 0;
        }
        if (s > t) {
            // A pad's bytes are zeroed: no stale header of an older extent survives inside it to pass for a block.
            heap.fill(t + HEADER, s - t - HEADER, (byte) 0);
            mem.set(WORD, t, (s - t) | PAD);
            mem.set(WORD, t + 8, last);
            last = t;
        }
        mem.set(WORD, s, (newTop - s) | LIVE);
        mem.set(WORD, s + 8, last);
        last = s;
        top = newTop;
        return p;
    }

    @Override
    protected void deallocate(long address) {
        kill(address - HEADER, liveHeader("free", address) & ~TAG_MASK);
    }

    /** A block just handed out: its header's size, unscreened ({@link org.jalloc.core.spi.SizedFree}). */
    @Override
    protected long freshUsable(long address) {
        return (mem.get(WORD, address - HEADER) & ~TAG_MASK) - HEADER;
    }

    /** {@link #deallocate} that frees only when the header's usable size is {@code usable}: one screened header read. */
    @Override
    protected long deallocateIfUsable(long address, long usable) {
        long size = liveHeader("usableSize", address) & ~TAG_MASK;
        if (size - HEADER == usable) {
            kill(address - HEADER, size);
        }
        return size - HEADER;
    }

    /** Frees the live block whose extent is {@code [h, h + size)}: back at once at the top, else dead. */
    private void kill(long h, long size) {
        EngineSanity v = sanity;
        if (v != null && v.viewCount != 0) {
            v.closeView(h + HEADER);
        }
        if (h + size == top && h >= floor) {
            top = h;
            last = mem.get(WORD, h + 8);
            reclaim();
        } else {
            mem.set(WORD, h, size | DEAD);
        }
    }

    /** Pops dead extents and pads from the top while they lie above the floor. */
    private void reclaim() {
        long l = last;
        while (l != 0 && l >= floor && (mem.get(WORD, l) & TAG_MASK) != LIVE) {
            top = l;
            l = mem.get(WORD, l + 8);
        }
        last = l;
    }

    @Override
    protected long usable(long address) {
        return (liveHeader("usableSize", address) & ~TAG_MASK) - HEADER;
    }

    @Override
    long liveUsable(String op, long p) {
        return (liveHeader(op, p) & ~TAG_MASK) - HEADER;
    }

    @Override
    protected boolean resize(long address, long size) {
        long h = address - HEADER;
        long old = liveHeader("tryExpand", address) & ~TAG_MASK;
        long want = blockSize(size);
        if (h + old == top && h >= floor) {
            long newTop = h + want;
            if (newTop > end && !grow(newTop)) {
                return false;
            }
            mem.set(WORD, h, want | LIVE);
            top = newTop;
            return true;
        }
        return want <= old;
    }

    /**
     * The header word of the live block at {@code address}, or the misuse: not aligned or outside {@code [start, top)},
     * no plausible header agreeing with its predecessor, or a dead block.
     */
    private long liveHeader(String op, long address) {
        EngineSanity v = sanity;
        if (v != null) {
            return saneLiveHeader(v, op, address);
        }
        requirePayloadAddress(address, start + HEADER);
        long h = address - HEADER;
        if (address >= top) {
            if (h < end && plausible(h, end, false)) {
                return doubleFree(op, address, "freed or released: it lies above the bump pointer " + top);
            }
            throw new InvalidPointerException(name() + ": " + op + "(" + address + "): no block there (at or above the bump pointer " + top + ")", address);
        }
        if (!plausible(h, top, true)) {
            throw new InvalidPointerException(name() + ": " + op + "(" + address + "): no block header there", address);
        }
        long w0 = mem.get(WORD, h);
        if ((w0 & TAG_MASK) == DEAD) {
            return doubleFree(op, address, "freed already");
        }
        return w0;
    }

    /** {@link #liveHeader} with F: the extent ending at the top must be the last one; misuse classified by {@link #saneMisuse}. */
    private long saneLiveHeader(EngineSanity v, String op, long address) {
        long h = address - HEADER;
        if ((address & 15) == 0 && address >= start + HEADER && address < top && plausible(h, top, true)) {
            long w0 = mem.get(WORD, h);
            if ((w0 & TAG_MASK) == LIVE && (h + (w0 & ~TAG_MASK) != top || h == last)) {
                return w0;
            }
        }
        throw saneMisuse(v, op, address);
    }

    /**
     * F: {@code op(address)} names no live block, or a live block whose header no longer holds the size it was
     * allocated with; classified exactly, in the words of every debug layer's F (misuse only: a walk of the extent
     * chain down from the last extent, through the {@code prev} links).
     */
    private RuntimeException saneMisuse(EngineSanity v, String op, long address) {
        if (address < start + HEADER || address >= heap.brk() || (address & 15) != 0 && address >= top) {
            return v.invalidPointer(op, address);
        }
        long h = address - HEADER;
        if (address >= top) {
            // freed at the top or released: a stale header that still checks against its predecessor
            return h < end && plausible(h, end, false) ? v.doubleFree(op, address, (mem.get(WORD, h) & ~TAG_MASK) - HEADER)
                    : v.invalidPointer(op, address);
        }
        long succ = top;
        long e = last;
        for (long bound = (top - start) / HEADER + 1; e > h && bound-- > 0; ) {
            long prev = mem.get(WORD, e + 8);
            if (prev != 0 && (prev < start || prev >= e || (prev & 15) != 0)) {
                return v.invalidPointer(op, address); // the chain is broken above the address: no extent to name
            }
            succ = e;
            e = prev;
        }
        if (e < start) {
            return v.invalidPointer(op, address);
        }
        long w0 = mem.get(WORD, e);
        long tag = w0 & TAG_MASK;
        long was = succ - e; // the extent's size by the chain: where its successor starts
        if (e == h) {
            if (tag == DEAD) {
                return v.doubleFree(op, address, was - HEADER);
            }
            if (tag == LIVE && (w0 & ~TAG_MASK) != was && op.equals("free")) {
                return v.usableChanged(address, was - HEADER, (w0 & ~TAG_MASK) - HEADER);
            }
            if (tag == LIVE || tag == DEAD) {
                return new InvalidPointerException(name() + ": " + op + "(" + address + "): no block header there", address);
            }
            return v.invalidPointer(op, address);
        }
        if (e < h && tag == LIVE && address < succ) {
            return v.inside(op, address, e + HEADER, was - HEADER);
        }
        return v.invalidPointer(op, address);
    }

    private long doubleFree(String op, long address, String why) {
        throw new DoubleFreeException(name() + ": " + op + "(" + address + "): block " + why, address);
    }

    /**
     * A block header at {@code h} whose size fits below {@code bound}, whose predecessor ends exactly at it and, with
     * {@code linked}, whose successor (unless it ends at {@code bound}) links back to it. Above the bump pointer the
     * successor may be gone, so only the predecessor is asked there (to tell a double free from a wild pointer).
     */
    private boolean plausible(long h, long bound, boolean linked) {
        long w0 = mem.get(WORD, h);
        long tag = w0 & TAG_MASK;
        long size = w0 & ~TAG_MASK;
        if ((tag != LIVE && tag != DEAD) || size < MIN_BLOCK || size > bound - h) {
            return false;
        }
        long next = h + size;
        if (linked && next < bound && mem.get(WORD, next + 8) != h) {
            return false;
        }
        long prev = mem.get(WORD, h + 8);
        if (prev == 0) {
            return h == start;
        }
        return prev >= start && prev < h && (prev & 15) == 0 && prev + (mem.get(WORD, prev) & ~TAG_MASK) == h;
    }

    // ---------------------------------------------------------------- statistics and walk

    @Override
    protected List<AllocatorMetric> metrics() {
        long[] dead = new long[2];
        for (long pos = start; pos < top; ) {
            long w0 = mem.get(WORD, pos);
            long size = w0 & ~TAG_MASK;
            if ((w0 & TAG_MASK) == DEAD) {
                dead[0] += size;
                dead[1]++;
            }
            if (size <= 0) {
                break;
            }
            pos += size;
        }
        return List.of(new ArenaMetric(chunk, end - start, top - start, dead[0], dead[1], marks));
    }

    @Override
    protected HeapWalk walk() {
        return new Walk();
    }

    /** The block-walk SPI: the extents from the heap start to the bump pointer, then the unused chunk space. */
    final class Walk extends RegionWalk {
        Walk() {
            super(heap, "the unused space above the bump pointer");
        }

        @Override
        long freeStart() {
            return top;
        }

        @Override
        long freeEnd() {
            return end;
        }

        @Override
        public long externalMetadataBytes() {
            return 3L * 8 * markPos.length;
        }

        @Override
        public void walkExtents(ExtentVisitor visitor) {
            for (long pos = start; pos < top; ) {
                long w0 = mem.get(WORD, pos);
                long tag = w0 & TAG_MASK;
                long size = w0 & ~TAG_MASK;
                boolean go = switch ((int) tag) {
                    case (int) LIVE -> visitor.extent(ExtentKind.ALLOCATED, pos, size, pos + HEADER, size - HEADER);
                    case (int) DEAD, (int) PAD -> visitor.extent(ExtentKind.PADDING, pos, size, 0, 0);
                    default -> visitor.extent(ExtentKind.METADATA, pos, size, 0, 0);
                };
                if (!go) {
                    return;
                }
                pos += size;
            }
            if (top < end) {
                visitor.extent(ExtentKind.FREE, top, end - top, top, end - top);
            }
        }

        @Override
        public void checkInvariants(InvariantSink sink) {
            if (checkPointers(sink)) {
                long[] starts = checkExtents(sink);
                if (starts != null) {
                    checkMarks(sink, starts);
                    checkReclaimed(sink);
                }
            }
        }

        @Enforces("ARENA-1")
        private boolean checkPointers(InvariantSink sink) {
            boolean ok = true;
            if (top < floor || floor < start || top > end || (top & 15) != 0) {
                sink.violation("ARENA-1", top, "bump pointer out of order", "16-aligned, start " + start + " <= floor " + floor + " <= top <= end " + end,
                        Long.toString(top));
                ok = false;
            }
            if (end != heap.brk()) {
                sink.violation("ARENA-1", end, "the arena's end is not the heap's break", Long.toString(heap.brk()), Long.toString(end));
                ok = false;
            }
            if (ok && (top == start ? last != 0 : last < start || last >= top || last + (mem.get(WORD, last) & ~TAG_MASK) != top)) {
                sink.violation("ARENA-1", last, "the last-extent pointer does not name the extent ending at the bump pointer",
                        top == start ? "0" : "an extent ending at " + top, Long.toString(last));
                ok = false;
            }
            return ok;
        }

        /** The extent starts in address order, or null when the extents do not tile. */
        @Enforces("ARENA-2")
        private long @Nullable [] checkExtents(InvariantSink sink) {
            long[] starts = new long[16];
            int n = 0;
            long prev = 0;
            for (long pos = start; pos < top; ) {
                long w0 = mem.get(WORD, pos);
                long tag = w0 & TAG_MASK;
                long size = w0 & ~TAG_MASK;
                long min = tag == PAD ? HEADER : MIN_BLOCK;
                if (tag != LIVE && tag != DEAD && tag != PAD) {
                    sink.violation("ARENA-2", pos, "extent with an unknown tag", "0x1 live, 0x3 dead or 0x4 pad", "0x" + Long.toHexString(tag));
                    return null;
                }
                if (size < min || size > top - pos) {
                    sink.violation("ARENA-2", pos, "extent size out of range", min + " <= size <= " + (top - pos), Long.toString(size));
                    return null;
                }
                long link = mem.get(WORD, pos + 8);
                if (link != prev) {
                    sink.violation("ARENA-2", pos, "back link does not name the previous extent", Long.toString(prev), Long.toString(link));
                }
                if (n == starts.length) {
                    starts = Arrays.copyOf(starts, n * 2);
                }
                starts[n++] = pos;
                prev = pos;
                pos += size;
            }
            return Arrays.copyOf(starts, n);
        }

        @Enforces("ARENA-3")
        private void checkMarks(InvariantSink sink, long[] starts) {
            long before = start;
            long lastSerial = 0;
            for (int i = 0; i < marks; i++) {
                long pos = markPos[i];
                long token = markToken[i];
                if ((token & DEPTH_MASK) != i || (token >>> DEPTH_BITS) <= lastSerial || (token >>> DEPTH_BITS) > serial) {
                    sink.violation("ARENA-3", pos, "mark " + i + " has a token out of order", "depth " + i + ", serial in (" + lastSerial + ", " + serial + "]",
                            "depth " + (token & DEPTH_MASK) + ", serial " + (token >>> DEPTH_BITS));
                }
                lastSerial = token >>> DEPTH_BITS;
                int k = Arrays.binarySearch(starts, pos);
                boolean boundary = pos == top || k >= 0;
                if (pos < before || pos > top || !boundary) {
                    sink.violation("ARENA-3", pos, "mark " + i + " is not at an extent boundary between the older mark and the top",
                            "an extent start or the top in [" + before + ", " + top + "]", Long.toString(pos));
                    return;
                }
                int lastIndex = pos == top ? starts.length - 1 : k - 1;
                long expectLast = lastIndex < 0 ? 0 : starts[lastIndex];
                if (markLast[i] != expectLast) {
                    sink.violation("ARENA-3", pos, "mark " + i + " remembers the wrong last extent", Long.toString(expectLast), Long.toString(markLast[i]));
                }
                before = pos;
            }
            long expectFloor = marks == 0 ? start : markPos[marks - 1];
            if (floor != expectFloor) {
                sink.violation("ARENA-3", floor, "the floor is not the newest mark's position", Long.toString(expectFloor), Long.toString(floor));
            }
        }

        @Enforces("ARENA-4")
        private void checkReclaimed(InvariantSink sink) {
            if (top > floor && last >= floor && (mem.get(WORD, last) & TAG_MASK) != LIVE) {
                sink.violation("ARENA-4", last, "a dead block or pad at the top above the newest mark was not given back",
                        "a live block ending at the top", "tag 0x" + Long.toHexString(mem.get(WORD, last) & TAG_MASK));
            }
        }
    }

    // ---------------------------------------------------------------- test support (corruption tests)

    long top() {
        return top;
    }

    long floor() {
        return floor;
    }

    void corruptTop(long value) {
        top = value;
    }

    void corruptMarkPosition(int depth, long value) {
        markPos[depth] = value;
    }

    void corruptLast(long value) {
        last = value;
    }
}
