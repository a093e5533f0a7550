package org.jalloc.gc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.jalloc.check.HeapChecker;
import org.jalloc.check.Violation;
import org.jalloc.gc.inspect.GcInspector;
import org.junit.jupiter.api.AfterEach;

/**
 * What every collector corruption test shares: the collector under test (closed after each test), the checker's
 * pass over its block walk, the assertion that a pass reports one exact invariant ID, and an object's address from a
 * mutator slot. Each subclass builds its own clean state, proves it clean and breaks it.
 *
 * @param <C> the collector class the subclass breaks
 */
abstract class CorruptionFixture<C extends Collector> {
    /** The collector under test; the subclass's setup creates it. */
    protected C c;

    @AfterEach
    void close() {
        if (c != null) {
            c.close();
        }
    }

    /** One checker pass over the collector's block walk. */
    protected final List<Violation> check() {
        return new HeapChecker().check(GcInspector.of(c).heapWalk());
    }

    /** A checker pass reports the invariant {@code id} (among any others). */
    protected final void assertReports(String id) {
        List<Violation> v = check();
        assertTrue(v.stream().anyMatch(x -> x.invariantId().equals(id)), () -> "expected " + id + " among " + v);
    }

    /** The heap address of the object in slot {@code slot} of the mutator's top frame. */
    protected final long addr(Mutator m, int slot) {
        return GcInspector.of(c).address(m.local(slot));
    }
}
