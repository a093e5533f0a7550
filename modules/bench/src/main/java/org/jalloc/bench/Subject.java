package org.jalloc.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import org.jalloc.core.spi.AllocatorTypes;
import org.jalloc.core.Allocator;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.core.Allocators;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AllocatorType;
import org.jalloc.threadcache.ThreadCache;
import org.jalloc.threadcache.ThreadCacheAllocator;
import org.jalloc.core.walk.Inspection;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.CompilerControl;

/**
 * What a workload benchmark allocates from: a jalloc allocator, a peer (what a Java or C user would pick instead)
 * or a floor (what no allocator can beat). Blocks are named by caller-chosen slots, so every subject keeps its own
 * kind of handle (an address, a {@code ByteBuf}, an {@code Arena}) without boxing.
 *
 * <table class="striped">
 *   <caption>Subjects</caption>
 *   <tr><th>name</th><th>kind</th><th>what one allocate/release is</th></tr>
 *   <tr><td>every {@code ./jalloc list} name</td><td>jalloc</td><td>malloc/free; thread-cache with production defaults</td></tr>
 *   <tr><td>thread-cache/handle</td><td>jalloc</td><td>thread-cache through an explicit cache handle (no thread-local lookup)</td></tr>
 *   <tr><td>NAME+lock</td><td>jalloc</td><td>a single-owner jalloc allocator behind one lock (threaded workloads)</td></tr>
 *   <tr><td>libc, mimalloc, jemalloc, tcmalloc</td><td>peer</td><td>malloc/free through a normal FFM downcall (constant handles)</td></tr>
 *   <tr><td>libc-critical, mimalloc-critical, jemalloc-critical, tcmalloc-critical</td><td>peer</td><td>the same through a critical downcall: every native peer is measured in both forms, wherever natives are measured</td></tr>
 *   <tr><td>arena-confined</td><td>peer</td><td>{@code Arena.ofConfined()}, allocate, close</td></tr>
 *   <tr><td>netty</td><td>peer</td><td>Netty {@code PooledByteBufAllocator} direct buffer, release</td></tr>
 *   <tr><td>arena-slice</td><td>floor</td><td>bump allocation in one confined arena, nothing freed (reset every 64K blocks): the floor for allocation without free</td></tr>
 *   <tr><td>floor-array</td><td>floor</td><td>pop/push of a preallocated array stack: the floor for malloc+free</td></tr>
 *   <tr><td>floor-threadlocal</td><td>floor</td><td>the same behind a {@code ThreadLocal} lookup per call: what any implicitly thread-cached allocator pays</td></tr>
 * </table>
 */
abstract class Subject implements AutoCloseable {
    enum Kind { JALLOC, PEER, FLOOR }

    /** Address-based malloc/free, for workloads that hand blocks to other threads (remote frees). */
    interface Addresses {
        long malloc(long size);

        void free(long address);

        /**
         * The native address of address 0: a block at address {@code p} is the memory at {@code base() + p} (a jalloc
         * heap's reservation start; 0 for native allocators). Workloads write every subject's blocks the same way,
         * through {@link #ALL_MEMORY} at {@code base() + p}, so no subject pays for a different access path.
         */
        default long base() {
            return 0;
        }

        /** The calling thread is done with this view (an explicit thread-cache handle is detached). */
        default void done() {}
    }

    /** All of memory: native addresses are offsets in it. */
    static final MemorySegment ALL_MEMORY = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /** The address API when this subject has one (native and jalloc subjects), else null; safe for any thread. */
    Addresses addresses() {
        return null;
    }

    /**
     * An address API for the calling thread alone (one thread at a time; call {@link Addresses#done()} when the thread
     * is finished with it): the shared {@link #addresses()}, or for {@code thread-cache/handle} a fresh explicit cache.
     * Null when the subject has no address API.
     */
    Addresses threadAddresses() {
        return addresses();
    }

    /** Whether {@link #threadAddresses()} may be used from several threads at once. */
    boolean concurrentAddresses() {
        return concurrent() && threadAddresses() != null;
    }

    /** One thread's view: a table of slots. */
    interface Handle {
        void allocate(int slot, long size);

        void release(int slot);
    }

    final String name;
    final Kind kind;

    Subject(String name, Kind kind) {
        this.name = name;
        this.kind = kind;
    }

    /** Whether several threads may use handles of this subject at once. */
    abstract boolean concurrent();

