package org.jalloc.gc;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.spi.AllocatorSpec;
import org.jalloc.core.spi.OptionSpec;

/**
 * The collectors by name, as {@code ./jalloc} knows them: {@code mark-sweep} (over a jalloc allocator chosen by
 * name), {@code mark-compact} and {@code handles} (each with its own contiguous space).
 *
 * <pre>{@code
 * try (Collector gc = Collectors.create("mark-compact", null, 64 << 20)) {
 *     Mutator m = gc.mutator();
 *     int node = gc.types().define("node", 1, 8);     // one reference, 8 data bytes
 *     m.pushFrame(1);
 *     m.setLocal(0, m.allocate(node));               // roots keep objects across allocations
 *     m.setRef(m.local(0), 0, m.allocate(node));     // 0 when the heap is full
 * }
 * }</pre>
 */
public final class Collectors {
    /** The allocator {@code mark-sweep} uses unless told otherwise. */
    public static final String DEFAULT_ALLOCATOR = "tlsf";

    private static final OptionSpec GOGC = OptionSpec.number("gogc", "100",
            "collect when allocation since the last collection reaches this % of the live bytes (off: only when the space is full)");
    private static final OptionSpec CHECKED = OptionSpec.choice("checked", "off",
            "epoch-tagged references: using one after a collection throws StaleReferenceException; exact misuse checks", "off", "on");
    private static final OptionSpec LAZY = OptionSpec.choice("lazy", "off",
            "lazy sweeping: dead objects are freed by later allocations instead of in the pause", "off", "on");

    private static final List<CollectorType> TYPES = List.of(
            new CollectorType("mark-sweep", "stop-the-world mark (explicit mark stack, header mark bits) and sweep through the"
                    + " block walk of any general-purpose jalloc allocator (--allocator, default " + DEFAULT_ALLOCATOR + "); non-moving",
                    List.of(GOGC, LAZY, CHECKED), true, false),
            new CollectorType("mark-compact", "stop-the-world LISP2 sliding compaction over its own contiguous space: forwarding"
                    + " addresses, reference update, move; live objects keep their order, free space is one run",
                    List.of(GOGC, CHECKED), false, true),
            new CollectorType("handles", "objects reached through a handle table; compaction slides objects and updates only"
                    + " the table (one pass, no reference updating)", List.of(GOGC, CHECKED), false, true));

    private Collectors() {}

    /** Every collector, in the book's order. */
    public static List<CollectorType> types() {
        return TYPES;
    }

    public static Optional<CollectorType> type(String name) {
        return TYPES.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    /** The type called {@code name}, or an {@link IllegalArgumentException} listing the known names. */
    public static CollectorType require(String name) {
        return type(name).orElseThrow(() -> new IllegalArgumentException("unknown collector '" + name + "'; known: "
                + String.join(", ", TYPES.stream().map(CollectorType::name).toList())));
    }

    /**
     * Creates a collector from a spec such as {@code mark-sweep:lazy=on,gogc=200} over a new space of
     * {@code heapBytes}.
     *
     * @param allocator for {@code mark-sweep}: the allocator spec (null: {@value #DEFAULT_ALLOCATOR}); must be null
     *                  for collectors with their own space
     * @throws IllegalArgumentException for an unknown collector, option, value or allocator, or an allocator given to
     *                                  a collector that has its own space (the message says what is accepted)
     */
    public static Collector create(String spec, @Nullable String allocator, long heapBytes) {
        AllocatorSpec parsed = AllocatorSpec.parse(spec);
        CollectorType type = require(parsed.name());
        Map<String, String> options = resolve(type, parsed);
        String display = displayName(type, options);
        long gogc = opt(options, "gogc").equals("off") ? -1 : org.jalloc.core.spi.Sizes.parse(opt(options, "gogc"));
        boolean checked = opt(options, "checked").equals("on");
        if (!type.usesAllocator() && allocator != null) {
            throw new IllegalArgumentException(type.name() + " has its own contiguous space: --allocator applies to mark-sweep only");
        }
        return switch (type.name()) {
            case "mark-sweep" -> {
                AllocatorSpace space = new AllocatorSpace(allocator == null ? DEFAULT_ALLOCATOR : allocator, heapBytes);
                yield new MarkSweepCollector(display, space, gogc, opt(options, "lazy").equals("on"), checked);
            }
            case "mark-compact" -> new MarkCompactCollector(display, new BumpSpace(heapBytes), gogc, checked);
            case "handles" -> new HandleCollector(display, new BumpSpace(heapBytes), gogc, checked);
            default -> throw new IllegalArgumentException("unknown collector " + type.name());
        };
    }

    /** As {@link #create(String, String, long)} with the default allocator. */
    public static Collector create(String spec, long heapBytes) {
        return create(spec, null, heapBytes);
    }

    /** The name of the allocator a collector's objects live in, or null for collectors with their own space. */
    public static @Nullable String allocatorOf(Collector c) {
        return c instanceof MarkSweepCollector ms ? ms.allocatorName() : null;
    }

    private static String opt(Map<String, String> options, String key) {
        return options.getOrDefault(key, "");
    }

    private static Map<String, String> resolve(CollectorType type, AllocatorSpec spec) {
        Map<String, String> resolved = new LinkedHashMap<>();
        for (OptionSpec o : type.options()) {
            resolved.put(o.key(), o.defaultValue());
        }
        for (Map.Entry<String, String> e : spec.options().entrySet()) {
            OptionSpec o = type.options().stream().filter(x -> x.key().equals(e.getKey())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("collector " + type.name() + " has no option '" + e.getKey()
                            + "'; options: " + String.join(", ", type.options().stream().map(OptionSpec::usage).toList())));
            boolean ok = o.accepts(e.getValue()) || (o.key().equals("gogc") && e.getValue().equals("off"));
            if (!ok) {
                throw new IllegalArgumentException("collector " + type.name() + ": bad value '" + e.getValue() + "' for option "
                        + o.usage() + (o.key().equals("gogc") ? " (or off)" : ""));
            }
            resolved.put(o.key(), e.getValue());
        }
        return resolved;
    }

    private static String displayName(CollectorType type, Map<String, String> resolved) {
        StringBuilder sb = new StringBuilder(type.name());
        char sep = ':';
        for (OptionSpec o : type.options()) {
            String v = resolved.get(o.key());
            if (v != null && !v.equals(o.defaultValue())) {
                sb.append(sep).append(o.key()).append('=').append(v);
                sep = ',';
            }
        }
        return sb.toString();
    }
}
