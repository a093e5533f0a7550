package org.jalloc.gc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.checkerframework.checker.initialization.qual.UnknownInitialization;
import org.jalloc.core.walk.Enforces;
import org.jalloc.core.walk.InvariantSink;

/**
 * {@code generational}: a copying nursery collected by Cheney's breadth-first copy (minor collections that touch only
 * the roots, the remembered set and the survivors), objects promoted into a tenured space after surviving
 * {@code promote} minor collections, and a LISP2 mark-compact of the whole heap when the tenured space fills (major
 * collections). "Most objects die young": a minor pause is proportional to the survivors, not to the heap.
 *
 * <h2>Nouns</h2>
 * <dl>
 *   <dt>nursery</dt><dd>eden, where every object is born by a bump of {@code eTop}, and two survivor spaces, one
 *       holding the objects that survived a minor collection ({@code from}), the other empty ({@code to})</dd>
 *   <dt>tenured space</dt><dd>below the nursery; objects arrive by promotion (a bump of {@code tTop}, which doubles
 *       as Cheney's second scan pointer) or are born there when larger than half of eden (pretenured)</dd>
 *   <dt>age</dt><dd>the minor collections an object survived, in the header's age bits (ObjectModel, bits 4-7)</dd>
 *   <dt>remembered set</dt><dd>where the tenured fields that may name the nursery are found: a card table (512-byte
 *       cards, a dirty byte each; default) or a sequential store buffer of field addresses ({@code remset=ssb})</dd>
 *   <dt>write barrier</dt><dd>on every reference store: {@code slot < nurseryStart && value >= nurseryStart} (an old
 *       field gets a young value) dirties the field's card / appends the field to the buffer</dd>
 *   <dt>forwarding</dt><dd>during a collection only: a copied object's old header gets F and its collector word the
 *       new address (minor); LISP2's forwarding address (major)</dd>
 * </dl>
 *
 * <h2>Layout (GenerationalSpace)</h2>
 * <pre>
 *   start           tTop          tEnd = nurseryStart                              end
 *   | tenured objs  | free        | survivor 0 | survivor 1 | eden objs  | free     |
 *   cards[i] = 1: a field in tenured card i may name the nursery; cover[i]: the object covering card i's first byte
 * </pre>
 *
 * <h2>Why eden and two survivor spaces rather than a semispace nursery</h2>
 * A semispace nursery keeps half of itself empty for the next copy. The generational hypothesis says that only a
 * few percent of a nursery survive, so Ungar's generation scavenging (and HotSpot's young generation) keeps one
 * large eden and two small survivor spaces (eden : survivor : survivor = 8 : 1 : 1): 90% of the nursery holds new
 * objects instead of 50%. Survivors that do not fit the to-space, and objects that reach the promotion age, go to
 * the tenured space.
 *
 * <h2>Why the tenured space is mark-compact</h2>
 * A jalloc allocator owns its own heap; the nursery and the tenured space share one here, so the barrier's test is
 * two compares on addresses, promotion is a bump (and the promoted region is Cheney's second scan queue), and the
 * full collection compacts everything into one run per region.
 *
 * <h2>Invariants</h2>
 * <pre>
 *   GC-9   ∀ tenured o, field f: value(o.f) ∈ nursery ⇒ cards[card(&amp;o.f)] = 1   (ssb: &amp;o.f ∈ buffer)
 *          between collections and when a minor collection starts
 *   GC-10  no root and no field names the empty survivor space or eden above eTop (right after a minor: all of eden)
 *   GC-11  ∀ card i with base(i) &lt; tTop: cover[i] is a tenured object and cover[i] ≤ base(i) &lt; cover[i] + size
 *   GC-5   between collections: no F bit, mark 0, collector word 0
 * </pre>
 *
 * <h2>Minor collection (Cheney)</h2>
 * <ol>
 *   <li>If the tenured space cannot take every nursery byte (the promotion guarantee), collect the whole heap
 *       instead (a major collection).</li>
 *   <li>Take the remembered set: the dirty cards (cleared) or the buffer's fields.</li>
 *   <li>Evacuate every root that names eden or the from-space: copy the object to the to-space (age + 1), or to
 *       the tenured space when its age reaches {@code promote} or the to-space is full; leave F and the new address
 *       in the old header; a second visit returns the new address.</li>
 *   <li>Evacuate the targets of the remembered fields; a field still naming the nursery afterwards stays remembered.</li>
 *   <li>Scan (breadth-first) the copies in the to-space and the promoted objects above the old {@code tTop},
 *       evacuating their nursery targets; a promoted object's field that names the nursery is remembered.</li>
 *   <li>Eden and the from-space are now empty: {@code eTop = eStart}, the survivor spaces swap roles.</li>
 * </ol>
 * Tenured objects are not traced: a tenured object that died keeps its nursery targets alive until a major
 * collection (nepotism), which is why a minor collection is not a full one (no completeness, GC-4).
 *
 * <h2>Major collection (LISP2 over the whole heap)</h2>
 * <ol>
 *   <li>Mark from the roots through both generations (mark bit 1).</li>
 *   <li>Forwarding addresses, walking tenured, the from-space, then eden: tenured objects slide down; a nursery
 *       object moves to the tenured space if it fits there, else slides down inside its own region.</li>
 *   <li>Update every root and every field of every marked object; move, in the same order (no destination passes an
 *       unmoved source: the tenured destinations lie below every nursery object, the rest slide).</li>
 *   <li>Rebuild the block-offset table and the remembered set from the tenured objects.</li>
 * </ol>
 *
 * <h2>Allocation</h2>
 * A bump of {@code eTop} (objects larger than half of eden: of {@code tTop}). A minor collection starts when eden is
 * full or when allocation since the last collection reaches the GOGC budget ({@code gogc}, off: only when eden is
 * full); a major one when the promotion guarantee fails, a pretenured object does not fit, or a minor collection
 * left no room.
 */
