package org.jalloc.threadcache;

import static org.jalloc.threadcache.SizeClasses.PAGE_SHIFT;

import java.security.SecureRandom;

import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.memory.GranuleMap;
import org.jalloc.core.walk.Enforces;

/**
 * The links stored in free blocks (thread-cache lists, span free lists, remote and flush chains), optionally encoded:
 * {@code secure=on} (mimalloc's secure mode; the same encoding as core's free-list allocators under issue 24).
 *
 * <pre>
 *   stored(b) = link ⊕ key ⊕ swab(b)     key: 64 random bits per heap (odd), swab = Long.reverseBytes; b = the block
 *   link(b)   = stored(b) ⊕ key ⊕ swab(b)
 *   secure=off: key = 0 and the swab term is masked off, so stored = link; the fast paths test key != 0 (a final
 *   field) and leave the encoding out of line, so secure=off computes nothing
 * </pre>
 *
 * <p>Checked pops (secure=on): before a list head moves to the link of the block being handed out, the link must be 0
 * or a block start of a SMALL span of the same class that is FREE in the state map (TC-4 at run time). A stray write
 * into a freed block decodes to a random word and is caught by the allocation that would follow it: a
 * {@link HeapCorruptionException} naming the block, the word found and what it decodes to; nothing changes. The
 * checker's walk reads links with {@link #decode} (unchecked), so a bad link is a TC-4 violation there.
 */
final class Links {
    private static final SecureRandom SEEDS = new SecureRandom();

    /** Whether links are encoded and checked. */
    final boolean secure;
    /** 0 when off. */
    final long key;
    /** -1 when on, 0 when off: masks the address term. */
    final long swabMask;
    private final String owner;
    private final PageHeap pageHeap;
    private final GranuleMap states;

    Links(boolean secure, String owner, PageHeap pageHeap, GranuleMap states) {
        this.secure = secure;
        this.key = secure ? SEEDS.nextLong() | 1 : 0;
        this.swabMask = secure ? -1L : 0L;
        this.owner = owner;
        this.pageHeap = pageHeap;
        this.states = states;
    }

    /** The word stored in block {@code b} for {@code link}. */
    long encode(long b, long link) {
        return link ^ key ^ (Long.reverseBytes(b) & swabMask);
    }

    /** The link that the word {@code stored} in block {@code b} encodes, unchecked. */
    long decode(long b, long stored) {
        return link(b, stored);
    }

    private long link(long b, long stored) {
        return stored ^ key ^ (Long.reverseBytes(b) & swabMask);
    }

    /**
     * The link that the word {@code stored} in the free block {@code b} of class {@code cls} encodes, {@link #check
     * checked} (secure=on only: the fast paths' out-of-line pop).
     */
    long checkedLink(long b, long stored, int cls) {
        long link = link(b, stored);
        check(b, stored, link, cls);
        return link;
    }

    /**
     * Checks {@code link}, decoded from the word {@code stored} of the free block {@code b} of class {@code cls}, before
     * it is followed (call only when {@link #secure}).
     *
     * @throws HeapCorruptionException when it is neither 0 nor a FREE block start of class {@code cls}
     */
    @Enforces("TC-4")
    void check(long b, long stored, long link, int cls) {
        if (link == 0) {
            return;
        }
        int w = pageHeap.infoOf(link);
        boolean ok;
        if (w != 0) {
            ok = (w & 0xFF) == cls && SizeClasses.isBlockOffset(cls, (long) (w & 0xFF00) << (PAGE_SHIFT - 8) | (link & (SizeClasses.PAGE - 1)));
        } else {
            Span s = link > 0 && link < pageHeap.heap.brk() ? pageHeap.map.get(link >>> PAGE_SHIFT) : null;
            ok = s != null && s.state == Span.SMALL && s.sizeClass == cls && link >= s.start
                    && SizeClasses.isBlockOffset(cls, link - s.start);
        }
        if (!ok || states.get(link) != ThreadCacheAllocator.FREE) {
            throw corrupted(b, stored, link, cls, ok ? "a block that is not free" : "no block start of class " + cls);
        }
    }

    private HeapCorruptionException corrupted(long b, long stored, long link, int cls, String why) {
        return new HeapCorruptionException(owner + ": secure=on: the free-list link of free block " + hex(b) + " (class "
                + cls + ") is corrupted: found " + hex(stored) + ", which decodes to " + hex(link) + ", " + why
                + "; a write after free into " + hex(b) + "? The link is not followed.", b);
    }

    private static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }
}
