package org.jalloc.bench;

import java.util.concurrent.TimeUnit;

import org.jalloc.core.walk.Inspection;
import org.jalloc.check.HeapChecker;
import org.jalloc.core.Allocator;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.core.memory.Heap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Checked mode's cost: one full heap check (extent walk, free-structure walk, the allocator's own invariants) of
 * a heap of {@code blocks} blocks, every other one free, for every jalloc allocator. Blocks per second = blocks /
 * (µs per op) * 1e6.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class CheckerBenchmark {
    @Param({"first-fit"})
    public String allocator;

    @Param({"10000"})
    public int blocks;

    private Allocator heap;
    private final HeapChecker checker = new HeapChecker();

    @Setup(Level.Trial)
    public void build() {
        AllocatorFactory f = AllocatorFactory.of(allocator, 1L << 30);
        heap = f.create(Heap.reserve(f.heapBytes()));
        long[] p = new long[blocks];
        for (int i = 0; i < blocks; i++) {
            p[i] = heap.malloc(16 + (i % 7) * 16L);
        }
        for (int i = 0; i < blocks; i += 2) {
            heap.free(p[i]);
        }
        if (!checker.check(Inspection.of(heap).heapWalk()).isEmpty()) {
            throw new IllegalStateException("heap not well formed before the benchmark");
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        heap.close();
    }

    @Benchmark
    public int fullCheck() {
        return checker.check(Inspection.of(heap).heapWalk()).size() + checker.extentCount();
    }
}
