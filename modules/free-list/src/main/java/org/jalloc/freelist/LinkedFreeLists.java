package org.jalloc.freelist;

import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.InvariantSink;

/**
 * Explicit free lists: doubly linked lists threaded through the free blocks (next at payload + 0, prev at payload
 * + 8), their heads and a bitmap of the non-empty lists in a table at the start of the heap. One list
 * ({@code list=lifo|address} of first/next/best fit) or one per size class ({@code segregated}, see
 * {@link SegregatedClasses}); each list is either LIFO (a freed block goes to the front) or address-ordered.
 *
 * <pre>
 *   heap start                                                 first block
 *   | head[0] | head[1] | ... | head[L-1] | non-empty bitmap | pad (0) | hdr | next | prev | ...
 *     L = 1 (one list) or 63 (size classes); bit c of the bitmap is set iff head[c] != 0
 * </pre>
 *
 * Costs (n = free blocks in the list or class): LIFO files a block in O(1); address order finds its place in O(n),
 * starting from a hint (the place of the last insert, removal or neighbour scan) when the hint lies before the block.
 * Unfiling is O(1) in both. The free left neighbour of a block is the list predecessor in address order (found by the
 * same scan that finds the place) but needs a scan of every list with LIFO: a header-only block cannot name it.
 */
final class LinkedFreeLists implements FreeIndex {
    private final Blocks blocks;
    private final Heap heap;
    private final Counters counters;
    private final long table;
    private final int lists;
    private final boolean addressOrdered;
    /** Address order only: a member to start an insertion scan from, or 0 (start at the head). */
    private long hint;

    /**
     * @param table          heap address of {@code head[0]}
     * @param lists          1 for a single list, {@link SegregatedClasses#COUNT} for segregated lists
     * @param addressOrdered keep each list sorted by address (else LIFO)
     */
    LinkedFreeLists(Blocks blocks, Counters counters, long table, int lists, boolean addressOrdered) {
        this.blocks = blocks;
        this.heap = blocks.heap;
        this.counters = counters;
        this.table = table;
        this.lists = lists;
        this.addressOrdered = addressOrdered;
    }

    @Override
    public String kind() {
        return addressOrdered ? "address" : "lifo";
    }

    @Override
    public int tableWords() {
        return lists + 1;
    }

    @Override
    public void format() {
        for (int c = 0; c <= lists; c++) {
            heap.putLong(table + 8L * c, 0);
        }
        hint = 0;
    }

    private int classOf(long size) {
        return lists == 1 ? 0 : SegregatedClasses.of(size);
    }

    private long head(int list) {
        return heap.getLong(table + 8L * list);
    }

    private void setHead(int list, long block) {
        heap.putLong(table + 8L * list, block);
    }

    private long bitmapAddress() {
        return table + 8L * lists;
    }

    private long bitmap() {
        return heap.getLong(bitmapAddress());
    }

    /** The head of the first non-empty list at or above {@code list}, or 0. */
    private long headFrom(int list) {
        if (list >= lists) {
            return 0;
        }
        long bits = bitmap() & (-1L << list);
        return bits == 0 ? 0 : head(Long.numberOfTrailingZeros(bits));
    }

    @Override
    public void insert(long block) {
        int list = classOf(blocks.size(block));
        if (!addressOrdered) {
            link(list, 0, head(list), block);
            return;
        }
        long p = hint != 0 && hint < block && classOf(blocks.size(hint)) == list ? hint : 0;
        long n = p == 0 ? head(list) : blocks.next(p);
        long visited = 0;
        while (n != 0 && n < block) {
            counters.insertSteps++;
            blocks.requireProgress(++visited, n);
            p = n;
            n = blocks.next(n);
        }
        link(list, p, n, block);
        hint = block;
    }

    /** Links {@code block} between {@code p} and {@code n} of list {@code list} (0 = the head, the end). */
    private void link(int list, long p, long n, long block) {
        blocks.setNext(block, n);
        blocks.setPrev(block, p);
        if (p == 0) {
            setHead(list, block);
            if (n == 0) {
                heap.putLong(bitmapAddress(), bitmap() | 1L << list);
            }
        } else {
            blocks.setNext(p, block);
        }
        if (n != 0) {
            blocks.setPrev(n, block);
        }
    }

