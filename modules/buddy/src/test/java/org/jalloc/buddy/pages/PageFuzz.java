package org.jalloc.buddy.pages;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ObjIntConsumer;

import org.jalloc.buddy.*;
import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.core.DoubleFreeException;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.InvalidSizeException;
import org.jalloc.core.shadow.LiveBlocks;
import org.jalloc.core.memory.Heap;
import org.jalloc.testkit.fuzz.FuzzEngine;
import org.jalloc.testkit.fuzz.Shrinker;

/**
 * Checked fuzzing of the page-level API ({@code allocPages}/{@code freePages} with mixed orders), which the generic
 * engine (malloc ops) does not speak. Its own shadow model: the live blocks (address, order) by id and the blocks freed
 * before. After every op the shared {@link HeapChecker} runs with the shadow (HEAP-1..6, HEAP-8, BUDDY-1..5); payloads
 * carry a per-block pattern (first, second and last word) verified on free and every 64 ops (HEAP-7). Misuse ops —
 * wrong order, split half freed as the whole, unaligned address, interior address, double free, outside the heap,
 * order out of range — must throw the exception the model predicts and change no metadata. Failing sequences are
 * shrunk with testkit's {@link Shrinker}.
 */
public final class PageFuzz {
    /** One page-level op on block id {@code id}; {@code arg} is the order for {@code a} and a selector otherwise. */
    public record Op(char kind, int id, int arg) {
        @Override
        public String toString() {
            return kind + " " + id + " " + arg;
        }
    }

    /** A page allocator configuration and heap size. */
    public record Config(long pageSize, int maxOrder, long heapBytes) {
        @Override
        public String toString() {
            return pageSize + "-byte pages, orders 0-" + maxOrder + ", heap " + heapBytes;
        }
    }

    /** A failing sequence, shrunk. */
    public record Failure(Config config, long seed, int originalOps, List<Op> ops, String message) {
        @Override
        public String toString() {
            return "page fuzz failure (" + config + ", seed " + seed + ", shrunk from " + originalOps + " to " + ops.size() + " ops):\n"
                    + message + "\nops: " + ops;
        }
    }

    static final int IDS = 64;
    /** Op kinds: a alloc, f free, then the misuses. */
    static final String KINDS = "afwhuidor";

    private PageFuzz() {}

    /** A sequence with mixed orders (mostly small, some up to the top order) and about one misuse op in six. */
    static List<Op> generate(long seed, int length, int maxOrder) {
        SplittableRandom r = new SplittableRandom(seed);
        int bigOrders = r.nextInt(4); // per-sequence profile: how often large orders come
        List<Op> ops = new ArrayList<>(length);
        for (int i = 0; i < length; i++) {
            int x = r.nextInt(100);
            char kind = x < 45 ? 'a' : x < 83 ? 'f' : KINDS.charAt(2 + r.nextInt(KINDS.length() - 2));
            int order = r.nextInt(10) < 7 - bigOrders ? r.nextInt(Math.min(3, maxOrder + 1)) : r.nextInt(maxOrder + 1);
            ops.add(new Op(kind, r.nextInt(IDS), kind == 'a' ? order : r.nextInt(1 << 16)));
        }
        return ops;
    }

    /** Fuzzer bytes as ops: three bytes per op (kind, id, argument). */
    public static List<Op> fromBytes(byte[] data, int maxOrder) {
        List<Op> ops = new ArrayList<>(data.length / 3);
        for (int i = 0; i + 3 <= data.length; i += 3) {
            char kind = KINDS.charAt((data[i] & 0xFF) % KINDS.length());
            int id = (data[i + 1] & 0xFF) % IDS;
            int arg = data[i + 2] & 0xFF;
            ops.add(new Op(kind, id, kind == 'a' ? arg % (maxOrder + 1) : arg));
        }
        return ops;
    }

    /**
     * The result of a fuzz run.
     *
     * @param failures  the failing sequences, shrunk
     * @param performed per op kind ({@link #KINDS}), how many ops really ran (allocations that succeeded, misuses
     *                  the model could set up)
     */
    record Report(List<Failure> failures, long[] performed) {
        long performed(char kind) {
            return performed[KINDS.indexOf(kind)];
        }
    }

    /** Runs {@code sequences} generated sequences. */
    static Report fuzz(Config config, long seed, int sequences, int opsPerSequence) {
        List<Failure> failures = new ArrayList<>();
        long[] performed = new long[KINDS.length()];
        for (int s = 0; s < sequences; s++) {
            long sequenceSeed = FuzzEngine.sequenceSeed(seed, s);
            List<Op> ops = generate(sequenceSeed, opsPerSequence, config.maxOrder());
            try (Heap heap = Heap.reserve(config.heapBytes())) {
                Run run = new Run(new BuddyPages(heap, config.pageSize(), config.maxOrder()), (pages, opNo) -> {});
                if (run.run(ops) != null) {
                    failures.add(runAndShrink(config, ops, sequenceSeed));
                }
                for (int k = 0; k < performed.length; k++) {
                    performed[k] += run.performed[k];
                }
            }
        }
        return new Report(failures, performed);
    }

