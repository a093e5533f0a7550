package org.jalloc.testkit.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The tools' JSON byte for byte: the expected text was printed by the hand-written writers the CLI and the
 * benchmarks used before Jackson (issue 16), for values of every kind a line or a results file holds — escapes of
 * every class (quote, backslash, the short forms, other control characters, DEL and non-ASCII left as they are),
 * doubles to 6 significant digits in plain notation, NaN and infinities as null, integers, floats and big numbers as
 * Java prints them, enums as strings, nested maps (keys through String.valueOf) and lists; the results files' array
 * framing; and the reader behind {@code ./jalloc bench --from}.
 */
class JsonTest {
    private static final String ESCAPES = "q\" b\\ n\n r\r t\t b\b f\f nul\u0000 us\u001f del\u007f é € 😀 /";

    static Map<String, Object> sample() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("text", "plain");
        m.put("escapes", ESCAPES);
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
    void linesWriteEveryKindOfValueAsTheyAlwaysHad() {
        assertEquals("{\"text\":\"plain\",\"escapes\":\"q\\\" b\\\\ n\\n r\\r t\\t b\\u0008 f\\u000c nul\\u0000 us\\u001f del\u007f \u00e9 \u20ac \ud83d\ude00 /\",\"int\":42,\"long\":-9007199254740993,\"short\":7,\"double\":0.3,\"round\":123457000,\"tiny\":0.00000000000123457,\"huge\":602214000000000000000000,\"negZero\":0,\"whole\":3,\"nan\":null,\"inf\":null,\"float\":1.1,\"bigInteger\":123456789012345678901234567890,\"bigDecimal\":1E+5,\"yes\":true,\"no\":false,\"none\":null,\"enum\":\"SECONDS\",\"list\":[1,\"two\",3.25,[],{}],\"nested\":{\"5\":{\"k\":\"v\"},\"empty\":{}}}",
                Json.LINES.object(sample()));
        assertEquals("{}", Json.LINES.object(Map.of()));
    }

    @Test
    void resultsDifferFromLinesOnlyInTheirEscapes() {
        assertEquals(Json.LINES.object(sample()).replace("r\\r t\\t", "r\\u000d t\\u0009"), Json.RESULTS.object(sample()));
        assertEquals("{\"escapes\":\"q\\\" b\\\\ n\\n r\\u000d t\\u0009 b\\u0008 f\\u000c nul\\u0000 us\\u001f del\u007f \u00e9 \u20ac \ud83d\ude00 /\"}",
                Json.RESULTS.object(Map.of("escapes", ESCAPES)));
    }

    @Test
    void resultsFilesAreArraysOfOneObjectPerLine() {
        assertEquals("[\n{\"a\":1},\n{\"b\":2.5}\n]\n", Json.RESULTS.array(List.of(Map.of("a", 1), Map.of("b", 2.5))));
        assertEquals("[\n]\n", Json.RESULTS.array(List.of()));
    }

    @Test
    void parsesWhatItWrites() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "a \"quoted\" \\ name\n\r\t\u0001");
        m.put("n", 12.5);
        m.put("i", 3);
        m.put("none", null);
        m.put("nan", Double.NaN);
        m.put("list", List.of(1.0, "x", true));
        m.put("nested", Map.of("k", "v"));
        for (Json writer : List.of(Json.LINES, Json.RESULTS)) {
            @SuppressWarnings("unchecked") // a JSON object
            Map<String, Object> back = (Map<String, Object>) Json.parse(writer.object(m));
            assertEquals(List.copyOf(m.keySet()), List.copyOf(back.keySet()), "insertion order");
            assertEquals("a \"quoted\" \\ name\n\r\t\u0001", back.get("name"));
            assertEquals(12.5, back.get("n"));
            assertEquals(3.0, back.get("i"));
            assertEquals(Json.NULL, back.get("none"));
            assertEquals(Json.NULL, back.get("nan"));
            assertEquals(List.of(1.0, "x", true), back.get("list"));
            assertEquals(Map.of("k", "v"), back.get("nested"));
        }
        assertEquals("{\"a\":null}", Json.RESULTS.object(Map.of("a", Json.NULL)), "the marker writes back as null");
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
    void rejectsMalformedInputSayingWhere() {
        assertEquals("JSON: no value in 2 characters", assertThrows(IllegalArgumentException.class, () -> Json.parse("  ")).getMessage());
        for (String bad : List.of("{\"a\": }", "[1, 2] x", "{\"a\": 1", "{'a': 1}", "[NaN]", "{\"a\": 1} // comment", "[01]")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("JSON: ") && e.getMessage().contains(" at offset "), e.getMessage());
        }
    }
}
