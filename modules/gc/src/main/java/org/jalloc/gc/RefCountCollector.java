package org.jalloc.gc;

import java.util.Arrays;
import java.util.BitSet;

import org.checkerframework.checker.initialization.qual.UnknownInitialization;
import org.jalloc.core.spi.LiveBlocks;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.InvariantSink;

/**
 * {@code refcount}: reference counting over any general-purpose jalloc allocator, with Bacon and Rajan's synchronous
 * cycle collector (trial deletion, 2001) for the cycles counting cannot free, or without it ({@code cycles=off}).
 *
 * <h2>Nouns</h2>
 * <dl>
 *   <dt>count</dt><dd>how many reference fields (of objects in the space) and root slots (frame slots, global
 *       handles) hold the object; in the header's collector word. The mutator's own references (what the API
 *       returns) are <i>borrowed</i>: not counted</dd>
 *   <dt>zero-count table (ZCT)</dt><dd>objects with count 0 that the mutator may still be holding: the object
 *       allocated last (nothing stores it yet), and an object whose count dropped to 0 while a store into it was
 *       running. It is reconciled at every allocation and collection, when the borrowed references die (the reference
 *       rule): an entry still at 0 is released; an entry above 0 is a candidate (the mutator's reference went away,
 *       as a decrement to non-zero). An entry that was counted and drops back to 0 leaves the table and is released
 *       at once, like any object</dd>
 *   <dt>release</dt><dd>what happens to an object whose count reaches 0 outside the ZCT: every field's target is
 *       decremented, and the object is freed at once through the allocator (a candidate leaves the buffer first: its
 *       collector word holds its buffer index, so removal is a swap with the last entry). The cascade is iterative (a
 *       work stack outside the heap): freeing a ten-million-object list costs no Java frames</dd>
 *   <dt>zombie</dt><dd>only past {@code 2^27 - 1} buffered candidates, where the index no longer fits: a candidate
 *       released then stays buffered, fields cleared, count 0, black, until the next cycle collection frees it
 *       (Bacon–Rajan keep every released candidate so)</dd>
 *   <dt>candidate buffer</dt><dd>possible roots of garbage cycles: objects whose count was decremented to a non-zero
 *       value (Bacon–Rajan's {@code Roots}), colored purple; objects without reference fields are never candidates (they
 *       cannot be on a cycle: Bacon–Rajan's green objects)</dd>
 *   <dt>side table</dt><dd>counts that do not fit the header's count field: the O bit says the count is in a table
 *       outside the heap, keyed by address. Counts stay exact (no sticky counts that only a backup trace could
 *       undo); the price is a hash lookup on the rare overflowed object</dd>
 * </dl>
 *
 * <h2>The collector word</h2>
 * <pre>
 *  word 1 of an object (word 0 is the status word of {@link ObjectModel}; M is unused here)
 *  +------------------------------+--------------------------+---+---+---+-------+
 *  | count:32 (countbits of them) | buffer index:27          | O | Z | B | color |
 *  +------------------------------+--------------------------+---+---+---+-------+
 *   63                         32  31                      5   4   3   2  1    0
 *
 *  color  0 black (in use), 1 gray, 2 white (both only inside a cycle collection), 3 purple (a candidate)
 *  B      buffered: in the candidate buffer (purple, or black with count 0: a zombie)
 *  index  while B: the position in the buffer, or 2^27 - 1 when it does not fit (then no O(1) removal: zombies);
 *         0 otherwise
 *  Z      in the zero-count table
 *  O      the count is in the side table (the count field is 0)
 *  count  width countbits (option, default 32, at most 32): the inline maximum is 2^countbits - 1; one more
 *         reference moves the count to the side table, and it moves back when it falls to the maximum
 * </pre>
 *
 * <h2>Invariants (spec/invariants.md)</h2>
 * <pre>
 *   GC-30  count(o) = |{ fields f of objects in the space : f = o }| + |{ root slots r : r = o }|
 *   GC-31  count(o) = 0  ⇒  o ∈ ZCT ∨ o is a zombie;   Z(o) ⇔ o ∈ ZCT;   B(o) ⇔ o = buffer[index(o)] (or index(o)
 *          = 2^27 - 1 and o ∈ buffer);   purple(o) ⇒ B(o);   B(o) ∧ ¬purple(o) ⇒ a zombie (count 0, fields 0,
 *          index 2^27 - 1);   O(o) ⇔ o in the side table above the inline maximum
 *   GC-32  after a cycle collection no garbage is reachable from the candidates it began with
 *   GC-33  trial deletion, between collections: every unreachable object is reachable from the buffer or the ZCT
 *   GC-34  cycles=off, after a collection: the unreachable objects are exactly those on or held by unreachable
 *          cycles, and stats() reports their bytes
 * </pre>
 * GC-31 and GC-33 together say that a cycle collection will find every piece of garbage (GC-32, and GC-4 after
 * it); GC-30 and GC-31 say that acyclic garbage never waits for one.
 *
 * <h2>The barrier (every reference store)</h2>
 * <ol>
 *   <li>Field {@code obj.f: old → new}, {@code old ≠ new}: increment {@code new}; write {@code new} into the field (so a
 *       cascade never sees the old edge); decrement {@code old}. If the cascade brings {@code obj} itself to 0, it goes
 *       to the ZCT instead of being released (the mutator is storing into it).</li>
 *   <li>Root slot {@code old → new}: increment {@code new}, decrement {@code old}.</li>
 *   <li>Decrement: to 0 → release (iteratively, as above); to non-zero → possible root: color purple, and append to
 *       the buffer (recording the index) unless buffered.</li>
 * </ol>
 * Increments do not recolor a purple candidate (Bacon–Rajan color it black): a mutator's borrowed reference can
 * store a garbage object elsewhere without any counted reference to it ever going away, so a candidate stays one
 * until a cycle collection has looked at it.
 *
 * <h2>Cycle collection (Bacon–Rajan synchronous, every step with an explicit stack)</h2>
 * Runs on {@code collect()}, on exhaustion, by the GOGC trigger, and when the buffer holds more than
 * {@code max(buffer, objects that survived the last collection)} candidates (at the next allocation: a store never
 * collects, so borrowed references stay valid until the next allocation, as the reference rule says). The threshold
 * grows with the heap because a collection traces everything the candidates reach, up to the whole live heap.
 * <ol>
 *   <li>Reconcile the ZCT.</li>
 *   <li>MarkRoots: for each candidate: purple with count &gt; 0 → MarkGray; otherwise drop it from the buffer (a zombie:
 *       free it). Indexes mean nothing until the buffer is empty again at the end.</li>
 *   <li>MarkGray(s): color s gray; decrement every field target (trial deletion) and MarkGray it.</li>
 *   <li>Scan(s): if gray: count &gt; 0 → ScanBlack(s) (externally reachable: restore the counts of everything it
 *       reaches); count 0 → color white and Scan its targets.</li>
 *   <li>CollectWhite(s), for each candidate (unbuffered first): a white, unbuffered object turns black and its targets
 *       are collected; it is freed once every candidate is done (its targets' counts already exclude it; freeing at
 *       once would let a later traversal read a header the allocator has reused for its free lists).</li>
 * </ol>
 * {@code cycles=off}: no buffer; a collection reconciles the ZCT and traces from the roots (mark bits set and
 * cleared) only to report what the cycles hold: {@code stats().unreachableBytes()}.
 *
 * <h2>Checked mode</h2>
 * References carry the object's birth serial instead of the collection epoch ({@code serial << 44 | address}):
 * objects die at stores here, not only at collections, so a reference to a freed (or freed and reused) object is
 * stale; a reference to a live object stays valid across collections of other objects.
 */
