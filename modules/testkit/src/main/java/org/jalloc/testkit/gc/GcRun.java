package org.jalloc.testkit.gc;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.check.HeapCheckException;
import org.jalloc.check.HeapChecker;
import org.jalloc.check.HeapMap;
import org.jalloc.check.Violation;
import org.jalloc.gc.Collector;
import org.jalloc.gc.Mutator;
import org.jalloc.gc.Types;
import org.jalloc.gc.inspect.GcInspector;
import org.jalloc.testkit.gc.ShadowGraph.SObj;

/**
 * One checked run of {@code gc-fuzz} operations on one collector: applies each {@link GcOp} to the mutator and to the
 * {@link ShadowGraph}, and checks the heap
 * <ul>
 *   <li>after every collection, also those an allocation triggers: the heap checker over the collector's block walk
 *       (HEAP-1..4, HEAP-8 and the collector's GC-n) and the oracle, with completeness after a full collection;
 *       also after every other pause the collector reports (a minor collection, an incremental step, a concurrent
 *       safepoint), without completeness;</li>
 *   <li>every {@link #CHECK_EVERY} operations and at {@link #finish()}: the same without completeness;</li>
 *   <li>at every {@code v} operation: the object's data against the shadow.</li>
 * </ul>
 * A violation throws {@link HeapCheckException} with every violation found, the operation number and text.
 */
public final class GcRun implements AutoCloseable {
    /** Operations between two checks that are not at a collection. */
    public static final int CHECK_EVERY = 64;
    /** Slots of the base frame, which is never popped. */
    public static final int BASE_SLOTS = 8;

    private final Collector collector;
    private final Mutator m;
    private final GcInspector inspector;
    final ShadowGraph shadow = new ShadowGraph();
    private final HeapChecker checker = new HeapChecker();
    private final List<Integer> typeIds;
    /** Where checks go instead of this run's own (a worker of a threaded run: the check of every thread's shadow). */
    private final @Nullable Consumer<Boolean> external;
    /** Global handles in creation order (the op's h indexes this list). */
    private final List<Integer> globals = new ArrayList<>();
    private final int checkEvery;
    private volatile long opNo;
    private volatile String opText = "start";
    private long checks;

    public GcRun(Collector collector) {
        this(collector, CHECK_EVERY);
    }

    /** As {@link #GcRun(Collector)}, checking every {@code checkEvery} operations (1: after each). */
    public GcRun(Collector collector, int checkEvery) {
        this(collector, collector.mutator(), new ArrayList<>(), checkEvery, null);
        inspector.onCollection(() -> check(inspector.fullyCollected()));
    }

    /**
     * One worker of a threaded run: its own mutator and shadow stack, the run's shared types, and checks that go to
     * {@code external} (which compares every worker's shadow). Installs no listener.
     */
    GcRun(Collector collector, Mutator m, List<Integer> typeIds, int checkEvery, @Nullable Consumer<Boolean> external) {
        if (checkEvery < 1) {
            throw new IllegalArgumentException("checkEvery must be positive");
        }
        this.checkEvery = checkEvery;
        this.collector = collector;
        this.m = m;
        this.typeIds = typeIds;
        this.external = external;
        this.inspector = GcInspector.of(collector);
        m.pushFrame(BASE_SLOTS);
        shadow.frames.add(new SObj[BASE_SLOTS]);
        shadow.leaksCycles = !inspector.reclaimsAllGarbage();
    }

    Mutator mutator() {
        return m;
    }

    /** The operation being (or last) applied, for reports. */
    String where() {
        return "op #" + opNo + " " + opText;
    }

    public Collector collector() {
        return collector;
    }

    /** Checks run so far. */
    public long checks() {
        return checks;
    }

    /** Operations applied so far. */
    public long operations() {
        return opNo;
    }

    private @Nullable SObj[] top() {
        return shadow.frames.get(shadow.frames.size() - 1);
    }

    private int slot(int s) {
        return Math.floorMod(s, top().length);
    }

