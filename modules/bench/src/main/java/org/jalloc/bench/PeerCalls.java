package org.jalloc.bench;

import java.lang.constant.ConstantDescs;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.util.List;

/**
 * The template of one native peer's malloc/free: {@link NativeMalloc#constant(String)} defines a hidden class from
 * these bytes per peer, with the peer's two downcall handles as class data, so each peer's handles sit in
 * {@code static final} fields of a class of its own and the JIT inlines the downcall stub. Never initialized as itself
 * (it has no class data).
 */
final class PeerCalls implements Subject.Addresses {
    private static final MethodHandle MALLOC;
    private static final MethodHandle FREE;

    static {
        try {
            @SuppressWarnings("unchecked") // class data is the List<MethodHandle> NativeMalloc.constant passes
            List<MethodHandle> handles = MethodHandles.classData(MethodHandles.lookup(), ConstantDescs.DEFAULT_NAME, List.class);
            if (handles == null) {
                throw new IllegalStateException("PeerCalls is a template: define it as a hidden class with class data");
            }
            MALLOC = handles.get(0);
            FREE = handles.get(1);
        } catch (IllegalAccessException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    PeerCalls() {
    }

    @Override
    public long malloc(long size) {
        try {
            return (long) MALLOC.invokeExact(size);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void free(long address) {
        try {
            FREE.invokeExact(address);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
