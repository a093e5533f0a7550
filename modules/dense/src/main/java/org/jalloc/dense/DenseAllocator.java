package org.jalloc.dense;

import java.util.ArrayList;
import java.util.List;

import org.checkerframework.checker.nullness.qual.MonotonicNonNull;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AbstractAllocator;
import org.jalloc.core.spi.SizeWordOnRequest;
import org.jalloc.core.walk.HeapWalk;

/**
 * The allocator that wastes least: what the classic designs know about fragmentation, combined, each piece an
 * option ({@link DenseOptions}) so its worth can be measured. Small requests live headerless in pages of one size
 * class ({@link SmallPages}); everything else is a boundary-tagged block with footer elision, placed by exact best
 * fit with address-ordered ties ({@link Treap}), merged with its free neighbours at once, grown in place by realloc
 * with a reserve for blocks that keep growing, in a heap that grows by exactly what a request lacks.
 *
 * <h2>Nouns</h2>
 * <b>block</b>: header, payload and (when free, or always with {@code footers=all}) footer; a multiple of 16 bytes,
 * at least {@link #MIN_BLOCK}. <b>page</b>: an allocated block with the {@code s} bit, cut into slots of one size
 * class, its end aligned to 256 bytes ({@link SmallPages}). <b>slot</b>: a headerless small block. <b>tree</b>: the
 * free blocks ordered by (size, address). <b>prologue / epilogue</b>: the zero-size allocated sentinels at the heap
 * start and at {@code brk - 8}. <b>reserve</b>: bytes a block that realloc grew before gets beyond its request.
 *
 * <h2>Heap layout</h2>
 * <pre>
 *  start      start+8                                                            brk-8      brk
 *  | prologue | block | page ........................... | block | ... | block | epilogue |
 *  |  0|a=1   | hdr   | hdr |slot|slot|...|slot| meta    | hdr   |     |       | 0|p|a=1  |
 *                                               page end ─┘ (multiple of 256)
 * </pre>
 *
 * <h2>Tags (header and footer words)</h2>
 * <pre>
 *   63                                        4   3   2   1   0
 *  +--------------------------------------------+---+---+---+---+    a = allocated
 *  |        block size (multiple of 16)         | s | r | p | a |    p = left neighbour allocated (footers=free-only)
 *  +--------------------------------------------+---+---+---+---+    r = grown by realloc before (reserve candidate)
 *                                                                    s = a page of small slots
 *  allocated  [size|s|r|p|1][ payload ........................ ]          usable = size - 8 (size - 16 with a footer)
 *  free       [size|0|0|1|0][ ........................ ][size|0|0|1|0]     footer = header; the tree is outside the heap
 * </pre>
 *
 * <h2>Invariants (spec/invariants.md)</h2>
 * <ul>
 *   <li>HEAP-1..3, 5..8 (shared); HEAP-4 does not hold (adjacent free slots): its tier's form is DENSE-5.</li>
 *   <li>DENSE-1: {@code mem[start] = 0x1 ∧ mem[brk-8] ∈ {0x1, 0x3}} (sentinels).</li>
 *   <li>DENSE-2: every header has {@code size ≥ 32}; a free one has {@code r = s = 0}; with footers=all {@code p = 0}.</li>
 *   <li>DENSE-3: {@code ∀ free b: mem[b + size − 8] = mem[b]} (every block with footers=all).</li>
 *   <li>DENSE-4 (free-only): {@code ∀ b: p(b) = a(left(b))}, for the epilogue too.</li>
 *   <li>DENSE-5 (coalesce=immediate): {@code ∀ i: ¬(free(bᵢ) ∧ free(bᵢ₊₁))}.</li>
 *   <li>DENSE-6: tree keys in order, priorities heap-ordered ({@link Treap}).</li>
 *   <li>DENSE-7: every page ends on a granule and its info agrees with its block: class, size, slots, live count.</li>
 *   <li>DENSE-8: the end map marks exactly the page ends; the per-class page counts are the pages' numbers.</li>
 *   <li>DENSE-9: class c's list holds exactly the pages of class c with free and live slots.</li>
 *   <li>DENSE-10: the lists are sorted by address and doubly linked.</li>
 * </ul>
 *
 * <h2>Algorithms</h2>
 * <ol>
 *   <li>malloc(n): n ≤ small → a slot ({@link SmallPages}); when no page can be made, fall through. Otherwise
 *       asize = max(32, roundup16(n + 8)); the tree's best fit (O(log n)); if none, grow the heap by exactly what
 *       is missing, extending a free last block. Split off a rest of at least 32 bytes (into the tree), else set the
 *       right neighbour's p bit.</li>
 *   <li>free(p): a slot → {@link SmallPages}. A block: merge with a free right neighbour (by size) and a free left
 *       neighbour (p bit, then its footer), each taken out of the tree first; write header and footer; clear the
 *       right neighbour's p bit; insert.</li>
 *   <li>realloc(p, n) in place: a slot keeps its slot up to its class size. A block shrinks by splitting off its
 *       tail; grows into a free right neighbour, or at the break when it (with a free right neighbour) ends at the
 *       epilogue. A block grown before (r bit) takes a reserve of a quarter of its new size from the neighbour, and
 *       when it must move, the next malloc (realloc's) places it with that reserve; growth at the break is exact.</li>
 *   <li>new page (target t bytes): the first of the 16 least tree blocks of at least the minimum page size that can
 *       hold a page ending on a granule (placed at the block's low end, leaving 0 or at least 32 bytes), else the best
 *       fit of t + 288 bytes, else the heap grows to the next granule past t.</li>
 *   <li>alignedAlloc(a, n): a free block of at least asize + a + 32 (or exact growth at the end of the heap) is cut at
 *       the first a-aligned payload whose front gap is 0 or a whole free block of at least 32 bytes.</li>
 * </ol>
 *
 * <h2>Misuse detected in O(1)</h2>
 * Addresses that are not 16-aligned or lie outside the heap; in a page, anything but the start of a live slot
 * (interior addresses and double frees exactly); for blocks, headers with impossible sizes or flag bits, a clear a
 * bit with a matching footer (double free), with free-only a right neighbour whose p bit is clear, with footers=all
 * a footer that does not repeat the header. An address inside a live block's payload whose bytes look like a
 * consistent block is not detected outside checked mode.
 *
 * <p>Thread safety: {@link ThreadSafety#SINGLE_OWNER}.
 */
