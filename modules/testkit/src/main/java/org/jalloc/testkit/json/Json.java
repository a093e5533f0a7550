package org.jalloc.testkit.json;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
 * The tools' JSON, written and read with Jackson: the {@code --json} lines of {@code ./jalloc} ({@link #LINES}), the
 * benchmarks' lines and results files ({@link #RESULTS}), and the reader behind {@code ./jalloc bench --from}
 * ({@link #parse}). Both writers print the shapes the tools have always printed (a public contract, held byte for
 * byte by {@code JsonTest} here and by the CLI's golden tests):
 * <ul>
 *   <li>maps are objects (keys through {@code String.valueOf}, in iteration order), lists are arrays;</li>
 *   <li>a {@code Double} is a number of 6 significant digits in plain notation, NaN and infinities are null;</li>
 *   <li>other numbers and booleans are as Java prints them, {@code null} is null, anything else is its
 *       {@code toString()} as a string;</li>
 *   <li>strings escape {@code "}, {@code \} and every control character, with a backslash-{@code u00xx} escape
 *       (lower-case hex) where the writer has no short form: {@link #LINES} writes {@code \n}, {@code \r} and
 *       {@code \t} short, {@link #RESULTS} only {@code \n}. Nothing else is escaped (DEL and non-ASCII stay as
 *       they are).</li>
 * </ul>
 * Exported to the CLI only; the benchmarks run on the class path.
 */
public final class Json {
    // Before the writers: static fields initialize in order, and the writers are built from the mapper.
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** The {@code --json} result lines of {@code ./jalloc}: {@code \n}, {@code \r}, {@code \t} short. */
    public static final Json LINES = new Json("\n\r\t");
    /** The benchmarks' {@code --json} lines and results files: only {@code \n} short. */
    public static final Json RESULTS = new Json("\n");

    /** JSON null as read by {@link #parse} (its maps and lists hold no Java null); written as null. */
    public static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    private final ObjectWriter writer;

    private Json(String shortEscapes) {
        this.writer = MAPPER.writer().with(new Escapes(shortEscapes));
    }

    /** One JSON object on one line (no line break). */
    public String object(Map<String, ?> fields) {
        try {
            return writer.writeValueAsString(node(fields));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** A JSON array of objects, one element per line: {@code [}, the objects separated by {@code ,}, {@code ]}. */
    public String array(List<? extends Map<String, ?>> items) {
        StringBuilder sb = new StringBuilder("[\n");
        for (int i = 0; i < items.size(); i++) {
            sb.append(object(items.get(i)));
            sb.append(i + 1 < items.size() ? ",\n" : "\n");
        }
        return sb.append("]\n").toString();
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
     * Parses one JSON value (RFC 8259, nothing but white space after it): objects as insertion-ordered maps, arrays
     * as lists, numbers as {@code Double}, strings, booleans, null as {@link #NULL}.
     *
     * @throws IllegalArgumentException on malformed JSON or trailing text, saying where
     */
    public static Object parse(String text) {
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new IllegalArgumentException("JSON: " + e.getOriginalMessage()
                    + (at == null ? "" : " at offset " + at.getCharOffset()), e);
        }
        if (root == null || root.isMissingNode()) {
            throw new IllegalArgumentException("JSON: no value in " + text.length() + " characters");
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

    /** The given characters short ({@code \n}, {@code \r}, {@code \t}); every other control character backslash-{@code u00xx}. */
    private static final class Escapes extends CharacterEscapes {
        private static final long serialVersionUID = 1L;
        private final int[] codes = standardAsciiEscapesForJSON();
        private final SerializableString[] sequences = new SerializableString[0x20];

        Escapes(String shortForms) {
            for (int c = 0; c < 0x20; c++) {
                codes[c] = ESCAPE_CUSTOM;
                sequences[c] = new SerializedString(shortForms.indexOf(c) < 0 ? String.format(Locale.ROOT, "\\u%04x", c)
                        : switch (c) {
                            case '\n' -> "\\n";
                            case '\r' -> "\\r";
                            case '\t' -> "\\t";
                            default -> throw new IllegalArgumentException("no short escape for control character " + c);
                        });
            }
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return codes;
        }

        @Override
        @SuppressWarnings("override.return") // Jackson (unannotated) documents null as "write this character as it is"
        public @Nullable SerializableString getEscapeSequence(int ch) {
            return ch >= 0 && ch < 0x20 ? sequences[ch] : null;
        }
    }
}
