package org.jalloc.slab;

import java.util.Arrays;

/**
 * An exact set of heap addresses for the checker's scratch: a 16-byte aligned address at or above the base is one bit
 * of a flat bitmap (one bit per 16-byte granule, so each such address has a bit of its own), any other address goes
 * to a {@link LongSet}. Object and slot starts are aligned, so a probe reads one word of a table 128 times smaller
 * than a hash set's. {@link #reset} clears only the words the last round touched, so a check costs what it adds.
 */
final class GranuleSet {
    private long[] words = new long[64];
    private int[] touched = new int[64];
    private int touchedCount;
    private long base;
    private long end;
    /** Addresses outside the bitmap's reach (outside the heap or unaligned). */
    private final LongSet overflow = new LongSet();
    private boolean zero;

    /** Empties the set; the bitmap covers {@code [base, end)} (the heap), so a wild address cannot grow it. */
    void reset(long base, long end) {
        for (int i = 0; i < touchedCount; i++) {
            words[touched[i]] = 0;
        }
        touchedCount = 0;
        overflow.clear();
        zero = false;
        this.base = base;
        this.end = end;
    }

    private boolean inBitmap(long address) {
        return address >= base && address < end && (address & 15) == 0 && ((address - base) >>> 10) < Integer.MAX_VALUE - 8;
    }

    /** True when nothing was added since the last {@link #reset}. */
    boolean isEmpty() {
        return touchedCount == 0 && !zero && overflow.size() == 0;
    }

    boolean contains(long address) {
        if (!inBitmap(address)) {
            return address == 0 ? zero : overflow.contains(address);
        }
        long g = (address - base) >>> 4;
        int w = (int) (g >>> 6);
        return w < words.length && (words[w] & (1L << g)) != 0;
    }

    /** Adds {@code address}; false when it was present. */
    boolean add(long address) {
        long g = (address - base) >>> 4;
        if (!inBitmap(address)) {
            if (address == 0) { // LongSet holds non-zero values only
                boolean added = !zero;
                zero = true;
                return added;
            }
            return overflow.add(address);
        }
        int w = (int) (g >>> 6);
        if (w >= words.length) {
            words = Arrays.copyOf(words, Math.max(w + 1, words.length * 2));
        }
        long old = words[w];
        long bit = 1L << g;
        if ((old & bit) != 0) {
            return false;
        }
        if (old == 0) {
            if (touchedCount == touched.length) {
                touched = Arrays.copyOf(touched, touchedCount * 2);
            }
            touched[touchedCount++] = w;
        }
        words[w] = old | bit;
        return true;
    }
}
