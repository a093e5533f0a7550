package org.jalloc.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.jalloc.core.Allocator;
import org.jalloc.core.spi.ForwardingAllocator;
import org.jalloc.core.InvalidPointerException;
import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Allocators that break the API contract (API-1..5) in one way each, proving checked mode names it. */
class ApiContractCheckTest {
    private final Heap heap = Heap.reserve(1 << 20);
    private final ToyAllocator toy = new ToyAllocator(heap);

    @AfterEach
    void close() {
        heap.close();
    }

    /** The op fails and {@code id} is the first ID reported (a broken result may break heap invariants too). */
    private static void assertFailsWith(String id, Runnable op) {
        HeapCheckException e = assertThrows(HeapCheckException.class, op::run);
        assertEquals(id, e.invariantIds().get(0), e.getMessage());
    }

    @Test
    void api1DirtyCalloc() {
        Allocator broken = new ForwardingAllocator(toy) {
            @Override
            public long calloc(long count, long size) {
                long p = delegate.calloc(count, size);
                heap().putByte(p + 5, (byte) 1);
                return p;
            }
        };
        CheckedAllocator checked = new CheckedAllocator(broken);
        assertFailsWith(Invariants.API_1, () -> checked.calloc(4, 8));
    }

    @Test
    void api2ReallocLosesContent() {
        Allocator broken = new ForwardingAllocator(toy) {
            @Override
            public long realloc(long address, long size) {
                long p = delegate.realloc(address, size);
                heap().putByte(p, (byte) ~heap().getByte(p));
                return p;
            }
        };
        CheckedAllocator checked = new CheckedAllocator(broken);
        long p = checked.malloc(100);
        checked.malloc(100); // forces the realloc to move
        assertFailsWith(Invariants.API_2, () -> checked.realloc(p, 1000));
    }

    @Test
    void api3MisalignedAlignedAlloc() {
        Allocator broken = new ForwardingAllocator(toy) {
            @Override
            public long alignedAlloc(long alignment, long size) {
                long p = delegate.malloc(size + 16);
                return (p & (alignment - 1)) == 0 ? delegate.malloc(size) : p;
            }
        };
        CheckedAllocator checked = new CheckedAllocator(broken);
        checked.malloc(8);
        assertFailsWith(Invariants.API_3, () -> checked.alignedAlloc(4096, 64));
    }

    @Test
    void api4TryExpandClaimsSuccess() {
        Allocator broken = new ForwardingAllocator(toy) {
            @Override
            public boolean tryExpand(long address, long size) {
                return true;
            }
        };
        CheckedAllocator checked = new CheckedAllocator(broken, CheckedAllocator.Payloads.CALLER_OWNED);
        long p = checked.malloc(32);
        assertFailsWith(Invariants.API_4, () -> checked.tryExpand(p, 5000));
    }

    @Test
    void api5ValidFreeRejected() {
        Allocator broken = new ForwardingAllocator(toy) {
            @Override
            public void free(long address) {
                throw new InvalidPointerException("nope", address);
            }
        };
        CheckedAllocator checked = new CheckedAllocator(broken);
        long p = checked.malloc(32);
        assertFailsWith(Invariants.API_5, () -> checked.free(p));
    }
}
