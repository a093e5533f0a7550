package org.jalloc.bench;

import java.util.concurrent.TimeUnit;

import org.jalloc.stack.ArenaAllocator;
import org.jalloc.stack.StackAllocator;
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
 * The seed's rule "prefer the stack for small, short-lived data", measured: one frame of {@code k} small objects
 * (16–256 bytes, uniform, precomputed) allocated and then all released, in ns per frame.
 *
 * <table class="striped">
 *   <caption>Subjects</caption>
 *   <tr><th>subject</th><th>one frame</th></tr>
 *   <tr><td>stack</td><td>{@code push()}, {@code k × alloc(n)}, {@code pop(frame)} on an explicit stack</td></tr>
 *   <tr><td>stack-implicit</td><td>the same on {@code StackAllocator.current()}, looked up once per frame</td></tr>
 *   <tr><td>arena</td><td>{@code mark()}, {@code k × malloc(n)}, {@code release(mark)}</td></tr>
 *   <tr><td>every general jalloc allocator, libc, mimalloc, jemalloc, tcmalloc (plain and {@code -critical}
 *       downcalls)</td><td>{@code k × malloc(n)}, then {@code k × free}, newest first (the order kindest to
 *       them)</td></tr>
 *   <tr><td>floor-array</td><td>{@code k} pops and {@code k} pushes of a preallocated array of addresses: what no
 *       allocator can beat</td></tr>
 * </table>
 *
 * Each subject runs in its own fork, so every call site is monomorphic. The goal (issue 18): {@code stack} within 2×
 * of {@code floor-array}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class FrameBenchmark {
    private static final int RING = 4096;

    @Param({"stack"})
    public String subject;

    @Param({"1", "8", "64"})
    public int k;

    private long[] sizes;
    private int next;
    private Frames frames;

    /** One subject's way of running a frame. */
    abstract static class Frames implements AutoCloseable {
        /** Allocates {@code k} blocks of {@code sizes[from ..]} and releases them all; returns something to consume. */
        abstract long frame(long[] sizes, int from, int k);

        @Override
        public void close() {}
    }

    /** One frame on stack {@code s}: push, {@code k} allocations, pop. */
    static long stackFrame(StackAllocator s, long[] sizes, int from, int k) {
        long f = s.push();
        long sum = 0;
        for (int i = 0; i < k; i++) {
            sum += s.alloc(sizes[from + i]);
        }
        s.pop(f);
        return sum;
    }

    static final class Stack extends Frames {
        private final StackAllocator stack = StackAllocator.create(64L << 20);

        @Override
        long frame(long[] sizes, int from, int k) {
            return stackFrame(stack, sizes, from, k);
        }

        @Override
        public void close() {
            stack.close();
        }
    }

    static final class ImplicitStack extends Frames {
        @Override
        long frame(long[] sizes, int from, int k) {
            return stackFrame(StackAllocator.current(), sizes, from, k);
        }

        @Override
        public void close() {
            StackAllocator.closeCurrent();
        }
    }

    static final class Arena extends Frames {
        private final ArenaAllocator arena = ArenaAllocator.create(64L << 20);

        @Override
        long frame(long[] sizes, int from, int k) {
            ArenaAllocator a = arena;
            long m = a.mark();
            long sum = 0;
            for (int i = 0; i < k; i++) {
                sum += a.malloc(sizes[from + i]);
            }
            a.release(m);
            return sum;
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    /** A heap allocator, a native one or the floor, through its {@link Subject.Handle}: k mallocs, k frees newest first. */
    static final class HeapFrames extends Frames {
        private final Subject subject;
        private final Subject.Handle h;

        HeapFrames(String name) {
            subject = Subject.create(name);
            h = subject.handle(64);
        }

        @Override
        long frame(long[] sizes, int from, int k) {
            Subject.Handle handle = h;
            for (int i = 0; i < k; i++) {
                handle.allocate(i, sizes[from + i]);
            }
            for (int i = k - 1; i >= 0; i--) {
                handle.release(i);
            }
            return k;
        }

        @Override
        public void close() {
            subject.close();
        }
    }

    static Frames create(String name) {
        return switch (name) {
            case "stack" -> new Stack();
            case "stack-implicit" -> new ImplicitStack();
            case "arena" -> new Arena();
            default -> new HeapFrames(name);
        };
    }

    @Setup(Level.Trial)
    public void setUp() {
        long[] ring = Workload.uniformSizes(RING, 16, 256, 18);
        sizes = new long[RING + 64];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = ring[i % RING];
        }
        frames = create(subject);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        frames.close();
    }

    @Benchmark
    public long frame() {
        int from = next;
        next = (from + k) & (RING - 1);
        return frames.frame(sizes, from, k);
    }
}
