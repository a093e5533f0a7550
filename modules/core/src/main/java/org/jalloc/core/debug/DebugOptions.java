package org.jalloc.core.debug;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jalloc.core.Allocator;
import org.jalloc.core.LeakLevel;
import org.jalloc.core.spi.SecureLinks;
import org.jalloc.core.spi.AllocatorSpec;
import org.jalloc.core.spi.AllocatorType;
import org.jalloc.core.spi.EngineShadow;
import org.jalloc.core.spi.FreeChecksOnRequest;
import org.jalloc.core.spi.SizeWordOnRequest;
import org.jalloc.core.spi.OptionSpec;

/**
 * The spec options every allocator accepts, applied by {@code Allocators.create} and {@code AllocatorFactory.of}
 * through a {@link DebugAllocator} around the allocator the type makes: {@code debug=FZPU} (any subset, any order)
 * and {@code leaks=disabled|simple|advanced|paranoid}. A type that declares an option of the same key itself (slab's
 * own SLUB-style {@code debug=}) keeps it; the generic layer then only scopes the views ({@link #VIEWS}).
 *
 * @param flags the debug flags ({@link #F}, {@link #Z}, {@link #P}, {@link #U}, {@link #VIEWS})
 * @param leaks the leak level
 */
public record DebugOptions(int flags, LeakLevel leaks) {
    /** Sanity checks on every free. */
    public static final int F = 1;
    /** Red zones before and after every payload. */
    public static final int Z = 2;
    /** Poison freed payloads, hold them in a quarantine, verify the poison when they leave it. */
    public static final int P = 4;
    /** Record allocation and free sites. */
    public static final int U = 8;
    /** Views ({@code segment}, {@code asSegmentAllocator}) scoped to their block: implied by any other flag. */
    public static final int VIEWS = 16;
    /** The type itself declares {@code debug=} (slab): the letters are its own, not shown again in the name. */
    public static final int OWN = 32;

    private static final String LETTERS = "FZPU";

    /** Debugging off, leaks not tracked: no wrapper at all. */
    public static final DebugOptions OFF = new DebugOptions(0, LeakLevel.DISABLED);

    /** The generic options as {@code ./jalloc list} shows them. */
    public static final List<OptionSpec> OPTIONS = List.of(
            OptionSpec.choice("debug", "-", "debug layer: F sanity checks on every free, Z red zones, P poison and quarantine freed blocks,"
                    + " U allocation/free sites (any subset, any order); views of a block throw once it is freed", allSpellings()),
            OptionSpec.choice("leaks", "disabled", "leak detection (Netty's levels): simple and advanced sample 1 allocation in "
                    + LeakLevel.SAMPLE_INTERVAL + " (advanced also records recent accesses), paranoid records every allocation;"
                    + " leakReport(), printed at close()", "disabled", "simple", "advanced", "paranoid"));

    /**
     * The type's own options followed by the options every allocator accepts, except where the type declares the
     * same key itself (slab's own {@code debug=}): what {@code ./jalloc list} and {@code Allocators.types()} show.
     */
    public static List<OptionSpec> optionsOf(AllocatorType type) {
        if (!type.debugLayer()) {
            return type.options();
        }
        // The options a type declares after secure= came later still: the type's options up to secure=, then debug=
        // and leaks=, then secure= and what follows it, so every key listed before keeps its place
        List<OptionSpec> own = type.options();
        int secure = 0;
        while (secure < own.size() && !own.get(secure).key().equals(SecureLinks.KEY)) {
            secure++;
        }
        List<OptionSpec> all = new ArrayList<>(own.subList(0, secure));
        for (OptionSpec g : OPTIONS) {
            if (own.stream().noneMatch(o -> o.key().equals(g.key()))) {
                all.add(g);
            }
        }
        all.addAll(own.subList(secure, own.size()));
        return List.copyOf(all);
    }

    /** True when no wrapper is needed. */
    public boolean off() {
        return flags == 0 && leaks == LeakLevel.DISABLED;
    }

