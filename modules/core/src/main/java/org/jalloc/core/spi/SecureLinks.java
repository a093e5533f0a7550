package org.jalloc.core.spi;

import java.security.SecureRandom;
import java.util.Map;

import org.jalloc.core.FreeListCorruptionException;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.Enforces;

/**
 * Free-list links stored inside free blocks, optionally encoded (mimalloc's secure mode, Linux's
 * {@code CONFIG_SLAB_FREELIST_HARDENED}): the spec option {@code secure=on|off} of every allocator that keeps links in
 * its free blocks.
 *
 * <pre>
 *   stored(slot) = link ⊕ key ⊕ swab(slot)        key: 64 random bits per heap (odd), swab = Long.reverseBytes
 *   link(slot)   = stored(slot) ⊕ key ⊕ swab(slot)
 *
 *   SEC-1  ∀ free block b, ∀ link slot s of b:  link(s) = 0  ∨  (base ≤ link(s) &lt; brk  ∧  (link(s) − base) mod granule = 0)
 * </pre>
 *
 * A stray write into a freed block replaces the stored word; with a random key what it decodes to is a random
 * 64-bit value, outside the heap or off the block grid but with probability about {@code heap / 2^64 / granule}.
 * {@link #load} checks SEC-1 before the link is followed and throws {@link FreeListCorruptionException} naming the
 * allocator, the block, the word found and what it decodes to: the allocation that would have followed the link
 * stops, rather than handing out or writing to a wild address. With {@code secure=off} the key is unused: one
 * branch on a final field, the link is stored and loaded as it is (and not checked).
 *
 * <p>The checker's walks read links with {@link #decodeUnchecked}, so a bad link is a violation of the module's own
 * list invariant (FL-5, BT-7, BUDDY-4, POOL-2) rather than an exception in the middle of a check.
 */
public final class SecureLinks {
    /** The spec option's key. */
    public static final String KEY = "secure";

    /** The option as {@code ./jalloc list} shows it on the allocators that keep links in free blocks. */
    public static final OptionSpec OPTION = OptionSpec.choice(KEY, "off",
            "encoded free-list links (mimalloc's secure mode): links in free blocks stored XOR-ed with a per-heap random key"
                    + " and checked before they are followed, so a write into a freed block is caught at the next allocation"
                    + " that reaches it (FreeListCorruptionException)", "off", "on");

    private static final SecureRandom SEEDS = new SecureRandom();

    private final boolean on;
    private final long key;
    private final Heap heap;
    private final String owner;
    private final long base;
    private final long granuleMask;

    /**
     * @param on      encode and check (secure=on), else store links as they are
     * @param heap    the heap the links point into
     * @param owner   the allocator's name, for messages
     * @param base    the lowest address a link may name; links lie on the grid {@code base + k·granule}
     * @param granule a power of two: the block grid
     */
    public SecureLinks(boolean on, Heap heap, String owner, long base, long granule) {
        if (granule <= 0 || Long.bitCount(granule) != 1) {
            throw new IllegalArgumentException("granule must be a power of two, got " + granule);
        }
        this.on = on;
        this.key = on ? SEEDS.nextLong() | 1 : 0;
        this.heap = heap;
        this.owner = owner;
        this.base = base;
        this.granuleMask = granule - 1;
    }

    /** Whether {@code options} (resolved) ask for {@code secure=on}. */
    public static boolean requested(Map<String, String> options) {
        return "on".equals(options.get(KEY));
    }

    /** Whether links are encoded. */
    public boolean on() {
        return on;
    }

    /** The word stored in {@code slot} for {@code link}. */
    public long encode(long slot, long link) {
        return on ? link ^ key ^ Long.reverseBytes(slot) : link;
    }

    /** The link a word stored in {@code slot} encodes, unchecked (for the checker's walks). */
    public long decodeUnchecked(long slot, long stored) {
        return on ? stored ^ key ^ Long.reverseBytes(slot) : stored;
    }

    /** Stores {@code link} into the heap word at {@code slot}. */
    public void store(long slot, long link) {
        heap.putLong(slot, on ? link ^ key ^ Long.reverseBytes(slot) : link);
    }

    /** The link in the heap word at {@code slot} of the free block {@code block}, unchecked (for the checker's walks). */
    public long loadUnchecked(long slot) {
        return decodeUnchecked(slot, heap.getLong(slot));
    }

    /**
     * The link in the heap word at {@code slot} of the free block {@code block}, checked (SEC-1) when secure.
     *
     * @throws FreeListCorruptionException when the word does not decode to 0 or a block of the heap
     */
    public long load(long block, long slot) {
        long stored = heap.getLong(slot);
        return on ? decode(block, slot, stored) : stored;
    }

    /**
     * The link a word stored in {@code slot} of {@code block} encodes, checked.
     *
     * @throws FreeListCorruptionException when it is neither 0 nor a block of the heap
     */
    @Enforces("SEC-1")
    public long decode(long block, long slot, long stored) {
        long link = stored ^ key ^ Long.reverseBytes(slot);
        if (link != 0 && (link < base || link >= heap.brk() || ((link - base) & granuleMask) != 0)) {
            throw corrupted(block, slot, stored, link, "not a block of this heap");
        }
        return link;
    }

    /** The exception for a link of {@code block} that decodes to {@code link}, which is no block ({@code why}). */
    public FreeListCorruptionException corrupted(long block, long slot, long stored, long link, String why) {
        return new FreeListCorruptionException(owner + ": the free-list link of free block " + hex(block)
                + " (word at " + hex(slot) + ") is corrupted: found " + hex(stored) + ", which decodes to " + hex(link) + ", "
                + why + " [" + hex(base) + ", " + hex(heap.brk()) + "); a write after free into " + hex(block)
                + "? (secure=on: the link is not followed)", block, slot, stored, link);
    }

    private static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }
}
