package org.jalloc.testkit.trace;

/**
 * One operation of a trace or fuzz sequence, in the malloc-lab format extended for jalloc's full API:
 * <pre>
 *   a id size          ptr[id] = malloc(size)
 *   f id               free(ptr[id])            (f -1 is free(NULL))
 *   r id size          ptr[id] = realloc(ptr[id], size)   (malloc when id is not live)
 *   c id count size    ptr[id] = calloc(count, size)        jalloc extension
 *   m id align size    ptr[id] = alignedAlloc(align, size)  jalloc extension
 *   x id size          tryExpand(ptr[id], size)             jalloc extension
 * </pre>
 *
 * @param kind one of {@code a f r c m x}
 * @param id   the block id ({@code -1} only for {@code f})
 * @param size the size operand (for {@code c} the element size)
 * @param arg  the count for {@code c}, the alignment for {@code m}, else 0
 */
public record Op(char kind, int id, long size, long arg) {
    public static Op malloc(int id, long size) {
        return new Op('a', id, size, 0);
    }

    public static Op free(int id) {
        return new Op('f', id, 0, 0);
    }

    public static Op realloc(int id, long size) {
        return new Op('r', id, size, 0);
    }

    public static Op calloc(int id, long count, long size) {
        return new Op('c', id, size, count);
    }

    public static Op aligned(int id, long alignment, long size) {
        return new Op('m', id, size, alignment);
    }

    public static Op expand(int id, long size) {
        return new Op('x', id, size, 0);
    }

    /** The bytes this op asks for (calloc: count * size, saturating). */
    public long requested() {
        if (kind != 'c') {
            return size;
        }
        try {
            return Math.multiplyExact(arg, size);
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
    }

    /** The op as a trace line. */
    @Override
    public String toString() {
        return switch (kind) {
            case 'f' -> "f " + id;
            case 'c' -> "c " + id + " " + arg + " " + size;
            case 'm' -> "m " + id + " " + arg + " " + size;
            default -> kind + " " + id + " " + size;
        };
    }
}
