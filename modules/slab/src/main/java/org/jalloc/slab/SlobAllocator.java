package org.jalloc.slab;

import static org.jalloc.slab.AddressScreen.hex;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;

import org.checkerframework.checker.nullness.qual.MonotonicNonNull;
import org.jalloc.buddy.pages.BuddyPages;
import org.jalloc.core.AllocatorMetric;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.FreeListCorruptionException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.events.TrimEvent;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AbstractAllocator;
import org.jalloc.core.spi.SecureLinks;
import org.jalloc.core.spi.SizeWordOnRequest;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.HeapWalk;

/**
 * SLOB, Linux's "simple list of blocks" allocator for embedded systems ({@code mm/slob.c}, Matt Mackall 2006), over
 * the buddy system's page allocator: a list of partially used 4 KiB pages, first fit within a page for small
 * requests, whole buddy blocks for large ones, and as little metadata as the contract allows. The {@code slob}
 * allocator of {@code ./jalloc}; made for heaps of 64 KiB to 1 MiB.
 *
 * <h2>Nouns</h2>
 * <b>page</b>: 4 KiB, an order-0 buddy block cut into blocks. <b>block</b>: a 16-byte header and its payload, a
 * multiple of 16 bytes (Linux's {@code slob_t} units are 2 bytes; ours are 16, the payload alignment every jalloc
 * allocator gives). <b>page free list</b>: a page's free blocks in address order, linked through the blocks.
 * <b>page lists</b>: three circular lists of the pages with free space (Linux's {@code free_slob_small}, {@code _medium},
 * {@code _large}), chosen by the request size: under 256 bytes, under 1 KiB, under a page. <b>large block</b>: a
 * request that does not fit a page with its header, served as one buddy block of 2^k pages. <b>page descriptor</b>:
 * what Linux keeps in {@code struct page}, here flat arrays indexed by frame number ({@code address >>> 12}), outside
 * the heap: kind, order, free bytes, free-list head, page-list links, and two bits per granule (live, freed).
 *
 * <h2>Layout</h2>
 * <pre>
 *  page (4096 bytes, no header: the descriptor is outside the heap)
 *  | hdr | payload ....... | hdr | free ........... | hdr | payload | hdr | free |
 *   live block: +0 size (bytes, header included)   +8 check = header ^ size ^ LIVE_TAG
 *                                                   (debug=F alone: +8 = size - 16, the usable size below the payload)
 *   free block: +0 size                             +8 next free block of the page (address), 0 at the end;
 *                                                      secure=on: stored as next ^ key ^ swab(block + 8)
 *  descriptor of frame f:  kind[f] (NONE, PAGE, LARGE, LARGE_TAIL, FREED_LARGE), order[f], free[f] (bytes),
 *                          head[f] (first free block, page offset, -1 none), next[f]/prev[f]/list[f] (page lists),
 *                          live bits (a payload starts at the granule), freed bits (a payload there was freed)
 * </pre>
 * Per page the descriptor costs 83 bytes (2%); per block the header costs 16 bytes.
 * <pre>
 *  large block under debug=F alone (a head, as buddy's):  b │ (unused) │ word = 2^k pages - front │ payload ...│
 *                                                          u = b + front, front = 16 or the alignment (above 16)
 *  front[f] (descriptor, F only): the head's bytes on the LARGE frame, the distance to it on each LARGE_TAIL frame
 * </pre>
 *
 * <h2>Invariants (spec/invariants.md)</h2>
 * <ul>
 *   <li>SLOB-1: the blocks of every page tile it: {@code size > 0, size ≡ 0 (mod 16)}, each ends inside the page; a
 *       block is live exactly when the live bit of its payload is set, and then {@code size >= 32} and its check
 *       word is intact ({@code h ^ size ^ LIVE_TAG}; under debug=F alone {@code size - 16}); under debug=F a large
 *       block's head holds {@code 2^k pages - front} below its payload and each tail frame its distance.</li>
 *   <li>SLOB-2: a page's free list holds exactly its free blocks, in strictly increasing address order, no two of them
 *       adjacent (a free merges), and {@code free[f] = Σ size}.</li>
 *   <li>SLOB-3: the page lists hold exactly the pages with free space: each such page on one list, once, circular
 *       and doubly linked; full pages on none; no page wholly free (it goes back to buddy); the counts match.</li>
 *   <li>SLOB-4: the descriptors agree with buddy: every PAGE is an allocated order-0 block, every LARGE an allocated
 *       block of its order with LARGE_TAIL on its other pages, every allocated buddy block one of them; free buddy
 *       pages are NONE or FREED_LARGE.</li>
 *   <li>SEC-1 ({@code secure=on}, {@link SecureLinks}): every free block's link decodes to 0 or to a free block of the
 *       same page after it ({@link #checkedNext}), checked before a first fit or a free follows it; the walk reads
 *       the links decoded but unchecked, so a bad one is a SLOB-2 violation. Off: one branch on a final field per link.</li>
 * </ul>
 * BUDDY-1..5 of the page allocator are checked too.
 *
 * <h2>Algorithms</h2>
 * <ol>
 *   <li>malloc(n): {@code need = max(16, roundup(n, 16)) + 16}; above a page, {@code allocPages(orderFor(n))}. Else
 *       pick the page list of {@code need}; from its head, for each page with {@code free >= need}, first fit in
 *       the page (a free block that holds the aligned payload: a leading piece and a trailing piece stay free);
 *       on success make that page the list's head (Linux's rotation: the next search starts where this one
 *       succeeded) and unlink the page if it is now full. No page fits: a new page from buddy, one free block.</li>
 *   <li>free(p): screen p in O(1) (descriptor, live bit, check word); walk the page's free list to the
 *       neighbours, insert in address order, merge with an adjacent free block on either side. A page that becomes
 *       wholly free goes back to buddy; a full page that gains space joins the list of the freed block's size.</li>
 *   <li>alignedAlloc(a, n): first fit with the payload aligned to {@code a} when {@code need + a - 16} fits a
 *       page, else a large block of order {@code max(orderFor(n), orderFor(a))}.</li>
 * </ol>
 *
 * <h2>Misuse detected in O(1), nothing changed</h2>
 * Not 16-aligned, outside the heap, on a page of no block ({@link InvalidPointerException}); inside a block or a
 * large block; a payload freed already ({@link DoubleFreeException}: its freed bit stays until the granule is a
 * payload again, so a double free after a merge is told apart too); a large block freed twice (its first frame keeps
 * FREED_LARGE until reused). The live bit decides, never the caller's bytes; a live header whose check word is broken
 * (an underrun of the block before) is a {@link HeapCorruptionException}, before anything is written.
 *
 * <h2>debug=F alone ({@link SizeWordOnRequest}, core's {@code EngineShadow}, "Locked engines")</h2>
 * The engine itself checks F: the shadow outside the heap screens every pointer before the engine sees it, and the
 * word below each payload is its usable size, screened at free by {@link #sizeWordOf}: equal to the header's (or the
 * large block's) size, the block frees; another plausible size is returned as read, and F reports "changed from A to
 * B"; a word that is no size (a 1-byte underrun lands in its top byte) is an {@link InvalidPointerException}, nothing
 * changed. F's steps run under this allocator's lock ({@link #shadowLock}), the engine's own acquisitions nested.
 *
 * <p>Thread safety: {@link ThreadSafety#CONCURRENT} through one lock, as Linux's {@code slob_lock}: SLOB trades speed
 * for memory.
 */
