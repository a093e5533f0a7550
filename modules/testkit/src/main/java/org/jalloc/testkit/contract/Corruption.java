package org.jalloc.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.jalloc.check.CheckedAllocator;
import org.jalloc.check.HeapCheckException;

/**
 * Support for corruption tests: break real metadata (a size field, an allocation bit, a free-list link, a payload
 * byte), then prove the checker reports the exact invariant ID.
 */
public final class Corruption {
    private Corruption() {}

    /**
     * Runs a full check of {@code checked} and asserts that it fails reporting {@code id}.
     *
     * @return the exception, for further assertions
     */
    public static HeapCheckException assertReports(CheckedAllocator checked, String id) {
        HeapCheckException e = assertThrows(HeapCheckException.class, checked::verifyAll, "the checker found nothing, expected " + id);
        List<String> ids = e.invariantIds();
        assertTrue(ids.contains(id), () -> "expected " + id + " among the reported IDs " + ids + "\n" + e.getMessage());
        return e;
    }

    /** As {@link #assertReports}, and {@code id} is the only ID reported. */
    public static HeapCheckException assertReportsOnly(CheckedAllocator checked, String id) {
        HeapCheckException e = assertReports(checked, id);
        assertTrue(e.invariantIds().equals(List.of(id)), () -> "expected only " + id + ", got " + e.invariantIds() + "\n" + e.getMessage());
        return e;
    }
}
