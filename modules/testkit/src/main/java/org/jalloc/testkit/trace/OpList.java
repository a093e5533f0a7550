package org.jalloc.testkit.trace;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * An immutable list of {@link Op}s stored as primitive columns in chunks, so a trace of n ops costs about
 * 13n bytes (21n when it holds {@code c} or {@code m} ops) instead of an object per op, and growing it never copies:
 *
 * <pre>
 *   chunk k (CHUNK ops):  kinds[k]  byte[]   'a' 'f' 'r' 'c' 'm' 'x'
 *                         ids[k]    int[]
 *                         sizes[k]  long[]
 *                         args[k]   long[]   only allocated once a c or m op lands in the chunk
 * </pre>
 *
 * {@link #get} builds an {@code Op} on demand; replay loops read the columns directly ({@link #kind}, {@link #id},
 * {@link #size}, {@link #arg}).
 */
public final class OpList extends AbstractList<Op> implements RandomAccess {
    private static final int CHUNK_BITS = 14;
    private static final int CHUNK = 1 << CHUNK_BITS;
    private static final int MASK = CHUNK - 1;

    private byte[][] kinds = new byte[0][];
    private int[][] ids = new int[0][];
    private long[][] sizes = new long[0][];
    private long[] @Nullable [] args = new long[0][];
    private int size;

    OpList() {}

    /** {@code ops} as an {@code OpList} (the list itself when it is one). */
    public static OpList copyOf(List<Op> ops) {
        if (ops instanceof OpList l) {
            return l;
        }
        OpList l = new OpList();
        for (Op op : ops) {
            l.append(op.kind(), op.id(), op.size(), op.arg());
        }
        return l;
    }

    /** Appends an op; only the package builds lists (a list handed out is never changed again). */
    void append(char kind, int id, long bytes, long arg) {
        if (size == Integer.MAX_VALUE) {
            throw new IllegalStateException("an op list holds at most " + Integer.MAX_VALUE + " ops");
        }
        int c = this.size >>> CHUNK_BITS;
        int i = this.size & MASK;
        if (c == kinds.length) {
            int n = Math.max(4, c * 2);
            // new T[n][] rather than Arrays.copyOf, whose type says the new slots are null (they are filled below
            // before they are read)
            byte[][] k = new byte[n][];
            int[][] d = new int[n][];
            long[][] z = new long[n][];
            long[] @Nullable [] a = new long[n][];
            System.arraycopy(kinds, 0, k, 0, c);
            System.arraycopy(ids, 0, d, 0, c);
            System.arraycopy(sizes, 0, z, 0, c);
            System.arraycopy(args, 0, a, 0, c);
            kinds = k;
            ids = d;
            sizes = z;
            args = a;
        }
        if (i == 0) {
            kinds[c] = new byte[CHUNK];
            ids[c] = new int[CHUNK];
            sizes[c] = new long[CHUNK];
        }
        kinds[c][i] = (byte) kind;
        ids[c][i] = id;
        sizes[c][i] = bytes;
        if (arg != 0) {
            long[] a = args[c];
            if (a == null) {
                a = new long[CHUNK];
                args[c] = a;
            }
            a[i] = arg;
        }
        this.size++;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Op get(int index) {
        return new Op(kind(index), id(index), size(index), arg(index));
    }

    /** The kind of op {@code index}. */
    public char kind(int index) {
        check(index);
        return (char) kinds[index >>> CHUNK_BITS][index & MASK];
    }

    /** The id of op {@code index}. */
    public int id(int index) {
        check(index);
        return ids[index >>> CHUNK_BITS][index & MASK];
    }

    /** The size operand of op {@code index}. */
    public long size(int index) {
        check(index);
        return sizes[index >>> CHUNK_BITS][index & MASK];
    }

    /** The count ({@code c}) or alignment ({@code m}) of op {@code index}, else 0. */
    public long arg(int index) {
        check(index);
        long[] a = args[index >>> CHUNK_BITS];
        return a == null ? 0 : a[index & MASK];
    }

    private void check(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("op " + index + " of " + size);
        }
    }
}