final class GenerationalCollector extends Collector {
    /** Bugs planted on purpose, for the tests that prove the checks and the fuzzer need the barrier. */
    enum Fault { NONE, NO_BARRIER }

    /** The remembered set kinds. */
    enum RemSet { CARDS, SSB }

    final GenerationalSpace space;
    private final int promoteAge;
    private final RemSet remset;
    final CardTable cards;
    final StoreBuffer ssb = new StoreBuffer();
    private final long pretenureBytes;
    private final LongStack markStack = new LongStack();
    /** Test-only switch (package-private): a planted bug. */
    Fault fault = Fault.NONE;
    /** Test-only switch: GC-9 is not verified (to show the oracle alone finding what the missing barrier loses). */
    boolean verifyRemembered = true;

    private boolean wantMinor;
    /** Objects in the nursery (eden and from-space). */
    private long nurseryObjects;
    /** Checked mode: GC-9 violations found when a collection started, reported by the next check. */
    private final List<String> remsetAtStart = new ArrayList<>();

    // statistics
    long minorCollections;
    long majorCollections;
    private long[] minorPauses = new long[16];
    private long[] majorPauses = new long[16];
    private double[] survival = new double[16];
    long promotedBytes;
    long promotedObjects;
    long copiedBytes;

    GenerationalCollector(String name, GenerationalSpace space, long gogc, boolean checked, int promoteAge, RemSet remset) {
        super(name, space, gogc, checked);
        this.space = space;
        this.promoteAge = promoteAge;
        this.remset = remset;
        this.cards = new CardTable(space.start, space.tEnd);
        this.pretenureBytes = space.edenBytes() / 2;
    }

    @Override
    public boolean moving() {
        return true;
    }

    @Override
    boolean preservesOrder() {
        return false; // Cheney's copy is breadth-first, not in address order
    }

    // ------------------------------------------------------------ the barrier

    @Override
    WriteBarrier newBarrier(@UnknownInitialization Mutator m) {
        if (fault == Fault.NO_BARRIER) {
            return WriteBarrier.NONE;
        }
        long young = space.nurseryStart();
        if (remset == RemSet.SSB) {
            StoreBuffer buffer = ssb;
            return new WriteBarrier() {
                @Override
                public void beforeStore(long object, long slot, long oldValue, long newValue) {
                    if (newValue >= young && slot < young) {
                        buffer.add(slot);
                    }
                }

                @Override
                public void beforeRootStore(long oldValue, long newValue) {}
            };
        }
        byte[] table = cards.cards;
        long base = cards.start;
        return new WriteBarrier() {
            @Override
            public void beforeStore(long object, long slot, long oldValue, long newValue) {
                if (newValue >= young && slot < young) {
                    table[(int) ((slot - base) >>> CardTable.SHIFT)] = 1;
                }
            }

            @Override
            public void beforeRootStore(long oldValue, long newValue) {}
        };
    }

