package org.jalloc.freelist;

import static org.jalloc.freelist.Blocks.EPILOGUE;
import static org.jalloc.freelist.Blocks.hex;

import java.util.List;
import java.util.Locale;

import org.jalloc.core.spi.AbstractAllocator;
import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.SecureLinks;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.FreeEntryVisitor;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.core.walk.InvariantSink;

/**
 * The free-list allocators of CS:APP 9.9 and Wilson et al.'s survey, as one engine with three choices: how a free
 * block is found (the {@link Policy placement}: first fit, next fit, best fit, segregated fits), how the free blocks
 * are organised (the {@link ListKind list}: implicit, explicit LIFO, explicit address-ordered; size-class lists for
 * segregated fits) and when free neighbours merge ({@link Coalescing}: immediately, or when a search fails).
 *
 * <h2>Nouns</h2>
 * <b>block</b>: header plus payload, a multiple of 16 bytes, at least 32. <b>header</b>: the 8-byte word before the
 * payload. <b>payload</b>: what {@code malloc} returns, 16-byte aligned. <b>epilogue</b>: a zero-size allocated
 * header at {@code brk - 8} that ends every walk. <b>free index</b> ({@link FreeIndex}): where free blocks are
 * filed and enumerated: the block list itself ({@link ImplicitList}) or doubly linked lists through the free blocks
 * ({@link LinkedFreeLists}), whose heads sit in the <b>head table</b> at the start of the heap. <b>placement</b>
 * ({@link Placement}): which enumerated candidate serves a request. <b>rover</b>: next fit's position.
 * <b>size class</b> ({@link SegregatedClasses}): the range of block sizes one segregated list holds.
 *
 * <h2>Heap layout</h2>
 * <pre>
 *  start                                   start+8T     start+8T+8
 *  | head table (T words; none if implicit) | pad (0)   | hdr | payload ... | hdr | payload ... | ... | 0 | 1 |
 *  +----------------------------------------+-----------+-------------------+-------------------+-----+-------+
 *   METADATA                                  PADDING     first block (header at 16k+8, payload at 16k)  epilogue
 *
 *  head table: T = L + 1 words: head[0 .. L-1], then the non-empty bitmap (bit c set iff head[c] != 0);
 *              L = 1 for list=lifo|address, L = 63 size classes for segregated; T = 0 for the implicit list
 * </pre>
 *
 * <h2>Header word and free block</h2>
 * <pre>
 *   63                                        4   3   2   1   0
 *  +--------------------------------------------+---+---+---+---+
 *  |        block size (multiple of 16)         | 0 | 0 | 0 | a |    a = allocated
 *  +--------------------------------------------+---+---+---+---+
 *  usable size = block size - 8;  smallest block 32 (16 usable bytes needed, rounded to 24)
 *
 *  free block in an explicit list:  | header | next | prev | ... (unused) |      next, prev: heap addresses, 0 = none
 *                                    block    +8     +16                         (the smallest block holds both)
 * </pre>
 *
 * <h2>Invariants (spec/invariants.md)</h2>
 * <ul>
 *   <li>HEAP-1: {@code 8T + 8 + sum(block sizes) + 8 == brk - start} (table, pad, blocks, epilogue tile the heap).</li>
 *   <li>HEAP-3: the free index holds exactly the free blocks, each once (explicit lists: a lost link loses a block).</li>
 *   <li>HEAP-4 (immediate coalescing only): no two free blocks are adjacent.</li>
 *   <li>FL-1: {@code header(brk - 8) == 0 | 1} and the pad word is 0.</li>
 *   <li>FL-2: every header has flag bits 1..3 clear and a size {@code % 16 == 0}, {@code >= 32}.</li>
 *   <li>FL-3: {@code lastBlock + size(lastBlock) == brk - 8} (or no blocks and {@code lastBlock == 0}).</li>
 *   <li>FL-4 (next fit): {@code rover == 0 ∨ rover ∈ positions}: a block start (implicit) or a list member (explicit).</li>
 *   <li>FL-5 (explicit): {@code prev(head[c]) == 0 ∧ ∀ n: prev(next(n)) == n}, links name block starts, no cycles.</li>
 *   <li>FL-6 (address order): {@code ∀ n: next(n) == 0 ∨ n < next(n)}.</li>
 *   <li>FL-7 (segregated): {@code ∀ n ∈ list c: class(size(n)) == c}.</li>
 *   <li>FL-8 (explicit): {@code bit c of the bitmap == (head[c] != 0)}.</li>
 *   <li>FL-9 (deferred): {@code ¬mayHaveAdjacentFree ⇒} no two free blocks are adjacent (the pass may be skipped).</li>
 * </ul>
 *
 * <h2>Algorithms</h2>
 * <ol>
 *   <li>malloc(n): asize = max(32, roundup16(n + 8)); the placement picks a candidate from the index; if none
 *       fits, deferred coalescing may run a pass (step 3) and search again; if still none, grow the heap by asize,
 *       less the size of a free last block, which the new space extends; unfile the block and split it when the
 *       rest is at least 32 (the rest is filed). Next fit then moves its rover past the block it took.</li>
 *   <li>free(p): clear the allocated bit. Immediate: merge with a free right neighbour (its header is at
 *       {@code p - 8 + size}, O(1)) and a free left neighbour found by {@link FreeIndex#freeBlockEndingAt}, then
 *       file the merged block. Deferred: file the block.</li>
 *   <li>coalesce pass (deferred): walk all blocks; unfile each run of adjacent free blocks and file it merged. A
 *       pass visits every block, so it runs after a failed search only when it may merge something
 *       ({@code mayHaveAdjacentFree}) and at least one free per {@link #PASS_RATIO} blocks happened since the last
 *       pass (O(PASS_RATIO) header reads per free, amortized) — and always before an allocation gives up.</li>
 *   <li>tryExpand/realloc in place: shrink by splitting off the tail (immediate: merged with a free right
 *       neighbour); grow into the run of free blocks to the right, or, for the last block, by moving the break.</li>
 *   <li>alignedAlloc(a, n): the placement's search over blocks where an a-aligned payload fits after a front gap
 *       that is either 0 or a whole free block (at least 32 bytes), which stays filed; a grown heap adds
 *       {@code asize + a + 32} so any gap fits.</li>
 *   <li>Positions that disappear: when a block leaves an explicit list next fit's rover moves to its successor;
 *       when a block is merged into its left neighbour the rover (implicit) moves to the merged block's start.</li>
 * </ol>
 *
 * <h2>Costs of the organisations (B = blocks, F = free blocks, C = free blocks in one class)</h2>
 * <pre>
 *                     search visits       file on free        free left neighbour (immediate)
 *   implicit          B (every block)     O(1): the bit       walk from the first block, O(B)
 *   lifo              F                   O(1): push          scan the list, O(F)
 *   address           F                   O(F) to its place   the list predecessor: the same scan, one compare
 *   segregated lifo   C + class hops      O(1): push          scan every list, O(F)
 * </pre>
 * A header-only block cannot name its left neighbour; boundary tags (footers) remove that cost and are another
 * module's subject. Address-ordered first fit chooses exactly the blocks implicit first fit chooses (and best fit the
 * same in both; aligned requests aside, as the head table shifts addresses); the organisations differ in cost. With
 * deferred coalescing no left neighbour is ever looked for.
 *
 * <h2>Misuse detected in O(1)</h2>
 * Addresses that are not 16-aligned or lie outside the blocks (the head table included); a header whose flag bits
 * or size are impossible; a block whose allocated bit is clear (double free while the freed header survives). An
 * address inside a live payload whose bytes happen to look like an allocated header is not detected outside checked
 * mode. Misuse throws before anything is written.
 *
 * <p>Thread safety: {@link ThreadSafety#SINGLE_OWNER}.
 */
