package org.jalloc.core.spi;

/**
 * An allocator whose calling threads hold caches they may give back and take anew: what the concurrent fuzzer
 * exercises as the operations "detach" and "attach" (the thread's live blocks stay live; only its cached free
 * blocks move).
 */
public interface PerThreadCaches {
    /** Returns the calling thread's cache to the shared structures; its next call starts a new one. */
    void detachCurrentThread();

    /** Gives the calling thread a new cache now (detaching the one it had). */
    void attachCurrentThread();
}
