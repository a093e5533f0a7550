package org.jalloc.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.jalloc.core.debug.DebugOptions;
import org.jalloc.core.spi.AllocatorType;
import org.jalloc.core.spi.AllocatorTypes;
import org.jalloc.core.spi.OptionSpec;
import org.jalloc.gc.CollectorType;
import org.jalloc.gc.Collectors;
import org.jalloc.gc.inspect.CollectorOptions;
import org.jalloc.testkit.json.Json;
import org.jalloc.testkit.trace.TraceGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ./jalloc list}: the allocators on the module path with their options, and the generator's patterns. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the allocators and the collectors (with options and defaults) and workload patterns.")
final class ListCommand implements Callable<Integer> {
    @Spec
    @SuppressWarnings("initialization.field.uninitialized") // picocli injects the spec before call()
    CommandSpec spec;

    @Option(names = "--json", description = "one JSON object per allocator")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        for (AllocatorType t : AllocatorTypes.all()) {
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("allocator", t.name());
                o.put("description", t.description());
                o.put("threadSafety", t.threadSafety().name());
                Map<String, Object> options = new LinkedHashMap<>();
                for (OptionSpec s : DebugOptions.optionsOf(t)) {
                    Map<String, Object> option = new LinkedHashMap<>();
                    option.put("default", s.defaultValue());
                    option.put("values", s.values());
                    option.put("description", s.description());
                    if (s.values().isEmpty()) {
                        option.put("min", s.min());
                        option.put("max", s.max());
                        option.put("powerOfTwo", s.powerOfTwo());
                    }
                    options.put(s.key(), option);
                }
                o.put("options", options);
                out.println(Json.LINES.object(o));
            } else {
                out.printf("%-14s %-12s %s%n", t.name(), t.threadSafety() == org.jalloc.core.ThreadSafety.CONCURRENT ? "concurrent" : "single-owner",
                        t.description());
                for (OptionSpec s : DebugOptions.optionsOf(t)) {
                    out.printf("%-14s   %s  %s%n", "", s.usage(), s.description());
                }
            }
        }
        listCollectors(out);
        if (!json) {
            out.println();
            out.println("workload patterns (./jalloc gen --pattern): " + String.join(", ", TraceGenerator.PATTERNS));
        }
        return 0;
    }

    /** Collectors: one entry each, without an "allocator" key, so allocator tools skip them. */
    private void listCollectors(PrintWriter out) {
        if (!json) {
            out.println();
            out.println("collectors (./jalloc gc-fuzz --collector, ./jalloc fragmentation --collector):");
        }
        for (CollectorType t : Collectors.types()) {
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("collector", t.name());
                o.put("description", t.description());
                Map<String, Object> options = new LinkedHashMap<>();
                for (OptionSpec s : CollectorOptions.of(t)) {
                    Map<String, Object> option = new LinkedHashMap<>();
                    option.put("description", s.description());
                    option.put("values", s.values());
                    option.put("default", s.defaultValue());
                    if (s.values().isEmpty() && (s.min() > 0 || s.max() != Long.MAX_VALUE)) {
                        option.put("min", s.min()); // a declared range, as the allocators' number options show it
                        option.put("max", s.max());
                    }
                    options.put(s.key(), option);
                }
                o.put("options", options);
                out.println(Json.LINES.object(o));
            } else {
                out.printf("%-14s %-12s %s%n", t.name(), t.moving() ? "moving" : "non-moving", t.description());
                for (OptionSpec s : CollectorOptions.of(t)) {
                    out.printf("%-14s   %s  %s%n", "", s.usage() + (s.key().equals("gogc") ? " (or off)" : ""), s.description());
                }
            }
        }
    }
}
