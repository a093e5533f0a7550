package org.jalloc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The writer behind every {@code --json} line, byte for byte: the expected line was printed by the hand-written
 * writer the CLI used before Jackson (issue 16), for values of every kind a command puts in a line — escapes of every
 * class (quote, backslash, the short forms, other control characters, DEL and non-ASCII left as they are), doubles to
 * 6 significant digits in plain notation, NaN and infinities as null, integers, floats and big numbers as Java prints
 * them, enums as strings, nested maps (keys through String.valueOf) and lists.
 */
class JsonTest {
    static Map<String, Object> sample() {
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
    void writesEveryKindOfValueAsTheLinesAlwaysHad() {
        assertEquals("{\"text\":\"plain\",\"escapes\":\"q\\\" b\\\\ n\\n r\\r t\\t b\\u0008 f\\u000c nul\\u0000 us\\u001f del\u007f \u00e9 \u20ac \ud83d\ude00 /\",\"int\":42,\"long\":-9007199254740993,\"short\":7,\"double\":0.3,\"round\":123457000,\"tiny\":0.00000000000123457,\"huge\":602214000000000000000000,\"negZero\":0,\"whole\":3,\"nan\":null,\"inf\":null,\"float\":1.1,\"bigInteger\":123456789012345678901234567890,\"bigDecimal\":1E+5,\"yes\":true,\"no\":false,\"none\":null,\"enum\":\"SECONDS\",\"list\":[1,\"two\",3.25,[],{}],\"nested\":{\"5\":{\"k\":\"v\"},\"empty\":{}}}",
                Json.object(sample()));
    }

    @Test
    void anEmptyObjectIsTwoBraces() {
        assertEquals("{}", Json.object(Map.of()));
    }
}
