package org.jalloc.core.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.junit.jupiter.api.Test;

/** The implicit lookup (hint, then thread-local), attach order, detach, the dead-owner sweep, virtual threads. */
class ThreadRegistryTest {
    /** A record: its final owner and id. */
    record Rec(@Nullable Thread owner, int id) {}

    /** A registry counting how many records it made and how often {@code attached} ran. */
    static final class Registry extends ThreadRegistry<Rec> {
        Registry() {
            super(Rec[]::new);
        }

        int made;
        int attachedCalls;
        boolean refuse;
        /** How many times {@link #ownerOf} was asked: the hint path asks once and stops there. */
        int ownerQueries;

        @Override
        protected @Nullable Thread ownerOf(Rec r) {
            ownerQueries++;
            return r.owner();
        }

        @Override
        protected Rec newRecord(@Nullable Thread owner, int id) {
            if (refuse) {
                throw new IllegalStateException("closed");
            }
            made++;
            return new Rec(owner, id);
        }

        @Override
        protected void attached(Rec r) {
            attachedCalls++;
        }
    }

    @Test
    void theFirstLookupAttachesAndLaterOnesFindTheSameRecord() {
        Registry reg = new Registry();
        assertNull(reg.existing(), "existing() attaches nothing");
        assertEquals(0, reg.made);
        Rec r = reg.current();
        assertNotNull(r);
        assertSame(Thread.currentThread(), r.owner());
        assertEquals(0, r.id());
        assertEquals(1, reg.attachedCalls);
        assertSame(r, reg.current());
        assertSame(r, reg.existing());
        assertSame(r, reg.own());
        assertEquals(1, reg.made);
        assertEquals(List.of(r), reg.snapshot());
    }

    @Test
    void aHintSlotHoldingAnotherThreadsRecordIsNotTrusted() throws Exception {
        Registry reg = new Registry();
        Rec mine = reg.current();
        // another thread whose id shares this thread's slot stores its own record there
        AtomicReference<@Nullable Rec> theirs = new AtomicReference<>();
        Thread other;
        do {
            other = Thread.ofPlatform().unstarted(() -> theirs.set(reg.current()));
        } while (ThreadRegistry.hintSlot(other) != ThreadRegistry.hintSlot(Thread.currentThread()));
        other.start();
        other.join();
        assertNotNull(theirs.get());
        assertNotSame(mine, theirs.get());
        assertSame(mine, reg.current(), "the slot now names the other thread's record: the thread-local answers");
        assertSame(mine, reg.current(), "and the hint is this thread's again");
        assertEquals(2, reg.made);
    }

    @Test
    void detachCurrentForgetsTheThreadLocalAndTheHint() {
        Registry reg = new Registry();
        Rec first = reg.current();
        assertSame(first, reg.detachCurrent());
        assertNull(reg.detachCurrent(), "nothing left to detach");
        assertNull(reg.existing(), "no lookup finds the detached record, not even through the hint");
        assertEquals(List.of(), reg.snapshot());
        Rec second = reg.current();
        assertNotSame(first, second);
        assertEquals(1, second.id(), "ids keep counting");
    }

    @Test
    void forgetByHandleClearsTheLookupButKeepsTheRecordRegistered() {
        Registry reg = new Registry();
        Rec r = reg.current();
        reg.forget(r);
        assertNull(reg.existing());
        assertEquals(List.of(r), reg.snapshot());
        assertTrue(reg.remove(r));
        assertFalse(reg.remove(r), "removed once");
    }

    @Test
    void explicitRecordsAreRegisteredInAttachOrderAndNeverFoundByLookup() {
        Registry reg = new Registry();
        Rec a = reg.register(null);
        Rec b = reg.register(null);
        Rec c = reg.current();
        assertEquals(List.of(a, b, c), reg.snapshot());
        assertEquals(3, reg.size());
        assertSame(c, reg.current());
        assertEquals(List.of(), reg.removeDead(), "explicit records have no owner to die");
    }

    @Test
    void theSweepReturnsEachDeadOwnersRecordOnceAndClearsItsHint() throws Exception {
        Registry reg = new Registry();
        Rec mine = reg.current();
        List<Rec> theirs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Thread t = Thread.ofPlatform().start(() -> {
                Rec r = reg.current();
                synchronized (theirs) {
                    theirs.add(r);
                }
            });
            t.join();
        }
        Thread alive = Thread.ofPlatform().unstarted(() -> {});
        Rec pending = reg.register(alive); // an owner that has not started is not alive either
        List<Rec> dead = reg.removeDead();
        assertEquals(4, dead.size());
        assertTrue(dead.containsAll(theirs));
        assertTrue(dead.contains(pending));
        assertEquals(List.of(mine), reg.snapshot());
        assertEquals(List.of(), reg.removeDead(), "each dead record is returned once");
        assertSame(mine, reg.current());
    }

    @Test
    void virtualThreadsGetNoRecord() throws Exception {
        Registry reg = new Registry();
        AtomicReference<@Nullable Rec> got = new AtomicReference<>(new Rec(null, -1));
        Thread v = Thread.ofVirtual().start(() -> got.set(reg.current()));
        v.join();
        assertNull(got.get());
        assertEquals(0, reg.made);
        assertEquals(0, reg.size());
    }

    @Test
    void aRefusedRecordLeavesTheRegistryAsItWas() {
        Registry reg = new Registry();
        reg.refuse = true;
        assertThrows(IllegalStateException.class, reg::current);
        assertEquals(0, reg.size());
        assertNull(reg.own());
        reg.refuse = false;
        assertNotNull(reg.current());
    }

    @Test
    void closeForgetsTheCallersRecordAndEveryHint() {
        Registry reg = new Registry();
        Rec r = reg.current();
        reg.close();
        assertNull(reg.own());
        assertNull(reg.existing());
        assertEquals(List.of(r), reg.snapshot(), "close forgets lookups; the allocator flushes what is registered");
    }
}
