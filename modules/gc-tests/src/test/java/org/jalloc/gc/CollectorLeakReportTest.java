package org.jalloc.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A collector over an allocator with leak detection ({@code --allocator tlsf:leaks=paranoid}): when it closes, the
 * allocator's leak report lists what the collector lost, not the objects it still held (reachable ones, or dead ones
 * awaiting their sweep).
 */
class CollectorLeakReportTest {
    /** Runs {@code body} and returns what it printed on standard error (where the allocator prints its report). */
    private static String stderrOf(Runnable body) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setErr(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mark-sweep", "mark-sweep:lazy=on", "incremental", "refcount"})
    void objectsTheCollectorStillHoldsAreNotLeaks(String spec) {
        String err = stderrOf(() -> {
            try (Collector c = Collectors.create(spec, "tlsf:leaks=paranoid", 1L << 20)) {
                int node = c.types().define("node", 1, 8);
                Mutator m = c.mutator();
                m.pushFrame(1);
                long head = m.allocate(node);
                m.setLocal(0, head);
                for (int i = 0; i < 100; i++) {
                    long x = m.allocate(node); // half stay linked from head, half are garbage at once
                    assertNotEquals(0, x);
                    if (i % 2 == 0) {
                        m.setRef(x, 0, m.getRef(head, 0));
                        m.setRef(head, 0, x);
                    }
                }
                m.collect(); // mark-sweep:lazy=on leaves the dead awaiting their sweep
            }
        });
        assertEquals("", err, "reachable and to-be-swept objects are held, not leaked");
    }

    @Test
    void aRingRefcountNeverReclaimsIsReportedAsLeaked() {
        String err = stderrOf(() -> {
            try (Collector c = Collectors.create("refcount:cycles=off", "tlsf:leaks=paranoid", 1L << 20)) {
                int node = c.types().define("node", 1, 8);
                Mutator m = c.mutator();
                m.pushFrame(2);
                long kept = m.allocate(node);
                m.setLocal(0, kept);
                long a = m.allocate(node);
                m.setLocal(1, a);
                long b = m.allocate(node);
                m.setRef(a, 0, b);
                m.setRef(b, 0, a);
                m.setLocal(1, 0); // the ring a <-> b is unreachable; counting alone never frees it
                m.collect();
            }
        });
        assertTrue(err.startsWith("LEAK: tlsf:leaks=paranoid (leaks=paranoid): 2 live blocks"), err);
    }
}