final class RefCountCollector extends Collector {
    /** Bugs planted on purpose, for tests that prove the checker, the oracle and the fuzzer catch them. */
    enum Fault { NONE, SKIP_SCAN, SKIP_COLLECT_WHITE }

    static final long COLOR = 3;
    static final long BLACK = 0;
    static final long GRAY = 1;
    static final long WHITE = 2;
    static final long PURPLE = 3;
    static final long BUFFERED = 1L << 2;
    static final long IN_ZCT = 1L << 3;
    static final long OVERFLOW = 1L << 4;
    static final long FLAGS = 0x1F;
    /** The low word: flags and buffer index, everything but the count. */
    static final long LOW = 0xFFFF_FFFFL;
    static final int INDEX_SHIFT = 5;
    static final long INDEX_LIMIT = (1L << 27) - 1;
    static final long INDEX_MASK = INDEX_LIMIT << INDEX_SHIFT;
    static final int COUNT_SHIFT = 32;
    static final long ONE = 1L << COUNT_SHIFT;

    private final AllocatorSpace space;
    private final boolean trialDeletion;
    private final long bufferFloor;
    private final long inlineMax;
    /** Overflowed counts: address → count ({@code requested} holds the count). */
    private final LiveBlocks sideTable = new LiveBlocks();
    long[] buffer = new long[256];
    int buffered;
    long[] zct = new long[8];
    int zctSize;
    /** The object whose field the barrier is storing into (0 outside a field store). */
    private long storingInto;
    private final LongStack work = new LongStack();
    private final LongStack scanStack = new LongStack();
    private final LongStack blackStack = new LongStack();
    /** White objects found by CollectWhite, freed once every traversal is done. */
    private final LongStack dead = new LongStack();
    /** Checked mode: the candidates the last cycle collection began with (GC-32). */
    private long[] lastCandidates = new long[0];
    private long serial;
    private long[] freePauses = new long[16];
    private int freePauseCount;
    /** Objects and bytes freed by counting (releases) and by the cycle collector. */
    long objectsFreedByCount;
    long objectsFreedByCycles;
    long bytesFreedByCycles;
    long cycleCollections;
    /** Test-only switch (package-private): a planted bug. */
    Fault fault = Fault.NONE;
    /** The index value meaning "does not fit"; package-private so a test can reach the zombie path with a few objects. */
    long indexLimit = INDEX_LIMIT;

