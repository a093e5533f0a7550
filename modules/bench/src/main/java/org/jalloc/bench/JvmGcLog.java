package org.jalloc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.HdrHistogram.Histogram;

/**
 * What a JVM's unified GC log ({@code -Xlog:gc} or {@code -Xlog:gc,gc+phases} for ZGC) says about a run, for the
 * tables that set jalloc's collectors beside the JVM's: every {@code Pause} line's duration, every {@code Allocation
 * Stall}'s, and the largest heap occupancy a collection started from ({@code 123M->45M}).
 *
 * @param pauses   pause durations in ns (1 ns at least)
 * @param stalls   allocation-stall durations in ns
 * @param peakBytes the largest "before" occupancy of a collection line, 0 when none was found
 */
record JvmGcLog(Histogram pauses, Histogram stalls, long peakBytes) {
    /** A pause line ("Pause Young", "Pause Mark Start", ...), not a benchmark's class name. */
    private static final Pattern PAUSE = Pattern.compile("\\bPause\\b.*?(\\d+(?:\\.\\d+)?)ms\\s*$");
    private static final Pattern STALL = Pattern.compile("Allocation Stall.*?(\\d+(?:\\.\\d+)?)ms\\s*$");
    private static final Pattern BEFORE = Pattern.compile("(\\d+)([KMG])(?:\\(\\d+%\\))?->");

    /**
     * Reads {@code log} (an empty result when the file is missing: the run failed before the JVM wrote it).
     *
     * @param skipSystemGc leave out pauses caused by {@code System.gc()} (a harness's setup collection)
     */
    static JvmGcLog read(Path log, boolean skipSystemGc) throws IOException {
        Histogram pauses = new Histogram(3);
        Histogram stalls = new Histogram(3);
        long peak = 0;
        if (Files.exists(log)) {
            for (String l : Files.readAllLines(log)) {
                Matcher st = STALL.matcher(l);
                if (st.find()) {
                    stalls.recordValue(nanos(st.group(1)));
                    continue;
                }
                Matcher m = PAUSE.matcher(l);
                if (m.find() && !(skipSystemGc && l.contains("System.gc()"))) {
                    pauses.recordValue(nanos(m.group(1)));
                }
                Matcher b = BEFORE.matcher(l);
                if (b.find()) {
                    peak = Math.max(peak, Long.parseLong(b.group(1)) << switch (b.group(2)) {
                        case "K" -> 10;
                        case "M" -> 20;
                        default -> 30;
                    });
                }
            }
        }
        return new JvmGcLog(pauses, stalls, peak);
    }

    private static long nanos(String ms) {
        return Math.max(1, (long) (Double.parseDouble(ms) * 1e6));
    }
}
