package org.jalloc.slab;

/**
 * The layout of one cache's slots and slabs, fixed when the cache is created. Offsets are from the slot start.
 *
 * <pre>
 *  slot (slot bytes, a multiple of align):
 *  +-----------+--------------------------+-----------+---------+---------+---------+---------+
 *  | red left  | object (usable bytes)    | red right | pad to 8| link    | marker  | track   |  pad to align
 *  | Z only    |                          | Z only    |         | ctor/P  | ctor/P  | U only  |
 *  +-----------+--------------------------+-----------+---------+---------+---------+---------+
 *  0           redLeft                    objectEnd   redRightEnd linkOffset  +8     trackOffset
 *
 *  without a constructor and without P the link and the marker live in the free object's first 16 bytes
 *  (linkOffset = redLeft): a free object is dead memory. With a constructor (the object's constructed state must
 *  survive while it is free) or P (the poison must) they live after it, as SLUB's s->offset.
 *
 *  slab (slabBytes = pageSize << order, a buddy block aligned to its size):
 *  on-slab (slot &lt; pageSize / 8, Bonwick's small objects):
 *  +-------+------+------+-- ... --+------+-------------+--------------+
 *  | color | slot | slot |         | slot | slack-color | header (64)  |
 *  +-------+------+------+-- ... --+------+-------------+--------------+
 *  off-slab (large objects): the header and the bufctl array are a descriptor object of a kmalloc cache
 *  +-------+------+------+-- ... --+------+-------------+
 *  | color | slot | slot |         | slot | slack-color |       descriptor: | header (64) | bufctl: int x capacity |
 *  +-------+------+------+-- ... --+------+-------------+
 *
 *  avail = slabBytes - (on-slab ? 64 : 0);  capacity = min(avail / slot, off-slab ? 48 : inf);
 *  slack = avail - capacity * slot;  colors = slack / colorUnit + 1;  colorUnit = max(64, align)
 * </pre>
 *
 * <p>Slab order, Bonwick's rule: the smallest order (at least the one whose block holds the alignment) whose slab
 * wastes at most 1/8 of itself; the order wasting least when none does. (SLUB also wants a minimum number of
 * objects per slab, which makes slabs of large objects 8 pages; Bonwick's rule keeps them as small as the waste
 * allows: a 4 KiB object gets a one-page slab.)
 */