    RefCountCollector(String name, AllocatorSpace space, long gogc, boolean trialDeletion, long bufferFloor, int countBits,
                      boolean checked) {
        super(name, space, gogc, checked);
        if (countBits < 1 || countBits > 32) {
            throw new IllegalArgumentException("refcount: countbits=" + countBits + " is outside 1..32");
        }
        this.space = space;
        this.trialDeletion = trialDeletion;
        this.bufferFloor = Math.max(1, bufferFloor);
        this.inlineMax = (1L << countBits) - 1;
    }

    @Override
    public boolean moving() {
        return false;
    }

    String allocatorName() {
        return space.allocator.name();
    }

    /** Whether the cycle collector runs ({@code cycles=trial-deletion}). */
    boolean collectsCycles() {
        return trialDeletion;
    }

    @Override
    boolean reclaimsAllGarbage() {
        return trialDeletion;
    }

    @Override
    WriteBarrier newBarrier(@UnknownInitialization Mutator m) {
        return new CountingBarrier();
    }

    /** The counting barrier of one mutator (the counts are collector-global; single owner). */
    private final class CountingBarrier implements WriteBarrier {
        @Override
        public void beforeStore(long object, long slot, long oldValue, long newValue) {
            if (oldValue == newValue) {
                return;
            }
            if (newValue != 0) {
                increment(newValue);
            }
            if (oldValue != 0) {
                heap.putLong(slot, newValue);
                storingInto = object;
                try {
                    if (decrement(oldValue)) {
                        release(oldValue);
                    }
                } finally {
                    storingInto = 0;
                }
            }
        }

        @Override
        public void beforeRootStore(long oldValue, long newValue) {
            if (oldValue == newValue) {
                return;
            }
            if (newValue != 0) {
                increment(newValue);
            }
            if (oldValue != 0 && decrement(oldValue)) {
                release(oldValue);
            }
        }
    }

    // ------------------------------------------------------------ counts

    /** The count of {@code o}, wherever it is kept. */
    long count(long o) {
        long w = model.collectorWord(o);
        return (w & OVERFLOW) != 0 ? sideTable.requested(o) : w >>> COUNT_SHIFT;
    }

    private void increment(long o) {
        long w = model.collectorWord(o);
        if ((w & OVERFLOW) == 0 && (w >>> COUNT_SHIFT) < inlineMax) {
            model.setCollectorWord(o, w + ONE);
        } else if ((w & OVERFLOW) != 0) {
            sideTable.put(o, sideTable.requested(o) + 1, 0);
        } else {
            sideTable.put(o, inlineMax + 1, 0);
            model.setCollectorWord(o, (w & LOW) | OVERFLOW);
        }
    }

    /** Lowers the count by one; the new count (side table aware). */
    private long lower(long o, long w) {
        long n;
        if ((w & OVERFLOW) == 0) {
            n = w >>> COUNT_SHIFT;
            if (n == 0) {
                throw new IllegalStateException("refcount: the count of " + model.describe(o)
                        + " would go below 0 (GC-30: a count lower than the references that hold the object)");
            }
            model.setCollectorWord(o, w - ONE);
            return n - 1;
        }
        n = sideTable.requested(o) - 1;
        if (n <= inlineMax) {
            sideTable.remove(o);
            model.setCollectorWord(o, (w & LOW & ~OVERFLOW) | (n << COUNT_SHIFT));
        } else {
            sideTable.put(o, n, 0);
        }
        return n;
    }

    private void raise(long o) {
        increment(o);
    }

    /**
     * A counted reference to {@code o} went away. Returns true when the count reached 0 and {@code o} must be
     * released now (leaving the ZCT if it was there); the object being stored into waits in the ZCT instead; a
     * non-zero count makes {@code o} a candidate.
     */
    private boolean decrement(long o) {
        long n = lower(o, model.collectorWord(o));
        long w = model.collectorWord(o);
        if (n == 0) {
            if (o == storingInto) {
                if ((w & IN_ZCT) == 0) {
                    enterZct(o, w);
                }
                return false;
            }
            if ((w & IN_ZCT) != 0) {
                leaveZct(o, w);
            }
            return true;
        }
        possibleRoot(o, w);
        return false;
    }

