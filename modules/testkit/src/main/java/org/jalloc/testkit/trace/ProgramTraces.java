package org.jalloc.testkit.trace;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded workloads shaped like real programs' heaps, where most requests are small (strings, list and tree nodes)
 * and a few are large: the case where a header per block costs most, tested without the CS:APP traces. Used by
 * {@link TraceGenerator} for the patterns below; like its other patterns, every trace is balanced and holds exactly
 * the number of ops asked for.
 *
 * <table class="striped">
 *   <caption>Patterns</caption>
 *   <tr><th>name</th><th>imitates</th><th>shape</th></tr>
 *   <tr><td>strings</td><td>string-heavy programs (compilers, interpreters, parsers)</td><td>strings of 1-16 bytes
 *       (55%), 17-64 (30%), 65-256 (12%), up to 2 KiB (3%), freed at random; a tenth are appended to (realloc by a
 *       few bytes, now and then doubled); the live set levels off at a quarter of the ops</td></tr>
 *   <tr><td>list</td><td>linked lists of records</td><td>eight lists of 32-byte nodes, each owning a 8-48-byte
 *       string or a 64-200-byte record; nodes unlinked at random, a list cleared now and then, and vectors that grow
 *       by doubling (64 bytes to 64 KiB)</td></tr>
 *   <tr><td>tree</td><td>a map (balanced tree of string keys)</td><td>entries of a 48-byte node, an 8-40-byte key and a
 *       16-128-byte value, inserted, deleted (now and then a whole subtree of 5-20 entries) and resized by realloc
 *       around a plateau of a tenth of the ops</td></tr>
 *   <tr><td>browser</td><td>a web browser's renderer</td><td>documents of DOM nodes (48-128 B), attribute strings
 *       (8-64 B), text (16-512 B, mostly under 96), small records (16-48 B) and style objects (128-384 B) with a few
 *       layout buffers (1-16 KiB), scripts (2-64 KiB) and images (8-256 KiB); elements removed and text edited in
 *       place; each navigation frees the document before last (one is kept for going back)</td></tr>
 * </table>
 */
final class ProgramTraces {
    /** The pattern names {@link #generate} accepts. */
    static final List<String> PATTERNS = List.of("strings", "list", "tree", "browser");

    private final SplittableRandom random;
    private final int ops;
    private final List<Op> out = new ArrayList<>();
    /** Live ids; removal swaps the last one in (the order is part of the seeded sequence). */
    private final int[] live;
    private final int[] position;
    private int liveCount;
    private final int[] freeIds;
    private int freeIdCount;
    private final long[] requested;
    private int nextId;
    private long liveBytes;
    private long peakBytes;

    private ProgramTraces(long seed, int ops) {
        this.random = new SplittableRandom(seed);
        this.ops = Math.max(1, ops);
        this.live = new int[this.ops + 1];
        this.position = new int[this.ops + 1];
        this.freeIds = new int[this.ops + 1];
        this.requested = new long[this.ops + 1];
    }

    /**
     * A trace of {@code ops} ops of the named pattern (one of {@link #PATTERNS}).
     *
     * @throws IllegalArgumentException for another name
     */
    static Trace generate(String pattern, int ops, long seed) {
        ProgramTraces g = new ProgramTraces(seed, ops);
        switch (pattern) {
            case "strings" -> g.strings();
            case "list" -> g.lists();
            case "tree" -> g.tree();
            case "browser" -> g.browser();
            default -> throw new IllegalArgumentException("unknown program pattern '" + pattern + "'; known: " + String.join(", ", PATTERNS));
        }
        g.pad();
        g.drain();
        return new Trace(pattern + "-" + seed + ".rep", g.peakBytes, g.nextId, g.out.size(), 1, g.out, List.of());
    }

    // ---------------------------------------------------------------- bookkeeping

    /** Ops left before the closing frees must start. */
    private int budget() {
        return ops - out.size() - liveCount;
    }

    private int alloc(long size) {
        int id = freeIdCount > 0 ? freeIds[--freeIdCount] : nextId++;
        out.add(Op.malloc(id, size));
        position[id] = liveCount;
        live[liveCount++] = id;
        requested[id] = size;
        liveBytes += size;
        peakBytes = Math.max(peakBytes, liveBytes);
        return id;
    }

    private void free(int id) {
        out.add(Op.free(id));
        int at = position[id];
        int last = live[--liveCount];
        live[at] = last;
        position[last] = at;
        liveBytes -= requested[id];
        freeIds[freeIdCount++] = id;
    }

    private void realloc(int id, long size) {
        out.add(Op.realloc(id, size));
        liveBytes += size - requested[id];
        requested[id] = size;
        peakBytes = Math.max(peakBytes, liveBytes);
    }

    private int randomLive() {
        return live[random.nextInt(liveCount)];
    }

    private long between(long lo, long hi) {
        return lo + random.nextLong(hi - lo + 1);
    }

    /** Fills what the last step left over, as {@link TraceGenerator} does: pairs of 16-byte blocks, then one op. */
    private void pad() {
        while (budget() >= 2) {
            alloc(16);
        }
        if (budget() == 1) {
            if (liveCount == 0) {
                out.add(Op.free(-1));
            } else {
                int id = live[0];
                realloc(id, requested[id]);
            }
        }
    }

    /** Frees everything still live, in the order of the live array. */
    private void drain() {
        while (liveCount > 0) {
            free(live[0]);
        }
    }

    // ---------------------------------------------------------------- patterns

