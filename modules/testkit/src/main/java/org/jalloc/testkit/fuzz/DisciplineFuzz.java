package org.jalloc.testkit.fuzz;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.check.CheckedAllocator;
import org.jalloc.check.HeapCheckException;
import org.jalloc.core.Allocator;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.FixedSizeAllocator;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.OutOfOrderFreeException;
import org.jalloc.core.RegionAllocator;
import org.jalloc.core.StaleCheckpointException;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.Inspection;

/**
 * Checked fuzzing for allocators that keep a discipline: a stack ({@link RegionAllocator} with {@code lifo()}), an
 * arena ({@link RegionAllocator} without) and an object pool ({@link FixedSizeAllocator}). {@link FuzzEngine} hands
 * such an allocator to this class, so {@code ./jalloc fuzz --allocator stack|arena|pool} and the contract tests run
 * it with the same report.
 *
 * <p>Sequences respect the discipline: a stack frees its newest block and pops its newest frame, an arena frees in
 * any order and releases to any open mark, a pool takes objects of its size and gives them back in any order. Every
 * valid call runs under {@link CheckedAllocator} (shadow model, payload patterns, the heap checker after every op);
 * a release or reset, which ends many blocks at once, runs on the allocator and the blocks it ended leave the shadow,
 * then the whole heap and every payload are verified (a block released too early or kept too long is HEAP-5).
 *
 * <p>Sequences also try the misuse the discipline forbids, on the allocator itself (not the checker), and require
 * the specific exception with the heap unchanged: a free out of LIFO order and a pop of a frame under a newer one
 * ({@link OutOfOrderFreeException}), a release to a stale checkpoint ({@link StaleCheckpointException}), a double
 * free ({@link DoubleFreeException} for a pool, whose live bitmap is exact; for a stack or an arena, whose freed bytes
 * may have been reused, {@link InvalidPointerException} or its subclass), and an interior or foreign pointer
 * ({@link InvalidPointerException}). "Unchanged" is checked on the walk: the same extents, every byte of every live
 * block and metadata extent, and the first 16 bytes (where links and headers live) of every free or padding extent.
 *
 * <p>Steps name blocks by selectors ("the newest", "live block number k"), judged against the model when they run,
 * so a sequence stays valid when the shrinker deletes steps; a step whose precondition no longer holds is skipped.
 */
public final class DisciplineFuzz {
    /** The disciplines. */
    public enum Kind {
        /** A stack: free only the newest block of the newest frame, pop only the newest frame. */
        LIFO,
        /** An arena: free any live block, release to any open mark. */
        REGION,
        /** A pool: objects of one size, any order. */
        FIXED_SIZE
    }

    /**
     * One step: {@code kind} is {@code a} malloc, {@code c} calloc, {@code m} alignedAlloc, {@code f} free,
     * {@code r} realloc, {@code x} tryExpand, {@code k} checkpoint, {@code K} release, {@code z} reset, or a misuse
     * probe: {@code F} free out of order, {@code O} release under a newer frame, {@code S} stale release, {@code D}
     * double free, {@code I} interior or foreign pointer.
     *
     * @param select picks the block or checkpoint among those that qualify (modulo their number)
     * @param size   the size operand
     * @param arg    the count for {@code c}, the alignment for {@code m}
     */
    public record Step(char kind, int select, long size, long arg) {
        @Override
        public String toString() {
            return switch (kind) {
                case 'a' -> "malloc(" + size + ")";
                case 'c' -> "calloc(" + arg + ", " + size + ")";
                case 'm' -> "alignedAlloc(" + arg + ", " + size + ")";
                case 'f' -> "free(#" + select + ")";
                case 'r' -> "realloc(#" + select + ", " + size + ")";
                case 'x' -> "tryExpand(#" + select + ", " + size + ")";
                case 'k' -> "checkpoint()";
                case 'K' -> "releaseTo(#" + select + ")";
                case 'z' -> "reset()";
                case 'F' -> "misuse: free #" + select + " out of order";
                case 'O' -> "misuse: release #" + select + " under a newer frame";
                case 'S' -> "misuse: release stale #" + select;
                case 'D' -> "misuse: double free #" + select;
                default -> "misuse: interior or foreign pointer #" + select;
            };
        }
    }

