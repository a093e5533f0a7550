package org.jalloc.stress.slub;

import java.util.ArrayList;
import java.util.List;

import org.openjdk.jcstress.infra.results.LL_Result;

/**
 * The race {@link RemoteFreeRacesOwnerAllocStress} and {@link DeactivateWhileRemoteFreeStress} share: the constructor
 * allocates {@code held} kmalloc objects of {@code size} bytes (filling one slab but for a few), marks them and
 * detaches, so that slab is detached on the partial list; then the owner allocates {@code got} objects from it (and may
 * detach, deactivating it) while the other thread frees the first {@code remoteFrees} of the constructor's objects
 * into it. The arbiter's first result is {@code EXCLUSIVE} when no mark was overwritten, else {@code SHARED}; the
 * second is the heap checker's verdict with the objects still held live. Each JCStress test keeps its own class and
 * outcomes.
 */
final class RemoteFreeRace {
    private final Fixture f = new Fixture();
    private final long size;
    private final long[] held;
    private final long[] got;
    private final int remoteFrees;
    private boolean exclusiveA = true;
    private boolean exclusiveB = true;

    RemoteFreeRace(long size, int held, int got, int remoteFrees) {
        this.size = size;
        this.held = new long[held];
        this.got = new long[got];
        this.remoteFrees = remoteFrees;
        for (int i = 0; i < this.held.length; i++) {
            this.held[i] = f.allocator.malloc(size);
            f.stamp(this.held[i], Fixture.mark(0, i));
        }
        f.allocator.detach();
    }

    /** The owner: allocates and marks its objects (activating the slab). */
    void ownerAllocates() {
        for (int i = 0; i < got.length; i++) {
            got[i] = f.allocator.malloc(size);
            exclusiveA &= f.stamp(got[i], Fixture.mark(1, i));
        }
    }

    /** The owner, after allocating: detaches, deactivating its slab. */
    void ownerDetaches() {
        f.allocator.detach();
    }

    /** The other thread: frees the first constructor's objects (checking their marks first). */
    void remoteFrees() {
        for (int i = 0; i < remoteFrees; i++) {
            exclusiveB &= f.intact(held[i], Fixture.mark(0, i));
            f.allocator.free(held[i]);
        }
    }

    void arbiter(LL_Result r) {
        boolean exclusive = exclusiveA && exclusiveB;
        List<Long> live = new ArrayList<>();
        for (int i = remoteFrees; i < held.length; i++) {
            exclusive &= f.intact(held[i], Fixture.mark(0, i));
            live.add(held[i]);
        }
        for (int i = 0; i < got.length; i++) {
            exclusive &= f.intact(got[i], Fixture.mark(1, i));
            live.add(got[i]);
        }
        r.r1 = exclusive ? "EXCLUSIVE" : "SHARED";
        r.r2 = f.verdict(live);
        f.recycle();
    }
}