public final class DenseAllocator extends AbstractAllocator implements SizeWordOnRequest {
    static final long WORD = 8;
    static final long ALLOCATED = 1;
    static final long PREV_ALLOCATED = 2;
    static final long GROWN = 4;
    static final long PAGE = 8;
    static final long FLAGS = 15;
    static final long MIN_BLOCK = 32;
    static final long PROLOGUE = ALLOCATED;
    /** The heap's growth unit with {@code grow=chunk}. */
    static final long CHUNK = 4096;
    /** Tree blocks a new page looks at before settling for a big-enough one. */
    static final int PAGE_SEARCH = 16;
    /** Blocks realloc touched lately whose right neighbours are kept as growth reserves. */
    static final int GROWING = 4;
    /** Tree blocks best fit looks at for one that is nobody's growth reserve. */
    static final int RESERVE_SEARCH = 8;

    final DenseOptions options;
    final boolean elide;
    /** Bytes of tags in an allocated block: 8, or 16 with footers=all. */
    final long tagBytes;
    final Treap tree;
    /**
     * The small tier, or null with {@code small=0} or under {@code debug=F} alone ({@link #keepSizeWordBelowPayload}:
     * set to null once, before any block is handed out, so that every block keeps its screened header).
     */
    @Nullable SmallPages pages;
    final long firstBlock;
    private final boolean immediate;

    long allocations;
    long frees;
    long splits;
    long coalescesLeft;
    long coalescesRight;
    long heapExtensions;
    long growsInPlace;
    long growsAtBreak;
    long shrinks;
    long reservesCarved;

    /**
     * Blocks realloc touched lately, most recent first, and the last step each grew by: the free block right after
     * one is its growth reserve.
     */
    private long[] growing = new long[0];
    private long[] growSteps = new long[0];
    private int growingCount;
    /** Live tagged blocks of each size up to the small tier's largest block, by size / 16 (the page threshold). */
    private int[] taggedLive = new int[0];
    long reservesKept;

    /** The block realloc just failed to grow in place, whose move the next allocate places with a reserve. */
    private long moveHint;
    private long moveHintSize;
    private long moveHintFrom;

    private @MonotonicNonNull DenseWalk walk;

