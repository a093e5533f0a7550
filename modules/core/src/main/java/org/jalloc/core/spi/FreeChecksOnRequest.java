package org.jalloc.core.spi;

import java.lang.foreign.MemorySegment;

/**
 * A concurrent engine that can do {@code debug=F} alone itself ({@link EngineSanity}: its own exact screen, a head word
 * below each payload, its final {@code malloc}/{@code free} with no wrapper), where {@link EngineShadow} serves single
 * owners only. Asked once by the spec's debug options, with F alone, before the engine hands out any block. Once it
 * said yes, {@link AbstractAllocator}'s {@code segment}, {@code asSegmentAllocator}, {@code realloc} and
 * {@code tryExpand} reach its F through the two hooks below, written once there for every such engine, with the
 * caller's operation named in every refusal.
 */
public interface FreeChecksOnRequest {
    /**
     * Checks F alone itself from now on under {@code displayName} ({@code slub:debug=F}); nothing has been handed out.
     *
     * @return false when this engine cannot (then the tagged-prefix layer is used)
     */
    boolean checkFreesAlone(String displayName);

    /**
     * Under F alone: a view of {@code length} bytes ({@code -1}: the block's usable size) of the live payload {@code u}
     * that dies when {@code u} is freed; {@code u} no live payload is F's misuse report for {@code op}, nothing changed.
     *
     * @throws IllegalStateException when this engine does not check F alone itself
     */
    MemorySegment viewUntilFree(String op, long u, long length);

    /**
     * Under F alone: {@link AbstractAllocator#resize} of the live payload {@code u} to {@code size} bytes
     * ({@code 0 < size}) with the head checked before any change and kept after; refusals name {@code op}
     * ({@code realloc} or {@code tryExpand}), nothing changed. A size beyond the heap's capacity is checked the same
     * and answered false, nothing changed (core's {@code realloc} then returns 0).
     *
     * @throws IllegalStateException when this engine does not check F alone itself
     */
    boolean resizeChecked(String op, long u, long size);
}
