package org.jalloc.slab;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A magazine (Bonwick &amp; Adams 2001): a stack of at most {@code rounds.length} free objects ("rounds") of one
 * cache, outside the heap. A thread holds two per cache (loaded and previous); the depot keeps full and empty ones,
 * linked through {@link #next}.
 */
final class Magazine {
    final long[] rounds;
    int count;
    @Nullable Magazine next;

    Magazine(int capacity) {
        this.rounds = new long[capacity];
    }

    boolean isFull() {
        return count == rounds.length;
    }
}