    void remember(long slot) {
        if (remset == RemSet.CARDS) {
            cards.dirty(slot);
        } else {
            ssb.add(slot);
        }
    }

    // ------------------------------------------------------------ allocation

    @Override
    long allocateStored(long size, int type, int length) {
        long a;
        if (size > pretenureBytes) {
            a = space.allocateTenured(size);
            if (a != 0) {
                cards.recordObject(a, size);
            }
        } else {
            a = space.allocate(size);
            if (a != 0) {
                nurseryObjects++;
            }
        }
        if (a == 0) {
            return 0;
        }
        model.initialize(a, size, type, length, false, 0);
        if (checked) {
            objectIndex.put(a, size, 0);
        }
        return a;
    }

    @Override
    void beforeAllocation(long size) {
        if (size <= pretenureBytes && trigger.shouldCollect(allocatedSinceGc, size, liveBytes)) {
            minor(Cause.THRESHOLD);
        }
    }

    /** A young object that found no room: a minor collection first, a major one only if that is not enough. */
    @Override
    boolean relieveExhaustion(long size) {
        if (size > pretenureBytes) {
            return false;
        }
        minor(Cause.EXHAUSTION);
        return true;
    }

    /** A minor collection, or a major one when the tenured space cannot guarantee room for every survivor. */
    private void minor(Cause cause) {
        wantMinor = true;
        collect(cause);
    }

    private boolean promotionGuaranteed() {
        return space.tEnd - space.tTop >= space.nurseryUsed();
    }

    @Override
    void collect(Cause cause) {
        boolean minor = wantMinor && promotionGuaranteed();
        wantMinor = false;
        long t0 = System.nanoTime();
        if (checked) {
            before = Fingerprint.of(this);
        }
        if (minor) {
            minorNow();
        } else {
            collectNow();
        }
        long pause = System.nanoTime() - t0;
        if (minor) {
            minorPauses = add(minorPauses, minorCollections++, pause);
        } else {
            majorPauses = add(majorPauses, majorCollections++, pause);
        }
        endCollection(cause, pause, !minor);
    }

    private static long[] add(long[] a, long i, long v) {
        long[] out = i == a.length ? Arrays.copyOf(a, a.length * 2) : a;
        out[(int) i] = v;
        return out;
    }

    // ------------------------------------------------------------ minor collection

    private boolean inFrom(long v) {
        return (v >= space.eStart && v < space.eTop) || (v >= space.fromStart() && v < space.fromTop);
    }

    private long toTop;

    /** Checked mode: GC-9 as the collection starts, kept for the next check (a collection repairs or hides it). */
    private void checkRememberedAtStart(String which) {
        if (checked && verifyRemembered) {
            checkRemembered(v -> remsetAtStart.add("when a " + which + " collection started: " + v), objectsOfTenured());
        }
    }

    private void minorNow() {
        checkRememberedAtStart("minor");
        long nurseryBytes = space.nurseryUsed();
        long nurseryObjs = nurseryObjects;
        long oldTTop = space.tTop;
        toTop = space.toStart();
        long promotedBefore = promotedBytes;
        long copiedBefore = copiedBytes;
        long survivors = 0;
        // 2. the remembered set
        int[] dirty = remset == RemSet.CARDS && oldTTop > space.start ? cards.takeDirty(cards.card(oldTTop - 1) + 1) : new int[0];
        long[] fields = remset == RemSet.SSB ? ssb.take() : new long[0];
        // 3. roots
        scanRoots(stored -> inFrom(stored) ? evacuate(stored) : stored);
        // 4. remembered fields of tenured objects below the old top
        for (int card : dirty) {
            long base = cards.cardBase(card);
            long limit = Math.min(base + GenerationalSpace.CARD_BYTES, oldTTop);
            for (long o = cards.cover[card]; o < limit; o += model.size(o)) {
                int n = model.refCount(o);
                for (int i = 0; i < n; i++) {
                    long slot = ObjectModel.slot(o, i);
                    if (slot >= base && slot < limit) {
                        updateRemembered(slot);
                    }
                }
            }
        }
        for (long slot : fields) {
            if (slot < oldTTop) {
                updateRemembered(slot);
            }
        }
        // 5. Cheney's scan of the copies (to-space) and of the promoted objects
        long toScan = space.toStart();
        long pScan = oldTTop;
        while (toScan < toTop || pScan < space.tTop) {
            while (toScan < toTop) {
                long size = model.size(toScan);
                scanCopy(toScan, false);
                toScan += size;
                survivors++;
            }
            while (pScan < space.tTop) {
                long size = model.size(pScan);
                scanCopy(pScan, true);
                pScan += size;
                survivors++;
            }
        }
        // 6. eden and from-space are empty; the survivor spaces swap
        long fromStart = space.fromStart();
        long fromTop = space.fromTop;
        long eTop = space.eTop;
        space.from = 1 - space.from;
        space.fromTop = toTop;
        space.eTop = space.eStart;
        if (checked) {
            heap.fill(space.eStart, eTop - space.eStart, (byte) 0xDB);
            heap.fill(fromStart, fromTop - fromStart, (byte) 0xDB);
        }
        long survived = (promotedBytes - promotedBefore) + (copiedBytes - copiedBefore);
        survival = addDouble(survival, minorCollections, nurseryBytes == 0 ? 0 : (double) survived / nurseryBytes);
        nurseryObjects = countObjects(space.fromStart(), space.fromTop);
        long promotedObjs = survivors - nurseryObjects;
        bytesReclaimed += nurseryBytes - survived;
        objectsReclaimed += nurseryObjs - survivors;
        promotedObjects += promotedObjs;
        usedBytes = (space.tTop - space.start) + (space.fromTop - space.fromStart());
        liveBytes = usedBytes;
        liveObjects = objectsAllocated - objectsReclaimed;
        if (checked) {
            rebuildObjectIndex();
        }
    }

