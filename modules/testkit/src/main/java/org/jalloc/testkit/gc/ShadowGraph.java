package org.jalloc.testkit.gc;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.check.Violation;
import org.jalloc.core.walk.Enforces;
import org.jalloc.gc.GcMisuseException;
import org.jalloc.gc.Mutator;
import org.jalloc.gc.inspect.GcInspector;

/**
 * The reachability oracle: the object graph as the mutator built it, kept in Java objects beside the collected heap
 * (the fuzzer mirrors every operation here), and compared with the heap after every collection.
 *
 * <p>The comparison walks both graphs in step from the roots, pairing each shadow object with the heap object the
 * same path reaches:
 * <ul>
 *   <li>GC-3 (safety): every shadow-reachable object is an object of the heap, with its type, length and data bytes;
 *       nothing reachable was freed or overwritten;</li>
 *   <li>GC-6 (the graph is preserved): the pairing is a bijection and every field agrees on NULL versus object — the
 *       heap's reachable graph is isomorphic to the shadow's, whether or not the collector moved objects;</li>
 *   <li>GC-4 (completeness), after a full collection: the heap holds no object beyond the paired ones (pending lazy
 *       sweep excepted);</li>
 *   <li>GC-34, for a collector that leaks cycles by design ({@code refcount:cycles=off}), after a collection instead:
 *       the heap holds the paired objects plus exactly the garbage on or held by cycles — computed here from every
 *       object the mutator made (the garbage no other garbage references is peeled off repeatedly; what remains
 *       leaks), each at its birth address with its type, data and fields.</li>
 * </ul>
 * It never looks at mark bits or at the collector's own roots: it knows the roots the mutator set.
 */
public final class ShadowGraph {
    /** A shadow object: what the mutator stored in it. */
    static final class SObj {
        final int type;
        final int length;
        final @Nullable SObj[] refs;
        final byte[] data;
        /** The heap address it was born at (tracked only for a collector that leaks cycles: it never moves objects). */
        long address = -1;

        SObj(int type, int length, int refs, int dataBytes) {
            this.type = type;
            this.length = length;
            this.refs = new SObj[refs];
            this.data = new byte[dataBytes];
        }
    }

    /** The shadow stack, bottom frame first. */
    final List<@Nullable SObj[]> frames = new ArrayList<>();
    /** Global handle number to its object (null: the global holds NULL). */
    final TreeMap<Integer, @Nullable SObj> globals = new TreeMap<>();
    /**
     * Whether the collector leaves cyclic garbage by design ({@code refcount:cycles=off}): then every object is
     * tracked from birth, and after a collection the heap must hold exactly the reachable objects plus the garbage on
     * or held by cycles (GC-34).
     */
    boolean leaksCycles;
    /** Leak mode: every object not yet known to be freed (reachable, leaked, or garbage since the last check). */
    final List<SObj> tracked = new ArrayList<>();

    /** Records a new object and its address (leak mode only). */
    void born(SObj o, long address) {
        if (leaksCycles) {
            o.address = address;
            tracked.add(o);
        }
    }

    /** The roots in the order collectors scan them: globals by handle, then the frames from the bottom. */
    List<@Nullable SObj> roots() {
        List<@Nullable SObj> out = new ArrayList<>(globals.values());
        for (@Nullable SObj[] f : frames) {
            out.addAll(Arrays.asList(f));
        }
        return out;
    }

    /** Shadow objects reachable from the roots. */
    int reachableCount() {
        IdentityHashMap<SObj, Boolean> seen = new IdentityHashMap<>();
        ArrayDeque<SObj> work = new ArrayDeque<>();
        for (SObj r : roots()) {
            if (r != null && seen.put(r, Boolean.TRUE) == null) {
                work.push(r);
            }
        }
        while (!work.isEmpty()) {
            for (SObj c : work.pop().refs) {
                if (c != null && seen.put(c, Boolean.TRUE) == null) {
                    work.push(c);
                }
            }
        }
        return seen.size();
    }

    private record Pair(SObj shadow, long ref, String path) {}

