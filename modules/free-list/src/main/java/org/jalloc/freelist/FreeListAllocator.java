package org.jalloc.freelist;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jalloc.core.AbstractAllocator;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.StatsSection;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.core.walk.InvariantSink;

/**
 * The implicit free list (CS:APP 9.9): every block carries one header word, and the free blocks are found by
 * walking all blocks by their sizes. First-fit placement, splitting with a minimum block, coalescing either
 * immediately on free or deferred until a search fails.
 *
 * <h2>Nouns</h2>
 * <b>block</b>: header plus payload, a multiple of 16 bytes, at least {@link #MIN_BLOCK}. <b>header</b>: the 8-byte
 * word before the payload. <b>payload</b>: what {@code malloc} returns, 16-byte aligned. <b>epilogue</b>: a
 * zero-size allocated header at {@code brk - 8} that ends every walk.
 *
 * <h2>Heap layout</h2>
 * <pre>
 *  start        start+8                                            brk-8     brk
 *  |  pad (0)   | hdr | payload ...     | hdr | payload ...  | ... | 0 | 1   |
 *  +------------+-----+-----------------+-----+--------------+-----+---------+
 *   PADDING       first block (header at 16k+8, payload at 16k)       epilogue
 * </pre>
 *
 * <h2>Header word</h2>
 * <pre>
 *   63                                        4   3   2   1   0
 *  +--------------------------------------------+---+---+---+---+
 *  |        block size (multiple of 16)         | 0 | 0 | 0 | a |    a = allocated
 *  +--------------------------------------------+---+---+---+---+
 *  usable size = block size - 8;  smallest block 32 (16 usable bytes needed, rounded to 24)
 * </pre>
 *
 * <h2>Invariants (spec/invariants.md)</h2>
 * <ul>
 *   <li>HEAP-1: {@code 8 + sum(block sizes) + 8 == brk - start} (pad, blocks, epilogue tile the heap).</li>
 *   <li>HEAP-4 (immediate coalescing only): no two free blocks are adjacent.</li>
 *   <li>FL-1: {@code header(brk - 8) == 0 | 1} and the pad word is 0.</li>
 *   <li>FL-2: every header has flag bits 1..3 clear and a size {@code % 16 == 0}, {@code >= 32}.</li>
 *   <li>FL-3: {@code lastBlock + size(lastBlock) == brk - 8} (or no blocks and {@code lastBlock == 0}).</li>
 * </ul>
 *
 * <h2>Algorithms</h2>
 * <ol>
 *   <li>malloc(n): asize = max(32, roundup16(n + 8)); walk from the first block to the first free block of at
 *       least asize (deferred: on failure coalesce the whole heap and walk again); if none, grow the heap by asize,
 *       less the size of a free last block, which the new space extends; split when the rest is at least 32.</li>
 *   <li>free(p): clear the allocated bit; immediate: merge with a free right neighbour (O(1)) and a free left
 *       neighbour, found by walking from the first block (O(n): a header-only block cannot name its left
 *       neighbour; this is the cost boundary tags remove).</li>
 *   <li>tryExpand/realloc in place: shrink by splitting off the tail; grow into the run of free blocks to the
 *       right, or, for the last block, by moving the break.</li>
 *   <li>alignedAlloc(a, n): first fit on free blocks where an a-aligned payload fits after a front gap that is
 *       either 0 or a whole free block (at least 32 bytes).</li>
 * </ol>
 *
 * <h2>Misuse detected in O(1)</h2>
 * Addresses that are not 16-aligned or lie outside the heap; a header whose flag bits or size are impossible; a
 * block whose allocated bit is clear (double free while the freed header survives). An address inside a live
 * payload whose bytes happen to look like an allocated header is not detected outside checked mode.
 *
 * <p>Thread safety: {@link ThreadSafety#SINGLE_OWNER}.
 */
public final class FreeListAllocator extends AbstractAllocator {
    /** When free blocks are merged with their free neighbours. */
    public enum Coalescing {
        /** On every free: no two free blocks are ever adjacent. */
        IMMEDIATE,
        /** Only when a search fails, over the whole heap, before the heap grows. */
        DEFERRED
    }

    static final long HEADER = 8;
    static final long MIN_BLOCK = 32;
    static final long ALLOCATED_BIT = 1;
    static final long FLAG_MASK = 15;
    private static final long EPILOGUE = ALLOCATED_BIT;

    private final Coalescing coalescing;
    private final long firstBlock;
    /** Header address of the block that ends at the epilogue; 0 while the heap has no block. */
    long lastBlock;

    private long allocations;
    private long searchSteps;
    private long maxSearchSteps;
    private long splits;
    private long coalesces;
    private long leftNeighbourSteps;

    private final Walk walk = new Walk();

