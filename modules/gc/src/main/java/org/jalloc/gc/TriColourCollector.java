package org.jalloc.gc;

/**
 * The part the two tri-colour collectors share ({@code incremental} and {@code concurrent}): a non-moving cycle over
 * an {@link AllocatorSpace}, its phase and mark value, the gray stack, the object list, and the sweep of one object.
 *
 * <h2>Nouns</h2>
 * <dl>
 *   <dt>phase</dt><dd>IDLE, then MARK (until no object is gray), then SWEEP (until every object on the list when the
 *       sweep began was examined), then IDLE again</dd>
 *   <dt>{@code m}</dt><dd>the mark value of the current (or last) cycle; between cycles every object carries it</dd>
 *   <dt>object list</dt><dd>every object in allocation order ({@link ObjectList}): the sweep's resumable cursor</dd>
 *   <dt>swept live</dt><dd>bytes and objects the running sweep kept; they become the live figures when it ends</dd>
 * </dl>
 *
 * <pre>
 *   GC-5   while sweeping: an object is pending garbage exactly when it is white; between cycles mark = m
 * </pre>
 *
 * <h2>Sweeping one object ({@link #sweepNext})</h2>
 * <ol>
 *   <li>Read the next unswept object's header; its size comes from its type and length.</li>
 *   <li>Marked {@code m}: keep it on the list and count it live.</li>
 *   <li>White: drop it from the list and free its block through the allocator ({@link #reclaim}).</li>
 * </ol>
 * Callers that share the list with mutator threads hold their allocation lock around these methods.
 */
abstract class TriColourCollector extends Collector {
    enum Phase { IDLE, MARK, SWEEP }

    final AllocatorSpace space;
    final LongStack gray = new LongStack();
    final ObjectList objects = new ObjectList();
    volatile Phase phase = Phase.IDLE;
    boolean m;
    private long sweptLiveBytes;
    private long sweptLiveObjects;

    TriColourCollector(String name, AllocatorSpace space, long gogc, boolean checked) {
        super(name, space, gogc, checked);
        this.space = space;
    }

    @Override
    public final boolean moving() {
        return false;
    }

    final String allocatorName() {
        return space.allocator.name();
    }

    @Override
    final boolean inCycle() {
        return phase == Phase.MARK;
    }

    @Override
    final boolean markBetweenCollections() {
        return m;
    }

    @Override
    final boolean isPendingSweep(long address) {
        return phase == Phase.SWEEP && ObjectModel.markOf(model.status(address)) != m;
    }

    /** Starts a sweep of every object now on the list, with the swept-live counts at zero. */
    final void beginSweep() {
        sweptLiveBytes = 0;
        sweptLiveObjects = 0;
        objects.beginSweep();
    }

    /** Sweeps the next unswept object (steps 1-3 above) and returns its size in bytes. */
    final long sweepNext() {
        long a = objects.next();
        long s = heap.getLong(a);
        long size = model.sizeOf(ObjectModel.typeOf(s), ObjectModel.lengthOf(s));
        if (ObjectModel.markOf(s) == m) {
            objects.keepNext();
            sweptLiveBytes += size;
            sweptLiveObjects++;
        } else {
            objects.dropNext();
            beforeFree(a);
            reclaim(space, a, size);
        }
        return size;
    }

    /** Called for a white object just before its block is freed. */
    void beforeFree(long a) {
    }

    /** Ends the sweep: the kept objects are the live figures, and the collector is idle. */
    final void endSweep() {
        objects.endSweep();
        liveBytes = sweptLiveBytes;
        liveObjects = sweptLiveObjects;
        phase = Phase.IDLE;
    }
}
