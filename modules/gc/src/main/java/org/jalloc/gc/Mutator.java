package org.jalloc.gc;

import java.lang.foreign.MemorySegment;

/**
 * The mutator API: what a program running on a collected heap does. Allocate objects and arrays of registered
 * types, read and write their reference fields (every write through the collector's {@link WriteBarrier}) and data
 * bytes, keep references in roots, and collect.
 *
 * <h2>The reference rule</h2>
 * A reference (a {@code long}, 0 = NULL) stays valid only until the next allocation or collection, like a JNI local
 * reference: whatever must survive an allocation lives in a root — a slot of the top shadow-stack frame
 * ({@link #pushFrame}, {@link #setLocal}) or a global handle ({@link #newGlobal}) — and is read back from it. In
 * checked mode a reference used after a collection throws {@link StaleReferenceException} instead of reading moved
 * or freed memory; with {@code handles} a reference is a handle and stays valid while its object lives.
 *
 * <h2>Misuse</h2>
 * NULL where an object is needed, an address that is no object (checked mode: exactly; otherwise outside the space
 * or misaligned), a field index or data range outside the type, a bad type or length, popping an empty stack, a
 * slot outside the top frame, a global that is not live: each throws its {@link GcMisuseException} subclass before
 * anything changes.
 *
 * <p>Mutator-local state: its shadow stack and its barrier. One thread at a time; with {@code concurrent}, one
 * mutator per thread ({@link Collector#newMutator}), a thread that blocks elsewhere first enters a safe region
 * ({@link #enterSafeRegion}) so that the collector's stop-the-world phases need not wait for it.
 */
public final class Mutator {
    private final Collector c;
    private final ObjectModel model;
    final ShadowStack stack = new ShadowStack();
    private final WriteBarrier barrier;

    Mutator(Collector collector) {
        this.c = collector;
        this.model = collector.model;
        this.barrier = collector.newBarrier(this);
    }

    /** The collector this mutator runs on. */
    public Collector collector() {
        return c;
    }

    /** This mutator's barrier (the collector keeps its mutator-local state there). */
    WriteBarrier barrier() {
        return barrier;
    }

    // ------------------------------------------------------------ threads (concurrent collectors)

    /**
     * Leaves the heap for good (a thread that is done): this mutator's frames stop being roots and it must not be
     * used again. Only collectors with several mutators ({@code concurrent}) allow it; the others throw
     * {@link IllegalStateException}.
     */
    public void detach() {
        c.detach(this);
    }

    /**
     * Promises not to touch the heap until {@link #leaveSafeRegion}: the collector may stop the world without
     * waiting for this thread (HotSpot's "thread in native"). References read before are invalid after, as after an
     * allocation. A no-op for collectors without collector threads.
     */
    public void enterSafeRegion() {
        c.enterSafeRegion(this);
    }

    /**
     * Returns to the heap (waits while the world is stopped); the calling thread becomes this mutator's thread.
     */
    public void leaveSafeRegion() {
        c.leaveSafeRegion(this);
    }

    /** The heap's types (register before allocating). */
    public Types types() {
        return c.types;
    }

    // ------------------------------------------------------------ allocation

    /** A new object of fixed type {@code type} (every reference NULL, every data byte 0), or 0 when the heap is full. */
    public long allocate(int type) {
        c.types.require(type);
        if (Types.isArray(type)) {
            throw new TypeMisuseException(c.types.name(type) + " is an array type: use allocateArray");
        }
        return c.mutatorFromStored(c.allocate(type, 0, true));
    }

    /** A new array ({@link Types#REF_ARRAY} or {@link Types#BYTE_ARRAY}) of {@code length} elements, or 0. */
    public long allocateArray(int type, int length) {
        c.types.require(type);
        if (!Types.isArray(type)) {
            throw new TypeMisuseException(c.types.name(type) + " is not an array type");
        }
        return c.mutatorFromStored(c.allocate(type, length, true));
    }

    /**
     * Allocates only if the space has room now, never collecting (a fast path, and how the fragmentation scene asks
     * "does it fit before a collection?"). {@code length} is 0 for fixed types.
     */
    public long allocateWithoutCollecting(int type, int length) {
        c.types.require(type);
        if (!Types.isArray(type) && length != 0) {
            throw new TypeMisuseException(c.types.name(type) + " is a fixed type: length must be 0");
        }
        return c.mutatorFromStored(c.allocate(type, length, false));
    }

    // ------------------------------------------------------------ objects

    /** The type id of an object. */
    public int typeOf(long object) {
        return model.typeAt(c.objectAddress(object, "typeOf"));
    }

    /** The element count of an array (0 for fixed types). */
    public int length(long object) {
        return model.lengthAt(c.objectAddress(object, "length"));
    }

    /** Reference fields of an object. */
    public int refCount(long object) {
        return model.refCount(c.objectAddress(object, "refCount"));
    }

    /** Data bytes of an object. */
    public long dataSize(long object) {
        return model.dataSize(c.objectAddress(object, "dataSize"));
    }

    private long slotOf(long a, int field) {
        int n = model.refCount(a);
        if (field < 0 || field >= n) {
            throw new TypeMisuseException("reference field " + field + " of " + model.describe(a) + ", which has " + n);
        }
        return ObjectModel.slot(a, field);
    }

