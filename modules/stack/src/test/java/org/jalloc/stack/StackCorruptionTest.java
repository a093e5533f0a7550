package org.jalloc.stack;

import static org.jalloc.testkit.contract.Corruption.assertReports;
import static org.jalloc.testkit.contract.Corruption.assertReportsOnly;

import org.jalloc.check.CheckedAllocator;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.walk.Inspection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Breaks real stack metadata — the stack pointer, a block header, a frame record, the depth counter, a payload byte —
 * and proves the checker names the invariant: STACK-1..3 and the generic HEAP-1, HEAP-5, HEAP-7.
 */
class StackCorruptionTest {
    private final StackAllocator stack = StackAllocator.create(64 << 10);
    private final Heap heap = Inspection.of(stack).heap();
    private final CheckedAllocator checked = new CheckedAllocator(stack);

    /** Base frame: a; frame f1: b; frame f2: c (the newest). */
    private final long a = checked.malloc(48);
    private final long f1 = stack.push();
    private final long b = checked.malloc(48);
    private final long f2 = stack.push();
    private final long c = checked.malloc(48);

    @AfterEach
    void close() {
        stack.close();
    }

    @Test
    void stack1AMisalignedStackPointer() {
        stack.corruptStackPointer(stack.stackPointer() + 8);
        assertReports(checked, "STACK-1");
    }

    @Test
    void stack1AStackPointerBelowTheLimit() {
        stack.corruptStackPointer(stack.limit() - 16);
        assertReports(checked, "STACK-1");
    }

    @Test
    void stack2ABlockHeaderNoLongerBoundToItsAddress() {
        heap.putLong(b - 16 + 8, heap.getLong(a - 16 + 8)); // b's check word copied from a's
        assertReportsOnly(checked, "STACK-2");
    }

    @Test
    void stack2ARecordWithAnUnknownTag() {
        heap.putLong(b - 16, heap.getLong(b - 16) | 0x4);
        assertReports(checked, "STACK-2");
    }

    @Test
    void stack3AFrameRecordLeftOffTheChain() {
        long f2Record = c + 48; // c's block is 64 bytes from c - 16; f2's record right above it
        heap.putLong(f2Record, 0x2); // saved fp 0: f1's record is no longer on the chain
        assertReports(checked, "STACK-3");
    }

    @Test
    void stack3SerialsThatDoNotDecrease() {
        long f2Record = c + 48;
        heap.putLong(f2Record + 8, f1); // f2 carries f1's serial: no longer newer than f1
        assertReportsOnly(checked, "STACK-3");
    }

    @Test
    void stack3ADepthThatDisagreesWithTheChain() {
        stack.corruptDepth(5);
        assertReportsOnly(checked, "STACK-3");
    }

    @Test
    void heap1ABlockSizeRunningPastTheBase() {
        heap.putLong(a - 16, (64L << 10) | 0x1);
        assertReports(checked, "HEAP-1");
    }

    @Test
    void heap5AStackPointerAboveTheNewestBlockLosesIt() {
        stack.corruptStackPointer(c + 48); // as if c were popped: the walk has it in the free region now
        assertReportsOnly(checked, "HEAP-5");
    }

    @Test
    void heap7AChangedPayloadByte() {
        heap.putByte(b + 5, (byte) (heap.getByte(b + 5) ^ 0x40));
        assertReportsOnly(checked, "HEAP-7");
    }

    @Test
    void theLayoutIsAsDescribed() {
        org.junit.jupiter.api.Assertions.assertEquals(c + 48, stack.framePointer(), "f2's record right above c's 64-byte block");
        org.junit.jupiter.api.Assertions.assertEquals(2, stack.depth());
        checked.verifyAll();
        org.junit.jupiter.api.Assertions.assertTrue(f2 > f1);
    }
}
