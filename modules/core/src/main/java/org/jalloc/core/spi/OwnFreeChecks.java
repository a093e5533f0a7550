package org.jalloc.core.spi;

/**
 * A concurrent engine that does {@code debug=F} alone itself, by its own screen rather than {@link EngineShadow}'s
 * single-owner shadow (thread-cache: its page map and state map already screen every free exactly in O(1); under F it
 * keeps a 16-byte head below each payload and a map of the payloads it handed out, docs/thread-cache.md, "debug=F").
 * Asked once by the spec's debug options, with F alone, before the engine hands out any block; an engine that says no
 * (a heap its map does not cover) gets the tagged-prefix layer as before.
 */
public interface OwnFreeChecks {
    /**
     * From now on checks F on every free itself under the name {@code displayName} ({@code thread-cache:debug=F}):
     * views that die with their block, a double free named from the recent frees, a 1-byte underrun refused, the
     * reports of {@code org.jalloc.core.debug.SanityReports}; nothing has been handed out yet.
     *
     * @return false when it cannot (nothing changed): the caller falls back to the tagged-prefix layer
     */
    boolean checkFreesItself(String displayName);
}
