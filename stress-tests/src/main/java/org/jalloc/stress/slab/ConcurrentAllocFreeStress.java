package org.jalloc.stress.slab;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.ArrayList;
import java.util.List;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

/**
 * kmalloc with magazines: one thread frees objects another thread allocated (any thread may free any object: they go
 * into the freeing thread's magazine) and allocates, while a second thread allocates and frees in the same cache
 * (kmalloc-64, 15-round magazines, a depot holding a full magazine). No object may be handed out while another holder still
 * has it (each holder marks its objects and checks the mark before freeing and at the end), and afterwards the heap holds exactly the objects still held: SLAB-1..7,
 * HEAP-1..8.
 */
@JCStressTest
@Description("concurrent kmalloc alloc and free through magazines, with frees of another thread's objects")
@Outcome(id = "EXCLUSIVE, OK", expect = ACCEPTABLE, desc = "no object handed out twice; none lost")
@Outcome(id = "SHARED, .*", expect = FORBIDDEN, desc = "an object was held by two holders at once (a mark overwritten)")
@Outcome(expect = FORBIDDEN, desc = "the checker found an object lost, duplicated or in two places")
@State
public class ConcurrentAllocFreeStress {
    private final Fixture f = new Fixture(0);
    private final long[] held = new long[20];
    private final long[] a = new long[8];
    private final long[] b = new long[8];

    public ConcurrentAllocFreeStress() {
        long[] warm = new long[45];
        for (int i = 0; i < warm.length; i++) {
            warm[i] = f.allocator.malloc(48);
        }
        for (int i = 0; i < held.length; i++) {
            held[i] = f.allocator.malloc(48);
            f.stamp(held[i], Fixture.mark(0, i));
        }
        for (long p : warm) {
            f.allocator.free(p); // loaded 15, previous 15, one full magazine to the depot
        }
        f.allocator.detach(); // this thread's rounds back to the slabs; the depot keeps its full magazine
    }

    private boolean exclusiveA = true;
    private boolean exclusiveB = true;

    @Actor
    public void freesOthersObjectsAndAllocates() {
        for (int i = 0; i < 10; i++) {
            exclusiveA &= f.intact(held[i], Fixture.mark(0, i));
            f.allocator.free(held[i]);
        }
        for (int i = 0; i < a.length; i++) {
            a[i] = f.allocator.malloc(48);
            exclusiveA &= f.stamp(a[i], Fixture.mark(1, i));
        }
    }

    @Actor
    public void allocatesAndFrees() {
        for (int i = 0; i < b.length; i++) {
            b[i] = f.allocator.malloc(60);
            exclusiveB &= f.stamp(b[i], Fixture.mark(2, i));
        }
        for (int i = 0; i < 4; i++) {
            exclusiveB &= f.intact(b[i], Fixture.mark(2, i));
            f.allocator.free(b[i]);
        }
    }

    @Arbiter
    public void arbiter(LL_Result r) {
        long[] stillHeld = java.util.Arrays.copyOfRange(held, 10, held.length);
        boolean exclusive = exclusiveA && exclusiveB;
        for (int i = 10; i < held.length; i++) {
            exclusive &= f.intact(held[i], Fixture.mark(0, i));
        }
        for (int i = 0; i < a.length; i++) {
            exclusive &= f.intact(a[i], Fixture.mark(1, i));
        }
        for (int i = 4; i < b.length; i++) {
            exclusive &= f.intact(b[i], Fixture.mark(2, i));
        }
        r.r1 = exclusive ? "EXCLUSIVE" : "SHARED";
        List<Long> live = new ArrayList<>();
        for (long p : stillHeld) {
            live.add(p);
        }
        for (long p : a) {
            live.add(p);
        }
        for (int i = 4; i < b.length; i++) {
            live.add(b[i]);
        }
        r.r2 = f.verdictForKmalloc(live);
        f.recycle();
    }
}