public final class FreeListAllocator extends AbstractAllocator {
    /** Which free block serves a request. */
    public enum Policy {
        /** The first block that fits, in the list's order. */
        FIRST_FIT("first-fit"),
        /** First fit from where the last search ended (a roving pointer), wrapping around. */
        NEXT_FIT("next-fit"),
        /** The block that leaves the least over; stops early on a perfect fit. */
        BEST_FIT("best-fit"),
        /** Size-class lists: first fit within the request's class (an approximate best fit), else any larger class. */
        SEGREGATED("segregated");

        private final String specName;

        Policy(String specName) {
            this.specName = specName;
        }

        /** The allocator name, e.g. {@code first-fit}. */
        public String specName() {
            return specName;
        }
    }

    /** How the free blocks are organised (for {@link Policy#SEGREGATED}: the order within each class list). */
    public enum ListKind {
        /** No list: the blocks themselves, walked by their sizes. */
        IMPLICIT,
        /** An explicit doubly linked list; a freed block goes to the front. */
        LIFO,
        /** An explicit doubly linked list sorted by address. */
        ADDRESS;

        /** The spelling of the {@code list} option. */
        public String optionValue() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** When free blocks are merged with their free neighbours. */
    public enum Coalescing {
        /** On every free: no two free blocks are ever adjacent. */
        IMMEDIATE,
        /**
         * Only when a search fails, over the whole heap, before the heap grows: a pass visits every block, so it runs
         * once at least one free per 8 blocks happened since the last pass, and always before an
         * allocation gives up.
         */
        DEFERRED
    }

