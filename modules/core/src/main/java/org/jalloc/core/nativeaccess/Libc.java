package org.jalloc.core.nativeaccess;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The C library functions jalloc calls through FFM downcalls: {@code mmap} (with its {@code errno}), {@code munmap},
 * {@code madvise}, {@code mincore} and {@code strerror} to reserve heaps, trim them, give pages back, count their resident
 * pages and say why a reservation failed, {@code mprotect} to turn a heap's first page into a real guard page, and
 * {@code malloc}, {@code realloc}, {@code aligned_alloc} and {@code free} as the baseline every allocator is measured
 * against.
 *
 * <p>All {@code invokeExact} calls live in this one class: the Nullness Checker crashes on {@code invokeExact} with
 * primitive arguments (typetools/checker-framework#7806), so the build skips exactly this class
 * ({@code -AskipDefs=\.Libc$}).
 *
 * <p>{@link #available()} is false when the platform is not Linux on x86-64/aarch64 or when native access is not
 * granted to {@code org.jalloc.core}; callers then fall back (see {@link org.jalloc.core.memory.Heap}).
 */
public final class Libc {
    /** {@code PROT_READ | PROT_WRITE}. */
    private static final int PROT_RW = 0x1 | 0x2;
    /** {@code MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE}: untouched pages cost nothing. */
    private static final int MAP_FLAGS = 0x02 | 0x20 | 0x4000;
    /** {@code MADV_DONTNEED}: anonymous private pages read back as zero afterwards. */
    private static final int MADV_DONTNEED = 4;
    /** {@code PROT_NONE}: any access to the pages faults (SIGSEGV). */
    public static final int PROT_NONE = 0;

    /** The page size {@code mincore} counts in (4 KiB, as {@code Heap.PAGE_SIZE}). */
    private static final long PAGE_SIZE = 4096;

    private static final Handles HANDLES = Handles.load();

    private Libc() {}

    /** True when the downcalls below can be used. */
    public static boolean available() {
        return HANDLES.ok;
    }

    /** Why {@link #available()} is false (for messages), or "available". */
    public static String unavailableReason() {
        return HANDLES.reason;
    }

    /** Where {@code errno} lies in the call state captured by the {@code mmap} handle. */
    private static final long ERRNO_OFFSET = Linker.Option.captureStateLayout().byteOffset(MemoryLayout.PathElement.groupElement("errno"));

    /**
     * Reserves {@code bytes} of address space without committing memory.
     *
     * @return the address (user addresses are below 2<sup>63</sup>), or {@code -errno} when the kernel refuses
     */
    public static long mmapReserve(long bytes) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = call.allocate(Linker.Option.captureStateLayout());
            MemorySegment p = (MemorySegment) HANDLES.mmap.invokeExact(state, MemorySegment.NULL, bytes, PROT_RW, MAP_FLAGS, -1, 0L);
            long a = p.address();
            return a == -1L ? -Math.max(1, state.get(JAVA_INT, ERRNO_OFFSET)) : a;
        } catch (Throwable t) {
            throw new IllegalStateException("mmap failed", t);
        }
    }

    /** {@code strerror(errnum)}: the C library's text for an error number ("Cannot allocate memory"). */
    public static String strerror(int errnum) {
        try {
            MemorySegment text = (MemorySegment) HANDLES.strerror.invokeExact(errnum);
            return text.reinterpret(Long.MAX_VALUE).getString(0) + " (errno " + errnum + ")";
        } catch (Throwable t) {
            return "errno " + errnum;
        }
    }

    public static void munmap(long address, long bytes) {
        try {
            int rc = (int) HANDLES.munmap.invokeExact(MemorySegment.ofAddress(address), bytes);
            if (rc != 0) {
                throw new IllegalStateException("munmap returned " + rc);
            }
        } catch (Throwable t) {
            throw new IllegalStateException("munmap failed", t);
        }
    }

    /** {@code madvise(MADV_DONTNEED)}: returns the pages to the OS; they read back as zeros. */
    public static boolean madviseDontNeed(long address, long bytes) {
        try {
            return (int) HANDLES.madvise.invokeExact(MemorySegment.ofAddress(address), bytes, MADV_DONTNEED) == 0;
        } catch (Throwable t) {
            throw new IllegalStateException("madvise failed", t);
        }
    }

    /**
     * {@code mincore}: how many of the pages of {@code [address, address + bytes)} (page-aligned) are resident.
     *
     * @return the resident page count, or -1 if the kernel refused (the range is not mapped)
     */
    public static long residentPages(long address, long bytes) {
        long pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
        long resident = 0;
        long chunk = 1L << 20; // pages per call: a 1 MiB vector covers 4 GiB
        try (Arena call = Arena.ofConfined()) {
            MemorySegment vec = call.allocate(Math.min(pages, chunk));
            for (long p = 0; p < pages; p += chunk) {
                long n = Math.min(chunk, pages - p);
                int rc = (int) HANDLES.mincore.invokeExact(MemorySegment.ofAddress(address + p * PAGE_SIZE), n * PAGE_SIZE, vec);
                if (rc != 0) {
                    return -1;
                }
                for (long i = 0; i < n; i++) {
                    resident += vec.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i) & 1;
                }
            }
        } catch (Throwable t) {
            throw new IllegalStateException("mincore failed", t);
        }
        return resident;
    }

    /**
     * {@code mprotect(address, bytes, prot)}: changes the access rights of whole pages ({@link #PROT_NONE} makes a
     * guard page).
     *
     * @return true on success
     */
    public static boolean mprotect(long address, long bytes, int prot) {
        try {
            return (int) HANDLES.mprotect.invokeExact(MemorySegment.ofAddress(address), bytes, prot) == 0;
        } catch (Throwable t) {
            throw new IllegalStateException("mprotect failed", t);
        }
    }

    /** libc {@code malloc}; returns the native address or 0. */
    public static long malloc(long size) {
        try {
            return ((MemorySegment) HANDLES.malloc.invokeExact(size)).address();
        } catch (Throwable t) {
            throw new IllegalStateException("malloc failed", t);
        }
    }

    /** libc {@code realloc}; returns the native address or 0. */
    public static long realloc(long address, long size) {
        try {
            return ((MemorySegment) HANDLES.realloc.invokeExact(MemorySegment.ofAddress(address), size)).address();
        } catch (Throwable t) {
            throw new IllegalStateException("realloc failed", t);
        }
    }

    /** libc {@code aligned_alloc}; returns the native address or 0. */
    public static long alignedAlloc(long alignment, long size) {
        try {
            return ((MemorySegment) HANDLES.alignedAlloc.invokeExact(alignment, size)).address();
        } catch (Throwable t) {
            throw new IllegalStateException("aligned_alloc failed", t);
        }
    }

    /** libc {@code calloc}; returns the native address or 0. */
    public static long calloc(long count, long size) {
        try {
            return ((MemorySegment) HANDLES.calloc.invokeExact(count, size)).address();
        } catch (Throwable t) {
            throw new IllegalStateException("calloc failed", t);
        }
    }

    /** glibc {@code malloc_usable_size}. */
    public static long usableSize(long address) {
        try {
            return (long) HANDLES.usableSize.invokeExact(MemorySegment.ofAddress(address));
        } catch (Throwable t) {
            throw new IllegalStateException("malloc_usable_size failed", t);
        }
    }

    /** libc {@code free}. */
    public static void free(long address) {
        try {
            HANDLES.free.invokeExact(MemorySegment.ofAddress(address));
        } catch (Throwable t) {
            throw new IllegalStateException("free failed", t);
        }
    }

    /** Lazily linked handles; a failure to link (no native access, other OS) leaves {@code ok} false. */
    private static final class Handles {
        final boolean ok;
        final String reason;
        final MethodHandle mmap;
        final MethodHandle munmap;
        final MethodHandle madvise;
        final MethodHandle malloc;
        final MethodHandle realloc;
        final MethodHandle alignedAlloc;
        final MethodHandle free;
        final MethodHandle calloc;
        final MethodHandle usableSize;
        final MethodHandle strerror;
        final MethodHandle mincore;
        final MethodHandle mprotect;

        private Handles(boolean ok, String reason, MethodHandle[] h) {
            this.ok = ok;
            this.reason = reason;
            this.mmap = h[0];
            this.munmap = h[1];
            this.madvise = h[2];
            this.malloc = h[3];
            this.realloc = h[4];
            this.alignedAlloc = h[5];
            this.free = h[6];
            this.calloc = h[7];
            this.usableSize = h[8];
            this.strerror = h[9];
            this.mincore = h[10];
            this.mprotect = h[11];
        }

        static Handles load() {
            MethodHandle[] h = new MethodHandle[12];
            MethodHandle missing = java.lang.invoke.MethodHandles.constant(Object.class, null);
            java.util.Arrays.fill(h, missing);
            String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
            String arch = System.getProperty("os.arch", "");
            if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
                return new Handles(false, "mmap flags are only defined here for Linux on x86-64/aarch64 (found " + os + "/" + arch + ")", h);
            }
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                h[0] = linker.downcallHandle(find(libc, "mmap"),
                        FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG),
                        Linker.Option.captureCallState("errno"));
                h[1] = linker.downcallHandle(find(libc, "munmap"), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
                h[2] = linker.downcallHandle(find(libc, "madvise"), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
                h[3] = linker.downcallHandle(find(libc, "malloc"), FunctionDescriptor.of(ADDRESS, JAVA_LONG));
                h[4] = linker.downcallHandle(find(libc, "realloc"), FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG));
                h[5] = linker.downcallHandle(find(libc, "aligned_alloc"), FunctionDescriptor.of(ADDRESS, JAVA_LONG, JAVA_LONG));
                h[6] = linker.downcallHandle(find(libc, "free"), FunctionDescriptor.ofVoid(ADDRESS));
                h[7] = linker.downcallHandle(find(libc, "calloc"), FunctionDescriptor.of(ADDRESS, JAVA_LONG, JAVA_LONG));
                h[8] = linker.downcallHandle(find(libc, "malloc_usable_size"), FunctionDescriptor.of(JAVA_LONG, ADDRESS));
                h[9] = linker.downcallHandle(find(libc, "strerror"), FunctionDescriptor.of(ADDRESS, JAVA_INT));
                h[10] = linker.downcallHandle(find(libc, "mincore"), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
                h[11] = linker.downcallHandle(find(libc, "mprotect"), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
                return new Handles(true, "available", h);
            } catch (IllegalCallerException | UnsupportedOperationException | IllegalArgumentException e) {
                return new Handles(false, "native access unavailable: " + e.getMessage()
                        + " (run with --enable-native-access=org.jalloc.core)", h);
            }
        }

        private static MemorySegment find(SymbolLookup lookup, String name) {
            return lookup.find(name).orElseThrow(() -> new IllegalArgumentException("symbol " + name + " not found"));
        }
    }
}
