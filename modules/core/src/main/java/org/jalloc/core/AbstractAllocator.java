package org.jalloc.core;

import java.util.List;
import java.util.OptionalLong;

import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.HeapWalk;

/**
 * The argument checking and edge cases of {@link Allocator}, decided once for every allocator. A subclass supplies
 * the engine: {@link #allocate}, {@link #allocateAligned}, {@link #resize}, {@link #deallocate}, {@link #usable},
 * always with arguments already checked here (sizes in {@code [0, heap capacity]}, alignments powers of two above 16,
 * addresses not 0).
 *
 * <p>{@link #realloc} is built from the engine: in place through {@link #resize} when it can, else
 * {@link #relocate} (allocate-copy-free unless the allocator overrides it), and on failure the old block is untouched.
 */
public abstract class AbstractAllocator implements Allocator {
    /** Every payload is aligned to this (the x86-64 malloc guarantee); it is also the smallest usable size. */
    public static final long MIN_ALIGNMENT = 16;

    /** The heap this allocator manages. */
    protected final Heap heap;
    private final String name;

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

    /** Allocator-specific statistics sections. */
    protected List<StatsSection> statsSections() {
        return List.of();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Heap heap() {
        return heap;
    }

    @Override
    public final long malloc(long size) {
        if (size < 0) {
            throw new InvalidSizeException("malloc(" + size + "): negative size");
        }
        if (size > heap.capacity()) {
            return 0;
        }
        return allocate(size);
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
        return allocateAligned(alignment, size);
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

    /** Common figures from one walk of the heap, plus {@link #statsSections()}. */
    @Override
    public AllocatorStats stats() {
        HeapWalk walk = heapWalk();
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
                f[metadata] + external, external, statsSections());
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
