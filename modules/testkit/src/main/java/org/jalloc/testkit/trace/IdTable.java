package org.jalloc.testkit.trace;

import java.util.Arrays;

/**
 * Two longs per block id (an address and a size), 0 for ids not set, in memory that does not depend on how large
 * the ids are: ids below {@link #DENSE_IDS} index growable arrays (at most 16 MiB), larger ones (a trace may name
 * id 2,147,483,646) go to an open-addressing hash table (linear probing) that holds only the ids set to a non-zero
 * pair, so it grows with the live ids, not with every id a trace ever named.
 */
final class IdTable {
    /** Ids below this are kept in arrays grown to the largest one seen (at most 16 MiB for both arrays). */
    static final int DENSE_IDS = 1 << 20;

    private long[] first;
    private long[] second;
    private int[] keys = new int[0];
    private long[] sparseFirst = new long[0];
    private long[] sparseSecond = new long[0];
    private int sparseCount;

    IdTable(long expectedIds) {
        int n = (int) Math.max(16, Math.min(expectedIds, 1 << 16));
        first = new long[n];
        second = new long[n];
    }

    long first(int id) {
        if (id < first.length) {
            return first[id];
        }
        int slot = find(id);
        return slot < 0 ? 0 : sparseFirst[slot];
    }

    long second(int id) {
        if (id < second.length) {
            return second[id];
        }
        int slot = find(id);
        return slot < 0 ? 0 : sparseSecond[slot];
    }

    void set(int id, long a, long b) {
        if (id >= first.length && id < DENSE_IDS) {
            int n = (int) Math.min(DENSE_IDS, Math.max(id + 1L, first.length * 2L));
            first = Arrays.copyOf(first, n);
            second = Arrays.copyOf(second, n);
        }
        if (id < first.length) {
            first[id] = a;
            second[id] = b;
            return;
        }
        int slot = find(id);
        if (a == 0 && b == 0) {
            if (slot >= 0) {
                delete(slot);
            }
            return;
        }
        if (slot < 0) {
            if ((sparseCount + 1) * 2 > keys.length) {
                grow();
            }
            slot = ~find(id);
            keys[slot] = id;
            sparseCount++;
        }
        sparseFirst[slot] = a;
        sparseSecond[slot] = b;
    }

    /** Slots of the hash table (for tests: it follows the live ids, not every id ever set). */
    int sparseCapacity() {
        return keys.length;
    }

    /** Calls {@code visitor} for every id whose first value is not 0, in ascending id order. */
    void forEachSet(IdVisitor visitor) {
        for (int id = 0; id < first.length; id++) {
            if (first[id] != 0) {
                visitor.visit(id, first[id], second[id]);
            }
        }
        if (sparseCount > 0) {
            int[] sorted = new int[sparseCount];
            int n = 0;
            for (int k : keys) {
                if (k != 0) {
                    sorted[n++] = k;
                }
            }
            Arrays.sort(sorted);
            for (int id : sorted) {
                long a = first(id);
                if (a != 0) {
                    visitor.visit(id, a, second(id));
                }
            }
        }
    }

    @FunctionalInterface
    interface IdVisitor {
        void visit(int id, long first, long second);
    }

    /** The slot holding {@code id}, or the complement of the empty slot where it would go. Key 0 marks empty. */
    private int find(int id) {
        if (keys.length == 0) {
            return -1;
        }
        int mask = keys.length - 1;
        int slot = home(id, mask);
        while (true) {
            int k = keys[slot];
            if (k == id) {
                return slot;
            }
            if (k == 0) {
                return ~slot;
            }
            slot = (slot + 1) & mask;
        }
    }

    /** Empties {@code slot}, moving later entries of its probe run back so every key stays reachable. */
    private void delete(int slot) {
        int mask = keys.length - 1;
        int hole = slot;
        int i = slot;
        while (true) {
            i = (i + 1) & mask;
            int k = keys[i];
            if (k == 0) {
                break;
            }
            int home = home(k, mask);
            // k may move to the hole if its home is not in (hole, i] (cyclically)
            boolean between = hole <= i ? home > hole && home <= i : home > hole || home <= i;
            if (!between) {
                keys[hole] = k;
                sparseFirst[hole] = sparseFirst[i];
                sparseSecond[hole] = sparseSecond[i];
                hole = i;
            }
        }
        keys[hole] = 0;
        sparseFirst[hole] = 0;
        sparseSecond[hole] = 0;
        sparseCount--;
    }

    private static int home(int id, int mask) {
        int h = id * 0x9E3779B9;
        return (h ^ (h >>> 16)) & mask;
    }

    private void grow() {
        int[] oldKeys = keys;
        long[] oldFirst = sparseFirst;
        long[] oldSecond = sparseSecond;
        int n = Math.max(64, oldKeys.length * 2);
        keys = new int[n];
        sparseFirst = new long[n];
        sparseSecond = new long[n];
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != 0) {
                int slot = ~find(oldKeys[i]);
                keys[slot] = oldKeys[i];
                sparseFirst[slot] = oldFirst[i];
                sparseSecond[slot] = oldSecond[i];
            }
        }
    }
}
