package org.jalloc.gc.inspect;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.gc.Collector;

/**
 * What tools (the checker, the reachability oracle, {@code gc-fuzz}, {@code fragmentation}, the benchmarks) see of a
 * collected heap beyond the mutator API: its block walk with the GC-n checks, its objects, and a hook after every
 * collection. Exported only to the tool modules.
 */
public interface GcInspector {
    /** Receives the objects of the space in address order. */
    @FunctionalInterface
    interface ObjectVisitor {
        /**
         * @param address      the object's address
         * @param size         its size in bytes (header included)
         * @param type         its type id
         * @param length       its array length (0 for fixed types)
         * @param pendingSweep true for garbage a lazy sweep has not freed yet
         * @return false to stop
         */
        boolean object(long address, long size, int type, int length, boolean pendingSweep);
    }

    /** The inspector of {@code collector}. */
    static GcInspector of(Collector collector) {
        return GcInspectorAccess.of(collector);
    }

    /** The space's block walk; its {@code checkInvariants} runs the collector's GC-n checks. */
    HeapWalk heapWalk();

    /** The allocator a mark-sweep heap lives in, or null for collectors with their own space. */
    @Nullable String allocator();

    /** The first address objects may occupy. */
    long spaceStart();

    /** The end of the range objects may ever occupy. */
    long spaceEnd();

    /** Bytes of objects in the space (live or not yet collected). */
    long usedBytes();

    /** The space's capacity. */
    long capacity();

    /** The address a mutator reference names, or -1 when it names no object now (never throws). */
    long address(long mutatorReference);

    /** True when an object (not pending-sweep garbage) starts at {@code address}. */
    boolean isObject(long address);

    /** Every object in the space, in address order. */
    void forEachObject(ObjectVisitor visitor);

    /** The addresses of the objects reachable from the roots, sorted (an independent trace, not the collector's). */
    long[] reachable();

    /**
     * Every root slot as a mutator reference (0 for NULL), in the order collectors scan them: the live global handles
     * by handle number, then the mutator's shadow-stack slots from the bottom frame up.
     */
    long[] roots();

    /** The live global handles, ascending (the first {@code globals().length} entries of {@link #roots()}). */
    int[] globals();

    /**
     * Whether a full collection leaves only reachable objects. False for {@code refcount:cycles=off}: what it leaves
     * unreachable is exactly the garbage on or held by cycles (the oracle checks that set instead, GC-34).
     */
    boolean reclaimsAllGarbage();

    /**
     * Runs {@code listener} at the end of every collection (null: none), and after every other pause: a minor
     * collection, an incremental step, a concurrent collector's stop-the-world phase (inside it, with every mutator
     * stopped). {@link #fullyCollected()} says whether completeness may be demanded then.
     */
    void onCollection(@Nullable Runnable listener);

    /**
     * True right after a full collection (until the mutator changes anything): nothing unreachable may survive. False
     * after a minor collection, an incremental step or a concurrent safepoint, where garbage legitimately remains.
     */
    boolean fullyCollected();

    /**
     * Runs {@code action} while no mutator and no collector thread touches the heap (a concurrent collector stops the
     * world and its marker for it; the others have no other thread): how a tool checks the whole heap consistently.
     * Call it from a mutator's thread or from a thread that is no mutator's.
     */
    void atSafepoint(Runnable action);
}