    static final long HEADER = Blocks.HEADER;
    static final long MIN_BLOCK = Blocks.MIN_BLOCK;
    /** Deferred coalescing runs a pass (which visits every block) after at least one free per this many blocks. */
    static final long PASS_RATIO = 8;

    private final Policy policy;
    private final Coalescing coalescing;
    private final Blocks blocks;
    private final FreeIndex index;
    final Placement placement;
    private final Request request;
    final Counters counters = new Counters();
    final long firstBlock;
    /** Header address of the block that ends at the epilogue; 0 while the heap has no block. */
    long lastBlock;
    /** Deferred coalescing: false only while no two free blocks can be adjacent, so a pass would merge nothing. */
    boolean mayHaveAdjacentFree;
    /** Deferred coalescing: frees (and shrinks) since the last pass. */
    private long freesSincePass;
    /** The candidate after the block {@link #obtain} unfiled (for next fit's rover). */
    private long successor;

    private final Walk walk = new Walk();

    /** Implicit-list first fit (the foundation's {@code first-fit}) over {@code heap}, which it owns from now on. */
    FreeListAllocator(Heap heap, Coalescing coalescing, String name) {
        this(heap, Policy.FIRST_FIT, ListKind.IMPLICIT, coalescing, name);
    }

    /**
     * A free-list allocator over {@code heap}, which it owns from now on.
     *
     * @param list for {@link Policy#SEGREGATED}, {@link ListKind#LIFO} or {@link ListKind#ADDRESS} (the order within each class)
     * @param name the name it reports (e.g. {@code first-fit:list=address,coalesce=deferred})
     * @throws IllegalArgumentException for segregated implicit lists, or a heap too small for the sentinels
     */
    FreeListAllocator(Heap heap, Policy policy, ListKind list, Coalescing coalescing, String name) {
        this(heap, policy, list, coalescing, false, name);
    }