    /**
     * Compares the heap with the shadow graph and adds every violation found to {@code out}.
     *
     * @param complete also check completeness (GC-4): only right after a full collection
     */
    @Enforces({"GC-3", "GC-4", "GC-6", "GC-34"})
    public void compare(Mutator m, GcInspector inspector, boolean complete, List<Violation> out) {
        long[] heapRoots = inspector.roots();
        List<@Nullable SObj> shadowRoots = roots();
        if (heapRoots.length != shadowRoots.size()) {
            out.add(new Violation("GC-6", 0, "the heap has a different number of root slots than the mutator set",
                    Integer.toString(shadowRoots.size()), Integer.toString(heapRoots.length)));
            return;
        }
        IdentityHashMap<SObj, Long> addressOf = new IdentityHashMap<>();
        Map<Long, SObj> objectAt = new HashMap<>();
        ArrayDeque<Pair> work = new ArrayDeque<>();
        for (int i = 0; i < heapRoots.length; i++) {
            SObj s = shadowRoots.get(i);
            String path = "root " + i;
            if ((s == null) != (heapRoots[i] == 0)) {
                out.add(new Violation("GC-6", 0, path + " disagrees on NULL", s == null ? "NULL" : "an object",
                        s == null ? "0x" + Long.toHexString(heapRoots[i]) : "NULL"));
            } else if (s != null) {
                work.push(new Pair(s, heapRoots[i], path));
            }
        }
        while (!work.isEmpty() && out.size() < 32) {
            Pair p = work.pop();
            long a = inspector.address(p.ref);
            if (a < 0) {
                out.add(new Violation("GC-3", 0, "a reachable object is gone (freed, moved away or never there), reached by " + p.path,
                        "an object of type " + p.shadow.type, "reference 0x" + Long.toHexString(p.ref) + " names no object"));
                continue;
            }
            Long known = addressOf.get(p.shadow);
            if (known != null) {
                if (known != a) {
                    out.add(new Violation("GC-6", a, "one shadow object reached at two heap objects (" + p.path + ")",
                            "0x" + Long.toHexString(known), "0x" + Long.toHexString(a)));
                }
                continue;
            }
            SObj other = objectAt.get(a);
            if (other != null) {
                out.add(new Violation("GC-6", a, "two shadow objects reached at one heap object (" + p.path + ")",
                        "distinct objects", "both at 0x" + Long.toHexString(a)));
                continue;
            }
            addressOf.put(p.shadow, a);
            objectAt.put(a, p.shadow);
            try {
                compareObject(m, p, a, work, out);
            } catch (GcMisuseException e) {
                out.add(new Violation("GC-3", a, "reading the object reached by " + p.path + " failed: " + e.getMessage(),
                        "a readable object", e.getClass().getSimpleName()));
            }
        }
        if (complete && out.isEmpty() && leaksCycles) {
            compareLeak(m, inspector, addressOf, objectAt, out);
        } else if (complete && out.isEmpty()) {
            long[] extra = {0, 0};
            inspector.forEachObject((address, size, type, length, pending) -> {
                if (!pending && !objectAt.containsKey(address)) {
                    if (extra[0]++ < 8) {
                        out.add(new Violation("GC-4", address, "an object no root reaches survived the collection",
                                "only the " + objectAt.size() + " reachable objects", "type " + type + ", " + size + " bytes"));
                    }
                }
                return true;
            });
        }
    }

    /**
     * GC-34: the garbage counting cannot free is the tracked objects no root reaches, minus those peeled off because
     * no other garbage references them (repeatedly). Every leaked object must be in the heap as the mutator left it,
     * and nothing else unreachable.
     */
    private void compareLeak(Mutator m, GcInspector inspector, IdentityHashMap<SObj, Long> reached, Map<Long, SObj> objectAt,
                             List<Violation> out) {
        IdentityHashMap<SObj, int[]> garbage = new IdentityHashMap<>();
        for (SObj o : tracked) {
            if (!reached.containsKey(o)) {
                garbage.put(o, new int[1]);
            }
        }
        for (SObj o : garbage.keySet()) {
            for (SObj t : o.refs) {
                int[] in = t == null ? null : garbage.get(t);
                if (in != null) {
                    in[0]++;
                }
            }
        }
        ArrayDeque<SObj> peel = new ArrayDeque<>();
        garbage.forEach((o, in) -> {
            if (in[0] == 0) {
                peel.push(o);
            }
        });
        while (!peel.isEmpty()) {
            SObj o = peel.pop();
            garbage.remove(o);
            for (SObj t : o.refs) {
                if (t != null) {
                    int[] in = garbage.get(t);
                    if (in != null && --in[0] == 0) {
                        peel.push(t);
                    }
                }
            }
        }
        tracked.removeIf(o -> !reached.containsKey(o) && !garbage.containsKey(o)); // freed: forget them
        org.jalloc.gc.ObjectModel model = m.collector().objectModel();
        Map<Long, SObj> leakAt = new HashMap<>();
        for (SObj o : garbage.keySet()) {
            leakAt.put(o.address, o);
            String bad = leakedObjectDiffers(model, inspector, o, reached);
            if (bad != null && out.size() < 32) {
                out.add(new Violation("GC-34", Math.max(0, o.address), "a leaked object (garbage on or held by a cycle) is not as the"
                        + " mutator left it: " + bad, "type " + o.type + " at 0x" + Long.toHexString(o.address), bad));
            }
        }
        long[] extra = {0};
        inspector.forEachObject((address, size, type, length, pending) -> {
            if (!pending && !objectAt.containsKey(address) && !leakAt.containsKey(address) && extra[0]++ < 8) {
                out.add(new Violation("GC-34", address, "an unreachable object that no cycle holds survived the collection",
                        objectAt.size() + " reachable and " + leakAt.size() + " leaked objects only", "type " + type + ", " + size + " bytes"));
            }
            return true;
        });
    }

