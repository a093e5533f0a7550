package org.jalloc.core.debug;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.jalloc.core.Allocator;

/**
 * Where an allocation, a free or an access happened: the calling thread and the stack trimmed to the caller's
 * frames (every frame of an {@link Allocator} implementation, of jalloc core and of the FFM adapters above the first
 * caller frame is dropped).
 *
 * @param thread the calling thread's name
 * @param frames the caller's frames, innermost first
 */
public record Site(String thread, List<String> frames) {
    /** Frames kept for a site at levels other than complete ({@code U}, sampled leaks). */
    public static final int SHORT_DEPTH = 8;
    /** Frames kept for a complete site ({@code leaks=paranoid}). */
    public static final int COMPLETE_DEPTH = 64;

    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    public Site {
        frames = List.copyOf(frames);
    }

    /** The site of the caller, at most {@code depth} frames. */
    public static Site capture(int depth) {
        StackTraceElement[] f = WALKER.walk(s -> s.dropWhile(Site::internal).limit(depth)
                .map(StackWalker.StackFrame::toStackTraceElement).toArray(StackTraceElement[]::new));
        List<String> frames = new ArrayList<>(f.length);
        Arrays.stream(f).forEach(e -> frames.add(e.toString()));
        return new Site(Thread.currentThread().getName(), frames);
    }

    private static boolean internal(StackWalker.StackFrame frame) {
        Class<?> c = frame.getDeclaringClass();
        if (Allocator.class.isAssignableFrom(c)) {
            return true;
        }
        String p = c.getPackageName();
        return p.equals("org.jalloc.core") || p.startsWith("org.jalloc.core.") || p.startsWith("java.lang.foreign")
                || p.startsWith("jdk.internal.foreign");
    }

    /** The frames as {@code "\n    at frame"} lines, with the thread; {@code indent} before each line. */
    public String format(String indent) {
        StringBuilder sb = new StringBuilder();
        sb.append(indent).append("thread ").append(thread).append('\n');
        for (String frame : frames) {
            sb.append(indent).append("at ").append(frame).append('\n');
        }
        return sb.toString();
    }
}
