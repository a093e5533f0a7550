package org.jalloc.core.debug;

import java.util.Arrays;

/**
 * An open-addressing map from heap address (never 0) to an {@code int} other than {@link #ABSENT}, in two primitive
 * arrays: linear probing from a multiplicative hash, backward-shift deletion, so a lookup, an insert or a removal
 * touches a few adjacent array slots and allocates nothing. Not thread safe.
 *
 * <pre>
 *   keys[i]   address, or 0 for an empty slot      (load ≤ 1/4, so probe runs stay short; capacity a power of two)
 *   values[i] the value of keys[i]
 * </pre>
 */
final class AddressIndex {
    /** What {@link #get} returns for an absent key. */
    static final int ABSENT = -1;

    private long[] keys = new long[64];
    private int[] values = new int[64];
    private int shift = 64 - 6;
    private int size;

    private int home(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
    }

    int size() {
        return size;
    }

    /** The value of {@code key}, or {@link #ABSENT}. */
    int get(long key) {
        long[] k = keys;
        int mask = k.length - 1;
        for (int i = home(key); ; i = (i + 1) & mask) {
            long at = k[i];
            if (at == key) {
                return values[i];
            }
            if (at == 0) {
                return ABSENT;
            }
        }
    }

    /** Maps {@code key} to {@code value}, replacing what it mapped to. */
    void put(long key, int value) {
        long[] k = keys;
        int mask = k.length - 1;
        int i = home(key);
        while (k[i] != 0 && k[i] != key) {
            i = (i + 1) & mask;
        }
        if (k[i] == 0) {
            k[i] = key;
            if (++size * 4 > k.length) {
                values[i] = value;
                grow();
                return;
            }
        }
        values[i] = value;
    }

    /** The slot of {@code key}, or -1. */
    int find(long key) {
        long[] k = keys;
        int mask = k.length - 1;
        for (int i = home(key); ; i = (i + 1) & mask) {
            long at = k[i];
            if (at == key) {
                return i;
            }
            if (at == 0) {
                return -1;
            }
        }
    }

    /** The value in slot {@code i} (a slot {@link #find} returned, with no change since). */
    int valueAt(int i) {
        return values[i];
    }

    /** Sets the value in slot {@code i} (a slot {@link #find} returned, with no change since). */
    void setValueAt(int i, int value) {
        values[i] = value;
    }

    /** Slots there are (for a sweep with {@link #keyAt}). */
    int capacity() {
        return keys.length;
    }

    /** The key in slot {@code i}, or 0. */
    long keyAt(int i) {
        return keys[i];
    }

    /** Removes {@code key}; returns its value, or {@link #ABSENT}. */
    int remove(long key) {
        int i = find(key);
        if (i < 0) {
            return ABSENT;
        }
        int old = values[i];
        removeAt(i);
        return old;
    }

    /** Removes the entry in slot {@code i} (a slot {@link #find} returned, with no change since). */
    void removeAt(int i) {
        long[] k = keys;
        int mask = k.length - 1;
        size--;
        int hole = i;
        for (int j = (i + 1) & mask; k[j] != 0; j = (j + 1) & mask) {
            int h = home(k[j]);
            if (((j - h) & mask) >= ((j - hole) & mask)) {
                k[hole] = k[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        k[hole] = 0;
    }

    void clear() {
        Arrays.fill(keys, 0);
        size = 0;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new int[oldKeys.length * 2];
        shift--;
        int mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            long key = oldKeys[j];
            if (key != 0) {
                int i = home(key);
                while (keys[i] != 0) {
                    i = (i + 1) & mask;
                }
                keys[i] = key;
                values[i] = oldValues[j];
            }
        }
    }
}
