package org.jalloc.check;

import java.lang.foreign.MemorySegment;

import org.jalloc.core.memory.Heap;

/**
 * The payload pattern of a block, a function of its tag and the byte offset, so that a realloc that keeps the first
 * {@code n} bytes keeps a valid prefix and growth only writes the extension.
 *
 * <pre>
 *   payload:  | chunk 0 (4096 bytes)              | chunk 1                           | ...
 *             | c(tag,0) | w(tag,1) ... w(tag,511) | c(tag,1) | w(tag,1) ... w(tag,511) |
 *   c(tag, k) = mix(tag ^ SALT, k): the first word of chunk k, so every chunk of every block differs
 *   w(tag, j) = mix(tag, j):        the other 511 words, the same in every chunk of the block
 * </pre>
 * (words in native byte order). Tags are never reused, so the pattern is unique per block. Repeating the chunk
 * body lets writes and checks run as bulk copies and vectorized {@link MemorySegment#mismatch} compares against a
 * 4 KiB template, at memory speed. An instance caches the template of the last tag, so each thread uses its own.
 */
public final class Patterns {
    private static final int CHUNK = 4096;
    private static final int WORDS = CHUNK / 8;
    private static final long SALT = 0x5DEECE66DL;

    private final Template template = new Template();

    /** SplitMix64's finalizer over (tag, index). */
    static long mix(long tag, long index) {
        long z = tag * 0x9E3779B97F4A7C15L + index * 0xBF58476D1CE4E5B9L + 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static final class Template {
        final long[] words = new long[WORDS];
        final MemorySegment segment = MemorySegment.ofArray(words);
        long tag = Long.MIN_VALUE;
        boolean filled;

        /** Sets the template to chunk {@code chunk} of {@code tag}. */
        MemorySegment chunk(long tag, long chunk) {
            if (!filled || this.tag != tag) {
                for (int j = 1; j < WORDS; j++) {
                    words[j] = mix(tag, j);
                }
                this.tag = tag;
                filled = true;
            }
            words[0] = mix(tag ^ SALT, chunk);
            return segment;
        }
    }

    /** Writes the pattern of {@code tag} into payload bytes {@code [from, to)} of the block at {@code payload}. */
    public void write(Heap heap, long payload, long tag, long from, long to) {
        Template t = template;
        MemorySegment memory = heap.memory();
        for (long off = from; off < to; ) {
            long chunk = off / CHUNK;
            long within = off % CHUNK;
            long n = Math.min(CHUNK - within, to - off);
            MemorySegment.copy(t.chunk(tag, chunk), within, memory, payload + off, n);
            off += n;
        }
    }

    /** The first payload offset in {@code [from, to)} that differs from the pattern of {@code tag}, or -1. */
    public long firstMismatch(Heap heap, long payload, long tag, long from, long to) {
        Template t = template;
        MemorySegment memory = heap.memory();
        for (long off = from; off < to; ) {
            long chunk = off / CHUNK;
            long within = off % CHUNK;
            long n = Math.min(CHUNK - within, to - off);
            long m = MemorySegment.mismatch(t.chunk(tag, chunk), within, within + n, memory, payload + off, payload + off + n);
            if (m >= 0) {
                return off + m;
            }
            off += n;
        }
        return -1;
    }

    /** The expected byte at payload offset {@code offset}, for messages. */
    public int expectedByte(long tag, long offset) {
        MemorySegment chunk = template.chunk(tag, offset / CHUNK);
        return chunk.get(java.lang.foreign.ValueLayout.JAVA_BYTE, offset % CHUNK) & 0xFF;
    }
}