public final class SlobAllocator extends AbstractAllocator implements SizeWordOnRequest {
    static final long PAGE_SIZE = 4096;
    static final int PAGE_SHIFT = 12;
    static final long HEADER = 16;
    /** Page-list boundaries (Linux's SLOB_BREAK1, SLOB_BREAK2), on {@code need}. */
    static final long BREAK1 = 256;
    static final long BREAK2 = 1024;
    static final int LISTS = 3;
    static final String[] LIST_NAMES = {"small", "medium", "large"};
    static final long LIVE_TAG = 0x736c_6f62_2d6c_6976L;

    static final byte NONE = 0;
    static final byte PAGE = 1;
    static final byte LARGE = 2;
    static final byte LARGE_TAIL = 3;
    static final byte FREED_LARGE = 4;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;

    final BuddyPages pages;
    private final MemorySegment mem;
    private final long firstAddress;
    private final Object lock = new Object();
    /** The free blocks' links ({@code secure=on|off}, SEC-1): stored encoded and checked before they are followed. */
    final SecureLinks links;

    // the page descriptor table, indexed by frame (address >>> 12); grown with the break
    byte[] kind = new byte[0];
    byte[] order = new byte[0];
    int[] free = new int[0];
    int[] head = new int[0];
    int[] next = new int[0];
    int[] prev = new int[0];
    byte[] list = new byte[0];
    long[] live = new long[0];
    long[] freed = new long[0];
    /**
     * debug=F alone ({@link #keepSizeWordBelowPayload}): per frame, a LARGE block's head bytes ({@code front}, 16 or
     * its alignment) and a LARGE_TAIL's distance in frames to its LARGE frame; empty (never grown) otherwise.
     */
    int[] front = new int[0];
    /**
     * debug=F alone: the word below each payload is its usable size (small: the check word is {@code size - 16};
     * large: a head of {@code front} bytes); set once, before any block is handed out, never again.
     */
    boolean sizeWord;
    final int[] listHead = {-1, -1, -1};
    final int[] listCount = new int[LISTS];

