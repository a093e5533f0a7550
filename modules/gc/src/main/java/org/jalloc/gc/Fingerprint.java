package org.jalloc.gc;

import java.util.Arrays;

import org.jalloc.core.shadow.LiveBlocks;

/**
 * The reachable graph in a form that two moments can be compared in (checked mode): objects numbered in the order a
 * breadth-first trace from the roots discovers them, each with its type, length, a hash of its data bytes and the
 * numbers of the objects its fields name (-1 NULL), the roots as numbers, and the numbers in address order.
 *
 * <pre>
 *   graph = [ id(root 0) .. id(root r-1) | type, length, hash, id(field 0) .. | ... ]   (one block per object)
 *   order = ids sorted by address
 * </pre>
 * Two graphs are isomorphic with equal data exactly when their {@code graph} arrays are equal (the numbering is
 * canonical: it depends on the roots' order and the fields' order only); a sliding compaction keeps the address
 * order of the live objects exactly when {@code order} is equal too (GC-6, GC-7).
 */
final class Fingerprint {
    final long[] graph;
    final int[] order;
    final int objects;

    private Fingerprint(long[] graph, int[] order, int objects) {
        this.graph = graph;
        this.order = order;
        this.objects = objects;
    }

    static Fingerprint of(Collector c) {
        Builder b = new Builder(c);
        c.scanRoots(stored -> {
            b.add(b.idOf(stored));
            return stored;
        });
        for (int k = 0; k < b.count; k++) {
            long a = b.addrs[k];
            long status = c.model.status(a);
            if (!c.types.isDefined(ObjectModel.typeOf(status))) {
                b.add(-3); // not an object: the checker reports GC-1/GC-2; nothing to follow
                continue;
            }
            b.add(ObjectModel.typeOf(status));
            b.add(ObjectModel.lengthOf(status));
            b.add(hashData(c, a));
            int n = c.model.refCount(a);
            for (int i = 0; i < n; i++) {
                b.add(b.idOf(c.heap.getLong(ObjectModel.slot(a, i))));
            }
        }
        Integer[] ids = new Integer[b.count];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        long[] addrs = b.addrs;
        Arrays.sort(ids, (x, y) -> Long.compare(addrs[x], addrs[y]));
        int[] order = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            order[i] = ids[i];
        }
        return new Fingerprint(Arrays.copyOf(b.graph, b.size), order, b.count);
    }

    private static long hashData(Collector c, long a) {
        long from = c.model.dataStart(a);
        long n = c.model.dataSize(a);
        long h = 0x9E3779B97F4A7C15L ^ n;
        long i = 0;
        for (; i + 8 <= n; i += 8) {
            h = mix(h ^ c.heap.getLong(from + i));
        }
        for (; i < n; i++) {
            h = mix(h ^ (c.heap.getByte(from + i) & 0xFF));
        }
        return h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The first index where two graphs differ, or -1. */
    static int firstDifference(long[] a, long[] b) {
        int n = Math.min(a.length, b.length);
        for (int i = 0; i < n; i++) {
            if (a[i] != b[i]) {
                return i;
            }
        }
        return a.length == b.length ? -1 : n;
    }

    private static final class Builder {
        final Collector c;
        final LiveBlocks ids = new LiveBlocks();
        long[] addrs = new long[64];
        int count;
        long[] graph = new long[256];
        int size;

        Builder(Collector c) {
            this.c = c;
        }

        long idOf(long stored) {
            if (stored == 0) {
                return -1;
            }
            long a = c.addressOf(stored);
            if (a < c.heap.start() || a >= c.space.end() || (a & 15) != 0) {
                return -2;
            }
            if (ids.contains(a)) {
                return ids.tag(a);
            }
            if (count == addrs.length) {
                addrs = Arrays.copyOf(addrs, count * 2);
            }
            addrs[count] = a;
            ids.put(a, 1, count);
            return count++;
        }

        void add(long v) {
            if (size == graph.length) {
                graph = Arrays.copyOf(graph, size * 2);
            }
            graph[size++] = v;
        }
    }
}