    private final AllocatorFactory factory;
    private final Kind kind;
    private final long objectSize;
    private final long objectCount;
    private int opsPerSequence = 500;
    private int shrinkBudget = 3000;

    private DisciplineFuzz(AllocatorFactory factory, Kind kind, long objectSize, long objectCount) {
        this.factory = factory;
        this.kind = kind;
        this.objectSize = objectSize;
        this.objectCount = objectCount;
    }

    /** The discipline of an allocator, or null for a general-purpose one. */
    public static @Nullable Kind kindOf(Allocator allocator) {
        if (allocator instanceof RegionAllocator r) {
            return r.lifo() ? Kind.LIFO : Kind.REGION;
        }
        return allocator instanceof FixedSizeAllocator ? Kind.FIXED_SIZE : null;
    }

    /** The discipline fuzz for the allocators {@code factory} makes, or null when they have no discipline. */
    public static @Nullable DisciplineFuzz forFactory(AllocatorFactory factory) {
        try (Heap heap = Heap.reserve(factory.heapBytes())) {
            Allocator probe = factory.create(heap);
            Kind k = kindOf(probe);
            if (k == null) {
                return null;
            }
            long size = probe instanceof FixedSizeAllocator f ? f.objectSize() : 0;
            long count = probe instanceof FixedSizeAllocator f ? f.objectCount() : 0;
            return new DisciplineFuzz(factory, k, size, count);
        }
    }

    /** The discipline fuzzed. */
    public Kind kind() {
        return kind;
    }

    /** Ops per sequence; default 500. */
    public DisciplineFuzz opsPerSequence(int ops) {
        if (ops < 1) {
            throw new IllegalArgumentException("ops per sequence must be positive");
        }
        this.opsPerSequence = ops;
        return this;
    }

    /** Test runs the shrinker may spend on one failure; default 3000. */
    public DisciplineFuzz shrinkBudget(int runs) {
        this.shrinkBudget = runs;
        return this;
    }

    /** Runs sequences until {@code totalOps} steps have been executed; every failure is shrunk and kept. */
    public FuzzReport run(long seed, long totalOps, FuzzEngine.@Nullable Progress progress) {
        return run(seed, totalOps, progress, () -> false);
    }

    /**
     * As {@link #run(long, long, FuzzEngine.Progress)}, but stops early, between two sequences, once {@code stop} says
     * so (the soak mode's deadline); the report counts the ops actually run.
     */
    public FuzzReport run(long seed, long totalOps, FuzzEngine.@Nullable Progress progress, java.util.function.BooleanSupplier stop) {
        return FuzzEngine.runSequences(factory.name(), seed, totalOps, opsPerSequence, progress, stop,
                (s, length, visited) -> runAndShrink(generate(s, length), s, visited));
    }

    /** Runs one generated sequence; returns its shrunk failure, or null if it passed. */
    public @Nullable FuzzFailure runSequence(long seed) {
        return runAndShrink(generate(seed, opsPerSequence), seed, new long[1]);
    }

    /** Runs the given steps (e.g. from fuzzer bytes); returns the shrunk failure, or null if they passed. */
    public @Nullable FuzzFailure runSteps(List<Step> steps, long seed) {
        return runAndShrink(steps, seed, new long[1]);
    }

    // ---------------------------------------------------------------- generation

    /** A sequence of {@code length} steps for this discipline, from its seed alone. */
    public List<Step> generate(long seed, int length) {
        SplittableRandom r = new SplittableRandom(seed);
        // weights: a c m f r x k K z probe
        int[] w = new int[10];
        for (int i = 0; i < w.length; i++) {
            w[i] = 1 + r.nextInt(8);
        }
        w[0] += 8; // allocation leads, or sequences stay empty
        w[8] = kind == Kind.FIXED_SIZE ? 0 : r.nextInt(2); // resets are rare
        if (kind == Kind.FIXED_SIZE) {
            w[6] = 0;
            w[7] = 0;
        }
        w[9] = 1; // misuse probes: about one step in forty
        boolean large = r.nextInt(4) == 0;
        List<Step> steps = new ArrayList<>(length);
        long[] left = {OpGenerator.SEQUENCE_BUDGET};
        while (steps.size() < length) {
            int k = pick(r, w);
            int sel = r.nextInt(Integer.MAX_VALUE);
            steps.add(budgeted(left, switch (k) {
                case 0 -> new Step('a', 0, size(r, large), 0);
                case 1 -> {
                    long count = 1 + r.nextInt(16);
                    yield new Step('c', 0, Math.max(1, size(r, false) / count), count);
                }
                case 2 -> new Step('m', 0, size(r, false), 1L << (3 + r.nextInt(r.nextInt(8) == 0 ? 14 : 8)));
                case 3 -> new Step('f', sel, 0, 0);
                case 4 -> new Step('r', sel, r.nextInt(16) == 0 ? 0 : size(r, large), 0);
                case 5 -> new Step('x', sel, size(r, false), 0);
                case 6 -> new Step('k', 0, 0, 0);
                case 7 -> new Step('K', sel, 0, 0);
                case 8 -> new Step('z', 0, 0, 0);
                default -> new Step(probe(r), sel, 0, 0);
            }));
        }
        return steps;
    }