    @Override
    public long remove(long block) {
        int list = classOf(blocks.size(block));
        long p = blocks.prev(block);
        long n = blocks.next(block);
        if (p == 0) {
            setHead(list, n);
            if (n == 0) {
                heap.putLong(bitmapAddress(), bitmap() & ~(1L << list));
            }
        } else {
            blocks.setNext(p, n);
        }
        if (n != 0) {
            blocks.setPrev(n, p);
        }
        if (hint == block) {
            hint = p;
        }
        return n != 0 ? n : headFrom(list + 1);
    }

    @Override
    public long first(long asize) {
        return counted(headFrom(classOf(asize)));
    }

    @Override
    public long next(long block) {
        long n = blocks.next(block);
        return counted(n != 0 || lists == 1 ? n : headFrom(classOf(blocks.size(block)) + 1));
    }

    private long counted(long node) {
        if (node != 0) {
            counters.step();
        }
        return node;
    }

    @Override
    public long resume(long position) {
        return counted(position);
    }

    @Override
    public long resumeAfterTaking(long taken, long remainder, long successor) {
        // An address-ordered remainder takes the place of the block it was split from, as in the implicit list.
        return addressOrdered && remainder != 0 ? remainder : successor;
    }

    @Override
    public long freeBlockEndingAt(long end) {
        long visited = 0;
        for (long bits = bitmap() & ((1L << lists) - 1); bits != 0; bits &= bits - 1) {
            long last = 0;
            for (long n = head(Long.numberOfTrailingZeros(bits)); n != 0 && (!addressOrdered || n < end); n = blocks.next(n)) {
                counters.leftNeighbourSteps++;
                blocks.requireProgress(++visited, n);
                if (!addressOrdered && n + blocks.size(n) == end) {
                    return n;
                }
                last = n;
            }
            if (addressOrdered && last != 0) {
                hint = last; // the place of a block at `end` in a single list: the next insert starts there
                if (last + blocks.size(last) == end) {
                    return last;
                }
            }
        }
        return 0;
    }

