package org.jalloc.bench;

import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.jalloc.threadcache.ThreadCache;
import org.jalloc.threadcache.ThreadCacheAllocator;
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
 * One small malloc + free pair on one thread (ns per pair), for every way of getting small off-heap memory in Java:
 * thread-cache through its thread-local lookup (implicit) and through an explicit cache handle; JDK
 * {@code Arena.ofConfined()} allocate/close; Netty's pooled direct buffers; and two floors: a preallocated array
 * stack pop/push, and the same behind a {@code ThreadLocal} lookup. Native allocators through FFM are in
 * {@link NativePairBenchmark}. Run with {@code -prof gc} to see {@code gc.alloc.rate.norm} per pair.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class SmallPairBenchmark {
    @Param({"16", "64", "256"})
    public long size;

    private ThreadCacheAllocator tc;
    private ThreadCache cache;
    private PooledByteBufAllocator netty;
    private long[] stack;
    private int top;
    private final ThreadLocal<Stack> localStack = ThreadLocal.withInitial(Stack::new);

    @Setup(Level.Trial)
    public void setUp() {
        tc = ThreadCacheAllocator.builder().build(256L << 20);
        cache = tc.newCache();
        netty = new PooledByteBufAllocator(true);
        stack = new long[64];
        for (int i = 0; i < stack.length; i++) {
            stack[i] = 4096 + i * 64L;
        }
        top = 32;
        System.arraycopy(stack, 0, localStack.get().items, 0, stack.length);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        tc.close();
    }

    @Benchmark
    public long threadCacheImplicit() {
        long p = tc.malloc(size);
        tc.free(p);
        return p;
    }

    @Benchmark
    public long threadCacheExplicit() {
        long p = tc.malloc(cache, size);
        tc.free(cache, p);
        return p;
    }

    @Benchmark
    public long jdkArenaConfined() {
        try (Arena arena = Arena.ofConfined()) {
            return arena.allocate(size).address();
        }
    }

    @Benchmark
    public int nettyPooledDirect() {
        ByteBuf b = netty.directBuffer((int) size);
        int c = b.capacity();
        b.release();
        return c;
    }

    /** The bare floor: pop and push a preallocated array stack. */
    @Benchmark
    public long floorArrayStack() {
        long p = stack[--top];
        stack[top++] = p;
        return p;
    }

    /** A preallocated stack reached through a {@code ThreadLocal}. */
    static final class Stack {
        final long[] items = new long[64];
        int top = 32;
    }

    /** The floor behind a {@code ThreadLocal} lookup per call (two per pair), as the implicit path pays it. */
    @Benchmark
    public long floorThreadLocalStack() {
        Stack s = localStack.get();
        long p = s.items[--s.top];
        Stack t = localStack.get();
        t.items[t.top++] = p;
        return p;
    }
}
