package org.jalloc.core.shadow;

import java.util.Arrays;

/**
 * An open-addressing map from block address to (requested size, tag), without boxing: the shadow model of live
 * blocks kept by trackers and the checker, outside the heap. Address 0 (NULL) cannot be a key.
 *
 * <p>Linear probing with backward-shift deletion, so lookups never see tombstones. Not thread safe.
 */
public final class LiveBlocks {
    /** Receives the entries of {@link #forEach}. */
    @FunctionalInterface
    public interface Visitor {
        void block(long address, long requested, long tag);
    }

    private long[] keys;
    private long[] requested;
    private long[] tags;
    private int size;
    private long totalRequested;

    public LiveBlocks() {
        this(64);
    }

    public LiveBlocks(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[cap];
        requested = new long[cap];
        tags = new long[cap];
    }

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

    /** Adds or replaces the entry for {@code address}. */
    public void put(long address, long requestedSize, long tag) {
        if (address == 0) {
            throw new IllegalArgumentException("NULL is never a live block");
        }
        int i = slot(address);
        if (keys[i] == 0) {
            keys[i] = address;
            size++;
        } else {
            totalRequested -= requested[i];
        }
        requested[i] = requestedSize;
        tags[i] = tag;
        totalRequested += requestedSize;
        if (size * 4 > keys.length * 3) {
            grow();
        }
    }

    public boolean contains(long address) {
        return address != 0 && keys[slot(address)] == address;
    }

    /** The requested size recorded for {@code address}, or -1 if it is not live. */
    public long requested(long address) {
        if (address == 0) {
            return -1;
        }
        int i = slot(address);
        return keys[i] == address ? requested[i] : -1;
    }

    /** The tag recorded for {@code address}, or -1 if it is not live. */
    public long tag(long address) {
        if (address == 0) {
            return -1;
        }
        int i = slot(address);
        return keys[i] == address ? tags[i] : -1;
    }

    /** Removes {@code address}; returns false if it was not live. */
    public boolean remove(long address) {
        if (address == 0) {
            return false;
        }
        int mask = keys.length - 1;
        int i = slot(address);
        if (keys[i] != address) {
            return false;
        }
        totalRequested -= requested[i];
        size--;
        // Backward-shift: move later entries of the probe run into the hole when their home allows it.
        int hole = i;
        int j = (i + 1) & mask;
        while (keys[j] != 0) {
            int home = hash(keys[j]) & mask;
            boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (movable) {
                keys[hole] = keys[j];
                requested[hole] = requested[j];
                tags[hole] = tags[j];
                hole = j;
            }
            j = (j + 1) & mask;
        }
        keys[hole] = 0;
        return true;
    }

    public int size() {
        return size;
    }

    /** Sum of requested sizes over live entries. */
    public long totalRequested() {
        return totalRequested;
    }

    public void clear() {
        Arrays.fill(keys, 0);
        size = 0;
        totalRequested = 0;
    }

    public void forEach(Visitor visitor) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != 0) {
                visitor.block(keys[i], requested[i], tags[i]);
            }
        }
    }

    /** The live addresses in ascending order. */
    public long[] sortedAddresses() {
        long[] out = new long[size];
        int n = 0;
        for (long k : keys) {
            if (k != 0) {
                out[n++] = k;
            }
        }
        Arrays.sort(out);
        return out;
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldReq = requested;
        long[] oldTags = tags;
        keys = new long[oldKeys.length * 2];
        requested = new long[keys.length];
        tags = new long[keys.length];
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != 0) {
                int s = slot(oldKeys[i]);
                keys[s] = oldKeys[i];
                requested[s] = oldReq[i];
                tags[s] = oldTags[i];
            }
        }
    }
}
