package org.jalloc.threadcache;

import static org.jalloc.threadcache.SizeClasses.PAGE_SHIFT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.memory.GranuleMap;

/**
 * One arena's central free list of one size class: the SMALL spans of that class the arena owns, each with its own
 * free list of blocks, plus a lock-free <b>remote stack</b> of blocks freed into thread caches of other arenas.
 *
 * <p>Lock order: central list (one at a time), then page heap. Everything but the remote stack runs under this
 * object's monitor.
 *
 * <pre>
 *   spans with free blocks (doubly linked, Java refs)      remote stack (off-heap, CAS)
 *   [span A: freeHead -> b -> b -> 0] <-> [span B ...]      head (side segment) -> b -> b -> ... -> 0
 * </pre>
 *
 * <h2>Invariant (spec/invariants.md)</h2>
 * TC-7: {@code spans = {s : s.class = sizeClass ∧ s.arena = arena ∧ s.freeCount > 0}},
 * {@code spanCount = |{s : s.class = sizeClass ∧ s.arena = arena}|}, {@code freeBlocks = Σ s.freeCount}.
 *
 * <p>Concurrency: the remote stack's head is a long in a side {@link MemorySegment}, pushed by any thread with
 * {@code compareAndSet} (volatile, so release: the chain's links, written plain by the pusher before the CAS, are
 * visible to whoever takes the chain) and taken whole by the owner with {@code getAndSet(0)} (volatile, so
 * acquire), under this monitor, after which its links are read plain. Taking the whole stack rules out ABA.
 */
final class CentralList {
    /** Off-heap longs of the remote-stack heads: coordinates (segment, offset). */
    static final VarHandle HEAD = ValueLayout.JAVA_LONG.varHandle();

    final int arena;
    final int sizeClass;
    final long size;
    private final PageHeap pageHeap;
    private final MemorySegment mem;
    private final GranuleMap states;
    private final Links links;
    private final MemorySegment remoteHeads;
    final long remoteOffset;

    /** Spans of this class and arena with at least one free block. */
    @Nullable Span spans;
    /** SMALL spans this list owns (with or without free blocks). */
    int spanCount;
    /** Sum of {@code freeCount} over the spans. */
    long freeBlocks;

    // statistics
    long removeCalls;
    long insertCalls;
    long remoteDrains;
    long remoteBlocksDrained;
    long remotePushes;
    long spansTaken;
    long spansReturned;

    CentralList(PageHeap pageHeap, MemorySegment mem, GranuleMap states, Links links, int arena, int sizeClass, MemorySegment remoteHeads) {
        this.pageHeap = pageHeap;
        this.links = links;
        this.states = states;
        this.arena = arena;
        this.sizeClass = sizeClass;
        this.size = SizeClasses.SIZE[sizeClass];
        this.mem = mem;
        this.remoteHeads = remoteHeads;
        this.remoteOffset = ((long) arena * SizeClasses.COUNT + sizeClass) * 8;
    }

    // ------------------------------------------------------------------ batch transfer

    /**
     * Moves up to {@code n} blocks onto the thread cache's list of this class; returns how many (0: the heap is full).
     * The remote stack first: its leading blocks of this class and arena go to the cache as they are (they count as
     * out of their spans on the stack and in the cache alike, TC-3), the rest back to their spans; then span free
     * lists, then a new span. A consumer's frees thus reach the producer without emptying a span and carving it again.
     */
    synchronized int removeRange(ThreadCache cache, int n) {
        removeCalls++;
        int got = 0;
        long head = cache.head(sizeClass);
        if ((long) HEAD.getAcquire(remoteHeads, remoteOffset) != 0) {
            // the remote stack's first blocks go straight to the cache (R -> C: still out of their spans, so no span
            // counter moves and no span is emptied and carved again); the rest go back to their spans
            long b = (long) HEAD.getAndSet(remoteHeads, remoteOffset, 0L);
            remoteDrains++;
            while (b != 0 && got < n) {
                int w = pageHeap.infoOf(b); // 0 without flat info: the block goes through insert's full check
                if ((w & 0xFF) != sizeClass || w >>> 16 != arena) {
                    break;
                }
                long next = next(b);
                mem.set(ValueLayout.JAVA_LONG, b, links.encode(b, head));
                head = b;
                got++;
                b = next;
            }
            remoteBlocksDrained += got;
            while (b != 0) {
                long next = links.decode(b, mem.get(ValueLayout.JAVA_LONG, b));
                insert(b);
                remoteBlocksDrained++;
                b = next;
            }
        }
        int fromRemote = got;
        while (got < n) {
            Span s = spans;
            if (s == null) {
                s = newSpan();
                if (s == null) {
                    break;
                }
            }
            while (got < n && s.freeCount > 0) {
                long b = s.freeHead;
                s.freeHead = next(b);
                s.freeCount--;
                s.allocated++;
                mem.set(ValueLayout.JAVA_LONG, b, links.encode(b, head));
                head = b;
                got++;
            }
            if (s.freeCount == 0) {
                unlink(s);
            }
        }
        freeBlocks -= got - fromRemote;
        cache.head(sizeClass, head);
        cache.count(sizeClass, cache.count(sizeClass) + got);
        cache.bytes += got * size;
        return got;
    }

