package org.jalloc.gc;

import java.util.Arrays;
import java.util.BitSet;

import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.InvariantSink;

/**
 * The collector's sanity checker (MMTk's): an independent look at a collected heap, run through the block-walk SPI's
 * {@code checkInvariants} (so the shared {@code HeapChecker} runs it after the heap's own tiling checks). It reads
 * headers and references itself and never trusts the collector's marks:
 *
 * <ol>
 *   <li>Enumerate the objects of the space in address order.</li>
 *   <li>GC-1: every header well formed, its object inside its block; GC-5: no forwarding state, mark bits at the
 *       collector's between-collections value, pending-sweep garbage exactly the objects whose bit differs.</li>
 *   <li>GC-2: every root and every reference field of every object (pending garbage excepted) is 0 or an object.</li>
 *   <li>GC-4: right after a full collection (no mutator change since), an independent trace from the roots reaches every
 *       object still in the space (skipped for a collector that leaks by design, {@code refcount:cycles=off}, which
 *       accounts for what it leaves in its own checks: GC-34).</li>
 *   <li>GC-6 / GC-7 (checked mode): right after a collection, the reachable graph is the one recorded when the
 *       collection began (isomorphic, same data), and a moving collector kept the live objects' address order.</li>
 *   <li>The collector's own: GC-8 for the handle table.</li>
 * </ol>
 * Every violation is reported with expected and actual values; references are followed only once 1 and 2 hold.
 */
final class GcVerifier {
    /** Reports kept per ID and check; more are counted in one summary line. */
    private static final int REPORTS_PER_ID = 8;

    /** The objects of a space in address order, with their block sizes. */
    static final class Objects {
        long[] addr = new long[256];
        long[] block = new long[256];
        int n;

        void add(long a, long b) {
            if (n == addr.length) {
                addr = Arrays.copyOf(addr, n * 2);
                block = Arrays.copyOf(block, n * 2);
            }
            addr[n] = a;
            block[n] = b;
            n++;
        }

        /** The index of the object starting at {@code a}, or -1. */
        int indexOf(long a) {
            int i = Arrays.binarySearch(addr, 0, n, a);
            return i >= 0 ? i : -1;
        }
    }

    private final Collector c;
    private final ObjectModel model;

    GcVerifier(Collector c) {
        this.c = c;
        this.model = c.model;
    }

    void check(InvariantSink sink) {
        Objects objs = new Objects();
        c.space.forEachObject(model, (a, b) -> {
            objs.add(a, b);
            return true;
        });
        boolean ok = checkHeaders(sink, objs);
        ok &= checkReferences(sink, objs);
        if (ok && !c.dirty) {
            if (c.complete && c.reclaimsAllGarbage()) {
                checkCompleteness(sink, objs);
            }
            if (c.before != null) {
                checkGraph(sink);
            }
        }
        c.checkOwn(sink, objs);
    }