record CacheGeometry(long objectSize, long usable, long align, int debug, boolean constructed, long redLeft, long objectEnd,
                     long redRightEnd, long linkOffset, long markerOffset, long trackOffset, long slot, boolean onSlab, int order,
                     long pageSize, long slabBytes, long avail, int capacity, long slack, long colorUnit, int colors,
                     long descriptorBytes) {
    /** Bytes of a slab header. */
    static final long HEADER = 64;
    /** An off-slab slab holds at most this many objects, so its descriptor fits a 256-byte (on-slab) kmalloc object. */
    static final int MAX_OFF_SLAB_OBJECTS = 48;
    /** Bytes of the U track: alloc site, alloc thread, free site, free thread (ints). */
    static final long TRACK = 16;
    /** The L1 cache line: the smallest color step. */
    static final long CACHE_LINE = 64;
    /** The smallest object alignment (every jalloc payload is 16-byte aligned). */
    static final long MIN_ALIGN = 16;

    /**
     * @param objectSize  bytes the caller asks for (at least 1)
     * @param align       object alignment, a power of two (raised to 16)
     * @param constructed whether the cache has a constructor
     * @param debug       {@link Debug} flags
     * @param pageSize    the buddy page size
     * @param maxOrder    the largest buddy order
     * @throws IllegalArgumentException when no slab of at most {@code maxOrder} holds one object
     */
    static CacheGeometry of(long objectSize, long align, boolean constructed, int debug, long pageSize, int maxOrder) {
        if (objectSize < 1) {
            throw new IllegalArgumentException("object size must be positive, got " + objectSize);
        }
        if (align < 0 || (align != 0 && Long.bitCount(align) != 1)) {
            throw new IllegalArgumentException("alignment must be a power of two, got " + align);
        }
        long a = Math.max(MIN_ALIGN, align);
        long usable = Math.max(16, objectSize);
        boolean z = (debug & Debug.Z) != 0;
        boolean p = (debug & Debug.P) != 0 && !constructed;
        boolean u = (debug & Debug.U) != 0;
        long redLeft = z ? Math.max(16, a) : 0;
        long objectEnd = redLeft + usable;
        long inuseEnd = redLeft + alignUp(usable, 8);
        long redRightEnd = z ? inuseEnd + 8 : inuseEnd;
        boolean linkOutside = constructed || p;
        long linkOffset = linkOutside ? redRightEnd : redLeft;
        long end = linkOutside ? linkOffset + 16 : redRightEnd;
        long trackOffset = u ? end : -1;
        end += u ? TRACK : 0;
        long slot = alignUp(end, a);
        boolean onSlab = slot < pageSize / 8;
        long colorUnit = Math.max(CACHE_LINE, a);
        int first = 0;
        while ((pageSize << first) < a && first < maxOrder) {
            first++;
        }
        int chosen = -1;
        int fallback = -1;
        double leastWaste = 2;
        for (int k = first; k <= maxOrder && chosen < 0; k++) {
            long slabBytes = pageSize << k;
            long avail = slabBytes - (onSlab ? HEADER : 0);
            long n = capacity(avail, slot, onSlab);
            if (n == 0 || slabBytes < a) {
                continue;
            }
            long waste = avail - n * slot;
            if (waste * 8 <= slabBytes) {
                chosen = k;
            } else if ((double) waste / slabBytes < leastWaste) {
                leastWaste = (double) waste / slabBytes;
                fallback = k;
            }
        }
        if (chosen < 0) {
            chosen = fallback;
        }
        if (chosen < 0) {
            throw new IllegalArgumentException("a " + slot + "-byte slot (object " + objectSize + ", align " + a + ") does not fit a slab of at most "
                    + (pageSize << maxOrder) + " bytes");
        }
        long slabBytes = pageSize << chosen;
        long avail = slabBytes - (onSlab ? HEADER : 0);
        int n = (int) capacity(avail, slot, onSlab);
        long slack = avail - n * slot;
        int colors = (int) (slack / colorUnit) + 1;
        long descriptor = onSlab ? 0 : alignUp(HEADER + 4L * n, 16);
        return new CacheGeometry(objectSize, usable, a, debug, constructed, redLeft, objectEnd, redRightEnd, linkOffset, linkOffset + 8,
                trackOffset, slot, onSlab, chosen, pageSize, slabBytes, avail, n, slack, colorUnit, colors, descriptor);
    }

    private static long capacity(long avail, long slot, boolean onSlab) {
        long n = avail / slot;
        return onSlab ? n : Math.min(n, MAX_OFF_SLAB_OBJECTS);
    }

    static long alignUp(long v, long a) {
        return (v + a - 1) & -a;
    }

    boolean redZones() {
        return (debug & Debug.Z) != 0;
    }

    /** Poisoning applies: P and no constructor. */
    boolean poisoned() {
        return (debug & Debug.P) != 0 && !constructed;
    }

    boolean tracked() {
        return (debug & Debug.U) != 0;
    }

    boolean sanityChecks() {
        return (debug & Debug.F) != 0;
    }

    /** Pages per slab. */
    long pages() {
        return slabBytes / pageSize;
    }

    /** Metadata bytes per slab: the on-slab header, or the off-slab descriptor. */
    long metadataPerSlab() {
        return onSlab ? HEADER : descriptorBytes;
    }

    /** Bytes per slab that are neither object bytes nor metadata: slot padding (and debug areas) plus slack. */
    long wastePerSlab() {
        return slack + (long) capacity * (slot - usable);
    }
}
