package org.jalloc.bench;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Bench results as JSON, with Jackson: one-line objects, a results file of one object per line, and the reader behind
 * {@code ./jalloc bench --from} (objects as insertion-ordered maps, arrays as lists, every number as a {@code Double},
 * null as {@link #NULL}), so a report can be rebuilt from results.json. The written shape is what the benchmarks
 * have always written ({@code JsonTest} holds it byte for byte): doubles to 6 significant digits in plain notation,
 * NaN and infinities as null, other numbers and booleans as Java prints them, anything else as its
 * {@code toString()}; strings escape {@code "}, {@code \}, {@code \n} and every other control character as
 * backslash-{@code u00xx}.
 */
final class Json {
    private Json() {}

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final ObjectWriter WRITER = MAPPER.writer().with(new ResultEscapes());

    static String object(Map<String, ?> fields) {
        return write(node(fields));
    }

    /** A JSON array, one element per line. */
    static String array(List<? extends Map<String, ?>> items) {
        StringBuilder sb = new StringBuilder("[\n");
        for (int i = 0; i < items.size(); i++) {
            sb.append(write(node(items.get(i))));
            sb.append(i + 1 < items.size() ? ",\n" : "\n");
        }
        return sb.append("]\n").toString();
    }

    private static String write(JsonNode node) {
        try {
            return WRITER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write results JSON: " + e.getOriginalMessage(), e);
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
        if (value == null || value == NULL) {
            return NODES.nullNode();
        }
        return NODES.textNode(value.toString());
    }

    /**
     * Parses one JSON value (objects as insertion-ordered maps, arrays as lists, numbers as {@code Double}, null as
     * {@link #NULL}).
     *
     * @throws IllegalArgumentException on malformed JSON or trailing text, with where
     */
    static Object parse(String text) {
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new IllegalArgumentException("JSON: " + e.getOriginalMessage()
                    + (at == null ? "" : " at offset " + at.getCharOffset()), e);
        }
        if (root == null || root.isMissingNode()) {
            throw new IllegalArgumentException("JSON: unexpected end at offset " + text.length());
        }
        return value(root);
    }

    private static Object value(JsonNode n) {
        if (n.isObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            n.properties().forEach(e -> m.put(e.getKey(), value(e.getValue())));
            return m;
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>(n.size());
            n.forEach(e -> l.add(value(e)));
            return l;
        }
        if (n.isNumber()) {
            return n.doubleValue();
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isTextual()) {
            return n.textValue();
        }
        return NULL;
    }

    /** {@code \n} short; every other control character a backslash-{@code u00xx} escape (lower-case hex). */
    private static final class ResultEscapes extends CharacterEscapes {
        private static final long serialVersionUID = 1L;
        private final int[] codes = standardAsciiEscapesForJSON();
        private final SerializableString[] sequences = new SerializableString[0x20];

        ResultEscapes() {
            for (int c = 0; c < 0x20; c++) {
                codes[c] = ESCAPE_CUSTOM;
                sequences[c] = new SerializedString(c == '\n' ? "\\n" : String.format("\\u%04x", c));
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

    /** JSON null as read by {@link #parse} (maps hold no Java null). */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };
}
