package org.jalloc.core.spi;

/**
 * An engine that keeps no size word below its payloads but can keep one on request, so that {@code debug=F} alone is
 * the engine itself ({@link EngineShadow}: the shadow outside the heap finds every bad pointer exactly, the engine's
 * screened word catches a 1-byte underrun) instead of the tagged-prefix layer. Asked once by the spec's debug options,
 * with F alone, before the engine hands out any block (buddy: a 16-byte head per block, docs/buddy.md, "debug=F";
 * dense: its small tier's headerless slots off, every block tagged, docs/dense.md, "debug=F"; slob: its check word the
 * usable size and a head on each large block, docs/slob.md, "Debugging, trim, heap map").
 */
public interface SizeWordOnRequest {
    /**
     * From now on, keeps each block's usable size in the 8-byte word just below its payload and refuses that word
     * damaged at free, so {@link SizedFree#screensSizeBelowPayload} is true; nothing has been handed out yet.
     */
    void keepSizeWordBelowPayload();
}
