package org.jalloc.testkit.gc;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded {@code gc-fuzz} sequences. Each sequence draws its own profile from its seed: how many types (1-5, with 0-6
 * references and 0-64 data bytes), and the weights of every operation kind, so some sequences build deep lists,
 * some churn, some hold many globals, some allocate arrays big enough to exhaust the heap (up to 60% of it).
 */
public final class GcOpGenerator {
    private GcOpGenerator() {}

    public static List<GcOp> generate(long seed, int length, long heapBytes) {
        return generate(seed, length, heapBytes, false);
    }

    /**
     * As {@link #generate(long, int, long)}; with {@code steps}, collection steps ({@code S}) are interleaved with the
     * operations, at a rate drawn per sequence (2% to 40%) from a second stream, so a collector that collects in steps
     * has its barrier exercised between steps. Without {@code steps} the sequence is exactly the one above.
     */
    public static List<GcOp> generate(long seed, int length, long heapBytes, boolean steps) {
        SplittableRandom r = new SplittableRandom(seed);
        SplittableRandom stepper = new SplittableRandom(seed ^ 0x5DEECE66DL);
        int stepPercent = steps ? 2 + stepper.nextInt(39) : 0;
        List<GcOp> ops = new ArrayList<>(length);
        int types = 1 + r.nextInt(5);
        for (int i = 0; i < types && ops.size() < length; i++) {
            ops.add(new GcOp('T', r.nextInt(7), r.nextInt(5) == 0 ? 0 : r.nextInt(65), 0));
        }
        // weights: new, ref array, byte array, link, get, write, verify, clear, move, push, pop, global, unglobal, load, collect
        String kinds = "nablgwvcmpPGULC";
        int[] w = new int[kinds.length()];
        int[] base = {30, 6, 6, 30, 14, 8, 5, 8, 6, 3, 3, 3, 2, 3, 1};
        for (int i = 0; i < w.length; i++) {
            w[i] = Math.max(0, base[i] + r.nextInt(base[i] + 1) - base[i] / 2);
        }
        int total = 0;
        for (int x : w) {
            total += x;
        }
        // A third of the sequences allocate byte arrays of up to 60% of the heap now and then: two live ones exhaust
        // it, so allocation fails after a full collection and the exhaustion path runs.
        boolean big = r.nextInt(3) == 0;
        int maxBytes = (int) Math.min(Integer.MAX_VALUE, Math.max(64, heapBytes * 3 / 5));
        while (ops.size() < length) {
            if (stepPercent > 0 && stepper.nextInt(100) < stepPercent) {
                ops.add(new GcOp('S', 0, 0, 0));
                continue;
            }
            int x = r.nextInt(total);
            int k = 0;
            while (x >= w[k]) {
                x -= w[k++];
            }
            char kind = kinds.charAt(k);
            int s = r.nextInt(8);
            ops.add(switch (kind) {
                case 'n' -> new GcOp('n', s, r.nextInt(types), 0);
                case 'a' -> new GcOp('a', s, r.nextInt(10) == 0 ? r.nextInt(200) : r.nextInt(12), 0);
                case 'b' -> new GcOp('b', s, big && r.nextInt(5) == 0 ? r.nextInt(maxBytes) : r.nextInt(r.nextBoolean() ? 40 : 600), 0);
                case 'l' -> new GcOp('l', s, r.nextInt(16), r.nextInt(6) == 0 ? -1 : r.nextInt(8));
                case 'g' -> new GcOp('g', s, r.nextInt(16), r.nextInt(8));
                case 'w' -> new GcOp('w', s, r.nextInt(600), r.nextInt(1 << 20));
                case 'v', 'c' -> new GcOp(kind, s, 0, 0);
                case 'm' -> new GcOp('m', s, r.nextInt(8), 0);
                case 'p' -> new GcOp('p', 1 + r.nextInt(8), 0, 0);
                case 'G' -> new GcOp('G', r.nextInt(6), s, 0);
                case 'U' -> new GcOp('U', r.nextInt(6), 0, 0);
                case 'L' -> new GcOp('L', r.nextInt(6), s, 0);
                default -> new GcOp(kind, 0, 0, 0);
            });
        }
        return ops;
    }
}
