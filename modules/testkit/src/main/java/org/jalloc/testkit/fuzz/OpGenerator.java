package org.jalloc.testkit.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.jalloc.testkit.trace.Op;

/**
 * Seeded op sequences over the whole API, with a per-sequence profile (op mix, size mix, number of ids) so that
 * different seeds stress different paths: many tiny blocks, odd sizes, powers of two, page-sized blocks, and blocks
 * large enough to exhaust the heap.
 *
 * <p>Sequences are independent of the allocator's answers: the generator assumes every allocation succeeds, and
 * the runner skips ops on ids that are not live. That is what makes a failing sequence shrinkable by deleting ops.
 *
 * <h2>Request sizes and resident memory</h2>
 * Large requests are a fraction of the heap ({@code heap / 2} to {@code heap / 16}); no request (also none grown
 * by realloc or tryExpand) is above {@link #MAX_REQUEST} (64 MiB), and a sequence asks for at most {@link #SEQUENCE_BUDGET} (256 MiB) in requests
 * above {@link #SMALL} (32 KiB): a request that would pass the budget is cut to what is left of it (but not below
 * 32 KiB). Every byte a fuzz run writes (patterns, calloc's zeroes, realloc's copies) lies in a requested block, and
 * each sequence has a fresh heap, so a fuzz run's resident memory stays under about 256 MiB + 32 KiB per op of a
 * sequence (288 MiB for the default 1,000) plus the JVM, whatever {@code --heap} is. Heaps up to 128 MiB are still
 * driven to exhaustion by large requests; larger heaps are not (their exhaustion paths are those of the small ones).
 */
public final class OpGenerator {
    /** Size classes, by index. */
    enum SizeClass { TINY, ODD, POWER_OF_TWO, PAGE, MEDIUM, LARGE }

    /** The largest request a sequence makes. */
    public static final long MAX_REQUEST = 64L << 20;
    /** What a sequence may request in total in requests above {@link #SMALL}. */
    public static final long SEQUENCE_BUDGET = 256L << 20;
    /** Requests up to this size are not counted against the budget. */
    public static final long SMALL = 32L << 10;

    private OpGenerator() {}

    /** A sequence of {@code length} ops for a heap of {@code heapBytes}, within {@link #SEQUENCE_BUDGET}. */
    public static List<Op> generate(long seed, int length, long heapBytes) {
        return generate(seed, length, heapBytes, SEQUENCE_BUDGET);
    }

    /**
     * A sequence of {@code length} ops for a heap of {@code heapBytes} whose requests above {@link #SMALL} add up to
     * at most {@code budget} bytes (concurrent fuzzing splits {@link #SEQUENCE_BUDGET} among its workers).
     */
    public static List<Op> generate(long seed, int length, long heapBytes, long budget) {
        SplittableRandom r = new SplittableRandom(seed);
        long left = budget;
        int ids = 8 << r.nextInt(6); // 8 .. 256 ids
        int[] opWeights = weights(r, 6, 4);      // a f r c m x
        int[] sizeWeights = weights(r, SizeClass.values().length, 3);
        sizeWeights[SizeClass.LARGE.ordinal()] = r.nextInt(3); // rare: exhaustion comes in bursts
        boolean[] live = new boolean[ids];
        long[] size = new long[ids];
        int liveCount = 0;
        List<Op> ops = new ArrayList<>(length);
        while (ops.size() < length) {
            int kind = pick(r, opWeights);
            if (liveCount == 0 && (kind == 1 || kind == 5)) {
                kind = 0;
            }
            int id;
            if (kind == 1 || kind == 5 || (kind == 2 && r.nextInt(8) != 0)) {
                id = randomLive(r, live, liveCount);
                if (id < 0) {
                    kind = 0;
                    id = r.nextInt(ids);
                }
            } else {
                id = r.nextInt(ids);
                if (live[id] && r.nextInt(4) != 0) {
                    kind = 1; // mostly free a live id rather than leak it
                }
            }
            long s = size(r, sizeWeights, heapBytes);
            Op op = switch (kind) {
                case 0 -> Op.malloc(id, s);
                case 1 -> Op.free(id);
                case 2 -> Op.realloc(id, r.nextInt(16) == 0 ? 0 : live[id] && r.nextBoolean() ? near(r, size[id]) : s);
                case 3 -> {
                    long count = r.nextInt(16) == 0 ? 0 : 1 + r.nextInt(64);
                    yield Op.calloc(id, count, Math.max(1, s / Math.max(1, count)));
                }
                case 4 -> Op.aligned(id, 1L << (3 + r.nextInt(r.nextInt(8) == 0 ? 14 : 9)), s);
                default -> Op.expand(id, near(r, size[id]));
            };
            long asked = op.requested();
            if (asked > SMALL) {
                if (asked > Math.min(left, MAX_REQUEST)) {
                    op = withRequest(op, Math.min(MAX_REQUEST, Math.max(SMALL, left)));
                }
                left -= Math.min(left, op.requested());
            }
            ops.add(op);
            switch (op.kind()) {
                case 'a', 'c', 'm' -> {
                    if (!live[id]) {
                        liveCount++;
                    }
                    live[id] = true;
                    size[id] = op.requested();
                }
                case 'f' -> {
                    if (live[id]) {
                        liveCount--;
                    }
                    live[id] = false;
                }
                case 'r' -> {
                    if (op.size() == 0) {
                        if (live[id]) {
                            liveCount--;
                        }
                        live[id] = false;
                    } else {
                        if (!live[id]) {
                            liveCount++;
                        }
                        live[id] = true;
                        size[id] = op.size();
                    }
                }
                default -> size[id] = op.size();
            }
        }
        return ops;
    }

