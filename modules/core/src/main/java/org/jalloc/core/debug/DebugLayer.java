package org.jalloc.core.debug;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.Allocator;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.InvalidSizeException;
import org.jalloc.core.LeakLevel;
import org.jalloc.core.LeakReport;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.ForwardingAllocator;
import org.jalloc.core.walk.Inspection;

/**
 * What every debug layer shares, written once: the generic layer ({@link DebugAllocator}), F alone's
 * ({@link SanityLayer}: {@link TaggedSanity}) and the disciplined allocators' ({@code org.jalloc.stack.DisciplineDebug}). It holds the
 * leak report's life — {@link #leakReport()} while open, printed and kept at {@link #close()} — and the texts every
 * report shares (double free, invalid pointer, red zone, write after free, sites), so the three layers say the same
 * thing the same way; each layer keeps its own tables and algorithms.
 *
 * <p>A layer whose engine is concurrent serializes through {@link #lock()} / {@link #unlock()} (no-ops by default);
 * the leak report and close take them.
 */
public abstract class DebugLayer extends ForwardingAllocator {
    /** The allocator's name with its debug options ({@code tlsf:debug=FZPU}). */
    protected final String name;
    /** The engine's heap. */
    protected final Heap heap;
    /** U: sites recorded at every allocation and free. */
    protected final boolean sites;
    /** The leak level. */
    protected final LeakLevel leaks;
    /** Frames a site keeps: complete at {@code paranoid}, short otherwise. */
    protected final int siteDepth;

    private boolean closed;
    private @Nullable LeakReport finalReport;

    protected DebugLayer(Allocator engine, String name, boolean sites, LeakLevel leaks) {
        super(engine);
        this.name = name;
        this.heap = Inspection.of(engine).heap();
        this.sites = sites;
        this.leaks = leaks;
        this.siteDepth = leaks == LeakLevel.PARANOID ? Site.COMPLETE_DEPTH : Site.SHORT_DEPTH;
    }

    @Override
    public final String name() {
        return name;
    }

    /** Takes the layer's lock when its engine is concurrent (none by default). */
    protected void lock() {}

    /** Releases {@link #lock()}. */
    protected void unlock() {}

    // ---------------------------------------------------------------- leaks and close

    /** Adds every live block the layer knows to {@code tally} (caller holds the lock; leaks are tracked). */
    protected abstract void tallyLiveBlocks(LeakTally tally);

    private LeakReport report() {
        if (leaks == LeakLevel.DISABLED) {
            return LeakReport.disabled(name);
        }
        LeakTally tally = new LeakTally();
        tallyLiveBlocks(tally);
        return tally.report(name, leaks);
    }

    @Override
    public final LeakReport leakReport() {
        lock();
        try {
            if (closed) {
                LeakReport last = finalReport;
                return last != null ? last : LeakReport.disabled(name);
            }
            return report();
        } finally {
            unlock();
        }
    }

    /** Prints the leak report (when leaks are tracked and something is live), then closes the engine and its views. */
    @Override
    public final void close() {
        lock();
        try {
            if (closed) {
                return;
            }
            if (leaks != LeakLevel.DISABLED) {
                LeakReport r = report();
                finalReport = r;
                if (!r.isEmpty()) {
                    System.err.print(r.format());
                }
            }
            closed = true;
        } finally {
            unlock();
        }
        delegate.close();
    }

    /** Live blocks grouped by allocation site, for a {@link LeakReport}. */
    public static final class LeakTally {
        private record Key(List<String> frames) {}

        private final Map<Key, long[]> counts = new HashMap<>();
        private final Map<Key, List<List<String>>> recent = new HashMap<>();
        private long blocks;
        private long bytes;

        LeakTally() {}

        /** One live block of {@code usable} bytes allocated at {@code site} (null: not sampled), its recent accesses. */
        public void block(@Nullable Site site, @Nullable Collection<Site> accesses, long usable) {
            Key k = new Key(site == null ? List.of() : site.frames());
            long[] c = counts.computeIfAbsent(k, x -> new long[2]);
            c[0]++;
            c[1] += usable;
            blocks++;
            bytes += usable;
            if (accesses != null && !recent.containsKey(k)) {
                recent.put(k, accesses.stream().map(Site::frames).toList());
            }
        }

        LeakReport report(String name, LeakLevel level) {
            List<LeakReport.Group> groups = new ArrayList<>();
            counts.forEach((k, c) -> groups.add(new LeakReport.Group(k.frames(), c[0], c[1], recent.getOrDefault(k, List.of()))));
            groups.sort(Comparator.comparingLong(LeakReport.Group::bytes).reversed().thenComparing(g -> -g.blocks()));
            return new LeakReport(name, level, blocks, bytes, groups);
        }
    }

