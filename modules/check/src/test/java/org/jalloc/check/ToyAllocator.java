package org.jalloc.check;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.jalloc.core.spi.AbstractAllocator;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.core.walk.InvariantSink;

/**
 * A deliberately simple allocator for testing the checker itself, with switches that break it in every way the
 * checker must notice. Blocks have a 16-byte header {size, allocated}; free blocks are kept in a Java TreeMap (the
 * free structure, outside the heap) and merged with free neighbours on free. The free structure is walked in address
 * order, or most recently freed first ({@link #lifoFreeList}, like the LIFO lists of segregated-fit allocators).
 */
final class ToyAllocator extends AbstractAllocator implements HeapWalk {
    static final long HEADER = 16;
    /** The ID of the toy's own invariant (built, not a literal: TraceabilityTest rejects uncatalogued ID literals). */
    static final String OWN_ID = "TOY" + "-1";

    /** Free blocks: start to size. Tests edit it to break HEAP-3. */
    final TreeMap<Long, Long> freeBlocks = new TreeMap<>();
    /** Extra free-structure entries reported by the walk (start, size), to test duplicates and bogus entries. */
    final TreeMap<Long, Long> extraEntries = new TreeMap<>();
    boolean mergeOnFree = true;
    /** What {@link #coalescesImmediately()} promises (false: a deferred-coalescing allocator). */
    boolean promisesCoalescing = true;
    boolean walkThrows;
    /** The extent walk throws when it reaches the block starting here (-1: never). */
    long walkThrowsAt = -1;
    /** The extent walk silently leaves out the block starting here (-1: never), as a walker that skips a header. */
    long walkSkips = -1;
    /** The extent walk yields the block starting here twice (-1: never), as a walker that steps back. */
    long walkRepeats = -1;
    /** The extent walk stops, without an error, when it reaches the block starting here (-1: never). */
    long walkStopsAt = -1;
    /** Added to every payload address the walk reports (usable shrinks by as much, so the payload still ends at the block end). */
    long walkPayloadShift;
    /** Added to every usable size the walk reports. */
    long walkUsableLie;
    /** Added to the break to give {@link #walkEnd()}: a walk range that ends before (or after) the last block. */
    long walkEndShift;
    boolean freeWalkThrows;
    boolean freeListCycles;
    /** The free structure yields the most recently freed block first. */
    boolean lifoFreeList;
    /** The allocator's own check ({@link #checkInvariants}) reports {@link #OWN_ID} for the first block. */
    boolean ownCheckFails;
    boolean ownCheckThrows;
    long usableSizeLie;
    /** When each free block became free (a counter), for {@link #lifoFreeList}. */
    private final Map<Long, Long> freedAt = new HashMap<>();
    private long frees;

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
                    freedAt.put(block + asize, freedAt.getOrDefault(block, 0L));
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
            freedAt.put(block, ++frees);
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
        freedAt.put(block, ++frees);
    }

    @Override
    protected long usable(long address) {
        return size(live(address)) - HEADER + usableSizeLie;
    }

    @Override
    protected HeapWalk walk() {
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
            if (block == walkThrowsAt) {
                throw new IndexOutOfBoundsException("toy walker broke at " + block);
            }
            if (block == walkStopsAt) {
                return;
            }
            long size = size(block);
            ExtentKind kind = allocated(block) ? ExtentKind.ALLOCATED : ExtentKind.FREE;
            long payload = block + HEADER + walkPayloadShift;
            long usable = size - HEADER - walkPayloadShift + walkUsableLie;
            if (block != walkSkips && !visitor.extent(kind, block, size, payload, usable)) {
                return;
            }
            if (block == walkRepeats && !visitor.extent(kind, block, size, payload, usable)) {
                return;
            }
            block += size;
        }
    }

    @Override
    public long walkEnd() {
        return heap.brk() + walkEndShift;
    }

    @Override
    public void walkFreeStructures(FreeEntryVisitor visitor) {
        if (freeWalkThrows) {
            throw new IndexOutOfBoundsException("toy free list has a wild link");
        }
        List<Map.Entry<Long, Long>> list = new ArrayList<>(freeBlocks.entrySet());
        if (lifoFreeList) {
            list.sort(Comparator.comparing((Map.Entry<Long, Long> e) -> freedAt.getOrDefault(e.getKey(), 0L)).reversed());
        }
        do {
            for (Map.Entry<Long, Long> e : list) {
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
        return promisesCoalescing;
    }

    @Override
    public void checkInvariants(InvariantSink sink) {
        if (ownCheckThrows) {
            throw new IllegalStateException("toy check broke");
        }
        if (ownCheckFails) {
            sink.violation(OWN_ID, heap.start(), "the toy's own check failed", "what the toy promises", "something else");
        }
    }
}
