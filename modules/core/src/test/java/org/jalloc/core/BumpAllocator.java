package org.jalloc.core;

import java.util.Map;
import java.util.TreeMap;

import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.HeapWalk;

/**
 * The smallest allocator core's tests need: a bump pointer that never reuses memory, with an exact table of every
 * block it handed out (outside the heap), so misuse is detected exactly ({@link DoubleFreeException} for a block freed
 * already, {@link InvalidPointerException} for anything else). Allocator modules are tested through testkit.
 */
final class BumpAllocator extends AbstractAllocator {
    /** Block start to {usable size, 1 if live else 0}. */
    private final TreeMap<Long, long[]> blocks = new TreeMap<>();

    BumpAllocator(Heap heap) {
        super("bump", heap);
    }

    @Override
    public ThreadSafety threadSafety() {
        return ThreadSafety.SINGLE_OWNER;
    }

    @Override
    protected long allocate(long size) {
        return allocateAligned(MIN_ALIGNMENT, size);
    }

    @Override
    protected long allocateAligned(long alignment, long size) {
        long usable = alignUp(Math.max(size, MIN_ALIGNMENT), MIN_ALIGNMENT);
        long start = alignUp(heap.brk(), alignment);
        if (heap.sbrk(start + usable - heap.brk()) < 0) {
            return 0;
        }
        blocks.put(start, new long[] {usable, 1});
        return start;
    }

    private long[] live(long address) {
        long[] b = blocks.get(address);
        if (b == null) {
            throw new InvalidPointerException("bump: " + address + " is no block start", address);
        }
        if (b[1] == 0) {
            throw new DoubleFreeException("bump: " + address + " was freed already", address);
        }
        return b;
    }

    @Override
    protected boolean resize(long address, long size) {
        return size <= live(address)[0];
    }

    @Override
    protected void deallocate(long address) {
        live(address)[1] = 0;
    }

    @Override
    protected long usable(long address) {
        return live(address)[0];
    }

    /** Live blocks right now. */
    int liveBlocks() {
        return (int) blocks.values().stream().filter(b -> b[1] == 1).count();
    }

    @Override
    public HeapWalk heapWalk() {
        return new HeapWalk() {
            @Override
            public Heap heap() {
                return heap;
            }

            @Override
            public void walkExtents(ExtentVisitor visitor) {
                long at = heap.start();
                for (Map.Entry<Long, long[]> e : blocks.entrySet()) {
                    if (e.getKey() > at && !visitor.extent(ExtentKind.PADDING, at, e.getKey() - at, 0, 0)) {
                        return;
                    }
                    long[] b = e.getValue();
                    if (!visitor.extent(b[1] == 1 ? ExtentKind.ALLOCATED : ExtentKind.FREE, e.getKey(), b[0], e.getKey(), b[1] == 1 ? b[0] : 0)) {
                        return;
                    }
                    at = e.getKey() + b[0];
                }
            }

            @Override
            public void walkFreeStructures(FreeEntryVisitor visitor) {
                blocks.forEach((start, b) -> {
                    if (b[1] == 0) {
                        visitor.entry(0, start, b[0]);
                    }
                });
            }

            @Override
            public boolean coalescesImmediately() {
                return false;
            }
        };
    }
}
