package org.jalloc.core.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A contiguous off-heap region with a logical break, the {@code sbrk} model of CS:APP's {@code memlib}.
 *
 * <pre>
 *   offset 0         start()                      brk()                         limit()
 *   |  guard page    |  blocks handed out ...      |  reserved, untouched ...     |
 *   +----------------+-----------------------------+------------------------------+
 *    never handed out   grows with sbrk(+n)           costs no memory (MAP_NORESERVE)
 * </pre>
 *
 * <p>Addresses are offsets from the reservation base, so a single-threaded run reproduces byte for byte; the first
 * page is never handed out, so no block is ever at address 0 (NULL). The base is page aligned, so an offset's
 * alignment is the real address's alignment.
 *
 * <p>Backing: {@code mmap(MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE)} through FFM when {@link Libc#available()} (pages
 * are committed on first touch, a 1 GiB reservation is instant), otherwise a shared {@link Arena} (which zero-fills
 * the whole reservation eagerly). Either way the memory belongs to a shared arena, so any thread may touch it, and
 * {@link #close()} releases it and invalidates every segment view.
 *
 * <p>Thread safety: {@link #sbrk} and {@link #release} are synchronized; the accessors are plain memory accesses
 * whose ordering is the caller's business.
 */
public final class Heap implements AutoCloseable {
    /** The page size jalloc assumes for guard pages, {@code release} granularity and page-level allocators. */
    public static final long PAGE_SIZE = 4096;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    /** The largest base alignment a heap asks for; bigger alignments are refused by {@code alignedAlloc}. */
    public static final long MAX_BASE_ALIGNMENT = 1L << 30;

    private final Arena arena;
    private final MemorySegment memory;
    private final long limit;
    private final boolean mmapBacked;
    private volatile long brk;
    private volatile long highWater;
    private long releasedBytes;

    private Heap(Arena arena, MemorySegment memory, boolean mmapBacked) {
        this.arena = arena;
        this.memory = memory;
        this.limit = memory.byteSize();
        this.mmapBacked = mmapBacked;
        this.brk = PAGE_SIZE;
        this.highWater = PAGE_SIZE;
    }

    /**
     * Reserves a heap whose break may grow by up to {@code maxBytes} (rounded up to a page) beyond the guard page.
     *
     * @throws IllegalArgumentException if {@code maxBytes} is not positive
     */
    public static Heap reserve(long maxBytes) {
        long total = checkedTotal(maxBytes);
        long align = baseAlignment(total);
        if (Libc.available()) {
            // Over-reserve by the alignment and keep the aligned part; the rest is address space only.
            long mapped = total + align;
            long raw = Libc.mmapReserve(mapped);
            if (raw != 0) {
                long base = (raw + align - 1) & -align;
                Arena arena = Arena.ofShared();
                MemorySegment seg = MemorySegment.ofAddress(base).reinterpret(total, arena, s -> Libc.munmap(raw, mapped));
                return new Heap(arena, seg, true);
            }
        }
        return reserveInArena(maxBytes);
    }

    /** Reserves through {@link Arena#allocate} even where mmap is available (zero-filled eagerly). */
    public static Heap reserveInArena(long maxBytes) {
        long total = checkedTotal(maxBytes);
        Arena arena = Arena.ofShared();
        return new Heap(arena, arena.allocate(total, baseAlignment(total)), false);
    }

    /**
     * The reservation base is aligned to the power of two covering the reservation (at most
     * {@link #MAX_BASE_ALIGNMENT}), so a heap offset aligned to any alignment the heap can hold is aligned on the
     * real address too.
     */
    private static long baseAlignment(long total) {
        return Math.min(MAX_BASE_ALIGNMENT, Long.highestOneBit(total - 1) << 1);
    }

    /** The alignment of the reservation base: {@code alignedAlloc} cannot honour a bigger one. */
    public long baseAlignment() {
        return Long.lowestOneBit(memory.address());
    }

    private static long checkedTotal(long maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("heap size must be positive, got " + maxBytes);
        }
        long pages = (maxBytes + PAGE_SIZE - 1) / PAGE_SIZE;
        return Math.multiplyExact(pages + 1, PAGE_SIZE);
    }

    /** The whole reservation; heap address {@code a} is {@code memory().address() + a}. */
    public MemorySegment memory() {
        return memory;
    }

    /** The first address that may be handed out (the end of the guard page). */
    public long start() {
        return PAGE_SIZE;
    }

    /** The current logical break: addresses in {@code [start(), brk())} belong to the heap. */
    public long brk() {
        return brk;
    }

    /** The highest break ever reached (mdriver's heap high-water mark is {@code highWater() - start()}). */
    public long highWater() {
        return highWater;
    }

    /** The end of the reservation: the break never passes it. */
    public long limit() {
        return limit;
    }

    /** Bytes the break may grow to, beyond {@link #start()}. */
    public long capacity() {
        return limit - PAGE_SIZE;
    }

    /** True when the memory came from mmap (pages committed on touch, {@link #release} returns them to the OS). */
    public boolean isMmapBacked() {
        return mmapBacked;
    }

    /**
     * Moves the break by {@code increment} bytes (which may be negative, never below {@link #start()}).
     *
     * @return the old break, or -1 when the reservation cannot hold the new break (the break is then unchanged)
     */
    public synchronized long sbrk(long increment) {
        long old = brk;
        long next = old + increment;
        if (increment > limit || next > limit || next < PAGE_SIZE) {
            return -1;
        }
        brk = next;
        if (next > highWater) {
            highWater = next;
        }
        return old;
    }

    /**
     * Forgets every block: the break and high-water mark go back to {@link #start()} while the memory stays
     * reserved (and touched), like mdriver's {@code mem_reset_brk}. The next allocator created over this heap starts
     * from scratch; contents are not cleared.
     */
    public synchronized void reset() {
        brk = PAGE_SIZE;
        highWater = PAGE_SIZE;
    }

    /**
     * Gives the whole pages inside {@code [address, address + length)} back to the OS (madvise DONTNEED); they read
     * as zero afterwards. In the Arena fallback the pages are zeroed instead, which has the same contents but frees
     * nothing: this is counted the same way so reports stay comparable, and {@link #isMmapBacked()} tells which.
     *
     * @return the bytes released (whole pages only)
     */
    public synchronized long release(long address, long length) {
        long from = (address + PAGE_SIZE - 1) & -PAGE_SIZE;
        long to = (address + length) & -PAGE_SIZE;
        if (to <= from) {
            return 0;
        }
        if (from < PAGE_SIZE || to > limit) {
            throw new IndexOutOfBoundsException("release [" + from + ", " + to + ") outside the heap");
        }
        if (!mmapBacked || !Libc.madviseDontNeed(memory.address() + from, to - from)) {
            memory.asSlice(from, to - from).fill((byte) 0);
        }
        releasedBytes += to - from;
        return to - from;
    }

    /** Total bytes passed to {@link #release} (whole pages). */
    public synchronized long releasedBytes() {
        return releasedBytes;
    }

    public long getLong(long address) {
        return memory.get(LONG, address);
    }

    public void putLong(long address, long value) {
        memory.set(LONG, address, value);
    }

    public int getInt(long address) {
        return memory.get(INT, address);
    }

    public void putInt(long address, int value) {
        memory.set(INT, address, value);
    }

    public byte getByte(long address) {
        return memory.get(ValueLayout.JAVA_BYTE, address);
    }

    public void putByte(long address, byte value) {
        memory.set(ValueLayout.JAVA_BYTE, address, value);
    }

    /** Sets {@code length} bytes at {@code address} to {@code value}. */
    public void fill(long address, long length, byte value) {
        memory.asSlice(address, length).fill(value);
    }

    /** {@code memmove}: copies {@code length} bytes, overlapping ranges allowed. */
    public void copy(long from, long to, long length) {
        MemorySegment.copy(memory, from, memory, to, length);
    }

    /** A bounds-checked view of {@code [address, address + length)}. */
    public MemorySegment slice(long address, long length) {
        return memory.asSlice(address, length);
    }

    /** The heap address of a segment that lies inside this heap's memory, or -1 if it does not. */
    public long addressOf(MemorySegment segment) {
        long off = segment.address() - memory.address();
        if (!segment.isNative() || off < 0 || off > limit || segment.byteSize() > limit - off) {
            return -1;
        }
        return off;
    }

    /** A copy of {@code [0, brk())}: tests compare snapshots to prove misuse left the heap unchanged. */
    public byte[] snapshot() {
        return memory.asSlice(0, brk).toArray(ValueLayout.JAVA_BYTE);
    }

    /** Unmaps (or frees) the reservation; every view of it becomes inaccessible. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "Heap[start=" + PAGE_SIZE + ", brk=" + brk + ", limit=" + limit + (mmapBacked ? ", mmap]" : ", arena]");
    }
}