    private void possibleRoot(long o, long w) {
        if (!trialDeletion || (w & COLOR) == PURPLE || model.refCount(o) == 0) {
            return; // no cycle collector; already a candidate; or acyclic (no reference fields)
        }
        long nw = (w & ~COLOR) | PURPLE;
        if ((w & BUFFERED) == 0) {
            nw = (nw & ~INDEX_MASK) | BUFFERED | (Math.min(buffered, indexLimit) << INDEX_SHIFT);
            if (buffered == buffer.length) {
                buffer = Arrays.copyOf(buffer, buffered * 2);
            }
            buffer[buffered++] = o;
        }
        model.setCollectorWord(o, nw);
    }

    /** Takes buffered {@code o} out of the buffer by its index (the last entry moves into its place); false if unknown. */
    private boolean unbuffer(long o, long w) {
        long i = (w & INDEX_MASK) >>> INDEX_SHIFT;
        if (i >= indexLimit) {
            return false;
        }
        long last = buffer[--buffered];
        if (last != o) {
            buffer[(int) i] = last;
            long lw = model.collectorWord(last);
            model.setCollectorWord(last, (lw & ~INDEX_MASK) | (i << INDEX_SHIFT));
        }
        model.setCollectorWord(o, w & ~(BUFFERED | INDEX_MASK | COLOR));
        return true;
    }

    private void enterZct(long o, long w) {
        if (zctSize == zct.length) {
            zct = Arrays.copyOf(zct, zctSize * 2);
        }
        zct[zctSize++] = o;
        model.setCollectorWord(o, w | IN_ZCT);
    }

    /** Takes {@code o} out of the ZCT (a few entries: the last allocation, and objects stored into as they died). */
    private void leaveZct(long o, long w) {
        for (int i = zctSize - 1; i >= 0; i--) {
            if (zct[i] == o) {
                zct[i] = zct[--zctSize];
                break;
            }
        }
        model.setCollectorWord(o, w & ~IN_ZCT);
    }

    /** Releases {@code root} (count 0) and every object its release brings to 0: an explicit work stack, no recursion. */
    private void release(long root) {
        boolean timed = model.refCount(root) > 0;
        long t0 = timed ? System.nanoTime() : 0;
        work.push(root);
        while (!work.isEmpty()) {
            long x = work.pop();
            int n = model.refCount(x);
            for (int i = 0; i < n; i++) {
                long t = model.ref(x, i);
                if (t != 0 && decrement(t)) {
                    work.push(t);
                }
            }
            long w = model.collectorWord(x);
            if ((w & BUFFERED) != 0 && !unbuffer(x, w)) {
                for (int i = 0; i < n; i++) {
                    model.setRef(x, i, 0); // a zombie: its targets no longer count it
                }
                model.setCollectorWord(x, w & ~COLOR); // black, count 0, buffered: freed by the next cycle collection
            } else {
                free(x);
                objectsFreedByCount++;
            }
        }
        if (timed) {
            long d = System.nanoTime() - t0;
            if (d >= GcStats.FREE_PAUSE_THRESHOLD_NANOS) {
                if (freePauseCount == freePauses.length) {
                    freePauses = Arrays.copyOf(freePauses, freePauseCount * 2);
                }
                freePauses[freePauseCount++] = d;
            }
        }
        if (work.size() == 0) {
            work.clear(); // drops a huge stack left by one long cascade
        }
    }

    private void free(long o) {
        long size = model.size(o);
        if ((model.collectorWord(o) & OVERFLOW) != 0) {
            sideTable.remove(o);
        }
        reclaim(space, o, size);
    }

    @Override
    long[] freePauses() {
        return Arrays.copyOf(freePauses, freePauseCount);
    }

    // ------------------------------------------------------------ allocation

    @Override
    long allocateStored(long size, int type, int length) {
        reconcileZct();
        long a = space.allocate(size);
        if (a == 0) {
            return 0;
        }
        model.initialize(a, size, type, length, false, 0);
        enterZct(a, 0);
        if (checked) {
            serial = serial % EPOCH_MASK + 1;
            objectIndex.put(a, size, serial);
        }
        return a;
    }

    /** The borrowed references to ZCT members are dead now: release those still at 0, make the others candidates. */
    private void reconcileZct() {
        while (zctSize > 0) {
            long o = zct[--zctSize];
            long w = model.collectorWord(o) & ~IN_ZCT;
            model.setCollectorWord(o, w);
            if ((w & OVERFLOW) == 0 && (w >>> COUNT_SHIFT) == 0) {
                release(o);
            } else {
                possibleRoot(o, w);
            }
        }
        if (zct.length > 1024) {
            zct = new long[8];
        }
    }

    @Override
    boolean collectionDue(long size) {
        return super.collectionDue(size) || (trialDeletion && buffered >= Math.max(bufferFloor, liveObjects));
    }

    // ------------------------------------------------------------ collection

