package org.jalloc.core.spi;

import org.jalloc.core.Allocator;
import org.jalloc.core.InvalidAlignmentException;
import org.jalloc.core.InvalidSizeException;

/**
 * The argument screens of {@code calloc} and {@code alignedAlloc}, written once for the engines
 * ({@link AbstractAllocator}) and every layer that screens before it forwards (the debug layers, the checker): the same
 * tests, the same exceptions, the same messages. {@code prefix} is "" for an engine and "NAME: " for a layer. Also the
 * allocation behind every FFM adapter ({@link #allocateForSegment}).
 */
public final class Arguments {
    private Arguments() {}

    /**
     * {@code calloc}'s byte count, {@code count * size}.
     *
     * @throws InvalidSizeException for a negative operand or a product that overflows a long
     */
    public static long callocBytes(String prefix, long count, long size) {
        if (count < 0 || size < 0) {
            throw new InvalidSizeException(prefix + "calloc(" + count + ", " + size + "): negative operand");
        }
        try {
            return Math.multiplyExact(count, size);
        } catch (ArithmeticException overflow) {
            throw new InvalidSizeException(prefix + "calloc(" + count + ", " + size + "): count * size overflows");
        }
    }

    /**
     * Screens {@code alignedAlloc(alignment, size)}.
     *
     * @throws InvalidAlignmentException unless {@code alignment} is a power of two
     * @throws InvalidSizeException      for a negative size
     */
    public static void checkAlignedAlloc(String prefix, long alignment, long size) {
        if (alignment <= 0 || Long.bitCount(alignment) != 1) {
            throw new InvalidAlignmentException(prefix + "alignedAlloc(" + alignment + ", " + size + "): alignment is not a power of two");
        }
        if (size < 0) {
            throw new InvalidSizeException(prefix + "alignedAlloc(" + alignment + ", " + size + "): negative size");
        }
    }

    /**
     * Allocates {@code byteSize} bytes aligned to {@code byteAlignment} from {@code allocator} for an FFM caller
     * ({@code SegmentAllocator.allocate}, an arena): FFM's contract is an exception, not NULL, when memory runs out.
     *
     * @return the block's address, never 0
     * @throws IllegalArgumentException for a negative size or an alignment that is not a power of two
     * @throws OutOfMemoryError         when the allocator returns NULL
     */
    public static long allocateForSegment(Allocator allocator, long byteSize, long byteAlignment) {
        if (byteSize < 0) {
            throw new IllegalArgumentException("negative byteSize " + byteSize);
        }
        if (byteAlignment <= 0 || Long.bitCount(byteAlignment) != 1) {
            throw new IllegalArgumentException("byteAlignment " + byteAlignment + " is not a power of two");
        }
        long address = byteAlignment <= 16 ? allocator.malloc(byteSize) : allocator.alignedAlloc(byteAlignment, byteSize);
        if (address == 0) {
            throw new OutOfMemoryError(allocator.name() + ": heap exhausted allocating " + byteSize + " bytes");
        }
        return address;
    }
}
