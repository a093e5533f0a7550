package org.jalloc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JVM GC-log reader behind {@code bench --gc-compare} and {@code --gc-pauses}, on lines as G1 and ZGC write them. */
class JvmGcLogTest {
    @TempDir
    Path dir;

    @Test
    void pausesStallsAndThePeakOccupancyAreRead() throws Exception {
        Path log = dir.resolve("gc.log");
        Files.write(log, List.of(
                "[0.010s][info][gc] Using G1",
                "[0.200s][info][gc] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 24M->3M(64M) 2.500ms",
                "[0.300s][info][gc] GC(1) Pause Full (System.gc()) 30M->2M(64M) 7.000ms",
                "[0.400s][info][gc] GC(2) Pause Young (Normal) (G1 Evacuation Pause) 1024K->512K(64M) 0.000ms",
                "[0.500s][info][gc] Allocation Stall (main) 1.250ms",
                "[0.600s][info][gc] org.jalloc.bench.JavaPauseBenchmark started"));
        JvmGcLog all = JvmGcLog.read(log, false);
        assertEquals(3, all.pauses().getTotalCount());
        assertEquals(1, all.stalls().getTotalCount());
        assertEquals(30L << 20, all.peakBytes(), "the largest occupancy a collection started from");
        assertEquals(7_000_000, all.pauses().getMaxValue(), 7_000_000 / 1000.0);
        JvmGcLog noSetup = JvmGcLog.read(log, true);
        assertEquals(2, noSetup.pauses().getTotalCount(), "the harness's System.gc() left out");
        assertEquals(1, noSetup.pauses().getMinValue(), "a 0.000 ms pause counts as 1 ns");
    }

    @Test
    void aMissingLogIsAnEmptyReading() throws Exception {
        JvmGcLog none = JvmGcLog.read(dir.resolve("absent.log"), true);
        assertEquals(0, none.pauses().getTotalCount());
        assertEquals(0, none.stalls().getTotalCount());
        assertEquals(0, none.peakBytes());
    }
}