    /**
     * As {@link #FreeListAllocator(Heap, Policy, ListKind, Coalescing, String)}, with {@code secure=on|off}: the
     * explicit lists' links stored encoded and checked before they are followed (SEC-1, {@link SecureLinks}).
     *
     * @throws IllegalArgumentException also for secure links on an implicit list (it keeps no links)
     */
    FreeListAllocator(Heap heap, Policy policy, ListKind list, Coalescing coalescing, boolean secure, String name) {
        super(name, heap);
        if (policy == Policy.SEGREGATED && list == ListKind.IMPLICIT) {
            throw new IllegalArgumentException("segregated fits keep explicit lists: list=lifo or list=address, not implicit");
        }
        if (secure && list == ListKind.IMPLICIT) {
            throw new IllegalArgumentException(name + ": secure=on encodes the links of explicit free lists; the implicit list keeps"
                    + " none in its free blocks: use list=lifo or list=address with secure=on");
        }
        this.policy = policy;
        this.coalescing = coalescing;
        int lists = policy == Policy.SEGREGATED ? SegregatedClasses.COUNT : 1;
        int tableWords = list == ListKind.IMPLICIT ? 0 : lists + 1;
        long start = heap.sbrk(8L * tableWords + 2 * HEADER);
        if (start < 0) {
            throw new IllegalArgumentException("heap too small for the free-list sentinels: " + heap);
        }
        this.firstBlock = start + 8L * tableWords + HEADER;
        this.blocks = new Blocks(heap, firstBlock, name, new SecureLinks(secure, heap, name, firstBlock, 16));
        this.index = list == ListKind.IMPLICIT ? new ImplicitList(blocks, counters)
                : new LinkedFreeLists(blocks, counters, start, lists, list == ListKind.ADDRESS);
        this.placement = switch (policy) {
            case FIRST_FIT, SEGREGATED -> new Placement.FirstFit(blocks);
            case NEXT_FIT -> new Placement.NextFit(blocks);
            case BEST_FIT -> new Placement.BestFit(blocks);
        };
        this.request = new Request(blocks);
        index.format();
        heap.putLong(firstBlock - HEADER, 0);
        heap.putLong(firstBlock, EPILOGUE);
    }

    /** First fit with immediate coalescing over a new heap of {@code heapBytes}. */
    public static FreeListAllocator firstFit(long heapBytes) {
        return create(heapBytes, Policy.FIRST_FIT, ListKind.IMPLICIT, Coalescing.IMMEDIATE);
    }

    /**
     * A free-list allocator over a new heap of {@code heapBytes}, named as its spec ({@code best-fit:list=address}).
     *
     * @param list for {@link Policy#SEGREGATED}, {@link ListKind#LIFO} or {@link ListKind#ADDRESS} (the order within each class)
     * @throws IllegalArgumentException for segregated implicit lists, or a heap too small for the sentinels
     */
    public static FreeListAllocator create(long heapBytes, Policy policy, ListKind list, Coalescing coalescing) {
        boolean segregated = policy == Policy.SEGREGATED;
        StringBuilder name = new StringBuilder(policy.specName());
        char sep = ':';
        if (list != (segregated ? ListKind.LIFO : ListKind.IMPLICIT)) {
            name.append(sep).append("list=").append(list.name().toLowerCase(Locale.ROOT));
            sep = ',';
        }
        if (coalescing != (segregated ? Coalescing.DEFERRED : Coalescing.IMMEDIATE)) {
            name.append(sep).append("coalesce=").append(coalescing.name().toLowerCase(Locale.ROOT));
        }
        Heap heap = Heap.reserve(heapBytes);
        try {
            return new FreeListAllocator(heap, policy, list, coalescing, name.toString());
        } catch (RuntimeException | Error e) {
            heap.close();
            throw e;
        }
    }

    @Override
    public ThreadSafety threadSafety() {
        return ThreadSafety.SINGLE_OWNER;
    }

    private static long blockSizeFor(long size) {
        return Math.max(MIN_BLOCK, alignUp(size + HEADER, MIN_ALIGNMENT));
    }