    /**
     * The step within {@link OpGenerator}'s request limits, so resident memory does not follow the heap size: no
     * request above {@link OpGenerator#MAX_REQUEST}, and requests above {@link OpGenerator#SMALL} cut to what is left
     * of the sequence's {@link OpGenerator#SEQUENCE_BUDGET} (but not below {@code SMALL}).
     */
    private static Step budgeted(long[] left, Step s) {
        long bytes = s.kind() == 'c' ? s.size() * s.arg() : s.size();
        if (bytes <= OpGenerator.SMALL) {
            return s;
        }
        long allowed = Math.max(OpGenerator.SMALL, Math.min(OpGenerator.MAX_REQUEST, left[0]));
        long size = bytes <= allowed ? s.size() : s.kind() == 'c' ? Math.max(1, allowed / s.arg()) : allowed;
        left[0] = Math.max(0, left[0] - (s.kind() == 'c' ? size * s.arg() : size));
        return size == s.size() ? s : new Step(s.kind(), s.select(), size, s.arg());
    }

    private char probe(SplittableRandom r) {
        return switch (kind) {
            case LIFO -> "FOSDI".charAt(r.nextInt(5));
            case REGION -> "SDI".charAt(r.nextInt(3));
            case FIXED_SIZE -> "DI".charAt(r.nextInt(2));
        };
    }

    private long size(SplittableRandom r, boolean large) {
        if (kind == Kind.FIXED_SIZE) {
            return switch (r.nextInt(8)) {
                case 0 -> objectSize + 1 + r.nextInt(64); // too large: 0, not an error
                case 1 -> objectSize;
                case 2 -> 0;
                default -> r.nextLong(objectSize + 1);
            };
        }
        return switch (r.nextInt(large ? 6 : 5)) {
            case 0 -> r.nextInt(17);
            case 1, 2 -> 1 + r.nextInt(256);
            case 3 -> 256 + r.nextInt(4096);
            case 4 -> 4096L * (1 + r.nextInt(4)) + r.nextInt(33) - 16;
            default -> Math.max(1, factory.heapBytes() / (2 + r.nextInt(15)));
        };
    }

    private static int pick(SplittableRandom r, int[] weights) {
        int total = 0;
        for (int w : weights) {
            total += w;
        }
        int x = r.nextInt(total);
        for (int i = 0; i < weights.length; i++) {
            x -= weights[i];
            if (x < 0) {
                return i;
            }
        }
        return 0;
    }

    /**
     * Steps from coverage-guided fuzzer bytes (Jazzer): four bytes per step (kind, selector, two size bytes), so a
     * mutated byte changes one field of one step.
     */
    public List<Step> fromBytes(byte[] data) {
        String kinds = switch (kind) {
            case LIFO -> "acmfrxkKzFOSDI";
            case REGION -> "acmfrxkKzSDI";
            case FIXED_SIZE -> "acmfrxDI";
        };
        List<Step> steps = new ArrayList<>(data.length / 4);
        for (int i = 0; i + 4 <= data.length; i += 4) {
            char k = kinds.charAt((data[i] & 0xFF) % kinds.length());
            int sel = data[i + 1] & 0xFF;
            long raw = ((data[i + 2] & 0xFF) << 8) | (data[i + 3] & 0xFF);
            long size = kind == Kind.FIXED_SIZE ? raw % (objectSize + 17)
                    : (raw & 0x8000) != 0 ? Math.min(OpGenerator.MAX_REQUEST, factory.heapBytes() / (2 + raw % 15)) : raw;
            steps.add(switch (k) {
                case 'c' -> new Step('c', sel, Math.max(1, size / (1 + sel % 16)), 1 + sel % 16);
                case 'm' -> new Step('m', sel, size, 1L << (3 + sel % 12));
                default -> new Step(k, sel, size, 0);
            });
        }
        return steps;
    }

