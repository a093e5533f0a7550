package org.jalloc.gc;

import java.util.Arrays;

import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.InvariantSink;

/**
 * {@code handles}: every object is reached through a handle table (the seed's level of indirection, as classic Mac
 * OS master pointers or early Smalltalk object tables), so compaction moves objects and updates only the table.
 *
 * <h2>Nouns</h2>
 * <dl>
 *   <dt>handle</dt><dd>{@code generation << 32 | index}: what roots, reference fields and the mutator hold. The
 *       generation of an index grows each time its object dies, so a handle kept past its object's death is caught
 *       ({@link StaleReferenceException}) instead of naming the next object given that index</dd>
 *   <dt>table</dt><dd>outside the heap: {@code addr[index]} (0 when free), {@code gen[index]}, free indexes chained
 *       through {@code next}</dd>
 *   <dt>back pointer</dt><dd>each object's collector word holds its handle index, so the compactor can update the
 *       table entry of an object it moves</dd>
 * </dl>
 *
 * <pre>
 *   roots, fields:  [gen|ix] ──► table: addr[ix] ──► object header (collector word = ix)
 * </pre>
 *
 * <h2>Collection (two passes, no reference updating)</h2>
 * <ol>
 *   <li>Mark from the roots through the table, with an explicit stack.</li>
 *   <li>Slide: walk {@code [start, top)} in address order; a marked object is copied down to {@code free}, its mark
 *       cleared, and {@code addr[its index] = free}; an unmarked one frees its index (generation + 1).
 *       {@code top = free}.</li>
 * </ol>
 * No field and no root changes: one table write per live object instead of LISP2's pass over every reference. The
 * price is an indirection on every access and a table entry per object.
 *
 * <h2>Invariants</h2>
 * <pre>
 *   GC-8  the used table entries and the objects of the space are in bijection:
 *         addr[collectorWord(o)] = o for every object o, and every used addr[i] is an object whose collector word is i
 *   GC-5  between collections mark = 0 and F = 0
 * </pre>
 */
final class HandleCollector extends Collector {
    private final BumpSpace space;
    private final LongStack markStack = new LongStack();
    private long[] addr = new long[1024];
    private int[] gen = new int[1024];
    private int[] next = new int[1024];
    private int freeHead;
    private int high = 1;
    private int used;

    HandleCollector(String name, BumpSpace space, long gogc, boolean checked) {
        super(name, space, gogc, checked);
        this.space = space;
    }

    @Override
    public boolean moving() {
        return true;
    }

    private int newHandle(long object) {
        int h = freeHead;
        if (h != 0) {
            freeHead = next[h];
        } else {
            if (high == addr.length) {
                int n = addr.length * 2;
                addr = Arrays.copyOf(addr, n);
                gen = Arrays.copyOf(gen, n);
                next = Arrays.copyOf(next, n);
            }
            h = high++;
            gen[h] = 1;
        }
        addr[h] = object;
        used++;
        return h;
    }

    private void freeHandle(int h) {
        addr[h] = 0;
        gen[h] = gen[h] == Integer.MAX_VALUE ? 1 : gen[h] + 1;
        next[h] = freeHead;
        freeHead = h;
        used--;
    }

    @Override
    long allocateStored(long size, int type, int length) {
        long a = space.allocate(size);
        if (a == 0) {
            return 0;
        }
        int h = newHandle(a);
        model.initialize(a, size, type, length, false, h);
        return (long) gen[h] << 32 | h;
    }

    @Override
    long addressOf(long stored) {
        int h = (int) stored;
        if (h <= 0 || h >= high || gen[h] != (int) (stored >>> 32) || addr[h] == 0) {
            return -1;
        }
        return addr[h];
    }

    @Override
    long storedFromMutator(long ref) {
        if (ref == 0) {
            return 0;
        }
        int h = (int) ref;
        int g = (int) (ref >>> 32);
        if (h <= 0 || h >= high || g <= 0) {
            throw new InvalidReferenceException("0x" + Long.toHexString(ref) + " is not a handle of this heap");
        }
        if (gen[h] != g || addr[h] == 0) {
            throw new StaleReferenceException("handle " + h + " generation " + g + " names an object that was collected"
                    + " (the index is now at generation " + gen[h] + (addr[h] == 0 ? ", free" : ", reused") + ")");
        }
        return ref;
    }

    @Override
    long mutatorFromStored(long stored) {
        return stored;
    }

    @Override
    boolean isObjectStart(long a) {
        if (a < space.start || a >= space.top) {
            return false;
        }
        long h = model.collectorWord(a);
        return h > 0 && h < high && addr[(int) h] == a;
    }

    @Override
    boolean collectorWordClean(long object) {
        return true; // the collector word is the handle index: GC-8 checks it
    }

    @Override
    void collectNow() {
        long oldTop = space.top;
        long inSpace = objectsAllocated - objectsReclaimed;
        markFromRoots(markStack, true);
        long free = space.start;
        for (long a = space.start; a < oldTop; ) {
            long s = heap.getLong(a);
            long size = model.sizeOf(ObjectModel.typeOf(s), ObjectModel.lengthOf(s));
            int h = (int) heap.getLong(a + 8);
            if (ObjectModel.markOf(s)) {
                if (free != a) {
                    heap.copy(a, free, size);
                }
                heap.putLong(free, s & ~ObjectModel.MARK_BIT);
                addr[h] = free;
                free += size;
            } else {
                freeHandle(h);
            }
            a += size;
        }
        bytesReclaimed += oldTop - free;
        objectsReclaimed += inSpace - liveObjects;
        space.top = free;
        usedBytes = free - space.start;
        if (checked) {
            heap.fill(free, oldTop - free, (byte) 0xDB);
        }
    }

    /** Live table entries. */
    int handles() {
        return used;
    }

    @Override
    long externalBytes() {
        return super.externalBytes() + addr.length * 16L;
    }

    @Override
    @Enforces("GC-8")
    void checkOwn(InvariantSink sink, GcVerifier.Objects objs) {
        int bad = 0;
        for (int i = 0; i < objs.n && bad < 8; i++) {
            long o = objs.addr[i];
            long h = model.collectorWord(o);
            if (h <= 0 || h >= high || addr[(int) h] != o) {
                bad++;
                sink.violation("GC-8", o, "the object's handle does not name it: " + model.describe(o),
                        "addr[" + h + "] = 0x" + Long.toHexString(o),
                        h <= 0 || h >= high ? "index out of the table" : "addr[" + h + "] = 0x" + Long.toHexString(addr[(int) h]));
            }
        }
        for (int h = 1; h < high && bad < 8; h++) {
            if (addr[h] != 0 && (objs.indexOf(addr[h]) < 0 || model.collectorWord(addr[h]) != h)) {
                bad++;
                sink.violation("GC-8", addr[h], "handle " + h + " names no object that points back to it",
                        "an object whose collector word is " + h, objs.indexOf(addr[h]) < 0 ? "no object there"
                                : "collector word " + model.collectorWord(addr[h]));
            }
        }
        if (bad == 0 && used != objs.n) {
            sink.violation("GC-8", 0, "the table's used entries and the space's objects differ in number",
                    objs.n + " used entries", used + " used entries");
        }
    }
}
