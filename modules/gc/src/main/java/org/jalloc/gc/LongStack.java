package org.jalloc.gc;

import java.util.Arrays;

/** A growable stack of longs outside the heap: the explicit mark stack (no recursion, so no Java stack depth). */
final class LongStack {
    private long[] items = new long[256];
    private int size;

    void push(long v) {
        if (size == items.length) {
            items = Arrays.copyOf(items, size * 2);
        }
        items[size++] = v;
    }

    long pop() {
        return items[--size];
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    void clear() {
        size = 0;
        if (items.length > 1 << 16) {
            items = new long[256]; // a huge stack from one deep collection is not kept
        }
    }

    long get(int i) {
        return items[i];
    }

    long bytes() {
        return items.length * 8L;
    }
}