    /**
     * An implicit-list first-fit allocator over {@code heap}, which it owns from now on.
     *
     * @param name the name it reports (e.g. {@code first-fit:coalesce=deferred})
     */
    public FreeListAllocator(Heap heap, Coalescing coalescing, String name) {
        super(name, heap);
        this.coalescing = coalescing;
        long start = heap.sbrk(2 * HEADER);
        if (start < 0) {
            throw new IllegalArgumentException("heap too small for the free-list sentinels: " + heap);
        }
        heap.putLong(start, 0);
        heap.putLong(start + HEADER, EPILOGUE);
        this.firstBlock = start + HEADER;
    }

    /** First fit with immediate coalescing over a new heap of {@code heapBytes}. */
    public static FreeListAllocator firstFit(long heapBytes) {
        return new FreeListAllocator(Heap.reserve(heapBytes), Coalescing.IMMEDIATE, "first-fit");
    }

    @Override
    public ThreadSafety threadSafety() {
        return ThreadSafety.SINGLE_OWNER;
    }

    // ---------------------------------------------------------------- block header

    private long header(long block) {
        return heap.getLong(block);
    }

    /** The size of the block at {@code block} as a walk step; a size that cannot advance the walk is corruption. */
    private long stepSize(long block) {
        long size = sizeOf(header(block));
        if (size < MIN_BLOCK) {
            throw new HeapCorruptionException(name() + ": block at " + hex(block) + " has size " + size
                    + " (a write past the end of a block?)", block);
        }
        return size;
    }

    private static long sizeOf(long header) {
        return header & ~FLAG_MASK;
    }

    private static boolean isAllocated(long header) {
        return (header & ALLOCATED_BIT) != 0;
    }

    private void setHeader(long block, long size, boolean allocated) {
        heap.putLong(block, size | (allocated ? ALLOCATED_BIT : 0));
    }

    private long epilogue() {
        return heap.brk() - HEADER;
    }

    private static long blockSizeFor(long size) {
        return Math.max(MIN_BLOCK, alignUp(size + HEADER, MIN_ALIGNMENT));
    }

    /** The header of the live block whose payload is {@code address}, screened in O(1). */
    private long liveBlock(long address) {
        requirePayloadAddress(address, firstBlock + HEADER);
        long block = address - HEADER;
        long h = header(block);
        long size = sizeOf(h);
        boolean plausible = (h & (FLAG_MASK & ~ALLOCATED_BIT)) == 0 && size >= MIN_BLOCK && (size & 15) == 0
                && size <= epilogue() - block;
        if (!plausible) {
            throw new InvalidPointerException(name() + ": " + hex(address) + " is not a block start (header "
                    + Long.toHexString(h) + " is not a valid header)", address);
        }
        if (!isAllocated(h)) {
            throw new DoubleFreeException(name() + ": block " + hex(address) + " is not allocated (double free?)", address);
        }
        return block;
    }