    private static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }

    @Enforces({"GC-1", "GC-5"})
    private boolean checkHeaders(InvariantSink sink, Objects objs) {
        boolean ok = true;
        int gc1 = 0;
        int gc5 = 0;
        boolean markValue = c.markBetweenCollections();
        boolean colours = c.inCycle(); // mark bits are a cycle's colours: the tri-colour checks are the collector's
        for (int i = 0; i < objs.n; i++) {
            long a = objs.addr[i];
            String bad = model.malformed(a, objs.block[i]);
            if (bad != null) {
                ok = false;
                if (gc1++ < REPORTS_PER_ID) {
                    sink.violation("GC-1", a, "malformed object header: " + bad, "a registered type, reserved bits 0, fitting its block",
                            "status 0x" + Long.toHexString(model.status(a)));
                }
                continue;
            }
            long s = model.status(a);
            boolean pending = c.isPendingSweep(a);
            String wrong = null;
            if (ObjectModel.forwardedOf(s)) {
                wrong = "forwarded bit set between collections";
            } else if (!colours && pending && ObjectModel.markOf(s) == markValue) {
                wrong = "garbage awaiting the lazy sweep carries the live mark value";
            } else if (!colours && !pending && ObjectModel.markOf(s) != markValue) {
                wrong = "mark bit " + (ObjectModel.markOf(s) ? 1 : 0) + " on an object the sweep will not free";
            } else if (!c.collectorWordClean(a)) {
                wrong = "collector word 0x" + Long.toHexString(model.collectorWord(a)) + " left over from a collection";
            }
            if (wrong != null && gc5++ < REPORTS_PER_ID) {
                sink.violation("GC-5", a, wrong + " (" + model.describe(a) + ")", "mark = " + (markValue ? 1 : 0)
                        + " (pending garbage the other value), no forwarding state", "status 0x" + Long.toHexString(s));
            }
        }
        if (c.space instanceof BumpSpace b) {
            long end = objs.n == 0 ? b.start : objs.addr[objs.n - 1] + objs.block[objs.n - 1];
            if (end != b.top) {
                ok = false;
                sink.violation("GC-1", end, "the header at " + hex(end) + " cannot be sized, so the objects do not reach the bump pointer",
                        "objects tiling [" + hex(b.start) + ", " + hex(b.top) + ")", "status 0x" + Long.toHexString(model.status(end)));
            }
        }
        summarize(sink, "GC-1", gc1);
        summarize(sink, "GC-5", gc5);
        return ok;
    }

    private static void summarize(InvariantSink sink, String id, int count) {
        if (count > REPORTS_PER_ID) {
            sink.violation(id, 0, (count - REPORTS_PER_ID) + " more objects break " + id, "none", (count - REPORTS_PER_ID) + " more");
        }
    }

    /** The object index a stored reference names, or -1 (not an object, or pending garbage). */
    private int target(Objects objs, long stored) {
        long a = c.addressOf(stored);
        if (a <= 0) {
            return -1;
        }
        int i = objs.indexOf(a);
        return i >= 0 && !c.isPendingSweep(a) ? i : -1;
    }

    @Enforces("GC-2")
    private boolean checkReferences(InvariantSink sink, Objects objs) {
        int[] bad = {0};
        c.scanRoots(stored -> {
            if (target(objs, stored) < 0 && bad[0]++ < REPORTS_PER_ID) {
                long a = c.addressOf(stored);
                sink.violation("GC-2", Math.max(a, 0), "a root names no object: stored value 0x" + Long.toHexString(stored),
                        "0 or an object of the space", a <= 0 ? "no object (stale handle?)" : "no object starts at " + hex(a));
            }
            return stored;
        });
        for (int i = 0; i < objs.n; i++) {
            long a = objs.addr[i];
            if (c.isPendingSweep(a)) {
                continue;
            }
            int n = model.refCount(a);
            for (int f = 0; f < n; f++) {
                long v = model.ref(a, f);
                if (v != 0 && target(objs, v) < 0 && bad[0]++ < REPORTS_PER_ID) {
                    sink.violation("GC-2", ObjectModel.slot(a, f), "field " + f + " of " + model.describe(a) + " names no object",
                            "0 or an object of the space", "0x" + Long.toHexString(v));
                }
            }
        }
        summarize(sink, "GC-2", bad[0]);
        return bad[0] == 0;
    }

    @Enforces("GC-4")
    private void checkCompleteness(InvariantSink sink, Objects objs) {
        BitSet reached = new BitSet(objs.n);
        int[] stack = new int[64];
        int[] sp = {0};
        int[][] st = {stack};
        c.scanRoots(stored -> {
            int i = target(objs, stored);
            if (i >= 0 && !reached.get(i)) {
                reached.set(i);
                if (sp[0] == st[0].length) {
                    st[0] = Arrays.copyOf(st[0], sp[0] * 2);
                }
                st[0][sp[0]++] = i;
            }
            return stored;
        });
        while (sp[0] > 0) {
            int i = st[0][--sp[0]];
            long a = objs.addr[i];
            int n = model.refCount(a);
            for (int f = 0; f < n; f++) {
                int j = target(objs, model.ref(a, f));
                if (j >= 0 && !reached.get(j)) {
                    reached.set(j);
                    if (sp[0] == st[0].length) {
                        st[0] = Arrays.copyOf(st[0], sp[0] * 2);
                    }
                    st[0][sp[0]++] = j;
                }
            }
        }
        int unreachable = 0;
        for (int i = 0; i < objs.n; i++) {
            long a = objs.addr[i];
            if (!reached.get(i) && !c.isPendingSweep(a) && unreachable++ < REPORTS_PER_ID) {
                sink.violation("GC-4", a, "an unreachable object survived the collection: " + model.describe(a),
                        "only objects reachable from the roots", "unreachable, " + objs.block[i] + " bytes");
            }
        }
        summarize(sink, "GC-4", unreachable);
    }

    @Enforces({"GC-6", "GC-7"})
    private void checkGraph(InvariantSink sink) {
        Fingerprint was = c.before;
        if (was == null) {
            return;
        }
        Fingerprint now = Fingerprint.of(c);
        int d = Fingerprint.firstDifference(was.graph, now.graph);
        if (d >= 0) {
            sink.violation("GC-6", 0, "the reachable graph differs from the one the collection began with (first at entry " + d
                    + " of the fingerprint: roots, then type, length, data hash and field targets per object)",
                    was.objects + " objects, entry " + d + " = " + (d < was.graph.length ? was.graph[d] : "end"),
                    now.objects + " objects, entry " + d + " = " + (d < now.graph.length ? now.graph[d] : "end"));
            return;
        }
        if (c.preservesOrder() && !Arrays.equals(was.order, now.order)) {
            sink.violation("GC-7", 0, "the compaction changed the address order of the live objects",
                    "objects in their old order " + Arrays.toString(Arrays.copyOf(was.order, Math.min(12, was.order.length))),
                    Arrays.toString(Arrays.copyOf(now.order, Math.min(12, now.order.length))));
        }
    }
}