    /** A dense allocator over {@code heap}, which it owns from now on. */
    DenseAllocator(Heap heap, DenseOptions options, String name) {
        super(name, heap);
        this.options = options;
        this.elide = options.footers() == DenseOptions.Footers.FREE_ONLY;
        this.tagBytes = elide ? WORD : 2 * WORD;
        this.immediate = options.coalescing() == DenseOptions.Coalescing.IMMEDIATE;
        if (heap.limit() > Treap.MAX_HEAP) {
            throw new IllegalArgumentException("dense indexes heaps of up to 32 GiB, not " + heap.capacity() + " bytes");
        }
        this.tree = new Treap(options.ties() == DenseOptions.Ties.HIGH);
        this.pages = options.small() > 0 ? new SmallPages(name, heap, options.small(), options.page(), tagBytes) : null;
        long start = heap.sbrk(2 * WORD);
        if (start < 0) {
            throw new IllegalArgumentException("heap too small for the dense sentinels: " + heap);
        }
        heap.putLong(start, PROLOGUE);
        heap.putLong(start + WORD, ALLOCATED | (elide ? PREV_ALLOCATED : 0));
        this.firstBlock = start + WORD;
    }

    /** The densest configuration over a new heap of {@code heapBytes}. */
    public static DenseAllocator create(long heapBytes) {
        return create(heapBytes, DenseOptions.DENSEST);
    }

    /**
     * A dense allocator with {@code options} over a new heap of {@code heapBytes}, named as its spec would be
     * ({@code dense} for the densest options, else {@code dense:footers=all,...} with the options that differ).
     */
    public static DenseAllocator create(long heapBytes, DenseOptions options) {
        return new DenseAllocator(Heap.reserve(heapBytes), options, DenseOptions.specName(options));
    }

    /** The options this allocator runs with. */
    public DenseOptions options() {
        return options;
    }

    @Override
    public ThreadSafety threadSafety() {
        return ThreadSafety.SINGLE_OWNER;
    }

    /**
     * {@code debug=F} alone ({@link SizeWordOnRequest}): every block a tagged block, whose header word just below the
     * payload holds its size and is screened at free; the small tier's headerless slots are not used (its layout is
     * {@code small=0}'s). Asked once, before any block is handed out.
     */
    @Override
    public void keepSizeWordBelowPayload() {
        if (allocations != 0 || (pages != null && pages.allocations != 0)) {
            throw new IllegalStateException(name() + ": the size word must be asked for before any block is handed out");
        }
        pages = null;
    }

    /** True without the small tier: every payload is a tagged block's, its header at {@code p - 8} screened by free. */
    @Override
    protected boolean screensSizeBelowPayload() {
        return pages == null;
    }

    // ---------------------------------------------------------------- tags

    long header(long block) {
        return heap.getLong(block);
    }

    static long sizeOf(long tag) {
        return tag & ~FLAGS;
    }

    static boolean isAllocated(long tag) {
        return (tag & ALLOCATED) != 0;
    }

    long epilogue() {
        return heap.brk() - WORD;
    }

    long epilogueWord(boolean lastAllocated) {
        return ALLOCATED | (elide && lastAllocated ? PREV_ALLOCATED : 0);
    }

    long blockSizeFor(long size) {
        return Math.max(MIN_BLOCK, alignUp(size + tagBytes, MIN_ALIGNMENT));
    }

    /** Whether the block (or epilogue) at {@code block} has an allocated left neighbour; the prologue counts. */
    boolean leftAllocated(long block) {
        return elide ? (header(block) & PREV_ALLOCATED) != 0 : isAllocated(heap.getLong(block - WORD));
    }

    /** The start of the free left neighbour of {@code block}, from its footer. */
    private long freeLeftNeighbour(long block) {
        long size = sizeOf(heap.getLong(block - WORD));
        long left = block - size;
        if (size < MIN_BLOCK || left < firstBlock) {
            throw new HeapCorruptionException(name() + ": footer before " + hex(block) + " says " + size
                    + " bytes (a write past the end of a block?)", block - WORD);
        }
        return left;
    }

    /** Header and footer of a free block. */
    private void writeFree(long block, long size, boolean leftAllocated) {
        long tag = elide && leftAllocated ? size | PREV_ALLOCATED : size;
        heap.putLong(block, tag);
        heap.putLong(block + size - WORD, tag);
    }

    /** Header (and with footers=all, footer) of an allocated block with extra flag bits {@code flags} (r, s). */
    private void writeAllocated(long block, long size, boolean leftAllocated, long flags) {
        if (elide) {
            heap.putLong(block, size | flags | ALLOCATED | (leftAllocated ? PREV_ALLOCATED : 0));
        } else {
            long tag = size | flags | ALLOCATED;
            heap.putLong(block, tag);
            heap.putLong(block + size - WORD, tag);
        }
    }

    /** Sets or clears the p bit of the block or epilogue at {@code block} (free-only layout; no-op otherwise). */
    private void setLeftAllocated(long block, boolean allocated) {
        if (elide) {
            long tag = header(block);
            long updated = allocated ? tag | PREV_ALLOCATED : tag & ~PREV_ALLOCATED;
            heap.putLong(block, updated);
            if (!isAllocated(tag) && block != epilogue()) {
                heap.putLong(block + sizeOf(tag) - WORD, updated); // a free block's footer repeats its header
            }
        }
    }

