package org.jalloc.buddy.pages;

import java.util.Arrays;

/**
 * One bit per frame number, in a growable {@code long[]} outside the heap: the {@code head} and {@code free} maps of
 * {@link PageAllocator}. Bits past the end of the array read as 0, so the maps only grow with the heap's break.
 */
public final class FrameBits {
    private long[] words = new long[16];

    public boolean get(long frame) {
        int w = (int) (frame >>> 6);
        return w < words.length && (words[w] & (1L << frame)) != 0;
    }

    public void set(long frame) {
        int w = (int) (frame >>> 6);
        if (w >= words.length) {
            words = Arrays.copyOf(words, Math.max(w + 1, words.length * 2));
        }
        words[w] |= 1L << frame;
    }

    public void clear(long frame) {
        int w = (int) (frame >>> 6);
        if (w < words.length) {
            words[w] &= ~(1L << frame);
        }
    }

    /** Clears every bit in {@code [from, to)}. */
    void clearRange(long from, long to) {
        long end = Math.min(to, (long) words.length << 6); // bits beyond the array are 0 already
        long f = from;
        while (f < end && (f & 63) != 0) {
            clear(f++);
        }
        if (f < (end & ~63L)) {
            Arrays.fill(words, (int) (f >>> 6), (int) (end >>> 6), 0L);
            f = end & ~63L;
        }
        while (f < end) {
            clear(f++);
        }
    }

    /** The first set bit in {@code [from, to)}, or {@code to} when there is none. */
    long next(long from, long to) {
        if (from >= to) {
            return to;
        }
        int w = (int) (from >>> 6);
        if (w >= words.length) {
            return to;
        }
        long word = words[w] & (-1L << from);
        while (true) {
            if (word != 0) {
                return Math.min(to, ((long) w << 6) + Long.numberOfTrailingZeros(word));
            }
            w++;
            if (w >= words.length || (long) w << 6 >= to) {
                return to;
            }
            word = words[w];
        }
    }

    /** Sets word {@code i} (bits {@code 64i .. 64i + 63}) to {@code bits}. */
    void setWord(int i, long bits) {
        if (i >= words.length) {
            if (bits == 0) {
                return; // bits beyond the array read as 0 already
            }
            words = Arrays.copyOf(words, Math.max(i + 1, words.length * 2));
        }
        words[i] = bits;
    }

    /** Number of words held (bits beyond read as 0). */
    int words() {
        return words.length;
    }

    /** Word {@code i} (bits {@code 64i .. 64i + 63}), 0 beyond the array. */
    long word(int i) {
        return i < words.length ? words[i] : 0;
    }

    /** A copy of the words, for tests that prove an operation changed nothing. */
    long[] copy() {
        return words.clone();
    }

    /** Bytes of a map covering {@code frames} frames. */
    static long bytesFor(long frames) {
        return ((frames + 63) >>> 6) * Long.BYTES;
    }
}
