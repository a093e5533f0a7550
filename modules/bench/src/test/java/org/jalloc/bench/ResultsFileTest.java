package org.jalloc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.jalloc.testkit.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * results.json round trip: what {@code BenchMain} writes, {@code --from} reads back into the same rows. (The JSON
 * itself, byte for byte and parsed, is testkit's {@code JsonTest}.)
 */
class ResultsFileTest {
    @Test
    void resultsRoundTripThroughAFile(@TempDir Path dir) throws Exception {
        Map<String, String> params = new TreeMap<>(Map.of("size", "64"));
        List<BenchMain.Row> rows = List.of(
                new BenchMain.Row("PairBenchmark.pair", params, "floor-array", Subject.Kind.FLOOR, 1, 2.0, 0.001, 0.1),
                new BenchMain.Row("PairBenchmark.pair", params, "libc", Subject.Kind.PEER, 1, 14.0, Double.NaN, 1.5),
                new BenchMain.Row("PairBenchmark.pair", params, "thread-cache", Subject.Kind.JALLOC, 2, 21.0, 0.0, 0.5));
        Path file = dir.resolve("results.json");
        Files.writeString(file, Json.RESULTS.array(BenchMain.withRatios(rows)));
        List<BenchMain.Row> back = BenchMain.read(file);
        assertEquals(rows.size(), back.size());
        for (int i = 0; i < rows.size(); i++) {
            BenchMain.Row a = rows.get(i);
            BenchMain.Row b = back.get(i);
            assertEquals(a.benchmark(), b.benchmark());
            assertEquals(a.params(), b.params());
            assertEquals(a.subject(), b.subject());
            assertEquals(a.kind(), b.kind());
            assertEquals(a.threads(), b.threads());
            assertEquals(a.nsPerOp(), b.nsPerOp(), 1e-9);
            assertEquals(a.allocBytesPerOp(), b.allocBytesPerOp(), 1e-9);
            assertEquals(a.error(), b.error(), 1e-9);
        }
        assertEquals(7.0, (Double) BenchMain.withRatios(back).get(1).get("ratioToFloor"), 1e-9);
    }
}
