package org.jalloc.check;

import java.util.List;

/**
 * The heap broke one or more invariants: carries every violation found at that operation, the operation number
 * and text, and a map of the heap around the first fault.
 */
public final class HeapCheckException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient List<Violation> violations;
    private final long operation;
    private final String operationText;
    private final String heapMap;

    public HeapCheckException(String allocator, List<Violation> violations, int suppressed, long operation,
                              String operationText, String heapMap) {
        super(message(allocator, violations, suppressed, operation, operationText, heapMap));
        this.violations = List.copyOf(violations);
        this.operation = operation;
        this.operationText = operationText;
        this.heapMap = heapMap;
    }

    private static String message(String allocator, List<Violation> violations, int suppressed, long op, String text, String map) {
        StringBuilder sb = new StringBuilder();
        sb.append(allocator).append(": ").append(violations.size() + suppressed).append(" invariant violation")
                .append(violations.size() + suppressed == 1 ? "" : "s").append(" after op #").append(op).append(' ').append(text);
        for (Violation v : violations) {
            sb.append("\n  ").append(v);
        }
        if (suppressed > 0) {
            sb.append("\n  ... and ").append(suppressed).append(" more");
        }
        sb.append("\nheap map:\n").append(map);
        return sb.toString();
    }

    public List<Violation> violations() {
        return violations;
    }

    /** The invariant IDs reported, in order, without repeats. */
    public List<String> invariantIds() {
        return violations.stream().map(Violation::invariantId).distinct().toList();
    }

    /** 1-based number of the operation after which the check failed. */
    public long operation() {
        return operation;
    }

    public String operationText() {
        return operationText;
    }

    public String heapMap() {
        return heapMap;
    }
}
