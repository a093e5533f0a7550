package org.jalloc.slab;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.jalloc.core.walk.Inspection;
import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.shadow.LiveBlocks;
import org.jalloc.core.memory.Heap;
import org.jalloc.testkit.fuzz.FuzzEngine;
import org.jalloc.testkit.fuzz.Shrinker;

/**
 * Checked fuzzing of the object-cache API ({@link SlabCache#alloc()}/{@link SlabCache#free(long)} on several caches
 * with constructors and destructors, shrink, detach, scavenge, frees from short-lived other threads), which the generic
 * engine (malloc ops) does not speak. Its own shadow model: the live objects (address, cache, pattern tag) by id, and
 * the objects freed before. After every op the shared {@link HeapChecker} runs with the shadow (HEAP-1..6, HEAP-8,
 * BUDDY-1..5, SLAB-1..7); every live object carries a pattern in its scratch bytes, verified on free and every 32 ops
 * (HEAP-7); every object of a cache with a constructor must come out of {@code alloc} in its constructed state (the
 * constructor's signature in its first 8 bytes, restored by the test before each free, as Bonwick's contract asks); the
 * constructor and destructor calls must equal the objects ever made and destroyed (each object constructed once, at
 * slab creation, never on alloc). Misuse ops — free to the wrong cache, double free, a foreign or interior pointer —
 * must throw the exception the model predicts and change no byte of the heap. Failing sequences are shrunk with
 * testkit's {@link Shrinker}.
 */
final class CacheFuzz {
    /** One op on object id {@code id}; {@code arg} picks a cache (for {@code a}) or a variant. */
    record Op(char kind, int id, int arg) {
        @Override
        public String toString() {
            return kind + " " + id + " " + arg;
        }
    }

    /** One cache of a sequence: its shape and behaviour. */
    record CacheSpec(long size, long align, boolean constructed, boolean destructed, String debug, int magazineSize, int emptyLimit) {}

    /** A failing sequence, shrunk. */
    record Failure(long seed, List<CacheSpec> caches, int originalOps, List<Op> ops, String message) {
        @Override
        public String toString() {
            return "cache fuzz failure (seed " + seed + ", caches " + caches + ", shrunk from " + originalOps + " to " + ops.size() + " ops):\n"
                    + message + "\nops: " + ops;
        }
    }

    static final int IDS = 48;
    /** a alloc, f free, x rewrite pattern, w wrong cache, d double free, p foreign pointer, s shrink one cache,
     *  S shrink all, t detach, v scavenge, o another thread frees (and allocates) then ends. */
    static final String KINDS = "afxwdpsStvo";
    static final long HEAP = 2L << 20;
    static final long[] SIZES = {16, 24, 100, 200, 376, 600, 1500, 4000, 5000};
    static final long[] ALIGNS = {16, 16, 64, 256};
    static final String[] DEBUG = {"", "", "", "", "FZPU", "Z", "P", "FU", "ZP"};

    private CacheFuzz() {}