    private static double[] addDouble(double[] a, long i, double v) {
        double[] out = i == a.length ? Arrays.copyOf(a, a.length * 2) : a;
        out[(int) i] = v;
        return out;
    }

    private long countObjects(long from, long top) {
        long n = 0;
        for (long a = from; a < top; a += model.size(a)) {
            n++;
        }
        return n;
    }

    /** A remembered tenured field: its nursery target evacuated; still young afterwards, it stays remembered. */
    private void updateRemembered(long slot) {
        long v = heap.getLong(slot);
        if (inFrom(v)) {
            v = evacuate(v);
            heap.putLong(slot, v);
        }
        if (v >= space.nurseryStart()) {
            remember(slot);
        }
    }

    /** Scans a copied object's fields; a promoted one's fields that name the nursery are remembered. */
    private void scanCopy(long o, boolean promoted) {
        int n = model.refCount(o);
        for (int i = 0; i < n; i++) {
            long slot = ObjectModel.slot(o, i);
            long v = heap.getLong(slot);
            if (inFrom(v)) {
                v = evacuate(v);
                heap.putLong(slot, v);
            }
            if (promoted && v >= space.nurseryStart()) {
                remember(slot);
            }
        }
    }

    /** Copies a from-space object (once) and returns its new address. */
    private long evacuate(long a) {
        long s = heap.getLong(a);
        if (ObjectModel.forwardedOf(s)) {
            return heap.getLong(a + 8);
        }
        long size = model.sizeOf(ObjectModel.typeOf(s), ObjectModel.lengthOf(s));
        int age = Math.min(15, (int) ((s & ObjectModel.AGE_MASK) >>> ObjectModel.AGE_SHIFT) + 1);
        long to;
        boolean promote = age >= promoteAge || size > space.toEnd() - toTop;
        if (promote) {
            to = space.allocateTenured(size); // the promotion guarantee: there is room
            cards.recordObject(to, size);
            promotedBytes += size;
        } else {
            to = toTop;
            toTop += size;
            copiedBytes += size;
        }
        heap.copy(a, to, size);
        heap.putLong(to, (s & ~ObjectModel.AGE_MASK) | ((long) age << ObjectModel.AGE_SHIFT));
        heap.putLong(a, s | ObjectModel.FORWARDED_BIT);
        heap.putLong(a + 8, to);
        return to;
    }

    // ------------------------------------------------------------ major collection

