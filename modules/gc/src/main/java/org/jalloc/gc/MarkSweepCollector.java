package org.jalloc.gc;

import java.util.Arrays;

/**
 * {@code mark-sweep}: stop-the-world mark and sweep over any general-purpose jalloc allocator.
 *
 * <h2>Nouns</h2>
 * <dl>
 *   <dt>space</dt><dd>an {@link AllocatorSpace}: each object is one {@code malloc}ed block; dead objects are
 *       {@code free}d, so the allocator's own splitting and coalescing decide fragmentation</dd>
 *   <dt>mark value</dt><dd>{@code sense}: the value of the header's mark bit that means "survived the last
 *       collection". It flips at every collection, so no pass ever clears mark bits: new objects are allocated with
 *       the current value (black for the pending sweep, white for the next mark)</dd>
 *   <dt>mark stack</dt><dd>an explicit stack of object addresses outside the heap: marking never recurses, so a
 *       ten-million-object list costs one stack slot, not ten million Java frames</dd>
 *   <dt>sweep queue</dt><dd>the dead objects of the last collection in address order, {@code [sweepHead, sweepTail)}
 *       not yet freed (lazy sweeping)</dd>
 * </dl>
 *
 * <h2>Why mark bits in the header</h2>
 * Marking reads each live object's header anyway (its type gives its fields), so the bit costs no extra cache line
 * there; and the space is an arbitrary allocator whose blocks have no fixed grid a side bitmap could index cheaply.
 * The price is paid by the sweep, which reads the header of every block, dead or alive.
 *
 * <h2>Collection</h2>
 * <ol>
 *   <li>Finish any pending lazy sweep (the queue must be empty before marks mean something new).</li>
 *   <li>Mark: {@code m = !sense}; every root's object gets mark bit {@code m} and is pushed; pop, scan its fields,
 *       mark and push each unmarked target, until the stack is empty.</li>
 *   <li>Sweep: walk the allocator's blocks (block-walk SPI); every ALLOCATED block whose header's mark bit is not
 *       {@code m} is dead and goes to the sweep queue.</li>
 *   <li>{@code sense = m}.</li>
 *   <li>Eager: free every queued object now. Lazy ({@code lazy=on}): allocation frees queued objects first, about
 *       as many bytes as it asks for, then everything when the allocator still cannot serve it.</li>
 * </ol>
 *
 * <h2>Invariants</h2>
 * <pre>
 *   GC-5  between collections: mark(o) = sense for every object not in the sweep queue, and != sense in it
 *   GC-4  right after a collection every block not in the sweep queue is reachable from the roots
 * </pre>
 * Lazy sweeping defers the frees (the allocator's coalescing and list work); finding the dead is the one block walk
 * of step 3, reading one header per block.
 */
final class MarkSweepCollector extends Collector {
    private final AllocatorSpace space;
    private final boolean lazy;
    private final LongStack markStack = new LongStack();
    private boolean sense;
    private long[] queue = new long[64];
    private int sweepHead;
    private int sweepTail;

    MarkSweepCollector(String name, AllocatorSpace space, long gogc, boolean lazy, boolean checked) {
        super(name, space, gogc, checked);
        this.space = space;
        this.lazy = lazy;
    }

    @Override
    public boolean moving() {
        return false;
    }

    /** The allocator the objects live in. */
    String allocatorName() {
        return space.allocator.name();
    }

    @Override
    long allocateStored(long size, int type, int length) {
        if (sweepHead < sweepTail) {
            sweep(size);
        }
        long a = space.allocate(size);
        if (a == 0 && sweepHead < sweepTail) {
            sweep(Long.MAX_VALUE);
            a = space.allocate(size);
        }
        if (a == 0) {
            return 0;
        }
        model.initialize(a, size, type, length, sense, 0);
        if (checked) {
            objectIndex.put(a, size, 0);
        }
        return a;
    }

    /** Frees queued dead objects until at least {@code bytes} are freed or the queue is empty. */
    private void sweep(long bytes) {
        long freed = 0;
        while (sweepHead < sweepTail && freed < bytes) {
            long a = queue[sweepHead++];
            long size = model.size(a);
            space.free(a);
            if (checked) {
                objectIndex.remove(a);
            }
            freed += size;
            usedBytes -= size;
        }
    }

    @Override
    void collectNow() {
        sweep(Long.MAX_VALUE);
        boolean m = !sense;
        markFromRoots(markStack, m);
        sweepHead = 0;
        sweepTail = 0;
        long[] dead = {0, 0};
        space.forEachObject(model, (a, block) -> {
            if (ObjectModel.markOf(model.status(a)) != m) {
                if (sweepTail == queue.length) {
                    queue = Arrays.copyOf(queue, sweepTail * 2);
                }
                queue[sweepTail++] = a;
                dead[0] += model.size(a);
                dead[1]++;
            }
            return true;
        });
        sense = m;
        bytesReclaimed += dead[0];
        objectsReclaimed += dead[1];
        if (!lazy) {
            sweep(Long.MAX_VALUE);
        }
        if (queue.length > 1 << 16 && sweepHead == sweepTail) {
            queue = new long[64];
        }
    }

    @Override
    boolean isPendingSweep(long address) {
        return sweepHead < sweepTail && Arrays.binarySearch(queue, sweepHead, sweepTail, address) >= 0;
    }

    @Override
    boolean markBetweenCollections() {
        return sense;
    }

    /** Objects found dead and not yet freed (lazy sweeping). */
    int pendingSweep() {
        return sweepTail - sweepHead;
    }
}