    static List<CacheSpec> cachesFor(long seed) {
        SplittableRandom r = new SplittableRandom(seed ^ 0xCAC4E5L);
        int n = 2 + r.nextInt(3);
        List<CacheSpec> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean ctor = r.nextInt(4) != 0;
            out.add(new CacheSpec(SIZES[r.nextInt(SIZES.length)] + (r.nextBoolean() ? 0 : r.nextInt(40)), ALIGNS[r.nextInt(ALIGNS.length)], ctor,
                    ctor && r.nextBoolean(), DEBUG[r.nextInt(DEBUG.length)], new int[] {-1, 0, 1, 2, 3}[r.nextInt(5)], r.nextInt(3)));
        }
        return out;
    }

    static List<Op> generate(long seed, int length) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Op> ops = new ArrayList<>(length);
        for (int i = 0; i < length; i++) {
            int x = r.nextInt(200);
            char kind = x < 90 ? 'a' : x < 160 ? 'f' : x < 168 ? 'x' : x < 176 ? 'w' : x < 184 ? 'd' : x < 190 ? 'p'
                    : x < 193 ? 's' : x < 194 ? 'S' : x < 196 ? 't' : x < 198 ? 'v' : 'o';
            ops.add(new Op(kind, r.nextInt(IDS), r.nextInt(1 << 16)));
        }
        return ops;
    }

    /** Fuzzer bytes as ops: three bytes per op (kind, id, argument). */
    static List<Op> fromBytes(byte[] data) {
        List<Op> ops = new ArrayList<>(data.length / 3);
        for (int i = 0; i + 3 <= data.length; i += 3) {
            ops.add(new Op(KINDS.charAt((data[i] & 0xFF) % KINDS.length()), (data[i + 1] & 0xFF) % IDS, data[i + 2] & 0xFF));
        }
        return ops;
    }

    /** The outcome of a fuzz run: failures, and per op kind how many ops really ran. */
    record Report(List<Failure> failures, long[] performed, long sequences) {
        long performed(char kind) {
            return performed[KINDS.indexOf(kind)];
        }
    }

    static Report fuzz(long seed, int sequences, int opsPerSequence) {
        List<Failure> failures = new ArrayList<>();
        long[] performed = new long[KINDS.length()];
        for (int s = 0; s < sequences; s++) {
            long sequenceSeed = FuzzEngine.sequenceSeed(seed, s);
            List<Op> ops = generate(sequenceSeed, opsPerSequence);
            Run run = new Run(sequenceSeed, NONE);
            String message;
            try {
                message = run.run(ops);
            } finally {
                run.close();
            }
            if (message != null) {
                failures.add(runAndShrink(sequenceSeed, ops));
            }
            for (int k = 0; k < performed.length; k++) {
                performed[k] += run.performed[k];
            }
        }
        return new Report(failures, performed, sequences);
    }

    /** Called after every op (tests plant faults through it). */
    @FunctionalInterface
    interface Hook {
        void after(Run run, int opNo);
    }

    static final Hook NONE = (run, opNo) -> {};

    /** Runs {@code ops} for the caches of {@code seed}; on failure shrinks them. Returns null when they pass. */
    static Failure runAndShrink(long seed, List<Op> ops) {
        return runAndShrink(seed, ops, NONE);
    }

    static Failure runAndShrink(long seed, List<Op> ops, Hook hook) {
        String message = run(seed, ops, hook);
        if (message == null) {
            return null;
        }
        int colon = message.indexOf(':');
        String signature = colon > 0 ? message.substring(0, colon + 1) : message;
        List<Op> shrunk = Shrinker.shrink(ops, candidate -> {
            String m = run(seed, candidate, hook);
            return m != null && m.startsWith(signature);
        }, 1500);
        String last = run(seed, shrunk, hook);
        return new Failure(seed, cachesFor(seed), ops.size(), shrunk, last != null ? last : message);
    }

    static String run(long seed, List<Op> ops, Hook hook) {
        Run r = new Run(seed, hook);
        try {
            return r.run(ops);
        } finally {
            r.close();
        }
    }

    /** One sequence against one slab allocator and its shadow model. */
    static final class Run {
        private final Heap heap = Heap.reserve(HEAP);
        private final SlabAllocator slab;
        private final List<CacheSpec> specs;
        private final SlabCache[] caches;
        private final long[] signature;
        private final AtomicLong[] ctorCalls;
        private final AtomicLong[] dtorCalls;
        private final AtomicReference<String> callbackError = new AtomicReference<>();
        private final HeapChecker checker = new HeapChecker();
        private final LiveBlocks shadow = new LiveBlocks();
        private final long[] address = new long[IDS];
        private final int[] cacheOf = new int[IDS];
        private final long[] tag = new long[IDS];
        private final long[] freed = new long[IDS];
        private final int[] freedCache = new int[IDS];
        /** The cache's destroyed-slab count when the object was freed: unchanged means its slab still exists. */
        private final long[] freedEpoch = new long[IDS];
        final long[] performed = new long[KINDS.length()];
        private long nextTag = 1;
        private int opNo;
        private final Hook hook;

        Run(long seed, Hook hook) {
            this.hook = hook;
            this.slab = SlabAllocator.builder().build(heap);
            this.specs = cachesFor(seed);
            int n = specs.size();
            this.caches = new SlabCache[n];
            this.signature = new long[n];
            this.ctorCalls = new AtomicLong[n];
            this.dtorCalls = new AtomicLong[n];
            for (int i = 0; i < n; i++) {
                CacheSpec s = specs.get(i);
                long sig = 0x5157_0000_0000_0000L ^ (seed * 31 + i);
                signature[i] = sig;
                AtomicLong ctors = ctorCalls[i] = new AtomicLong();
                AtomicLong dtors = dtorCalls[i] = new AtomicLong();
                SlabCache.Builder b = slab.newCache("fuzz-" + i, s.size()).align(s.align()).debug(s.debug()).emptySlabLimit(s.emptyLimit());
                if (s.magazineSize() >= 0) {
                    b.magazineSize(s.magazineSize());
                }
                if (s.constructed()) {
                    b.constructor(obj -> {
                        obj.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, sig);
                        ctors.incrementAndGet();
                    });
                }
                if (s.destructed()) {
                    b.destructor(obj -> {
                        if (obj.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) != sig) {
                            callbackError.compareAndSet(null, "CTOR-STATE: the destructor saw an object not in its constructed state");
                        }
                        dtors.incrementAndGet();
                    });
                }
                caches[i] = b.build();
            }
        }

        void close() {
            slab.close();
        }

        /** Bytes of an object the test owns and patterns (a constructed object's first 8 bytes are its state). */
        private long scratchStart(int c) {
            return specs.get(c).constructed() ? 8 : 0;
        }

        String run(List<Op> ops) {
            try {
                for (Op op : ops) {
                    opNo++;
                    String failure = apply(op);
                    hook.after(this, opNo);
                    if (failure == null) {
                        failure = check(opNo % 32 == 0);
                    }
                    if (failure != null) {
                        return failure + " (op #" + opNo + " " + op + ")";
                    }
                }
                return check(true);
            } catch (RuntimeException | Error e) {
                return e.getClass().getSimpleName() + ": op #" + opNo + " " + ops.get(Math.max(0, opNo - 1)) + " threw " + e;
            }
        }

        private String apply(Op op) {
            int id = op.id();
            switch (op.kind()) {
                case 'a' -> {
                    if (address[id] != 0) {
                        return free(id);
                    }
                    int c = op.arg() % caches.length;
                    long a = caches[c].alloc();
                    if (a == 0) {
                        return null; // the heap is full: not misuse
                    }
                    String bad = born(id, c, a);
                    performed[0]++;
                    return bad;
                }
                case 'f' -> {
                    if (address[id] == 0) {
                        return null;
                    }
                    performed[1]++;
                    return free(id);
                }
                case 'x' -> {
                    if (address[id] == 0) {
                        return null;
                    }
                    String bad = verify(id);
                    if (bad != null) {
                        return bad;
                    }
                    tag[id] = nextTag++;
                    writePattern(id);
                    shadow.put(address[id], caches[cacheOf[id]].usableSize(), tag[id]);
                    performed[2]++;
                    return null;
                }
                case 'w' -> {
                    if (address[id] == 0 || caches.length < 2) {
                        return null;
                    }
                    int other = (cacheOf[id] + 1 + op.arg() % (caches.length - 1)) % caches.length;
                    performed[3]++;
                    return misuse(() -> caches[other].free(address[id]), WrongCacheException.class, "free to the wrong cache");
                }
                case 'd' -> {
                    long a = freed[id];
                    if (a == 0 || shadow.contains(a)) {
                        return null;
                    }
                    performed[4]++;
                    SlabCache c = caches[freedCache[id]];
                    // While the object's slab exists the double free is exact; once the cache destroyed a slab, the
                    // pages may be gone or reused (then it is some other bad pointer).
                    Class<? extends InvalidPointerException> expected = destroyedSlabs(c) == freedEpoch[id] ? DoubleFreeException.class
                            : InvalidPointerException.class;
                    return misuse(() -> c.free(a), expected, "double free");
                }
                case 'p' -> {
                    return foreign(op);
                }
                case 's' -> {
                    caches[op.arg() % caches.length].shrink();
                    performed[6]++;
                    return null;
                }
                case 'S' -> {
                    slab.shrink();
                    performed[7]++;
                    return null;
                }
                case 't' -> {
                    if (op.arg() % 2 == 0) {
                        slab.detach();
                    } else {
                        caches[op.arg() % caches.length].detach();
                    }
                    performed[8]++;
                    return null;
                }
                case 'v' -> {
                    slab.scavenge();
                    performed[9]++;
                    return null;
                }
                case 'o' -> {
                    return otherThread(id, op.arg());
                }
                default -> throw new IllegalArgumentException("op " + op);
            }
        }

        private String born(int id, int c, long a) {
            if (shadow.contains(a)) {
                return "HEAP-5: alloc returned the live object " + hex(a) + " again";
            }
            SlabCache cache = caches[c];
            if ((a & (cache.align() - 1)) != 0) {
                return "ALIGN: " + cache.name() + " returned " + hex(a) + ", not " + cache.align() + "-aligned";
            }
            if (specs.get(c).constructed()) {
                long state = heap.getLong(a);
                if (state != signature[c]) {
                    return "CTOR-STATE: " + cache.name() + " handed out " + hex(a) + " not in its constructed state: " + hex(state);
                }
            }
            address[id] = a;
            cacheOf[id] = c;
            tag[id] = nextTag++;
            freed[id] = 0;
            for (int j = 0; j < IDS; j++) {
                if (freed[j] == a) {
                    freed[j] = 0;
                }
            }
            writePattern(id);
            shadow.put(a, cache.usableSize(), tag[id]);
            return null;
        }

        private String free(int id) {
            String bad = verify(id);
            if (bad != null) {
                return bad;
            }
            int c = cacheOf[id];
            long a = address[id];
            if (specs.get(c).constructed()) {
                heap.putLong(a, signature[c]); // the object goes back in its constructed state
            }
            long epoch = destroyedSlabs(caches[c]);
            caches[c].free(a);
            noteFreed(id, c, a, epoch);
            return null;
        }

        /** Records a free; {@code epoch} is the cache's destroyed-slab count before it (the free itself may destroy the slab). */
        private void noteFreed(int id, int c, long a, long epoch) {
            shadow.remove(a);
            address[id] = 0;
            freed[id] = a;
            freedCache[id] = c;
            freedEpoch[id] = epoch;
        }

        private static long destroyedSlabs(SlabCache c) {
            synchronized (c.slabs.slabLock) {
                return c.slabs.slabsDestroyed;
            }
        }

        /** A misuse must throw {@code expected} (or a subclass) and change no byte of the heap. */
        private String misuse(Runnable call, Class<? extends InvalidPointerException> expected, String what) {
            byte[] before = heap.snapshot();
            try {
                call.run();
                return "MISUSE: " + what + " was not detected";
            } catch (InvalidPointerException e) {
                if (!expected.isInstance(e)) {
                    return "MISUSE: " + what + " threw " + e.getClass().getSimpleName() + " instead of " + expected.getSimpleName() + ": " + e.getMessage();
                }
            }
            if (!Arrays.equals(before, heap.snapshot())) {
                return "MISUSE: " + what + " changed the heap";
            }
            return null;
        }

        /** A pointer that is no live object start: inside a live object, past the break, or a random heap address. */
        private String foreign(Op op) {
            long a;
            int variant = op.arg() % 4;
            if (variant == 0 && address[op.id()] != 0) {
                a = address[op.id()] + 16 * (1 + op.arg() % 4); // interior (16-aligned)
                if (a >= address[op.id()] + caches[cacheOf[op.id()]].usableSize()) {
                    return null;
                }
            } else if (variant == 1) {
                a = (heap.brk() + 4096L * (1 + op.arg() % 8)) & -16L;
            } else {
                long span = Math.max(16, heap.brk() - heap.start());
                a = (heap.start() + ((long) op.arg() * 7919 * 16) % span) & -16L;
            }
            if (shadow.contains(a)) {
                return null;
            }
            performed[5]++;
            int c = op.arg() % caches.length;
            return misuse(() -> caches[c].free(a), InvalidPointerException.class, "free of the foreign address " + hex(a));
        }

        /** Another platform thread frees the object (into its own magazines), allocates and frees one more, then ends. */
        private String otherThread(int id, int arg) {
            if (address[id] == 0) {
                return null;
            }
            String bad = verify(id);
            if (bad != null) {
                return bad;
            }
            int c = cacheOf[id];
            long a = address[id];
            if (specs.get(c).constructed()) {
                heap.putLong(a, signature[c]);
            }
            long epoch = destroyedSlabs(caches[c]);
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    caches[c].free(a);
                    long b = caches[(c + arg) % caches.length].alloc();
                    if (b != 0) {
                        caches[(c + arg) % caches.length].free(b);
                    }
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "INTERRUPTED";
            }
            if (thrown.get() != null) {
                return "THREAD: the other thread threw " + thrown.get();
            }
            noteFreed(id, c, a, epoch);
            performed[10]++;
            return null;
        }

        SlabAllocator slabForTest() {
            return slab;
        }

        /** Test hook: flips the last byte of the first live object (a stray write by someone else). */
        void clobberFirstLive() {
            for (int id = 0; id < IDS; id++) {
                if (address[id] != 0) {
                    long last = address[id] + caches[cacheOf[id]].usableSize() - 1;
                    heap.putByte(last, (byte) ~heap.getByte(last));
                    return;
                }
            }
        }

        private void writePattern(int id) {
            long a = address[id];
            long from = scratchStart(cacheOf[id]);
            long usable = caches[cacheOf[id]].usableSize();
            MemorySegment s = heap.slice(a + from, usable - from);
            long i = 0;
            for (; i + 8 <= s.byteSize(); i += 8) {
                s.set(ValueLayout.JAVA_LONG_UNALIGNED, i, pattern(tag[id], i));
            }
            for (; i < s.byteSize(); i++) {
                s.set(ValueLayout.JAVA_BYTE, i, (byte) pattern(tag[id], i));
            }
        }

        private String verify(int id) {
            long a = address[id];
            int c = cacheOf[id];
            long from = scratchStart(c);
            long usable = caches[c].usableSize();
            long i = 0;
            for (; i + 8 <= usable - from; i += 8) {
                long v = heap.getLong(a + from + i);
                if (v != pattern(tag[id], i)) {
                    return "HEAP-7: object " + hex(a) + " of " + caches[c].name() + " changed at offset " + (from + i) + ": " + hex(v);
                }
            }
            for (; i < usable - from; i++) {
                if (heap.getByte(a + from + i) != (byte) pattern(tag[id], i)) {
                    return "HEAP-7: object " + hex(a) + " of " + caches[c].name() + " changed at offset " + (from + i);
                }
            }
            if (specs.get(c).constructed() && heap.getLong(a) != signature[c]) {
                return "HEAP-7: the constructed state of live object " + hex(a) + " changed";
            }
            return null;
        }

        private static long pattern(long tag, long offset) {
            long x = tag * 0x9E3779B97F4A7C15L + offset;
            x ^= x >>> 31;
            return x * 0xBF58476D1CE4E5B9L;
        }

        private String check(boolean payloads) {
            if (callbackError.get() != null) {
                return callbackError.get();
            }
            List<Violation> v = checker.check(Inspection.of(slab).heapWalk(), shadow, this::usableOf);
            if (!v.isEmpty()) {
                return v.get(0).invariantId() + ": " + v.get(0) + (v.size() > 1 ? " (+" + (v.size() - 1) + " more: " + v.subList(1, Math.min(4, v.size())) + ")" : "");
            }
            for (int i = 0; i < caches.length; i++) {
                SlabCache c = caches[i];
                long objects;
                long created;
                long destroyed;
                synchronized (c.slabs.slabLock) {
                    objects = (c.slabs.counts[0] + c.slabs.counts[1] + c.slabs.counts[2]) * c.objectsPerSlab();
                    created = c.slabs.slabsCreated * c.objectsPerSlab();
                    destroyed = c.slabs.slabsDestroyed * c.objectsPerSlab();
                }
                if (specs.get(i).constructed() && (ctorCalls[i].get() != created || created - destroyed != objects)) {
                    return "CTOR-COUNT: " + c.name() + " ran its constructor " + ctorCalls[i].get() + " times; objects made " + created
                            + ", destroyed " + destroyed + ", in slabs " + objects + " (each object is constructed once, at slab creation)";
                }
                if (specs.get(i).destructed() && dtorCalls[i].get() != destroyed) {
                    return "CTOR-COUNT: " + c.name() + " ran its destructor " + dtorCalls[i].get() + " times for " + destroyed + " destroyed objects";
                }
            }
            if (payloads) {
                for (int id = 0; id < IDS; id++) {
                    if (address[id] != 0) {
                        String bad = verify(id);
                        if (bad != null) {
                            return bad;
                        }
                    }
                }
            }
            return null;
        }

        private long usableOf(long a) {
            for (int id = 0; id < IDS; id++) {
                if (address[id] == a) {
                    return caches[cacheOf[id]].usableSize();
                }
            }
            return 0;
        }
    }

    static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }
}
