package org.jalloc.core.walk;

import org.jalloc.core.memory.Heap;

/**
 * A block walk that is another walk's but for what a subclass overrides: every method of {@link HeapWalk} forwards to
 * {@link #under}. Written once for the walks that show an engine's heap through a layer or a mode of the engine (the
 * debug layers' {@code LayeredWalk}: a live block with the caller's payload; buddy's head under {@code debug=F}: the
 * payload past the head) and change only the extents they report or the invariants they add.
 */
public abstract class ForwardingWalk implements HeapWalk {
    /** The walk this one shows. */
    protected final HeapWalk under;

    protected ForwardingWalk(HeapWalk under) {
        this.under = under;
    }

    @Override
    public Heap heap() {
        return under.heap();
    }

    @Override
    public long walkStart() {
        return under.walkStart();
    }

    @Override
    public long walkEnd() {
        return under.walkEnd();
    }

    @Override
    public void walkExtents(ExtentVisitor visitor) {
        under.walkExtents(visitor);
    }

    @Override
    public boolean walkExtents(ExtentVisitor visitor, InvariantSink sink) {
        return under.walkExtents(visitor, sink);
    }

    @Override
    public void walkFreeStructures(FreeEntryVisitor visitor) {
        under.walkFreeStructures(visitor);
    }

    @Override
    public boolean walkFreeStructures(FreeEntryVisitor visitor, InvariantSink sink) {
        return under.walkFreeStructures(visitor, sink);
    }

    @Override
    public boolean coalescesImmediately() {
        return under.coalescesImmediately();
    }

    @Override
    public long payloadAlignment() {
        return under.payloadAlignment();
    }

    @Override
    public long externalMetadataBytes() {
        return under.externalMetadataBytes();
    }

    @Override
    public String describeList(int list) {
        return under.describeList(list);
    }

    @Override
    public void checkInvariants(InvariantSink sink) {
        under.checkInvariants(sink);
    }

    @Override
    public void checkInvariants(InvariantSink sink, boolean extentsChecked, boolean freeStructuresChecked) {
        under.checkInvariants(sink, extentsChecked, freeStructuresChecked);
    }
}
