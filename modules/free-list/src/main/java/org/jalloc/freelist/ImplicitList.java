package org.jalloc.freelist;

import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.InvariantSink;

/**
 * The implicit free list: the blocks themselves, in address order, found by their sizes. Filing and unfiling cost
 * nothing (the allocated bit is the whole record); a search visits every block, allocated or free; the left
 * neighbour of a block is found by walking from the first block, O(blocks), because a header-only block cannot
 * name its predecessor.
 */
final class ImplicitList implements FreeIndex {
    private final Blocks blocks;
    private final Counters counters;

    ImplicitList(Blocks blocks, Counters counters) {
        this.blocks = blocks;
        this.counters = counters;
    }

    @Override
    public String kind() {
        return "implicit";
    }

    @Override
    public int tableWords() {
        return 0;
    }

    @Override
    public void format() {}

    @Override
    public void insert(long block) {}

    @Override
    public long remove(long block) {
        return block;
    }

    @Override
    public long first(long asize) {
        return freeFrom(blocks.firstBlock);
    }

    @Override
    public long next(long block) {
        return freeFrom(block + blocks.stepSize(block));
    }

    @Override
    public long resume(long position) {
        return position == 0 ? 0 : freeFrom(position);
    }

    @Override
    public long resumeAfterTaking(long taken, long remainder, long successor) {
        long after = taken + blocks.size(taken);
        return after < blocks.epilogue() ? after : 0;
    }

    /** The first free block at or after the block start {@code from}, or 0; one step per block visited. */
    private long freeFrom(long from) {
        long end = blocks.epilogue();
        for (long block = from; block < end; ) {
            counters.step();
            long h = blocks.header(block);
            if (!Blocks.isAllocated(h)) {
                return block;
            }
            block += blocks.stepSize(block, h);
        }
        return 0;
    }

    @Override
    public long freeBlockEndingAt(long end) {
        long prev = 0;
        for (long block = blocks.firstBlock; block < end; block += blocks.stepSize(block)) {
            prev = block;
            counters.leftNeighbourSteps++;
        }
        return prev != 0 && blocks.isFree(prev) && prev + blocks.size(prev) == end ? prev : 0;
    }

    @Override
    public boolean isPosition(long position) {
        long end = blocks.epilogue();
        long block = blocks.firstBlock;
        while (block < position && block < end) {
            long size = blocks.size(block);
            if (size <= 0) {
                return false;
            }
            block += size;
        }
        return block == position && block < end;
    }

    @Override
    public void walk(FreeEntryVisitor visitor) {
        long end = blocks.epilogue();
        for (long block = blocks.firstBlock; block < end; ) {
            long h = blocks.header(block);
            long size = Blocks.sizeOf(h);
            if (size <= 0 || (!Blocks.isAllocated(h) && !visitor.entry(0, block, size))) {
                return;
            }
            block += size;
        }
    }

    @Override
    public void check(InvariantSink sink) {}

    @Override
    public String describe(int list) {
        return "the implicit list";
    }

    @Override
    public String table() {
        return "";
    }
}