    private static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }

    // ---------------------------------------------------------------- engine

    @Override
    protected long allocate(long size) {
        long asize = blockSizeFor(size);
        long block = findFit(asize);
        if (block == 0 && coalescing == Coalescing.DEFERRED) {
            coalesceAll();
            block = findFit(asize);
        }
        if (block == 0) {
            block = extend(asize);
            if (block == 0) {
                return 0;
            }
        }
        place(block, asize);
        allocations++;
        return block + HEADER;
    }

    @Override
    protected long allocateAligned(long alignment, long size) {
        long asize = blockSizeFor(size);
        long block = findAlignedFit(alignment, asize);
        if (block == 0 && coalescing == Coalescing.DEFERRED) {
            coalesceAll();
            block = findAlignedFit(alignment, asize);
        }
        if (block == 0) {
            if (asize > Long.MAX_VALUE / 2 - alignment || extend(asize + alignment + MIN_BLOCK) == 0) {
                return 0;
            }
            block = findAlignedFit(alignment, asize);
            if (block == 0) {
                return 0;
            }
        }
        place(block, asize);
        allocations++;
        return block + HEADER;
    }

    /** First free block of at least {@code asize} bytes, or 0. */
    private long findFit(long asize) {
        long steps = 0;
        long end = epilogue();
        for (long block = firstBlock; block < end; ) {
            long h = header(block);
            long size = stepSize(block);
            steps++;
            if (!isAllocated(h) && size >= asize) {
                countSearch(steps);
                return block;
            }
            block += size;
        }
        countSearch(steps);
        return 0;
    }

    /**
     * First free block holding an {@code alignment}-aligned payload of {@code asize - 8} bytes; splits the front
     * gap off as a free block and returns the block that now starts at the aligned payload, or 0.
     */
    private long findAlignedFit(long alignment, long asize) {
        long steps = 0;
        long end = epilogue();
        for (long block = firstBlock; block < end; ) {
            long h = header(block);
            long size = stepSize(block);
            steps++;
            if (!isAllocated(h)) {
                long payload = block + HEADER;
                long aligned = alignUp(payload, alignment);
                if (aligned != payload && aligned - payload < MIN_BLOCK) {
                    aligned += alignment;
                }
                if (aligned - HEADER + asize <= block + size) {
                    countSearch(steps);
                    if (aligned == payload) {
                        return block;
                    }
                    long rest = aligned - HEADER;
                    setHeader(block, rest - block, false);
                    setHeader(rest, block + size - rest, false);
                    splits++;
                    if (lastBlock == block) {
                        lastBlock = rest;
                    }
                    return rest;
                }
            }
            block += size;
        }
        countSearch(steps);
        return 0;
    }

    private void countSearch(long steps) {
        searchSteps += steps;
        maxSearchSteps = Math.max(maxSearchSteps, steps);
    }

    /** Marks {@code block} allocated with {@code asize} bytes, splitting off a free rest of at least 32 bytes. */
    private void place(long block, long asize) {
        long size = sizeOf(header(block));
        if (size - asize >= MIN_BLOCK) {
            setHeader(block, asize, true);
            long rest = block + asize;
            setHeader(rest, size - asize, false);
            splits++;
            if (lastBlock == block) {
                lastBlock = rest;
            }
        } else {
            setHeader(block, size, true);
        }
    }

    /**
     * Grows the heap so the last block is a free block of at least {@code asize} bytes (extending a free last
     * block by the difference); returns that block or 0 when the heap is full.
     */
    private long extend(long asize) {
        long last = lastBlock;
        boolean lastFree = last != 0 && !isAllocated(header(last));
        long need = lastFree ? asize - sizeOf(header(last)) : asize;
        long oldBrk = heap.sbrk(need);
        if (oldBrk < 0) {
            return 0;
        }
        long block = oldBrk - HEADER; // the old epilogue becomes the new block's header
        heap.putLong(heap.brk() - HEADER, EPILOGUE);
        if (lastFree) {
            setHeader(last, sizeOf(header(last)) + need, false);
            block = last;
        } else {
            setHeader(block, need, false);
        }
        lastBlock = block;
        return block;
    }

    @Override
    protected void deallocate(long address) {
        long block = liveBlock(address);
        setHeader(block, sizeOf(header(block)), false);
        if (coalescing == Coalescing.IMMEDIATE) {
            coalesce(block);
        }
    }

    /** Merges the free {@code block} with a free right neighbour; returns the merged size. */
    private long mergeRight(long block) {
        long size = sizeOf(header(block));
        long next = block + size;
        if (next < epilogue() && !isAllocated(header(next))) {
            size += sizeOf(header(next));
            coalesces++;
            if (lastBlock == next) {
                lastBlock = block;
            }
            setHeader(block, size, false);
        }
        return size;
    }

    /** Merges the free {@code block} with a free right and a free left neighbour. */
    private void coalesce(long block) {
        long size = mergeRight(block);
        long prev = leftNeighbour(block);
        if (prev != 0 && !isAllocated(header(prev))) {
            size += sizeOf(header(prev));
            coalesces++;
            if (lastBlock == block) {
                lastBlock = prev;
            }
            block = prev;
        }
        setHeader(block, size, false);
    }

    /** The block before {@code block}, found by walking from the first block (0 for the first block). */
    private long leftNeighbour(long block) {
        long prev = 0;
        for (long b = firstBlock; b < block; b += stepSize(b)) {
            prev = b;
            leftNeighbourSteps++;
        }
        return prev;
    }

    /** Deferred coalescing: merges every run of adjacent free blocks. */
    private void coalesceAll() {
        long end = epilogue();
        for (long block = firstBlock; block < end; ) {
            long h = header(block);
            long size = stepSize(block);
            if (!isAllocated(h)) {
                long next = block + size;
                while (next < end && !isAllocated(header(next))) {
                    if (lastBlock == next) {
                        lastBlock = block;
                    }
                    size += stepSize(next);
                    next = block + size;
                    coalesces++;
                }
                setHeader(block, size, false);
            }
            block += size;
        }
    }

    @Override
    protected boolean resize(long address, long size) {
        long block = liveBlock(address);
        long current = sizeOf(header(block));
        long asize = blockSizeFor(size);
        if (asize <= current) {
            if (current - asize >= MIN_BLOCK) {
                setHeader(block, asize, true);
                long rest = block + asize;
                setHeader(rest, current - asize, false);
                splits++;
                if (lastBlock == block) {
                    lastBlock = rest;
                }
                if (coalescing == Coalescing.IMMEDIATE) {
                    mergeRight(rest); // its left neighbour is the block itself, allocated
                }
            }
            return true;
        }
        // Grow into the run of free blocks on the right.
        long end = epilogue();
        long runEnd = block + current;
        int absorbed = 0;
        while (runEnd < end && !isAllocated(header(runEnd)) && runEnd - block < asize) {
            runEnd += stepSize(runEnd);
            absorbed++;
        }
        if (runEnd - block >= asize) {
            if (lastBlock > block && lastBlock < runEnd) {
                lastBlock = block;
            }
            coalesces += absorbed;
            setHeader(block, runEnd - block, true);
            place(block, asize);
            return true;
        }
        if (runEnd != end) {
            return false;
        }
        // The block (with its free run) is last: move the break.
        long oldBrk = heap.sbrk(asize - (runEnd - block));
        if (oldBrk < 0) {
            return false;
        }
        coalesces += absorbed;
        setHeader(block, asize, true);
        heap.putLong(heap.brk() - HEADER, EPILOGUE);
        lastBlock = block;
        return true;
    }

    @Override
    protected long usable(long address) {
        return sizeOf(header(liveBlock(address))) - HEADER;
    }

    @Override
    protected List<StatsSection> statsSections() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("placement", "first-fit");
        v.put("list", "implicit");
        v.put("coalescing", coalescing.name().toLowerCase(java.util.Locale.ROOT));
        v.put("allocations", allocations);
        v.put("searchStepsMean", allocations == 0 ? 0.0 : (double) searchSteps / allocations);
        v.put("searchStepsMax", maxSearchSteps);
        v.put("splits", splits);
        v.put("coalesces", coalesces);
        v.put("leftNeighbourSteps", leftNeighbourSteps);
        return List.of(new StatsSection("free-list", v));
    }

    @Override
    public HeapWalk heapWalk() {
        return walk;
    }

    // ---------------------------------------------------------------- checker SPI

    /** The block walk: pad, blocks by header size, epilogue; the free structure is the block list itself. */
    private final class Walk implements HeapWalk {
        @Override
        public Heap heap() {
            return heap;
        }

        @Override
        public void walkExtents(ExtentVisitor visitor) {
            long end = epilogue();
            if (!visitor.extent(ExtentKind.PADDING, firstBlock - HEADER, HEADER, 0, 0)) {
                return;
            }
            long block = firstBlock;
            while (block < end) {
                long h = header(block);
                long size = sizeOf(h);
                if (!visitor.extent(isAllocated(h) ? ExtentKind.ALLOCATED : ExtentKind.FREE, block, size, block + HEADER, size - HEADER)) {
                    return;
                }
                block += size;
            }
            if (block == end) {
                visitor.extent(ExtentKind.METADATA, end, HEADER, 0, 0);
            }
        }

        @Override
        public void walkFreeStructures(FreeEntryVisitor visitor) {
            long end = epilogue();
            for (long block = firstBlock; block < end; ) {
                long h = header(block);
                long size = sizeOf(h);
                if (size <= 0 || (!isAllocated(h) && !visitor.entry(0, block, size))) {
                    return;
                }
                block += size;
            }
        }

        @Override
        public boolean coalescesImmediately() {
            return coalescing == Coalescing.IMMEDIATE;
        }

        @Override
        public String describeList(int list) {
            return "the implicit list";
        }

        @Override
        public void checkInvariants(InvariantSink sink) {
            checkSentinels(sink);
            checkHeaders(sink);
        }

        @Enforces("FL-1")
        private void checkSentinels(InvariantSink sink) {
            long pad = heap.getLong(firstBlock - HEADER);
            if (pad != 0) {
                sink.violation("FL-1", firstBlock - HEADER, "pad word before the first block changed", "0", Long.toHexString(pad));
            }
            long e = heap.getLong(epilogue());
            if (e != EPILOGUE) {
                sink.violation("FL-1", epilogue(), "epilogue header at brk - 8 changed", "size 0, allocated (0x1)", "0x" + Long.toHexString(e));
            }
        }

        @Enforces({"FL-2", "FL-3"})
        private void checkHeaders(InvariantSink sink) {
            long end = epilogue();
            long block = firstBlock;
            long last = 0;
            while (block < end) {
                long h = header(block);
                long size = sizeOf(h);
                if ((h & (FLAG_MASK & ~ALLOCATED_BIT)) != 0 || (size & 15) != 0 || size < MIN_BLOCK) {
                    sink.violation("FL-2", block, "malformed header", "flag bits 1..3 clear, size % 16 == 0, size >= 32",
                            "0x" + Long.toHexString(h));
                }
                if (size <= 0 || size > end - block) {
                    return; // the walk cannot go on; HEAP-1 reports it
                }
                last = block;
                block += size;
            }
            if (block == end && last != lastBlock) {
                sink.violation("FL-3", lastBlock, "last-block pointer does not name the block before the epilogue",
                        hex(last), hex(lastBlock));
            }
        }
    }
}
