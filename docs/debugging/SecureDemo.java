import org.jalloc.core.Allocator;
import org.jalloc.core.Allocators;
import org.jalloc.core.walk.Inspection;

/** secure=on (docs/debugging.md): a write after free into a free block's link, caught at the next allocation. */
public class SecureDemo {
    public static void main(String[] args) {
        for (String spec : args) {
            try (Allocator a = Allocators.create(spec, 1 << 20)) {
                var heap = Inspection.of(a).heap();
                a.malloc(48);
                long q = a.malloc(48);
                a.malloc(48); // q lies between two live blocks
                long usable = a.usableSize(q);
                a.free(q);
                // slob keeps the link in the block's 16-byte header, before the payload: the stray write reaches it
                // as an overrun of the block before or through a stale pointer into a merged block
                long from = spec.startsWith("slob") ? q - 8 : q;
                long to = spec.startsWith("slub") ? q + usable : from + 8;
                for (long k = from; k < to; k += 8) {
                    heap.putLong(k, 0x4141414141414141L); // the write after free
                }
                System.out.println("=== " + spec + ": free(0x" + Long.toHexString(q) + "), then 'A's written "
                        + (from < q ? "over its header's link word (0x" + Long.toHexString(from) + ")" : "into it") + ", then malloc(48)");
                try {
                    for (int i = 0; i < 8; i++) {
                        a.malloc(48);
                    }
                    System.out.println("(nothing thrown)");
                } catch (RuntimeException e) {
                    System.out.println(e.getClass().getName() + ": " + e.getMessage());
                }
            }
        }
    }
}
