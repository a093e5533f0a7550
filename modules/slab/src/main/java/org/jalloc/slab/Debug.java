package org.jalloc.slab;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The debug flags of a cache, as Linux's {@code slub_debug=FZPU}, independent of each other, and the byte values they
 * write. Debug work lives off the fast path: a cache with any flag set allocates and frees through its slab layer
 * (no magazines), as SLUB's debug caches skip the per-CPU fast path.
 *
 * <table class="striped">
 *   <caption>Flags</caption>
 *   <tr><th>flag</th><th>Linux</th><th>what it does here</th></tr>
 *   <tr><td>F</td><td>SLAB_CONSISTENCY_CHECKS</td><td>on free: the slab header is intact and the object, live in
 *       the state map, is not on its slab's free list (the list walked, O(objects per slab): the two agree; the
 *       double-free check itself is exact without F); on alloc: the free list head is a free slot of the
 *       slab</td></tr>
 *   <tr><td>Z</td><td>SLAB_RED_ZONE</td><td>a red zone before ({@code redLeft} bytes) and after (at least 8 bytes)
 *       every object: {@link #RED_ACTIVE} while allocated, {@link #RED_INACTIVE} while free; checked on free
 *       (a buffer overrun or underrun), on alloc and by the checker (SLAB-4)</td></tr>
 *   <tr><td>P</td><td>SLAB_POISON</td><td>caches without a constructor only: a freed object is filled with
 *       {@link #POISON_FREE} and ends with {@link #POISON_END}; checked on the next alloc of the object (a write
 *       after free) and by the checker (SLAB-5)</td></tr>
 *   <tr><td>U</td><td>SLAB_STORE_USER</td><td>the last alloc and free site (the first stack frame outside the slab
 *       layer and jalloc's core and check) and thread of every object, in the slot; named in every debug report</td></tr>
 * </table>
 *
 * <pre>
 *  byte values (mm/poison.h):  RED_ACTIVE 0xcc   RED_INACTIVE 0xbb   POISON_FREE 0x6b   POISON_END 0xa5
 * </pre>
 */
final class Debug {
    static final int F = 1;
    static final int Z = 2;
    static final int P = 4;
    static final int U = 8;

    /** Red zone bytes of an allocated object (SLUB_RED_ACTIVE). */
    static final byte RED_ACTIVE = (byte) 0xcc;
    /** Red zone bytes of a free object (SLUB_RED_INACTIVE). */
    static final byte RED_INACTIVE = (byte) 0xbb;
    /** Poison of a free object's bytes (POISON_FREE). */
    static final byte POISON_FREE = 0x6b;
    /** The last byte of a poisoned object (POISON_END). */
    static final byte POISON_END = (byte) 0xa5;

    private static final String LETTERS = "FZPU";

    private Debug() {}

    /** Parses {@code "FZPU"}-style flags (any subset, any order, any case); {@code ""}, {@code "-"} and {@code "none"} mean none. */
    static int parse(String flags) {
        String f = flags.trim().toUpperCase(Locale.ROOT);
        if (f.isEmpty() || f.equals("-") || f.equals("NONE")) {
            return 0;
        }
        int bits = 0;
        for (int i = 0; i < f.length(); i++) {
            int k = LETTERS.indexOf(f.charAt(i));
            if (k < 0) {
                throw new IllegalArgumentException("debug flags are a subset of FZPU (sanity checks, red zones, poisoning, user tracking), got '"
                        + flags + "'");
            }
            bits |= 1 << k;
        }
        return bits;
    }

    /** The flags as letters in FZPU order, or {@code "-"} for none. */
    static String format(int bits) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < LETTERS.length(); k++) {
            if ((bits & (1 << k)) != 0) {
                sb.append(LETTERS.charAt(k));
            }
        }
        return sb.isEmpty() ? "-" : sb.toString();
    }

    /** Every spelling {@link #format} produces: {@code -}, {@code F}, {@code Z}, ..., {@code FZPU} (the provider's choices). */
    static String[] allSpellings() {
        String[] all = new String[16];
        for (int bits = 0; bits < 16; bits++) {
            all[bits] = format(bits);
        }
        return all;
    }

    static String hexByte(int b) {
        return String.format(Locale.ROOT, "0x%02x", b & 0xFF);
    }

    /**
     * Alloc and free sites (U), interned: a slot stores a site's number, this table its text. Site 0 is "unknown".
     * Thread safe.
     */
    static final class Sites {
        private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
        /** The slab classes a call passes through on its way to {@link #current()}. */
        private static final java.util.Set<Class<?>> SLAB_LAYER = java.util.Set.of(Sites.class, SlabCache.class, SlabAllocator.class);
        private final Map<String, Integer> ids = new HashMap<>();
        private final List<String> names = new ArrayList<>(List.of("unknown"));

        /**
         * The number of the caller's site: the first stack frame outside the slab layer's classes and jalloc's core and
         * check packages (by class, not package, so callers in {@code org.jalloc.slab}'s tests are sites too).
         */
        synchronized int current() {
            String site = WALKER.walk(frames -> frames
                    .filter(f -> !SLAB_LAYER.contains(f.getDeclaringClass()) && !f.getClassName().startsWith("org.jalloc.core.")
                            && !f.getClassName().startsWith("org.jalloc.check."))
                    .findFirst()
                    .map(f -> f.getClassName() + "." + f.getMethodName() + "(" + f.getFileName() + ":" + f.getLineNumber() + ")")
                    .orElse("unknown"));
            return intern(site);
        }

        /** The number of a site given by name. */
        synchronized int intern(String site) {
            Integer id = ids.get(site);
            if (id == null) {
                id = names.size();
                names.add(site);
                ids.put(site, id);
            }
            return id;
        }

        synchronized String name(int id) {
            return id >= 0 && id < names.size() ? names.get(id) : "site #" + id + " (corrupt track)";
        }

        synchronized int count() {
            return names.size() - 1;
        }
    }
}