    /** Applies one operation (and the checks due after it). */
    public void apply(GcOp op) {
        opNo++;
        opText = op.toString();
        switch (op.kind()) {
            case 'T' -> {
                if (typeIds.size() < 16) {
                    typeIds.add(collector.types().define("t" + typeIds.size(), Math.floorMod(op.a(), 7), Math.floorMod(op.b(), 65)));
                }
            }
            case 'n' -> {
                if (!typeIds.isEmpty()) {
                    int t = typeIds.get(Math.floorMod(op.b(), typeIds.size()));
                    long r = m.allocate(t);
                    storeNew(op.a(), r, r == 0 ? null : new SObj(t, 0, collector.types().refFields(t), collector.types().dataBytes(t)));
                }
            }
            case 'a' -> {
                int len = Math.floorMod(op.b(), 1 << 16);
                long r = m.allocateArray(Types.REF_ARRAY, len);
                storeNew(op.a(), r, r == 0 ? null : new SObj(Types.REF_ARRAY, len, len, 0));
            }
            case 'b' -> {
                int len = Math.max(0, op.b());
                long r = m.allocateArray(Types.BYTE_ARRAY, len);
                storeNew(op.a(), r, r == 0 ? null : new SObj(Types.BYTE_ARRAY, len, 0, len));
            }
            case 'l' -> {
                int s = slot(op.a());
                SObj o = top()[s];
                if (o != null && o.refs.length > 0) {
                    int f = Math.floorMod(op.b(), o.refs.length);
                    SObj target = op.c() < 0 ? null : top()[slot(op.c())];
                    long ref = op.c() < 0 ? 0 : m.local(slot(op.c()));
                    m.setRef(m.local(s), f, ref);
                    o.refs[f] = target;
                }
            }
            case 'g' -> {
                int s = slot(op.a());
                SObj o = top()[s];
                if (o != null && o.refs.length > 0) {
                    int f = Math.floorMod(op.b(), o.refs.length);
                    int d = slot(op.c());
                    m.setLocal(d, m.getRef(m.local(s), f));
                    top()[d] = o.refs[f];
                }
            }
            case 'w' -> {
                int s = slot(op.a());
                SObj o = top()[s];
                if (o != null && o.data.length > 0) {
                    int k = Math.min(8, o.data.length);
                    int off = Math.floorMod(op.b(), o.data.length - k + 1);
                    byte[] bytes = new byte[k];
                    for (int i = 0; i < k; i++) {
                        bytes[i] = (byte) (op.c() * 31 + i * 7 + 1);
                    }
                    m.writeData(m.local(s), off, bytes);
                    System.arraycopy(bytes, 0, o.data, off, k);
                }
            }
            case 'v' -> verify(slot(op.a()));
            case 'c' -> store(op.a(), 0, null);
            case 'm' -> {
                int s = slot(op.a());
                int d = slot(op.b());
                m.setLocal(d, m.local(s));
                top()[d] = top()[s];
            }
            case 'p' -> {
                int n = 1 + Math.floorMod(op.a() - 1, 8);
                m.pushFrame(n);
                shadow.frames.add(new SObj[n]);
            }
            case 'P' -> {
                if (shadow.frames.size() > 1) {
                    m.popFrame();
                    shadow.frames.remove(shadow.frames.size() - 1);
                }
            }
            case 'G' -> {
                int s = slot(op.b());
                if (op.a() >= globals.size() || op.a() < 0) {
                    int h = m.newGlobal(m.local(s));
                    globals.add(h);
                    shadow.globals.put(h, top()[s]);
                } else {
                    int h = globals.get(op.a());
                    m.setGlobal(h, m.local(s));
                    shadow.globals.put(h, top()[s]);
                }
            }
            case 'U' -> {
                if (!globals.isEmpty()) {
                    int h = globals.remove(Math.floorMod(op.a(), globals.size()));
                    m.freeGlobal(h);
                    shadow.globals.remove(h);
                }
            }
            case 'L' -> {
                if (!globals.isEmpty()) {
                    int h = globals.get(Math.floorMod(op.a(), globals.size()));
                    int s = slot(op.b());
                    m.setLocal(s, m.global(h));
                    top()[s] = shadow.globals.get(h);
                }
            }
            case 'C' -> m.collect();
            case 'S' -> collector.step();
            default -> throw new IllegalArgumentException("unknown gc-fuzz operation " + op);
        }
        if (opNo % checkEvery == 0) {
            check(false);
        }
    }

    /** Slot {@code slot} = a new object (or NULL when the allocation returned 0). */
    private void storeNew(int slot, long ref, @Nullable SObj o) {
        if (o != null) {
            shadow.born(o, inspector.address(ref));
        }
        store(slot, ref, o);
    }

    private void store(int slot, long ref, @Nullable SObj o) {
        int s = slot(slot);
        m.setLocal(s, ref);
        top()[s] = o;
    }

    private void verify(int s) {
        SObj o = top()[s];
        if (o == null || o.data.length == 0) {
            return;
        }
        byte[] now = new byte[o.data.length];
        m.readData(m.local(s), 0, now);
        int d = java.util.Arrays.mismatch(now, o.data);
        if (d >= 0) {
            fail(List.of(new Violation("GC-3", inspector.address(m.local(s)), "data read back differs from what was written, at byte " + d,
                    Byte.toString(o.data[d]), Byte.toString(now[d]))));
        }
    }

    /**
     * Runs the heap checker and the oracle now, at a safepoint (a concurrent collector stops its marker and its
     * mutators for it; inside a collector's stop it just runs); throws on a violation.
     */
    public void check(boolean afterCollection) {
        Consumer<Boolean> x = external;
        if (x != null) {
            x.accept(afterCollection);
            return;
        }
        inspector.atSafepoint(() -> checkNow(afterCollection));
    }

    private void checkNow(boolean afterCollection) {
        checks++;
        List<Violation> found = new ArrayList<>(checker.check(inspector.heapWalk()));
        if (found.isEmpty()) {
            shadow.compare(m, inspector, afterCollection, found);
        }
        if (!found.isEmpty()) {
            fail(found);
        }
    }

    private void fail(List<Violation> found) {
        long at = found.get(0).address();
        String map;
        try {
            map = HeapMap.around(inspector.heapWalk(), at == 0 ? inspector.spaceStart() : at, 4, null);
        } catch (RuntimeException e) {
            map = "(no heap map: " + e + ")";
        }
        throw new HeapCheckException(collector.name(), found, checker.suppressedViolations(), opNo, opText, map);
    }

    /** A final collection and full check. */
    public void finish() {
        m.collect();
        check(false);
    }

    @Override
    public void close() {
        collector.close();
    }
}
