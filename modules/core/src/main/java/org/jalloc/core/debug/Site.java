package org.jalloc.core.debug;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.Allocator;

/**
 * Where an allocation, a free or an access happened: the calling thread and the stack trimmed to the caller's
 * frames (every frame of an {@link Allocator} implementation, of jalloc core and of the FFM adapters above the first
 * caller frame is dropped).
 *
 * <p>Captured raw, formatted late: {@link #capture} keeps a {@link Throwable} whose stack the VM fills in its own
 * compact form (methods and bytecode indices, no strings: about 0.7 µs for a 15-frame stack, against about 7 µs for a
 * {@code StackWalker} walk that builds {@code StackTraceElement}s and their strings at once). The frames are decoded,
 * trimmed and turned into text the first time {@link #frames()} is called — when a report or an exception message is
 * made — and kept.
 */
public final class Site {
    /** Frames kept for a site at levels other than complete ({@code U}, sampled leaks). */
    public static final int SHORT_DEPTH = 8;
    /** Frames kept for a complete site ({@code leaks=paranoid}). */
    public static final int COMPLETE_DEPTH = 64;

    /** Class name → whether its frames are jalloc's own (an {@link Allocator} implementation), resolved once. */
    private static final ConcurrentHashMap<String, Boolean> ALLOCATOR_CLASSES = new ConcurrentHashMap<>();

    private final String thread;
    private final int depth;
    private final @Nullable Throwable stack;
    private @Nullable List<String> frames;

    /** A site with frames already as text (innermost first). */
    public Site(String thread, List<String> frames) {
        this.thread = thread;
        this.depth = frames.size();
        this.stack = null;
        this.frames = List.copyOf(frames);
    }

    private Site(String thread, int depth, Throwable stack) {
        this.thread = thread;
        this.depth = depth;
        this.stack = stack;
    }

    /** The raw stack of a capture: filled in by the VM, never thrown, never printed. */
    private static final class Capture extends Throwable {
        private static final long serialVersionUID = 1L;

        Capture() {
            super(null, null, false, true);
        }
    }

    /** The site of the caller, at most {@code depth} frames once formatted. */
    public static Site capture(int depth) {
        return new Site(Thread.currentThread().getName(), depth, new Capture());
    }

    /** The calling thread's name. */
    public String thread() {
        return thread;
    }

    /** The caller's frames as text, innermost first, at most the depth of the capture (decoded on first use). */
    public List<String> frames() {
        List<String> f = frames;
        if (f == null) {
            Throwable s = stack;
            f = s == null ? List.of() : decode(s.getStackTrace(), depth); // stack is null only when frames were given
            frames = f;
        }
        return f;
    }

    private static List<String> decode(StackTraceElement[] trace, int depth) {
        List<String> out = new ArrayList<>(Math.min(depth, trace.length));
        int i = 0;
        while (i < trace.length && internal(trace[i])) {
            i++;
        }
        for (; i < trace.length && out.size() < depth; i++) {
            if (!reflection(trace[i])) {
                out.add(trace[i].toString());
            }
        }
        return List.copyOf(out);
    }

    /** A frame of jalloc core, of the FFM adapters or of an allocator (decorators above the layer included). */
    private static boolean internal(StackTraceElement e) {
        String c = e.getClassName();
        if (c.startsWith("org.jalloc.core.") || c.startsWith("java.lang.foreign.") || c.startsWith("jdk.internal.foreign.")) {
            return true;
        }
        return ALLOCATOR_CLASSES.computeIfAbsent(c, Site::isAllocator);
    }

    private static Boolean isAllocator(String className) {
        for (@Nullable ClassLoader loader : new @Nullable ClassLoader[] {Thread.currentThread().getContextClassLoader(), Site.class.getClassLoader()}) {
            try {
                Class<?> k = Class.forName(className, false, loader);
                return Allocator.class.isAssignableFrom(k);
            } catch (ClassNotFoundException | LinkageError notHere) {
                // another loader, or a class the caller's loader alone sees (a source-launched program): not ours
            }
        }
        return false;
    }

    /** The frames of reflective calls, which a {@code StackWalker} hides by default: hidden here too. */
    private static boolean reflection(StackTraceElement e) {
        String c = e.getClassName();
        return c.startsWith("jdk.internal.reflect.") || (c.equals("java.lang.reflect.Method") && e.getMethodName().equals("invoke"))
                || (c.equals("java.lang.reflect.Constructor") && e.getMethodName().equals("newInstance"));
    }

    /** The frames as {@code "\n    at frame"} lines, with the thread; {@code indent} before each line. */
    public String format(String indent) {
        StringBuilder sb = new StringBuilder();
        sb.append(indent).append("thread ").append(thread).append('\n');
        for (String frame : frames()) {
            sb.append(indent).append("at ").append(frame).append('\n');
        }
        return sb.toString();
    }

    @Override
    public boolean equals(@Nullable Object o) {
        return o instanceof Site s && thread.equals(s.thread) && frames().equals(s.frames());
    }

    @Override
    public int hashCode() {
        return thread.hashCode() * 31 + frames().hashCode();
    }

    @Override
    public String toString() {
        return "Site[thread=" + thread + ", frames=" + frames() + "]";
    }
}
