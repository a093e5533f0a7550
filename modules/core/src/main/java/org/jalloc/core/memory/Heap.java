package org.jalloc.core.memory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import org.jalloc.core.events.PagesReturnedEvent;
import org.jalloc.core.nativeaccess.Libc;

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
 * page is never handed out, so no block is ever at address 0 (NULL).
 *
 * <h2>Reservation</h2>
 * <ol>
 *   <li>Size: {@code limit = roundUp(maxBytes, PAGE_SIZE) + PAGE_SIZE} (the guard page);
 *       {@code 0 < maxBytes <= MAX_BYTES}, else {@link IllegalArgumentException}
 *       "cannot reserve a heap of N bytes: ...". No arithmetic on sizes can overflow below that bound.</li>
 *   <li>Base alignment {@code A}: the power of two covering {@code limit}, so every block an allocator can carve
 *       out of the heap (a buddy zone, an {@code alignedAlloc} up to the heap's size) is aligned on the real address
 *       exactly as on its offset: {@code base ≡ 0 (mod A)}, {@link #baseAlignment()} {@code = A}, whatever address
 *       the kernel picks.</li>
 *   <li>mmap (when {@link Libc#available()}): map {@code limit + A - PAGE_SIZE} bytes of address space
 *       ({@code MAP_NORESERVE}: no memory), keep the {@code A}-aligned {@code limit} bytes inside and unmap the head
 *       and tail, so the heap holds exactly {@code limit} bytes of address space (transiently up to about three
 *       times that). Pages are committed on first touch; a 1 GiB heap is instant. Only where the address space has
 *       no room for that (heaps of tens of TiB) is {@code A} lowered to {@link #MAX_BASE_ALIGNMENT}, which
 *       {@link #baseAlignment()} then reports (a buddy configuration needing more refuses the heap). If the kernel
 *       refuses even that, {@link IllegalArgumentException} with its reason (no eager fallback: it could not do
 *       better).</li>
 *   <li>Fallback (no native access, not Linux): a shared {@link Arena} allocates and zero-fills the reservation,
 *       plus its alignment padding, eagerly, so it commits all of it: it is used only when that fits in the memory
 *       available now ({@code MemAvailable} in {@code /proc/meminfo}, where there is one; elsewhere an allocation
 *       failure gives the same {@link IllegalArgumentException}), and its alignment is capped at
 *       {@link #MAX_BASE_ALIGNMENT} (the padding is committed too).</li>
 * </ol>
 * Either way the memory belongs to a shared arena, so any thread may touch it.
 *
 * <h2>Lifetime</h2>
 * {@link #close()} unmaps the reservation; every segment of it (the {@link #memory()}, every {@link #slice}) throws
 * {@link IllegalStateException} from then on, never a crash: FFM closes the shared arena only once no thread is
 * inside an access. Segments that must die earlier than the heap (an allocator's {@code asArena()}) use a
 * {@link #dependentArena()}, a shared arena the heap closes, if still open, before it unmaps and on {@link #reset()},
 * so no segment handed out over this heap ever reaches unmapped memory or a heap mapped later at the same address.
 *
 * <p>Thread safety: {@link #sbrk}, {@link #reset} and {@link #release} are synchronized; opening and closing
 * dependent arenas and closing the heap hold the lifetime lock (taken after the heap's monitor by {@code reset});
 * the accessors are plain memory accesses whose ordering is the caller's business.
 */
public final class Heap implements AutoCloseable {
    /** The page size jalloc assumes for guard pages, {@code release} granularity and page-level allocators. */
    public static final long PAGE_SIZE = 4096;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    /**
     * The largest heap: {@code maxBytes} above this is refused before any arithmetic. 2<sup>56</sup> bytes (64 PiB)
     * is the largest user address space of any 64-bit platform jalloc runs on (x86-64 with five-level paging); real
     * machines refuse far less, and say so through the mmap error.
     */
    public static final long MAX_BYTES = 1L << 56;

    /** The largest base alignment in the eager {@link Arena} fallback, whose alignment padding is committed memory. */
    public static final long MAX_BASE_ALIGNMENT = 1L << 30;

    private final Arena arena;
    private final MemorySegment memory;
    private final long limit;
    private final long alignment;
    private final boolean mmapBacked;
    private volatile long brk;
    private volatile long highWater;
    private long releasedBytes;
    /** True once the first page is PROT_NONE ({@link #protectGuardPage()}). */
    private volatile boolean guardProtected;

    /** Guards {@link #dependents} and {@link #closed}. */
    private final Object lifetime = new Object();
    private final Set<DependentArena> dependents = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean closed;

    private Heap(Arena arena, MemorySegment memory, long alignment, boolean mmapBacked) {
        this.arena = arena;
        this.memory = memory;
        this.limit = memory.byteSize();
        this.alignment = alignment;
        this.mmapBacked = mmapBacked;
        this.brk = PAGE_SIZE;
        this.highWater = PAGE_SIZE;
    }

    /**
     * Reserves a heap whose break may grow by up to {@code maxBytes} (rounded up to a page) beyond the guard page,
     * its base aligned to the power of two covering the reservation (see the class comment).
     *
     * @throws IllegalArgumentException "cannot reserve a heap of N bytes: REASON" when {@code maxBytes} is not
     *                                  positive, exceeds {@link #MAX_BYTES}, or the system cannot map it
     */
    public static Heap reserve(long maxBytes) {
        long total = checkedTotal(maxBytes);
        if (!Libc.available()) {
            return reserveEagerly(maxBytes, total);
        }
        long align = coveringPowerOfTwo(total);
        long mapped = total + align - PAGE_SIZE; // mmap returns page-aligned addresses: A - PAGE_SIZE of slack suffices
        long raw = Libc.mmapReserve(mapped);
        if (raw < 0 && align > MAX_BASE_ALIGNMENT) {
            // Not enough contiguous address space for the full alignment (heaps of tens of TiB): settle for 1 GiB.
            align = MAX_BASE_ALIGNMENT;
            mapped = total + align - PAGE_SIZE;
            raw = Libc.mmapReserve(mapped);
        }
        if (raw < 0) {
            throw cannotReserve(maxBytes, "the kernel refused to map " + mapped + " bytes of address space (the heap and its "
                    + align + "-byte alignment): " + Libc.strerror((int) -raw));
        }
        long base = (raw + align - 1) & -align;
        long head = base - raw;
        long tail = mapped - head - total;
        if (head > 0) {
            Libc.munmap(raw, head);
        }
        if (tail > 0) {
            Libc.munmap(base + total, tail);
        }
        Arena arena = Arena.ofShared();
        MemorySegment seg = MemorySegment.ofAddress(base).reinterpret(total, arena, s -> Libc.munmap(base, total));
        return new Heap(arena, seg, align, true);
    }

    /**
     * Reserves through {@link Arena#allocate} even where mmap is available: zero-filled and committed eagerly, its
     * base aligned to the covering power of two up to {@link #MAX_BASE_ALIGNMENT}.
     *
     * @throws IllegalArgumentException "cannot reserve a heap of N bytes: REASON" as {@link #reserve}, and when the
     *                                  reservation and its padding do not fit in the memory available now
     */
    public static Heap reserveInArena(long maxBytes) {
        return reserveEagerly(maxBytes, checkedTotal(maxBytes));
    }

    private static Heap reserveEagerly(long maxBytes, long total) {
        long align = Math.min(MAX_BASE_ALIGNMENT, coveringPowerOfTwo(total));
        long commit = total + (align > PAGE_SIZE ? align - 1 : 0); // Arena.allocate pads to the alignment with malloc
        long available = availableMemory();
        if (available >= 0 && commit > available) {
            throw cannotReserve(maxBytes, "an eager reservation commits all of its " + commit + " bytes and only " + available
                    + " bytes of memory are available" + (Libc.available() ? "" : " (no mmap: " + Libc.unavailableReason() + ")"));
        }
        Arena arena = Arena.ofShared();
        try {
            return new Heap(arena, arena.allocate(total, align), align, false);
        } catch (OutOfMemoryError e) { // malloc refused the eager reservation: a size problem, not Java heap exhaustion
            arena.close();
            throw cannotReserve(maxBytes, "the eager allocation of " + commit + " bytes failed (" + e.getMessage() + ")");
        }
    }

    private static IllegalArgumentException cannotReserve(long maxBytes, String reason) {
        return new IllegalArgumentException("cannot reserve a heap of " + maxBytes + " bytes: " + reason);
    }

    /** The smallest power of two {@code >= total} ({@code total <= MAX_BYTES + 2 pages}, so no overflow). */
    private static long coveringPowerOfTwo(long total) {
        return Long.highestOneBit(total - 1) << 1;
    }

    /** {@code MemAvailable} from {@code /proc/meminfo} in bytes, or -1 where it cannot be read. */
    static long availableMemory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    String[] f = line.substring("MemAvailable:".length()).trim().split("\\s+");
                    return Math.multiplyExact(Long.parseLong(f[0]), f.length > 1 && f[1].equals("kB") ? 1024L : 1L);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1; // not Linux, or an unexpected format: the allocation itself will tell
        }
        return -1;
    }

    /**
     * The alignment of the reservation base, guaranteed by {@link #reserve} whatever address the kernel picked: a
     * heap offset aligned to it (or to any smaller power of two) is aligned on the real address too.
     * {@code alignedAlloc} cannot honour a bigger one.
     */
    public long baseAlignment() {
        return alignment;
    }

    private static long checkedTotal(long maxBytes) {
        if (maxBytes <= 0) {
            throw cannotReserve(maxBytes, "the size must be positive");
        }
        if (maxBytes > MAX_BYTES) {
            throw cannotReserve(maxBytes, "more than " + MAX_BYTES + " bytes (2^56), the largest address space of any 64-bit platform");
        }
        long pages = maxBytes / PAGE_SIZE + (maxBytes % PAGE_SIZE == 0 ? 0 : 1);
        return (pages + 1) * PAGE_SIZE;
    }

    /**
     * A new shared arena that ends no later than this heap: {@link #close()} and {@link #reset()} close it first if
     * it is still open. Segments over this heap bound to it ({@code slice(a, n).reinterpret(arena, null)}) thus die
     * when the arena is closed or the heap goes, whichever comes first. Closing it yourself forgets it here; closing
     * it after the heap did throws {@link IllegalStateException} (already closed), as {@link Arena#close} does.
     *
     * @throws IllegalStateException if this heap is closed
     */
    public Arena dependentArena() {
        synchronized (lifetime) {
            if (closed) {
                throw new IllegalStateException("heap is closed: " + this);
            }
            DependentArena d = new DependentArena();
            dependents.add(d);
            return d;
        }
    }

    /** Dependent arenas still open (tests check that closed ones are not kept). */
    int openDependentArenas() {
        synchronized (lifetime) {
            return dependents.size();
        }
    }

    /**
     * Closes every open dependent arena (caller holds {@link #lifetime}). One that cannot close (a downcall is using
     * one of its segments) stays open and fails the whole operation, so the heap is not unmapped under it.
     */
    private void endDependents(String why) {
        List<IllegalStateException> failures = new ArrayList<>();
        for (DependentArena d : List.copyOf(dependents)) {
            try {
                d.end(why);
                dependents.remove(d);
            } catch (IllegalStateException e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            IllegalStateException e = new IllegalStateException("heap not " + why + ": " + failures.size()
                    + " arena(s) over it are in use and cannot be closed");
            failures.forEach(e::addSuppressed);
            throw e;
        }
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
     * from scratch; contents are not cleared. Every {@link #dependentArena()} is closed first (an arena's blocks are
     * gone); plain slices stay valid and now see whatever the next allocator puts there.
     *
     * @throws IllegalStateException if a dependent arena is in use by a downcall (the break is then not reset)
     */
    public synchronized void reset() {
        synchronized (lifetime) {
            endDependents("reset");
        }
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
        boolean madvised = mmapBacked && Libc.madviseDontNeed(memory.address() + from, to - from);
        if (!madvised) {
            memory.asSlice(from, to - from).fill((byte) 0);
        }
        releasedBytes += to - from;
        PagesReturnedEvent e = new PagesReturnedEvent();
        if (e.shouldCommit()) {
            e.address = from;
            e.bytes = to - from;
            e.madvised = madvised;
            e.commit();
        }
        return to - from;
    }

    /**
     * The bytes of this heap's own mapping that are resident in memory now, as {@code mincore} reports them (only
     * pages below the high-water mark can ever have been touched). In the Arena fallback every page is committed,
     * so this is the whole reservation.
     */
    public long residentBytes() {
        if (!mmapBacked) {
            return limit;
        }
        long pages = Libc.residentPages(memory.address(), highWater);
        if (pages < 0) {
            throw new IllegalStateException("mincore refused the heap's own mapping " + this);
        }
        return pages * PAGE_SIZE;
    }

    /**
     * Makes the first page, {@code [0, start())}, which no allocator ever hands out, a real guard page:
     * {@code mprotect(PROT_NONE)}, so any raw access to it faults (SIGSEGV) instead of reading or writing memory. An
     * allocator whose blocks end at {@link #start()} (a stack growing down to it) thus has a guard page right below
     * its limit, as a thread's stack has. Only {@link #snapshot()} reads the whole heap: it reports the page as zeros.
     * The protection lasts until the heap is closed (also across {@link #reset()}). Idempotent.
     *
     * @return true if the page is protected; false where it cannot be (the eager {@link Arena} fallback, no mmap)
     */
    public synchronized boolean protectGuardPage() {
        if (guardProtected) {
            return true;
        }
        if (!mmapBacked || !Libc.mprotect(memory.address(), PAGE_SIZE, Libc.PROT_NONE)) {
            return false;
        }
        guardProtected = true;
        return true;
    }

    /** True when the first page is a protected guard page ({@link #protectGuardPage()}). */
    public boolean guardPageProtected() {
        return guardProtected;
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

    /**
     * A view of {@code [address, address + length)} bound to {@code dependent}, one of this heap's
     * {@link #dependentArena()}s: it dies when that arena closes or the heap goes, whichever comes first. The rebinding
     * ({@code MemorySegment.reinterpret}, a restricted method) happens here, so the caller's module needs no native
     * access of its own; only this heap's own dependent arenas are accepted, so no view can outlive the heap.
     *
     * @throws IllegalArgumentException if {@code dependent} is not a dependent arena of this heap
     * @throws IllegalCallerException   without native access for {@code org.jalloc.core}
     */
    public MemorySegment slice(long address, long length, Arena dependent) {
        if (!(dependent instanceof DependentArena d) || d.heap() != this) {
            throw new IllegalArgumentException("not a dependent arena of this heap: " + dependent);
        }
        return memory.asSlice(address, length).reinterpret(d, NO_CLEANUP);
    }

    private static final java.util.function.Consumer<MemorySegment> NO_CLEANUP = segment -> { };

    /** The heap address of a segment that lies inside this heap's memory, or -1 if it does not. */
    public long addressOf(MemorySegment segment) {
        long off = segment.address() - memory.address();
        if (!segment.isNative() || off < 0 || off > limit || segment.byteSize() > limit - off) {
            return -1;
        }
        return off;
    }

    /**
     * A copy of {@code [0, brk())}: tests compare snapshots to prove misuse left the heap unchanged. A protected guard
     * page ({@link #protectGuardPage()}) is not read: its bytes are zeros in the copy.
     */
    public byte[] snapshot() {
        if (!guardProtected) {
            return memory.asSlice(0, brk).toArray(ValueLayout.JAVA_BYTE);
        }
        long end = brk;
        byte[] copy = new byte[Math.toIntExact(end)];
        MemorySegment.copy(memory, ValueLayout.JAVA_BYTE, PAGE_SIZE, copy, (int) PAGE_SIZE, (int) (end - PAGE_SIZE));
        return copy;
    }

    /**
     * Closes every open {@link #dependentArena()}, then unmaps (or frees) the reservation: every view of it throws
     * {@link IllegalStateException} from then on. Idempotent; any thread may call it.
     *
     * @throws IllegalStateException if a segment of this heap is in use by a downcall (the heap then stays mapped)
     */
    @Override
    public void close() {
        synchronized (lifetime) {
            if (closed) {
                return;
            }
            endDependents("closed");
            arena.close();
            closed = true;
        }
    }

    /** A shared arena registered with its heap (see {@link #dependentArena()}). */
    private final class DependentArena implements Arena {
        private final Arena shared = Arena.ofShared();

        Heap heap() {
            return Heap.this;
        }
        /** Why the heap ended it ("closed", "reset"), or empty while it is open or once its owner closed it. */
        private String endedBy = "";

        @Override
        public MemorySegment allocate(long byteSize, long byteAlignment) {
            return shared.allocate(byteSize, byteAlignment);
        }

        @Override
        public MemorySegment.Scope scope() {
            return shared.scope();
        }

        @Override
        public void close() {
            synchronized (lifetime) {
                if (!endedBy.isEmpty()) {
                    throw new IllegalStateException("arena already closed: its heap was " + endedBy);
                }
                shared.close(); // throws if closed already, or in use by a downcall (then it stays registered)
                dependents.remove(this);
            }
        }

        /** Closes it for the heap (caller holds {@link #lifetime}). */
        void end(String why) {
            shared.close();
            endedBy = why;
        }
    }

    @Override
    public String toString() {
        return "Heap[start=" + PAGE_SIZE + ", brk=" + brk + ", limit=" + limit + (mmapBacked ? ", mmap]" : ", arena]");
    }
}