    /** The header address of the live tagged block whose payload is {@code address}, screened in O(1). */
    private long liveBlock(long address) {
        long block = address - WORD;
        long tag = header(block);
        long size = sizeOf(tag);
        if ((!elide && (tag & PREV_ALLOCATED) != 0) || size < MIN_BLOCK || size > epilogue() - block) {
            throw new InvalidPointerException(name() + ": " + hex(address) + " is not a block start (header 0x"
                    + Long.toHexString(tag) + " is not a valid header)", address);
        }
        long footer = heap.getLong(block + size - WORD);
        if (!isAllocated(tag)) {
            if (footer == tag && (tag & (GROWN | PAGE)) == 0) {
                throw new DoubleFreeException(name() + ": block " + hex(address) + " is not allocated (double free?)", address);
            }
            throw new InvalidPointerException(name() + ": " + hex(address) + " is not a block start (a free-looking header "
                    + "without a matching footer)", address);
        }
        if ((tag & PAGE) != 0) {
            throw new InvalidPointerException(name() + ": " + hex(address) + " is the start of a page of small slots, whose "
                    + "end map does not name it", address);
        }
        if (!elide && footer != tag) {
            throw new InvalidPointerException(name() + ": " + hex(address) + " is not a block start (footer 0x"
                    + Long.toHexString(footer) + " does not repeat header 0x" + Long.toHexString(tag) + ")", address);
        }
        if (elide && (header(block + size) & PREV_ALLOCATED) == 0) {
            throw new InvalidPointerException(name() + ": " + hex(address) + " is not a block start (the next header's "
                    + "prev-allocated bit is clear)", address);
        }
        return block;
    }

    /** The end of the page holding {@code address} (after the O(1) address screen), or 0 for a tagged block. */
    private long pageOf(@Nullable SmallPages p, long address) {
        requirePayloadAddress(address, firstBlock + WORD);
        return p == null ? 0 : p.pageOf(address);
    }

