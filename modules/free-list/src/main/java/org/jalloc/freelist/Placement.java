package org.jalloc.freelist;

import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.InvariantSink;

/**
 * A placement policy: which of the candidates a {@link FreeIndex} enumerates serves a request. The policies differ
 * only here; splitting, coalescing and growing the heap are the engine's ({@link FreeListAllocator}).
 *
 * <ul>
 *   <li>{@link FirstFit}: the first candidate that fits. Over segregated lists (which enumerate from the request's
 *       size class upwards) this is {@code segregated}: first fit within the class, any block of a higher class.</li>
 *   <li>{@link NextFit}: first fit starting where the last search ended (the rover), wrapping around once.</li>
 *   <li>{@link BestFit}: the candidate leaving the fewest bytes over; an exact search that stops at a perfect fit.</li>
 * </ul>
 *
 * The engine tells a placement when a position disappears: {@link #unlinked} when a block leaves an explicit list,
 * {@link #absorbed} when a block is merged into another; only next fit keeps a position.
 */
abstract class Placement {
    final Blocks blocks;

    Placement(Blocks blocks) {
        this.blocks = blocks;
    }

    /** The chosen free block for {@code request}, or 0 when no candidate fits. */
    abstract long find(FreeIndex index, Request request);

    /** {@code block} left the index; a search would have gone on at {@code successor}. */
    void unlinked(long block, long successor) {}

    /** {@code block} was merged into the free block {@code into} and is no longer a block start. */
    void absorbed(long block, long into) {}

    /** An allocation took {@code taken} (found after {@code successor}) and split off {@code remainder} (or 0). */
    void placed(FreeIndex index, long taken, long remainder, long successor) {}

    /** The placement's own invariants. */
    void check(FreeIndex index, InvariantSink sink) {}

    /** First fit: the first candidate in the index's order that fits. */
    static final class FirstFit extends Placement {
        FirstFit(Blocks blocks) {
            super(blocks);
        }

        @Override
        long find(FreeIndex index, Request request) {
            long visited = 0;
            for (long block = index.first(request.asize); block != 0; block = index.next(block)) {
                blocks.requireProgress(++visited, block);
                if (request.slack(block) >= 0) {
                    return block;
                }
            }
            return 0;
        }
    }

    /** Best fit: every candidate is examined unless one fits exactly; ties go to the first one met. */
    static final class BestFit extends Placement {
        BestFit(Blocks blocks) {
            super(blocks);
        }

        @Override
        long find(FreeIndex index, Request request) {
            long best = 0;
            long bestSlack = Long.MAX_VALUE;
            long visited = 0;
            for (long block = index.first(request.asize); block != 0; block = index.next(block)) {
                blocks.requireProgress(++visited, block);
                long slack = request.slack(block);
                if (slack >= 0 && slack < bestSlack) {
                    best = block;
                    bestSlack = slack;
                    if (slack == 0) {
                        break;
                    }
                }
            }
            return best;
        }
    }

    /**
     * Next fit (Knuth's "roving pointer"): the search starts at the rover, runs to the end of the index's order and
     * wraps around to where it started. After an allocation the rover names the candidate after the block taken
     * (the split remainder where the organisation keeps it in place). The rover is a position of the index at all
     * times (FL-4): when its block leaves an explicit list it moves to the block's successor, when its block is
     * merged into a left neighbour it moves to the start of the merged block, so it never points into the middle of
     * a block.
     */
    static final class NextFit extends Placement {
        /** A block start (implicit list) or a member of the list (explicit), or 0: start at the beginning. */
        long rover;

        NextFit(Blocks blocks) {
            super(blocks);
        }

        @Override
        long find(FreeIndex index, Request request) {
            long start = index.resume(rover);
            if (start == 0) {
                start = index.first(request.asize);
            }
            long visited = 0;
            for (long block = start; block != 0; ) {
                blocks.requireProgress(++visited, block);
                if (request.slack(block) >= 0) {
                    return block;
                }
                block = index.next(block);
                if (block == 0) {
                    block = index.first(request.asize);
                }
                if (block == start) {
                    return 0;
                }
            }
            return 0;
        }

        @Override
        void unlinked(long block, long successor) {
            if (rover == block) {
                rover = successor;
            }
        }

        @Override
        void absorbed(long block, long into) {
            if (rover == block) {
                rover = into;
            }
        }

        @Override
        void placed(FreeIndex index, long taken, long remainder, long successor) {
            rover = index.resumeAfterTaking(taken, remainder, successor);
        }

        @Override
        @Enforces("FL-4")
        void check(FreeIndex index, InvariantSink sink) {
            if (rover != 0 && !index.isPosition(rover)) {
                sink.violation("FL-4", rover, "the next-fit rover is not a position of " + index.describe(0),
                        index.kind().equals("implicit") ? "0 or a block start" : "0 or a block of the free list", Blocks.hex(rover));
            }
        }
    }
}
