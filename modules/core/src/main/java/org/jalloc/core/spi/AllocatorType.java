package org.jalloc.core.spi;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jalloc.core.Allocator;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.memory.Heap;

/**
 * A named allocator a module offers through {@link AllocatorProvider}: what {@code ./jalloc --allocator NAME},
 * the fuzz engine and trace replay create.
 *
 * @param name         the name ({@code first-fit}, {@code buddy}, ...)
 * @param description  one line
 * @param threadSafety whether several threads may call it
 * @param options      the {@code key=value} options it accepts, with defaults
 * @param factory      builds an instance over a heap
 * @param debugLayer   whether the generic debug layer's options ({@code debug=}, {@code leaks=}) apply to it: false
 *                     for the allocators with a discipline (stack, arena, pool), whose tools need the discipline's
 *                     own interface and whose blocks the layer's quarantine and red zones do not fit
 */
public record AllocatorType(String name, String description, ThreadSafety threadSafety, List<OptionSpec> options,
                            Factory factory, boolean debugLayer) {

    /** A type the generic debug layer applies to. */
    public AllocatorType(String name, String description, ThreadSafety threadSafety, List<OptionSpec> options, Factory factory) {
        this(name, description, threadSafety, options, factory, true);
    }

    /** Builds an allocator over {@code heap} with every option resolved (defaults filled in). */
    @FunctionalInterface
    public interface Factory {
        /**
         * @param heap        the heap, owned by the new allocator from now on
         * @param options     every option of the type, resolved to a value
         * @param displayName the canonical name to report ({@code NAME} plus its non-default options)
         */
        Allocator create(Heap heap, Map<String, String> options, String displayName);
    }

    public AllocatorType {
        options = List.copyOf(options);
    }

    /**
     * Validates {@code spec} against this type's options and returns every option resolved, in declaration order.
     *
     * @throws IllegalArgumentException naming the unknown key or bad value and listing what is accepted
     */
    public Map<String, String> resolve(AllocatorSpec spec) {
        Map<String, String> resolved = new LinkedHashMap<>();
        for (OptionSpec o : options) {
            resolved.put(o.key(), o.defaultValue());
        }
        for (Map.Entry<String, String> e : spec.options().entrySet()) {
            OptionSpec o = options.stream().filter(x -> x.key().equals(e.getKey())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("allocator " + name + " has no option " + Messages.quote(e.getKey())
                            + "; options: " + usage()));
            String problem = o.problem(e.getValue());
            if (problem != null) {
                throw new IllegalArgumentException("allocator " + name + ": bad value " + Messages.quote(e.getValue()) + " for option "
                        + o.usage() + ": " + problem);
            }
            resolved.put(o.key(), e.getValue());
        }
        return resolved;
    }

    /** The canonical spelling: the name plus the options that differ from their defaults, in declaration order. */
    public String displayName(Map<String, String> resolved) {
        StringBuilder sb = new StringBuilder(name);
        char sep = ':';
        for (OptionSpec o : options) {
            String v = resolved.get(o.key());
            if (v != null && !v.equals(o.defaultValue())) {
                sb.append(sep).append(o.key()).append('=').append(v);
                sep = ',';
            }
        }
        return sb.toString();
    }

    /** The options as {@code key=a|b (default a)}, comma separated, or "none". */
    public String usage() {
        if (options.isEmpty()) {
            return "none";
        }
        return String.join(", ", options.stream().map(OptionSpec::usage).toList());
    }
}
