package org.jalloc.core.spi;

import java.util.List;
import java.util.OptionalLong;

import org.checkerframework.checker.nullness.qual.Nullable;

import org.jalloc.core.Allocator;
import org.jalloc.core.AllocatorEvents;
import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.AllocatorStats;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidAlignmentException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.InvalidSizeException;
import org.jalloc.core.events.AllocationSampleEvent;
import org.jalloc.core.events.HeapStatisticsEvent;
import org.jalloc.core.events.TrimEvent;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.core.walk.Inspectable;

/**
 * The argument checking and edge cases of {@link Allocator}, decided once for every allocator. A subclass supplies
 * the engine: {@link #allocate}, {@link #allocateAligned}, {@link #resize}, {@link #deallocate}, {@link #usable},
 * always with arguments already checked here (sizes in {@code [0, heap capacity]}, alignments powers of two above 16,
 * addresses not 0).
 *
 * <p>{@link #realloc} is built from the engine: in place through {@link #resize} when it can, else
 * {@link #relocate} (allocate-copy-free unless the allocator overrides it), and on failure the old block is untouched.
 *
 * <p>Two faces, one engine: users see the {@link Allocator}; the checker and the tools see the {@link Inspectable}
 * face (the heap and {@link #walk()}) through {@code Inspection.of(allocator)}. The face is a separate object, not
 * public methods of this class: a public method inherited from here would be callable on every allocator class users
 * can name ({@code BuddyAllocator.create(n).heap()}), although this package is not exported to them. For the same
 * reason the observability state (JFR's statistics request, JMX's snapshot) is package-private and reached through
 * {@link Observation}.
 */
public abstract class AbstractAllocator implements Allocator {
    /** Every payload is aligned to this (the x86-64 malloc guarantee); it is also the smallest usable size. */
    public static final long MIN_ALIGNMENT = 16;

    /** The heap this allocator manages. */
    protected final Heap heap;
    private final String name;
    /** Requested bytes until the next allocation sample (races between threads only blur the sampling). */
    private long sampleCountdown = AllocatorEvents.sampleBytes();
    /** Set by JFR's periodic hook for watched allocators ({@code AllocatorEvents.watch}, through {@link Observation}). */
    volatile boolean statisticsDue;
    /** Set when a JMX client read this allocator's MBean: the next call refreshes {@link #snapshot}. */
    volatile boolean snapshotDue;
    /** The statistics a calling thread took last for JMX, and when (System.currentTimeMillis()). */
    volatile @Nullable AllocatorStats snapshot;
    volatile long snapshotMillis;

    protected AbstractAllocator(String name, Heap heap) {
        this.name = name;
        this.heap = heap;
    }

    /** Allocates {@code size} bytes, {@code 0 <= size <= heap.capacity()}; returns the payload or 0. */
    protected abstract long allocate(long size);

    /** Allocates with {@code alignment} a power of two above 16; returns the payload or 0. */
    protected abstract long allocateAligned(long alignment, long size);

    /**
     * Resizes the live block at {@code address} in place to hold {@code size} bytes; false (block unchanged) if it
     * cannot. Throws {@link InvalidPointerException} if {@code address} is not a live block (as far as O(1) tells).
     */
    protected abstract boolean resize(long address, long size);

    /** Frees the live block at {@code address}, or throws {@link InvalidPointerException} / {@link DoubleFreeException}. */
    protected abstract void deallocate(long address);

    /** The usable size of the live block at {@code address}, or throws {@link InvalidPointerException}. */
    protected abstract long usable(long address);

    /** Allocator-specific typed metrics, in report order. */
    protected List<AllocatorMetric> metrics() {
        return List.of();
    }

    @Override
    public String name() {
        return name;
    }

    /** The block-walk SPI of this allocator's heap (the inspection face's {@code heapWalk()}). */
    protected abstract HeapWalk walk();

    /** The inspection face of {@code allocator}, for {@code Inspection.of} (this package is not exported to users). */
    static Inspectable faceOf(AbstractAllocator allocator) {
        return new Face(allocator);
    }

    /** The inspection face: the heap and {@link #walk()}. */
    private record Face(AbstractAllocator allocator) implements Inspectable {
        @Override
        public Heap heap() {
            return allocator.heap;
        }

        @Override
        public HeapWalk heapWalk() {
            return allocator.walk();
        }
    }

    @Override
    public final long malloc(long size) {
        if (size < 0) {
            throw new InvalidSizeException("malloc(" + size + "): negative size");
        }
        if (size > heap.capacity()) {
            return 0;
        }
        long a = allocate(size);
        observe(size, a);
        return a;
    }

