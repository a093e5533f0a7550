package org.jalloc.slab;

import org.jalloc.core.HeapCorruptionException;

/**
 * A debug cache found an object's red zone or poison broken (a buffer overrun, an underrun, a write after free),
 * or its slab metadata inconsistent, on {@code alloc} or {@code free}, as SLUB's {@code slub_debug} reports do. The
 * message names the cache, the object, the offset, the expected and found bytes and the object's last alloc/free
 * sites (with U). The operation did not happen: a free leaves the object allocated, an alloc leaves it free.
 */
public class SlabCorruptionException extends HeapCorruptionException {
    private static final long serialVersionUID = 1L;

    /** What was found broken. */
    public enum Kind {
        /** A red zone byte around an allocated object changed: a buffer overrun or underrun (Z). */
        RED_ZONE,
        /** A free object's poison changed: a write after free (P), or a free object's red zone changed (Z). */
        USE_AFTER_FREE,
        /** The slab's header or free list is inconsistent (F). */
        SLAB_METADATA
    }

    private final Kind kind;
    private final String cache;
    private final long object;

    public SlabCorruptionException(String message, Kind kind, String cache, long object) {
        super(message, object);
        this.kind = kind;
        this.cache = cache;
        this.object = object;
    }

    public Kind kind() {
        return kind;
    }

    /** The name of the cache. */
    public String cache() {
        return cache;
    }

    /** The object's address. */
    public long object() {
        return object;
    }
}