    // statistics (under the lock)
    private long pagesTaken;
    private long pagesReturned;
    private long largeAllocs;
    private long largeFrees;
    private long merges;
    private @MonotonicNonNull SlobWalk walk;

    /** A SLOB allocator over {@code heap} (empty: {@code brk == start}), which it owns from now on. */
    SlobAllocator(String name, Heap heap) {
        this(name, heap, false);
    }

    /**
     * As {@link #SlobAllocator(String, Heap)}, with {@code secure=on|off}: the free blocks' links stored encoded and
     * checked before they are followed (SEC-1, {@link SecureLinks}).
     */
    SlobAllocator(String name, Heap heap, boolean secure) {
        super(name, heap);
        this.pages = new BuddyPages(heap, PAGE_SIZE, SlabAllocator.pageOrder(0, heap));
        this.mem = heap.memory();
        this.firstAddress = pages.firstAddress();
        this.links = new SecureLinks(secure, heap, name, firstAddress, HEADER);
    }

    /** SLOB over a new heap of {@code heapBytes}. */
    public static SlobAllocator create(long heapBytes) {
        return create(heapBytes, false);
    }

    /**
     * SLOB over a new heap of {@code heapBytes}, with secure mode ({@code slob:secure=on}: the free blocks' links
     * stored XOR-ed with a per-heap random key and checked before they are followed) or without ({@code slob}).
     */
    public static SlobAllocator create(long heapBytes, boolean secure) {
        Heap heap = Heap.reserve(heapBytes);
        try {
            return new SlobAllocator(secure ? "slob:secure=on" : "slob", heap, secure);
        } catch (RuntimeException e) {
            heap.close();
            throw e;
        }
    }

    @Override
    public ThreadSafety threadSafety() {
        return ThreadSafety.CONCURRENT;
    }

    static int frame(long address) {
        return (int) (address >>> PAGE_SHIFT);
    }

    static int listFor(long need) {
        return need < BREAK1 ? 0 : need < BREAK2 ? 1 : 2;
    }

    static long need(long size) {
        return Math.max(HEADER, alignUp(size, HEADER)) + HEADER;
    }

    private void ensureFrames() {
        int n = frame(heap.brk()) + 1;
        if (n <= kind.length) {
            return;
        }
        int m = Math.max(n, kind.length * 2);
        int old = kind.length;
        kind = Arrays.copyOf(kind, m);
        order = Arrays.copyOf(order, m);
        free = Arrays.copyOf(free, m);
        head = Arrays.copyOf(head, m);
        next = Arrays.copyOf(next, m);
        prev = Arrays.copyOf(prev, m);
        list = Arrays.copyOf(list, m);
        Arrays.fill(head, old, m, -1);
        Arrays.fill(next, old, m, -1);
        Arrays.fill(prev, old, m, -1);
        Arrays.fill(list, old, m, (byte) -1);
        live = Arrays.copyOf(live, m * 4);
        freed = Arrays.copyOf(freed, m * 4);
        if (sizeWord) {
            front = Arrays.copyOf(front, m);
        }
    }