    @Override
    void collectNow() {
        checkRememberedAtStart("major");
        long inSpace = objectsAllocated - objectsReclaimed;
        long oldT = space.tTop;
        long oldF = space.fromTop;
        long oldE = space.eTop;
        long fromStart = space.fromStart();
        markFromRoots(markStack, true);
        // 2. forwarding addresses: tenured slides; nursery objects go to the tenured space if they fit, else slide in place
        long[] cursor = {space.start, fromStart, space.eStart};
        forward(space.start, oldT, cursor, 0);
        forward(fromStart, oldF, cursor, 1);
        forward(space.eStart, oldE, cursor, 2);
        // 3. references
        scanRoots(stored -> heap.getLong(stored + 8));
        Lisp2.updateFields(heap, model, space.start, oldT);
        Lisp2.updateFields(heap, model, fromStart, oldF);
        Lisp2.updateFields(heap, model, space.eStart, oldE);
        // 4. move, in the same order
        Lisp2.slide(heap, model, space.start, oldT);
        Lisp2.slide(heap, model, fromStart, oldF);
        Lisp2.slide(heap, model, space.eStart, oldE);
        space.tTop = cursor[0];
        space.fromTop = cursor[1];
        space.eTop = cursor[2];
        if (checked) {
            if (cursor[0] < oldT) {
                heap.fill(cursor[0], oldT - cursor[0], (byte) 0xDB); // tenured bytes freed (none when nursery objects moved in)
            }
            heap.fill(cursor[1], oldF - cursor[1], (byte) 0xDB);
            heap.fill(cursor[2], oldE - cursor[2], (byte) 0xDB);
        }
        // 5. the block-offset table and the remembered set, from the tenured objects
        cards.clearCards();
        ssb.take();
        for (long o = space.start; o < space.tTop; ) {
            long size = model.size(o);
            cards.recordObject(o, size);
            int n = model.refCount(o);
            for (int i = 0; i < n; i++) {
                long slot = ObjectModel.slot(o, i);
                if (heap.getLong(slot) >= space.nurseryStart()) {
                    remember(slot);
                }
            }
            o += size;
        }
        nurseryObjects = countObjects(space.fromStart(), space.fromTop) + countObjects(space.eStart, space.eTop);
        long used = (space.tTop - space.start) + space.nurseryUsed();
        bytesReclaimed += (oldT - space.start) + (oldF - fromStart) + (oldE - space.eStart) - used;
        objectsReclaimed += inSpace - liveObjects;
        usedBytes = used;
        if (checked) {
            rebuildObjectIndex();
        }
    }

    private void forward(long from, long top, long[] cursor, int region) {
        for (long a = from; a < top; ) {
            long s = heap.getLong(a);
            long size = model.sizeOf(ObjectModel.typeOf(s), ObjectModel.lengthOf(s));
            if (ObjectModel.markOf(s)) {
                long to;
                if (region == 0 || cursor[0] + size <= space.tEnd) {
                    to = cursor[0];
                    cursor[0] += size;
                } else {
                    to = cursor[region];
                    cursor[region] += size;
                }
                heap.putLong(a, s | ObjectModel.FORWARDED_BIT);
                heap.putLong(a + 8, to);
            }
            a += size;
        }
    }

    // ------------------------------------------------------------ statistics

    GenerationalStats generationalStats() {
        return new GenerationalStats(minorCollections, majorCollections, Arrays.copyOf(minorPauses, (int) minorCollections),
                Arrays.copyOf(majorPauses, (int) majorCollections), Arrays.copyOf(survival, (int) minorCollections), promotedBytes,
                promotedObjects, copiedBytes, space.edenBytes(), space.survivorBytes(), space.tenuredBytes(), promoteAge,
                remset == RemSet.CARDS ? "cards" : "ssb");
    }

    @Override
    long externalBytes() {
        return super.externalBytes() + cards.bytes() + ssb.bytes();
    }

    // ------------------------------------------------------------ invariants

    /** The tenured objects (the checker's enumeration, cut at the tenured top). */
    private GcVerifier.Objects objectsOfTenured() {
        GcVerifier.Objects objs = new GcVerifier.Objects();
        for (long a = space.start; a < space.tTop; ) {
            long size = BumpSpace.safeSize(model, a);
            if (size <= 0 || size > space.tTop - a) {
                break;
            }
            objs.add(a, size);
            a += size;
        }
        return objs;
    }

    @Override
    void checkOwn(InvariantSink sink, GcVerifier.Objects objs) {
        if (!checkTiling(sink)) {
            return;
        }
        if (verifyRemembered) {
            for (int i = 0; i < Math.min(8, remsetAtStart.size()); i++) {
                sink.violation("GC-9", 0, remsetAtStart.get(i), "a dirty card or a store-buffer entry", "none");
            }
            remsetAtStart.clear();
            List<String> now = new ArrayList<>();
            checkRemembered(now::add, objectsOfTenured());
            for (int i = 0; i < Math.min(8, now.size()); i++) {
                sink.violation("GC-9", 0, now.get(i), "a dirty card or a store-buffer entry", "none");
            }
        }
        checkNoFromSpaceReferences(sink, objs);
        checkOffsets(sink);
    }