    /** {@code op} asking for {@code bytes} instead (calloc keeps its count). */
    private static Op withRequest(Op op, long bytes) {
        return switch (op.kind()) {
            case 'c' -> Op.calloc(op.id(), op.arg(), Math.max(1, bytes / Math.max(1, op.arg())));
            case 'm' -> Op.aligned(op.id(), op.arg(), bytes);
            default -> new Op(op.kind(), op.id(), bytes, op.arg());
        };
    }

    private static int[] weights(SplittableRandom r, int n, int spread) {
        int[] w = new int[n];
        for (int i = 0; i < n; i++) {
            w[i] = 1 + r.nextInt(1 << spread);
        }
        return w;
    }

    private static int pick(SplittableRandom r, int[] weights) {
        int total = 0;
        for (int w : weights) {
            total += w;
        }
        int x = r.nextInt(Math.max(1, total));
        for (int i = 0; i < weights.length; i++) {
            x -= weights[i];
            if (x < 0) {
                return i;
            }
        }
        return 0;
    }

    private static int randomLive(SplittableRandom r, boolean[] live, int liveCount) {
        if (liveCount == 0) {
            return -1;
        }
        int k = r.nextInt(liveCount);
        for (int i = 0; i < live.length; i++) {
            if (live[i] && k-- == 0) {
                return i;
            }
        }
        return -1;
    }

    /** A size near {@code s}: slightly smaller or larger, for in-place growth and shrinking. */
    private static long near(SplittableRandom r, long s) {
        long delta = switch (r.nextInt(4)) {
            case 0 -> -Math.min(s, r.nextInt(64));
            case 1 -> r.nextInt(64);
            case 2 -> s / 2;
            default -> -(s / 2);
        };
        return Math.max(0, s + delta);
    }

    static long size(SplittableRandom r, int[] weights, long heapBytes) {
        return switch (SizeClass.values()[pick(r, weights)]) {
            case TINY -> r.nextInt(17);
            case ODD -> 1 + 2L * r.nextInt(128);
            case POWER_OF_TWO -> Math.max(0, (1L << r.nextInt(14)) + (r.nextInt(4) == 0 ? r.nextInt(3) - 1 : 0));
            case PAGE -> 4096L * (1 + r.nextInt(4)) + r.nextInt(33) - 16;
            case MEDIUM -> 256 + r.nextInt(16 << 10);
            case LARGE -> Math.max(1, Math.min(MAX_REQUEST, heapBytes / (2 + r.nextInt(15))));
        };
    }
}