    static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }

    // ---------------------------------------------------------------- malloc

    @Override
    protected long allocate(long size) {
        boolean grown = moveHint != 0 && moveHintSize == size;
        moveHint = 0;
        SmallPages p = pages;
        if (p != null && size <= options.small() && !grown
                && (p.hasPages(SmallPages.classOf(size)) || taggedLive(blockSizeFor(size)) >= options.threshold())) {
            long slot = p.allocate(this, size);
            if (slot != 0) {
                return slot;
            }
        }
        long asize = blockSizeFor(size);
        long block = bestFit(asize);
        if (block == 0) {
            block = extend(asize);
            if (block == 0) {
                return 0;
            }
        }
        place(block, asize, leftAllocated(block), grown ? GROWN : 0);
        if (grown) {
            track(block, sizeOf(header(block)) - moveHintFrom);
        }
        allocations++;
        return block + WORD;
    }

    /**
     * The best fit for {@code asize} bytes, out of the tree, or 0 (grow the heap). With realloc=reserve the free
     * block right after a block realloc touched lately is that block's growth reserve: it keeps its first two
     * growth steps (at least 32 bytes) and gives its high end to requests; if it is too small for that, best fit
     * takes the next fit, else grows the heap (past a free last block that is a reserve), and takes the reserve
     * itself only when the heap cannot grow.
     */
    private long bestFit(long asize) {
        long block = tree.findFit(asize);
        if (block != 0 && growingCount > 0) {
            long keep = reserveOf(block);
            if (keep > 0) {
                long size = sizeOf(header(block));
                if (size - asize >= keep) {
                    return carveTop(block, size, asize);
                }
                long other = tree.firstFrom(asize, RESERVE_SEARCH, (b, s) -> reserveOf(b) == 0);
                if (other != 0) {
                    block = other;
                } else {
                    long grown = growPastReserve(asize);
                    if (grown != 0) {
                        reservesKept++;
                        return grown;
                    }
                }
            }
        }
        if (block != 0) {
            tree.remove(block, sizeOf(header(block)));
        }
        return block;
    }

    /** Bytes the free {@code block} keeps for the growth of the block before it (0: it is nobody's reserve). */
    private long reserveOf(long block) {
        for (int i = 0; i < growingCount; i++) {
            long g = growing[i];
            if (g + sizeOf(header(g)) == block) {
                return Math.max(MIN_BLOCK, alignUp(2 * growSteps[i], MIN_ALIGNMENT));
            }
        }
        return 0;
    }

    /** Splits the reserve {@code block} and returns its last {@code asize} bytes as a free block out of the tree. */
    private long carveTop(long block, long size, long asize) {
        tree.remove(block, size);
        writeFree(block, size - asize, leftAllocated(block));
        tree.insert(block, size - asize);
        long top = block + size - asize;
        writeFree(top, asize, false); // place() allocates it at once
        reservesCarved++;
        return top;
    }

    /** Records that realloc touched {@code block}, which grew by {@code step} bytes (realloc=reserve). */
    private void track(long block, long step) {
        if (options.realloc() != DenseOptions.Realloc.RESERVE) {
            return;
        }
        if (growing.length == 0) {
            growing = new long[GROWING];
            growSteps = new long[GROWING];
        }
        int i = 0;
        while (i < growingCount && growing[i] != block) {
            i++;
        }
        long last = i < growingCount ? growSteps[i] : 0;
        if (i == growingCount && growingCount < GROWING) {
            growingCount++;
        }
        int moved = Math.min(i, GROWING - 1);
        System.arraycopy(growing, 0, growing, 1, moved);
        System.arraycopy(growSteps, 0, growSteps, 1, moved);
        growing[0] = block;
        growSteps[0] = step > 0 ? step : last;
    }

    /** Forgets {@code block} (freed or moved). */
    private void untrack(long block) {
        for (int i = 0; i < growingCount; i++) {
            if (growing[i] == block) {
                System.arraycopy(growing, i + 1, growing, i, growingCount - i - 1);
                System.arraycopy(growSteps, i + 1, growSteps, i, growingCount - i - 1);
                growingCount--;
                return;
            }
        }
    }

    /**
     * Grows the heap by {@code asize} for a new block; a free last block that is a growth reserve stays free before
     * it. Returns the new block (a free block out of the tree) or 0 (nothing changed).
     */
    private long growPastReserve(long asize) {
        long epilogue = epilogue();
        if (leftAllocated(epilogue) || reserveOf(freeLeftNeighbour(epilogue)) == 0) {
            return extend(asize);
        }
        long grow = growth(asize);
        if (heap.sbrk(grow) < 0) {
            return 0;
        }
        writeFree(epilogue, grow, false); // its left neighbour, the reserve, stays free; place() allocates it at once
        heap.putLong(epilogue(), epilogueWord(false));
        heapExtensions++;
        return epilogue;
    }

    /** Bytes kept outside the heap by the tagged tier: the tree, the growing blocks, the page threshold counters. */
    long sideTableBytes() {
        return WORD + tree.externalBytes() + 16L * growing.length + 4L * taggedLive.length;
    }

    /** Live tagged blocks of {@code size} bytes (counted up to the small tier's largest block). */
    private int taggedLive(long size) {
        int i = (int) (size >>> 4);
        return i < taggedLive.length ? taggedLive[i] : 0;
    }

    /** Counts a tagged block of {@code size} bytes in ({@code +1}) or out ({@code -1}) for the page threshold. */
    private void countTagged(long size, int delta) {
        if (pages == null || size > blockSizeFor(options.small())) {
            return;
        }
        int i = (int) (size >>> 4);
        if (i >= taggedLive.length) {
            taggedLive = java.util.Arrays.copyOf(taggedLive, (int) (blockSizeFor(options.small()) >>> 4) + 1);
        }
        taggedLive[i] += delta;
    }

    /**
     * Marks the unlinked free {@code block} allocated with {@code asize} bytes and flags, splitting off a free rest
     * of at least 32 bytes (which goes into the tree), else handing out the whole block.
     */
    private void place(long block, long asize, boolean leftAllocated, long flags) {
        long size = sizeOf(header(block));
        long rest = size - asize;
        if (rest >= MIN_BLOCK) {
            writeAllocated(block, asize, leftAllocated, flags);
            writeFree(block + asize, rest, true);
            tree.insert(block + asize, rest);
            splits++;
        } else {
            writeAllocated(block, size, leftAllocated, flags);
            setLeftAllocated(block + size, true);
        }
        if ((flags & PAGE) == 0) {
            countTagged(sizeOf(header(block)), 1);
        }
    }

    /**
     * Grows the heap so that it ends in a free block of at least {@code asize} bytes, extending a free last block
     * by exactly what it lacks (by whole chunks with grow=chunk); returns that block, out of the tree, or 0 when the
     * heap is full (nothing changed).
     */
    private long extend(long asize) {
        long epilogue = epilogue();
        long block = epilogue;
        long have = 0;
        if (!leftAllocated(epilogue)) {
            block = freeLeftNeighbour(epilogue);
            have = epilogue - block;
        }
        long grow = have < asize ? growth(asize - have) : 0;
        if (grow > 0 && heap.sbrk(grow) < 0) {
            return 0;
        }
        boolean leftAllocated = leftAllocated(block);
        if (have > 0) {
            tree.remove(block, have);
        }
        if (grow > 0) {
            writeFree(block, have + grow, leftAllocated);
            heap.putLong(epilogue(), epilogueWord(false));
            heapExtensions++;
        }
        return block;
    }

    /** What the heap grows by when {@code missing} bytes are missing: exactly that, or whole chunks. */
    private long growth(long missing) {
        return options.growth() == DenseOptions.Growth.EXACT ? missing : alignUp(missing, CHUNK);
    }

    // ---------------------------------------------------------------- pages (the small tier's blocks)

    /**
     * An allocated page block (tag bit s) of at least {@code min} and at most {@code max} bytes, as close to
     * {@code target} as fits, whose end + 8 is a multiple of the granule; 0 when the heap cannot hold one.
     */
    long allocatePageBlock(long target, long min, long max) {
        long block = tree.firstFrom(min, PAGE_SEARCH,
                (b, size) -> pageFit(b, size, target, min, max) != 0 && (growingCount == 0 || reserveOf(b) == 0));
        if (block == 0) {
            block = tree.findFit(target + SmallPages.GRANULE + MIN_BLOCK);
        }
        if (block != 0) {
            long size = sizeOf(header(block));
            long pageSize = pageFit(block, size, target, min, max);
            if (pageSize == 0) {
                throw new IllegalStateException("no page fits a free block of " + size + " bytes (target " + target + ")");
            }
            tree.remove(block, size);
            place(block, pageSize, leftAllocated(block), PAGE);
            return block;
        }
        // At the heap's end: the page swallows a free last block whole and the heap grows to the granule past it.
        long epilogue = epilogue();
        boolean lastFree = !leftAllocated(epilogue);
        block = lastFree ? freeLeftNeighbour(epilogue) : epilogue;
        long have = epilogue - block;
        long want = Math.max(target, have);
        long end = alignUp(block + WORD + want, SmallPages.GRANULE);
        long lower = end - SmallPages.GRANULE - WORD - block;
        if (lower >= Math.max(min, target - SmallPages.GRANULE / 2) && lower >= have) {
            end -= SmallPages.GRANULE; // closer to the target from below
        }
        long pageSize = end - WORD - block;
        long missing = pageSize - have;
        long grow = growth(missing);
        if (grow - missing > 0 && grow - missing < MIN_BLOCK) {
            grow += CHUNK; // grow=chunk: the rest after the page must be a whole free block
        }
        if (grow > 0 && heap.sbrk(grow) < 0) {
            return 0;
        }
        boolean leftAllocated = leftAllocated(block);
        if (lastFree) {
            tree.remove(block, have);
        }
        if (grow > 0) {
            writeFree(block, have + grow, leftAllocated);
            heap.putLong(epilogue(), epilogueWord(false));
            heapExtensions++;
        }
        place(block, pageSize, leftAllocated, PAGE);
        return block;
    }

    /**
     * The size of a page at the low end of the free block {@code [b, b + size)} ending on a granule, between
     * {@code min} and {@code max}, nearest {@code target}, leaving 0 or at least 32 bytes; 0 if there is none.
     */
    static long pageFit(long b, long size, long target, long min, long max) {
        long above = alignUp(b + WORD + target, SmallPages.GRANULE);
        long[] ends = {above, above - SmallPages.GRANULE, (b + size + WORD) & -SmallPages.GRANULE};
        for (long end : ends) {
            long s = end - WORD - b;
            if (s >= min && s <= max && s <= size && (s == size || size - s >= MIN_BLOCK)) {
                return s;
            }
        }
        return 0;
    }

    /** Frees an emptied page block (its s bit cleared first). */
    void releasePageBlock(long block) {
        heap.putLong(block, header(block) & ~PAGE);
        if (!elide) {
            heap.putLong(block + sizeOf(header(block)) - WORD, header(block));
        }
        freeBlock(block);
    }

    // ---------------------------------------------------------------- free

    @Override
    protected void deallocate(long address) {
        moveHint = 0;
        SmallPages p = pages;
        long end = pageOf(p, address);
        if (p != null && end != 0) {
            p.free(this, address, end);
            return;
        }
        long block = liveBlock(address);
        freeTagged(block, sizeOf(header(block)));
    }

    /** Frees the live tagged block at {@code block} of {@code size} bytes: its count, its growth record, the block. */
    private void freeTagged(long block, long size) {
        countTagged(size, -1);
        if (growingCount > 0) {
            untrack(block);
        }
        freeBlock(block);
    }

    private void freeBlock(long block) {
        long size = sizeOf(header(block));
        boolean leftAllocated = leftAllocated(block);
        if (immediate) {
            long right = block + size;
            long rightTag = header(right);
            if (!isAllocated(rightTag)) {
                tree.remove(right, sizeOf(rightTag));
                size += sizeOf(rightTag);
                coalescesRight++;
            }
            if (!leftAllocated) {
                long left = freeLeftNeighbour(block);
                tree.remove(left, block - left);
                size += block - left;
                block = left;
                coalescesLeft++;
                leftAllocated = true;
            }
        }
        writeFree(block, size, leftAllocated);
        setLeftAllocated(block + size, false);
        tree.insert(block, size);
        frees++;
    }

    // ---------------------------------------------------------------- realloc

    @Override
    protected boolean resize(long address, long size) {
        moveHint = 0;
        SmallPages p = pages;
        long end = pageOf(p, address);
        if (p != null && end != 0) {
            return p.resize(address, end, size);
        }
        long block = liveBlock(address);
        long current = sizeOf(header(block));
        if (!resizeBlock(address, block, size)) {
            return false;
        }
        long now = sizeOf(header(block));
        countTagged(current, -1);
        countTagged(now, 1);
        track(block, now - current);
        return true;
    }

    /** {@link #resize} of the live tagged {@code block}. */
    private boolean resizeBlock(long address, long block, long size) {
        long tag = header(block);
        long current = sizeOf(tag);
        long asize = blockSizeFor(size);
        boolean leftAllocated = leftAllocated(block);
        if (asize <= current) {
            if (current - asize >= MIN_BLOCK) {
                shrink(block, current, asize, leftAllocated, tag & GROWN);
            }
            return true;
        }
        if (options.realloc() == DenseOptions.Realloc.MOVE) {
            return false;
        }
        long right = block + current;
        long rightTag = header(right);
        boolean rightFree = !isAllocated(rightTag);
        long available = rightFree ? current + sizeOf(rightTag) : current;
        if (available >= asize) {
            tree.remove(right, sizeOf(rightTag));
            long rest = available - asize;
            if (rest >= MIN_BLOCK) {
                writeAllocated(block, asize, leftAllocated, GROWN);
                writeFree(block + asize, rest, true);
                tree.insert(block + asize, rest);
            } else {
                writeAllocated(block, available, leftAllocated, GROWN);
                setLeftAllocated(block + available, true);
            }
            coalescesRight++;
            growsInPlace++;
            return true;
        }
        if (block + available == epilogue()) {
            if (heap.sbrk(asize - available) < 0) {
                return false;
            }
            if (rightFree) {
                tree.remove(right, sizeOf(rightTag));
                coalescesRight++;
            }
            writeAllocated(block, asize, leftAllocated, GROWN);
            heap.putLong(epilogue(), epilogueWord(true));
            growsAtBreak++;
            return true;
        }
        // realloc moves the block next: its allocate places it as a grown block and tracks it
        moveHint = address;
        moveHintSize = size;
        moveHintFrom = current;
        return false;
    }

    /** Cuts the live {@code block} down to {@code asize} bytes; the rest (at least 32) merges with a free right neighbour. */
    private void shrink(long block, long current, long asize, boolean leftAllocated, long flags) {
        long right = block + current;
        long rightTag = header(right);
        long rest = block + asize;
        long restSize = current - asize;
        writeAllocated(block, asize, leftAllocated, flags);
        if (immediate && !isAllocated(rightTag)) {
            tree.remove(right, sizeOf(rightTag));
            restSize += sizeOf(rightTag);
            coalescesRight++;
        }
        writeFree(rest, restSize, true);
        setLeftAllocated(rest + restSize, false);
        tree.insert(rest, restSize);
        splits++;
        shrinks++;
    }

    @Override
    protected long usable(long address) {
        SmallPages p = pages;
        long end = pageOf(p, address);
        if (p != null && end != 0) {
            return p.usable(address, end);
        }
        return sizeOf(header(liveBlock(address))) - tagBytes;
    }

    /** A tagged block's size from its header without the screen (a block just handed out); a slot's from its page. */
    @Override
    protected long freshUsable(long address) {
        return pages == null ? sizeOf(header(address - WORD)) - tagBytes : usable(address);
    }

    /**
     * Without the small tier (F alone): frees the tagged block at {@code address} if its header still gives
     * {@code usable}; a header another plausible size returns that size, nothing changed, and one the screen refuses
     * (a 1-byte underrun lands in its top byte; with footers=all a header its footer does not repeat) is
     * {@link #liveBlock}'s {@link InvalidPointerException}.
     */
    @Override
    protected long deallocateIfUsable(long address, long usable) {
        if (pages != null) {
            return super.deallocateIfUsable(address, usable);
        }
        requirePayloadAddress(address, firstBlock + WORD);
        long size = sizeOf(header(address - WORD));
        // free-only: another plausible size is the comparison's; footers=all: the screen's footer test comes first
        if (elide && size - tagBytes != usable && size >= MIN_BLOCK && size <= epilogue() - (address - WORD)) {
            return size - tagBytes;
        }
        long block = liveBlock(address);
        if (size - tagBytes != usable) {
            return size - tagBytes;
        }
        moveHint = 0;
        freeTagged(block, size);
        return usable;
    }

    // ---------------------------------------------------------------- alignedAlloc

    @Override
    protected long allocateAligned(long alignment, long size) {
        moveHint = 0;
        long asize = blockSizeFor(size);
        long block = tree.findFit(asize + alignment + MIN_BLOCK);
        if (block != 0) {
            tree.remove(block, sizeOf(header(block)));
        } else {
            block = extendAligned(alignment, asize);
            if (block == 0) {
                return 0;
            }
        }
        long start = alignedStart(block, alignment);
        boolean leftAllocated = leftAllocated(block);
        if (start != block) {
            long end = block + sizeOf(header(block));
            writeFree(block, start - block, leftAllocated);
            tree.insert(block, start - block);
            writeFree(start, end - start, false); // out of the tree; place() turns it into the allocated block
            leftAllocated = false;
            splits++;
        }
        place(start, asize, leftAllocated, 0);
        allocations++;
        return start + WORD;
    }

    /** The first block start at or after {@code block} whose payload is aligned and whose front gap is 0 or >= 32. */
    private static long alignedStart(long block, long alignment) {
        return alignedBlockStart(block, WORD, alignment, MIN_BLOCK);
    }

    /**
     * Grows the heap by exactly what an aligned block of {@code asize} bytes needs at its end; returns the free
     * block (out of the tree) that ends at the new epilogue and holds it, or 0 when the heap is full.
     */
    private long extendAligned(long alignment, long asize) {
        long epilogue = epilogue();
        boolean lastFree = !leftAllocated(epilogue);
        long block = lastFree ? freeLeftNeighbour(epilogue) : epilogue;
        long end = Math.max(alignedStart(block, alignment) + asize, epilogue);
        long grow = end > epilogue ? growth(end - epilogue) : 0;
        if (grow > 0 && heap.sbrk(grow) < 0) {
            return 0;
        }
        boolean leftAllocated = leftAllocated(block);
        if (lastFree) {
            tree.remove(block, epilogue - block);
        }
        if (grow > 0) {
            writeFree(block, epilogue + grow - block, leftAllocated);
            heap.putLong(epilogue(), epilogueWord(false));
            heapExtensions++;
        }
        return block;
    }

    // ---------------------------------------------------------------- statistics

    @Override
    protected List<AllocatorMetric> metrics() {
        DenseMetric.@Nullable SmallPagesMetric small = null;
        SmallPages pages = this.pages;
        if (pages != null) {
            List<DenseMetric.ClassRow> classes = new ArrayList<>();
            long[] totals = denseWalk().pageTotals();
            for (int c = 0; c < pages.classes; c++) {
                long n = totals[4 * c];
                if (n != 0) {
                    classes.add(new DenseMetric.ClassRow(SmallPages.slotSize(c), n, totals[4 * c + 1], totals[4 * c + 2],
                            totals[4 * c + 3]));
                }
            }
            small = new DenseMetric.SmallPagesMetric(pages.allocations, pages.frees, pages.pagesCreated, pages.pagesFreed,
                    classes);
        }
        return List.of(new DenseMetric(options, allocations, frees, splits, coalescesLeft, coalescesRight, heapExtensions,
                growsInPlace, growsAtBreak, shrinks, reservesCarved, reservesKept, tree.nodes,
                tree.searches == 0 ? 0.0 : (double) tree.searchSteps / tree.searches, tree.maxSearchSteps, small));
    }

    @Override
    protected HeapWalk walk() {
        return denseWalk();
    }

    private DenseWalk denseWalk() {
        if (walk == null) {
            walk = new DenseWalk(this, heap);
        }
        return walk;
    }
}