    /**
     * The header word of the live block whose payload is {@code address}, screened in O(1) with one read of the
     * break and one of the header (callers take the size from it instead of reading the header again).
     */
    private long liveHeader(long address) {
        long brk = heap.brk();
        if ((address & (MIN_ALIGNMENT - 1)) != 0 || address < firstBlock + HEADER || address >= brk) {
            requirePayloadAddress(address, firstBlock + HEADER); // throws the shared message
        }
        long block = address - HEADER;
        long h = blocks.header(block);
        long size = Blocks.sizeOf(h);
        boolean plausible = (h & (Blocks.FLAG_MASK & ~Blocks.ALLOCATED_BIT)) == 0 && size >= MIN_BLOCK && (size & 15) == 0
                && size <= brk - HEADER - block;
        if (!plausible) {
            throw new InvalidPointerException(name() + ": " + hex(address) + " is not a block start (header "
                    + Long.toHexString(h) + " is not a valid header)", address);
        }
        if (!Blocks.isAllocated(h)) {
            throw new DoubleFreeException(name() + ": block " + hex(address) + " is not allocated (double free?)", address);
        }
        return h;
    }

    // ---------------------------------------------------------------- engine

    @Override
    protected long allocate(long size) {
        long asize = blockSizeFor(size);
        counters.begin();
        request.plain(asize);
        long block = obtain(asize);
        return block == 0 ? 0 : allocated(block, asize);
    }

    @Override
    protected long allocateAligned(long alignment, long size) {
        long asize = blockSizeFor(size);
        if (asize > Long.MAX_VALUE / 2 - alignment) {
            return 0;
        }
        counters.begin();
        request.aligned(asize, alignment);
        long block = obtain(asize + alignment + MIN_BLOCK); // room for any front gap
        return block == 0 ? 0 : allocated(block, asize);
    }

    /**
     * An unfiled free block that serves {@link #request}: the placement's choice, else the heap grown by
     * {@code growBy}; 0 when the heap is full. Deferred coalescing runs a pass before growing the heap when one is
     * due ({@link #passDue}), and always before giving up.
     */
    private long obtain(long growBy) {
        long block = placement.find(index, request);
        if (block == 0 && passDue(false)) {
            coalesceAll();
            block = placement.find(index, request);
        }
        if (block != 0) {
            successor = unfile(block);
            return block;
        }
        successor = 0;
        block = extend(growBy);
        if (block == 0 && passDue(true)) {
            coalesceAll();
            block = placement.find(index, request);
            if (block != 0) {
                successor = unfile(block);
            }
        }
        return block;
    }

    /**
     * Deferred coalescing: a pass is due when it may merge something and either the heap is full or enough frees
     * happened since the last pass to pay for it (a pass visits every block; at least one free per
     * {@link #PASS_RATIO} blocks keeps its cost O(PASS_RATIO) per free).
     */
    private boolean passDue(boolean heapFull) {
        return coalescing == Coalescing.DEFERRED && mayHaveAdjacentFree
                && (heapFull || freesSincePass * PASS_RATIO >= counters.splits + counters.extensions - counters.coalesces);
    }

    /** Allocates {@code asize} bytes from the unfiled free {@code block} that serves {@link #request}. */
    private long allocated(long block, long asize) {
        long gap = request.gap(block);
        if (gap > 0) {
            long size = blocks.size(block);
            long aligned = block + gap;
            blocks.setHeader(block, gap, false);
            blocks.setHeader(aligned, size - gap, false);
            counters.splits++;
            if (lastBlock == block) {
                lastBlock = aligned;
            }
            index.insert(block);
            block = aligned;
        }
        long rest = place(block, asize);
        placement.placed(index, block, rest, successor);
        counters.allocated();
        return block + HEADER;
    }

    /** Takes the free {@code block} out of the index; returns the candidate after it. */
    private long unfile(long block) {
        long successor = index.remove(block);
        placement.unlinked(block, successor);
        return successor;
    }

    /** Records that the block {@code gone} became part of the free block {@code into} to its left. */
    private void absorb(long gone, long into) {
        counters.coalesces++;
        placement.absorbed(gone, into);
        if (lastBlock == gone) {
            lastBlock = into;
        }
    }