    /** The JFR side of an allocation: a sample every {@link AllocatorEvents#sampleBytes()}, statistics when due. */
    private void observe(long size, long address) {
        if ((sampleCountdown -= Math.max(size, 1)) < 0) {
            long weight = AllocatorEvents.sampleBytes() - sampleCountdown;
            sampleCountdown = AllocatorEvents.sampleBytes();
            AllocationSampleEvent e = new AllocationSampleEvent();
            if (e.isEnabled() && address != 0) {
                e.allocator = name;
                e.size = size;
                e.sizeClass = usable(address);
                e.address = address;
                e.weight = weight;
                e.commit();
            }
        }
        if (statisticsDue || snapshotDue) {
            refreshStatistics();
        }
    }

    /**
     * On a calling thread (so no walk races a single owner): takes {@code stats()} for JMX's snapshot and JFR's
     * statistics event, whichever asked.
     */
    private void refreshStatistics() {
        boolean jmx = snapshotDue;
        boolean jfr = statisticsDue;
        snapshotDue = false;
        statisticsDue = false;
        HeapStatisticsEvent e = new HeapStatisticsEvent();
        if (!jmx && !e.isEnabled()) {
            return;
        }
        AllocatorStats s;
        try {
            s = stats();
        } catch (RuntimeException walkFailed) { // a concurrent allocator changed under the walk: skip this period
            return;
        }
        if (jmx) {
            snapshot = s;
            snapshotMillis = System.currentTimeMillis();
        }
        if (!jfr || !e.isEnabled()) {
            return;
        }
        e.allocator = name;
        e.heapBytes = s.heapBytes();
        e.highWaterBytes = s.highWaterBytes();
        e.liveGrantedBytes = s.liveGrantedBytes();
        e.allocatedBlocks = s.allocatedBlocks();
        e.freeBytes = s.freeBytes();
        e.freeBlocks = s.freeBlocks();
        e.largestFreeBlock = s.largestFreeBlock();
        e.metadataBytes = s.metadataBytes();
        e.externalFragmentation = s.externalFragmentation();
        e.releasedBytes = heap.releasedBytes();
        e.commit();
    }

    @Override
    public final long calloc(long count, long size) {
        if (count < 0 || size < 0) {
            throw new InvalidSizeException("calloc(" + count + ", " + size + "): negative operand");
        }
        long total;
        try {
            total = Math.multiplyExact(count, size);
        } catch (ArithmeticException overflow) {
            throw new InvalidSizeException("calloc(" + count + ", " + size + "): count * size overflows");
        }
        long address = malloc(total);
        if (address != 0 && total > 0) {
            heap.fill(address, total, (byte) 0);
        }
        return address;
    }

    @Override
    public final long realloc(long address, long size) {
        if (address == 0) {
            return malloc(size);
        }
        if (size < 0) {
            throw new InvalidSizeException("realloc(" + address + ", " + size + "): negative size");
        }
        if (size == 0) {
            deallocate(address);
            return 0;
        }
        if (size > heap.capacity()) {
            usable(address);
            return 0;
        }
        if (resize(address, size)) {
            return address;
        }
        return relocate(address, size);
    }

    /**
     * Moves the live block at {@code address}, which {@link #resize} could not resize in place, to a block of
     * {@code size} bytes ({@code 0 < size <= heap capacity}) keeping its first {@code min(usable, size)} bytes: by
     * default allocate, copy, free. An allocator whose discipline forbids freeing the old block after allocating the
     * new one (a stack growing down, which can only move its newest block) overrides it.
     *
     * @return the new address, or 0 with the block untouched and still live
     */
    protected long relocate(long address, long size) {
        long keep = Math.min(usable(address), size);
        long moved = allocate(size);
        if (moved == 0) {
            return 0;
        }
        heap.copy(address, moved, keep);
        deallocate(address);
        return moved;
    }

    @Override
    public final boolean tryExpand(long address, long size) {
        if (address == 0) {
            throw new InvalidPointerException("tryExpand(NULL): NULL is never a block", 0);
        }
        if (size < 0) {
            throw new InvalidSizeException("tryExpand(" + address + ", " + size + "): negative size");
        }
        if (size > heap.capacity()) {
            usable(address);
            return false;
        }
        return resize(address, size);
    }

    @Override
    public final void free(long address) {
        if (address != 0) {
            deallocate(address);
        }
        if (statisticsDue || snapshotDue) {
            refreshStatistics();
        }
    }

    @Override
    public final long alignedAlloc(long alignment, long size) {
        if (alignment <= 0 || Long.bitCount(alignment) != 1) {
            throw new InvalidAlignmentException("alignedAlloc(" + alignment + ", " + size + "): alignment is not a power of two");
        }
        if (size < 0) {
            throw new InvalidSizeException("alignedAlloc(" + alignment + ", " + size + "): negative size");
        }
        if (alignment <= MIN_ALIGNMENT) {
            return malloc(size);
        }
        if (size > heap.capacity() || alignment > heap.capacity() || alignment > heap.baseAlignment()) {
            return 0;
        }
        long a = allocateAligned(alignment, size);
        observe(size, a);
        return a;
    }