    /** True when some of F, Z, P, U (or scoped views) is on: every block is tracked. */
    public boolean tracksBlocks() {
        return flags != 0;
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** Parses {@code FZPU}-style letters (any subset, order or case); {@code -}, {@code none} and "" mean none. */
    public static int parseFlags(String text) {
        String f = text.trim().toUpperCase(Locale.ROOT);
        if (f.isEmpty() || f.equals("-") || f.equals("NONE")) {
            return 0;
        }
        int bits = 0;
        for (int i = 0; i < f.length(); i++) {
            int k = LETTERS.indexOf(f.charAt(i));
            if (k < 0) {
                throw new IllegalArgumentException("debug flags are a subset of FZPU (F sanity checks, Z red zones, P poison,"
                        + " U sites), got '" + text + "'");
            }
            bits |= 1 << k;
        }
        return bits | VIEWS;
    }

    /** The letters in FZPU order, or {@code -}. */
    public static String formatFlags(int bits) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < LETTERS.length(); k++) {
            if ((bits & (1 << k)) != 0) {
                sb.append(LETTERS.charAt(k));
            }
        }
        return sb.isEmpty() ? "-" : sb.toString();
    }

    private static String[] allSpellings() {
        String[] s = new String[16];
        for (int bits = 0; bits < 16; bits++) {
            s[bits] = formatFlags(bits);
        }
        return s;
    }

    /**
     * A spec split into what the type resolves and the generic options.
     *
     * @param rest    the spec without the generic options the type does not declare itself
     * @param options the generic options
     */
    public record Split(AllocatorSpec rest, DebugOptions options) {}

    /**
     * Takes the generic options out of {@code spec}.
     *
     * @throws IllegalArgumentException for a bad value, naming the option and what is accepted
     */
    public static Split split(AllocatorType type, AllocatorSpec spec) {
        Map<String, String> rest = new LinkedHashMap<>();
        int flags = 0;
        LeakLevel leaks = LeakLevel.DISABLED;
        for (Map.Entry<String, String> e : spec.options().entrySet()) {
            String key = e.getKey();
            String value = e.getValue();
            boolean own = type.options().stream().anyMatch(o -> o.key().equals(key));
            if (!type.debugLayer() && !own && (key.equals("debug") || key.equals("leaks"))) {
                throw new IllegalArgumentException("allocator " + type.name() + ": option " + key + " is not supported: the debug layer"
                        + " (debug=, leaks=) is not offered on " + type.name() + " (docs/debugging.md); options: " + type.usage());
            }
            if (own) {
                rest.put(key, value);
                // A type outside the generic layer that declares debug= (stack, arena, pool) does all of it itself.
                if (type.debugLayer() && key.equals("debug") && !value.isBlank() && !value.equals("-") && !value.equalsIgnoreCase("none")) {
                    // The type's own debugging (slab's SLUB letters) checks the blocks; the generic layer scopes the
                    // views and, with U, records sites too, so a double free names both free sites.
                    flags |= OWN | VIEWS | (value.toUpperCase(Locale.ROOT).indexOf('U') >= 0 ? U : 0);
                }
            } else if (key.equals("debug")) {
                try {
                    flags |= parseFlags(value);
                } catch (IllegalArgumentException bad) {
                    throw new IllegalArgumentException("allocator " + type.name() + ": bad value '" + value + "' for option debug: "
                            + bad.getMessage());
                }
            } else if (key.equals("leaks")) {
                try {
                    leaks = LeakLevel.parse(value);
                } catch (IllegalArgumentException bad) {
                    throw new IllegalArgumentException("allocator " + type.name() + ": bad value '" + value + "' for option leaks: "
                            + "must be one of disabled|simple|advanced|paranoid");
                }
            } else {
                rest.put(key, value);
            }
        }
        return new Split(new AllocatorSpec(spec.name(), rest), new DebugOptions(flags, leaks));
    }

    /** {@code base} with the generic options that are on appended ({@code tlsf:debug=FZPU,leaks=simple}). */
    public String displayName(String base) {
        List<String> parts = new ArrayList<>();
        if ((flags & OWN) == 0 && (flags & (F | Z | P | U)) != 0) {
            parts.add("debug=" + formatFlags(flags));
        }
        if (leaks != LeakLevel.DISABLED) {
            parts.add("leaks=" + leaks.spelling());
        }
        if (parts.isEmpty()) {
            return base;
        }
        return base + (base.indexOf(':') < 0 ? ":" : ",") + String.join(",", parts);
    }

    /**
     * {@code allocator} as these options want it: itself when {@link #off()}; with F alone (no Z, P, U, leak level)
     * the engine itself checking F ({@link EngineShadow#claim}: no layer) when it keeps its size word below each
     * payload and screens it, or itself through {@link FreeChecksOnRequest} (a concurrent engine that finds its blocks exactly itself: slub, thread-cache; and slab, whose own {@code debug=} it asks when no other generic option is given), the tagged-prefix layer ({@link TaggedSanity}) over any other; else a
     * {@link DebugAllocator}.
     */
    public Allocator wrap(Allocator allocator, String displayName) {
        if (off()) {
            return allocator;
        }
        if (allocator instanceof org.jalloc.core.RegionAllocator || allocator instanceof org.jalloc.core.FixedSizeAllocator) {
            // A stack frees newest first and a pool serves one size: a FIFO quarantine and red zones would break the
            // discipline, and a wrapper would hide it from its tools. Refused rather than half working.
            String kind = allocator instanceof org.jalloc.core.FixedSizeAllocator ? "a fixed-size pool" : "a stack or region";
            allocator.close();
            throw new IllegalArgumentException(displayName + ": debug= and leaks= are not supported on " + kind
                    + " allocator yet (docs/debugging.md)");
        }
        try {
            // F alone over an engine that screens the size word below each payload (or keeps one when asked, as
            // buddy does): the engine checks it, no layer
            if (TaggedSanity.serves(this) && has(F) && (flags & OWN) == 0 && allocator instanceof SizeWordOnRequest s
                    && !EngineShadow.serves(allocator)) {
                s.keepSizeWordBelowPayload();
            }
            if (TaggedSanity.serves(this) && has(F) && EngineShadow.serves(allocator)) {
                return EngineShadow.claim(allocator, displayName);
            }
            // F alone over a concurrent engine that finds its blocks exactly and keeps a head word itself (slub, thread-cache)
            if (TaggedSanity.serves(this) && has(F) && (flags & OWN) == 0 && allocator instanceof FreeChecksOnRequest s
                    && s.checkFreesAlone(displayName)) {
                return allocator;
            }
            // A type's own debug= with no generic option beside it (slab): the engine may do it all itself (its letters
            // exactly F: slab's own F alone, views included); else the prefix below scopes the views
            if (TaggedSanity.serves(this) && (flags & OWN) != 0 && allocator instanceof FreeChecksOnRequest s
                    && s.checkFreesAlone(displayName)) {
                return allocator;
            }
            // F alone on any other engine (or only the views a type's own debug= asks for): the tagged prefix, no table
            return TaggedSanity.serves(this) ? new TaggedSanity(allocator, this, displayName)
                    : new DebugAllocator(allocator, this, displayName);
        } catch (RuntimeException | Error e) {
            allocator.close();
            throw e;
        }
    }
}