    // ------------------------------------------------------------------ debug=F alone: a size word below each payload

    /**
     * {@code slob:debug=F} ({@link SizeWordOnRequest}): from now on the second word of a live small block's header,
     * just below its payload, is its usable size {@code size - 16} (the check word's role: SLOB-1 compares it with
     * the size), and a large block keeps a head: its payload {@code front} bytes in (16, or an alignment above 16),
     * the word below it {@code block - front}. Nothing has been handed out yet.
     */
    @Override
    public void keepSizeWordBelowPayload() {
        synchronized (lock) {
            if (pagesTaken != 0 || largeAllocs != 0 || sizeWord) {
                throw new IllegalStateException(name() + ": the size word is kept from the start or never");
            }
            sizeWord = true;
            front = new int[kind.length];
        }
    }

    @Override
    protected boolean screensSizeBelowPayload() {
        return sizeWord;
    }

    /** One lock, Linux's {@code slob_lock}: F's shadow steps run under it (EngineShadow, "Locked engines"). */
    @Override
    protected Object shadowLock() {
        return lock;
    }

    /** The second word of a live small block's header at {@code h} of {@code size} bytes (SLOB-1). */
    long checkWord(long h, long size) {
        return sizeWord ? size - HEADER : h ^ size ^ LIVE_TAG;
    }

    /** Bytes before a large block's payload: 0 off, the head's {@code front} under debug=F. */
    long largeFront(int f) {
        return sizeWord ? front[f] : 0;
    }

    // ------------------------------------------------------------------ granule bits

    /** Index of {@code address}'s granule bit word (4 words of 64 bits per 4 KiB page). */
    static int word(long address) {
        return (int) (address >>> 10);
    }

    static long bit(long address) {
        return 1L << ((address >>> 4) & 63);
    }

    boolean liveAt(long address) {
        int w = word(address);
        return w < live.length && (live[w] & bit(address)) != 0;
    }

    boolean freedAt(long address) {
        int w = word(address);
        return w < freed.length && (freed[w] & bit(address)) != 0;
    }

    byte kindAt(long address) {
        int f = frame(address);
        return address >= 0 && f < kind.length ? kind[f] : NONE;
    }

    // ------------------------------------------------------------------ page lists

    private void link(int f, int l) {
        int h = listHead[l];
        if (h < 0) {
            next[f] = f;
            prev[f] = f;
        } else {
            int t = prev[h];
            next[f] = h;
            prev[f] = t;
            next[t] = f;
            prev[h] = f;
        }
        listHead[l] = f;
        list[f] = (byte) l;
        listCount[l]++;
    }

    private void unlink(int f) {
        int l = list[f];
        if (l < 0) {
            return;
        }
        if (next[f] == f) {
            listHead[l] = -1;
        } else {
            next[prev[f]] = next[f];
            prev[next[f]] = prev[f];
            if (listHead[l] == f) {
                listHead[l] = next[f];
            }
        }
        next[f] = -1;
        prev[f] = -1;
        list[f] = -1;
        listCount[l]--;
    }

    // ------------------------------------------------------------------ allocation

    @Override
    protected long allocate(long size) {
        if (size > PAGE_SIZE - HEADER) {
            return sizeWord ? allocLarge(pages.orderFor(size + HEADER), HEADER) : allocLarge(pages.orderFor(size));
        }
        synchronized (lock) {
            return allocSmall(need(size), HEADER);
        }
    }

    @Override
    protected long allocateAligned(long alignment, long size) {
        if (alignment <= HEADER) {
            return allocate(size);
        }
        long need = need(size);
        if (alignment < PAGE_SIZE && need + alignment - HEADER <= PAGE_SIZE) {
            synchronized (lock) {
                return allocSmall(need, alignment);
            }
        }
        if (sizeWord) { // the head is the alignment: the payload at block + alignment, aligned as the block is
            int o = pages.orderFor(size + alignment);
            return o < 0 ? 0 : allocLarge(o, alignment);
        }
        int o = pages.orderFor(size);
        int a = pages.orderFor(alignment);
        return o < 0 || a < 0 ? 0 : allocLarge(Math.max(o, a));
    }