    /** Runs {@code ops}; on failure shrinks them to a short sequence failing the same way. */
    public static Failure runAndShrink(Config config, List<Op> ops, long seed) {
        return runAndShrink(config, ops, seed, (pages, opNo) -> {});
    }

    /** As {@link #runAndShrink(Config, List, long)} with a hook after every op (tests plant faults through it). */
    static Failure runAndShrink(Config config, List<Op> ops, long seed, ObjIntConsumer<BuddyPages> afterOp) {
        String message = run(config, ops, afterOp);
        if (message == null) {
            return null;
        }
        String signature = message.substring(0, message.indexOf(':') + 1);
        List<Op> shrunk = Shrinker.shrink(ops, candidate -> {
            String m = run(config, candidate, afterOp);
            return m != null && m.startsWith(signature);
        }, 2000);
        String last = run(config, shrunk, afterOp);
        return new Failure(config, seed, ops.size(), shrunk, last != null ? last : message);
    }

    /** Runs {@code ops} on a fresh heap; returns null when every check passed, else what failed. */
    static String run(Config config, List<Op> ops) {
        return run(config, ops, (pages, opNo) -> {});
    }

    /** As {@link #run(Config, List)}, calling {@code afterOp} after every op (tests plant faults through it). */
    static String run(Config config, List<Op> ops, ObjIntConsumer<BuddyPages> afterOp) {
        try (Heap heap = Heap.reserve(config.heapBytes())) {
            return new Run(new BuddyPages(heap, config.pageSize(), config.maxOrder()), afterOp).run(ops);
        }
    }

    /** One sequence against one allocator and its shadow model. */
    private static final class Run {
        private final BuddyPages pages;
        private final Heap heap;
        private final HeapChecker checker = new HeapChecker();
        private final LiveBlocks shadow = new LiveBlocks();
        private final long[] address = new long[IDS];
        private final int[] order = new int[IDS];
        private final boolean[] live = new boolean[IDS];
        private final long[] freedAddress = new long[IDS];
        private final int[] freedOrder = new int[IDS];
        private final ObjIntConsumer<BuddyPages> afterOp;
        final long[] performed = new long[KINDS.length()];
        private int opNo;

        Run(BuddyPages pages, ObjIntConsumer<BuddyPages> afterOp) {
            this.pages = pages;
            this.heap = pages.heap();
            this.afterOp = afterOp;
        }

        String run(List<Op> ops) {
            try {
                for (Op op : ops) {
                    opNo++;
                    String failure = apply(op);
                    afterOp.accept(pages, opNo);
                    if (failure == null) {
                        failure = check(opNo % 64 == 0);
                    }
                    if (failure != null) {
                        return failure + " (op #" + opNo + " " + op + ")";
                    }
                }
                return check(true);
            } catch (RuntimeException e) {
                return e.getClass().getSimpleName() + ": op #" + opNo + " " + ops.get(opNo - 1) + " threw " + e;
            }
        }

        private String apply(Op op) {
            int id = op.id();
            switch (op.kind()) {
                case 'a' -> {
                    if (live[id]) {
                        return free(id);
                    }
                    long a = pages.allocPages(op.arg());
                    if (a == 0) {
                        return null; // the heap is full: not misuse
                    }
                    if (a % pages.blockBytes(op.arg()) != 0 || a < pages.firstAddress() || a + pages.blockBytes(op.arg()) > heap.brk()) {
                        return "BAD-BLOCK: allocPages(" + op.arg() + ") returned " + a + ", not an aligned block in the heap";
                    }
                    address[id] = a;
                    order[id] = op.arg();
                    live[id] = true;
                    shadow.put(a, pages.blockBytes(op.arg()), id);
                    writePattern(id);
                    performed[0]++;
                    return null;
                }
                case 'f' -> {
                    return live[id] ? free(id) : null;
                }
                default -> {
                    return misuse(op);
                }
            }
        }

        private String free(int id) {
            String bad = verifyPattern(id);
            if (bad != null) {
                return bad;
            }
            pages.freePages(address[id], order[id]);
            performed[1]++;
            shadow.remove(address[id]);
            live[id] = false;
            freedAddress[id] = address[id];
            freedOrder[id] = order[id];
            return null;
        }