    /** Why the heap object at a leaked shadow object's address differs from it, or null. */
    private static @Nullable String leakedObjectDiffers(org.jalloc.gc.ObjectModel model, GcInspector inspector, SObj o,
                                                       IdentityHashMap<SObj, Long> reached) {
        long a = o.address;
        if (a <= 0 || !inspector.isObject(a)) {
            return "no object at its address (freed)";
        }
        if (model.typeAt(a) != o.type || model.lengthAt(a) != o.length || model.refCount(a) != o.refs.length
                || model.dataSize(a) != o.data.length) {
            return "type or shape changed: " + model.describe(a);
        }
        long from = model.dataStart(a);
        org.jalloc.core.memory.Heap heap = inspector.heapWalk().heap();
        for (int i = 0; i < o.data.length; i++) {
            if (heap.getByte(from + i) != o.data[i]) {
                return "data byte " + i + " changed";
            }
        }
        for (int f = 0; f < o.refs.length; f++) {
            SObj t = o.refs[f];
            Long ta = t == null ? Long.valueOf(0) : reached.containsKey(t) ? reached.get(t) : Long.valueOf(t.address);
            if (ta == null || model.ref(a, f) != ta) {
                return "field " + f + " holds 0x" + Long.toHexString(model.ref(a, f)) + ", not 0x" + Long.toHexString(ta == null ? -1 : ta);
            }
        }
        return null;
    }

    private static void compareObject(Mutator m, Pair p, long a, ArrayDeque<Pair> work, List<Violation> out) {
        SObj s = p.shadow;
        int type = m.typeOf(p.ref);
        int length = m.length(p.ref);
        if (type != s.type || length != s.length) {
            out.add(new Violation("GC-3", a, "the object reached by " + p.path + " changed type or length",
                    "type " + s.type + " length " + s.length, "type " + type + " length " + length));
            return;
        }
        long size = m.dataSize(p.ref);
        if (size != s.data.length || m.refCount(p.ref) != s.refs.length) {
            out.add(new Violation("GC-3", a, "the object reached by " + p.path + " changed shape",
                    s.refs.length + " refs, " + s.data.length + " data bytes", m.refCount(p.ref) + " refs, " + size + " data bytes"));
            return;
        }
        if (s.data.length > 0) {
            byte[] now = new byte[s.data.length];
            m.readData(p.ref, 0, now);
            int d = Arrays.mismatch(now, s.data);
            if (d >= 0) {
                out.add(new Violation("GC-3", a, "data of the object reached by " + p.path + " was overwritten at byte " + d,
                        Byte.toString(s.data[d]), Byte.toString(now[d])));
            }
        }
        for (int f = 0; f < s.refs.length; f++) {
            SObj child = s.refs[f];
            long ref = m.getRef(p.ref, f);
            String path = p.path + "." + f;
            if ((child == null) != (ref == 0)) {
                out.add(new Violation("GC-6", a, "field " + f + " of the object reached by " + p.path + " disagrees on NULL",
                        child == null ? "NULL" : "an object", child == null ? "0x" + Long.toHexString(ref) : "NULL"));
            } else if (child != null) {
                work.push(new Pair(child, ref, path));
            }
        }
    }
}
