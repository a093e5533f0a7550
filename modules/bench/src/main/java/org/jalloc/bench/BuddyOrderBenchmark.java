package org.jalloc.bench;

import java.util.concurrent.TimeUnit;

import org.jalloc.buddy.pages.BuddyPages;
import org.jalloc.core.memory.Heap;
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
 * The page-level cost per order in Linux's configuration (4 KiB pages, orders 0-10): {@code allocPages(order)} +
 * {@code freePages} when the only free memory is one 4 MiB top block, so the allocation splits {@code 10 - order}
 * times and the free merges as often: the cost grows with {@code 10 - order}, O(maxOrder) at worst.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class BuddyOrderBenchmark {
    @Param({"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"})
    public int order;

    private Heap heap;
    private BuddyPages pages;

    @Setup(Level.Trial)
    public void build() {
        heap = Heap.reserve(64L << 20);
        pages = new BuddyPages(heap);
        long top = pages.allocPages(10); // the gap below it becomes free blocks of orders 0..9
        for (int k = 0; k < 10; k++) {
            pages.allocPages(k); // keep them, so the top block is the only free memory
        }
        pages.freePages(top, 10);
        if (pages.freeBytes() != pages.blockBytes(10)) {
            throw new IllegalStateException("expected one free top block: " + pages.buddyinfo());
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        heap.close();
    }

    @Benchmark
    public long splitAndMerge() {
        long p = pages.allocPages(order);
        pages.freePages(p, order);
        return p;
    }
}
