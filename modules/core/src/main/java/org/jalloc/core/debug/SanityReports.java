package org.jalloc.core.debug;

import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.HeapCorruptionException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.memory.Heap;

/**
 * The texts of {@code debug=F} alone's reports, written once for every face that does F alone: the layers
 * ({@link SanityLayer}, and through {@link DebugLayer} every layer's double free and invalid pointer) and the heap
 * engines that check F themselves ({@code org.jalloc.core.spi.EngineShadow}). F alone records no sites, so each report
 * says how to get them.
 */
public final class SanityReports {
    static final String NO_SITES = " (add U to debug= to record sites)";
    static final String NOT_RECORDED = "    (not recorded: add U to debug=)\n";

    private SanityReports() {}

    /** {@code op} on the block at {@code address} ({@code usable} bytes), freed before. */
    public static DoubleFreeException doubleFree(String name, String op, long address, long usable) {
        return new DoubleFreeException(name + ": " + op + "(" + hex(address) + "): block already freed (" + usable + " bytes)" + NO_SITES
                + "\n  first freed at:\n" + NOT_RECORDED + "  " + (op.equals("free") ? "freed again" : op) + " at:\n" + NOT_RECORDED, address);
    }

    /** {@code op} on an address that is no live block of {@code heap}. */
    public static InvalidPointerException invalidPointer(String name, Heap heap, String op, long address) {
        return new InvalidPointerException(name + ": " + op + "(" + hex(address) + "): not the start of a live block of this heap"
                + (address < heap.start() || address >= heap.brk() ? " (outside the heap)" : ""), address);
    }

    /** The engine's usable size of the block at {@code block} (handed out as {@code u}) is no longer {@code under}. */
    public static HeapCorruptionException sizeChanged(String name, String op, long u, long block, long under, long now) {
        return new HeapCorruptionException(name + ": " + op + "(" + hex(u) + "): the allocator's usable size of the block at "
                + hex(block) + " changed from " + under + " to " + now + " while it was live (its metadata was"
                + " overwritten)" + NO_SITES, u);
    }

    static String hex(long address) {
        return "0x" + Long.toHexString(address);
    }
}