    /** Under debug=F: a large block of order {@code o} with a head of {@code head} bytes; its payload or 0. */
    private long allocLarge(int o, long head) {
        if (o < 0) {
            return 0;
        }
        synchronized (lock) {
            long a = allocLarge(o);
            if (a == 0) {
                return 0;
            }
            int f = frame(a);
            front[f] = (int) head;
            for (int i = 1; i < (1 << o); i++) {
                front[f + i] = i;
            }
            long u = a + head;
            mem.set(LONG, u - 8, (PAGE_SIZE << o) - head);
            return u;
        }
    }

    private long allocLarge(int o) {
        if (o < 0) {
            return 0;
        }
        synchronized (lock) {
            long a = pages.allocPages(o);
            if (a == 0) {
                return 0;
            }
            ensureFrames();
            int f = frame(a);
            kind[f] = LARGE;
            order[f] = (byte) o;
            for (int i = 1; i < (1 << o); i++) {
                kind[f + i] = LARGE_TAIL;
            }
            largeAllocs++;
            return a;
        }
    }

    /** First fit over the pages of {@code need}'s list, else a new page (lock held). */
    private long allocSmall(long need, long align) {
        int l = listFor(need);
        int start = listHead[l];
        if (start >= 0) {
            int f = start;
            int n = listCount[l];
            for (int i = 0; i < n; i++) {
                int after = next[f];
                if (free[f] >= need) {
                    long p = pageAlloc(f, need, align);
                    if (p != 0) {
                        if (free[f] == 0) {
                            unlink(f);
                        } else {
                            listHead[l] = f; // Linux's rotation: the next search starts here
                        }
                        return p;
                    }
                }
                f = after;
            }
        }
        long a = pages.allocPages(0);
        if (a == 0) {
            return 0;
        }
        pagesTaken++;
        ensureFrames();
        int f = frame(a);
        kind[f] = PAGE;
        order[f] = 0;
        mem.set(LONG, a, PAGE_SIZE);
        setNext(a, 0L);
        head[f] = 0;
        free[f] = (int) PAGE_SIZE;
        link(f, l);
        long p = pageAlloc(f, need, align);
        if (free[f] == 0) {
            unlink(f);
        }
        return p;
    }

    /** First fit of a {@code need}-byte block whose payload is aligned to {@code align} in page {@code f}, or 0. */
    private long pageAlloc(int f, long need, long align) {
        long base = (long) f << PAGE_SHIFT;
        long before = 0;
        for (long cur = head[f] < 0 ? 0 : base + head[f], after; cur != 0; cur = after) {
            after = nextFree(cur); // checked before it is followed or anything changes (secure=on)
            long s = mem.get(LONG, cur);
            long payload = alignUp(cur + HEADER, align);
            long delta = payload - HEADER - cur;
            if (delta + need <= s) {
                long h = cur + delta;
                long rest = s - delta - need;
                long tail = h + need;
                long firstKept = cur;
                if (rest > 0) {
                    mem.set(LONG, tail, rest);
                    setNext(tail, after);
                    after = tail;
                }
                if (delta > 0) {
                    mem.set(LONG, cur, delta);
                    setNext(cur, after);
                } else {
                    firstKept = after;
                }
                if (before == 0) {
                    head[f] = firstKept == 0 ? -1 : (int) (firstKept - base);
                } else {
                    setNext(before, firstKept);
                }
                mem.set(LONG, h, need);
                mem.set(LONG, h + 8, checkWord(h, need));
                live[word(payload)] |= bit(payload);
                freed[word(payload)] &= ~bit(payload);
                free[f] -= (int) need;
                return payload;
            }
            before = cur;
        }
        return 0;
    }

    // ------------------------------------------------------------------ free blocks' links (secure=on|off, SEC-1)

    /**
     * The link of the free block at {@code block} (its header's second word): the next free block of the page, or 0.
     * With {@code secure=on} decoded and checked before anyone follows it ({@link #checkedNext}); off, the word is
     * the link (one branch on a final field).
     */
    long nextFree(long block) {
        long stored = mem.get(LONG, block + 8);
        return links.on() ? checkedNext(block, stored) : stored;
    }