    @Override
    void collectNow() {
        reconcileZct();
        if (trialDeletion) {
            collectCycles();
            liveBytes = usedBytes;
            liveObjects = objectsAllocated - objectsReclaimed;
            unreachableBytes = 0;
            unreachableObjects = 0;
        } else {
            LongStack stack = new LongStack();
            markFromRoots(stack, true);
            markFromRoots(stack, false); // the same trace again clears the marks: the M bit is unused between collections
            unreachableBytes = usedBytes - liveBytes;
            unreachableObjects = (objectsAllocated - objectsReclaimed) - liveObjects;
        }
    }

    /** Bacon–Rajan's CollectCycles: MarkRoots, ScanRoots, CollectRoots. */
    private void collectCycles() {
        cycleCollections++;
        if (checked) {
            lastCandidates = Arrays.copyOf(buffer, buffered);
        }
        int k = 0;
        for (int i = 0; i < buffered; i++) {
            long s = buffer[i];
            long w = model.collectorWord(s);
            if ((w & COLOR) == PURPLE && count(s) > 0) {
                buffer[k++] = s;
                markGray(s);
            } else {
                model.setCollectorWord(s, w & ~(BUFFERED | INDEX_MASK));
                if ((w & COLOR) == BLACK && count(s) == 0) {
                    free(s); // a zombie
                    objectsFreedByCount++;
                }
            }
        }
        buffered = k;
        boolean consultCounts = fault != Fault.SKIP_SCAN; // the planted bug takes every gray object for garbage
        for (int i = 0; i < k; i++) {
            scan(buffer[i], consultCounts);
        }
        for (int i = 0; i < k; i++) {
            long s = buffer[i];
            model.setCollectorWord(s, model.collectorWord(s) & ~(BUFFERED | INDEX_MASK));
            if (fault != Fault.SKIP_COLLECT_WHITE) {
                collectWhite(s);
            } else {
                blacken(s);
            }
        }
        buffered = 0;
        while (!dead.isEmpty()) {
            long o = dead.pop();
            bytesFreedByCycles += model.size(o);
            objectsFreedByCycles++;
            free(o);
        }
        dead.clear();
        if (buffer.length > 1 << 16) {
            buffer = new long[256];
        }
        scanStack.clear();
        blackStack.clear();
        work.clear();
    }

    private long color(long o) {
        return model.collectorWord(o) & COLOR;
    }

    private void setColor(long o, long color) {
        model.setCollectorWord(o, (model.collectorWord(o) & ~COLOR) | color);
    }

    /** MarkGray: the trial deletion of every reference inside the subgraph the candidate reaches. */
    private void markGray(long s) {
        LongStack st = scanStack;
        st.push(s);
        while (!st.isEmpty()) {
            long o = st.pop();
            if (color(o) == GRAY) {
                continue;
            }
            setColor(o, GRAY);
            int n = model.refCount(o);
            for (int i = 0; i < n; i++) {
                long t = model.ref(o, i);
                if (t != 0) {
                    lower(t, model.collectorWord(t));
                    if (color(t) != GRAY) {
                        st.push(t);
                    }
                }
            }
        }
    }

    /**
     * Scan: gray objects still counted from outside the gray subgraph are live (ScanBlack); the rest turn white.
     * {@code consultCounts == false} is the planted SKIP_SCAN bug: every gray object turns white without asking whether
     * anything outside holds it.
     */
    private void scan(long s, boolean consultCounts) {
        LongStack st = scanStack;
        st.push(s);
        while (!st.isEmpty()) {
            long o = st.pop();
            if (color(o) != GRAY) {
                continue;
            }
            if (consultCounts && count(o) > 0) {
                scanBlack(o);
                continue;
            }
            setColor(o, WHITE);
            pushRefs(st, o);
        }
    }

    /** Push every non-null reference field of {@code o} onto {@code st}. */
    private void pushRefs(LongStack st, long o) {
        int n = model.refCount(o);
        for (int i = 0; i < n; i++) {
            long t = model.ref(o, i);
            if (t != 0) {
                st.push(t);
            }
        }
    }

    /** ScanBlack: blacken everything {@code s} reaches that is not black, restoring the counts trial deletion took. */
    private void scanBlack(long s) {
        LongStack st = blackStack;
        setColor(s, BLACK);
        st.push(s);
        while (!st.isEmpty()) {
            long o = st.pop();
            int n = model.refCount(o);
            for (int i = 0; i < n; i++) {
                long t = model.ref(o, i);
                if (t != 0) {
                    raise(t);
                    if (color(t) != BLACK) {
                        setColor(t, BLACK);
                        st.push(t);
                    }
                }
            }
        }
    }

    /** CollectWhite: free the white, unbuffered objects {@code s} reaches (their targets' counts already exclude them). */
    private void collectWhite(long s) {
        LongStack st = scanStack;
        st.push(s);
        while (!st.isEmpty()) {
            long o = st.pop();
            long w = model.collectorWord(o);
            if ((w & COLOR) != WHITE || (w & BUFFERED) != 0) {
                continue;
            }
            model.setCollectorWord(o, w & ~COLOR);
            pushRefs(st, o);
            dead.push(o); // freed after every candidate's CollectWhite: a freed block's header is the allocator's
        }
    }

