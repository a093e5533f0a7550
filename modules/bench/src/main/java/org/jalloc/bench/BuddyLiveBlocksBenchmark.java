package org.jalloc.bench;

import java.util.concurrent.TimeUnit;

import org.jalloc.buddy.BuddyAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The buddy system's minimum-block cost does not grow with the heap: {@code malloc(16)} + {@code free} with
 * {@code live} live 16-byte blocks in the heap, from 1k to 1M.
 *
 * <ul>
 *   <li>{@code pair}: the heap holds {@code live} live blocks and as many free ones, every other block, so no free
 *       block can merge (its buddy is live): malloc pops list 0, free finds the buddy live and pushes it back.</li>
 *   <li>{@code replace}: free a random live block, then malloc a new one (the live set stays at {@code live}); frees
 *       merge and mallocs split when buddies allow, and every op touches a random place of a heap of
 *       {@code 32 * live} bytes, so this one also shows the memory hierarchy.</li>
 * </ul>
 * The acceptance figure is {@code pair(1M) / pair(1k) <= 2}; see docs/buddy.md for the measured ratios.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class BuddyLiveBlocksBenchmark {
    @Param({"1000", "10000", "100000", "1000000"})
    public int live;

    private BuddyAllocator buddy;
    private long[] blocks;
    private long seed = 0x9E3779B97F4A7C15L;

    @Setup(Level.Trial)
    public void build() {
        buddy = BuddyAllocator.create(256L << 20);
        long[] all = new long[2 * live];
        for (int i = 0; i < all.length; i++) {
            all[i] = buddy.malloc(16);
        }
        blocks = new long[live];
        for (int i = 0; i < live; i++) {
            buddy.free(all[2 * i]);
            blocks[i] = all[2 * i + 1];
        }
        long free = buddy.stats().metric(org.jalloc.buddy.BuddyMetric.class).orElseThrow().orders().get(0).freeBlocks();
        if (free != live) {
            throw new IllegalStateException("expected " + live + " free order-0 blocks, found " + free);
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        buddy.close();
    }

    @Benchmark
    public long pair() {
        long p = buddy.malloc(16);
        buddy.free(p);
        return p;
    }

    @Benchmark
    public long replace() {
        long x = seed;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        seed = x;
        int i = (int) ((x >>> 1) % live);
        buddy.free(blocks[i]);
        long p = buddy.malloc(16);
        blocks[i] = p;
        return p;
    }
}
