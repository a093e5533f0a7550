package org.jalloc.gc;

import java.util.Arrays;

/**
 * The generational collector's card table and block-offset table over the tenured space (HotSpot's pair). A card is
 * 512 bytes of the tenured space; its byte is 1 (dirty) when a reference field inside it may name a nursery object.
 *
 * <pre>
 *   card(slot)  = (slot - start) >> 9
 *   cards[i]    = 1  dirty: some field in [start + 512 i, start + 512 (i+1)) may name the nursery (GC-9)
 *   cover[i]    = the tenured object whose bytes include start + 512 i (where a scan of card i begins; GC-11)
 * </pre>
 * A card is one byte, written with a plain byte store: the mutator's barrier and the collector's promotion may mark
 * neighbouring cards from different threads and neither can lose the other's mark (a bitmap with read-modify-write
 * could; {@code CardMarkRaceStress} shows the byte table keeps both).
 */
final class CardTable {
    static final int SHIFT = GenerationalSpace.CARD_SHIFT;

    final long start;
    final byte[] cards;
    final long[] cover;

    CardTable(long start, long end) {
        this.start = start;
        int n = (int) ((end - start) >>> SHIFT);
        this.cards = new byte[n];
        this.cover = new long[n];
    }

    int card(long address) {
        return (int) ((address - start) >>> SHIFT);
    }

    long cardBase(int card) {
        return start + ((long) card << SHIFT);
    }

    /** Marks the card of a reference field (the barrier; promotion of an object that names the nursery). */
    void dirty(long slot) {
        cards[card(slot)] = 1;
    }

    boolean isDirty(long slot) {
        return cards[card(slot)] != 0;
    }

    /** A tenured object now occupies {@code [a, a + size)}: every card whose first byte it covers starts there. */
    void recordObject(long a, long size) {
        int first = (int) ((a - start + (1L << SHIFT) - 1) >>> SHIFT);
        int last = (int) ((a + size - 1 - start) >>> SHIFT);
        for (int i = first; i <= last; i++) {
            cover[i] = a;
        }
    }

    void clearCards() {
        Arrays.fill(cards, (byte) 0);
    }

    /** Dirty cards, ascending, and clears them. */
    int[] takeDirty(int below) {
        int n = 0;
        int[] out = new int[16];
        for (int i = 0; i < below && i < cards.length; i++) {
            if (cards[i] != 0) {
                if (n == out.length) {
                    out = Arrays.copyOf(out, n * 2);
                }
                out[n++] = i;
                cards[i] = 0;
            }
        }
        return Arrays.copyOf(out, n);
    }

    long bytes() {
        return cards.length * 9L;
    }
}