        /** Performs a misuse when the model can set it up, and checks the predicted exception and an unchanged heap. */
        private String misuse(Op op) {
            int id = op.id();
            long page = pages.pageSize();
            int maxOrder = pages.maxOrder();
            long a;
            int k;
            Class<? extends RuntimeException> expected;
            switch (op.kind()) {
                case 'w' -> { // wrong (smaller) order
                    if (!live[id] || order[id] == 0) {
                        return null;
                    }
                    a = address[id];
                    k = op.arg() % order[id];
                    expected = WrongOrderException.class;
                }
                case 'h' -> { // a split half freed as the whole
                    if (!live[id] || order[id] == maxOrder) {
                        return null;
                    }
                    a = address[id];
                    k = order[id] + 1 + op.arg() % (maxOrder - order[id]);
                    expected = a % (page << k) == 0 ? SplitBlockException.class : UnalignedBlockException.class;
                }
                case 'u' -> { // not a multiple of the page size (with 16-byte pages every payload address is one)
                    if (!live[id] || page == 16) {
                        return null;
                    }
                    a = address[id] + 16 * (1 + op.arg() % (page / 16 - 1));
                    k = order[id];
                    expected = UnalignedBlockException.class;
                }
                case 'i' -> { // a page inside an allocated block
                    if (!live[id] || order[id] == 0) {
                        return null;
                    }
                    a = address[id] + page * (1 + op.arg() % ((1L << order[id]) - 1));
                    k = 0;
                    expected = InvalidPointerException.class;
                }
                case 'd' -> { // double free: a freed block whose pages no live block holds now
                    if (freedAddress[id] == 0 || insideLive(freedAddress[id]) || live[id] && address[id] == freedAddress[id]) {
                        return null;
                    }
                    a = freedAddress[id];
                    k = freedOrder[id];
                    expected = DoubleFreeException.class;
                }
                case 'o' -> { // outside the heap: the guard page, beyond the break, beyond the reservation
                    long[] outside = {heap.start() - page, (heap.brk() + page) & -page, heap.limit() + page};
                    a = outside[op.arg() % 3];
                    k = 0;
                    expected = InvalidPointerException.class;
                }
                default -> { // 'r': an order out of range
                    a = live[id] ? address[id] : pages.firstAddress();
                    k = op.arg() % 2 == 0 ? -1 : maxOrder + 1;
                    expected = InvalidSizeException.class;
                }
            }
            performed[KINDS.indexOf(op.kind())]++;
            long[] before = pages.metadataSnapshot();
            long brk = heap.brk();
            try {
                pages.freePages(a, k);
                return "MISUSE-UNDETECTED: freePages(" + a + ", " + k + ") (" + op.kind() + ") did not throw " + expected.getSimpleName();
            } catch (RuntimeException e) {
                if (e.getClass() != expected) {
                    return "MISUSE-WRONG-EXCEPTION: freePages(" + a + ", " + k + ") (" + op.kind() + ") threw " + e + ", expected "
                            + expected.getSimpleName();
                }
            }
            if (heap.brk() != brk || !Arrays.equals(before, pages.metadataSnapshot())) {
                return "MISUSE-CHANGED-HEAP: freePages(" + a + ", " + k + ") (" + op.kind() + ") changed the allocator's metadata";
            }
            return null;
        }

        private boolean insideLive(long a) {
            for (int i = 0; i < IDS; i++) {
                if (live[i] && a >= address[i] && a < address[i] + pages.blockBytes(order[i])) {
                    return true;
                }
            }
            return false;
        }

        private String check(boolean allPayloads) {
            List<Violation> v = checker.check(pages.heapWalk(), shadow, a -> {
                int k = pages.allocatedOrder(a);
                return k < 0 ? -1 : pages.blockBytes(k);
            });
            if (!v.isEmpty()) {
                StringBuilder sb = new StringBuilder(String.join(",", v.stream().map(Violation::invariantId).distinct().toList())).append(':');
                v.forEach(x -> sb.append("\n  ").append(x));
                return sb.toString();
            }
            if (allPayloads) {
                for (int id = 0; id < IDS; id++) {
                    if (live[id]) {
                        String bad = verifyPattern(id);
                        if (bad != null) {
                            return bad;
                        }
                    }
                }
            }
            return null;
        }

        /** The pattern word of block {@code id} at {@code offset} (0, 8 and the last word; 8 is the last for 16 bytes). */
        private long patternWord(int id, long offset) {
            return (address[id] * 0x9E3779B97F4A7C15L) ^ ((long) id << 48) ^ offset;
        }

        private void writePattern(int id) {
            long size = pages.blockBytes(order[id]);
            for (long offset : new long[] {0, 8, size - 8}) {
                heap.putLong(address[id] + offset, patternWord(id, offset));
            }
        }

        private String verifyPattern(int id) {
            long size = pages.blockBytes(order[id]);
            long[] at = {address[id], address[id] + 8, address[id] + size - 8};
            for (int w = 0; w < 3; w++) {
                if (heap.getLong(at[w]) != patternWord(id, at[w] - address[id])) {
                    return "HEAP-7: payload of block " + id + " at " + address[id] + " (order " + order[id] + ") changed at " + at[w];
                }
            }
            return null;
        }
    }
}