    /** The planted SKIP_COLLECT_WHITE bug: white objects are kept (turned black) instead of freed. */
    private void blacken(long s) {
        LongStack st = scanStack;
        st.push(s);
        while (!st.isEmpty()) {
            long o = st.pop();
            if (color(o) != WHITE) {
                continue;
            }
            setColor(o, BLACK);
            int n = model.refCount(o);
            for (int i = 0; i < n; i++) {
                long t = model.ref(o, i);
                if (t != 0) {
                    raise(t); // restore the trial-deleted counts, so only GC-32 (garbage kept) is broken
                    st.push(t);
                }
            }
        }
    }

    // ------------------------------------------------------------ checked-mode references

    @Override
    long storedFromMutator(long ref) {
        if (ref == 0 || !checked) {
            return super.storedFromMutator(ref);
        }
        long tag = ref >>> EPOCH_SHIFT;
        long a = ref & ADDRESS_MASK;
        if (tag == 0) {
            throw new InvalidReferenceException("0x" + Long.toHexString(ref)
                    + " carries no serial tag: checked mode only accepts references this heap handed out");
        }
        if (!objectIndex.contains(a) || objectIndex.tag(a) != tag) {
            throw new StaleReferenceException("reference to 0x" + Long.toHexString(a) + " (serial " + tag + ") names an object"
                    + " reference counting has freed" + (objectIndex.contains(a) ? " (the address now holds a newer object)" : "")
                    + ": its last counted reference went away, or nothing stored it before the next allocation or collection");
        }
        long w = model.collectorWord(a);
        if ((w & BUFFERED) != 0 && (w & COLOR) == BLACK) {
            throw new StaleReferenceException("reference to 0x" + Long.toHexString(a) + " names an object whose last counted"
                    + " reference went away (released; it waits in the cycle buffer to be freed)");
        }
        return a;
    }

    @Override
    long mutatorFromStored(long stored) {
        if (!checked || stored == 0) {
            return stored;
        }
        long tag = objectIndex.tag(stored);
        return tag > 0 ? stored | tag << EPOCH_SHIFT : stored; // no object there (a corrupt heap): untagged, so misuse checks reject it
    }

    // ------------------------------------------------------------ invariants

    @Override
    boolean collectorWordClean(long object) {
        long w = model.collectorWord(object);
        long color = w & COLOR;
        return (color == BLACK || color == PURPLE) && ((w & OVERFLOW) == 0 || (w >>> COUNT_SHIFT) == 0);
    }

    @Override
    long externalBytes() {
        return super.externalBytes() + buffer.length * 8L + zct.length * 8L + (long) sideTable.size() * 24;
    }

    /** Candidates buffered now. */
    int candidates() {
        return buffered;
    }

    /** Objects in the ZCT now. */
    int zeroCountTable() {
        return zctSize;
    }

    /** Counts kept in the side table now. */
    int overflowedCounts() {
        return sideTable.size();
    }

    private static final int REPORTS = 8;

    @Override
    void checkOwn(InvariantSink sink, GcVerifier.Objects objs) {
        for (int i = 0; i < objs.n; i++) {
            if (model.malformed(objs.addr[i], objs.block[i]) != null) {
                return; // GC-1 is reported; counts of objects that cannot be read mean nothing
            }
        }
        checkCounts(sink, objs);
        checkTables(sink, objs);
        BitSet reachable = trace(objs, rootIndexes(objs));
        if (trialDeletion) {
            checkGarbageIsFound(sink, objs, reachable);
            if (!dirty && checked) {
                checkCycleCollection(sink, objs, reachable);
            }
        } else if (!dirty) {
            checkLeak(sink, objs, reachable);
        }
    }

    private int index(GcVerifier.Objects objs, long stored) {
        return stored == 0 ? -1 : objs.indexOf(stored);
    }

    private int[] rootIndexes(GcVerifier.Objects objs) {
        int[][] out = {new int[16]};
        int[] n = {0};
        scanRoots(stored -> {
            int i = index(objs, stored);
            if (i >= 0) {
                if (n[0] == out[0].length) {
                    out[0] = Arrays.copyOf(out[0], n[0] * 2);
                }
                out[0][n[0]++] = i;
            }
            return stored;
        });
        return Arrays.copyOf(out[0], n[0]);
    }