    /** A handle with {@code slots} slots, for the calling thread. */
    abstract Handle handle(int slots);

    /** Whether the subject can hold {@code liveBlocks} live blocks in reasonable time (first-fit's setup is O(n²)). */
    boolean scales(int liveBlocks) {
        return true;
    }

    @Override
    public void close() {}

    static IllegalStateException outOfMemory(String name, long size) {
        return new IllegalStateException(name + ": out of memory allocating " + size + " bytes");
    }

    /**
     * A table of slots, the handle of every subject with an address API. Every handle's {@code allocate} and
     * {@code release} are compiled inline into the benchmark ({@link CompilerControl.Mode#INLINE}): left to itself C2
     * sometimes compiles {@code allocate} alone first, and when that code exceeds {@code InlineSmallCode} (2,500 bytes;
     * a malloc path with its FFM bounds and liveness checks is 2,500-4,000) the benchmark then calls it instead of
     * inlining it, a 4-5 ns swing on a 20 ns pair that depends on compile order, not on the allocator.
     */
    abstract static class Slots implements Handle {
        private final String name;
        final long[] blocks;

        Slots(String name, int slots) {
            this.name = name;
            this.blocks = new long[slots];
        }

        /** {@code p}, a block of {@code size} bytes just allocated, or the out-of-memory failure when it is 0. */
        final long granted(long p, long size) {
            if (p == 0) {
                throw outOfMemory(name, size);
            }
            return p;
        }
    }

    /** Slots over an address API (natives, and anything measured through {@link Addresses}). */
    static final class SlotTable extends Slots {
        private final Addresses addresses;

        SlotTable(String name, Addresses addresses, int slots) {
            super(name, slots);
            this.addresses = addresses;
        }

        @Override
        @CompilerControl(CompilerControl.Mode.INLINE)
        public void allocate(int slot, long size) {
            blocks[slot] = granted(addresses.malloc(size), size);
        }

        @Override
        @CompilerControl(CompilerControl.Mode.INLINE)
        public void release(int slot) {
            addresses.free(blocks[slot]);
        }
    }

    /** Slots calling a jalloc {@link Allocator} directly: one interface layer less than through {@link Addresses}. */
    static final class DirectHandle extends Slots {
        private final Allocator allocator;

        DirectHandle(String name, Allocator allocator, int slots) {
            super(name, slots);
            this.allocator = allocator;
        }

        @Override
        @CompilerControl(CompilerControl.Mode.INLINE)
        public void allocate(int slot, long size) {
            blocks[slot] = granted(allocator.malloc(size), size);
        }

        @Override
        @CompilerControl(CompilerControl.Mode.INLINE)
        public void release(int slot) {
            allocator.free(blocks[slot]);
        }
    }

    /** Slots calling thread-cache through one explicit cache. */
    static final class CacheHandle extends Slots {
        private final ThreadCacheAllocator allocator;
        private final ThreadCache cache;

        CacheHandle(String name, ThreadCacheAllocator allocator, ThreadCache cache, int slots) {
            super(name, slots);
            this.allocator = allocator;
            this.cache = cache;
        }

        @Override
        @CompilerControl(CompilerControl.Mode.INLINE)
        public void allocate(int slot, long size) {
            blocks[slot] = granted(allocator.malloc(cache, size), size);
        }

        @Override
        @CompilerControl(CompilerControl.Mode.INLINE)
        public void release(int slot) {
            allocator.free(cache, blocks[slot]);
        }
    }

    /**
     * Whether the allocator keeps a discipline (a stack, an arena, a pool: {@code RegionAllocator} or
     * {@code FixedSizeAllocator}). Those are measured by {@link StackBench} (frames and latency tails, each in the order
     * its discipline allows), not by the workloads here, which free in any order and ask for any size.
     */
    static boolean disciplined(String name) {
        try (Allocator a = Allocators.create(name, 1 << 20)) {
            return a instanceof org.jalloc.core.RegionAllocator || a instanceof org.jalloc.core.FixedSizeAllocator;
        }
    }

    /** Every subject name, in report order: jalloc allocators (general purpose), peers, floors. */
    static List<String> names() {
        List<String> names = new ArrayList<>();
        for (AllocatorType t : AllocatorTypes.all()) {
            if (disciplined(t.name())) {
                continue;
            }
            names.add(t.name());
            if (t.name().equals("thread-cache")) {
                names.add("thread-cache/handle");
            }
        }
        names.addAll(NATIVES);
        names.addAll(List.of("arena-confined", "netty", "arena-slice", "floor-array", "floor-threadlocal"));
        return names;
    }