    private boolean checkTiling(InvariantSink sink) {
        boolean ok = true;
        long[][] regions = {{space.start, space.tTop}, {space.fromStart(), space.fromTop}, {space.eStart, space.eTop}};
        for (long[] r : regions) {
            long e = GenerationalSpace.tiledEnd(model, r[0], r[1]);
            if (e != r[1]) {
                ok = false;
                sink.violation("GC-1", e, "the header at 0x" + Long.toHexString(e) + " cannot be sized, so the objects do not reach the region's top",
                        "objects tiling [0x" + Long.toHexString(r[0]) + ", 0x" + Long.toHexString(r[1]) + ")", "status 0x" + Long.toHexString(model.status(e)));
            }
        }
        return ok;
    }

    /** GC-9: every tenured field naming the nursery is remembered. Reports one line per uncovered field. */
    @Enforces("GC-9")
    void checkRemembered(java.util.function.Consumer<String> report, GcVerifier.Objects tenured) {
        long young = space.nurseryStart();
        long[] buffered = Arrays.copyOf(ssb.slots, ssb.size);
        Arrays.sort(buffered);
        for (int k = 0; k < tenured.n; k++) {
            long o = tenured.addr[k];
            int n = model.refCount(o);
            for (int i = 0; i < n; i++) {
                long slot = ObjectModel.slot(o, i);
                long v = model.ref(o, i);
                if (v >= young) {
                    boolean covered = remset == RemSet.CARDS ? cards.isDirty(slot) : Arrays.binarySearch(buffered, slot) >= 0;
                    if (!covered) {
                        report.accept("field " + i + " of tenured " + model.describe(o) + " names nursery object 0x" + Long.toHexString(v)
                                + " but " + (remset == RemSet.CARDS ? "its card " + cards.card(slot) + " is clean" : "the store buffer lacks it"));
                    }
                }
            }
        }
    }

    /** GC-10: no root or field names the empty survivor space or eden above its top. */
    @Enforces("GC-10")
    private void checkNoFromSpaceReferences(InvariantSink sink, GcVerifier.Objects objs) {
        int[] bad = {0};
        scanRoots(stored -> {
            if (evacuated(stored) && bad[0]++ < 8) {
                sink.violation("GC-10", stored, "a root names the evacuated nursery: 0x" + Long.toHexString(stored),
                        "an object outside the empty survivor space and eden above its top", region(stored));
            }
            return stored;
        });
        for (int k = 0; k < objs.n; k++) {
            long o = objs.addr[k];
            int n = model.refCount(o);
            for (int i = 0; i < n; i++) {
                long v = model.ref(o, i);
                if (evacuated(v) && bad[0]++ < 8) {
                    sink.violation("GC-10", ObjectModel.slot(o, i), "field " + i + " of " + model.describe(o) + " names the evacuated nursery",
                            "an object outside the empty survivor space and eden above its top", "0x" + Long.toHexString(v) + ", " + region(v));
                }
            }
        }
    }

    private boolean evacuated(long v) {
        return (v >= space.toStart() && v < space.toEnd()) || (v >= space.eTop && v < space.eEnd);
    }

    private String region(long v) {
        return v >= space.toStart() && v < space.toEnd() ? "in the empty survivor space" : "in eden above its top 0x" + Long.toHexString(space.eTop);
    }

    /** GC-11: the block-offset table names, for every tenured card below the top, the object covering its first byte. */
    @Enforces("GC-11")
    private void checkOffsets(InvariantSink sink) {
        GcVerifier.Objects tenured = objectsOfTenured();
        int bad = 0;
        for (int card = 0; card < cards.cover.length && bad < 8; card++) {
            long base = cards.cardBase(card);
            if (base >= space.tTop) {
                break;
            }
            long o = cards.cover[card];
            int k = tenured.indexOf(o);
            if (k < 0 || !(o <= base && base < o + tenured.block[k])) {
                bad++;
                sink.violation("GC-11", base, "the block-offset entry of tenured card " + card + " does not name the object covering its first byte",
                        "the object whose bytes include 0x" + Long.toHexString(base), "0x" + Long.toHexString(o)
                                + (k < 0 ? " (no object starts there)" : " (" + model.describe(o) + ")"));
            }
        }
    }
}