    /**
     * Marks the unfiled {@code block} allocated with {@code asize} bytes, splitting off and filing a free rest of at
     * least 32 bytes; returns the rest or 0.
     */
    private long place(long block, long asize) {
        long size = blocks.size(block);
        if (size - asize < MIN_BLOCK) {
            blocks.setHeader(block, size, true);
            return 0;
        }
        blocks.setHeader(block, asize, true);
        long rest = block + asize;
        blocks.setHeader(rest, size - asize, false);
        counters.splits++;
        if (lastBlock == block) {
            lastBlock = rest;
        }
        index.insert(rest);
        return rest;
    }

    /**
     * Grows the heap so the last block is a free block of at least {@code asize} bytes (extending a free last
     * block by the difference); returns that block, unfiled, or 0 when the heap is full.
     */
    private long extend(long asize) {
        long last = lastBlock;
        boolean lastFree = last != 0 && blocks.isFree(last);
        long need = Math.max(0, lastFree ? asize - blocks.size(last) : asize);
        long oldBrk = heap.sbrk(need);
        if (oldBrk < 0) {
            return 0;
        }
        long block = oldBrk - HEADER; // the old epilogue becomes the new block's header
        if (lastFree) {
            unfile(last);
            blocks.setHeader(last, blocks.size(last) + need, false);
            block = last;
        } else {
            blocks.setHeader(block, need, false);
            counters.extensions++;
        }
        heap.putLong(heap.brk() - HEADER, EPILOGUE);
        lastBlock = block;
        return block;
    }

    @Override
    protected void deallocate(long address) {
        release(address, Blocks.sizeOf(liveHeader(address)));
    }

    /** The debug layer's F: the size compared on the header the free reads anyway, one screen for both. */
    @Override
    protected long deallocateIfUsable(long address, long usable) {
        long size = Blocks.sizeOf(liveHeader(address));
        if (size - HEADER == usable) {
            release(address, size);
        }
        return size - HEADER;
    }

    /**
     * The size is in the header just below the payload, and the free's screen refuses a header that is no block
     * (reserved bits, a size below the least block or beyond the break): F keeps its state outside the heap.
     */
    @Override
    protected boolean screensSizeBelowPayload() {
        return true;
    }

    /** A block just handed out: its header, unscreened. */
    @Override
    protected long freshUsable(long address) {
        return Blocks.sizeOf(blocks.header(address - HEADER)) - HEADER;
    }

    /** Frees the live block at {@code address} of {@code size} bytes (its screened header's size). */
    private void release(long address, long size) {
        long block = address - HEADER;
        blocks.setHeader(block, size, false);
        if (coalescing == Coalescing.IMMEDIATE) {
            coalesce(block, size);
        } else {
            index.insert(block);
            mayHaveAdjacentFree = true;
            freesSincePass++;
        }
    }

    /** Merges the free, unfiled {@code block} ({@code size} bytes) with a free right and a free left neighbour, and files the result. */
    private void coalesce(long block, long size) {
        long right = block + size;
        if (right < blocks.epilogue() && blocks.isFree(right)) {
            unfile(right);
            size += blocks.size(right);
            absorb(right, block);
        }
        long left = index.freeBlockEndingAt(block);
        if (left != 0) {
            unfile(left);
            size += blocks.size(left);
            absorb(block, left);
            block = left;
        }
        blocks.setHeader(block, size, false);
        index.insert(block);
    }

    /** Before a trim, deferred coalescing merges its free neighbours so whole pages show up inside free blocks. */
    @Override
    protected void prepareTrim() {
        if (coalescing == Coalescing.DEFERRED && mayHaveAdjacentFree) {
            coalesceAll();
        }
    }