    /**
     * SEC-1 for SLOB: the link stored in the free block at {@code block} decodes to 0 or to a free block of the same
     * page after it (SLOB-2's address order; a live block's payload granule has its live bit), else a stray write
     * changed it and it is not followed.
     *
     * @throws FreeListCorruptionException naming the allocator, the block, the word found and what it decodes to
     */
    @Enforces("SEC-1")
    private long checkedNext(long block, long stored) {
        long n = links.decodeUnchecked(block + 8, stored);
        long page = block & -PAGE_SIZE;
        if (n != 0 && (n <= block || n >= page + PAGE_SIZE || (n & (HEADER - 1)) != 0 || liveAt(n + HEADER))) {
            throw links.corrupted(block, block + 8, stored, n, "not a free block after it in its page at " + hex(page) + " (nor 0), in the heap");
        }
        return n;
    }

    /** The link of the free block at {@code block}, decoded but unchecked: the checker's walk ({@link SlobWalk}). */
    long nextFreeUnchecked(long block) {
        return links.loadUnchecked(block + 8);
    }

    /** Stores {@code next} as the link of the free block at {@code block} (encoded with {@code secure=on}). */
    private void setNext(long block, long next) {
        mem.set(LONG, block + 8, links.encode(block + 8, next));
    }

    // ------------------------------------------------------------------ the screen

    /**
     * Screens {@code address} (lock held): returns the block's header (&gt; 0, a small block) or {@code -1 - order}
     * (a large block); throws the misuse otherwise, changing nothing.
     */
    private long screen(long address, String op) {
        AddressScreen.requireAlignedInHeap(name(), op, address, firstAddress, heap.brk(), "block");
        byte k = kindAt(address);
        boolean pageStart = (address & (PAGE_SIZE - 1)) == 0;
        switch (k) {
            case PAGE -> {
                if (liveAt(address)) {
                    long h = address - HEADER;
                    long s = mem.get(LONG, h);
                    if ((!sizeWord && mem.get(LONG, h + 8) != (h ^ s ^ LIVE_TAG)) || s < 2 * HEADER || (s & 15) != 0
                            || (h & (PAGE_SIZE - 1)) + s > PAGE_SIZE) { // under F the word is sizeWordOf's
                        throw new HeapCorruptionException(name() + ": " + op + "(" + hex(address) + "): the block's header is broken (size "
                                + s + "; an underrun of the block before?)", address);
                    }
                    return h;
                }
                if (freedAt(address)) {
                    throw new DoubleFreeException(name() + ": " + op + "(" + hex(address) + "): a block freed already (double free?)", address);
                }
                throw new InvalidPointerException(name() + ": " + op + "(" + hex(address) + "): not the start of a live block", address);
            }
            case LARGE -> {
                if (sizeWord ? (address & (PAGE_SIZE - 1)) == front[frame(address)] : pageStart) {
                    return -1 - order[frame(address)];
                }
                throw new InvalidPointerException(name() + ": " + op + "(" + hex(address) + "): inside a large block, not at its start", address);
            }
            case FREED_LARGE -> {
                if (pageStart) {
                    throw new DoubleFreeException(name() + ": " + op + "(" + hex(address) + "): a large block freed already (double free?)", address);
                }
                throw new InvalidPointerException(name() + ": " + op + "(" + hex(address) + "): on a page of no block", address);
            }
            case LARGE_TAIL -> {
                if (sizeWord && pageStart) { // a head of an alignment of a page or more: the payload in a tail frame
                    int t = frame(address);
                    int f = t - front[t];
                    if (kind[f] == LARGE && address == ((long) f << PAGE_SHIFT) + front[f]) {
                        return -1 - order[f];
                    }
                }
                throw new InvalidPointerException(name() + ": " + op + "(" + hex(address) + "): inside a large block, not at its start",
                        address);
            }
            default -> throw new InvalidPointerException(name() + ": " + op + "(" + hex(address) + "): on a page of no block", address);
        }
    }

    // ------------------------------------------------------------------ free

    @Override
    protected void deallocate(long address) {
        synchronized (lock) {
            long h = screen(address, "free");
            if (sizeWord) {
                sizeWordOf(address, h, "free", -1);
            }
            release(address, h);
        }
    }

