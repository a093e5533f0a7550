package org.jalloc.core.spi;

/**
 * A concurrent engine that can do {@code debug=F} alone itself ({@link EngineSanity}: its own exact screen, a head word
 * below each payload, its final {@code malloc}/{@code free} with no wrapper), where {@link EngineShadow} serves single
 * owners only. Asked once by the spec's debug options, with F alone, before the engine hands out any block.
 */
public interface FreeChecksOnRequest {
    /**
     * Checks F alone itself from now on under {@code displayName} ({@code slub:debug=F}); nothing has been handed out.
     *
     * @return false when this engine cannot (then the tagged-prefix layer is used)
     */
    boolean checkFreesAlone(String displayName);
}
