package org.jalloc.core;

import java.util.Locale;

/**
 * How much the leak detector records, as Netty's {@code ResourceLeakDetector.Level}; chosen per allocator with the
 * spec option {@code leaks=disabled|simple|advanced|paranoid} (e.g. {@code tlsf:leaks=simple}).
 */
public enum LeakLevel {
    /** No leak detection: no wrapper, no cost. {@link Allocator#leakReport()} says so. */
    DISABLED,
    /** Sampled: 1 allocation in {@value #SAMPLE_INTERVAL} carries its allocation site. */
    SIMPLE,
    /** Sampled as {@link #SIMPLE}, and the last {@value #RECENT_ACCESSES} accesses of a sampled block are recorded. */
    ADVANCED,
    /** Every allocation carries its site (and its recent accesses): the slowest, for tests. */
    PARANOID;

    /** One allocation in this many is sampled at {@link #SIMPLE} and {@link #ADVANCED}. */
    public static final int SAMPLE_INTERVAL = 128;
    /** Accesses remembered per tracked block at {@link #ADVANCED} and {@link #PARANOID}. */
    public static final int RECENT_ACCESSES = 4;

    /** The spelling in specs: {@code disabled}, {@code simple}, {@code advanced}, {@code paranoid}. */
    public String spelling() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The level spelled {@code text} (as {@link #spelling()}); {@link IllegalArgumentException} otherwise. */
    public static LeakLevel parse(String text) {
        for (LeakLevel l : values()) {
            if (l.spelling().equals(text)) {
                return l;
            }
        }
        throw new IllegalArgumentException("leak level must be one of disabled|simple|advanced|paranoid, got '" + text + "'");
    }
}
