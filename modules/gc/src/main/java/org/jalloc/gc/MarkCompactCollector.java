package org.jalloc.gc;

/**
 * {@code mark-compact}: LISP2 sliding compaction over its own contiguous {@link BumpSpace}.
 *
 * <h2>Nouns</h2>
 * <dl>
 *   <dt>space</dt><dd>{@code [start, end)}, objects back to back below {@code top}, one free run above it;
 *       allocation bumps {@code top}</dd>
 *   <dt>forwarding address</dt><dd>where a live object will slide to, kept in its header's collector word while the
 *       header's F bit is set (between steps 2 and 4 only)</dd>
 *   <dt>free</dt><dd>the compaction cursor: the next forwarding address to hand out</dd>
 * </dl>
 *
 * <h2>Collection (LISP2, four passes)</h2>
 * <ol>
 *   <li>Mark from the roots with an explicit stack (mark bit 1).</li>
 *   <li>Compute forwarding addresses: walk {@code [start, top)} in address order; each marked object gets
 *       {@code forward = free}, {@code free += size}. Dead headers stay intact, so the walk can step over them.</li>
 *   <li>Update references: every root and every reference field of every marked object is replaced by the
 *       forwarding address of the object it names (read before anything moves).</li>
 *   <li>Move: walk {@code [start, top)} again; each marked object is copied down to its forwarding address
 *       ({@code memmove}: a destination never passes its source, and every later destination starts past an earlier
 *       one's end, so no header is overwritten before it is read), its mark, F bit and collector word cleared.</li>
 *   <li>{@code top = free}: every dead byte is now in the one free run {@code [top, end)}.</li>
 * </ol>
 * Afterwards live objects keep their address order and the free space is one run (GC-7); the graph is isomorphic to
 * the one before, data included (GC-6). Every raw address dies (checked mode catches its use).
 *
 * <h2>Invariants</h2>
 * <pre>
 *   GC-5  between collections: mark = 0, F = 0, collector word = 0 for every object
 *   GC-7  right after a collection: [start, top) holds the live objects in their old order, [top, end) is free
 * </pre>
 */
final class MarkCompactCollector extends Collector {
    /** Bugs planted on purpose, for tests that prove the checker and the fuzzer catch them (never set otherwise). */
    enum Fault { NONE, SKIP_ROOT_UPDATE }

    private final BumpSpace space;
    private final LongStack markStack = new LongStack();
    /** Test-only switch (package-private): a planted bug. */
    Fault fault = Fault.NONE;

    MarkCompactCollector(String name, BumpSpace space, long gogc, boolean checked) {
        super(name, space, gogc, checked);
        this.space = space;
    }

    @Override
    public boolean moving() {
        return true;
    }

    @Override
    long allocateStored(long size, int type, int length) {
        long a = space.allocate(size);
        if (a == 0) {
            return 0;
        }
        model.initialize(a, size, type, length, false, 0);
        if (checked) {
            objectIndex.put(a, size, 0);
        }
        return a;
    }

    @Override
    void collectNow() {
        long oldTop = space.top;
        markFromRoots(markStack, true);
        // 2. forwarding addresses
        long free = space.start;
        for (long a = space.start; a < oldTop; ) {
            long s = heap.getLong(a);
            long size = model.sizeOf(ObjectModel.typeOf(s), ObjectModel.lengthOf(s));
            if (ObjectModel.markOf(s)) {
                heap.putLong(a, s | ObjectModel.FORWARDED_BIT);
                heap.putLong(a + 8, free);
                free += size;
            }
            a += size;
        }
        // 3. references: roots, then the fields of live objects
        if (fault != Fault.SKIP_ROOT_UPDATE) {
            scanRoots(stored -> heap.getLong(stored + 8));
        }
        Lisp2.updateFields(heap, model, space.start, oldTop);
        // 4. move
        Lisp2.slide(heap, model, space.start, oldTop);
        // 5.
        long reclaimed = (oldTop - space.start) - (free - space.start);
        bytesReclaimed += reclaimed;
        objectsReclaimed += (objectsAllocated - objectsReclaimed) - liveObjects; // objects die only here
        space.top = free;
        usedBytes = free - space.start;
        if (checked) {
            heap.fill(free, oldTop - free, (byte) 0xDB); // dead bytes: a stale read sees poison, not an old object
            rebuildObjectIndex();
        }
    }
}
