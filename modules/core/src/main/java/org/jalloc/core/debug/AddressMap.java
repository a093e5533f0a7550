package org.jalloc.core.debug;

import java.util.Arrays;
import java.util.function.Consumer;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * An open-addressing map from heap address (never 0) to a value, without boxing the keys: linear probing with
 * backward-shift deletion. Not thread safe.
 */
final class AddressMap<V> {
    private long[] keys = new long[64];
    private @Nullable Object[] values = new Object[64];
    private int size;

    private static int hash(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    private int slot(long key) {
        int mask = keys.length - 1;
        int i = hash(key) & mask;
        while (keys[i] != 0 && keys[i] != key) {
            i = (i + 1) & mask;
        }
        return i;
    }

    int size() {
        return size;
    }

    @SuppressWarnings("unchecked") // values holds only V
    @Nullable V get(long key) {
        int i = slot(key);
        return keys[i] == key ? (V) values[i] : null;
    }

    void put(long key, V value) {
        int i = slot(key);
        if (keys[i] == 0) {
            keys[i] = key;
            size++;
        }
        values[i] = value;
        if (size * 4 > keys.length * 3) {
            grow();
        }
    }

    @SuppressWarnings("unchecked") // values holds only V
    @Nullable V remove(long key) {
        int mask = keys.length - 1;
        int i = slot(key);
        if (keys[i] != key) {
            return null;
        }
        V old = (V) values[i];
        size--;
        // Backward-shift deletion: move later entries of the probe run into the hole.
        int hole = i;
        for (int j = (i + 1) & mask; keys[j] != 0; j = (j + 1) & mask) {
            int home = hash(keys[j]) & mask;
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        keys[hole] = 0;
        values[hole] = null;
        return old;
    }

    @SuppressWarnings("unchecked") // values holds only V
    void forEach(Consumer<V> action) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != 0) {
                action.accept((V) values[i]);
            }
        }
    }

    /** The keys present, in no particular order (a copy: the map may change while the caller walks it). */
    long[] keys() {
        long[] out = new long[size];
        int n = 0;
        for (long k : keys) {
            if (k != 0) {
                out[n++] = k;
            }
        }
        return out;
    }

    void clear() {
        Arrays.fill(keys, 0);
        Arrays.fill(values, null);
        size = 0;
    }

    private void grow() {
        long[] oldKeys = keys;
        @Nullable Object[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new Object[oldKeys.length * 2];
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != 0) {
                int j = slot(oldKeys[i]);
                keys[j] = oldKeys[i];
                values[j] = oldValues[i];
            }
        }
    }
}
