package org.jalloc.boundarytag;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Locale;

import org.jalloc.core.spi.AbstractAllocator;
import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
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
 * Knuth's boundary tags (TAOCP vol. 1, 2.5): a size tag at both ends of a block, so a freed block finds both
 * neighbours in O(1) and merges with them at once; explicit doubly linked free lists in the free payloads; and
 * dlmalloc's footer elision, where allocated blocks carry no footer and a prev-allocated bit in the next header
 * says whether the left neighbour has one. The free lists are indexed by {@link SegregatedLists} (name
 * {@code boundary-tag}) or {@link Tlsf} (name {@code tlsf}).
 *
 * <h2>Nouns</h2>
 * <b>block</b>: header, payload and (when free, or always with {@code footers=all}) footer; a multiple of 16 bytes,
 * at least {@link #MIN_BLOCK}; its address is its header's. <b>header / footer</b>: the 8-byte tag before the
 * payload / at the block's last 8 bytes. <b>left / right neighbour</b>: the block ending where this one starts /
 * starting where this one ends. <b>prologue</b>: an 8-byte footer of a zero-size allocated block at the heap start,
 * the left neighbour of the first block. <b>epilogue</b>: a zero-size allocated header at {@code brk - 8}, the
 * right neighbour of the last block. <b>list</b>: a doubly linked list of free blocks, chosen by size.
 *
 * <h2>Heap layout</h2>
 * <pre>
 *  start       start+8                                                   brk-8     brk
 *  | prologue  | block | block | ...                               | block | epilogue |
 *  |  0 | a=1  | hdr ...                                           |  ...  | 0|p|a=1  |
 *  +-----------+-------+-------+-----------------------------------+-------+----------+
 *   METADATA    block headers at 16k+8, payloads at 16k                      METADATA
 * </pre>
 *
 * <h2>Tags (header and footer words)</h2>
 * <pre>
 *   63                                        4   3   2   1   0
 *  +--------------------------------------------+---+---+---+---+
 *  |        block size (multiple of 16)         | 0 | 0 | p | a |   a = allocated
 *  +--------------------------------------------+---+---+---+---+   p = left neighbour allocated (footers=free-only;
 *                                                                        always 0 with footers=all)
 * </pre>
 *
 * <h2>Block layouts</h2>
 * <pre>
 *  footers=free-only (default, dlmalloc):                 usable = size - 8, smallest block 32
 *
 *  allocated   b          b+8 (16-aligned)                                  b+size
 *             +----------+-------------------------------------------------+----------+
 *             | size|p|1 | payload ............................ (no footer) | size'|1|a|  next header: p = 1
 *             +----------+-------------------------------------------------+----------+
 *  free       +----------+----------+----------+-----------------+----------+----------+
 *             | size|1|0 |   next   |   prev   |     unused      | size|1|0 | size'|0|a|  next header: p = 0
 *             +----------+----------+----------+-----------------+----------+----------+
 *              header     b+8        b+16                         footer = header
 *
 *  footers=all (Knuth):                                    usable = size - 16, smallest block 32
 *
 *  allocated  +----------+---------------------------------------+----------+
 *             | size|0|1 | payload ............................. | size|0|1 |   footer = header
 *             +----------+---------------------------------------+----------+
 *  free       +----------+----------+----------+-----------------+----------+
 *             | size|0|0 |   next   |   prev   |     unused      | size|0|0 |
 *             +----------+----------+----------+-----------------+----------+
 * </pre>
 * The left neighbour's state comes from this block's p bit (free-only) or from the word before this block, the
 * left neighbour's footer (all); a free left neighbour's start is {@code b - size(footer at b - 8)} in both.
 *
 * <h2>Invariants (spec/invariants.md)</h2>
 * <ul>
 *   <li>HEAP-1: {@code 8 + Σ size(block) + 8 = brk - start} (prologue, blocks and epilogue tile the heap).</li>
 *   <li>HEAP-3: every free block is in exactly one list, once; HEAP-4: no two free blocks are adjacent (immediate
 *       coalescing).</li>
 *   <li>BT-1: {@code mem[start] = 0x1 ∧ size(mem[brk - 8]) = 0 ∧ a(mem[brk - 8]) = 1} (sentinels).</li>
 *   <li>BT-2: every header has bits 2..3 clear (and bit 1 with footers=all), {@code size ≡ 0 (mod 16)}, {@code size ≥ 32}.</li>
 *   <li>BT-3: {@code ∀ free b: mem[b + size(b) - 8] = mem[b]}; with footers=all for every block.</li>
 *   <li>BT-4 (free-only): {@code ∀ b: p(b) = a(left(b))}, for the epilogue too; the prologue counts as allocated.</li>
 *   <li>BT-5: the backward walk by footers ({@code b ↦ b - size(mem[b - 8])}, wherever a footer exists: all
 *       blocks with footers=all, free left neighbours with free-only) lands on the block starts of the forward
 *       walk by headers.</li>
 *   <li>BT-6: {@code ∀ b ∈ list i: listOf(size(b)) = i}; BT-7: {@code prev(head) = 0 ∧ prev(next(x)) = x}.</li>
 *   <li>BT-8 (tlsf): {@code bit(fl, sl) ⇔ heads[fl, sl] ≠ 0} and {@code bit(fl) ⇔ slBitmap[fl] ≠ 0}.</li>
 * </ul>
 *
 * <h2>Algorithms</h2>
 * <ol>
 *   <li>malloc(n): asize = max(32, roundup16(n + tag bytes)); ask the index for a free block of at least asize
 *       (segregated: the best of the first {@code scan} blocks of a class; tlsf: O(1) good fit, see {@link Tlsf});
 *       if none, grow the heap by exactly what is missing: asize less a free last block (found from the epilogue's
 *       p bit or the footer before it), which the new space extends. Unlink the block; split when the rest is at
 *       least 32 bytes (the rest goes back to its list), else set the right neighbour's p bit.</li>
 *   <li>free(p): O(1) coalescing. (a) A right neighbour with a clear a bit is unlinked and absorbed. (b) A left
 *       neighbour that is free (clear p bit, or a footer with a clear a bit) starts {@code size(footer)} bytes
 *       earlier: it is unlinked and absorbs the block. (c) Write header and footer, clear the right neighbour's p
 *       bit, push the block on its list.</li>
 *   <li>realloc/tryExpand in place: shrink by splitting off a rest of at least 32 bytes, which merges with a free
 *       right neighbour; grow into a free right neighbour (splitting what is left over), or, when the block (with
 *       a free right neighbour) ends at the epilogue, by moving the break.</li>
 *   <li>alignedAlloc(a, n): a free block of at least asize + a + 32 (or exact growth at the end of the heap) is cut
 *       at the first a-aligned payload whose front gap is 0 or a whole free block of at least 32 bytes.</li>
 * </ol>
 *
 * <h2>Misuse detected in O(1)</h2>
 * Addresses that are not 16-aligned or lie outside the heap; headers with impossible sizes or flag bits; a block
 * whose a bit is clear and whose footer matches (double free; a mismatching footer is an invalid pointer); with
 * footers=all, a footer that does not repeat the header; with free-only, a right neighbour whose p bit is clear. An
 * address inside a live payload whose bytes happen to look like a consistent block is not detected outside checked
 * mode.
 *
 * <p>Thread safety: {@link ThreadSafety#SINGLE_OWNER}.
 */
public final class BoundaryTagAllocator extends AbstractAllocator {
    /** How free blocks are indexed. */
    public enum Policy {
        /** Power-of-two size classes, best of the first {@code scan} blocks per class (name {@code boundary-tag}). */
        SEGREGATED,
        /** Segregated lists with first fit inside a class ({@code boundary-tag:fit=first}). */
        SEGREGATED_FIRST_FIT,
        /** Two-level segregated fit with bitmaps (name {@code tlsf}). */
        TLSF
    }

    /** Which blocks carry a footer. */
    public enum Footers {
        /** Only free blocks; allocated blocks' right neighbours carry a prev-allocated bit (dlmalloc). */
        FREE_ONLY,
        /** Every block (Knuth's original layout). */
        ALL
    }

    static final long WORD = 8;
    static final long ALLOCATED = 1;
    static final long PREV_ALLOCATED = 2;
    static final long FLAGS = 15;
    static final long MIN_BLOCK = 32;
    /** The prologue: a footer word of a zero-size allocated block. */
    static final long PROLOGUE = ALLOCATED;

    private final Policy policy;
    private final Footers footers;
    private final boolean elide;
    /** Bytes of tags in an allocated block: 8 (header) or 16 (header and footer). */
    private final long tagBytes;
    /** Header bits that must be 0. */
    private final long reservedBits;
    final BinIndex index;
    final long firstBlock;
    /**
     * The heap's memory, through which the engine reads and writes every tag and (passed to the index) every link:
     * one segment value per operation, so the JIT checks its type, bounds limit and liveness once (see {@link BinIndex}).
     */
    private final MemorySegment mem;

    private long allocations;
    private long frees;
    private long splits;
    private long coalescesLeft;
    private long coalescesRight;
    private long heapExtensions;
    private long growsInPlace;
    private long growsAtBreak;
    private long shrinks;

    private final Walk walk = new Walk();

    /**
     * A boundary-tag allocator over {@code heap}, which it owns from now on.
     *
     * @param name the name it reports (e.g. {@code tlsf:footers=all})
     */
    BoundaryTagAllocator(Heap heap, Policy policy, Footers footers, String name) {
        this(heap, policy, footers, SegregatedLists.DEFAULT_SCAN, name);
    }

    /**
     * As {@link #BoundaryTagAllocator(Heap, Policy, Footers, String)}, with the segregated lists' scan bound.
     *
     * @param scan blocks examined per class by the segregated lists (0: no bound, exact best fit); unused by TLSF
     */
    BoundaryTagAllocator(Heap heap, Policy policy, Footers footers, long scan, String name) {
        this(heap, policy, footers, scan, false, name);
    }

    /**
     * As {@link #BoundaryTagAllocator(Heap, Policy, Footers, long, String)}, with {@code secure=on|off}: the free
     * lists' links stored encoded and checked before they are followed (SEC-1, {@link SecureLinks}).
     */
    BoundaryTagAllocator(Heap heap, Policy policy, Footers footers, long scan, boolean secure, String name) {
        super(name, heap);
        this.policy = policy;
        this.footers = footers;
        this.elide = footers == Footers.FREE_ONLY;
        this.tagBytes = elide ? WORD : 2 * WORD;
        this.reservedBits = elide ? FLAGS & ~(ALLOCATED | PREV_ALLOCATED) : FLAGS & ~ALLOCATED;
        this.index = switch (policy) {
            case SEGREGATED -> new SegregatedLists(heap, SegregatedLists.Fit.BEST, scan);
            case SEGREGATED_FIRST_FIT -> new SegregatedLists(heap, SegregatedLists.Fit.FIRST, scan);
            case TLSF -> new Tlsf(heap);
        };
        this.mem = heap.memory();
        long start = heap.sbrk(2 * WORD);
        if (start < 0) {
            throw new IllegalArgumentException("heap too small for the boundary-tag sentinels: " + heap);
        }
        heap.putLong(start, PROLOGUE);
        heap.putLong(start + WORD, epilogueWord(true));
        this.firstBlock = start + WORD;
        this.index.links = new SecureLinks(secure, heap, name, firstBlock, 16);
    }

    /** Segregated lists (best fit) with footer elision over a new heap of {@code heapBytes}. */
    public static BoundaryTagAllocator segregated(long heapBytes) {
        return create(heapBytes, Policy.SEGREGATED, Footers.FREE_ONLY);
    }

    /** TLSF with footer elision over a new heap of {@code heapBytes}. */
    public static BoundaryTagAllocator tlsf(long heapBytes) {
        return create(heapBytes, Policy.TLSF, Footers.FREE_ONLY);
    }

    /** A boundary-tag allocator over a new heap of {@code heapBytes}, named as its spec ({@code tlsf:footers=all}). */
    public static BoundaryTagAllocator create(long heapBytes, Policy policy, Footers footers) {
        String options = String.join(",", java.util.stream.Stream.of(
                footers == Footers.ALL ? "footers=all" : "", policy == Policy.SEGREGATED_FIRST_FIT ? "fit=first" : "")
                .filter(o -> !o.isEmpty()).toList());
        String name = (policy == Policy.TLSF ? "tlsf" : "boundary-tag") + (options.isEmpty() ? "" : ":" + options);
        Heap heap = Heap.reserve(heapBytes);
        try {
            return new BoundaryTagAllocator(heap, policy, footers, name);
        } catch (RuntimeException | Error e) {
            heap.close();
            throw e;
        }
    }

    @Override
    public ThreadSafety threadSafety() {
        return ThreadSafety.SINGLE_OWNER;
    }

    // ---------------------------------------------------------------- tags

    private long header(long block) {
        return mem.get(BinIndex.WORD, block);
    }

    /** The heap word at {@code address}. */
    private long word(long address) {
        return mem.get(BinIndex.WORD, address);
    }

    /** Writes the heap word at {@code address}. */
    private void setWord(long address, long value) {
        mem.set(BinIndex.WORD, address, value);
    }

    static long sizeOf(long tag) {
        return tag & ~FLAGS;
    }

    static boolean isAllocated(long tag) {
        return (tag & ALLOCATED) != 0;
    }

    private long epilogue() {
        return heap.brk() - WORD;
    }

    private long epilogueWord(boolean lastAllocated) {
        return ALLOCATED | (elide && lastAllocated ? PREV_ALLOCATED : 0);
    }

    private long blockSizeFor(long size) {
        return Math.max(MIN_BLOCK, alignUp(size + tagBytes, MIN_ALIGNMENT));
    }

    /** Whether the block (or epilogue) at {@code block} has an allocated left neighbour; the prologue counts. */
    private boolean leftAllocated(long block) {
        return elide ? (header(block) & PREV_ALLOCATED) != 0 : isAllocated(word(block - WORD));
    }

    /** The start of the free left neighbour of {@code block}, from its footer. */
    private long freeLeftNeighbour(long block) {
        long size = sizeOf(word(block - WORD));
        long left = block - size;
        if (size < MIN_BLOCK || left < firstBlock) {
            throw new HeapCorruptionException(name() + ": footer before " + hex(block) + " says " + size
                    + " bytes (a write past the end of a block?)", block - WORD);
        }
        return left;
    }

    /** Header and footer of a free block; its left neighbour is allocated (no two free blocks are adjacent). */
    private void writeFree(long block, long size) {
        long tag = elide ? size | PREV_ALLOCATED : size;
        setWord(block, tag);
        setWord(block + size - WORD, tag);
    }

    /** Header (and with footers=all, footer) of an allocated block. */
    private void writeAllocated(long block, long size, boolean leftAllocated) {
        if (elide) {
            setWord(block, size | ALLOCATED | (leftAllocated ? PREV_ALLOCATED : 0));
        } else {
            long tag = size | ALLOCATED;
            setWord(block, tag);
            setWord(block + size - WORD, tag);
        }
    }

    /** Sets the p bit of the allocated block or epilogue at {@code block} (free-only layout; no-op with footers=all). */
    private void setLeftAllocated(long block, boolean allocated) {
        if (elide) {
            long tag = header(block);
            setWord(block, allocated ? tag | PREV_ALLOCATED : tag & ~PREV_ALLOCATED);
        }
    }

    /**
     * The header tag of the live block whose payload is {@code address}, screened in O(1) (the fast paths read the
     * header once, here, and take size and p bit from the tag): the address is 16-aligned inside the heap, the header
     * well formed and allocated, and its footer (footers=all) or the right neighbour's p bit (free-only) agrees. The
     * footer of a free-looking header is read only to tell a double free from a wild pointer.
     */
    private long liveTag(long address) {
        long tag = screenedTag(address);
        if (elide && (header(address - WORD + sizeOf(tag)) & PREV_ALLOCATED) == 0) {
            throw rightPrevClear(address);
        }
        return tag;
    }

    /**
     * {@link #liveTag} but for its free-only test of the right neighbour's p bit, which {@link #deallocate} makes on
     * the right neighbour's tag it reads anyway.
     */
    private long screenedTag(long address) {
        long brk = heap.brk();
        if ((address & (MIN_ALIGNMENT - 1)) != 0 || address < firstBlock + WORD || address >= brk) {
            requirePayloadAddress(address, firstBlock + WORD); // throws the shared message
        }
        long block = address - WORD;
        long tag = header(block);
        long size = sizeOf(tag);
        if ((tag & reservedBits) != 0 || size < MIN_BLOCK || size > brk - WORD - block) {
            throw new InvalidPointerException(name() + ": " + hex(address) + " is not a block start (header 0x"
                    + Long.toHexString(tag) + " is not a valid header)", address);
        }
        if (!isAllocated(tag)) {
            if (word(block + size - WORD) == tag) {
                throw new DoubleFreeException(name() + ": block " + hex(address) + " is not allocated (double free?)", address);
            }
            throw new InvalidPointerException(name() + ": " + hex(address) + " is not a block start (a free-looking header "
                    + "without a matching footer)", address);
        }
        if (!elide) {
            long footer = word(block + size - WORD);
            if (footer != tag) {
                throw new InvalidPointerException(name() + ": " + hex(address) + " is not a block start (footer 0x"
                        + Long.toHexString(footer) + " does not repeat header 0x" + Long.toHexString(tag) + ")", address);
            }
        }
        return tag;
    }

    /** The screen's last test with footers=free-only, when the caller has read the right neighbour's tag already. */
    private InvalidPointerException rightPrevClear(long address) {
        return new InvalidPointerException(name() + ": " + hex(address) + " is not a block start (the next header's "
                + "prev-allocated bit is clear)", address);
    }

    private static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }

    // ---------------------------------------------------------------- engine

    @Override
    protected long allocate(long size) {
        long asize = blockSizeFor(size);
        long block = index.findFit(mem, asize);
        if (block == 0) {
            block = extend(asize);
            if (block == 0) {
                return 0;
            }
            place(block, sizeOf(header(block)), asize, true);
        } else {
            long have = sizeOf(header(block)); // the one read of the found block's header
            index.remove(mem, block, have);
            place(block, have, asize, true);
        }
        allocations++;
        return block + WORD;
    }

    /**
     * Marks the unlinked free {@code block} allocated with {@code asize} bytes, splitting off a free rest of at
     * least 32 bytes (whose right neighbour's p bit stays clear); otherwise sets the right neighbour's p bit.
     */
    private void place(long block, long asize, boolean leftAllocated) {
        place(block, sizeOf(header(block)), asize, leftAllocated);
    }

    /** {@link #place(long, long, boolean)} with the block's size ({@code size}) already read from its header. */
    private void place(long block, long size, long asize, boolean leftAllocated) {
        long rest = size - asize;
        if (rest >= MIN_BLOCK) {
            writeAllocated(block, asize, leftAllocated);
            writeFree(block + asize, rest);
            index.insert(mem, block + asize, rest);
            splits++;
        } else {
            writeAllocated(block, size, leftAllocated);
            setLeftAllocated(block + size, true);
        }
    }

    /**
     * Grows the heap so that it ends in a free block of at least {@code asize} bytes, extending a free last block
     * by exactly what it lacks; returns that block, unlinked, or 0 when the heap is full (nothing changed).
     */
    private long extend(long asize) {
        long epilogue = epilogue();
        long block = epilogue;
        long have = 0;
        if (!leftAllocated(epilogue)) {
            block = freeLeftNeighbour(epilogue);
            have = epilogue - block;
        }
        if (have < asize && heap.sbrk(asize - have) < 0) {
            return 0;
        }
        if (have > 0) {
            index.remove(mem, block, have);
        }
        if (have < asize) {
            writeFree(block, asize);
            setWord(epilogue(), epilogueWord(false));
            heapExtensions++;
        }
        return block;
    }

    @Override
    protected void deallocate(long address) {
        release(address, screenedTag(address));
    }

    /** The debug layer's F: the size compared on the tag the free reads anyway, one screen for both. */
    @Override
    protected long deallocateIfUsable(long address, long usable) {
        long tag = screenedTag(address);
        long now = sizeOf(tag) - tagBytes;
        if (now == usable) {
            release(address, tag);
        }
        return now;
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
        return sizeOf(header(address - WORD)) - tagBytes;
    }

    /** Frees the block at {@code address} whose screened tag is {@code tag}. */
    private void release(long address, long tag) {
        long block = address - WORD;
        long size = sizeOf(tag);
        long right = block + size;
        long rightTag = header(right);
        if (elide && (rightTag & PREV_ALLOCATED) == 0) {
            throw rightPrevClear(address); // the rest of liveTag's screen
        }
        boolean leftAllocated = elide ? (tag & PREV_ALLOCATED) != 0 : isAllocated(word(block - WORD));
        long left = leftAllocated ? block : freeLeftNeighbour(block); // its footer screened before anything changes
        boolean rightFree = !isAllocated(rightTag);
        if (rightFree) {
            index.remove(mem, right, sizeOf(rightTag));
            size += sizeOf(rightTag);
            coalescesRight++;
        }
        if (!leftAllocated) {
            index.remove(mem, left, block - left);
            size += block - left;
            block = left;
            coalescesLeft++;
        }
        writeFree(block, size);
        if (elide) { // clear the right neighbour's p bit; its tag is in hand unless the right block was absorbed
            long end = block + size;
            setWord(end, (rightFree ? header(end) : rightTag) & ~PREV_ALLOCATED);
        }
        index.insert(mem, block, size);
        frees++;
    }

    @Override
    protected boolean resize(long address, long size) {
        long tag = liveTag(address);
        long block = address - WORD;
        long current = sizeOf(tag);
        long asize = blockSizeFor(size);
        boolean leftAllocated = elide ? (tag & PREV_ALLOCATED) != 0 : isAllocated(word(block - WORD));
        if (asize <= current) {
            if (current - asize >= MIN_BLOCK) {
                shrink(block, current, asize, leftAllocated);
            }
            return true;
        }
        long right = block + current;
        long rightTag = header(right);
        boolean rightFree = !isAllocated(rightTag);
        long available = rightFree ? current + sizeOf(rightTag) : current;
        if (available >= asize) {
            index.remove(mem, right, sizeOf(rightTag));
            long rest = available - asize;
            if (rest >= MIN_BLOCK) {
                writeAllocated(block, asize, leftAllocated);
                writeFree(block + asize, rest);
                index.insert(mem, block + asize, rest);
            } else {
                writeAllocated(block, available, leftAllocated);
                setLeftAllocated(block + available, true);
            }
            coalescesRight++;
            growsInPlace++;
            return true;
        }
        if (block + available != epilogue()) {
            return false;
        }
        if (heap.sbrk(asize - available) < 0) {
            return false;
        }
        if (rightFree) {
            index.remove(mem, right, sizeOf(rightTag));
            coalescesRight++;
        }
        writeAllocated(block, asize, leftAllocated);
        setWord(epilogue(), epilogueWord(true));
        growsAtBreak++;
        return true;
    }

    /** Cuts the live {@code block} down to {@code asize} bytes; the rest (at least 32) merges with a free right neighbour. */
    private void shrink(long block, long current, long asize, boolean leftAllocated) {
        long right = block + current;
        long rightTag = header(right);
        long rest = block + asize;
        long restSize = current - asize;
        writeAllocated(block, asize, leftAllocated);
        if (!isAllocated(rightTag)) {
            index.remove(mem, right, sizeOf(rightTag));
            restSize += sizeOf(rightTag);
            coalescesRight++;
        }
        writeFree(rest, restSize);
        setLeftAllocated(rest + restSize, false);
        index.insert(mem, rest, restSize);
        splits++;
        shrinks++;
    }

    @Override
    protected long allocateAligned(long alignment, long size) {
        long asize = blockSizeFor(size);
        long block = index.findFit(mem, asize + alignment + MIN_BLOCK);
        if (block != 0) {
            index.remove(mem, block, sizeOf(header(block)));
        } else {
            block = extendAligned(alignment, asize);
            if (block == 0) {
                return 0;
            }
        }
        long start = alignedStart(block, alignment);
        boolean leftAllocated = true;
        if (start != block) {
            long end = block + sizeOf(header(block));
            writeFree(block, start - block);
            index.insert(mem, block, start - block);
            writeFree(start, end - start); // unlinked; place() turns it into the allocated block
            leftAllocated = false;
            splits++;
        }
        place(start, asize, leftAllocated);
        allocations++;
        return start + WORD;
    }

    /** The first block start at or after {@code block} whose payload is aligned and whose front gap is 0 or >= 32. */
    private static long alignedStart(long block, long alignment) {
        return alignedBlockStart(block, WORD, alignment, MIN_BLOCK);
    }

    /**
     * Grows the heap by exactly what an aligned block of {@code asize} bytes needs at its end; returns the free
     * block (unlinked) that ends at the new epilogue and holds it, or 0 when the heap is full (nothing changed).
     */
    private long extendAligned(long alignment, long asize) {
        long epilogue = epilogue();
        boolean lastFree = !leftAllocated(epilogue);
        long block = lastFree ? freeLeftNeighbour(epilogue) : epilogue;
        long end = Math.max(alignedStart(block, alignment) + asize, epilogue);
        if (end > epilogue && heap.sbrk(end - epilogue) < 0) {
            return 0;
        }
        if (lastFree) {
            index.remove(mem, block, epilogue - block);
        }
        if (end > epilogue) {
            writeFree(block, end - block);
            setWord(epilogue(), epilogueWord(false));
            heapExtensions++;
        }
        return block;
    }

    @Override
    protected long usable(long address) {
        return sizeOf(liveTag(address)) - tagBytes;
    }

    // ---------------------------------------------------------------- statistics

    @Override
    protected List<AllocatorMetric> metrics() {
        OptionalDouble mean = OptionalDouble.empty();
        OptionalLong max = OptionalLong.empty();
        Optional<String> flBitmap = Optional.empty();
        if (index instanceof SegregatedLists s) {
            mean = OptionalDouble.of(s.searches == 0 ? 0.0 : (double) s.searchSteps / s.searches);
            max = OptionalLong.of(s.maxSearchSteps);
        }
        if (index instanceof Tlsf t) {
            flBitmap = Optional.of("0x" + Long.toHexString(t.flBitmap));
        }
        long limit = (heap.brk() - firstBlock) / MIN_BLOCK + 1;
        List<BoundaryTagMetric.Bin> bins = new ArrayList<>();
        StringBuilder table = new StringBuilder(String.format("  %-28s %10s%n", "list", "blocks"));
        for (int list = 0; list < index.heads.length; list++) {
            long n = index.length(list, limit);
            if (n > 0 || policy != Policy.TLSF) {
                bins.add(new BoundaryTagMetric.Bin(index.describe(list), n));
                table.append(String.format("  %-28s %10d%n", index.describe(list), n));
            }
        }
        return List.of(new BoundaryTagMetric(policy == Policy.TLSF ? "tlsf" : "boundary-tag", index.policy(),
                footers.name().toLowerCase(Locale.ROOT).replace('_', '-'), allocations, frees, splits, coalescesLeft,
                coalescesRight, heapExtensions, growsInPlace, growsAtBreak, shrinks, mean, max, flBitmap,
                index.heads.length, bins, table.toString()));
    }

    @Override
    protected HeapWalk walk() {
        return walk;
    }

    // ---------------------------------------------------------------- checker SPI

    /** Prologue, blocks by header size, epilogue; the free structures are the index's lists. */
    private final class Walk implements HeapWalk {
        /** Block starts of the last forward walk in {@link #checkInvariants}, for BT-5. */
        private long[] starts = new long[64];

        @Override
        public Heap heap() {
            return heap;
        }

        @Override
        public void walkExtents(ExtentVisitor visitor) {
            long epilogue = epilogue();
            if (!visitor.extent(ExtentKind.METADATA, firstBlock - WORD, WORD, 0, 0)) {
                return;
            }
            long block = firstBlock;
            while (block < epilogue) {
                long tag = header(block);
                long size = sizeOf(tag);
                if (!visitor.extent(isAllocated(tag) ? ExtentKind.ALLOCATED : ExtentKind.FREE, block, size, block + WORD,
                        size - tagBytes)) {
                    return;
                }
                block += size;
            }
            if (block == epilogue) {
                visitor.extent(ExtentKind.METADATA, epilogue, WORD, 0, 0);
            }
        }

        /**
         * The checker's pass (see {@link HeapWalk}): the extents of {@link #walkExtents(ExtentVisitor)} with
         * {@link #checkBlocks}' BT-2..4 and {@link #checkBackwardWalk}'s BT-5 made on the way, each header and
         * footer read once. On anything unusual (a visitor stop, a size past the epilogue) it returns false and
         * {@link #checkInvariants(InvariantSink, boolean, boolean)} makes those checks by the standalone walks.
         */
        @Enforces({"BT-2", "BT-3", "BT-4", "BT-5"})
        @Override
        public boolean walkExtents(ExtentVisitor visitor, InvariantSink sink) {
            long epilogue = epilogue();
            if (!visitor.extent(ExtentKind.METADATA, firstBlock - WORD, WORD, 0, 0)) {
                return false;
            }
            long block = firstBlock;
            long left = 0; // start of the left neighbour; none before the first block (the prologue)
            boolean leftAllocated = true; // the prologue
            long badAt = -1, badWant = 0, badGot = 0; // footers=all: the mismatch nearest the epilogue (BT-5)
            while (block < epilogue) {
                long tag = header(block);
                long size = sizeOf(tag);
                boolean allocated = isAllocated(tag);
                if (!visitor.extent(allocated ? ExtentKind.ALLOCATED : ExtentKind.FREE, block, size, block + WORD, size - tagBytes)) {
                    return false;
                }
                if (size <= 0 || size > epilogue - block) {
                    return false; // the standalone walk stops here and skips BT-5: let it
                }
                checkBlock(sink, block, tag, size, leftAllocated);
                if (block != firstBlock) {
                    if (!elide) {
                        long back = block - sizeOf(heap.getLong(block - WORD));
                        if (back != left) {
                            badAt = block;
                            badWant = left;
                            badGot = back;
                        }
                    } else if ((tag & PREV_ALLOCATED) == 0 && !leftAllocated) {
                        checkBackwardStep(sink, block, left);
                    }
                }
                left = block;
                leftAllocated = allocated;
                block += size;
            }
            if (block != epilogue) {
                return false;
            }
            visitor.extent(ExtentKind.METADATA, epilogue, WORD, 0, 0);
            long e = heap.getLong(epilogue);
            checkEpilogueBit(sink, e, leftAllocated);
            if (!elide) {
                if (left != 0) {
                    long back = epilogue - sizeOf(heap.getLong(epilogue - WORD));
                    if (back != left) {
                        badAt = epilogue;
                        badWant = left;
                        badGot = back;
                    }
                }
                if (badAt >= 0) {
                    reportBackwardWalk(sink, badAt, badWant, badGot);
                } else {
                    checkBackwardEnd(sink, firstBlock);
                }
            } else if (left != 0 && (e & PREV_ALLOCATED) == 0 && !leftAllocated) {
                checkBackwardStep(sink, epilogue, left);
            }
            return true;
        }

        @Override
        public void walkFreeStructures(FreeEntryVisitor visitor) {
            index.walk(visitor, firstBlock, epilogue());
        }

        /** The lists with BT-6 and BT-7 checked on the way (each link read once per check). */
        @Override
        public boolean walkFreeStructures(FreeEntryVisitor visitor, InvariantSink sink) {
            return index.walkChecked(visitor, sink, firstBlock, epilogue());
        }

        @Override
        public boolean coalescesImmediately() {
            return true;
        }

        @Override
        public long externalMetadataBytes() {
            return index.externalBytes();
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
            if (!extentsChecked) {
                int blocks = checkBlocks(sink);
                if (blocks >= 0) {
                    checkBackwardWalk(sink, blocks);
                }
            }
            if (!freeStructuresChecked) {
                index.checkLists(sink, firstBlock, epilogue());
            }
            index.checkStructure(sink);
        }

        @Enforces("BT-1")
        private void checkSentinels(InvariantSink sink) {
            long prologue = heap.getLong(firstBlock - WORD);
            if (prologue != PROLOGUE) {
                sink.violation("BT-1", firstBlock - WORD, "prologue footer at the heap start changed",
                        "size 0, allocated (0x1)", "0x" + Long.toHexString(prologue));
            }
            long e = heap.getLong(epilogue());
            if (sizeOf(e) != 0 || !isAllocated(e) || (e & reservedBits) != 0) {
                sink.violation("BT-1", epilogue(), "epilogue header at brk - 8 changed", "size 0, allocated",
                        "0x" + Long.toHexString(e));
            }
        }

        /**
         * The forward walk by headers: BT-2 header form, BT-3 footers, BT-4 p bits. Records the block starts for
         * BT-5; returns their number, or -1 when the walk cannot reach the epilogue (HEAP-1 reports that).
         */
        @Enforces({"BT-2", "BT-3", "BT-4"})
        private int checkBlocks(InvariantSink sink) {
            long epilogue = epilogue();
            long block = firstBlock;
            boolean leftAllocated = true; // the prologue
            int n = 0;
            while (block < epilogue) {
                long tag = header(block);
                long size = sizeOf(tag);
                if (size <= 0 || size > epilogue - block) {
                    checkHeader(sink, block, tag, size);
                    return -1;
                }
                checkBlock(sink, block, tag, size, leftAllocated);
                if (n == starts.length) {
                    starts = Arrays.copyOf(starts, n * 2);
                }
                starts[n++] = block;
                leftAllocated = isAllocated(tag);
                block += size;
            }
            if (block != epilogue) {
                return -1;
            }
            checkEpilogueBit(sink, heap.getLong(epilogue), leftAllocated);
            return n;
        }

        /** BT-2 of one header. */
        private void checkHeader(InvariantSink sink, long block, long tag, long size) {
            if ((tag & reservedBits) != 0 || size < MIN_BLOCK) {
                sink.violation("BT-2", block, "malformed header", elide ? "bits 2..3 clear, size >= 32"
                        : "bits 1..3 clear, size >= 32", "0x" + Long.toHexString(tag));
            }
        }

        /** BT-2, BT-4 and BT-3 of one block whose size stays before the epilogue. */
        private void checkBlock(InvariantSink sink, long block, long tag, long size, boolean leftAllocated) {
            checkHeader(sink, block, tag, size);
            if (elide && ((tag & PREV_ALLOCATED) != 0) != leftAllocated) {
                sink.violation("BT-4", block, "prev-allocated bit disagrees with the left neighbour",
                        leftAllocated ? "p = 1 (left allocated)" : "p = 0 (left free)", leftAllocated ? "p = 0" : "p = 1");
            }
            if ((!elide || !isAllocated(tag)) && size >= 2 * WORD) {
                long footer = heap.getLong(block + size - WORD);
                if (footer != tag) {
                    sink.violation("BT-3", block + size - WORD, (isAllocated(tag) ? "allocated" : "free")
                            + " block's footer differs from its header", "0x" + Long.toHexString(tag), "0x" + Long.toHexString(footer));
                }
            }
        }

        /** BT-4 of the epilogue word {@code e}. */
        private void checkEpilogueBit(InvariantSink sink, long e, boolean leftAllocated) {
            if (elide && ((e & PREV_ALLOCATED) != 0) != leftAllocated) {
                sink.violation("BT-4", epilogue(), "epilogue's prev-allocated bit disagrees with the last block",
                        leftAllocated ? "p = 1 (last block allocated)" : "p = 0 (last block free)", leftAllocated ? "p = 0" : "p = 1");
            }
        }

        /** BT-5 with free-only footers: the footer before {@code at} leads back to its free left neighbour {@code left}. */
        private void checkBackwardStep(InvariantSink sink, long at, long left) {
            long back = at - sizeOf(heap.getLong(at - WORD));
            if (back != left) {
                sink.violation("BT-5", at - WORD, "backward step by the footer of a free block leaves the forward walk",
                        "footer before " + hex(at) + " leads to " + hex(left), "leads to " + hex(back));
            }
        }

        /** BT-5 with every footer: the backward walk, at {@code at}, stepped to {@code back} instead of {@code want}. */
        private void reportBackwardWalk(InvariantSink sink, long at, long want, long back) {
            sink.violation("BT-5", at - WORD, "backward walk by footers leaves the forward walk",
                    "footer before " + hex(at) + " leads to " + hex(want), "leads to " + hex(back));
        }

        /** BT-5 with every footer: the backward walk ended at {@code at}, the first block, whose left is the prologue. */
        private void checkBackwardEnd(InvariantSink sink, long at) {
            if (heap.getLong(at - WORD) != PROLOGUE) {
                sink.violation("BT-5", at - WORD, "backward walk by footers does not end at the prologue",
                        "0x1", "0x" + Long.toHexString(heap.getLong(at - WORD)));
            }
        }

        /**
         * BT-5: walks backward by footers wherever they exist and demands the block starts of the forward walk:
         * from the epilogue down to the prologue with footers=all; across every free left neighbour with free-only.
         */
        @Enforces("BT-5")
        private void checkBackwardWalk(InvariantSink sink, int blocks) {
            long epilogue = epilogue();
            if (!elide) {
                long at = epilogue;
                for (int i = blocks - 1; i >= 0; i--) {
                    long step = sizeOf(heap.getLong(at - WORD));
                    long back = at - step;
                    if (back != starts[i]) {
                        reportBackwardWalk(sink, at, starts[i], back);
                        return;
                    }
                    at = back;
                }
                checkBackwardEnd(sink, at);
                return;
            }
            for (int i = 0; i <= blocks; i++) {
                long at = i < blocks ? starts[i] : epilogue;
                boolean leftFree = i > 0 && (heap.getLong(at) & PREV_ALLOCATED) == 0
                        && !isAllocated(heap.getLong(starts[i - 1]));
                if (leftFree) {
                    checkBackwardStep(sink, at, starts[i - 1]);
                }
            }
        }
    }
}
