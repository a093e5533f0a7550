import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jalloc.core.Allocator;
import org.jalloc.core.Allocators;
import org.jalloc.core.walk.Inspection;

public class DebugDemo {
    static void show(String what, Runnable r) {
        System.out.println("=== " + what);
        try {
            r.run();
            System.out.println("(nothing thrown)");
        } catch (RuntimeException e) {
            System.out.println(e.getClass().getName() + ": " + e.getMessage());
        }
        System.out.println();
    }

    static long parseRequest(Allocator a) {
        return a.malloc(24);
    }

    static void release(Allocator a, long p) {
        a.free(p);
    }

    static void cacheEntry(Allocator a) {
        for (int i = 0; i < 5; i++) {
            a.malloc(200);
        }
    }

    public static void main(String[] args) {
        String spec = args.length > 0 ? args[0] : "tlsf:debug=FZPU";
        try (Allocator a = Allocators.create(spec, 1 << 20)) {
            var heap = Inspection.of(a).heap();
            show("1-byte overrun", () -> {
                long p = parseRequest(a);
                heap.putByte(p + a.usableSize(p), (byte) 0x41);
                release(a, p);
            });
            show("1-byte underrun", () -> {
                long p = parseRequest(a);
                heap.putByte(p - 1, (byte) 0x42);
                release(a, p);
            });
            show("write after free", () -> {
                long p = parseRequest(a);
                release(a, p);
                heap.putByte(p + 5, (byte) 0x43);
                for (int i = 0; i < 1000; i++) {
                    a.free(a.malloc(24));
                }
            });
            show("double free", () -> {
                long p = parseRequest(a);
                release(a, p);
                a.free(p);
            });
            show("read after free through a view", () -> {
                long p = parseRequest(a);
                MemorySegment view = a.segment(p);
                release(a, p);
                view.get(ValueLayout.JAVA_BYTE, 0);
            });
        }
        try (Allocator b = Allocators.create(args.length > 1 ? args[1] : "tlsf:debug=U,leaks=paranoid", 1 << 20)) {
            cacheEntry(b);
            parseRequest(b);
            System.out.println("=== leakReport()");
            System.out.print(b.leakReport().format());
            System.out.println();
            System.out.println("=== close() prints to stderr:");
        }
    }
}
