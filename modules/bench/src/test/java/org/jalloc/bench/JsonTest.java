package org.jalloc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** results.json round trip: what {@code BenchMain} writes, {@code --from} reads back into the same rows. */
class JsonTest {
    @Test
    void parsesWhatItWrites() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "a \"quoted\" \\ name\n");
        m.put("n", 12.5);
        m.put("i", 3);
        m.put("none", null);
        m.put("nan", Double.NaN);
        m.put("list", List.of(1.0, "x", true));
        m.put("nested", Map.of("k", "v"));
        @SuppressWarnings("unchecked") // a JSON object
        Map<String, Object> back = (Map<String, Object>) Json.parse(Json.object(m));
        assertEquals("a \"quoted\" \\ name\n", back.get("name"));
        assertEquals(12.5, back.get("n"));
        assertEquals(3.0, back.get("i"));
        assertEquals(Json.NULL, back.get("none"));
        assertEquals(Json.NULL, back.get("nan"));
        assertEquals(List.of(1.0, "x", true), back.get("list"));
        assertEquals(Map.of("k", "v"), back.get("nested"));
    }

    // Byte for byte what the hand-written writer wrote before Jackson (issue 16): results files and lines keep their shape.
    private static Map<String, Object> sample() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("text", "plain");
        m.put("escapes", "q\" b\\ n\n r\r t\t b\b f\f nul\u0000 us\u001f del\u007f é € 😀 /");
        m.put("int", 42);
        m.put("long", -9007199254740993L);
        m.put("short", (short) 7);
        m.put("double", 0.1 + 0.2);
        m.put("round", 123456789.0);
        m.put("tiny", 1.2345678e-12);
        m.put("huge", 6.02214076e23);
        m.put("negZero", -0.0);
        m.put("whole", 3.0);
        m.put("nan", Double.NaN);
        m.put("inf", Double.NEGATIVE_INFINITY);
        m.put("float", 1.1f);
        m.put("bigInteger", new BigInteger("123456789012345678901234567890"));
        m.put("bigDecimal", new BigDecimal("1E+5"));
        m.put("yes", true);
        m.put("no", false);
        m.put("none", null);
        m.put("enum", java.util.concurrent.TimeUnit.SECONDS);
        m.put("list", List.of(1, "two", 3.25, List.of(), Map.of()));
        Map<Object, Object> nested = new LinkedHashMap<>();
        nested.put(5, Map.of("k", "v"));
        nested.put("empty", new LinkedHashMap<>());
        m.put("nested", nested);
        return m;
    }

    @Test
    void writesEveryKindOfValueAsResultsAlwaysHad() {
        assertEquals("{\"text\":\"plain\",\"escapes\":\"q\\\" b\\\\ n\\n r\\u000d t\\u0009 b\\u0008 f\\u000c nul\\u0000 us\\u001f del\u007f \u00e9 \u20ac \ud83d\ude00 /\",\"int\":42,\"long\":-9007199254740993,\"short\":7,\"double\":0.3,\"round\":123457000,\"tiny\":0.00000000000123457,\"huge\":602214000000000000000000,\"negZero\":0,\"whole\":3,\"nan\":null,\"inf\":null,\"float\":1.1,\"bigInteger\":123456789012345678901234567890,\"bigDecimal\":1E+5,\"yes\":true,\"no\":false,\"none\":null,\"enum\":\"SECONDS\",\"list\":[1,\"two\",3.25,[],{}],\"nested\":{\"5\":{\"k\":\"v\"},\"empty\":{}}}",
                Json.object(sample()));
        assertEquals("[\n{\"a\":1},\n{\"b\":2.5}\n]\n", Json.array(List.of(Map.of("a", 1), Map.of("b", 2.5))));
        assertEquals("[\n]\n", Json.array(List.of()));
    }

    @Test
    void readsNumbersAsDoublesAndNullAsTheMarker() {
        @SuppressWarnings("unchecked") // a JSON object
        Map<String, Object> back = (Map<String, Object>) Json.parse(" {\"a\": [1, -2.5e3, 12345678901234567890], \"b\": null, \"c\": \"\\u00e9\\n\"} ");
        assertEquals(List.of(1.0, -2500.0, 12345678901234567890.0), back.get("a"));
        assertEquals(Json.NULL, back.get("b"));
        assertEquals("\u00e9\n", back.get("c"));
    }

    @Test
    void rejectsMalformedInput() {
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": }"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[1, 2] x"));
    }

    @Test
    void resultsRoundTripThroughAFile(@TempDir Path dir) throws Exception {
        Map<String, String> params = new TreeMap<>(Map.of("size", "64"));
        List<BenchMain.Row> rows = List.of(
                new BenchMain.Row("PairBenchmark.pair", params, "floor-array", Subject.Kind.FLOOR, 1, 2.0, 0.001, 0.1),
                new BenchMain.Row("PairBenchmark.pair", params, "libc", Subject.Kind.PEER, 1, 14.0, Double.NaN, 1.5),
                new BenchMain.Row("PairBenchmark.pair", params, "thread-cache", Subject.Kind.JALLOC, 2, 21.0, 0.0, 0.5));
        Path file = dir.resolve("results.json");
        Files.writeString(file, Json.array(BenchMain.withRatios(rows)));
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