    /** Records an access at the caller's site in {@code accesses} (created when null), keeping the newest few; returns it. */
    protected static ArrayDeque<Site> recordAccess(@Nullable ArrayDeque<Site> accesses) {
        ArrayDeque<Site> a = accesses != null ? accesses : new ArrayDeque<>();
        a.addFirst(Site.capture(Site.SHORT_DEPTH));
        while (a.size() > LeakLevel.RECENT_ACCESSES) {
            a.removeLast();
        }
        return a;
    }

    // ---------------------------------------------------------------- argument checks

    /** realloc's and tryExpand's refusal of a negative size. */
    protected final void checkResizeSize(String op, long address, long size) {
        if (size < 0) {
            throw new InvalidSizeException(name + ": " + op + "(" + hex(address) + ", " + size + "): negative size");
        }
    }

    /** tryExpand's refusals before any lookup: NULL, a negative size. */
    protected final void checkTryExpand(long address, long size) {
        if (address == 0) {
            throw new InvalidPointerException(name + ": tryExpand(NULL): NULL is never a block", 0);
        }
        checkResizeSize("tryExpand", address, size);
    }

    // ---------------------------------------------------------------- reports

    /** {@code op} on a block freed before: names the allocation, the first free and this call's site. */
    protected final DoubleFreeException doubleFree(String op, long address, long usable, @Nullable Site allocSite,
                                                   @Nullable Site freeSite) {
        Site now = sites ? Site.capture(siteDepth) : null;
        return new DoubleFreeException(name + ": " + op + "(" + hex(address) + "): block already freed (" + usable + " bytes)"
                + allocatedAt(allocSite) + "\n  first freed at:\n" + siteText(freeSite)
                + "  " + (op.equals("free") ? "freed again" : op) + " at:\n" + siteText(now), address);
    }

    /** {@code op} on an address that is no block the layer knows. */
    protected final InvalidPointerException invalidPointer(String op, long address) {
        return SanityReports.invalidPointer(name, heap, op, address);
    }

    /** The allocation site as a report's lines, or the hint to record sites. */
    protected final String allocatedAt(@Nullable Site s) {
        return s == null ? (sites ? "" : SanityReports.NO_SITES) : "\n  allocated at:\n" + s.format("    ");
    }

    /** A site as a report's lines, or that it was not recorded. */
    protected static String siteText(@Nullable Site s) {
        return s == null ? SanityReports.NOT_RECORDED : s.format("    ");
    }

    /**
     * The message of a damaged red zone: block {@code user} of {@code usable} bytes inside the engine block
     * {@code [base, base + under)}, first damaged byte {@code bad}.
     */
    protected final String zoneMessage(String op, long base, long user, long usable, long under, long bad, @Nullable Site allocSite) {
        boolean below = bad < user;
        long zoneStart = below ? base : user + usable;
        long zoneEnd = below ? user : base + under;
        long shown = Math.min(16, zoneEnd - zoneStart);
        return name + ": " + op + "(" + hex(user) + "): red zone " + (below ? "before" : "after") + " block " + hex(user)
                + " (" + usable + " bytes) overwritten at payload offset " + (bad - user) + " (" + (below ? "underrun" : "overrun")
                + "): zone bytes found [" + bytes(zoneStart, shown) + (shown < zoneEnd - zoneStart ? " ..." : "") + "], expected cc"
                + allocatedAt(allocSite);
    }

    /** The message of changed poison: block {@code user} of {@code usable} bytes, first changed byte {@code bad}. */
    protected final String poisonMessage(long user, long usable, long bad, String when, @Nullable Site freeSite, @Nullable Site allocSite) {
        return name + ": write after free into block " + hex(user) + " (" + usable + " bytes): first changed byte at payload offset "
                + (bad - user) + " (" + hex(bad) + "): found " + String.format("0x%02x", heap.getByte(bad) & 0xFF) + ", expected 0x6b"
                + when + "\n  freed at:\n" + siteText(freeSite) + (allocSite == null ? "" : "  allocated at:\n" + allocSite.format("    "));
    }

    /** The first byte of {@code [from, from + length)} that is not {@code pattern}'s byte, or -1. */
    protected final long mismatch(long from, long length, MemorySegment pattern) {
        return LayeredWalk.mismatch(heap, from, length, pattern);
    }

    private String bytes(long from, long n) {
        byte[] b = new byte[(int) n];
        for (int i = 0; i < n; i++) {
            b[i] = heap.getByte(from + i);
        }
        return HexFormat.ofDelimiter(" ").formatHex(b);
    }

    /** {@code 0x…}. */
    protected static String hex(long address) {
        return "0x" + Long.toHexString(address);
    }
}
