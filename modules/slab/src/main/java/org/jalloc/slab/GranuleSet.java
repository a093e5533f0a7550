package org.jalloc.slab;

import java.util.Arrays;

/**
 * A set of distinct object starts (16-byte aligned, so two of them never share a 16-byte granule), one bit per
 * granule from a base address: the checker's flat seen-set where a {@link LongSet} would probe a table 128 times
 * larger. {@link #reset} clears only the words the last round touched, so a check costs what it adds.
 */
final class GranuleSet {
    private long[] words = new long[64];
    private int[] touched = new int[64];
    private int touchedCount;
    private long base;
    /** Addresses outside the bitmap's reach (below the base, or terabytes above it). */
    private final LongSet overflow = new LongSet();
    private boolean zero;

    /** Empties the set; later addresses are taken relative to {@code base}. */
    void reset(long base) {
        for (int i = 0; i < touchedCount; i++) {
            words[touched[i]] = 0;
        }
        touchedCount = 0;
        overflow.clear();
        zero = false;
        this.base = base;
    }

    /** Adds {@code address} (a 16-byte aligned object start); false when it was present. */
    boolean add(long address) {
        long g = (address - base) >>> 4;
        if (address < base || (address & 15) != 0 || g >>> 6 >= Integer.MAX_VALUE - 8) {
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
