package org.jalloc.core.walk;

/**
 * Receives the extents of a heap walk in address order.
 *
 * <p>The visitor decides when a walk cannot go on (a size that is not positive, an extent that runs past the
 * break): a walker must stop as soon as {@link #extent} returns false and must never read a header the visitor has
 * not accepted the extent before it. Primitive arguments keep the walk free of allocation (the checker visits tens
 * of millions of extents per second).
 */
@FunctionalInterface
public interface ExtentVisitor {
    /**
     * @param kind    what the extent is
     * @param start   first heap address of the extent (its header, if it has one)
     * @param size    bytes from {@code start} to the next extent
     * @param payload first payload address for {@link ExtentKind#ALLOCATED} and {@link ExtentKind#FREE} blocks, else 0
     * @param usable  bytes the owner may use from {@code payload} ({@code usableSize}); 0 for other kinds
     * @return false to stop the walk
     */
    boolean extent(ExtentKind kind, long start, long size, long payload, long usable);
}
