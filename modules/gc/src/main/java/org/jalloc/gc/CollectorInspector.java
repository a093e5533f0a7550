package org.jalloc.gc;

import java.util.Arrays;
import java.util.BitSet;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.gc.inspect.GcInspector;

/** The {@link GcInspector} of a collector (see {@code org.jalloc.gc.inspect}). */
final class CollectorInspector implements GcInspector {
    private final Collector c;

    CollectorInspector(Collector c) {
        this.c = c;
    }

    @Override
    public HeapWalk heapWalk() {
        return c.heapWalk();
    }

    @Override
    public @Nullable String allocator() {
        return Collectors.allocatorOf(c);
    }

    @Override
    public long spaceStart() {
        return c.heap.start();
    }

    @Override
    public long spaceEnd() {
        return c.space.end();
    }

    @Override
    public long usedBytes() {
        return c.usedBytes;
    }

    @Override
    public long capacity() {
        return c.space.capacity();
    }

    @Override
    public long address(long ref) {
        if (ref == 0) {
            return -1;
        }
        try {
            long a = c.addressOf(c.storedFromMutator(ref));
            return a > 0 && isObject(a) ? a : -1;
        } catch (GcMisuseException e) {
            return -1;
        }
    }

    @Override
    public boolean isObject(long address) {
        if (address < c.heap.start() || address >= c.space.end() || (address & 15) != 0 || c.isPendingSweep(address)) {
            return false;
        }
        return c.isObjectStart(address);
    }

    @Override
    public void forEachObject(ObjectVisitor visitor) {
        c.space.forEachObject(c.model, (a, b) -> {
            long s = c.model.status(a);
            int t = ObjectModel.typeOf(s);
            long size = c.types.isDefined(t) ? c.model.sizeOf(t, ObjectModel.lengthOf(s)) : b;
            return visitor.object(a, size, t, ObjectModel.lengthOf(s), c.isPendingSweep(a));
        });
    }

    @Override
    public long[] reachable() {
        GcVerifier.Objects objs = new GcVerifier.Objects();
        c.space.forEachObject(c.model, (a, b) -> {
            if (!c.isPendingSweep(a)) {
                objs.add(a, b);
            }
            return true;
        });
        BitSet reached = new BitSet(objs.n);
        LongStack stack = new LongStack();
        c.scanRoots(stored -> {
            visit(objs, reached, stack, stored);
            return stored;
        });
        while (!stack.isEmpty()) {
            long a = stack.pop();
            int n = c.model.refCount(a);
            for (int f = 0; f < n; f++) {
                visit(objs, reached, stack, c.model.ref(a, f));
            }
        }
        long[] out = new long[reached.cardinality()];
        int k = 0;
        for (int i = reached.nextSetBit(0); i >= 0; i = reached.nextSetBit(i + 1)) {
            out[k++] = objs.addr[i];
        }
        return Arrays.copyOf(out, k);
    }

    private void visit(GcVerifier.Objects objs, BitSet reached, LongStack stack, long stored) {
        if (stored == 0) {
            return;
        }
        long a = c.addressOf(stored);
        int i = a > 0 ? objs.indexOf(a) : -1;
        if (i >= 0 && !reached.get(i)) {
            reached.set(i);
            stack.push(a);
        }
    }

    @Override
    public long[] roots() {
        int[] handles = c.globals.handles();
        long[] out = new long[handles.length];
        for (int i = 0; i < handles.length; i++) {
            out[i] = c.mutatorFromStored(c.globals.get(handles[i]));
        }
        for (Mutator m : c.mutators) {
            long[] slots = m.stack.all();
            int k = out.length;
            out = Arrays.copyOf(out, k + slots.length);
            for (int i = 0; i < slots.length; i++) {
                out[k + i] = c.mutatorFromStored(slots[i]);
            }
        }
        return out;
    }

    @Override
    public int[] globals() {
        return c.globals.handles();
    }

    @Override
    public boolean reclaimsAllGarbage() {
        return c.reclaimsAllGarbage();
    }

    @Override
    public void onCollection(@Nullable Runnable listener) {
        c.afterCollection = listener;
    }

    @Override
    public boolean fullyCollected() {
        return c.complete && !c.dirty;
    }

    @Override
    public void atSafepoint(Runnable action) {
        c.atSafepoint(action);
    }
}