    @Override
    public boolean isPosition(long position) {
        long visited = 0;
        long max = blocks.maxBlocks();
        for (int list = 0; list < lists; list++) {
            for (long n = head(list); n != 0 && visited++ <= max; n = blocks.nextUnchecked(n)) {
                if (n == position) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public void walk(FreeEntryVisitor visitor) {
        for (int list = 0; list < lists; list++) {
            for (long n = head(list); n != 0; n = blocks.nextUnchecked(n)) {
                // A link out of the blocks is passed on unread: the checker names it (HEAP-3) and stops the walk.
                boolean inside = n >= blocks.firstBlock && n < blocks.epilogue();
                if (!visitor.entry(list, n, inside ? blocks.size(n) : 0) || !inside) {
                    return;
                }
            }
        }
    }

    @Override
    public void check(InvariantSink sink) {
        check(sink, false);
    }

    @Override
    public void check(InvariantSink sink, boolean entriesChecked) {
        checkBitmap(sink);
        if (entriesChecked) {
            return;
        }
        long budget = blocks.maxBlocks();
        for (int list = 0; list < lists && budget >= 0; list++) {
            budget = checkList(list, budget, sink);
        }
    }

    /**
     * {@link #walk} with {@link #checkList}'s FL-5..7 made on the way. Any link {@code checkList} would report as
     * leaving the blocks, or a list longer than its budget, makes the result false (and {@code checkList} judges).
     */
    @Enforces({"FL-5", "FL-6", "FL-7"})
    @Override
    public boolean walkChecked(FreeEntryVisitor visitor, InvariantSink sink) {
        long budget = blocks.maxBlocks();
        long end = blocks.epilogue();
        boolean complete = true;
        for (int list = 0; list < lists; list++) {
            long prev = 0;
            for (long n = head(list); n != 0; prev = n, n = blocks.nextUnchecked(n)) {
                boolean inside = n >= blocks.firstBlock && n < end;
                if (!visitor.entry(list, n, inside ? blocks.size(n) : 0) || !inside) {
                    return false; // walk's stops, exactly
                }
                if (complete && ((n & 15) != (blocks.firstBlock & 15) || --budget < 0)) {
                    complete = false;
                }
                if (complete) {
                    checkEntry(list, n, prev, sink);
                }
            }
        }
        return complete;
    }

    /** FL-5 (the prev link), FL-6 and FL-7 of the entry {@code n} of {@code list} after {@code prev}. */
    private void checkEntry(int list, long n, long prev, InvariantSink sink) {
        long back = blocks.prevUnchecked(n);
        if (back != prev) {
            sink.violation("FL-5", n + Blocks.PREV, describe(list) + ": prev link of " + Blocks.hex(n) + " does not name its predecessor",
                    prev == 0 ? "0 (the head)" : Blocks.hex(prev), Blocks.hex(back));
        }
        if (addressOrdered && prev != 0 && n <= prev) {
            sink.violation("FL-6", n, describe(list) + " is not in address order", "after " + Blocks.hex(prev), Blocks.hex(n));
        }
        long size = blocks.size(n);
        if (lists > 1 && (size < Blocks.MIN_BLOCK || classOf(size) != list)) {
            sink.violation("FL-7", n, "block of " + size + " bytes in the wrong size class", describe(list),
                    size < Blocks.MIN_BLOCK ? "no class" : describe(classOf(size)));
        }
    }

    @Enforces("FL-8")
    private void checkBitmap(InvariantSink sink) {
        long bits = bitmap();
        for (int list = 0; list < 64; list++) {
            boolean set = (bits >>> list & 1) != 0;
            boolean nonEmpty = list < lists && head(list) != 0;
            if (set != nonEmpty) {
                sink.violation("FL-8", bitmapAddress(), "non-empty bitmap disagrees with " + (list < lists ? describe(list) : "bit " + list),
                        "bit " + list + (nonEmpty ? " set (head " + Blocks.hex(head(list)) + ")" : " clear (no such list or empty)"),
                        "bit " + list + (set ? " set" : " clear"));
            }
        }
    }

    /** Follows one list; returns the node budget left (negative once a list was found not to end). */
    @Enforces({"FL-5", "FL-6", "FL-7"})
    private long checkList(int list, long budget, InvariantSink sink) {
        long prev = 0;
        long end = blocks.epilogue();
        for (long n = head(list); n != 0; prev = n, n = blocks.nextUnchecked(n)) {
            if (n < blocks.firstBlock || n >= end || (n & 15) != (blocks.firstBlock & 15)) {
                sink.violation("FL-5", prev == 0 ? table + 8L * list : prev + Blocks.NEXT, describe(list) + " links outside the blocks",
                        "a block start in [" + Blocks.hex(blocks.firstBlock) + ", " + Blocks.hex(end) + ")", Blocks.hex(n));
                return budget;
            }
            if (--budget < 0) {
                sink.violation("FL-5", n, describe(list) + " does not end (a cycle)", "at most " + blocks.maxBlocks() + " nodes", "more");
                return budget;
            }
            checkEntry(list, n, prev, sink);
        }
        return budget;
    }

    @Override
    public String describe(int list) {
        String order = addressOrdered ? "address-ordered" : "LIFO";
        return lists == 1 ? "the " + order + " free list" : "segregated " + order + " list " + SegregatedClasses.describe(list);
    }

    @Override
    public String table() {
        if (lists == 1) {
            return "";
        }
        StringBuilder sb = new StringBuilder(String.format("  %-5s %-22s %8s %12s%n", "class", "block sizes", "blocks", "bytes"));
        long max = blocks.maxBlocks();
        for (int list = 0; list < lists; list++) {
            long count = 0;
            long bytes = 0;
            for (long n = head(list); n != 0 && count <= max; n = blocks.nextUnchecked(n)) {
                count++;
                bytes += blocks.size(n);
            }
            if (count > 0) {
                String range = SegregatedClasses.describe(list);
                sb.append(String.format("  %-5d %-22s %8d %12d%n", list, range.substring(range.indexOf('[')), count, bytes));
            }
        }
        return sb.toString();
    }
}
