package org.jalloc.slab;

import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.spi.AbstractAllocator;

/**
 * The first step of every slab-family screen (SLAB's kmalloc and cache screen, SLUB's lookup, SLOB's screen), and the
 * address format of their messages: an address that is not 16-byte aligned or lies outside {@code [first, brk)} is no
 * object or block start of the heap, whatever the page map says, so it is refused before any metadata is read.
 */
final class AddressScreen {
    private AddressScreen() {}

    /**
     * Throws {@link InvalidPointerException} ("WHO: OP(ADDRESS): not 16-byte aligned, so no UNIT start", or "...:
     * outside the heap [FIRST, BRK)") for an address that is not 16-byte aligned or not in {@code [first, brk)};
     * changes nothing.
     *
     * @param unit what starts at a valid address, for the message: {@code "object"} or {@code "block"}
     */
    static void requireAlignedInHeap(String who, String op, long address, long first, long brk, String unit) {
        if ((address & (AbstractAllocator.MIN_ALIGNMENT - 1)) != 0) {
            throw new InvalidPointerException(who + ": " + op + "(" + hex(address) + "): not 16-byte aligned, so no " + unit + " start", address);
        }
        if (address < first || address >= brk) {
            throw new InvalidPointerException(who + ": " + op + "(" + hex(address) + "): outside the heap [" + hex(first) + ", "
                    + hex(brk) + ")", address);
        }
    }

    /** An address as the family's messages print it: {@code 0x} and lower-case hex digits. */
    static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }
}