    // ---------------------------------------------------------------- running and shrinking

    private @Nullable FuzzFailure runAndShrink(List<Step> steps, long seed, long[] visited) {
        Outcome first = execute(steps);
        visited[0] += first.visited;
        if (first.signature == null) {
            return null;
        }
        String signature = first.signature;
        List<Step> shrunk = Shrinker.shrink(steps, candidate -> signature.equals(execute(candidate).signature), shrinkBudget);
        Outcome last = execute(shrunk);
        String message = Objects.requireNonNullElse(last.message, first.message == null ? signature : first.message);
        StringBuilder script = new StringBuilder(message).append("\nshrunk from ").append(steps.size()).append(" to ").append(shrunk.size())
                .append(" steps (").append(kind).append(" discipline; rerun the sequence with DisciplineFuzz.runSequence(").append(seed)
                .append(")):\n");
        for (Step s : shrunk) {
            script.append("  ").append(s).append('\n');
        }
        return new FuzzFailure(factory.name(), factory.heapBytes(), seed, steps.size(), List.of(), signature, script.toString());
    }

    private record Outcome(@Nullable String signature, @Nullable String message, long visited) {}

    private Outcome execute(List<Step> steps) {
        Heap heap = Heap.reserve(factory.heapBytes());
        Allocator raw;
        try {
            raw = factory.create(heap);
        } catch (RuntimeException e) {
            heap.close();
            return new Outcome(e.getClass().getSimpleName(), "creating the allocator threw " + e, 0);
        }
        CheckedAllocator checked = new CheckedAllocator(raw);
        Run run = new Run(raw, checked);
        int n = 0;
        try {
            for (Step s : steps) {
                n++;
                run.apply(s);
            }
            checked.verifyAll();
            return new Outcome(null, null, checked.extentsVisited());
        } catch (HeapCheckException e) {
            return new Outcome(String.join(",", e.invariantIds()), "step #" + n + " " + steps.get(n - 1) + ": " + e.getMessage(), checked.extentsVisited());
        } catch (ProbeFailure e) {
            return new Outcome(e.signature, "step #" + n + " " + steps.get(n - 1) + ": " + e.getMessage(), checked.extentsVisited());
        } catch (RuntimeException | StackOverflowError e) {
            return new Outcome(e.getClass().getSimpleName(), "step #" + n + " " + steps.get(n - 1) + " threw " + FuzzEngine.thrown(e),
                    checked.extentsVisited());
        } finally {
            checked.close();
        }
    }

    /** A misuse probe that did not throw what the discipline requires, or changed the heap. */
    private static final class ProbeFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String signature;

