package org.jalloc.gc;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.memory.Heap;

/**
 * The object model: how a collected object lies in a jalloc heap, the one place that knows it (MMTk's
 * {@code ObjectModel}). Collectors see objects only through this class and {@link Scanning}.
 *
 * <h2>Nouns</h2>
 * <dl>
 *   <dt>object</dt><dd>a block of the space: a 16-byte header, then its reference fields, then its data bytes, the
 *       whole rounded up to 16 bytes. Its address is the address of its header (the allocator's payload address for
 *       {@code mark-sweep}).</dd>
 *   <dt>reference</dt><dd>a 64-bit field that names another object or is 0 (NULL). What the value means is the
 *       collector's: an address for {@code mark-sweep} and {@code mark-compact}, a handle ({@code generation << 32 |
 *       index}) for {@code handles}.</dd>
 *   <dt>type</dt><dd>registered once in {@link Types}: fixed ({@code n} references + {@code d} data bytes) or one of
 *       the two arrays ({@code length} references, or {@code length} bytes).</dd>
 *   <dt>collector word</dt><dd>the header's second word, owned by the collector: LISP2's forwarding address during a
 *       compaction ({@code mark-compact}), the object's handle index ({@code handles}), 0 for {@code mark-sweep}
 *       (a reference count for a refcount collector).</dd>
 * </dl>
 *
 * <h2>Layout</h2>
 * <pre>
 *  object address o (16-aligned)
 *  |
 *  v  word 0: status                              word 1: collector word
 *  +-------------------------------------------+-------------------------+---------+---------+-----+------------+
 *  | length:32 | type:24 | age:4 | F | 0 | L | M |  forwarding / handle / 0 | ref 0   | ref 1   | ... | data bytes |
 *  +-------------------------------------------+-------------------------+---------+---------+-----+------------+
 *   63      32  31     8  7    4   3   2   1   0   o + 8                     o + 16    o + 24          o + 16 + 8n
 *
 *  M  bit 0   mark bit: marked when it equals the collector's current mark value (mark-sweep flips the value
 *             each collection; the compactors use 1 and clear it when they move an object)
 *  L  bit 1   logged: reserved for object-remembering write barriers (0 here)
 *     bit 2   reserved, 0
 *  F  bit 3   forwarded: set while word 1 holds a forwarding address (inside a LISP2 compaction only)
 *  age        bits 4-7, collections survived (saturating; kept for generational collectors, 0 here)
 *  type       bits 8-31, a registered type id (never 0)
 *  length     bits 32-63, the element count of an array; 0 for fixed types
 * </pre>
 *
 * <h2>Sizes</h2>
 * <pre>
 *   size(o) = align16(16 + 8 * refs(o) + data(o))
 *   fixed type t:  refs = n(t),   data = d(t)
 *   ref[] :        refs = length, data = 0
 *   byte[]:        refs = 0,      data = length
 * </pre>
 * The smallest object is 16 bytes (a header only). The size is derived from the header, not stored, so a heap walk
 * over a contiguous space reads one header per object (GC-1 says when a header is well formed).
 *
 * <h2>Invariants (spec/invariants.md)</h2>
 * <pre>
 *   GC-1  type(o) registered, bits 1-2 = 0, length(o) = 0 for fixed types, size(o) fits o's block
 *   GC-5  between collections: F = 0 and word 1 holds no forwarding address
 * </pre>
 */
public final class ObjectModel {
    /** Header bytes before the first reference field. */
    public static final long HEADER_BYTES = 16;
    /** Bytes per reference field. */
    public static final long REF_BYTES = 8;

    public static final long MARK_BIT = 1L;
    public static final long LOGGED_BIT = 1L << 1;
    public static final long RESERVED_BIT = 1L << 2;
    public static final long FORWARDED_BIT = 1L << 3;
    public static final int AGE_SHIFT = 4;
    public static final long AGE_MASK = 0xFL << AGE_SHIFT;
    public static final int TYPE_SHIFT = 8;
    public static final long TYPE_MASK = (long) Types.MAX_TYPE_ID << TYPE_SHIFT;
    public static final int LENGTH_SHIFT = 32;

    /** The largest array length (the length field's positive range). */
    public static final int MAX_LENGTH = Integer.MAX_VALUE;

    private final Heap heap;
    private final Types types;

    ObjectModel(Heap heap, Types types) {
        this.heap = heap;
        this.types = types;
    }

    /** The heap the objects live in. */
    Heap heap() {
        return heap;
    }

    public Types types() {
        return types;
    }

    // ------------------------------------------------------------ the status word, decoded

