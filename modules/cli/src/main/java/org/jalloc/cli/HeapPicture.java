package org.jalloc.cli;

import java.util.List;
import java.util.function.LongPredicate;
import java.util.function.LongUnaryOperator;

import org.jalloc.core.walk.ExtentKind;

/**
 * A heap map: the heap's address range cut into cells of {@code bytesPerCell} bytes, laid out left to right, top to
 * bottom, {@link #COLUMNS} cells to a row, each cell coloured by the kind of extent that owns most of its bytes.
 *
 * <pre>
 *   cell c covers [start + c * bytesPerCell, start + (c + 1) * bytesPerCell)
 *   row  = c / COLUMNS,  column = c % COLUMNS
 *   kind[c] = the kind with the most bytes in the cell (ties: ALLOCATED, GARBAGE, UNUSED, METADATA, PADDING, FREE),
 *             or BEYOND when no extent reaches into it (past the break)
 *
 *   an ALLOCATED extent [start, start + size) with payload p and requested size r (when a tracker knows it):
 *     [start, p)          METADATA   its header
 *     [p, p + r)          ALLOCATED  what the caller asked for
 *     [p + r, start+size) UNUSED     granted but not asked for: internal fragmentation (rounding, size classes)
 *   a collector's object no root reaches (garbage(p)) is GARBAGE as a whole
 * </pre>
 * {@code bytesPerCell} is the smallest power of two, at least 16 (one granule), that fits the range in
 * {@link #MAX_ROWS} rows. The largest free block ({@code largestStart}, {@code largestSize}; size 0 if none) is
 * outlined by the renderers.
 *
 * @param start        first address drawn (the walk's start)
 * @param end          end of the range drawn (the walk's end, or a later break when frames share one scale)
 * @param bytesPerCell bytes per cell, a power of two
 * @param kinds        one of {@link #ALLOCATED}..{@link #BEYOND} per cell
 * @param largestStart start of the largest free block
 * @param largestSize  size of the largest free block, 0 if nothing is free
 * @param legend       the legend's lines: allocator, trace, operation, utilization, fragmentation
 */
record HeapPicture(long start, long end, long bytesPerCell, byte[] kinds, long largestStart, long largestSize, List<String> legend) {
    /** Cells per row. */
    static final int COLUMNS = 512;
    /** The most rows a picture has. */
    static final int MAX_ROWS = 192;

    static final byte ALLOCATED = 0;
    static final byte FREE = 1;
    static final byte METADATA = 2;
    static final byte PADDING = 3;
    /** Inside an allocated block, past the requested bytes: internal fragmentation. */
    static final byte UNUSED = 4;
    /** A collector's object no root reaches: garbage the next collection frees. */
    static final byte GARBAGE = 5;
    /** No extent: beyond the break (frames drawn on a common scale). */
    static final byte BEYOND = 6;
    private static final int KINDS = 6;

    /** The kinds' names in the legend, by index (a collector's allocated objects are its live ones). */
    static final List<String> NAMES = List.of("allocated", "free", "metadata", "padding", "unused in block", "garbage", "beyond the break");
    /** The kinds' colours (0xRRGGBB), by index. */
    static final int[] COLOURS = {0x3b6fb6, 0x8fd694, 0xe8a33d, 0xa8a8a8, 0xa9cdf2, 0x7a3b2e, 0xf2f2f2};
    /** The outline of the largest free block. */
    static final int OUTLINE = 0xd62728;

    HeapPicture {
        legend = List.copyOf(legend);
    }

    int rows() {
        return (kinds.length + COLUMNS - 1) / COLUMNS;
    }

    /** The cell holding {@code address}, or -1 outside the range. */
    int cellOf(long address) {
        if (address < start || address >= end) {
            return -1;
        }
        long c = (address - start) / bytesPerCell;
        return c < kinds.length ? (int) c : -1;
    }

    /** The smallest power-of-two cell size of at least 16 bytes that fits {@code bytes} in {@link #MAX_ROWS} rows. */
    static long cellSizeFor(long bytes) {
        long cell = 16;
        while (cell < (1L << 56) && (bytes + cell - 1) / cell > (long) COLUMNS * MAX_ROWS) {
            cell <<= 1;
        }
        return cell;
    }

    /**
     * Walks the heap and rasterizes it over {@code [start, end)} ({@code end <= start} means the walk's own range);
     * {@code requested} gives the requested size of a live payload, or -1 where it is unknown. A walk that yields a
     * non-positive size stops there (the rest is drawn as beyond the break).
     */
    static HeapPicture draw(HeapInspection heap, LongUnaryOperator requested, long start, long end, List<String> legend) {
        return draw(heap, requested, p -> false, start, end, legend);
    }

    /** As {@link #draw(HeapInspection, LongUnaryOperator, long, long, List)}, with the ALLOCATED payloads that are garbage. */
    static HeapPicture draw(HeapInspection heap, LongUnaryOperator requested, LongPredicate garbage, long start, long end, List<String> legend) {
        long from = start;
        long to = end > start ? end : heap.end();
        long cell = cellSizeFor(Math.max(1, to - from));
        int cells = (int) Math.max(1, (to - from + cell - 1) / cell);
        long[] bytes = new long[cells * KINDS];
        long[] largest = {0, 0};
        heap.extents((kind, s, size, payload, usable) -> {
            if (size <= 0) {
                return false;
            }
            if (kind == ExtentKind.ALLOCATED && garbage.test(payload)) {
                add(bytes, from, to, cell, s, s + size, GARBAGE);
            } else if (kind == ExtentKind.ALLOCATED) {
                long req = requested.applyAsLong(payload);
                long used = req < 0 ? s + size : Math.min(s + size, payload + Math.max(req, 0));
                add(bytes, from, to, cell, s, payload, METADATA);
                add(bytes, from, to, cell, payload, used, ALLOCATED);
                add(bytes, from, to, cell, used, s + size, UNUSED);
            } else {
                add(bytes, from, to, cell, s, s + size, (byte) kind.ordinal());
                if (kind == ExtentKind.FREE && size > largest[1]) {
                    largest[0] = s;
                    largest[1] = size;
                }
            }
            return true;
        });
        byte[] kinds = new byte[cells];
        byte[] tieOrder = {ALLOCATED, GARBAGE, UNUSED, METADATA, PADDING, FREE};
        for (int c = 0; c < cells; c++) {
            byte best = BEYOND;
            long most = 0;
            for (byte k : tieOrder) {
                if (bytes[c * KINDS + k] > most) {
                    most = bytes[c * KINDS + k];
                    best = k;
                }
            }
            kinds[c] = best;
        }
        return new HeapPicture(from, to, cell, kinds, largest[0], largest[1], legend);
    }

    /** Adds the bytes of {@code [a, b)} clipped to {@code [from, to)} to their cells under {@code kind}. */
    private static void add(long[] bytes, long from, long to, long cell, long a, long b, byte kind) {
        a = Math.max(a, from);
        b = Math.min(b, to);
        while (a < b) {
            int c = (int) ((a - from) / cell);
            long n = Math.min(b, from + (c + 1) * cell) - a;
            bytes[c * KINDS + kind] += n;
            a += n;
        }
    }
}