    /** One block for a thread without a cache (virtual threads), or 0. The caller clears the free marker. */
    synchronized long removeOne() {
        removeCalls++;
        drainRemote();
        Span s = spans;
        if (s == null) {
            s = newSpan();
            if (s == null) {
                return 0;
            }
        }
        long b = s.freeHead;
        s.freeHead = next(b);
        s.freeCount--;
        s.allocated++;
        freeBlocks--;
        if (s.freeCount == 0) {
            unlink(s);
        }
        return b;
    }

    /** Returns a chain of {@code n} blocks of this class and arena (linked through their first word) to their spans. */
    synchronized void insertChain(long head, int n) {
        insertCalls++;
        long b = head;
        for (int i = 0; i < n; i++) {
            long next = links.decode(b, mem.get(ValueLayout.JAVA_LONG, b));
            insert(b);
            b = next;
        }
    }

    /** Returns one block (already carrying its free marker) to its span. */
    synchronized void insertOne(long b) {
        insertCalls++;
        insert(b);
    }

    private void insert(long b) {
        Span s = pageHeap.map.get(b >>> PAGE_SHIFT);
        if (s == null || s.state != Span.SMALL || s.sizeClass != sizeClass || s.arena != arena) {
            throw new IllegalStateException("block 0x" + Long.toHexString(b) + " returned to the central list of class "
                    + sizeClass + " arena " + arena + " lies in " + s);
        }
        mem.set(ValueLayout.JAVA_LONG, b, links.encode(b, s.freeHead));
        s.freeHead = b;
        s.freeCount++;
        s.allocated--;
        freeBlocks++;
        if (!s.inCentral) {
            link(s);
        }
        if (s.allocated == 0) {
            unlink(s);
            freeBlocks -= s.freeCount;
            spanCount--;
            spansReturned++;
            pageHeap.free(s);
        }
    }

    /** The link of the span-list block {@code b}, checked when secure (before the head moves to it). */
    private long next(long b) {
        long stored = mem.get(ValueLayout.JAVA_LONG, b);
        long link = links.decode(b, stored);
        if (links.secure) {
            links.check(b, stored, link, sizeClass);
        }
        return link;
    }

    // ------------------------------------------------------------------ remote stack

    /** Pushes a chain {@code head -> ... -> tail} of this class and arena from any thread, without the lock. */
    void pushRemote(long head, long tail) {
        while (true) {
            long old = (long) HEAD.getAcquire(remoteHeads, remoteOffset);
            mem.set(ValueLayout.JAVA_LONG, tail, links.encode(tail, old));
            if (HEAD.compareAndSet(remoteHeads, remoteOffset, old, head)) {
                return;
            }
        }
    }

    /** True when other threads have pushed blocks since the last drain. */
    boolean hasRemote() {
        return (long) HEAD.getAcquire(remoteHeads, remoteOffset) != 0;
    }

    /** The head of the remote stack, for the walk (quiescent only). */
    long remoteHead() {
        return (long) HEAD.getAcquire(remoteHeads, remoteOffset);
    }

    /** Takes the whole remote stack and returns its blocks to their spans. Monitor held. */
    void drainRemote() {
        if ((long) HEAD.getAcquire(remoteHeads, remoteOffset) == 0) {
            return;
        }
        long b = (long) HEAD.getAndSet(remoteHeads, remoteOffset, 0L);
        remoteDrains++;
        while (b != 0) {
            long next = links.decode(b, mem.get(ValueLayout.JAVA_LONG, b));
            insert(b);
            remoteBlocksDrained++;
            b = next;
        }
    }

    synchronized void drainRemoteLocked() {
        drainRemote();
    }

    // ------------------------------------------------------------------ spans

    /**
     * A fresh span from the page heap, cut into blocks that all carry the free marker and are FREE in the state map;
     * null when the heap is full.
     */
    private @Nullable Span newSpan() {
        Span s = pageHeap.allocate(SizeClasses.PAGES[sizeClass], 1, Span.SMALL, sizeClass, arena);
        if (s == null) {
            return null;
        }
        int blocks = SizeClasses.BLOCKS[sizeClass];
        long next = 0;
        for (int i = blocks - 1; i >= 0; i--) {
            long b = s.start + i * size;
            mem.set(ValueLayout.JAVA_LONG, b, links.encode(b, next));
            mem.set(ValueLayout.JAVA_LONG, b + 8, b ^ ThreadCacheAllocator.FREE_TAG);
            next = b;
        }
        states.setBlocks(s.start, size, blocks, ThreadCacheAllocator.FREE);
        s.freeHead = s.start;
        s.freeCount = blocks;
        s.allocated = 0;
        spanCount++;
        spansTaken++;
        freeBlocks += blocks;
        link(s);
        return s;
    }

    private void link(Span s) {
        s.inCentral = true;
        s.prev = null;
        s.next = spans;
        if (spans != null) {
            spans.prev = s;
        }
        spans = s;
    }

    private void unlink(Span s) {
        if (!s.inCentral) {
            return;
        }
        Span p = s.prev;
        Span n = s.next;
        if (p != null) {
            p.next = n;
        } else {
            spans = n;
        }
        if (n != null) {
            n.prev = p;
        }
        s.prev = null;
        s.next = null;
        s.inCentral = false;
    }
}
