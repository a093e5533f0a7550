package org.jalloc.testkit.trace;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Locale;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A native allocator reached through FFM for {@link PeerUtilization}: its {@code malloc}, {@code calloc},
 * {@code aligned_alloc}, {@code realloc}, {@code free} and {@code malloc_usable_size}, and what it has taken from
 * the operating system, read the way each one reports it:
 *
 * <table>
 *   <caption>bytes taken from the OS</caption>
 *   <tr><th>peer</th><th>library</th><th>bytes taken</th><th>sampled</th></tr>
 *   <tr><td>libc</td><td>glibc (the process's)</td><td>{@code mallinfo2()}: {@code arena + hblkhd} (sbrk'd and
 *       mmapped bytes of every arena)</td><td>after every op</td></tr>
 *   <tr><td>jemalloc</td><td>libjemalloc.so.2</td><td>{@code mallctl("stats.resident")} (metadata, active and dirty pages) after
 *       {@code mallctl("epoch")}</td><td>after every op</td></tr>
 *   <tr><td>mimalloc</td><td>libmimalloc.so.2</td><td>{@code mi_process_info}'s commit: its peak at the end,
 *       its current value before the first op</td><td>before and after</td></tr>
 *   <tr><td>tcmalloc</td><td>libtcmalloc_minimal.so.4</td><td>{@code generic.heap_size −
 *       tcmalloc.pageheap_unmapped_bytes} through {@code MallocExtension_GetNumericProperty}</td><td>after every op</td></tr>
 * </table>
 *
 * All {@code invokeExact} calls live in this class, which the Nullness Checker skips as it skips core's
 * {@code Libc} (the checker crashes on {@code invokeExact} with primitive arguments).
 */
public final class NativePeer {
    /** The peers {@link #load} knows. */
    public static final List<String> NAMES = List.of("libc", "jemalloc", "mimalloc", "tcmalloc");

    private static final StructLayout MALLINFO2 = MemoryLayout.structLayout(
            JAVA_LONG.withName("arena"), JAVA_LONG.withName("ordblks"), JAVA_LONG.withName("smblks"),
            JAVA_LONG.withName("hblks"), JAVA_LONG.withName("hblkhd"), JAVA_LONG.withName("usmblks"),
            JAVA_LONG.withName("fsmblks"), JAVA_LONG.withName("uordblks"), JAVA_LONG.withName("fordblks"),
            JAVA_LONG.withName("keepcost"));

    /** The peer's name. */
    public final String name;
    /** Whether {@link #taken()} must be sampled after every op (else its peak is read once, {@link #peakTaken()}). */
    public final boolean sampled;
    private final MethodHandle malloc;
    private final MethodHandle calloc;
    private final MethodHandle aligned;
    private final MethodHandle realloc;
    private final MethodHandle free;
    private final MethodHandle usable;
    private final MethodHandle stat;
    /** Scratch for out-parameters, allocated once so that reading statistics mallocs nothing. */
    private final MemorySegment scratch = Arena.global().allocate(256);
    /** mallinfo2's returned struct is written here, every time. */
    private final SegmentAllocator info = SegmentAllocator.prefixAllocator(Arena.global().allocate(MALLINFO2));
    private final MemorySegment[] names;

    private NativePeer(String name, boolean sampled, MethodHandle[] h, MemorySegment[] names) {
        this.name = name;
        this.sampled = sampled;
        this.malloc = h[0];
        this.calloc = h[1];
        this.aligned = h[2];
        this.realloc = h[3];
        this.free = h[4];
        this.usable = h[5];
        this.stat = h[6];
        this.names = names;
    }