    /**
     * Every native allocator in both forms, plain and critical downcalls: a peer is measured at its best, and the
     * critical form ({@code Linker.Option.critical(false)}, no thread-state transition) is open to any FFM user.
     */
    static final List<String> NATIVES = List.of("libc", "libc-critical", "mimalloc", "mimalloc-critical", "jemalloc",
            "jemalloc-critical", "tcmalloc", "tcmalloc-critical");

    /** Whether {@code name} is a native allocator reached through FFM (either form). */
    static boolean isNative(String name) {
        return NATIVES.contains(name);
    }

    /**
     * The subject called {@code name}.
     *
     * @throws IllegalStateException starting with {@code SKIPPED:} when a native peer is not installed
     */
    static Subject create(String name) {
        return switch (name) {
            case "floor-array" -> new FloorArray(false);
            case "floor-threadlocal" -> new FloorArray(true);
            case "arena-slice" -> new ArenaSlice();
            case "arena-confined" -> new ArenaConfined();
            case "netty" -> new Netty();
            case "thread-cache/handle" -> new ThreadCacheHandle();
            case "libc", "libc-critical", "mimalloc", "mimalloc-critical", "jemalloc", "jemalloc-critical", "tcmalloc",
                 "tcmalloc-critical" -> new Native(NativeMalloc.constant(name), name);
            default -> name.endsWith("+lock") ? new Jalloc(name.substring(0, name.length() - 5), true) : new Jalloc(name, false);
        };
    }

    /** A jalloc allocator by spec; thread-cache with production defaults (arenas per core, time-based decay). */
    static final class Jalloc extends Subject {
        private final Allocator allocator;
        private final boolean slowSetup;

        Jalloc(String spec, boolean locked) {
            super(locked ? spec + "+lock" : spec, Kind.JALLOC);
            String effective = spec.equals("thread-cache") ? "thread-cache:arenas=0,clock=time" : spec;
            AllocatorFactory f = AllocatorFactory.of(effective, 4L << 30);
            Allocator a = f.create(Heap.reserve(f.heapBytes()));
            this.allocator = locked ? Allocators.synchronizedAllocator(a) : a;
            this.slowSetup = spec.startsWith("first-fit") || spec.startsWith("next-fit") || spec.startsWith("best-fit");
        }

        @Override
        boolean concurrent() {
            return allocator.threadSafety() == ThreadSafety.CONCURRENT;
        }

        @Override
        boolean scales(int liveBlocks) {
            return !slowSetup || liveBlocks <= 32_768;
        }

        /**
         * Calls the allocator directly, not through {@link #addresses()}: one interface layer less on the measured
         * path (see {@link DirectHandle}).
         */
        @Override
        Handle handle(int slots) {
            return new DirectHandle(name, allocator, slots);
        }

        @Override
        Addresses addresses() {
            long base = Inspection.of(allocator).heap().memory().address();
            return new Addresses() {
                @Override
                public long malloc(long size) {
                    return allocator.malloc(size);
                }

                @Override
                public void free(long address) {
                    allocator.free(address);
                }

                @Override
                public long base() {
                    return base;
                }
            };
        }

        @Override
        public void close() {
            allocator.close();
        }
    }

    /** thread-cache through an explicit cache handle per benchmark thread. */
    static final class ThreadCacheHandle extends Subject {
        private final ThreadCacheAllocator allocator = ThreadCacheAllocator.builder().build(4L << 30);

        ThreadCacheHandle() {
            super("thread-cache/handle", Kind.JALLOC);
        }

        @Override
        boolean concurrent() {
            return true;
        }

        /** Calls the allocator with its cache directly (see {@link CacheHandle}). */
        @Override
        Handle handle(int slots) {
            return new CacheHandle(name, allocator, allocator.newCache(), slots);
        }

        @Override
        Addresses threadAddresses() {
            ThreadCache cache = allocator.newCache();
            long base = Inspection.of(allocator).heap().memory().address();
            return new Addresses() {
                @Override
                public long malloc(long size) {
                    return allocator.malloc(cache, size);
                }

                @Override
                public void free(long address) {
                    allocator.free(cache, address);
                }

                @Override
                public long base() {
                    return base;
                }

                @Override
                public void done() {
                    allocator.detach(cache);
                }
            };
        }