    /** Frees the block {@code screen} returned {@code h} for (lock held). */
    private void release(long address, long h) {
        if (h < 0) {
            freeLarge(largeBlock(address), (int) (-1 - h));
        } else {
            freeSmall(h);
        }
    }

    /** The block of the large payload at {@code address}, screened: itself off, its head's start under debug=F. */
    private long largeBlock(long address) {
        if (!sizeWord) {
            return address;
        }
        int t = frame(address);
        int f = kind[t] == LARGE_TAIL ? t - front[t] : t;
        return (long) f << PAGE_SHIFT;
    }

    /**
     * debug=F (lock held): the size word below the screened payload {@code address} ({@code h} as {@link #screen}
     * returned it), compared with the block's own size (a small block's header, a large block's order and head):
     * equal, it is returned. Another plausible size (a multiple of 16 that fits where the block is) is returned as
     * read when it is not {@code under} (-1: none), so F's comparison reports the change; in any other case
     * (an implausible word: a 1-byte underrun lands in its top byte) the block is refused, nothing changed:
     * {@link InvalidPointerException} for a word that is no size, {@link HeapCorruptionException} for a plausible word
     * that disagrees with the header when no {@code under} is given (a size read for realloc).
     */
    private long sizeWordOf(long address, long h, String op, long under) {
        long w = mem.get(LONG, address - 8);
        long own;
        long room;
        if (h >= 0) {
            own = mem.get(LONG, h) - HEADER;
            room = PAGE_SIZE - (h & (PAGE_SIZE - 1)) - HEADER;
        } else {
            int f = frame(largeBlock(address));
            own = (PAGE_SIZE << -(1 + h)) - front[f];
            room = own;
        }
        if (w == own) {
            return w;
        }
        if (w < MIN_ALIGNMENT || (w & 15) != 0 || w > room) {
            throw new InvalidPointerException(name() + ": " + op + "(" + hex(address) + "): the size word below the payload is broken ("
                    + hex(w) + ", the block holds " + own + "; an underrun of the block before?)", address);
        }
        if (under < 0 || w == under) { // the header changed, or no comparison follows: refused here
            throw new HeapCorruptionException(name() + ": " + op + "(" + hex(address) + "): the size word below the payload says " + w
                    + ", the block holds " + own + " (its metadata was overwritten)", address);
        }
        return w;
    }

    /** debug=F: frees the block at {@code address} only if its size word is {@code usable}; the size read. */
    @Override
    protected long deallocateIfUsable(long address, long usable) {
        synchronized (lock) {
            long h = screen(address, "free");
            long w = sizeWord ? sizeWordOf(address, h, "free", usable) : usable(address);
            if (w == usable) {
                release(address, h);
            }
            return w;
        }
    }

    /** debug=F: the size word of the block just handed out (lock held by F's malloc). */
    @Override
    protected long freshUsable(long address) {
        return sizeWord ? mem.get(LONG, address - 8) : usable(address);
    }

    private void freeLarge(long a, int o) {
        if (!pages.isAllocatedBlock(a, o)) {
            throw new HeapCorruptionException(name() + ": the descriptor names a large block of order " + o + " at " + hex(a)
                    + ", but buddy has no such allocated block", a);
        }
        int f = frame(a);
        kind[f] = FREED_LARGE;
        for (int i = 1; i < (1 << o); i++) {
            kind[f + i] = NONE;
        }
        pages.freePages(a, o);
        largeFrees++;
    }

