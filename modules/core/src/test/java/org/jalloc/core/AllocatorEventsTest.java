package org.jalloc.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.Observation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 25: jalloc's JFR events, recorded with {@link Recording}, read back with {@link RecordingFile}, their fields
 * checked.
 */
class AllocatorEventsTest {
    @TempDir
    Path dir;

    @Test
    void recordingHoldsSamplesStatisticsTrimsAndReturnedPages() throws IOException, InterruptedException {
        Path file = dir.resolve("jalloc.jfr");
        long allocated = 0;
        try (Recording r = new Recording(); Heap heap = Heap.reserve(64L << 20)) {
            r.enable("org.jalloc.AllocationSample");
            r.enable("org.jalloc.HeapStatistics").withPeriod(Duration.ofMillis(20));
            r.enable("org.jalloc.PagesReturned");
            r.enable("org.jalloc.Trim");
            r.start();
            BumpAllocator a = new BumpAllocator(heap);
            AllocatorEvents.watch(Allocators.tracking(a)); // seen through the wrapper
            long[] blocks = new long[2048];
            for (int round = 0; round < 10; round++) {
                for (int i = 0; i < blocks.length; i++) {
                    blocks[i] = a.malloc(1000);
                    allocated += 1000;
                }
                for (long p : blocks) {
                    a.free(p);
                }
                Thread.sleep(30);
            }
            // JFR's periodic hook marks the allocator due (its first run may come later than the period): wait for
            // it, and the next call on the allocator commits the statistics
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!Observation.statisticsDue(a) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(Observation.statisticsDue(a), "JFR's periodic hook marked the watched allocator within 10 s");
            long big = a.malloc(256 * 1024); // also the call that emits the statistics of the last period
            allocated += 256 * 1024;
            a.free(big);
            long released = a.trim();
            assertTrue(released >= 240 * 1024, "the freed 256 KiB block's whole pages go back: " + released);
            AllocatorEvents.unwatch(a);
            r.stop();
            r.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        List<RecordedEvent> samples = of(events, "org.jalloc.AllocationSample");
        long expected = allocated / AllocatorEvents.sampleBytes();
        assertTrue(samples.size() >= expected - 1 && samples.size() <= expected + 1,
                samples.size() + " samples for " + allocated + " bytes at one per " + AllocatorEvents.sampleBytes());
        RecordedEvent s = samples.get(0);
        assertEquals("bump", s.getString("allocator"));
        assertEquals(1000, s.getLong("size"));
        assertEquals(1008, s.getLong("sizeClass"), "bump rounds to 16 bytes");
        assertTrue(s.getLong("address") >= Heap.PAGE_SIZE);
        assertTrue(s.getLong("weight") >= AllocatorEvents.sampleBytes());
        assertEquals(Thread.currentThread().getName(), s.getThread().getJavaName());
        assertTrue(s.getStackTrace() != null && !s.getStackTrace().getFrames().isEmpty(), "samples carry a stack trace");

        List<RecordedEvent> stats = of(events, "org.jalloc.HeapStatistics");
        assertFalse(stats.isEmpty(), "periodic statistics of the watched allocator");
        RecordedEvent st = stats.get(stats.size() - 1);
        assertEquals("bump", st.getString("allocator"));
        assertTrue(st.getLong("heapBytes") > 0);
        assertTrue(st.getLong("highWaterBytes") >= st.getLong("heapBytes"));
        assertTrue(st.getLong("freeBytes") + st.getLong("liveGrantedBytes") <= st.getLong("heapBytes"));
        double frag = st.getDouble("externalFragmentation");
        assertTrue(frag >= 0 && frag <= 1, "fragmentation " + frag);

        List<RecordedEvent> pages = of(events, "org.jalloc.PagesReturned");
        assertFalse(pages.isEmpty());
        long pageBytes = pages.stream().mapToLong(e -> e.getLong("bytes")).sum();
        assertTrue(pages.stream().allMatch(e -> e.getLong("bytes") % Heap.PAGE_SIZE == 0 && e.getLong("address") % Heap.PAGE_SIZE == 0));
        List<RecordedEvent> trims = of(events, "org.jalloc.Trim");
        assertEquals(1, trims.size());
        assertEquals("bump", trims.get(0).getString("allocator"));
        assertEquals(pageBytes, trims.get(0).getLong("releasedBytes"), "the trim's bytes are the pages returned");
    }

    private static List<RecordedEvent> of(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
    }
}
