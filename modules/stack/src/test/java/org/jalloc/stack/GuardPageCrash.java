package org.jalloc.stack;

import org.jalloc.core.walk.Inspection;

/**
 * The child JVM of {@link GuardPageTest}: makes a stack, then writes the eight bytes right below its limit through
 * raw memory ({@code Heap.putLong}, which checks only that the address is inside the heap's mapping, not the
 * stack's limit), as a C program overrunning its stack does. The write lands in the guard page: SIGSEGV.
 */
public final class GuardPageCrash {
    private GuardPageCrash() {}

    public static void main(String[] args) {
        StackAllocator stack = StackAllocator.create(64 << 10);
        if (!stack.hasGuardPage()) {
            System.out.println("NO GUARD PAGE");
            System.exit(3);
        }
        long f = stack.push();
        while (stack.stackPointer() - stack.limit() >= 1024) {
            stack.alloc(1000); // fill the stack the checked way ...
        }
        try {
            stack.alloc(1000);
        } catch (StackOverflowException e) {
            System.out.println("CHECKED: " + e.getMessage()); // ... where the check stops the next block
        }
        long below = stack.limit() - 8;
        System.out.println("WRITING " + below + " (limit " + stack.limit() + ", frame " + f + ")");
        System.out.flush();
        Inspection.of(stack).heap().putLong(below, 0xDEADBEEFL); // bypasses the check: past the limit, into the guard page
        System.out.println("SURVIVED");
        System.exit(0);
    }
}
