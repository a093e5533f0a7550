package org.jalloc.check;

import java.util.Map;
import java.util.TreeMap;

import org.jalloc.core.AbstractAllocator;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.HeapWalk;

/**
 * A deliberately simple allocator for testing the checker itself, with switches that break it in every way the
 * checker must notice. Blocks have a 16-byte header {size, allocated}; free blocks are kept in a Java TreeMap (the
 * free structure, outside the heap) and merged with free neighbours on free.
 */
final class ToyAllocator extends AbstractAllocator implements HeapWalk {
    static final long HEADER = 16;

    /** Free blocks: start to size. Tests edit it to break HEAP-3. */
    final TreeMap<Long, Long> freeBlocks = new TreeMap<>();
    /** Extra free-structure entries reported by the walk (start, size), to test duplicates and bogus entries. */
    final TreeMap<Long, Long> extraEntries = new TreeMap<>();
    boolean mergeOnFree = true;
    boolean walkThrows;
    boolean freeListCycles;
    long usableSizeLie;

    ToyAllocator(Heap heap) {
        super("toy", heap);
    }

    @Override
    public ThreadSafety threadSafety() {
        return ThreadSafety.SINGLE_OWNER;
    }

    long size(long block) {
        return heap.getLong(block);
    }

    boolean allocated(long block) {
        return heap.getLong(block + 8) != 0;
    }

    void header(long block, long size, boolean allocated) {
        heap.putLong(block, size);
        heap.putLong(block + 8, allocated ? 1 : 0);
    }

    @Override
    protected long allocate(long size) {
        long asize = Math.max(32, alignUp(size + HEADER, 16));
        for (Map.Entry<Long, Long> e : freeBlocks.entrySet()) {
            if (e.getValue() >= asize) {
                long block = e.getKey();
                long rest = e.getValue() - asize;
                freeBlocks.remove(block);
                if (rest >= 32) {
                    header(block + asize, rest, false);
                    freeBlocks.put(block + asize, rest);
                } else {
                    asize = e.getValue();
                }
                header(block, asize, true);
                return block + HEADER;
            }
        }
        long block = heap.sbrk(asize);
        if (block < 0) {
            return 0;
        }
        header(block, asize, true);
        return block + HEADER;
    }

    @Override
    protected long allocateAligned(long alignment, long size) {
        // Over-allocate and keep the front gap as a free block when it is large enough.
        long padded = size + alignment + 32;
        long p = allocate(padded);
        if (p == 0) {
            return 0;
        }
        long block = p - HEADER;
        long total = size(block);
        long aligned = alignUp(p, alignment);
        while (aligned != p && aligned - p < 32) {
            aligned += alignment;
        }
        if (aligned != p) {
            long front = aligned - p;
            header(block, front, false);
            freeBlocks.put(block, front);
            header(block + front, total - front, true);
        }
        return aligned;
    }

    private long live(long address) {
        requirePayloadAddress(address, heap.start() + HEADER);
        long block = address - HEADER;
        if (freeBlocks.containsKey(block)) {
            throw new DoubleFreeException("toy: double free", address);
        }
        if (!allocated(block)) {
            throw new InvalidPointerException("toy: not a block", address);
        }
        return block;
    }

    @Override
    protected boolean resize(long address, long size) {
        long block = live(address);
        return Math.max(32, alignUp(size + HEADER, 16)) <= size(block);
    }

    @Override
    protected void deallocate(long address) {
        long block = live(address);
        long size = size(block);
        if (mergeOnFree) {
            Map.Entry<Long, Long> next = freeBlocks.ceilingEntry(block);
            if (next != null && next.getKey() == block + size) {
                freeBlocks.remove(next.getKey());
                size += next.getValue();
            }
            Map.Entry<Long, Long> prev = freeBlocks.floorEntry(block);
            if (prev != null && prev.getKey() + prev.getValue() == block) {
                freeBlocks.remove(prev.getKey());
                block = prev.getKey();
                size += prev.getValue();
            }
        }
        header(block, size, false);
        freeBlocks.put(block, size);
    }

    @Override
    protected long usable(long address) {
        return size(live(address)) - HEADER + usableSizeLie;
    }

    @Override
    public HeapWalk heapWalk() {
        return this;
    }

    @Override
    public Heap heap() {
        return heap;
    }

    @Override
    public void walkExtents(ExtentVisitor visitor) {
        if (walkThrows) {
            throw new IllegalStateException("toy walker broke");
        }
        for (long block = heap.start(); block < heap.brk(); ) {
            long size = size(block);
            if (!visitor.extent(allocated(block) ? ExtentKind.ALLOCATED : ExtentKind.FREE, block, size, block + HEADER, size - HEADER)) {
                return;
            }
            block += size;
        }
    }

    @Override
    public void walkFreeStructures(FreeEntryVisitor visitor) {
        do {
            for (Map.Entry<Long, Long> e : freeBlocks.entrySet()) {
                if (!visitor.entry(0, e.getKey(), e.getValue())) {
                    return;
                }
            }
        } while (freeListCycles && !freeBlocks.isEmpty());
        for (Map.Entry<Long, Long> e : extraEntries.entrySet()) {
            if (!visitor.entry(1, e.getKey(), e.getValue())) {
                return;
            }
        }
    }

    @Override
    public boolean coalescesImmediately() {
        return true;
    }
}
