package org.jalloc.gc;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.spi.AllocatorSpec;
import org.jalloc.core.spi.OptionSpec;

/**
 * The collectors by name, as {@code ./jalloc} knows them: {@code mark-sweep}, {@code incremental}, {@code concurrent}
 * and {@code refcount} (over a jalloc allocator chosen by name), {@code mark-compact}, {@code handles} and
 * {@code generational} (each with its own space).
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
    /** The allocator {@code mark-sweep} and {@code refcount} use unless told otherwise. */
    public static final String DEFAULT_ALLOCATOR = "tlsf";

    private static final OptionSpec GOGC = OptionSpec.number("gogc", "100",
            "collect when allocation since the last collection reaches this % of the live bytes (off: only when the space is full)");
    private static final OptionSpec CHECKED = OptionSpec.choice("checked", "off",
            "epoch-tagged references: using one after a collection throws StaleReferenceException; exact misuse checks", "off", "on");
    private static final OptionSpec CYCLES = OptionSpec.choice("cycles", "trial-deletion",
            "garbage cycles: found by Bacon-Rajan trial deletion, or left in the heap (off: stats() reports their bytes)",
            "trial-deletion", "off");
    private static final OptionSpec BUFFER = OptionSpec.number("buffer", "10000",
            "a cycle collection starts when this many candidates are buffered, or as many as objects survived the last one if more",
            1, Long.MAX_VALUE);
    private static final OptionSpec COUNT_BITS = OptionSpec.number("countbits", "32",
            "bits of the count in the header; a count that does not fit moves to a side table", 1, 32);
    private static final OptionSpec LAZY = OptionSpec.choice("lazy", "off",
            "lazy sweeping: dead objects are freed by later allocations instead of in the pause", "off", "on");

    // generational (issue 19)
    private static final OptionSpec NURSERY = OptionSpec.number("nursery", "33",
            "the nursery's share of the heap in percent, 10-90 (eden : survivor : survivor = 8 : 1 : 1)");
    private static final OptionSpec PROMOTE = OptionSpec.number("promote", "2",
            "minor collections an object survives before it is promoted to the tenured space, 1-15");
    private static final OptionSpec REMSET = OptionSpec.choice("remset", "cards",
            "remembered set of old-to-young fields: a card table (512-byte cards) or a sequential store buffer", "cards", "ssb");

    // incremental and concurrent (issue 19)
    private static final OptionSpec BARRIER = OptionSpec.choice("barrier", "dijkstra",
            "write barrier while marking: Dijkstra insertion (shade the stored reference) or Yuasa deletion (shade the overwritten one:"
                    + " snapshot at the beginning)", "dijkstra", "yuasa");
    private static final OptionSpec STEP = OptionSpec.number("step", "1000",
            "work per step: objects (or bytes, with step-unit=bytes) scanned or swept");
    private static final OptionSpec STEP_UNIT = OptionSpec.choice("step-unit", "objects", "what step counts", "objects", "bytes");

    private static final OptionSpec MARKER = OptionSpec.choice("marker", "thread",
            "who marks and sweeps: a marker thread, or the callers of step() (deterministic: one thread can replay a concurrent run)",
            "thread", "steps");
    private static final OptionSpec SATB_BUFFER = OptionSpec.number("satb-buffer", "256",
            "entries per mutator's snapshot buffer; a full one is handed to the marker at a poll, 1-65536");

    private static final List<CollectorType> TYPES = List.of(
            new CollectorType("mark-sweep", "stop-the-world mark (explicit mark stack, header mark bits) and sweep through the"
                    + " block walk of any general-purpose jalloc allocator (--allocator, default " + DEFAULT_ALLOCATOR + "); non-moving",
                    List.of(GOGC, LAZY, CHECKED), true, false),
            new CollectorType("mark-compact", "stop-the-world LISP2 sliding compaction over its own contiguous space: forwarding"
                    + " addresses, reference update, move; live objects keep their order, free space is one run",
                    List.of(GOGC, CHECKED), false, true),
            new CollectorType("handles", "objects reached through a handle table; compaction slides objects and updates only"
                    + " the table (one pass, no reference updating)", List.of(GOGC, CHECKED), false, true),
            new CollectorType("generational", "a copying nursery (eden and two survivor spaces, Cheney's breadth-first copy;"
                    + " minor collections scan only roots and the remembered set), promotion by age into a tenured space collected"
                    + " by mark-compact; card-table or store-buffer write barrier", List.of(GOGC, NURSERY, PROMOTE, REMSET, CHECKED), false, true),
            new CollectorType("incremental", "tri-colour mark and sweep in bounded steps interleaved with the mutator, over any"
                    + " general-purpose jalloc allocator (--allocator); Dijkstra insertion or Yuasa snapshot barrier, allocation black;"
                    + " non-moving", List.of(GOGC, BARRIER, STEP, STEP_UNIT, CHECKED), true, false),
            new CollectorType("concurrent", "a marker thread marks and sweeps while mutator threads run; snapshot-at-the-beginning"
                    + " barrier with per-thread buffers; stop-the-world only for the root scan and the final remark (safepoints polled at"
                    + " allocations and barrier slow paths); over any general-purpose jalloc allocator (--allocator); non-moving",
                    List.of(GOGC, MARKER, STEP, SATB_BUFFER, CHECKED), true, false),
            new CollectorType("refcount", "reference counting in the header through the write barrier (roots counted), objects"
                    + " freed at once through a jalloc allocator (--allocator, default " + DEFAULT_ALLOCATOR + "), iterative cascades;"
                    + " cycles by Bacon-Rajan synchronous trial deletion", List.of(CYCLES, BUFFER, COUNT_BITS, GOGC, CHECKED), true, false));

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
     * @param allocator for {@code mark-sweep} and {@code refcount}: the allocator spec (null: {@value #DEFAULT_ALLOCATOR}); must be null
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
            throw new IllegalArgumentException(type.name() + " has its own contiguous space: --allocator applies to mark-sweep, incremental,"
                    + " concurrent and refcount only");
        }
        return switch (type.name()) {
            case "concurrent" -> {
                long step = range(type, options, "step", 1, Long.MAX_VALUE);
                int buffer = (int) range(type, options, "satb-buffer", 1, 1 << 16);
                AllocatorSpace space = new AllocatorSpace(allocator == null ? DEFAULT_ALLOCATOR : allocator, heapBytes);
                yield new ConcurrentCollector(display, space, gogc, checked, opt(options, "marker").equals("thread"), step, buffer);
            }
            case "incremental" -> {
                long step = range(type, options, "step", 1, Long.MAX_VALUE);
                AllocatorSpace space = new AllocatorSpace(allocator == null ? DEFAULT_ALLOCATOR : allocator, heapBytes);
                yield new IncrementalCollector(display, space, gogc, checked,
                        opt(options, "barrier").equals("yuasa") ? IncrementalCollector.Barrier.YUASA : IncrementalCollector.Barrier.DIJKSTRA,
                        step, opt(options, "step-unit").equals("bytes"));
            }
            case "mark-sweep" -> {
                AllocatorSpace space = new AllocatorSpace(allocator == null ? DEFAULT_ALLOCATOR : allocator, heapBytes);
                yield new MarkSweepCollector(display, space, gogc, opt(options, "lazy").equals("on"), checked);
            }
            case "mark-compact" -> new MarkCompactCollector(display, new BumpSpace(heapBytes), gogc, checked);
            case "handles" -> new HandleCollector(display, new BumpSpace(heapBytes), gogc, checked);
            case "refcount" -> {
                long bits = org.jalloc.core.spi.Sizes.parse(opt(options, "countbits")); // 1-32: the option's range
                AllocatorSpace space = new AllocatorSpace(allocator == null ? DEFAULT_ALLOCATOR : allocator, heapBytes);
                yield new RefCountCollector(display, space, gogc, opt(options, "cycles").equals("trial-deletion"),
                        org.jalloc.core.spi.Sizes.parse(opt(options, "buffer")), (int) bits, checked);
            }
            case "generational" -> {
                int nursery = (int) range(type, options, "nursery", 10, 90);
                int promote = (int) range(type, options, "promote", 1, 15);
                yield new GenerationalCollector(display, new GenerationalSpace(heapBytes, nursery), gogc, checked, promote,
                        opt(options, "remset").equals("ssb") ? GenerationalCollector.RemSet.SSB : GenerationalCollector.RemSet.CARDS);
            }
            default -> throw new IllegalArgumentException("unknown collector " + type.name());
        };
    }

    /** As {@link #create(String, String, long)} with the default allocator. */
    public static Collector create(String spec, long heapBytes) {
        return create(spec, null, heapBytes);
    }

    /** The name of the allocator a collector's objects live in, or null for collectors with their own space. */
    public static @Nullable String allocatorOf(Collector c) {
        if (c instanceof RefCountCollector rc) {
            return rc.allocatorName();
        }
        if (c instanceof IncrementalCollector i) {
            return i.allocatorName();
        }
        if (c instanceof ConcurrentCollector cc) {
            return cc.allocatorName();
        }
        return c instanceof MarkSweepCollector ms ? ms.allocatorName() : null;
    }

    /** A numeric option checked against its range (IllegalArgumentException naming the range). */
    private static long range(CollectorType type, Map<String, String> options, String key, long min, long max) {
        long v = org.jalloc.core.spi.Sizes.parse(opt(options, key));
        if (v < min || v > max) {
            throw new IllegalArgumentException("collector " + type.name() + ": " + key + "=" + v + " is outside " + min + "-" + max);
        }
        return v;
    }

    private static String opt(Map<String, String> options, String key) {
        return options.getOrDefault(key, "");
    }

    private static Map<String, String> resolve(CollectorType type, AllocatorSpec spec) {
        Map<String, String> resolved = new LinkedHashMap<>();
        for (OptionSpec o : type.specs()) {
            resolved.put(o.key(), o.defaultValue());
        }
        for (Map.Entry<String, String> e : spec.options().entrySet()) {
            OptionSpec o = type.specs().stream().filter(x -> x.key().equals(e.getKey())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("collector " + type.name() + " has no option '" + e.getKey()
                            + "'; options: " + String.join(", ", type.specs().stream().map(OptionSpec::usage).toList())));
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
        for (OptionSpec o : type.specs()) {
            String v = resolved.get(o.key());
            if (v != null && !v.equals(o.defaultValue())) {
                sb.append(sep).append(o.key()).append('=').append(v);
                sep = ',';
            }
        }
        return sb.toString();
    }
}