    private long stringSize() {
        int p = random.nextInt(100);
        return p < 55 ? between(1, 16) : p < 85 ? between(17, 64) : p < 97 ? between(65, 256) : between(257, 2048);
    }

    private void strings() {
        int plateau = Math.max(16, ops / 4);
        while (budget() > 2) {
            int p = random.nextInt(100);
            if (liveCount < 8 || p < (liveCount < plateau ? 55 : 42)) {
                alloc(stringSize());
            } else if (p < 90) {
                free(randomLive());
            } else {
                int id = randomLive();
                long grown = random.nextInt(5) == 0 ? 2 * requested[id] : requested[id] + between(1, 24);
                realloc(id, Math.min(4096, Math.max(1, grown)));
            }
        }
    }

    private void lists() {
        int lists = 8;
        int[][] nodes = new int[lists][16];
        int[] lengths = new int[lists];
        int[] payloadOf = new int[ops + 1];
        int vector = -1;
        int plateau = Math.max(16, ops / 6);
        while (budget() > 4) {
            int p = random.nextInt(1000);
            int l = random.nextInt(lists);
            if (p < 1 && lengths[l] > 0) {
                for (int i = 0; i < lengths[l]; i++) { // clear a whole list
                    int node = nodes[l][i];
                    if (payloadOf[node] >= 0) {
                        free(payloadOf[node]);
                    }
                    free(node);
                }
                lengths[l] = 0;
            } else if (p < 40) {
                if (vector < 0) {
                    vector = alloc(64);
                } else if (requested[vector] < 65536) {
                    realloc(vector, 2 * requested[vector]);
                } else {
                    free(vector);
                    vector = -1;
                }
            } else if (p < (liveCount < plateau ? 620 : 500) || lengths[l] == 0) {
                int node = alloc(32);
                int kind = random.nextInt(10);
                payloadOf[node] = kind < 5 ? alloc(between(8, 48)) : kind < 7 ? alloc(between(64, 200)) : -1;
                if (lengths[l] == nodes[l].length) {
                    nodes[l] = java.util.Arrays.copyOf(nodes[l], 2 * lengths[l]);
                }
                nodes[l][lengths[l]++] = node;
            } else {
                int i = random.nextInt(lengths[l]);
                int node = nodes[l][i];
                nodes[l][i] = nodes[l][--lengths[l]];
                if (payloadOf[node] >= 0) {
                    free(payloadOf[node]);
                }
                free(node);
            }
        }
    }

    private void tree() {
        int[] nodeIds = new int[ops / 3 + 1];
        int[] keyIds = new int[ops / 3 + 1];
        int[] valueIds = new int[ops / 3 + 1];
        int entries = 0;
        int plateau = Math.max(8, ops / 10);
        while (budget() > 6) {
            int p = random.nextInt(100);
            boolean below = entries < plateau;
            if (entries == 0 || p < (below ? 65 : 40)) {
                nodeIds[entries] = alloc(48);
                keyIds[entries] = alloc(between(8, 40));
                valueIds[entries] = alloc(between(16, 128));
                entries++;
            } else if (p < (below ? 90 : 85)) {
                int drop = random.nextInt(25) == 0 ? (int) between(5, 20) : 1; // a whole subtree now and then
                int i = random.nextInt(entries);
                for (int k = 0; k < drop && entries > 0; k++) {
                    int j = Math.min(i, entries - 1);
                    free(valueIds[j]);
                    free(keyIds[j]);
                    free(nodeIds[j]);
                    entries--;
                    nodeIds[j] = nodeIds[entries];
                    keyIds[j] = keyIds[entries];
                    valueIds[j] = valueIds[entries];
                }
            } else {
                int v = valueIds[random.nextInt(entries)];
                realloc(v, between(16, 128));
            }
        }
    }

    private void browser() {
        List<int[]> documents = new ArrayList<>(); // ids of each document still live, oldest first
        int[] current = new int[64];
        int size = 0;
        int perDocument = Math.max(64, Math.min(20_000, ops / 6));
        int built = 0;
        while (budget() > 2) {
            if (built >= perDocument) { // navigate: keep one document for going back, free the one before
                documents.add(java.util.Arrays.copyOf(current, size));
                size = 0;
                built = 0;
                if (documents.size() > 1) {
                    for (int id : documents.remove(0)) {
                        free(id);
                    }
                }
                continue;
            }
            int p = random.nextInt(1000);
            int id;
            if (size > 0 && p < 150) { // a DOM update: an element goes, another comes later
                int i = random.nextInt(size);
                free(current[i]);
                current[i] = current[--size];
                built++;
                continue;
            } else if (size > 0 && p < 200) { // text edited in place
                int i = random.nextInt(size);
                if (requested[current[i]] <= 512) {
                    realloc(current[i], between(16, 512));
                }
                built++;
                continue;
            } else if (p < 530) {
                id = alloc(between(48, 128)); // DOM nodes
            } else if (p < 730) {
                id = alloc(between(8, 64)); // attribute strings
            } else if (p < 830) {
                id = alloc(random.nextInt(10) < 7 ? between(16, 96) : between(97, 512)); // text
            } else if (p < 900) {
                id = alloc(between(16, 48)); // listeners, small records
            } else if (p < 985) {
                id = alloc(between(128, 384));
            } else if (p < 992) {
                id = alloc(between(1024, 16384));
            } else if (p < 997) {
                id = alloc(between(2048, 65536));
            } else {
                id = alloc(between(8192, 262144));
            }
            if (size == current.length) {
                current = java.util.Arrays.copyOf(current, 2 * size);
            }
            current[size++] = id;
            built++;
        }
    }
}
