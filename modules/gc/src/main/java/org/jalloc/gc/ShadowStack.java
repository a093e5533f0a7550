package org.jalloc.gc;

import java.util.Arrays;

/**
 * One mutator's shadow stack: frames of root slots pushed and popped LIFO, as a compiled program's frames hold its
 * locals. Only the top frame's slots are addressable; every slot of every frame is a root.
 *
 * <pre>
 *   slots:  | frame 0 ........ | frame 1 .... | top frame ...... |
 *           0                  base[1]        base[depth-1]      top
 * </pre>
 * Mutator-local state: no synchronization.
 */
final class ShadowStack {
    private long[] slots = new long[64];
    private int[] base = new int[8];
    private int depth;
    private int top;

    void push(int n) {
        if (n < 0) {
            throw new RootMisuseException("pushFrame(" + n + "): negative slot count");
        }
        if (depth == base.length) {
            base = Arrays.copyOf(base, depth * 2);
        }
        if (top + n > slots.length) {
            slots = Arrays.copyOf(slots, Math.max(slots.length * 2, top + n));
        }
        base[depth++] = top;
        top += n; // slots above the old top were cleared by pop, or are fresh
    }

    void pop() {
        if (depth == 0) {
            throw new RootMisuseException("popFrame(): no frame is pushed");
        }
        int b = base[--depth];
        Arrays.fill(slots, b, top, 0);
        top = b;
    }

    int depth() {
        return depth;
    }

    int frameSize() {
        return depth == 0 ? 0 : top - base[depth - 1];
    }

    private int index(int slot) {
        if (depth == 0) {
            throw new RootMisuseException("local slot " + slot + ": no frame is pushed");
        }
        int b = base[depth - 1];
        if (slot < 0 || slot >= top - b) {
            throw new RootMisuseException("local slot " + slot + " is outside the top frame of " + (top - b) + " slots");
        }
        return b + slot;
    }

    long get(int slot) {
        return slots[index(slot)];
    }

    /** Checks the slot index without changing anything (a store validates before its barrier runs). */
    int checkedIndex(int slot) {
        return index(slot);
    }

    long getAt(int index) {
        return slots[index];
    }

    void setAt(int index, long stored) {
        slots[index] = stored;
    }

    /** Visits every slot of every frame from the bottom, storing back what the visitor returns. */
    void scan(Scanning.RootVisitor visitor) {
        for (int i = 0; i < top; i++) {
            if (slots[i] != 0) {
                slots[i] = visitor.root(slots[i]);
            }
        }
    }

    /** Every slot of every frame, bottom first. */
    long[] all() {
        return Arrays.copyOf(slots, top);
    }

    long bytes() {
        return slots.length * 8L + base.length * 4L;
    }
}
