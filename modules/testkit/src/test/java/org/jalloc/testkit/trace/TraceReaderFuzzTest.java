package org.jalloc.testkit.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the trace reader (issue 15): any bytes end in a trace or a
 * {@link TraceFormatException} whose message names the file and line, is one line and quotes at most a cut of the
 * input; anything else (another exception, an out-of-memory) fails. A trace read is valid (every op one the API
 * accepts, no more ops than announced) and reads back equal from its own text. In a normal build this replays the
 * inputs in {@code src/test/resources/org/jalloc/testkit/trace/TraceReaderFuzzTestInputs}; {@code JAZZER_FUZZ=1}
 * fuzzes (docs/testing.md).
 */
class TraceReaderFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void traceReader(byte[] data) throws IOException {
        Trace t;
        try {
            t = Trace.parse("fuzz.rep", new InputStreamReader(new ByteArrayInputStream(data), StandardCharsets.ISO_8859_1));
        } catch (TraceFormatException e) {
            String m = String.valueOf(e.getMessage());
            assertTrue(m.startsWith("fuzz.rep:"), m);
            assertTrue(m.lines().count() == 1 && m.length() < 400, m);
            return;
        }
        assertTrue(t.ops().size() <= t.numOps(), "no more ops than announced");
        assertTrue(t.hint() >= 0 && t.numIds() >= 0 && t.numOps() >= 0 && t.weight() >= 0, "header values are not negative");
        OpList ops = t.opList();
        for (int i = 0; i < ops.size(); i++) {
            char k = ops.kind(i);
            assertTrue("afrcmx".indexOf(k) >= 0, "kind " + k);
            assertTrue(ops.id(i) >= (k == 'f' ? -1 : 0) && ops.id(i) < Integer.MAX_VALUE, "id " + ops.id(i));
            assertTrue(ops.size(i) >= 0 && ops.arg(i) >= 0, ops.get(i).toString());
            if (k == 'c') {
                assertTrue(Math.multiplyHigh(ops.arg(i), ops.size(i)) == 0 && ops.arg(i) * ops.size(i) >= 0, ops.get(i).toString());
            }
            if (k == 'm') {
                assertEquals(1, Long.bitCount(ops.arg(i)), ops.get(i).toString());
            }
        }
        assertEquals(t.ops(), Trace.parse("back.rep", t.format(List.of("round trip"))).ops());
    }
}
