package org.jalloc.bench;

import java.util.concurrent.TimeUnit;

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
 * Worst-case malloc/free cost as the free-block population grows: the heap holds {@code freeBlocks} free 80-byte
 * blocks, each between two live 32-byte spacers (so none coalesce), and ends in one free 4016-byte tail block.
 * Every operation is {@code malloc(100)} (a 112-byte block, in the same power-of-two class as the 80-byte blocks
 * and larger than every one of them) and {@code free} of the result. The request is served by splitting the tail,
 * and the free merges the block back into it, so every operation finds the same heap, and the request is each
 * policy's worst case:
 * <ul>
 *   <li>{@code first-fit} walks every block of the heap (2 · freeBlocks headers) to reach the tail, and its free
 *       walks them again to find the block's left neighbour;</li>
 *   <li>{@code boundary-tag:scan=0} (exact best fit) scans the whole class list of freeBlocks blocks;</li>
 *   <li>{@code boundary-tag} (scan=16) gives up on the class after 16 blocks and takes the tail's class;</li>
 *   <li>{@code tlsf} rounds the request up to a list above the 80-byte blocks' and finds the tail's list with two
 *       bit scans.</li>
 * </ul>
 * Set-up for first-fit is O(n²) (each malloc walks all blocks): {@code docs/scripts/boundary-tag-figures.sh} runs
 * it up to 10^5 free blocks only.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xss4m"})
public class FreeListPopulationBenchmark {
    @Param({"tlsf", "boundary-tag", "boundary-tag:scan=0", "first-fit"})
    public String allocator;

    @Param({"1000", "10000", "100000", "1000000"})
    public int freeBlocks;

    private Allocator heap;

    @Setup(Level.Trial)
    public void build() {
        long bytes = (long) freeBlocks * 128 + (1 << 20);
        AllocatorFactory f = AllocatorFactory.of(allocator, bytes);
        heap = f.create(Heap.reserve(f.heapBytes()));
        long[] free = new long[freeBlocks];
        for (int i = 0; i < freeBlocks; i++) {
            free[i] = heap.malloc(72);
            if (free[i] == 0 || heap.malloc(16) == 0) {
                throw new IllegalStateException("heap too small for " + freeBlocks + " blocks");
            }
        }
        for (long p : free) {
            heap.free(p);
        }
        long tail = heap.malloc(4000);
        if (tail == 0) {
            throw new IllegalStateException("heap too small for the tail block");
        }
        heap.free(tail);
        if (heap.stats().freeBlocks() != freeBlocks + 1) {
            throw new IllegalStateException("free blocks coalesced: " + heap.stats());
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        heap.close();
    }

    @Benchmark
    public long mallocFree() {
        long p = heap.malloc(100);
        heap.free(p);
        return p;
    }
}