    /**
     * Links the named peer.
     *
     * @throws IllegalArgumentException for a name not in {@link #NAMES}
     * @throws IllegalStateException when the library is not installed or cannot be loaded (the message says why,
     *                               starting with "SKIPPED:")
     */
    public static NativePeer load(String name) {
        String[] s = switch (name) {
            case "libc" -> new String[] {"", "malloc", "calloc", "aligned_alloc", "realloc", "free", "malloc_usable_size", "mallinfo2"};
            case "jemalloc" -> new String[] {"libjemalloc.so.2", "malloc", "calloc", "aligned_alloc", "realloc", "free",
                    "malloc_usable_size", "mallctl"};
            case "mimalloc" -> new String[] {"libmimalloc.so.2", "mi_malloc", "mi_calloc", "mi_malloc_aligned", "mi_realloc", "mi_free",
                    "mi_usable_size", "mi_process_info"};
            case "tcmalloc" -> new String[] {"libtcmalloc_minimal.so.4", "tc_malloc", "tc_calloc", "tc_memalign", "tc_realloc",
                    "tc_free", "tc_malloc_size", "MallocExtension_GetNumericProperty"};
            default -> throw new IllegalArgumentException("unknown peer '" + name + "' (known: " + String.join(", ", NAMES) + ")");
        };
        Linker linker = Linker.nativeLinker();
        SymbolLookup lookup;
        try {
            lookup = s[0].isEmpty() ? linker.defaultLookup() : SymbolLookup.libraryLookup(s[0], Arena.global());
        } catch (IllegalArgumentException | IllegalCallerException e) {
            throw new IllegalStateException("SKIPPED: " + name + " cannot be loaded (" + s[0] + ": " + e.getMessage() + ")"
                    + (name.equals("jemalloc") ? "; it needs GLIBC_TUNABLES=glibc.rtld.optional_static_tls=16384" : ""));
        }
        MethodHandle[] h = new MethodHandle[7];
        try {
            h[0] = linker.downcallHandle(find(lookup, name, s[1]), FunctionDescriptor.of(JAVA_LONG, JAVA_LONG));
            h[1] = linker.downcallHandle(find(lookup, name, s[2]), FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG));
            // mi_malloc_aligned and tc_memalign take (size, alignment) and (alignment, size): aligned() swaps for mimalloc
            h[2] = linker.downcallHandle(find(lookup, name, s[3]), FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG));
            h[3] = linker.downcallHandle(find(lookup, name, s[4]), FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG));
            h[4] = linker.downcallHandle(find(lookup, name, s[5]), FunctionDescriptor.ofVoid(JAVA_LONG));
            h[5] = linker.downcallHandle(find(lookup, name, s[6]), FunctionDescriptor.of(JAVA_LONG, JAVA_LONG));
            h[6] = switch (name) {
                case "libc" -> linker.downcallHandle(find(lookup, name, s[7]), FunctionDescriptor.of(MALLINFO2));
                case "jemalloc" -> linker.downcallHandle(find(lookup, name, s[7]),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
                case "mimalloc" -> linker.downcallHandle(find(lookup, name, s[7]),
                        FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
                default -> linker.downcallHandle(find(lookup, name, s[7]), FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
            };
        } catch (IllegalCallerException e) {
            throw new IllegalStateException("SKIPPED: " + name + ": native access unavailable (" + e.getMessage() + ")");
        }
        Arena global = Arena.global();
        MemorySegment[] names = switch (name) {
            case "jemalloc" -> new MemorySegment[] {global.allocateFrom("epoch"), global.allocateFrom("stats.resident")};
            case "tcmalloc" -> new MemorySegment[] {global.allocateFrom("generic.heap_size"),
                    global.allocateFrom("tcmalloc.pageheap_unmapped_bytes")};
            default -> new MemorySegment[0];
        };
        return new NativePeer(name, !name.equals("mimalloc"), h, names);
    }

    private static MemorySegment find(SymbolLookup lookup, String peer, String symbol) {
        return lookup.find(symbol).orElseThrow(() -> new IllegalStateException("SKIPPED: " + peer + " lacks " + symbol));
    }

    public long malloc(long size) {
        try {
            return (long) malloc.invokeExact(size);
        } catch (Throwable t) {
            throw new IllegalStateException(name + " malloc failed", t);
        }
    }

    public long calloc(long count, long size) {
        try {
            return (long) calloc.invokeExact(count, size);
        } catch (Throwable t) {
            throw new IllegalStateException(name + " calloc failed", t);
        }
    }

    public long alignedAlloc(long alignment, long size) {
        try {
            return name.equals("mimalloc") ? (long) aligned.invokeExact(size, alignment) : (long) aligned.invokeExact(alignment, size);
        } catch (Throwable t) {
            throw new IllegalStateException(name + " aligned allocation failed", t);
        }
    }

    public long realloc(long address, long size) {
        try {
            return (long) realloc.invokeExact(address, size);
        } catch (Throwable t) {
            throw new IllegalStateException(name + " realloc failed", t);
        }
    }

    public void free(long address) {
        try {
            free.invokeExact(address);
        } catch (Throwable t) {
            throw new IllegalStateException(name + " free failed", t);
        }
    }

    public long usableSize(long address) {
        try {
            return (long) usable.invokeExact(address);
        } catch (Throwable t) {
            throw new IllegalStateException(name + " usable size failed", t);
        }
    }

    /** Bytes the peer holds from the OS now (for mimalloc: its current commit). */
    public long taken() {
        try {
            switch (name) {
                case "libc" -> {
                    MemorySegment m = (MemorySegment) stat.invokeExact(info);
                    return m.get(JAVA_LONG, 0) + m.get(JAVA_LONG, 32); // arena + hblkhd
                }
                case "jemalloc" -> {
                    scratch.set(JAVA_LONG, 0, 1);
                    int rc = (int) stat.invokeExact(names[0], MemorySegment.NULL, MemorySegment.NULL, scratch, 8L);
                    scratch.set(JAVA_LONG, 16, 8);
                    rc |= (int) stat.invokeExact(names[1], scratch.asSlice(8, 8), scratch.asSlice(16, 8), MemorySegment.NULL, 0L);
                    if (rc != 0) {
                        throw new IllegalStateException("SKIPPED: jemalloc's mallctl(stats.resident) returned " + rc + " (built without stats?)");
                    }
                    return scratch.get(JAVA_LONG, 8);
                }
                case "mimalloc" -> {
                    return processInfo(5);
                }
                default -> {
                    int ok = (int) stat.invokeExact(names[0], scratch.asSlice(0, 8));
                    ok &= (int) stat.invokeExact(names[1], scratch.asSlice(8, 8));
                    if (ok == 0) {
                        throw new IllegalStateException("SKIPPED: tcmalloc does not report generic.heap_size");
                    }
                    return scratch.get(JAVA_LONG, 0) - scratch.get(JAVA_LONG, 8);
                }
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(name + " statistics failed", t);
        }
    }

    /** The most the peer has held from the OS: mimalloc's peak commit; the others are sampled ({@link #sampled}). */
    public long peakTaken() {
        if (sampled) {
            return taken();
        }
        try {
            return processInfo(6);
        } catch (Throwable t) {
            throw new IllegalStateException(name + " statistics failed", t);
        }
    }

    /** Field {@code i} of {@code mi_process_info} (5: current commit, 6: peak commit). */
    private long processInfo(int i) throws Throwable {
        MemorySegment s = scratch;
        stat.invokeExact(s.asSlice(0, 8), s.asSlice(8, 8), s.asSlice(16, 8), s.asSlice(24, 8), s.asSlice(32, 8),
                s.asSlice(40, 8), s.asSlice(48, 8), s.asSlice(56, 8));
        return s.get(JAVA_LONG, 8L * i);
    }

    @Override
    public String toString() {
        return name.toLowerCase(Locale.ROOT);
    }
}
