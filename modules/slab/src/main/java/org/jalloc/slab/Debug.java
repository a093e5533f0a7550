package org.jalloc.slab;

import static org.jalloc.slab.AddressScreen.hex;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.checkerframework.checker.nullness.qual.Nullable;

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
 *
 * <p>An instance is the debug tier of one cache ({@link SlabLayer#debug}): it fills and checks a slot's red zones,
 * poison and track, under the cache's slab lock; F's consistency checks are the slab layer's own
 * ({@code SlabLayer.sanityCheckFree}), since they read its free list.
 *
 * <h2>Invariants (spec/invariants.md)</h2>
 * <ul>
 *   <li>SLAB-4 (Z), SLAB-5 (P): red zones hold RED_ACTIVE around allocated objects and RED_INACTIVE around free
 *       ones; a free object of a poisoned cache holds POISON_FREE ... POISON_END.</li>
 * </ul>
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

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;

    private final String name;
    private final CacheGeometry g;
    private final MemorySegment mem;
    private final Sites sites;
    private final @Nullable MemorySegment poison;
    private final @Nullable MemorySegment redActive;
    private final @Nullable MemorySegment redInactive;

    /** The debug tier of the cache {@code name} with geometry {@code g} over the heap {@code mem}. */
    Debug(String name, CacheGeometry g, MemorySegment mem, Sites sites) {
        this.name = name;
        this.g = g;
        this.mem = mem;
        this.sites = sites;
        this.poison = g.poisoned() ? poisonPattern(g.usable()) : null;
        long zone = Math.max(g.redLeft(), g.redRightEnd() - g.objectEnd());
        this.redActive = g.redZones() ? filled(zone, RED_ACTIVE) : null;
        this.redInactive = g.redZones() ? filled(zone, RED_INACTIVE) : null;
    }

    private static MemorySegment poisonPattern(long usable) {
        byte[] p = new byte[(int) usable];
        java.util.Arrays.fill(p, POISON_FREE);
        p[p.length - 1] = POISON_END;
        return MemorySegment.ofArray(p);
    }

    private static MemorySegment filled(long n, byte b) {
        byte[] p = new byte[(int) n];
        java.util.Arrays.fill(p, b);
        return MemorySegment.ofArray(p);
    }

    // ================================================================== the debug areas of a slot (slab lock held)

    void initDebugAreas(long slot) {
        if (g.redZones()) {
            fillRedZones(slot, RED_INACTIVE);
        }
        if (g.poisoned()) {
            MemorySegment.copy(nonNull(poison), 0, mem, slot + g.redLeft(), g.usable());
        }
        if (g.tracked()) {
            mem.asSlice(slot + g.trackOffset(), CacheGeometry.TRACK).fill((byte) 0);
        }
    }

    private void fillRedZones(long slot, byte value) {
        mem.asSlice(slot, g.redLeft()).fill(value);
        mem.asSlice(slot + g.objectEnd(), g.redRightEnd() - g.objectEnd()).fill(value);
    }

    /** The first byte of {@code slot}'s red zones that is not {@code expected}, as an offset from the object, or MIN_VALUE. */
    long redZoneMismatch(long slot, boolean allocated) {
        MemorySegment pattern = nonNull(allocated ? redActive : redInactive);
        long left = MemorySegment.mismatch(mem, slot, slot + g.redLeft(), pattern, 0, g.redLeft());
        if (left >= 0) {
            return left - g.redLeft();
        }
        long rightLen = g.redRightEnd() - g.objectEnd();
        long right = MemorySegment.mismatch(mem, slot + g.objectEnd(), slot + g.redRightEnd(), pattern, 0, rightLen);
        return right >= 0 ? g.objectEnd() - g.redLeft() + right : Long.MIN_VALUE;
    }

    /** The first byte of a free object's poison that changed, as an offset from the object, or -1. */
    long poisonMismatch(long slot) {
        long obj = slot + g.redLeft();
        return MemorySegment.mismatch(mem, obj, obj + g.usable(), nonNull(poison), 0, g.usable());
    }

    private static MemorySegment nonNull(@Nullable MemorySegment s) {
        if (s == null) {
            throw new IllegalStateException("debug pattern missing");
        }
        return s;
    }

    /** Z check of a free, then poison, inactive red zones and the free site; throws before changing anything (F is the slab layer's). */
    void debugFree(long obj, int site) {
        long slot = obj - g.redLeft();
        if (g.redZones()) {
            long bad = redZoneMismatch(slot, true);
            if (bad != Long.MIN_VALUE) {
                long at = obj + bad;
                throw new SlabCorruptionException(String.format(Locale.ROOT,
                        "%s: Redzone overwritten at %s (object %s %s %d): expected %s, found %s: a buffer %s%s", name, hex(at), hex(obj),
                        bad < 0 ? "-" : "+", Math.abs(bad), hexByte(RED_ACTIVE), hexByte(mem.get(ValueLayout.JAVA_BYTE, at)),
                        bad < 0 ? "underrun" : "overrun", trackText(slot)), SlabCorruptionException.Kind.RED_ZONE, name, obj);
            }
        }
        if (g.poisoned()) {
            MemorySegment.copy(nonNull(poison), 0, mem, obj, g.usable());
        }
        if (g.redZones()) {
            fillRedZones(slot, RED_INACTIVE);
        }
        if (g.tracked()) {
            mem.set(INT, slot + g.trackOffset() + 8, site);
            mem.set(INT, slot + g.trackOffset() + 12, (int) Thread.currentThread().threadId());
        }
    }

    /** Poison and inactive red zones of the free slot about to be handed out; throws (nothing changed) when broken. */
    void debugAlloc(long slot) {
        long obj = slot + g.redLeft();
        if (g.poisoned()) {
            long bad = poisonMismatch(slot);
            if (bad >= 0) {
                byte expected = bad == g.usable() - 1 ? POISON_END : POISON_FREE;
                throw new SlabCorruptionException(String.format(Locale.ROOT,
                        "%s: Poison overwritten at %s (object %s + %d): expected %s, found %s: a write after free%s", name, hex(obj + bad),
                        hex(obj), bad, hexByte(expected), hexByte(mem.get(ValueLayout.JAVA_BYTE, obj + bad)), trackText(slot)),
                        SlabCorruptionException.Kind.USE_AFTER_FREE, name, obj);
            }
        }
        if (g.redZones()) {
            long bad = redZoneMismatch(slot, false);
            if (bad != Long.MIN_VALUE) {
                throw new SlabCorruptionException(String.format(Locale.ROOT,
                        "%s: Redzone of a free object overwritten at %s (object %s %s %d): expected %s, found %s%s", name, hex(obj + bad),
                        hex(obj), bad < 0 ? "-" : "+", Math.abs(bad), hexByte(RED_INACTIVE),
                        hexByte(mem.get(ValueLayout.JAVA_BYTE, obj + bad)), trackText(slot)),
                        SlabCorruptionException.Kind.USE_AFTER_FREE, name, obj);
            }
        }
    }

    void debugAllocated(long slot, int site) {
        if (g.redZones()) {
            fillRedZones(slot, RED_ACTIVE);
        }
        if (g.tracked()) {
            mem.set(INT, slot + g.trackOffset(), site);
            mem.set(INT, slot + g.trackOffset() + 4, (int) Thread.currentThread().threadId());
        }
    }

    /** "; last allocated at S by thread T, last freed at ..." (U), or "". */
    String trackText(long slot) {
        if (!g.tracked()) {
            return "";
        }
        long t = slot + g.trackOffset();
        int allocSite = mem.get(INT, t);
        int freeSite = mem.get(INT, t + 8);
        StringBuilder sb = new StringBuilder();
        if (allocSite != 0) {
            sb.append("; last allocated at ").append(sites.name(allocSite)).append(" by thread ").append(mem.get(INT, t + 4));
        }
        if (freeSite != 0) {
            sb.append("; last freed at ").append(sites.name(freeSite)).append(" by thread ").append(mem.get(INT, t + 12));
        }
        return sb.toString();
    }

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
        private static final java.util.Set<Class<?>> SLAB_LAYER = java.util.Set.of(Sites.class, SlabCache.class, SlabLayer.class, Debug.class,
                SlabAllocator.class, CacheRegistry.class, MagazineScavenger.class);
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