    /** Deferred coalescing: merges every run of adjacent free blocks (one header read per block). */
    private void coalesceAll() {
        counters.coalescePasses++;
        long end = blocks.epilogue();
        long run = 0; // start of the current run of free blocks, or 0
        long runBlocks = 0;
        for (long block = firstBlock; block < end; ) {
            long h = blocks.header(block);
            if (Blocks.isAllocated(h)) {
                if (runBlocks > 1) {
                    merge(run, block);
                }
                run = 0;
                runBlocks = 0;
            } else if (runBlocks++ == 0) {
                run = block;
            }
            block += blocks.stepSize(block, h);
        }
        if (runBlocks > 1) {
            merge(run, end);
        }
        mayHaveAdjacentFree = false;
        freesSincePass = 0;
    }

    /** Merges the run of free blocks {@code [run, runEnd)} into one filed block. */
    private void merge(long run, long runEnd) {
        unfile(run);
        for (long b = run + blocks.size(run); b < runEnd; ) {
            long s = blocks.size(b);
            unfile(b);
            absorb(b, run);
            b += s;
        }
        blocks.setHeader(run, runEnd - run, false);
        index.insert(run);
    }

    @Override
    protected boolean resize(long address, long size) {
        long current = Blocks.sizeOf(liveHeader(address));
        long block = address - HEADER;
        long asize = blockSizeFor(size);
        if (asize <= current) {
            if (current - asize >= MIN_BLOCK) {
                shrink(block, current, asize);
            }
            return true;
        }
        // Grow into the run of free blocks on the right (immediate coalescing: at most one).
        long end = blocks.epilogue();
        long runEnd = block + current;
        while (runEnd < end && blocks.isFree(runEnd) && runEnd - block < asize) {
            runEnd += blocks.stepSize(runEnd);
        }
        boolean fits = runEnd - block >= asize;
        if (!fits && (runEnd != end || heap.sbrk(asize - (runEnd - block)) < 0)) {
            return false; // nothing changed
        }
        for (long b = block + current; b < runEnd; ) {
            long s = blocks.size(b);
            unfile(b);
            absorb(b, block);
            b += s;
        }
        if (fits) {
            blocks.setHeader(block, runEnd - block, true);
            if (place(block, asize) != 0 && coalescing == Coalescing.DEFERRED) {
                mayHaveAdjacentFree = true; // the rest may touch a free block the run did not need
            }
        } else { // the block (with its free run) was last: the break moved
            blocks.setHeader(block, asize, true);
            heap.putLong(heap.brk() - HEADER, EPILOGUE);
            lastBlock = block;
        }
        return true;
    }

    /** Splits the tail of the live {@code block} off as a free block (merged with a free right neighbour when immediate). */
    private void shrink(long block, long current, long asize) {
        blocks.setHeader(block, asize, true);
        long rest = block + asize;
        long restSize = current - asize;
        counters.splits++;
        if (lastBlock == block) {
            lastBlock = rest;
        }
        long right = rest + restSize;
        if (coalescing == Coalescing.DEFERRED) {
            mayHaveAdjacentFree = true;
            freesSincePass++;
        } else if (right < blocks.epilogue() && blocks.isFree(right)) {
            unfile(right);
            restSize += blocks.size(right);
            absorb(right, rest);
        }
        blocks.setHeader(rest, restSize, false);
        index.insert(rest);
    }

    @Override
    protected long usable(long address) {
        return Blocks.sizeOf(liveHeader(address)) - HEADER;
    }

    @Override
    protected List<AllocatorMetric> metrics() {
        long[] free = new long[3]; // bytes, blocks, largest
        walk.walkExtents((kind, start, size, payload, usable) -> {
            if (kind == ExtentKind.FREE) {
                free[0] += size;
                free[1]++;
                free[2] = Math.max(free[2], size);
            }
            return true;
        });
        return List.of(new FreeListMetric(policy.specName(), index.kind(), coalescing.name().toLowerCase(Locale.ROOT),
                counters.allocations, counters.meanSearchSteps(), counters.maxSearchSteps, counters.splits,
                counters.coalesces, counters.leftNeighbourSteps, counters.insertSteps, counters.coalescePasses, free[1],
                free[0], free[2], free[0] == 0 ? 0.0 : 1.0 - (double) free[2] / free[0], index.table()));
    }