        @Override
        public void close() {
            allocator.close();
        }
    }

    static final class Native extends Subject {
        private final Addresses lib;

        Native(Addresses lib, String name) {
            super(name, Kind.PEER);
            this.lib = lib;
        }

        @Override
        boolean concurrent() {
            return true;
        }

        @Override
        Addresses addresses() {
            return lib;
        }

        @Override
        Handle handle(int slots) {
            return new SlotTable(name, lib, slots);
        }
    }

    static final class ArenaConfined extends Subject {
        ArenaConfined() {
            super("arena-confined", Kind.PEER);
        }

        @Override
        boolean concurrent() {
            return true; // each thread's arenas are its own
        }

        @Override
        Handle handle(int slots) {
            Arena[] arenas = new Arena[slots];
            return new Handle() {
                @Override
                public void allocate(int slot, long size) {
                    Arena a = Arena.ofConfined();
                    a.allocate(size);
                    arenas[slot] = a;
                }

                @Override
                public void release(int slot) {
                    arenas[slot].close();
                }
            };
        }
    }

    static final class Netty extends Subject {
        private final PooledByteBufAllocator netty = new PooledByteBufAllocator(true);

        Netty() {
            super("netty", Kind.PEER);
        }

        @Override
        boolean concurrent() {
            return true;
        }

        @Override
        Handle handle(int slots) {
            ByteBuf[] buffers = new ByteBuf[slots];
            return new Handle() {
                @Override
                public void allocate(int slot, long size) {
                    buffers[slot] = netty.directBuffer((int) size);
                }

                @Override
                public void release(int slot) {
                    buffers[slot].release();
                }
            };
        }
    }

    /** Bump allocation in one confined arena per handle; nothing is freed, the arena is replaced every 64K blocks. */
    static final class ArenaSlice extends Subject {
        private static final long SLAB = 4L << 20;

        ArenaSlice() {
            super("arena-slice", Kind.FLOOR);
        }

        @Override
        boolean concurrent() {
            return true;
        }

        @Override
        Handle handle(int slots) {
            return new Handle() {
                private Arena arena = Arena.ofConfined();
                private final long[] offsets = new long[slots];
                // A full slab is dropped with its arena and a fresh one taken: the (zero-filled) memory a bump
                // allocator must obtain, amortized over the objects sliced from it.
                private MemorySegment slab = arena.allocate(SLAB, 16);
                private long used;

                @Override
                public void allocate(int slot, long size) {
                    long rounded = (size + 15) & -16L;
                    if (used + rounded > slab.byteSize()) {
                        arena.close();
                        arena = Arena.ofConfined();
                        slab = arena.allocate(Math.max(SLAB, rounded), 16);
                        used = 0;
                    }
                    offsets[slot] = used;
                    used += rounded;
                }

                @Override
                public void release(int slot) {
                    // nothing: the floor for allocation without free
                }
            };
        }
    }

    /** A preallocated array stack (optionally reached through a ThreadLocal per call). */
    static final class FloorArray extends Subject {
        private final boolean threadLocal;

        FloorArray(boolean threadLocal) {
            super(threadLocal ? "floor-threadlocal" : "floor-array", Kind.FLOOR);
            this.threadLocal = threadLocal;
        }

        @Override
        boolean concurrent() {
            return true;
        }

        static final class Stack {
            long[] items = new long[0];
            int top;
        }

        @Override
        Handle handle(int slots) {
            Stack own = new Stack();
            own.items = new long[slots + 1];
            for (int i = 0; i < own.items.length; i++) {
                own.items[i] = 4096 + 64L * i;
            }
            own.top = own.items.length;
            long[] blocks = new long[slots];
            if (!threadLocal) {
                return new Handle() {
                    @Override
                    public void allocate(int slot, long size) {
                        blocks[slot] = own.items[--own.top];
                    }

                    @Override
                    public void release(int slot) {
                        own.items[own.top++] = blocks[slot];
                    }
                };
            }
            ThreadLocal<Stack> local = ThreadLocal.withInitial(() -> own);
            return new Handle() {
                @Override
                public void allocate(int slot, long size) {
                    Stack s = local.get();
                    blocks[slot] = s.items[--s.top];
                }

                @Override
                public void release(int slot) {
                    Stack s = local.get();
                    s.items[s.top++] = blocks[slot];
                }
            };
        }
    }
}
