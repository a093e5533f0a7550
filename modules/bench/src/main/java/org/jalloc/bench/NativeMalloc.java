package org.jalloc.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.io.InputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import java.util.Optional;

/**
 * A native malloc/free pair reached through FFM: libc, and mimalloc, jemalloc, tcmalloc where their Debian packages
 * are installed (libmimalloc2.0, libjemalloc2, libtcmalloc-minimal4). jemalloc only loads when the JVM starts with
 * {@code GLIBC_TUNABLES=glibc.rtld.optional_static_tls=16384}.
 *
 * <p>Every native allocator is measured in two forms, as any FFM user may link it: plain downcalls (a thread-state
 * transition per call) and critical ones ({@code Linker.Option.critical(false)}: none). The benchmarks reach both
 * through {@link #constant(String)}, whose handles are {@code static final} (one holder class per form), so the JIT
 * folds the handle and inlines the downcall stub; the "fastest peer" of a report is the faster form.
 */
final class NativeMalloc {
    final String name;
    private final MethodHandle malloc;
    private final MethodHandle free;

    private NativeMalloc(String name, MethodHandle malloc, MethodHandle free) {
        this.name = name;
        this.malloc = malloc;
        this.free = free;
    }

    long malloc(long size) {
        try {
            return (long) malloc.invokeExact(size);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    void free(long address) {
        try {
            free.invokeExact(address);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The named allocator with critical downcalls, or a clear message why it is missing. */
    static NativeMalloc load(String name) {
        return load(name, true);
    }

    /**
     * The named allocator; {@code critical} links the downcalls with {@code Linker.Option.critical(false)} (no
     * thread-state transition), which shows how much of a native allocator's cost is the call itself.
     */
    static NativeMalloc load(String name, boolean critical) {
        String[] spec = switch (name) {
            case "libc" -> new String[] {null, "malloc", "free"};
            case "mimalloc" -> new String[] {"libmimalloc.so.2", "mi_malloc", "mi_free"};
            case "jemalloc" -> new String[] {"libjemalloc.so.2", "malloc", "free"};
            case "tcmalloc" -> new String[] {"libtcmalloc_minimal.so.4", "tc_malloc", "tc_free"};
            default -> throw new IllegalArgumentException("unknown native allocator " + name);
        };
        Linker linker = Linker.nativeLinker();
        SymbolLookup lookup;
        if (spec[0] == null) {
            lookup = linker.defaultLookup();
        } else {
            try {
                lookup = SymbolLookup.libraryLookup(spec[0], Arena.global());
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("SKIPPED: " + name + " is not installed (" + spec[0] + ": " + e.getMessage()
                        + "); apt-get install " + switch (name) {
                            case "mimalloc" -> "libmimalloc2.0";
                            case "jemalloc" -> "libjemalloc2 (and start the JVM with GLIBC_TUNABLES=glibc.rtld.optional_static_tls=16384)";
                            default -> "libtcmalloc-minimal4";
                        });
            }
        }
        Optional<java.lang.foreign.MemorySegment> m = lookup.find(spec[1]);
        Optional<java.lang.foreign.MemorySegment> f = lookup.find(spec[2]);
        if (m.isEmpty() || f.isEmpty()) {
            throw new IllegalStateException("SKIPPED: " + name + " lacks " + spec[1] + "/" + spec[2]);
        }
        Linker.Option[] options = critical ? new Linker.Option[] {Linker.Option.critical(false)} : new Linker.Option[0];
        return new NativeMalloc(name,
                linker.downcallHandle(m.get(), FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG), options),
                linker.downcallHandle(f.get(), FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG), options));
    }

    /**
     * The named peer ({@code libc}, {@code libc-critical}, ... {@code tcmalloc-critical}) with its downcall handles in
     * {@code static final} fields, so the JIT inlines the downcall as it would in a program that links the allocator
     * once: the peer at its best. Each peer is its own hidden class defined from {@link PeerCalls} with the two handles
     * as class data (a static final per class folds; one shared class would hold one peer's handles only).
     *
     * @throws IllegalStateException starting with {@code SKIPPED:} when the library is not installed
     */
    static Subject.Addresses constant(String name) {
        boolean critical = name.endsWith("-critical");
        String lib = critical ? name.substring(0, name.length() - "-critical".length()) : name;
        if (!List.of("libc", "mimalloc", "jemalloc", "tcmalloc").contains(lib)) {
            throw new IllegalArgumentException("unknown native allocator " + name);
        }
        NativeMalloc n = load(lib, critical);
        try (InputStream in = PeerCalls.class.getResourceAsStream("PeerCalls.class")) {
            if (in == null) {
                throw new IllegalStateException("PeerCalls.class is not on the class path");
            }
            MethodHandles.Lookup hidden = MethodHandles.lookup()
                    .defineHiddenClassWithClassData(in.readAllBytes(), List.of(n.malloc, n.free), true);
            return (Subject.Addresses) hidden.findConstructor(hidden.lookupClass(), MethodType.methodType(void.class)).invoke();
        } catch (Throwable t) {
            throw new IllegalStateException("cannot define the downcall class of " + name + ": " + t, t);
        }
    }
}