        ProbeFailure(String signature, String message) {
            super(message);
            this.signature = signature;
        }
    }

    /**
     * The model of one sequence: the live blocks and open checkpoints in the order they were made (a block is its
     * address, a checkpoint its token, told apart by {@code isMark}), the stale tokens and the freed addresses.
     */
    private final class Run {
        private final Allocator raw;
        private final CheckedAllocator checked;
        private final @Nullable RegionAllocator region;
        private long[] order = new long[64];
        private boolean[] isMark = new boolean[64];
        private int size;
        private final long[] stale = new long[64];
        private int staleCount;
        private final long[] freed = new long[64];
        private int freedCount;

        Run(Allocator raw, CheckedAllocator checked) {
            this.raw = raw;
            this.checked = checked;
            this.region = raw instanceof RegionAllocator r ? r : null;
        }

        private RegionAllocator region() {
            RegionAllocator r = region;
            if (r == null) {
                throw new IllegalStateException(raw.name() + " takes no checkpoints");
            }
            return r;
        }

        void apply(Step s) {
            switch (s.kind()) {
                case 'a' -> born(checked.malloc(s.size()));
                case 'c' -> born(checked.calloc(s.arg(), s.size()));
                case 'm' -> born(checked.alignedAlloc(s.arg(), s.size()));
                case 'f' -> free(s);
                case 'r' -> realloc(s);
                case 'x' -> {
                    int i = pickBlock(s.select(), false);
                    if (i >= 0) {
                        checked.tryExpand(order[i], s.size());
                    }
                }
                case 'k' -> checkpoint();
                case 'K' -> release(s);
                case 'z' -> reset();
                default -> probe(s);
            }
        }

        private void push(long value, boolean mark) {
            if (size == order.length) {
                order = Arrays.copyOf(order, size * 2);
                isMark = Arrays.copyOf(isMark, size * 2);
            }
            order[size] = value;
            isMark[size++] = mark;
        }

        private void remove(int i) {
            System.arraycopy(order, i + 1, order, i, size - i - 1);
            System.arraycopy(isMark, i + 1, isMark, i, size - i - 1);
            size--;
        }

        private void born(long address) {
            if (address == 0) {
                return;
            }
            forgetFreed(address);
            push(address, false);
        }

        private void forgetFreed(long address) {
            for (int i = 0; i < freedCount; i++) {
                if (freed[i] == address) {
                    freed[i] = freed[--freedCount];
                    return;
                }
            }
        }

        private void noteFreed(long address) {
            if (freedCount == freed.length) {
                System.arraycopy(freed, 1, freed, 0, --freedCount);
            }
            freed[freedCount++] = address;
        }

        private void noteStale(long token) {
            if (staleCount == stale.length) {
                System.arraycopy(stale, 1, stale, 0, --staleCount);
            }
            stale[staleCount++] = token;
        }

        /** The index in {@code order} of the newest block when it is newer than every open checkpoint, else -1. */
        private int newestOfNewestFrame() {
            return size > 0 && !isMark[size - 1] ? size - 1 : -1;
        }

        /** A live block chosen by {@code select}: any, or (with {@code notNewest}) one a stack may not free. */
        private int pickBlock(int select, boolean notNewest) {
            int top = newestOfNewestFrame();
            int n = 0;
            for (int i = 0; i < size; i++) {
                if (!isMark[i] && !(notNewest && i == top)) {
                    n++;
                }
            }
            if (n == 0) {
                return -1;
            }
            int k = select % n;
            for (int i = 0; i < size; i++) {
                if (!isMark[i] && !(notNewest && i == top) && k-- == 0) {
                    return i;
                }
            }
            return -1;
        }

        /** The index in {@code order} of the newest open checkpoint, or -1. */
        private int newestMark() {
            for (int j = size - 1; j >= 0; j--) {
                if (isMark[j]) {
                    return j;
                }
            }
            return -1;
        }

        /** An open checkpoint chosen by {@code select}: any, or (with {@code notNewest}) one under a newer one. */
        private int pickMark(int select, boolean notNewest) {
            int newest = -1;
            int n = 0;
            for (int i = 0; i < size; i++) {
                if (isMark[i]) {
                    newest = i;
                    n++;
                }
            }
            if (notNewest) {
                n--;
            }
            if (n <= 0) {
                return -1;
            }
            int k = select % n;
            for (int i = 0; i < size; i++) {
                if (isMark[i] && !(notNewest && i == newest) && k-- == 0) {
                    return i;
                }
            }
            return -1;
        }

        private void free(Step s) {
            int i = kind == Kind.LIFO ? newestOfNewestFrame() : pickBlock(s.select(), false);
            if (i < 0) {
                return;
            }
            long p = order[i];
            checked.free(p);
            remove(i);
            noteFreed(p);
        }

        private void realloc(Step s) {
            int i = pickBlock(s.select(), false);
            if (i < 0) {
                return;
            }
            long p = order[i];
            boolean newest = i == newestOfNewestFrame();
            if (s.size() == 0) {
                if (kind == Kind.LIFO && !newest) {
                    return; // realloc(p, 0) frees p: only the newest block of a stack
                }
                checked.realloc(p, 0);
                remove(i);
                noteFreed(p);
                return;
            }
            long q = checked.realloc(p, s.size());
            if (q == 0 || q == p) {
                return;
            }
            remove(i);
            noteFreed(p);
            born(q); // moved: a new block, the newest
        }

        private void checkpoint() {
            long token = region().checkpoint();
            if (token != 0) {
                push(token, true);
            }
            checked.verifyAll();
        }

        private void release(Step s) {
            int i = kind == Kind.LIFO ? newestMark() : pickMark(s.select(), false);
            if (i < 0) {
                return;
            }
            region().releaseTo(order[i]);
            endFrom(i);
            checked.verifyAll();
        }

        private void reset() {
            region().reset();
            endFrom(0);
            checked.verifyAll();
        }

        /** Everything from {@code order[i]} on ended: blocks leave the shadow, checkpoints go stale. */
        private void endFrom(int i) {
            for (int j = size - 1; j >= i; j--) {
                if (isMark[j]) {
                    noteStale(order[j]);
                } else {
                    checked.handOff(order[j]);
                    noteFreed(order[j]);
                }
            }
            size = i;
        }

        // ------------------------------------------------------------ misuse probes

        private void probe(Step s) {
            int sel = s.select();
            switch (s.kind()) {
                case 'F' -> {
                    int i = pickBlock(sel, true);
                    if (i >= 0) {
                        long p = order[i];
                        expect(s, OutOfOrderFreeException.class, true, () -> raw.free(p));
                    }
                }
                case 'O' -> {
                    int i = pickMark(sel, true);
                    if (i >= 0) {
                        long token = order[i];
                        expect(s, OutOfOrderFreeException.class, true, () -> region().releaseTo(token));
                    }
                }
                case 'S' -> {
                    long token = staleCount == 0 ? 0 : stale[sel % staleCount];
                    expect(s, StaleCheckpointException.class, true, () -> region().releaseTo(token));
                }
                case 'D' -> {
                    if (freedCount > 0) {
                        long p = freed[sel % freedCount];
                        expect(s, kind == Kind.FIXED_SIZE ? DoubleFreeException.class : InvalidPointerException.class,
                                kind == Kind.FIXED_SIZE, () -> raw.free(p));
                    }
                }
                default -> {
                    int i = pickBlock(sel, false);
                    long p = i >= 0 ? order[i] : 0;
                    long bad;
                    if (p == 0 || sel % 4 == 0) {
                        bad = Inspection.of(raw).heap().limit() + 4096; // foreign: past the reservation
                    } else {
                        bad = raw.usableSize(p) >= 32 && sel % 4 != 1 ? p + 16 : p + 8; // interior, or misaligned
                    }
                    expect(s, InvalidPointerException.class, true, () -> raw.free(bad));
                }
            }
        }

        /** Runs a misuse on the allocator itself: it must throw {@code expected} (exactly, or a subclass) and change nothing. */
        private void expect(Step s, Class<? extends RuntimeException> expected, boolean exact, Runnable misuse) {
            byte[] before = fingerprint();
            RuntimeException thrown = null;
            try {
                misuse.run();
            } catch (RuntimeException e) {
                thrown = e;
            }
            if (thrown == null) {
                throw new ProbeFailure("probe " + s.kind() + " not detected", s + ": the allocator accepted it; expected " + expected.getSimpleName());
            }
            boolean ok = exact ? thrown.getClass() == expected : expected.isInstance(thrown);
            if (!ok) {
                throw new ProbeFailure("probe " + s.kind() + " threw " + thrown.getClass().getSimpleName(),
                        s + ": expected " + expected.getSimpleName() + (exact ? "" : " or a subclass") + ", got " + thrown);
            }
            if (!Arrays.equals(before, fingerprint())) {
                throw new ProbeFailure("probe " + s.kind() + " changed the heap", s + ": " + thrown.getClass().getSimpleName()
                        + " was thrown but the heap changed");
            }
            checked.verifyAll();
        }

        /** The walk and the bytes misuse must not change (see the class comment). */
        private byte[] fingerprint() {
            Heap heap = Inspection.of(raw).heap();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Inspection.of(raw).heapWalk().walkExtents((k, start, sz, payload, usable) -> {
                for (long v : new long[] {k.ordinal(), start, sz}) {
                    for (int b = 0; b < 8; b++) {
                        out.write((int) (v >>> (8 * b)));
                    }
                }
                long n = k == ExtentKind.ALLOCATED || k == ExtentKind.METADATA ? sz : Math.min(16, sz);
                out.writeBytes(heap.slice(start, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                return true;
            });
            return out.toByteArray();
        }
    }
}
