package org.jalloc.core;

import java.util.List;
import java.util.Locale;

/**
 * The blocks an allocator still holds for its callers, grouped by allocation site, largest group (by bytes) first:
 * what {@link Allocator#leakReport()} returns and what {@link Allocator#close()} prints when leak detection is on.
 *
 * <p>A site is a stack trace trimmed to the caller's frames (jalloc's own frames dropped). At {@link LeakLevel#SIMPLE}
 * and {@link LeakLevel#ADVANCED} only sampled blocks carry one; the others are counted in one group with an empty
 * site.
 *
 * @param allocator  the allocator's name
 * @param level      the leak level it runs at ({@link LeakLevel#DISABLED}: nothing was tracked, the report is empty)
 * @param liveBlocks blocks live when the report was made
 * @param liveBytes  their usable bytes
 * @param groups     live blocks by allocation site, by bytes descending
 */
public record LeakReport(String allocator, LeakLevel level, long liveBlocks, long liveBytes, List<Group> groups) {
    public LeakReport {
        groups = List.copyOf(groups);
    }

    /**
     * Live blocks allocated at one site.
     *
     * @param site           the allocation site, innermost caller frame first; empty when the blocks were not sampled
     * @param blocks         how many
     * @param bytes          their usable bytes
     * @param recentAccesses at {@link LeakLevel#ADVANCED} and {@link LeakLevel#PARANOID}: the sites of the last
     *                       accesses of one block of the group (newest first), else empty
     */
    public record Group(List<String> site, long blocks, long bytes, List<List<String>> recentAccesses) {
        public Group {
            site = List.copyOf(site);
            recentAccesses = recentAccesses.stream().map(List::copyOf).toList();
        }
    }

    /** The report of an allocator that does not track leaks. */
    public static LeakReport disabled(String allocator) {
        return new LeakReport(allocator, LeakLevel.DISABLED, 0, 0, List.of());
    }

    /** True when nothing is live (or nothing was tracked). */
    public boolean isEmpty() {
        return liveBlocks == 0;
    }

    /** The report as text: a summary line, then one paragraph per group with its site. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        if (level == LeakLevel.DISABLED) {
            return sb.append("LEAK: ").append(allocator).append(": leak detection is disabled (spec option leaks=simple|advanced|paranoid)\n")
                    .toString();
        }
        sb.append(String.format(Locale.ROOT, "LEAK: %s (leaks=%s): %,d live block%s, %,d bytes%n", allocator, level.spelling(),
                liveBlocks, liveBlocks == 1 ? "" : "s", liveBytes));
        for (Group g : groups) {
            sb.append(String.format(Locale.ROOT, "  %,d block%s, %,d bytes, allocated at%s%n", g.blocks(), g.blocks() == 1 ? "" : "s",
                    g.bytes(), g.site().isEmpty() ? " (no site: not sampled)" : ":"));
            for (String frame : g.site()) {
                sb.append("    at ").append(frame).append('\n');
            }
            for (List<String> access : g.recentAccesses()) {
                sb.append("    accessed at:\n");
                for (String frame : access) {
                    sb.append("      at ").append(frame).append('\n');
                }
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return format();
    }
}
