package org.jalloc.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.shadow.LiveBlocks;
import org.jalloc.core.walk.ExtentKind;
import org.jalloc.core.walk.HeapWalk;

/**
 * A text map of the extents around an address, for failure reports:
 * <pre>
 *    0x00001008 ALLOCATED size     32  payload 0x00001010 usable     24  live, requested 20
 * >> 0x00001028 FREE      size     48
 * </pre>
 * It walks the heap again on its own, so it also works when the checker's walk stopped early.
 */
public final class HeapMap {
    private HeapMap() {}

    public static String hex(long address) {
        return String.format(Locale.ROOT, "0x%08x", address);
    }

    /** Up to {@code radius} extents on each side of the one containing {@code address}. */
    public static String around(HeapWalk walk, long address, int radius, @Nullable LiveBlocks shadow) {
        record E(ExtentKind kind, long start, long size, long payload, long usable) {}
        List<E> all = new ArrayList<>();
        long end = walk.walkEnd();
        try {
            walk.walkExtents((kind, start, size, payload, usable) -> {
                all.add(new E(kind, start, size, payload, usable));
                return size > 0 && start + size <= end && all.size() < 10_000_000;
            });
        } catch (RuntimeException e) {
            all.add(new E(ExtentKind.METADATA, -1, 0, 0, 0));
        }
        int at = 0;
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).start() <= address) {
                at = i;
            }
        }
        StringBuilder sb = new StringBuilder();
        int from = Math.max(0, at - radius);
        int to = Math.min(all.size(), at + radius + 1);
        if (from > 0) {
            sb.append("   ... ").append(from).append(" extents before\n");
        }
        for (int i = from; i < to; i++) {
            E e = all.get(i);
            if (e.start() < 0) {
                sb.append("   (walk failed here)\n");
                continue;
            }
            sb.append(i == at ? ">> " : "   ").append(hex(e.start())).append(' ')
                    .append(String.format(Locale.ROOT, "%-9s size %8d", e.kind(), e.size()));
            if (e.kind() == ExtentKind.ALLOCATED || e.kind() == ExtentKind.FREE) {
                sb.append(String.format(Locale.ROOT, "  payload %s usable %8d", hex(e.payload()), e.usable()));
            }
            if (shadow != null && e.kind() == ExtentKind.ALLOCATED) {
                long req = shadow.requested(e.payload());
                sb.append(req < 0 ? "  NOT LIVE" : "  live, requested " + req);
            }
            sb.append('\n');
        }
        if (to < all.size()) {
            sb.append("   ... ").append(all.size() - to).append(" extents after, walk ends at ").append(hex(end)).append('\n');
        }
        return sb.toString();
    }
}
