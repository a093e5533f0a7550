package org.jalloc.gc;

import org.jalloc.core.memory.Heap;

/**
 * The two LISP2 passes that both sliding collectors run over a region of back-to-back objects once every live object
 * carries its forwarding address ({@code mark-compact} over its one space, {@code generational}'s major collection
 * over each of its regions).
 *
 * <pre>
 *   header word 0: type | length | M (mark) | F (forwarded)      header word 1: forwarding address while F is set
 * </pre>
 * <ol>
 *   <li>{@link #updateFields}: every reference field of every marked object in {@code [from, top)} is replaced by
 *       the forwarding address of the object it names (run before anything moves, so that address is still there).</li>
 *   <li>{@link #slide}: every marked object in {@code [from, top)} is copied to its forwarding address in address
 *       order ({@code memmove}: no destination passes its source), and its M, F and forwarding word are cleared.</li>
 * </ol>
 * Dead objects keep intact headers until the slide passes them, so both walks can step over them by size.
 */
final class Lisp2 {
    private Lisp2() {
    }

    /** Pass 1 over {@code [from, top)}: references in marked objects now name forwarding addresses. */
    static void updateFields(Heap heap, ObjectModel model, long from, long top) {
        for (long a = from; a < top; ) {
            long s = heap.getLong(a);
            long size = model.sizeOf(ObjectModel.typeOf(s), ObjectModel.lengthOf(s));
            if (ObjectModel.markOf(s)) {
                int n = model.refCount(a);
                for (int i = 0; i < n; i++) {
                    long slot = ObjectModel.slot(a, i);
                    long v = heap.getLong(slot);
                    if (v != 0) {
                        heap.putLong(slot, heap.getLong(v + 8));
                    }
                }
            }
            a += size;
        }
    }

    /** Pass 2 over {@code [from, top)}: marked objects move to their forwarding addresses with clean headers. */
    static void slide(Heap heap, ObjectModel model, long from, long top) {
        for (long a = from; a < top; ) {
            long s = heap.getLong(a);
            long size = model.sizeOf(ObjectModel.typeOf(s), ObjectModel.lengthOf(s));
            if (ObjectModel.markOf(s)) {
                long to = heap.getLong(a + 8);
                if (to != a) {
                    heap.copy(a, to, size);
                }
                heap.putLong(to, s & ~(ObjectModel.MARK_BIT | ObjectModel.FORWARDED_BIT));
                heap.putLong(to + 8, 0);
            }
            a += size;
        }
    }
}
