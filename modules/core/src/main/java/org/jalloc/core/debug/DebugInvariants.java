package org.jalloc.core.debug;

/** The IDs of the debug layer's invariants ({@code spec/invariants.md}, area DEBUG), checked through its block walk. */
public final class DebugInvariants {
    private DebugInvariants() {}

    /** With red zones (Z): the zones before and after every live payload hold {@link DebugAllocator#RED}. */
    public static final String DEBUG_1 = "DEBUG-1";
    /** With poison (P): every quarantined block holds {@link DebugAllocator#POISON} over the whole engine block. */
    public static final String DEBUG_2 = "DEBUG-2";
}