    /** Reads reference field {@code field}. */
    public long getRef(long object, int field) {
        long a = c.objectAddress(object, "getRef");
        return c.mutatorFromStored(c.heap.getLong(slotOf(a, field)));
    }

    /** Writes reference field {@code field} through the write barrier. */
    public void setRef(long object, int field, long value) {
        long a = c.objectAddress(object, "setRef");
        long slot = slotOf(a, field);
        long v = c.storedFromMutator(value);
        if (!barrier.isNone()) {
            barrier.beforeStore(a, slot, c.heap.getLong(slot), v);
        }
        c.heap.putLong(slot, v);
        c.dirty = true;
    }

    private long dataAt(long object, long offset, long length, String what) {
        long a = c.objectAddress(object, what);
        long size = model.dataSize(a);
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new TypeMisuseException(what + " of bytes [" + offset + ", " + offset + " + " + length + ") of "
                    + model.describe(a) + ", which has " + size + " data bytes");
        }
        return model.dataStart(a) + offset;
    }

    public byte getByte(long object, long offset) {
        return c.heap.getByte(dataAt(object, offset, 1, "getByte"));
    }

    public void putByte(long object, long offset, byte value) {
        c.dirty = true;
        c.heap.putByte(dataAt(object, offset, 1, "putByte"), value);
    }

    public long getLong(long object, long offset) {
        return c.heap.getLong(dataAt(object, offset, 8, "getLong"));
    }

    public void putLong(long object, long offset, long value) {
        c.dirty = true;
        c.heap.putLong(dataAt(object, offset, 8, "putLong"), value);
    }

    /** Copies {@code dst.length} data bytes from {@code offset} into {@code dst}. */
    public void readData(long object, long offset, byte[] dst) {
        long at = dataAt(object, offset, dst.length, "readData");
        MemorySegment.copy(c.heap.memory(), java.lang.foreign.ValueLayout.JAVA_BYTE, at, dst, 0, dst.length);
    }

    /** Copies {@code src} into the data bytes from {@code offset}. */
    public void writeData(long object, long offset, byte[] src) {
        c.dirty = true;
        long at = dataAt(object, offset, src.length, "writeData");
        MemorySegment.copy(src, 0, c.heap.memory(), java.lang.foreign.ValueLayout.JAVA_BYTE, at, src.length);
    }

    /** A view of the data bytes; like a reference, valid until the next allocation or collection. */
    public MemorySegment data(long object) {
        long a = c.objectAddress(object, "data");
        c.dirty = true; // the view may be written
        return c.heap.slice(model.dataStart(a), model.dataSize(a));
    }

    // ------------------------------------------------------------ roots: the shadow stack

    /** Pushes a frame of {@code slots} root slots, all NULL. */
    public void pushFrame(int slots) {
        stack.push(slots);
        c.dirty = true;
    }

    /** Pops the top frame; its slots stop being roots. */
    public void popFrame() {
        if (!barrier.isNone() && stack.depth() > 0) {
            for (int i = 0; i < stack.frameSize(); i++) {
                barrier.beforeRootStore(stack.get(i), 0);
            }
        }
        stack.pop();
        c.dirty = true;
    }

    /** Frames pushed. */
    public int frameDepth() {
        return stack.depth();
    }

    /** Slots of the top frame (0 without a frame). */
    public int frameSize() {
        return stack.frameSize();
    }

    /** Stores a reference in slot {@code slot} of the top frame. */
    public void setLocal(int slot, long ref) {
        int i = stack.checkedIndex(slot);
        long v = c.storedFromMutator(ref);
        if (!barrier.isNone()) {
            barrier.beforeRootStore(stack.getAt(i), v);
        }
        stack.setAt(i, v);
        c.dirty = true;
    }

    /** Reads slot {@code slot} of the top frame. */
    public long local(int slot) {
        return c.mutatorFromStored(stack.get(slot));
    }

    // ------------------------------------------------------------ roots: global handles

    /** A new global handle holding {@code ref}; handles are small positive ints. */
    public int newGlobal(long ref) {
        long v = c.storedFromMutator(ref);
        if (!barrier.isNone()) {
            barrier.beforeRootStore(0, v);
        }
        c.dirty = true;
        return c.globals.create(v);
    }

    public long global(int handle) {
        return c.mutatorFromStored(c.globals.get(handle));
    }

    public void setGlobal(int handle, long ref) {
        c.globals.require(handle);
        long v = c.storedFromMutator(ref);
        if (!barrier.isNone()) {
            barrier.beforeRootStore(c.globals.get(handle), v);
        }
        c.globals.set(handle, v);
        c.dirty = true;
    }

    /** Frees a global handle; its object may die at the next collection. */
    public void freeGlobal(int handle) {
        c.globals.require(handle);
        if (!barrier.isNone()) {
            barrier.beforeRootStore(c.globals.get(handle), 0);
        }
        c.globals.free(handle);
        c.dirty = true;
    }

    /** Live global handles. */
    public int globals() {
        return c.globals.count();
    }

    // ------------------------------------------------------------ collection and statistics

    /** A full collection now. */
    public void collect() {
        c.collect();
    }

    public GcStats stats() {
        return c.stats();
    }

    /** Whether two references (read since the last collection) name the same object. */
    public boolean same(long a, long b) {
        return c.storedFromMutator(a) == c.storedFromMutator(b);
    }
}