    /** The objects reachable from {@code from} (object indexes), through fields that name objects. */
    private BitSet trace(GcVerifier.Objects objs, int[] from) {
        BitSet seen = new BitSet(objs.n);
        int[] stack = new int[Math.max(16, from.length)];
        int sp = 0;
        for (int i : from) {
            if (!seen.get(i)) {
                seen.set(i);
                stack[sp++] = i;
            }
        }
        while (sp > 0) {
            int i = stack[--sp];
            long a = objs.addr[i];
            int n = model.refCount(a);
            for (int f = 0; f < n; f++) {
                int j = index(objs, model.ref(a, f));
                if (j >= 0 && !seen.get(j)) {
                    seen.set(j);
                    if (sp == stack.length) {
                        stack = Arrays.copyOf(stack, sp * 2);
                    }
                    stack[sp++] = j;
                }
            }
        }
        return seen;
    }

    private int[] indexesOf(GcVerifier.Objects objs, long[] addresses, int n) {
        int[] out = new int[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            int j = objs.indexOf(addresses[i]);
            if (j >= 0) {
                out[k++] = j;
            }
        }
        return Arrays.copyOf(out, k);
    }

    @Enforces("GC-30")
    private void checkCounts(InvariantSink sink, GcVerifier.Objects objs) {
        long[] recount = new long[objs.n];
        for (int i = 0; i < objs.n; i++) {
            long a = objs.addr[i];
            int n = model.refCount(a);
            for (int f = 0; f < n; f++) {
                int j = index(objs, model.ref(a, f));
                if (j >= 0) {
                    recount[j]++;
                }
            }
        }
        for (int j : rootIndexes(objs)) {
            recount[j]++;
        }
        int bad = 0;
        for (int i = 0; i < objs.n; i++) {
            long a = objs.addr[i];
            long stored = count(a);
            if (stored != recount[i] && bad++ < REPORTS) {
                sink.violation("GC-30", a, "the count of " + model.describe(a) + " is not the number of references that hold it",
                        recount[i] + " (recounted from every field and root)", stored + ((model.collectorWord(a) & OVERFLOW) != 0
                                ? " (side table)" : ""));
            }
        }
        if (bad > REPORTS) {
            sink.violation("GC-30", 0, (bad - REPORTS) + " more objects with a wrong count", "none", (bad - REPORTS) + " more");
        }
    }

    @Enforces("GC-31")
    private void checkTables(InvariantSink sink, GcVerifier.Objects objs) {
        BitSet inZct = new BitSet(objs.n);
        int[] position = new int[objs.n];
        Arrays.fill(position, -1);
        int[] bad = {0};
        for (int i = 0; i < zctSize; i++) {
            int j = objs.indexOf(zct[i]);
            if (j < 0 || inZct.get(j)) {
                report31(sink, bad, zct[i], "ZCT entry " + i + (j < 0 ? " names no object" : " repeats an object"), "one entry per object",
                        "0x" + Long.toHexString(zct[i]));
            } else {
                inZct.set(j);
            }
        }
        for (int i = 0; i < buffered; i++) {
            int j = objs.indexOf(buffer[i]);
            if (j < 0 || position[j] >= 0) {
                report31(sink, bad, buffer[i], "candidate buffer entry " + i + (j < 0 ? " names no object" : " repeats an object"),
                        "one entry per object", "0x" + Long.toHexString(buffer[i]));
            } else {
                position[j] = i;
            }
        }
        int overflowed = 0;
        for (int i = 0; i < objs.n; i++) {
            long a = objs.addr[i];
            long w = model.collectorWord(a);
            long count = count(a);
            long index = (w & INDEX_MASK) >>> INDEX_SHIFT;
            boolean isBuffered = (w & BUFFERED) != 0;
            boolean zombie = isBuffered && (w & COLOR) == BLACK;
            String why = null;
            if (count == 0 && !inZct.get(i) && !zombie) {
                why = "a count-0 object lives outside the zero-count table (it should have been freed)";
            } else if (((w & IN_ZCT) != 0) != inZct.get(i)) {
                why = "the Z bit says " + ((w & IN_ZCT) != 0) + " but the object is " + (inZct.get(i) ? "" : "not ") + "in the ZCT";
            } else if (isBuffered != (position[i] >= 0)) {
                why = "the B bit says " + isBuffered + " but the object is " + (position[i] >= 0 ? "" : "not ") + "in the candidate buffer";
            } else if (isBuffered && index != Math.min(position[i], indexLimit)) {
                why = "its buffer index is " + index + " but it is entry " + position[i];
            } else if (!isBuffered && index != 0) {
                why = "an unbuffered object carries buffer index " + index;
            } else if ((w & COLOR) == PURPLE && !isBuffered) {
                why = "a purple candidate is not buffered";
            } else if (zombie && (count != 0 || hasField(a) || index != indexLimit)) {
                why = "a buffered black object (a zombie) must have count 0, no fields, and an index that did not fit";
            } else if (!trialDeletion && (isBuffered || (w & COLOR) != BLACK)) {
                why = "cycles=off keeps no candidates";
            } else if ((w & OVERFLOW) != 0 && (!sideTable.contains(a) || sideTable.requested(a) <= inlineMax)) {
                why = "the O bit is set but the side table holds " + (sideTable.contains(a) ? sideTable.requested(a) + " (fits inline)" : "nothing");
            }
            if ((w & OVERFLOW) != 0) {
                overflowed++;
            }
            if (why != null) {
                report31(sink, bad, a, why + ": " + model.describe(a), "count 0 only in the ZCT (or a zombie); flags as the tables say",
                        "collector word 0x" + Long.toHexString(w) + ", count " + count);
            }
        }
        if (overflowed != sideTable.size()) {
            report31(sink, bad, 0, "the side table holds counts of objects without the O bit", sideTable.size() + " entries, one per O bit",
                    overflowed + " O bits");
        }
    }

