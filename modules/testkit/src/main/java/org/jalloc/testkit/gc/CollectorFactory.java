package org.jalloc.testkit.gc;

import java.util.LinkedHashMap;
import java.util.Map;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.spi.AllocatorSpec;
import org.jalloc.gc.Collector;
import org.jalloc.gc.Collectors;

/** Makes fresh collectors of one kind, in checked mode: what {@code gc-fuzz} and the contract test run many of. */
public interface CollectorFactory {
    /** The collector spec as the user wrote it. */
    String name();

    /** The allocator of a mark-sweep heap, or null for collectors with their own space. */
    @Nullable String allocator();

    /** The space size. */
    long heapBytes();

    /** A new collector (checked mode). */
    Collector create();

    /** A factory for {@code spec} (checked mode is forced on) with {@code allocator} (null: default or none). */
    static CollectorFactory of(String spec, @Nullable String allocator, long heapBytes) {
        AllocatorSpec parsed = AllocatorSpec.parse(spec);
        Map<String, String> options = new LinkedHashMap<>(parsed.options());
        options.put("checked", "on");
        String checkedSpec = new AllocatorSpec(parsed.name(), options).toString();
        boolean uses = Collectors.require(parsed.name()).usesAllocator();
        String alloc = uses ? (allocator == null ? Collectors.DEFAULT_ALLOCATOR : allocator) : allocator;
        Collectors.create(checkedSpec, alloc, 4096).close(); // fails now, with the message, on a bad spec or allocator
        return of(spec.trim(), alloc, heapBytes, () -> Collectors.create(checkedSpec, alloc, heapBytes));
    }

    /** A factory from code (e.g. a collector with a planted bug). */
    static CollectorFactory of(String name, @Nullable String allocator, long heapBytes, java.util.function.Supplier<Collector> create) {
        return new CollectorFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public @Nullable String allocator() {
                return allocator;
            }

            @Override
            public long heapBytes() {
                return heapBytes;
            }

            @Override
            public Collector create() {
                return create.get();
            }
        };
    }
}