    /** The status word of a header. */
    public static long status(int type, int length, boolean marked) {
        return ((long) length << LENGTH_SHIFT) | ((long) type << TYPE_SHIFT) | (marked ? MARK_BIT : 0);
    }

    public static int typeOf(long status) {
        return (int) ((status & TYPE_MASK) >>> TYPE_SHIFT);
    }

    public static int lengthOf(long status) {
        return (int) (status >>> LENGTH_SHIFT);
    }

    public static boolean markOf(long status) {
        return (status & MARK_BIT) != 0;
    }

    public static boolean forwardedOf(long status) {
        return (status & FORWARDED_BIT) != 0;
    }

    /** Bytes of an object of {@code type} and {@code length} (which must be valid). */
    public long sizeOf(int type, int length) {
        return switch (type) {
            case Types.REF_ARRAY -> align16(HEADER_BYTES + REF_BYTES * length);
            case Types.BYTE_ARRAY -> align16(HEADER_BYTES + (long) length);
            default -> align16(HEADER_BYTES + REF_BYTES * types.refFields(type) + types.dataBytes(type));
        };
    }

    static long align16(long n) {
        return (n + 15) & -16L;
    }

    // ------------------------------------------------------------ one object

    public long status(long object) {
        return heap.getLong(object);
    }

    void setStatus(long object, long status) {
        heap.putLong(object, status);
    }

    public long collectorWord(long object) {
        return heap.getLong(object + 8);
    }

    void setCollectorWord(long object, long value) {
        heap.putLong(object + 8, value);
    }

    public int typeAt(long object) {
        return typeOf(status(object));
    }

    public int lengthAt(long object) {
        return lengthOf(status(object));
    }

    /** Bytes of the object at {@code object}, from its header. */
    public long size(long object) {
        long s = status(object);
        return sizeOf(typeOf(s), lengthOf(s));
    }

    /** Reference fields of the object. */
    public int refCount(long object) {
        long s = status(object);
        int t = typeOf(s);
        return t == Types.REF_ARRAY ? lengthOf(s) : types.refFields(t);
    }

    /** Data bytes of the object. */
    public long dataSize(long object) {
        long s = status(object);
        int t = typeOf(s);
        return t == Types.BYTE_ARRAY ? lengthOf(s) : types.dataBytes(t);
    }

    /** The address of reference field {@code i}. */
    public static long slot(long object, int i) {
        return object + HEADER_BYTES + REF_BYTES * i;
    }

    /** The address of the first data byte. */
    public long dataStart(long object) {
        return object + HEADER_BYTES + REF_BYTES * refCount(object);
    }

    /** The stored value of reference field {@code i} (no checks). */
    public long ref(long object, int i) {
        return heap.getLong(slot(object, i));
    }

    void setRef(long object, int i, long value) {
        heap.putLong(slot(object, i), value);
    }

    /**
     * Writes a fresh header and zeroes the fields and data: what every allocation does before the mutator sees
     * the object, so every reference of a new object is NULL.
     */
    void initialize(long object, long size, int type, int length, boolean mark, long collectorWord) {
        heap.putLong(object, status(type, length, mark));
        heap.putLong(object + 8, collectorWord);
        if (size <= 256) {
            for (long a = object + HEADER_BYTES; a < object + size; a += 8) {
                heap.putLong(a, 0); // small objects: word stores, no slice object per allocation
            }
        } else {
            heap.fill(object + HEADER_BYTES, size - HEADER_BYTES, (byte) 0);
        }
    }

    /**
     * Why the header at {@code object} is not well formed (GC-1), or null when it is. {@code blockBytes} is the
     * block the object lies in (its size must fit), or -1 to skip that test.
     */
    public @Nullable String malformed(long object, long blockBytes) {
        long s = status(object);
        int t = typeOf(s);
        if (!types.isDefined(t)) {
            return "type id " + t + " is not registered";
        }
        if ((s & (LOGGED_BIT | RESERVED_BIT)) != 0) {
            return "reserved header bits set: 0x" + Long.toHexString(s & (LOGGED_BIT | RESERVED_BIT));
        }
        int length = lengthOf(s);
        if (!Types.isArray(t) && length != 0) {
            return "fixed type " + types.name(t) + " with length " + length;
        }
        if (length < 0) {
            return "negative length " + length;
        }
        if (blockBytes >= 0 && sizeOf(t, length) > blockBytes) {
            return "object of " + sizeOf(t, length) + " bytes in a block of " + blockBytes;
        }
        return null;
    }

    /** "type[length]@address" for messages. */
    public String describe(long object) {
        long s = status(object);
        int t = typeOf(s);
        return types.name(t) + (Types.isArray(t) ? "[" + lengthOf(s) + "]" : "") + "@0x" + Long.toHexString(object);
    }
}