    private boolean hasField(long a) {
        int n = model.refCount(a);
        for (int f = 0; f < n; f++) {
            if (model.ref(a, f) != 0) {
                return true;
            }
        }
        return false;
    }

    private static void report31(InvariantSink sink, int[] bad, long a, String what, String expected, String actual) {
        if (bad[0]++ < REPORTS) {
            sink.violation("GC-31", a, what, expected, actual);
        }
    }

    @Enforces("GC-33")
    private void checkGarbageIsFound(InvariantSink sink, GcVerifier.Objects objs, BitSet reachable) {
        int[] from = indexesOf(objs, buffer, buffered);
        int[] z = indexesOf(objs, zct, zctSize);
        int[] all = Arrays.copyOf(from, from.length + z.length);
        System.arraycopy(z, 0, all, from.length, z.length);
        BitSet found = trace(objs, all);
        int bad = 0;
        for (int i = 0; i < objs.n; i++) {
            if (!reachable.get(i) && !found.get(i) && bad++ < REPORTS) {
                long a = objs.addr[i];
                sink.violation("GC-33", a, "garbage no cycle collection would find: " + model.describe(a)
                        + " is unreachable and no candidate or ZCT entry reaches it", "every unreachable object reachable from "
                        + buffered + " candidates or " + zctSize + " ZCT entries", "count " + count(a));
            }
        }
    }

    @Enforces("GC-32")
    private void checkCycleCollection(InvariantSink sink, GcVerifier.Objects objs, BitSet reachable) {
        BitSet fromCandidates = trace(objs, indexesOf(objs, lastCandidates, lastCandidates.length));
        int bad = 0;
        for (int i = fromCandidates.nextSetBit(0); i >= 0; i = fromCandidates.nextSetBit(i + 1)) {
            if (!reachable.get(i) && bad++ < REPORTS) {
                long a = objs.addr[i];
                sink.violation("GC-32", a, "garbage reachable from the candidates survived the cycle collection: " + model.describe(a),
                        "nothing unreachable reachable from the " + lastCandidates.length + " candidates", "count " + count(a));
            }
        }
    }

    @Enforces("GC-34")
    private void checkLeak(InvariantSink sink, GcVerifier.Objects objs, BitSet reachable) {
        // Peel the unreachable objects no unreachable object references (repeatedly): what remains is on or held by a
        // cycle. Anything peeled is acyclic garbage counting should have freed.
        int[] indegree = new int[objs.n];
        long bytes = 0;
        long objects = 0;
        for (int i = 0; i < objs.n; i++) {
            if (reachable.get(i)) {
                continue;
            }
            bytes += model.size(objs.addr[i]);
            objects++;
            long a = objs.addr[i];
            int n = model.refCount(a);
            for (int f = 0; f < n; f++) {
                int j = index(objs, model.ref(a, f));
                if (j >= 0) {
                    indegree[j]++;
                }
            }
        }
        int[] queue = new int[16];
        int qn = 0;
        for (int i = 0; i < objs.n; i++) {
            if (!reachable.get(i) && indegree[i] == 0) {
                if (qn == queue.length) {
                    queue = Arrays.copyOf(queue, qn * 2);
                }
                queue[qn++] = i;
            }
        }
        int bad = 0;
        while (qn > 0) {
            int i = queue[--qn];
            long a = objs.addr[i];
            if (bad++ < REPORTS) {
                sink.violation("GC-34", a, "an unreachable object that no cycle holds survived: " + model.describe(a),
                        "only objects on or held by unreachable cycles left", "count " + count(a));
            }
            int n = model.refCount(a);
            for (int f = 0; f < n; f++) {
                int j = index(objs, model.ref(a, f));
                if (j >= 0 && !reachable.get(j) && --indegree[j] == 0) {
                    if (qn == queue.length) {
                        queue = Arrays.copyOf(queue, qn * 2);
                    }
                    queue[qn++] = j;
                }
            }
        }
        if (bytes != unreachableBytes || objects != unreachableObjects) {
            sink.violation("GC-34", 0, "stats() misreports what the cycles hold", bytes + " bytes in " + objects + " unreachable objects",
                    unreachableBytes + " bytes in " + unreachableObjects + " objects");
        }
    }
}
