package org.jalloc.core.debug;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongToIntFunction;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.Allocator;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.LeakLevel;
import org.jalloc.core.RedZoneException;
import org.jalloc.core.UseAfterFreeException;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.ExtentVisitor;
import org.jalloc.core.walk.HeapWalk;
import org.jalloc.core.walk.Inspection;
import org.jalloc.core.walk.InvariantSink;

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
 *   state[r]         0 = unused; LIVE = 1; REPORTED = 4 (a freed block's changed poison was reported once); other
 *                    bits the layer's own
 *   allocSite[r], freeSite[r], scope[r], accesses[r]   written only when sites, a leak level or a view ask
 *
 *   unused           stack of dropped record numbers, reused before records grows
 *   records          high water: records [0, records) have been used
 *
 *  recent frees (a ring of RECENT slots, the next at recentNext): recentUser[i], recentUsable[i], recentAlloc[i],
 *  recentFree[i] (the sites only when kept), so a double free names both free sites after the record is dropped
 * </pre>
 *
 * Leak sampling (a countdown to a random interval of mean {@link LeakLevel#SAMPLE_INTERVAL}) is here too, and what a
 * record's checks share: its views that die with the block, its recorded accesses, its red zones (Z: the bytes from
 * {@code base} to {@code user} and from {@code user + usable} to {@code base + underUsable} hold {@code 0xcc}) and the
 * poison of a freed block (P: {@code 0x6b} from {@code base + poisonSkip} to {@code base + underUsable}).
 *
 * <p>What the records mean to the walk, the checker and the leak report is here once too: a layer names its live
 * records, the freed ones it still holds poisoned, and the record of an engine block (its own index, or one built per
 * walk); a live record's block is walked with the caller's payload and usable size, a held one as METADATA; the checker
 * adds DEBUG-1 for each live record's zones and DEBUG-2 for each held record's poison not yet reported.
 *
 * <p>Invariant: {@code state[r] = 0} ⇔ r is on the unused stack or r ≥ records; a dropped record holds no site, scope or
 * access list (so a dropped record keeps no Java object alive).
 */
public abstract class RecordedLayer extends DebugLayer {
    /** {@code state[r]} of a live block; the other bits are the layer's own. */
    protected static final byte LIVE = 1;
    /** A freed record's changed poison was reported (once: the block then leaves with its damage). */
    protected static final byte REPORTED = 4;
    private static final MemorySegment RED_BYTES = LayeredWalk.RED_BYTES;
    private static final MemorySegment POISON_BYTES = LayeredWalk.POISON_BYTES;
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

    /** A debug letter: every block has a record (else only sampled blocks do: leaks alone). */
    protected final boolean tracks;
    /** Z: red zones around every payload. */
    protected final boolean zones;
    /** Leak levels advanced and paranoid: a sampled block records its recent accesses. */
    protected final boolean recordsAccesses;
    /** Bytes at the start of a freed engine block the engine writes itself (a pool's link): P's poison starts after. */
    private final long poisonSkip;
    /** Said in a changed-poison report after the block: when the layer looked. */
    private final String poisonWhen;

    private final boolean sampling;
    private final boolean sampleAll;
    private int countdown = 1 + ThreadLocalRandom.current().nextInt(2 * LeakLevel.SAMPLE_INTERVAL - 1);

    protected RecordedLayer(Allocator engine, String name, boolean sites, LeakLevel leaks, boolean tracks, boolean zones,
            long poisonSkip, String poisonWhen) {
        super(engine, name, sites, leaks);
        this.tracks = tracks;
        this.zones = zones;
        this.keepsSites = sites || leaks != LeakLevel.DISABLED;
        this.recordsAccesses = leaks == LeakLevel.ADVANCED || leaks == LeakLevel.PARANOID;
        this.poisonSkip = poisonSkip;
        this.poisonWhen = poisonWhen;
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

    // ---------------------------------------------------------------- views and accesses (under the layer's lock, if any)

    /** A view of record {@code r}'s first {@code length} bytes that dies when its block is freed. */
    protected final MemorySegment scopedView(int r, long length) {
        Arena s = scope[r];
        if (s == null) {
            s = heap.dependentArena();
            scope[r] = s;
        }
        return heap.slice(user[r], length, s);
    }

    /** Record {@code r}'s block is freed (or moved): its views die. */
    protected final void closeScope(int r) {
        Arena s = scope[r];
        scope[r] = null;
        BlockViews.closeQuietly(s);
    }

    /** Notes an access to sampled record {@code r} (leaks=advanced and paranoid). */
    protected final void touched(int r) {
        if (recordsAccesses && allocSite[r] != null) {
            accesses[r] = recordAccess(accessesOf(r));
        }
    }

    @SuppressWarnings("unchecked") // accesses holds only ArrayDeque<Site>
    protected final @Nullable ArrayDeque<Site> accessesOf(int r) {
        return (@Nullable ArrayDeque<Site>) accesses[r];
    }

    // ---------------------------------------------------------------- red zones and poison

    /** The first damaged red-zone byte of live record {@code r}, or -1. */
    protected final long damagedZone(int r) {
        long bad = mismatch(base[r], user[r] - base[r], RED_BYTES);
        if (bad >= 0) {
            return bad;
        }
        long rear = user[r] + usable[r];
        return mismatch(rear, base[r] + underUsable[r] - rear, RED_BYTES);
    }

    /** Throws the {@link RedZoneException} of live record {@code r} if a zone byte changed. */
    protected final void verifyZones(String op, int r) {
        long bad = damagedZone(r);
        if (bad >= 0) {
            throw new RedZoneException(zoneMessage(op, r, bad), user[r]);
        }
    }

    /** The report of live record {@code r}'s damaged zone byte at {@code bad}. */
    protected final String zoneMessage(String op, int r, long bad) {
        return zoneMessage(op, base[r], user[r], usable[r], underUsable[r], bad, allocSite[r]);
    }

    /** The first changed poison byte of freed record {@code q}, or -1. */
    protected final long damagedPoison(int q) {
        return mismatch(base[q] + poisonSkip, underUsable[q] - poisonSkip, POISON_BYTES);
    }

    /**
     * Throws the {@link UseAfterFreeException} of freed record {@code q} if a poison byte changed — once: a reported
     * block then leaves with its damage.
     */
    protected final void verifyPoison(int q) {
        if ((state[q] & REPORTED) != 0) {
            return;
        }
        long bad = damagedPoison(q);
        if (bad >= 0) {
            state[q] |= REPORTED;
            throw new UseAfterFreeException(poisonMessage(q, bad), user[q]);
        }
    }

    private String poisonMessage(int q, long bad) {
        return poisonMessage(user[q], usable[q], bad, poisonWhen, freeSite[q], allocSite[q]);
    }

    /** The checker's DEBUG-1 for live record {@code r}: its damaged zone byte, if any, as a violation. */
    @Enforces(DebugInvariants.DEBUG_1)
    protected final void checkZones(InvariantSink sink, int r) {
        long bad = damagedZone(r);
        if (bad >= 0) {
            sink.violation(DebugInvariants.DEBUG_1, bad, zoneMessage("check", r, bad), "cc", String.format("%02x", heap.getByte(bad) & 0xFF));
        }
    }

    /** The checker's DEBUG-2 for freed record {@code q}: its changed poison byte, if any, as a violation. */
    @Enforces(DebugInvariants.DEBUG_2)
    protected final void checkPoison(InvariantSink sink, int q) {
        long bad = damagedPoison(q);
        if (bad >= 0) {
            sink.violation(DebugInvariants.DEBUG_2, bad, poisonMessage(q, bad), "6b", String.format("%02x", heap.getByte(bad) & 0xFF));
        }
    }

    // ---------------------------------------------------------------- what the layer's own index says

    /** The live records, in the order reports and checks list them (not on the fast paths). */
    protected abstract int[] liveRecords();

    /** The freed records the layer still holds poisoned (a quarantine, a discipline's pending blocks), in check order. */
    protected abstract int[] heldRecords();

    /**
     * For one walk of the engine's heap: the record (live or held) whose engine block's payload is the argument, or a
     * negative number; built per walk where the layer keeps no such index (the walk is O(heap) anyway).
     */
    protected abstract LongToIntFunction recordsByBase();

    /** Leaks alone (no record per block): counts the engine's live block at {@code payload}, with its site if sampled. */
    protected abstract void tallyUntracked(LeakTally tally, long payload, long usableBytes);

    // ---------------------------------------------------------------- leaks and the inspection face

    @Override
    protected void tallyLiveBlocks(LeakTally tally) {
        if (tracks) {
            for (int r : liveRecords()) {
                tally.block(allocSite[r], accessesOf(r), usable[r]);
            }
            return;
        }
        Inspection.of(delegate).heapWalk().walkExtents((kind, start, size, payload, usableBytes) -> {
            if (kind == ExtentKind.ALLOCATED) {
                tallyUntracked(tally, payload, usableBytes);
            }
            return true;
        });
    }

    @Override
    public HeapWalk heapWalk() {
        HeapWalk under = Inspection.of(delegate).heapWalk();
        return tracks ? new RecordWalk(under) : under;
    }

    /**
     * The engine's walk as the caller sees the heap: a live block's ALLOCATED extent carries the caller's payload and
     * usable size; a held block is METADATA (the layer holds it); the layer's invariants (DEBUG-1, DEBUG-2) join the
     * engine's.
     */
    private final class RecordWalk extends LayeredWalk {
        RecordWalk(HeapWalk under) {
            super(under);
        }

        @Override
        public void walkExtents(ExtentVisitor visitor) {
            LongToIntFunction byBase = recordsByBase();
            under.walkExtents((kind, start, size, payload, usableBytes) -> {
                if (kind == ExtentKind.ALLOCATED) {
                    int r = byBase.applyAsInt(payload);
                    if (r >= 0) {
                        return (state[r] & LIVE) != 0 ? visitor.extent(kind, start, size, user[r], usable[r])
                                : visitor.extent(ExtentKind.METADATA, start, size, 0, 0);
                    }
                }
                return visitor.extent(kind, start, size, payload, usableBytes);
            });
        }

        @Override
        protected void checkLayer(InvariantSink sink) {
            if (zones) {
                for (int r : liveRecords()) {
                    checkZones(sink, r);
                }
            }
            for (int q : heldRecords()) {
                if ((state[q] & REPORTED) == 0) {
                    checkPoison(sink, q);
                }
            }
        }
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
