package org.jalloc.stack;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;
import java.util.List;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.AllocatorMisuseException;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.InvalidSizeException;
import org.jalloc.core.OutOfOrderFreeException;
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
 * The {@code stack}: a last-in-first-out allocator of frames over a fixed region that grows down, as a thread's stack
 * does, with a real guard page below its limit. Allocation is one subtract and two stores; popping a frame releases
 * everything allocated in it in O(1).
 *
 * <h2>Nouns</h2>
 * <dl>
 *   <dt>limit, base</dt><dd>the lowest and one past the highest address of the stack region
 *       ({@code limit = heap.start()}, {@code base = limit + capacity}, the heap's break)</dd>
 *   <dt>stack pointer {@code sp}</dt><dd>the lowest live byte: {@code [sp, base)} is in use, {@code [limit, sp)} is
 *       free; every allocation moves it down</dd>
 *   <dt>record</dt><dd>what lies between {@code sp} and {@code base}: a block (header + payload) or a frame record</dd>
 *   <dt>frame, frame pointer {@code fp}</dt><dd>a frame record marks where a frame begins; {@code fp} is the newest
 *       one's address (0: no frame pushed, only the base frame); each record holds the previous {@code fp}, the
 *       saved frame pointer of a C stack. A frame's blocks are the records below its record, down to the next newer
 *       frame record or {@code sp}.</dd>
 *   <dt>guard page</dt><dd>the page below {@code limit} (the heap's first page, which no allocator hands out),
 *       {@code mprotect(PROT_NONE)} at construction: a raw write past the limit faults with SIGSEGV
 *       ({@link Heap#protectGuardPage()})</dd>
 * </dl>
 *
 * <h2>Layout</h2>
 * <pre>
 *   0          limit = heap.start()            sp                                                base = brk
 *   | guard    |  free (below sp)             | block  | block  | frame | block  | frame | block  |
 *   | PROT_NONE|  ... grows down ...          | newest |        | rec.  |        | rec.  | oldest |
 *   +----------+------------------------------+--------+--------+-------+--------+-------+--------+
 *                                              \_ newest frame _/  ^ fp  \_ older _/  ^ oldest frame record
 *
 *   block (16-byte header, payload at start + 16):   word 0 = size | 0x1     size = 16 + max(16, round16(n))
 *                                                    word 1 = start ^ CHECK  (binds the header to its address)
 *                                                             start ^ key ^ size with debug=F (key random per heap:
 *                                                             binds the address and the size; no byte more)
 *   frame record (16 bytes):                         word 0 = saved fp | 0x2  (the previous frame record, or 0)
 *                                                    word 1 = serial          (the frame's token, 1, 2, 3, ...)
 * </pre>
 *
 * <h2>Invariants (spec/invariants.md)</h2>
 * <ul>
 *   <li>STACK-1: {@code limit <= sp <= base}, {@code sp ≡ 0 (mod 16)}, {@code fp = 0 ∨ sp <= fp < base}; the region is
 *       the whole break: {@code base = heap.brk()}.</li>
 *   <li>STACK-2: the records tile {@code [sp, base)} exactly and are well formed: a block has tag 1, a size
 *       {@code >= 32} and {@code ≡ 0 (mod 16)}, and {@code word1 = start ^ CHECK} ({@code start ^ key ^ size} with F); a frame record has tag 2 and a saved
 *       fp of 0 or a 16-aligned address above it. So every byte above {@code sp} belongs to exactly one record, hence
 *       to exactly one live frame (the one whose record is the nearest above it, or the base frame).</li>
 *   <li>STACK-3: frames nest: the chain {@code fp → saved fp → … → 0} visits exactly the frame records of the walk,
 *       in increasing address order, with strictly decreasing serials all {@code <= serial} (the last one issued);
 *       {@code depth} equals its length.</li>
 * </ul>
 *
 * <h2>Algorithms</h2>
 * <ol>
 *   <li>alloc(n) / malloc(n): {@code size = 16 + max(16, round16(n))}; if {@code sp - size < limit}: overflow
 *       ({@link StackOverflowException} from the frame API, 0 from {@code malloc}), nothing written. Else
 *       {@code sp -= size}, write the header, return {@code sp + 16}.</li>
 *   <li>alignedAlloc(a, n): the payload is {@code (sp - max(16, round16(n))) & -a}, the header right below it; the
 *       block reaches up to the old {@code sp} (the slack is usable).</li>
 *   <li>push(): overflow check for 16 bytes; {@code sp -= 16}; record {@code (fp | 2, ++serial)}; {@code fp = sp};
 *       return the serial, the frame's token.</li>
 *   <li>pop(token): if the record at {@code fp} carries {@code token}: {@code sp = fp + 16}, {@code fp = saved fp}.
 *       Otherwise misuse: walk the frame chain; a frame still open below the newest one is
 *       {@link OutOfOrderFreeException}, anything else (popped already, never pushed) {@link StaleCheckpointException}.</li>
 *   <li>free(p): if {@code p = sp + 16} and the record at {@code sp} is a block: {@code sp += size}. Otherwise misuse,
 *       classified exactly by a walk of the live records: a live block that is not the newest of the newest frame is
 *       {@link OutOfOrderFreeException}; an address at or below {@code sp} whose stale header still checks is
 *       {@link DoubleFreeException} (freed, or popped with its frame); anything else {@link InvalidPointerException}.</li>
 *   <li>realloc(p, n): within the usable size nothing moves; growing the newest block of the newest frame slides it
 *       down ({@code memmove}, new address); any other block cannot move (it could not be freed) and realloc returns 0,
 *       the block untouched. tryExpand never grows (the space above a block is its older neighbour's).</li>
 * </ol>
 *
 * <h2>Misuse detected, heap unchanged</h2>
 * {@code free} is exact (the fast path accepts only {@code sp + 16}; everything else is classified by a walk, which
 * costs only the misuse). {@code usableSize}, {@code realloc} and {@code tryExpand} check in O(1) that the header at
 * {@code p - 16} is a block header bound to that address (the check word): a pointer into a payload is refused unless
 * the payload holds a header forged for exactly that address. Frame tokens are exact: serials are never reused.
 *
 * <h2>Per-thread stacks</h2>
 * {@link #current()} gives each thread its own stack, created on first use with the capacity
 * {@link #setThreadStackSize} set at that time (as {@code pthread_attr_setstacksize} fixes a thread's stack when it is
 * created), over its own heap with its own guard page; it is unmapped when the thread object is collected, or by
 * {@link #closeCurrent()}.
 *
 * <p>Thread safety: {@link ThreadSafety#SINGLE_OWNER}. An implicit stack belongs to its thread.
 */
public final class StackAllocator extends SaneEngine implements RegionAllocator {
    /** The default capacity: 8 MiB, Linux's default {@code ulimit -s}. */
    public static final long DEFAULT_CAPACITY = 8L << 20;

    static final long TAG_MASK = 0xF;
    static final long BLOCK = 0x1;
    static final long FRAME = 0x2;
    /** XORed with a block's start into its second header word. */
    static final long CHECK = 0x5354_4143_4B5F_424CL; // "STACK_BL"
    static final long HEADER = 16;
    static final long MIN_BLOCK = 32;

    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG;

    private final MemorySegment mem;
    private final long limit;
    private final long base;
    private final boolean guarded;
    /** {@code debug=F} claimed by the engine (null: off): the reports and views; its key is in {@link #check}. */
    /** XORed with a block's start into word 1: {@link #CHECK}, or F's random key. */
    private final long check;
    /** 0, or (F) all ones: word 1 binds the block's size too. */
    private final long sizeMask;
    private long sp;
    private long fp;
    private long serial;
    private int depth;
    private long lowest;

    /**
     * A stack over {@code heap} (empty, owned from now on), taking {@code capacity} bytes of it (at most the heap's
     * capacity; rounded down to 16), with the heap's first page made a guard page where the heap is mmap-backed.
     *
     * @throws IllegalArgumentException if the capacity is below 32 bytes or the heap is not empty
     */
    StackAllocator(Heap heap, long capacity, String name) {
        this(heap, capacity, false, name);
    }

    /**
     * As {@link #StackAllocator(Heap, long, String)}; with {@code sane} the engine does {@code debug=F} itself: word 1
     * of each block header is {@code start ^ key ^ size} (key random per heap), so a free checks the address and the
     * size the block was allocated with in the compare it makes anyway, and a size overwritten while the block was live
     * is found exactly (docs/stack.md, "Debugging").
     */
    StackAllocator(Heap heap, long capacity, boolean sane, String name) {
        super(name, heap, sane);
        long cap = Math.min(capacity, heap.capacity()) & -16L;
        if (cap < MIN_BLOCK) {
            throw new IllegalArgumentException("stack: capacity " + capacity + " is below one block (32 bytes)");
        }
        if (heap.brk() != heap.start()) {
            throw new IllegalArgumentException("stack: the heap is not empty");
        }
        this.mem = heap.memory();
        this.limit = heap.start();
        if (heap.sbrk(cap) < 0) {
            throw new IllegalArgumentException("stack: the heap cannot hold " + cap + " bytes");
        }
        this.base = limit + cap;
        EngineSanity v = sanity;
        this.check = v != null ? v.key : CHECK;
        this.sizeMask = sane ? -1L : 0;
        this.guarded = heap.protectGuardPage();
        this.sp = base;
        this.lowest = base;
    }

    /** A stack of {@link #DEFAULT_CAPACITY} over a new heap of that size. */
    public static StackAllocator create() {
        return create(DEFAULT_CAPACITY);
    }

    /** A stack of {@code capacity} bytes over a new heap of that size. */
    public static StackAllocator create(long capacity) {
        Heap heap = Heap.reserve(capacity);
        try {
            return new StackAllocator(heap, capacity, "stack");
        } catch (RuntimeException e) {
            heap.close();
            throw e;
        }
    }

    // ---------------------------------------------------------------- per-thread stacks

    private static final Cleaner CLEANER = Cleaner.create();
    private static final ThreadLocal<@Nullable StackAllocator> CURRENT = new ThreadLocal<>();
    private static volatile long threadStackSize = DEFAULT_CAPACITY;

    /**
     * The calling thread's stack, created on first use with the capacity {@link #threadStackSize()} has then; it stays
     * that size for the thread's life. Unmapped when the thread object is collected, or by {@link #closeCurrent()}.
     */
    public static StackAllocator current() {
        StackAllocator s = CURRENT.get();
        if (s == null || !s.heap.memory().scope().isAlive()) {
            s = create(threadStackSize);
            Heap heap = s.heap;
            CLEANER.register(Thread.currentThread(), heap::close);
            CURRENT.set(s);
        }
        return s;
    }

    /** Unmaps the calling thread's stack now, if it has one; the next {@link #current()} creates a fresh one. */
    public static void closeCurrent() {
        StackAllocator s = CURRENT.get();
        if (s != null) {
            CURRENT.remove();
            s.close();
        }
    }

    /** The capacity of the per-thread stacks created from now on (default 8 MiB). */
    public static long threadStackSize() {
        return threadStackSize;
    }

    /**
     * Sets the capacity of per-thread stacks created from now on; a thread that already has one keeps it.
     *
     * @throws IllegalArgumentException below 4 KiB or above {@link Heap#MAX_BYTES}
     */
    public static void setThreadStackSize(long bytes) {
        if (bytes < Heap.PAGE_SIZE || bytes > Heap.MAX_BYTES) {
            throw new IllegalArgumentException("thread stack size " + bytes + " is outside [4096, " + Heap.MAX_BYTES + "]");
        }
        threadStackSize = bytes;
    }

    // ---------------------------------------------------------------- the frame API

    /**
     * Pushes a frame: blocks allocated from now on belong to it until {@link #pop} releases them all.
     *
     * @return the frame's token for {@link #pop}
     * @throws StackOverflowException when 16 bytes for the frame record do not fit; the stack is unchanged
     */
    public long push() {
        long s = sp - HEADER;
        if (s < limit) {
            throw new StackOverflowException(name() + ": no room to push a frame (16 bytes, " + (sp - limit) + " left)", HEADER, sp - limit);
        }
        return pushAt(s);
    }

    private long pushAt(long s) {
        mem.set(WORD, s, fp | FRAME);
        mem.set(WORD, s + 8, ++serial);
        fp = s;
        sp = s;
        depth++;
        if (s < lowest) {
            lowest = s;
        }
        return serial;
    }

    /**
     * Pops the newest frame: every block allocated since its {@link #push} is released at once.
     *
     * @throws OutOfOrderFreeException  if {@code frame} is open but a newer frame is too (pop that first)
     * @throws StaleCheckpointException if {@code frame} is not open (popped already, or not from this stack)
     */
    public void pop(long frame) {
        long f = fp;
        if (f != 0 && mem.get(WORD, f + 8) == frame) {
            EngineSanity v = sanity;
            if (v != null && v.viewCount != 0) {
                v.closeViewsIn(sp, f);
            }
            sp = f + HEADER;
            fp = mem.get(WORD, f) & ~TAG_MASK;
            depth--;
            return;
        }
        throw frameMisuse(frame);
    }

    /**
     * Allocates {@code size} bytes in the newest frame (16-byte aligned, at least 16 usable).
     *
     * @throws StackOverflowException when the block does not fit; the stack is unchanged
     * @throws InvalidSizeException   for a negative size
     */
    public long alloc(long size) {
        if (size < 0) {
            throw new InvalidSizeException(name() + ": alloc(" + size + "): negative size");
        }
        long p = size > base - limit ? 0 : allocate(size);
        if (p == 0) {
            long need = size > base - limit ? size : blockSize(size);
            throw new StackOverflowException(name() + ": alloc(" + size + ") needs " + need + " bytes, " + (sp - limit) + " left", need, sp - limit);
        }
        return p;
    }

    /** Frames open (pushed and not popped). */
    public int depth() {
        return depth;
    }

    /** Bytes in use: {@code base - sp}. */
    public long used() {
        return base - sp;
    }

    /** The capacity: {@code base - limit}. */
    public long capacity() {
        return base - limit;
    }

    /** The most bytes ever in use at once. */
    public long peakUsed() {
        return base - lowest;
    }

    /** True when the page below the limit is a protected guard page (false only without mmap). */
    public boolean hasGuardPage() {
        return guarded;
    }

    /** The lowest address a block may occupy; the guard page ends here. */
    public long limit() {
        return limit;
    }

    /** The current stack pointer. */
    public long stackPointer() {
        return sp;
    }

    // ---------------------------------------------------------------- RegionAllocator

    @Override
    public long checkpoint() {
        long s = sp - HEADER;
        return s < limit ? 0 : pushAt(s);
    }

    @Override
    public void releaseTo(long checkpoint) {
        pop(checkpoint);
    }

    @Override
    public void reset() {
        EngineSanity v = sanity;
        if (v != null) {
            v.closeAllViews();
        }
        sp = base;
        fp = 0;
        depth = 0;
    }

    @Override
    public boolean lifo() {
        return true;
    }

    /** An FFM arena that is a frame: it pushes one when opened and pops it when closed. */
    @Override
    public Arena asArena() {
        return new RegionArena(this, this::checkRelease);
    }

    /** Throws what {@link #releaseTo} would throw for {@code frame}, changing nothing. */
    void checkRelease(long frame) {
        if (fp == 0 || mem.get(WORD, fp + 8) != frame) {
            throw frameMisuse(frame);
        }
    }

    // ---------------------------------------------------------------- engine

    static long blockSize(long n) {
        return HEADER + Math.max(16, (n + 15) & -16L);
    }

    @Override
    public ThreadSafety threadSafety() {
        return ThreadSafety.SINGLE_OWNER;
    }

    @Override
    protected long allocate(long size) {
        long s = sp - blockSize(size);
        if (s < limit) {
            return 0;
        }
        mem.set(WORD, s, (sp - s) | BLOCK);
        mem.set(WORD, s + 8, bind(s, sp - s));
        sp = s;
        if (s < lowest) {
            lowest = s;
        }
        return s + HEADER;
    }

    @Override
    protected long allocateAligned(long alignment, long size) {
        long need = Math.max(16, (size + 15) & -16L);
        if (need + HEADER > sp - limit) {
            return 0;
        }
        long p = (sp - need) & -alignment;
        long s = p - HEADER;
        if (s < limit) {
            return 0;
        }
        mem.set(WORD, s, (sp - s) | BLOCK);
        mem.set(WORD, s + 8, bind(s, sp - s));
        sp = s;
        if (s < lowest) {
            lowest = s;
        }
        return p;
    }

    /** Word 1 of the header of a block at {@code s} of {@code size} bytes: {@code s ^ CHECK}, or (F) {@code s ^ key ^ size}. */
    private long bind(long s, long size) {
        return s ^ check ^ (size & sizeMask);
    }

    @Override
    protected void deallocate(long address) {
        long s = sp;
        if (address == s + HEADER && s < base) {
            long w0 = mem.get(WORD, s);
            long size = w0 & ~TAG_MASK;
            if ((w0 & TAG_MASK) == BLOCK && mem.get(WORD, s + 8) == bind(s, size)) {
                EngineSanity v = sanity;
                if (v != null && v.viewCount != 0) {
                    v.closeView(address);
                }
                sp = s + size;
                return;
            }
        }
        EngineSanity v = sanity;
        throw v != null ? saneMisuse(v, "free", address) : freeMisuse(address);
    }

    /** A block just handed out: its header's size, unscreened ({@link org.jalloc.core.spi.SizedFree}). */
    @Override
    protected long freshUsable(long address) {
        return (mem.get(WORD, address - HEADER) & ~TAG_MASK) - HEADER;
    }

    /** {@link #deallocate} that frees only when the header's usable size is {@code usable}: one header read. */
    @Override
    protected long deallocateIfUsable(long address, long usable) {
        long s = sp;
        if (address == s + HEADER && s < base) {
            long w0 = mem.get(WORD, s);
            long size = w0 & ~TAG_MASK;
            if ((w0 & TAG_MASK) == BLOCK && mem.get(WORD, s + 8) == bind(s, size)) {
                if (size - HEADER == usable) {
                    sp = s + size;
                }
                return size - HEADER;
            }
        }
        long now = usable(address); // not the newest block, or no header bound to it: usableSize's answer or refusal
        if (now == usable) {
            deallocate(address);
        }
        return now;
    }

    @Override
    protected long usable(long address) {
        return usable("usableSize", address);
    }

    private long usable(String op, long address) {
        EngineSanity v = sanity;
        if (v != null && ((address & 15) != 0 || address < limit + HEADER || address >= base)) {
            throw saneMisuse(v, op, address);
        }
        requirePayloadAddress(address, limit + HEADER);
        long h = address - HEADER;
        if (h >= sp) {
            long w0 = mem.get(WORD, h);
            if ((w0 & TAG_MASK) == BLOCK && mem.get(WORD, h + 8) == bind(h, w0 & ~TAG_MASK)) {
                return (w0 & ~TAG_MASK) - HEADER;
            }
            if (v != null) {
                throw saneMisuse(v, op, address);
            }
            throw new InvalidPointerException(name() + ": address " + address + " is no block start (no block header bound to it)", address);
        }
        throw v != null ? saneMisuse(v, op, address) : belowStackPointer("usableSize", address);
    }

    @Override
    long liveUsable(String op, long p) {
        return usable(op, p);
    }

    @Override
    protected boolean resize(long address, long size) {
        return size <= usable(address);
    }

    /** Slides the newest block of the newest frame down to {@code size} bytes; any other block cannot move. */
    @Override
    protected long relocate(long address, long size) {
        long s = sp;
        if (address != s + HEADER || (mem.get(WORD, s) & TAG_MASK) != BLOCK) {
            return 0; // moving it would free a block that is not on top
        }
        long oldSize = mem.get(WORD, s) & ~TAG_MASK;
        long newSize = blockSize(size);
        long grow = newSize - oldSize;
        if (grow > s - limit) {
            return 0;
        }
        long n = s - grow;
        EngineSanity v = sanity;
        if (v != null && v.viewCount != 0) {
            v.closeView(address);
        }
        heap.copy(address, n + HEADER, Math.min(oldSize - HEADER, size));
        mem.set(WORD, n, newSize | BLOCK);
        mem.set(WORD, n + 8, bind(n, newSize));
        sp = n;
        if (n < lowest) {
            lowest = n;
        }
        return n + HEADER;
    }

    // ---------------------------------------------------------------- misuse (off the fast paths)

    private AllocatorMisuseException freeMisuse(long address) {
        requirePayloadAddress(address, limit + HEADER);
        if (address <= sp) {
            return belowStackPointer("free", address);
        }
        long r = recordHolding(address);
        if (r >= 0 && (r & ~1L) + HEADER == address && (mem.get(WORD, r & ~1L) & TAG_MASK) == BLOCK) {
            return outOfOrder(address, r);
        }
        return new InvalidPointerException(name() + ": address " + address + " is no block start (inside a live block or frame record)", address);
    }

    /**
     * The live record (block or frame) holding {@code address} above {@code sp}, found by a bounded walk from
     * {@code sp} (misuse only): its position, with bit 0 set when a frame record lies between {@code sp} and it
     * (records are 16-aligned); -1 when no record holds it or a record's size is unreadable.
     */
    private long recordHolding(long address) {
        long olderFrame = 0;
        long bound = (base - sp) / HEADER + 1;
        for (long pos = sp; pos < base && bound-- > 0; ) {
            long w0 = mem.get(WORD, pos);
            long tag = w0 & TAG_MASK;
            long size = tag == FRAME ? HEADER : w0 & ~TAG_MASK;
            if (pos + HEADER == address || (size > 0 && address < pos + size)) {
                return pos | olderFrame;
            }
            if (size <= 0) {
                return -1;
            }
            if (tag == FRAME) {
                olderFrame = 1;
            }
            pos += size;
        }
        return -1;
    }

    /** free(address) of a live block that is not the newest: {@code record} as {@link #recordHolding} returned it. */
    private OutOfOrderFreeException outOfOrder(long address, long record) {
        return new OutOfOrderFreeException(name() + ": free(" + address + ") out of LIFO order: "
                + ((record & 1) == 0 ? "the newest block is at " + (sp + HEADER) : "the block belongs to an older frame than the newest open one"),
                address);
    }

    /** An address at or below {@code sp}: freed already when a stale header still checks, else never a block. */
    private InvalidPointerException belowStackPointer(String op, long address) {
        long h = address - HEADER;
        if (h >= limit && isBlockHeader(h)) {
            return new DoubleFreeException(name() + ": " + op + "(" + address + "): block already freed (below the stack pointer " + sp + ")", address);
        }
        return new InvalidPointerException(name() + ": " + op + "(" + address + "): no live block there (below the stack pointer " + sp + ")", address);
    }

    /** A block header bound to {@code h} (live, or stale below {@code sp}). */
    private boolean isBlockHeader(long h) {
        long w0 = mem.get(WORD, h);
        return (w0 & TAG_MASK) == BLOCK && mem.get(WORD, h + 8) == bind(h, w0 & ~TAG_MASK);
    }

    /**
     * F: {@code op(address)} names no live block, or the newest block's header no longer binds its size; classified
     * exactly, in the words of every debug layer's F (misuse only: a walk of the live records).
     */
    private RuntimeException saneMisuse(EngineSanity v, String op, long address) {
        if (address < limit + HEADER || address >= base) {
            return v.invalidPointer(op, address);
        }
        long h = address - HEADER;
        boolean aligned = (address & 15) == 0;
        if (h < sp) {
            // below the stack pointer: freed or popped when a stale header still binds it (the key: nothing forges one)
            return aligned && isBlockHeader(h) ? v.doubleFree(op, address, (mem.get(WORD, h) & ~TAG_MASK) - HEADER) : v.invalidPointer(op, address);
        }
        long w0 = aligned ? mem.get(WORD, h) : 0;
        if (aligned && h == sp && (w0 & TAG_MASK) == BLOCK) {
            long was = mem.get(WORD, h + 8) ^ h ^ check; // the size word 1 was written with
            long now = w0 & ~TAG_MASK;
            if (op.equals("free") && was != now && was >= MIN_BLOCK && (was & 15) == 0 && was <= base - h) {
                return v.usableChanged(address, was - HEADER, now - HEADER);
            }
            return new InvalidPointerException(name() + ": address " + address + " is no block start (no block header bound to it)", address);
        }
        long r = recordHolding(address);
        if (r >= 0) {
            long pos = r & ~1L;
            long r0 = mem.get(WORD, pos);
            if ((r0 & TAG_MASK) == BLOCK) {
                long size = r0 & ~TAG_MASK;
                if (pos + HEADER == address && op.equals("free")) {
                    return outOfOrder(address, r);
                }
                if (size > 0 && address > pos + HEADER && address < pos + size) {
                    return v.inside(op, address, pos + HEADER, size - HEADER);
                }
            }
        }
        return v.invalidPointer(op, address);
    }

    private RuntimeException frameMisuse(long frame) {
        long bound = (base - sp) / HEADER + 1;
        for (long f = fp; f != 0 && f >= sp && f < base && bound-- > 0; f = mem.get(WORD, f) & ~TAG_MASK) {
            if (mem.get(WORD, f + 8) == frame) {
                return new OutOfOrderFreeException(name() + ": pop(" + frame + ") out of LIFO order: frame " + mem.get(WORD, fp + 8)
                        + " is newer and still open", f + HEADER);
            }
        }
        return new StaleCheckpointException(name() + ": pop(" + frame + "): no such open frame (popped already, or not from this stack)", frame);
    }

    // ---------------------------------------------------------------- statistics and walk

    @Override
    protected List<AllocatorMetric> metrics() {
        return List.of(new StackMetric(base - limit, base - sp, base - lowest, depth, guarded));
    }

    @Override
    protected HeapWalk walk() {
        return new Walk();
    }

    /** The block-walk SPI: the free region below {@code sp}, then the records from {@code sp} up to {@code base}. */
    final class Walk extends RegionWalk {
        Walk() {
            super(heap, "the free region below the stack pointer");
        }

        @Override
        long freeStart() {
            return limit;
        }

        @Override
        long freeEnd() {
            return sp <= base ? sp : limit; // a wild stack pointer (STACK-1) names no region
        }

        @Override
        public void walkExtents(ExtentVisitor visitor) {
            if (sp < limit || sp > base) {
                return; // a wild stack pointer (STACK-1): below the limit lies the guard page, which must not be read
            }
            if (sp > limit && !visitor.extent(ExtentKind.FREE, limit, sp - limit, limit, sp - limit)) {
                return;
            }
            for (long pos = sp; pos < base; ) {
                long w0 = mem.get(WORD, pos);
                long tag = w0 & TAG_MASK;
                long size = tag == FRAME ? HEADER : w0 & ~TAG_MASK;
                boolean go = tag == BLOCK
                        ? visitor.extent(ExtentKind.ALLOCATED, pos, size, pos + HEADER, size - HEADER)
                        : visitor.extent(ExtentKind.METADATA, pos, size, 0, 0);
                if (!go) {
                    return;
                }
                pos += size;
            }
        }

        @Override
        public void checkInvariants(InvariantSink sink) {
            if (checkPointers(sink)) {
                checkRecords(sink);
                checkFrames(sink);
            }
        }

        @Enforces("STACK-1")
        private boolean checkPointers(InvariantSink sink) {
            boolean ok = true;
            if (sp < limit || sp > base || (sp & 15) != 0) {
                sink.violation("STACK-1", sp, "stack pointer out of its region", "16-aligned in [" + limit + ", " + base + "]", Long.toString(sp));
                ok = false;
            }
            if (fp != 0 && (fp < sp || fp >= base || (fp & 15) != 0)) {
                sink.violation("STACK-1", fp, "frame pointer outside the live stack", "0 or 16-aligned in [sp, base) = [" + sp + ", " + base + ")",
                        Long.toString(fp));
                ok = false;
            }
            if (base != heap.brk()) {
                sink.violation("STACK-1", base, "the stack region is not the whole break", "base = brk = " + heap.brk(), Long.toString(base));
                ok = false;
            }
            return ok;
        }

        @Enforces("STACK-2")
        private void checkRecords(InvariantSink sink) {
            long pos = sp;
            while (pos < base) {
                long w0 = mem.get(WORD, pos);
                long tag = w0 & TAG_MASK;
                long size;
                if (tag == BLOCK) {
                    size = w0 & ~TAG_MASK;
                    if (size < MIN_BLOCK || size > base - pos) {
                        sink.violation("STACK-2", pos, "block size out of range", "32 <= size <= " + (base - pos), Long.toString(size));
                        return;
                    }
                    long word1 = mem.get(WORD, pos + 8);
                    if (word1 != bind(pos, size)) {
                        sink.violation("STACK-2", pos, "block header not bound to its address", Long.toHexString(bind(pos, size)), Long.toHexString(word1));
                    }
                } else if (tag == FRAME) {
                    size = HEADER;
                    long saved = w0 & ~TAG_MASK;
                    if (saved != 0 && (saved <= pos || saved >= base)) {
                        sink.violation("STACK-2", pos, "frame record's saved frame pointer is not an address above it", "0 or in (" + pos + ", " + base + ")",
                                Long.toString(saved));
                    }
                } else {
                    sink.violation("STACK-2", pos, "record with an unknown tag", "0x1 (block) or 0x2 (frame)", "0x" + Long.toHexString(tag));
                    return;
                }
                pos += size;
            }
            if (pos != base) {
                sink.violation("STACK-2", pos, "the records do not end at the base", Long.toString(base), Long.toString(pos));
            }
        }

        @Enforces("STACK-3")
        private void checkFrames(InvariantSink sink) {
            // The frame records of the walk, in address order (newest first).
            long next = fp;
            long previousSerial = serial + 1;
            int chain = 0;
            for (long pos = sp; pos < base; ) {
                long w0 = mem.get(WORD, pos);
                long tag = w0 & TAG_MASK;
                long size = tag == FRAME ? HEADER : w0 & ~TAG_MASK;
                if (tag != FRAME && tag != BLOCK || size <= 0) {
                    return; // STACK-2 reported it
                }
                if (tag == FRAME) {
                    if (pos != next) {
                        sink.violation("STACK-3", pos, "frame record not on the frame chain (frames do not nest)",
                                "the chain's next record at " + next, "a record at " + pos);
                        return;
                    }
                    long s = mem.get(WORD, pos + 8);
                    if (s >= previousSerial || s <= 0) {
                        sink.violation("STACK-3", pos, "frame serials do not decrease from the newest frame", "0 < serial < " + previousSerial,
                                Long.toString(s));
                    }
                    previousSerial = s;
                    next = w0 & ~TAG_MASK;
                    chain++;
                }
                pos += size;
            }
            if (next != 0) {
                sink.violation("STACK-3", next, "the frame chain continues past the last frame record", "0", Long.toString(next));
            }
            if (chain != depth) {
                sink.violation("STACK-3", fp, "depth disagrees with the frame chain", Integer.toString(chain), Integer.toString(depth));
            }
        }
    }

    // ---------------------------------------------------------------- test support (corruption tests)

    /** The frame record address of the newest frame, or 0. */
    long framePointer() {
        return fp;
    }

    void corruptStackPointer(long value) {
        sp = value;
    }

    void corruptDepth(int value) {
        depth = value;
    }
}