    /** Inserts the block at {@code h} into its page's free list in address order, merging (lock held). */
    private void freeSmall(long h) {
        int f = frame(h);
        long base = (long) f << PAGE_SHIFT;
        long end = base + PAGE_SIZE;
        long s = mem.get(LONG, h);
        // find the neighbours first (read only), so a broken list stops before anything is written
        long before = 0;
        long after = head[f] < 0 ? 0 : base + head[f];
        int steps = 0;
        while (after != 0 && after < h) {
            long n = nextFree(after);
            if ((n != 0 && (n <= after || n >= end || (n & 15) != 0)) || ++steps > PAGE_SIZE / HEADER) {
                throw new HeapCorruptionException(name() + ": the free list of the page at " + hex(base) + " is broken at " + hex(after), after);
            }
            before = after;
            after = n;
        }
        if (after == h) {
            throw new HeapCorruptionException(name() + ": the live block at " + hex(h) + " is on its page's free list", h);
        }
        boolean mergeAfter = after != 0 && h + s == after;
        long afterLink = mergeAfter ? nextFree(after) : 0; // read (and checked) before anything is written
        boolean wasFull = free[f] == 0;
        long payload = h + HEADER;
        live[word(payload)] &= ~bit(payload);
        freed[word(payload)] |= bit(payload);
        free[f] += (int) s;
        long start = h;
        long size = s;
        long link = after;
        if (mergeAfter) {
            size += mem.get(LONG, after);
            link = afterLink;
            merges++;
        }
        if (before != 0 && before + mem.get(LONG, before) == h) {
            start = before;
            size += mem.get(LONG, before);
            merges++;
        }
        mem.set(LONG, start, size);
        setNext(start, link);
        if (start != before) {
            if (before == 0) {
                head[f] = (int) (start - base);
            } else {
                setNext(before, start);
            }
        }
        if (free[f] == PAGE_SIZE) {
            unlink(f);
            kind[f] = NONE;
            head[f] = -1;
            free[f] = 0;
            Arrays.fill(live, f * 4, f * 4 + 4, 0L);
            Arrays.fill(freed, f * 4, f * 4 + 4, 0L);
            pages.freePages(base, 0);
            pagesReturned++;
        } else if (wasFull) {
            link(f, listFor(s));
        }
    }

    // ------------------------------------------------------------------ in place

    @Override
    protected long usable(long address) {
        synchronized (lock) {
            long h = screen(address, "usableSize");
            if (sizeWord) {
                return sizeWordOf(address, h, "usableSize", -1);
            }
            return h < 0 ? PAGE_SIZE << (-1 - h) : mem.get(LONG, h) - HEADER;
        }
    }

    @Override
    protected boolean resize(long address, long size) {
        synchronized (lock) {
            long h = screen(address, "realloc/tryExpand");
            if (sizeWord) {
                return size <= sizeWordOf(address, h, "realloc/tryExpand", -1);
            }
            if (h < 0) {
                int need = pages.orderFor(size);
                return need >= 0 && need <= -1 - h;
            }
            return size <= mem.get(LONG, h) - HEADER;
        }
    }

    // ------------------------------------------------------------------ walk, statistics

    /**
     * {@code malloc_trim} under the lock: the whole pages inside buddy's free blocks go back to the OS. SLOB keeps no
     * empty page (SLOB-3: a page that becomes wholly free goes back to buddy at once) and a free block inside a page
     * is smaller than a page, so buddy's free blocks are all there is to give back.
     *
     * @return the bytes released by this call
     */
    @Override
    public long trim() {
        return TrimEvent.timed(name(), () -> {
            synchronized (lock) {
                return releaseFreePages(pages.heapWalk(), heap);
            }
        });
    }

    @Override
    protected HeapWalk walk() {
        SlobWalk w = walk;
        if (w == null) {
            w = new SlobWalk(this, heap);
            walk = w;
        }
        return w;
    }

    long firstAddress() {
        return firstAddress;
    }

    /** Bytes of the descriptor table and buddy's side table (outside the heap). */
    long externalBytes() {
        return pages.externalMetadataBytes() + (long) kind.length * (1 + 1 + 4 + 4 + 4 + 4 + 1 + 32 + 32);
    }

    @Override
    protected List<AllocatorMetric> metrics() {
        long smallPages = 0;
        long freeInPages = 0;
        long large = 0;
        for (int f = 0; f < kind.length; f++) {
            if (kind[f] == PAGE) {
                smallPages++;
                freeInPages += free[f];
            } else if (kind[f] == LARGE) {
                large++;
            }
        }
        return List.of(new SlobMetric(smallPages, listCount[0], listCount[1], listCount[2], freeInPages, large, pagesTaken,
                        pagesReturned, largeAllocs, largeFrees, merges, externalBytes() - pages.externalMetadataBytes()),
                new SlabPagesMetric(PAGE_SIZE, pages.maxOrder(), pages.freeBytes(), pages.buddyinfo()));
    }

    @Override
    public String toString() {
        return name() + " (SLOB over " + pages + ")";
    }
}