    @Override
    protected HeapWalk walk() {
        return walk;
    }

    // ---------------------------------------------------------------- checker SPI

    /** The block walk: head table, pad, blocks by header size, epilogue; the free structures are the index's. */
    private final class Walk implements HeapWalk {
        @Override
        public Heap heap() {
            return heap;
        }

        @Override
        public void walkExtents(ExtentVisitor visitor) {
            long end = blocks.epilogue();
            long pad = firstBlock - HEADER;
            if (pad > heap.start() && !visitor.extent(ExtentKind.METADATA, heap.start(), pad - heap.start(), 0, 0)) {
                return;
            }
            if (!visitor.extent(ExtentKind.PADDING, pad, HEADER, 0, 0)) {
                return;
            }
            long block = firstBlock;
            while (block < end) {
                long h = blocks.header(block);
                long size = Blocks.sizeOf(h);
                if (!visitor.extent(Blocks.isAllocated(h) ? ExtentKind.ALLOCATED : ExtentKind.FREE, block, size, block + HEADER, size - HEADER)) {
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
            index.walk(visitor);
        }

        /** The checker's pass over the lists (see {@link HeapWalk}): FL-5..7 checked on the way by the index. */
        @Override
        public boolean walkFreeStructures(FreeEntryVisitor visitor, InvariantSink sink) {
            return index.walkChecked(visitor, sink);
        }

        @Override
        public boolean coalescesImmediately() {
            return coalescing == Coalescing.IMMEDIATE;
        }

        @Override
        public String describeList(int list) {
            return index.describe(list);
        }

        @Override
        public void checkInvariants(InvariantSink sink) {
            checkInvariants(sink, false, false);
        }

        @Override
        public void checkInvariants(InvariantSink sink, boolean extentsChecked, boolean freeStructuresChecked) {
            checkSentinels(sink);
            checkHeaders(sink);
            index.check(sink, freeStructuresChecked);
            placement.check(index, sink);
        }

        @Enforces("FL-1")
        private void checkSentinels(InvariantSink sink) {
            long pad = heap.getLong(firstBlock - HEADER);
            if (pad != 0) {
                sink.violation("FL-1", firstBlock - HEADER, "pad word before the first block changed", "0", Long.toHexString(pad));
            }
            long e = heap.getLong(blocks.epilogue());
            if (e != EPILOGUE) {
                sink.violation("FL-1", blocks.epilogue(), "epilogue header at brk - 8 changed", "size 0, allocated (0x1)", "0x" + Long.toHexString(e));
            }
        }

        /** One walk over the headers: their form (FL-2), the last-block pointer (FL-3), and deferred adjacency (FL-9). */
        @Enforces({"FL-2", "FL-3", "FL-9"})
        private void checkHeaders(InvariantSink sink) {
            boolean nothingToMerge = coalescing == Coalescing.DEFERRED && !mayHaveAdjacentFree;
            long end = blocks.epilogue();
            long block = firstBlock;
            long last = 0;
            boolean previousFree = false;
            while (block < end) {
                long h = blocks.header(block);
                long size = Blocks.sizeOf(h);
                if ((h & (Blocks.FLAG_MASK & ~Blocks.ALLOCATED_BIT)) != 0 || (size & 15) != 0 || size < MIN_BLOCK) {
                    sink.violation("FL-2", block, "malformed header", "flag bits 1..3 clear, size % 16 == 0, size >= 32",
                            "0x" + Long.toHexString(h));
                }
                boolean free = !Blocks.isAllocated(h);
                if (nothingToMerge && free && previousFree) {
                    sink.violation("FL-9", block, "two adjacent free blocks while deferred coalescing believes a pass would merge nothing",
                            "mayHaveAdjacentFree set, or the left neighbour allocated", "free block before " + hex(block));
                }
                if (size <= 0 || size > end - block) {
                    return; // the walk cannot go on; HEAP-1 reports it
                }
                previousFree = free;
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
