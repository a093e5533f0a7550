package org.jalloc.core.debug;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.Allocator;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.LeakLevel;

/**
 * A debug layer that keeps one record per tracked block: {@link DebugAllocator} (every allocator's Z, P, U and leak
 * levels) and stack's {@code DisciplineDebug}. The records are written once here; each layer keeps its own index from
 * address to record and its own meaning of the state bits.
 *
 * <pre>
 *  record r (struct of arrays, indexed by r, grown by doubling; no Java object per block):
 *
 *   base[r]          the engine's block (payload address the engine handed out)
 *   user[r]          the caller's payload (base + the layer's front red zone, if any)
 *   usable[r]        the caller's usable bytes
 *   underUsable[r]   the engine's usable size of base[r], as read at malloc
 *   state[r]         0 = unused; LIVE = 1, other bits the layer's own
 *   allocSite[r], freeSite[r], scope[r], accesses[r]   written only when sites, a leak level or a view ask
 *
 *   unused           stack of dropped record numbers, reused before records grows
 *   records          high water: records [0, records) have been used
 *
 *  recent frees (a ring of RECENT slots, the next at recentNext): recentUser[i], recentUsable[i], recentAlloc[i],
 *  recentFree[i] (the sites only when kept), so a double free names both free sites after the record is dropped
 * </pre>
 *
 * Leak sampling (a countdown to a random interval of mean {@link LeakLevel#SAMPLE_INTERVAL}) is here too.
 *
 * <p>Invariant: {@code state[r] = 0} ⇔ r is on the unused stack or r ≥ records; a dropped record holds no site, scope or
 * access list (so a dropped record keeps no Java object alive).
 */
public abstract class RecordedLayer extends DebugLayer {
    /** {@code state[r]} of a live block; the other bits are the layer's own. */
    protected static final byte LIVE = 1;
    /** Slots in the ring of recent frees (a power of two). */
    protected static final int RECENT = DebugAllocator.RECENT_FREES;

    protected long[] base = new long[64];
    protected long[] user = new long[64];
    protected long[] usable = new long[64];
    protected long[] underUsable = new long[64];
    protected byte[] state = new byte[64];
    protected @Nullable Site[] allocSite = new Site[64];
    protected @Nullable Site[] freeSite = new Site[64];
    protected @Nullable Arena[] scope = new Arena[64];
    /** Each an {@code ArrayDeque<Site>} of recent accesses (leaks=advanced and paranoid). */
    protected @Nullable Object[] accesses = new Object[64];
    /** High water: records [0, records) have been used. */
    protected int records;
    /** Sites may be recorded (U or a leak level): the site and access arrays are written only then. */
    protected final boolean keepsSites;

    private int[] unused = new int[64];
    private int unusedTop;

    protected final long[] recentUser = new long[RECENT];
    protected final long[] recentUsable = new long[RECENT];
    protected final @Nullable Site[] recentAlloc = new Site[RECENT];
    protected final @Nullable Site[] recentFree = new Site[RECENT];
    /** The slot the next free goes to. */
    protected int recentNext;

    private final boolean sampling;
    private final boolean sampleAll;
    private int countdown = 1 + ThreadLocalRandom.current().nextInt(2 * LeakLevel.SAMPLE_INTERVAL - 1);

    protected RecordedLayer(Allocator engine, String name, boolean sites, LeakLevel leaks) {
        super(engine, name, sites, leaks);
        this.keepsSites = sites || leaks != LeakLevel.DISABLED;
        this.sampling = leaks == LeakLevel.SIMPLE || leaks == LeakLevel.ADVANCED;
        this.sampleAll = leaks == LeakLevel.PARANOID;
    }

    /** Whether this allocation carries its site: every one at paranoid, about 1 in 128 at simple and advanced. */
    protected final boolean sampleNow() {
        if (sampleAll) {
            return true;
        }
        // A countdown to a random interval of mean SAMPLE_INTERVAL: no aliasing with periodic workloads, and an
        // unsampled allocation costs a decrement. Threads race on it harmlessly (only the rate varies).
        if (!sampling || --countdown > 0) {
            return false;
        }
        countdown = 1 + ThreadLocalRandom.current().nextInt(2 * LeakLevel.SAMPLE_INTERVAL - 1);
        return true;
    }

    /** A fresh LIVE record (under the layer's lock, if it has one). */
    protected final int newRecord(long b, long u, long usableBytes, long underBytes) {
        int r;
        if (unusedTop > 0) {
            r = unused[--unusedTop];
        } else {
            if (records == base.length) {
                growRecords();
            }
            r = records++;
        }
        base[r] = b;
        user[r] = u;
        usable[r] = usableBytes;
        underUsable[r] = underBytes;
        state[r] = LIVE;
        return r;
    }

    /** Returns record {@code r} to the unused stack, dropping its references (under the layer's lock, if any). */
    protected final void dropRecord(int r) {
        state[r] = 0;
        if (keepsSites) {
            allocSite[r] = null;
            freeSite[r] = null;
            accesses[r] = null;
        }
        if (scope[r] != null) {
            scope[r] = null;
        }
        unused[unusedTop++] = r;
    }

    /** Notes the free of record {@code r} (freed at {@code site}) in the ring of recent frees; returns its slot. */
    protected final int rememberFree(int r, @Nullable Site site) {
        int i = recentNext;
        recentUser[i] = user[r];
        recentUsable[i] = usable[r];
        if (keepsSites) {
            recentAlloc[i] = allocSite[r];
            recentFree[i] = site;
        }
        recentNext = (i + 1) & (RECENT - 1);
        return i;
    }

    /** The slot of {@code address}'s latest free among the ring's, or -1. */
    protected final int latestFree(long address) {
        for (int k = 1; k <= RECENT; k++) {
            int i = (recentNext - k) & (RECENT - 1);
            if (recentUser[i] == address) {
                return i;
            }
        }
        return -1;
    }

    /** The double free of {@code address}, whose latest free is in slot {@code i} of the ring. */
    protected final DoubleFreeException recentDoubleFree(String op, long address, int i) {
        return doubleFree(op, address, recentUsable[i], recentAlloc[i], recentFree[i]);
    }

    private void growRecords() {
        int n = base.length * 2;
        base = Arrays.copyOf(base, n);
        user = Arrays.copyOf(user, n);
        usable = Arrays.copyOf(usable, n);
        underUsable = Arrays.copyOf(underUsable, n);
        state = Arrays.copyOf(state, n);
        allocSite = Arrays.copyOf(allocSite, n);
        freeSite = Arrays.copyOf(freeSite, n);
        scope = Arrays.copyOf(scope, n);
        accesses = Arrays.copyOf(accesses, n);
        unused = Arrays.copyOf(unused, n);
    }
}