    @Override
    public final long usableSize(long address) {
        return address == 0 ? 0 : usable(address);
    }

    /**
     * Throws {@link InvalidPointerException} unless {@code address} is 16-aligned and inside
     * {@code [lowest, heap.brk())}: the O(1) screen every allocator applies before reading a header.
     */
    protected final void requirePayloadAddress(long address, long lowest) {
        if ((address & (MIN_ALIGNMENT - 1)) != 0) {
            throw new InvalidPointerException(name + ": address " + address + " is not 16-byte aligned, so it is no block start", address);
        }
        if (address < lowest || address >= heap.brk()) {
            throw new InvalidPointerException(name + ": address " + address + " is outside the heap [" + lowest + ", " + heap.brk() + ")", address);
        }
    }

    /** Rounds {@code value} up to a multiple of {@code alignment} (a power of two). */
    protected static long alignUp(long value, long alignment) {
        return (value + alignment - 1) & -alignment;
    }

    /**
     * For allocators whose payload starts {@code header} bytes after its block: the first block start at or after
     * {@code block} whose payload is {@code alignment}-aligned and whose front gap is 0 or at least {@code minBlock}
     * (large enough to stay behind as a free block of its own).
     */
    protected static long alignedBlockStart(long block, long header, long alignment, long minBlock) {
        long start = alignUp(block + header, alignment) - header;
        if (start != block && start - block < minBlock) {
            start += alignment;
        }
        return start;
    }

    /** Common figures from one walk of the heap, plus {@link #metrics()}. */
    @Override
    public AllocatorStats stats() {
        HeapWalk walk = walk();
        long[] f = new long[6];
        final int granted = 0, free = 1, allocated = 2, freeCount = 3, largest = 4, metadata = 5;
        walk.walkExtents((kind, start, size, payload, usable) -> {
            if (kind == ExtentKind.ALLOCATED) {
                f[granted] += usable;
                f[allocated]++;
                f[metadata] += size - usable;
            } else if (kind == ExtentKind.FREE) {
                f[free] += size;
                f[freeCount]++;
                f[largest] = Math.max(f[largest], size);
            } else {
                f[metadata] += size;
            }
            return true;
        });
        long external = walk.externalMetadataBytes();
        return new AllocatorStats(name, heap.brk() - heap.start(), heap.capacity(), heap.highWater() - heap.start(),
                OptionalLong.empty(), OptionalLong.empty(), f[granted], f[free], f[allocated], f[freeCount], f[largest],
                f[metadata] + external, external, metrics());
    }

    /**
     * {@code malloc_trim}: {@link #prepareTrim()}, then every whole page inside a free block, past its first and
     * before its last {@link #TRIM_KEEP} bytes (headers, links, footers), goes back to the OS through
     * {@link Heap#release}. Single-owner allocators: the owner calls it, as any operation.
     */
    @Override
    public long trim() {
        TrimEvent event = new TrimEvent();
        event.begin();
        prepareTrim();
        long released = releaseFreePages(walk(), heap);
        event.end();
        if (event.shouldCommit()) {
            event.allocator = name;
            event.releasedBytes = released;
            event.commit();
        }
        return released;
    }

    /** Bytes at each end of a free block that {@link #trim()} leaves in place: room for any header, links and footer. */
    public static final long TRIM_KEEP = 64;

    /** What an allocator does before its free blocks are trimmed: merge deferred free neighbours, flush caches. */
    protected void prepareTrim() {}

    /**
     * Releases the whole pages inside every FREE extent of {@code walk}, keeping {@link #TRIM_KEEP} bytes at each
     * end; returns the bytes released.
     */
    public static long releaseFreePages(HeapWalk walk, Heap heap) {
        List<long[]> runs = new java.util.ArrayList<>();
        walk.walkExtents((kind, start, size, payload, usable) -> {
            if (size <= 0) {
                return false;
            }
            if (kind == ExtentKind.FREE) {
                long from = alignUp(start + TRIM_KEEP, Heap.PAGE_SIZE);
                long to = (start + size - TRIM_KEEP) & -Heap.PAGE_SIZE;
                if (to > from) {
                    runs.add(new long[] {from, to - from});
                }
            }
            return true;
        });
        long released = 0;
        for (long[] r : runs) {
            released += heap.release(r[0], r[1]);
        }
        return released;
    }

    @Override
    public void close() {
        heap.close();
    }

    @Override
    public String toString() {
        return name + " over " + heap;
    }
}
