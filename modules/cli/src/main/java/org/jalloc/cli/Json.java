package org.jalloc.cli;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The {@code --json} lines, written with Jackson: one object per line, in the shape the commands have always printed
 * (a public contract, held by {@code JsonLinesGoldenTest} and {@code StatsGoldenTest}). Values map as follows: maps to
 * objects (keys through {@code String.valueOf}, in iteration order), lists to arrays, {@code Double} to a number of 6
 * significant digits in plain notation ({@code null} for NaN and infinities), other numbers and booleans as Java prints
 * them, {@code null} to null, anything else to its {@code toString()} as a string. Strings escape {@code "}, {@code \},
 * {@code \n}, {@code \r}, {@code \t} and every other control character as a backslash-{@code u00xx} escape; nothing else.
 */
final class Json {
    private Json() {}

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectWriter WRITER = JsonMapper.builder()
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build()
            .writer()
            .with(new LineEscapes());

    /** One JSON object on one line (no line break). */
    static String object(Map<String, ?> fields) {
        try {
            return WRITER.writeValueAsString(node(fields));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a --json line: " + e.getOriginalMessage(), e);
        }
    }

    private static JsonNode node(@Nullable Object value) {
        if (value instanceof Map<?, ?> map) {
            ObjectNode o = NODES.objectNode();
            map.forEach((k, v) -> o.set(String.valueOf(k), node(v)));
            return o;
        }
        if (value instanceof List<?> list) {
            ArrayNode a = NODES.arrayNode(list.size());
            for (Object v : list) {
                a.add(node(v));
            }
            return a;
        }
        if (value instanceof Double d) {
            return d.isNaN() || d.isInfinite() ? NODES.nullNode()
                    : DecimalNode.valueOf(new BigDecimal(d).round(new MathContext(6)).stripTrailingZeros());
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return NODES.numberNode(((Number) value).intValue());
        }
        if (value instanceof Long l) {
            return NODES.numberNode(l);
        }
        if (value instanceof BigInteger b) {
            return NODES.numberNode(b);
        }
        if (value instanceof Number n) { // Float, BigDecimal, the atomics: as Java prints them
            return NODES.rawValueNode(new RawValue(n.toString()));
        }
        if (value instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        if (value == null) {
            return NODES.nullNode();
        }
        return NODES.textNode(value.toString());
    }

    /** {@code \n}, {@code \r}, {@code \t} short; every other control character a backslash-{@code u00xx} escape (lower-case hex). */
    private static final class LineEscapes extends CharacterEscapes {
        private static final long serialVersionUID = 1L;
        private final int[] codes = standardAsciiEscapesForJSON();
        private final SerializableString[] sequences = new SerializableString[0x20];

        LineEscapes() {
            for (int c = 0; c < 0x20; c++) {
                codes[c] = ESCAPE_CUSTOM;
                sequences[c] = new SerializedString(switch (c) {
                    case '\n' -> "\\n";
                    case '\r' -> "\\r";
                    case '\t' -> "\\t";
                    default -> String.format(Locale.ROOT, "\\u%04x", c);
                });
            }
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return codes;
        }

        @Override
        public @Nullable SerializableString getEscapeSequence(int ch) {
            return ch >= 0 && ch < 0x20 ? sequences[ch] : null;
        }
    }
}
