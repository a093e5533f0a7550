package org.jalloc.gc;

/**
 * What a {@code generational} collector did, beyond {@link GcStats} (whose collections and pauses count minor and
 * major collections together): the two kinds apart, how much of the nursery survived each minor collection, and how
 * much was promoted.
 *
 * @param minorCollections minor (nursery) collections
 * @param majorCollections major (whole-heap mark-compact) collections
 * @param minorPauseNanos  every minor pause, ns, in order
 * @param majorPauseNanos  every major pause, ns, in order
 * @param survivalRates    per minor collection: bytes that survived it (copied or promoted) / bytes in the nursery
 *                         when it started — the generational hypothesis, measured
 * @param promotedBytes    bytes promoted to the tenured space by minor collections, ever
 * @param promotedObjects  objects promoted, ever
 * @param copiedBytes      bytes copied into a survivor space, ever
 * @param edenBytes        eden's capacity
 * @param survivorBytes    one survivor space's capacity
 * @param tenuredBytes     the tenured space's capacity
 * @param promoteAge       minor collections an object survives before promotion
 * @param rememberedSet    {@code cards} or {@code ssb}
 */
public record GenerationalStats(long minorCollections, long majorCollections, long[] minorPauseNanos, long[] majorPauseNanos,
                                double[] survivalRates, long promotedBytes, long promotedObjects, long copiedBytes, long edenBytes,
                                long survivorBytes, long tenuredBytes, int promoteAge, String rememberedSet) {
    public GenerationalStats {
        minorPauseNanos = minorPauseNanos.clone();
        majorPauseNanos = majorPauseNanos.clone();
        survivalRates = survivalRates.clone();
    }

    /** The statistics of a {@code generational} collector; {@link IllegalArgumentException} for any other. */
    public static GenerationalStats of(Collector collector) {
        if (collector instanceof GenerationalCollector g) {
            return g.generationalStats();
        }
        throw new IllegalArgumentException(collector.name() + " is not a generational collector");
    }

    @Override
    public long[] minorPauseNanos() {
        return minorPauseNanos.clone();
    }

    @Override
    public long[] majorPauseNanos() {
        return majorPauseNanos.clone();
    }

    @Override
    public double[] survivalRates() {
        return survivalRates.clone();
    }

    /** Bytes that survived all minor collections / bytes they found in the nursery (0 before the first). */
    public double meanSurvivalRate() {
        double s = 0;
        for (double r : survivalRates) {
            s += r;
        }
        return survivalRates.length == 0 ? 0 : s / survivalRates.length;
    }

    @Override
    public String toString() {
        long minorMax = 0;
        for (long p : minorPauseNanos) {
            minorMax = Math.max(minorMax, p);
        }
        long majorMax = 0;
        for (long p : majorPauseNanos) {
            majorMax = Math.max(majorMax, p);
        }
        return "generational (" + rememberedSet + ", promote after " + promoteAge + "): " + minorCollections + " minor (max "
                + minorMax / 1000 + " us), " + majorCollections + " major (max " + majorMax / 1000 + " us), mean survival "
                + String.format(java.util.Locale.ROOT, "%.1f%%", 100 * meanSurvivalRate()) + ", promoted " + promotedBytes + " B in "
                + promotedObjects + " objects, copied " + copiedBytes + " B; eden " + edenBytes + " B, survivors 2 x " + survivorBytes
                + " B, tenured " + tenuredBytes + " B";
    }
}
