package org.jalloc.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import org.jalloc.core.Allocator;
import org.jalloc.core.InvalidPointerException;

/**
 * Two threads free one block at a barrier, round after round: of the two frees exactly one passes and the other is
 * refused (a double free), never another exception. The machinery of the {@code debug=F} race tests (slab's
 * {@code FreeHeadsDebugFTest} and {@code SlabDebugFTest}, thread-cache's {@code ThreadCacheDebugFTest}), written once.
 * Beside {@link FreedAndLive} and {@link LiveBlocks}.
 *
 * <ol>
 *   <li>Both threads meet at a start barrier; its action (run by one of them, before either frees) takes the round's
 *       block from {@code block}.</li>
 *   <li>Each thread frees that block: a pass, the {@code refusal}, or anything else, which is kept for the report (the
 *       race goes on, so the other thread is not left waiting).</li>
 *   <li>Both meet at an end barrier, so a round's two frees are over before the next round's block is taken.</li>
 * </ol>
 */
public final class RacingFrees {
    /** How long a thread waits at a barrier for the other before the race is reported as broken. */
    private static final long WAIT_SECONDS = 30;

    private RacingFrees() {
    }

    /**
     * Runs {@code rounds} rounds of two racing {@code a.free}s of the block {@code block} gives (asked once per round, at
     * the start barrier), then asserts nothing but {@code refusal} was thrown and each round had one pass and one refusal.
     * {@code what} names the race in the failures (a repetition, a size).
     */
    public static void assertExactlyOnePassesEachRound(Allocator a, int rounds, LongSupplier block,
            Class<? extends InvalidPointerException> refusal, String what) throws InterruptedException {
        long[] box = new long[1];
        AtomicInteger passed = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        Queue<Throwable> other = new ConcurrentLinkedQueue<>();
        CyclicBarrier start = new CyclicBarrier(2, () -> box[0] = block.getAsLong());
        CyclicBarrier end = new CyclicBarrier(2);
        Runnable racer = () -> {
            try {
                for (int i = 0; i < rounds; i++) {
                    start.await(WAIT_SECONDS, TimeUnit.SECONDS);
                    try {
                        a.free(box[0]);
                        passed.incrementAndGet();
                    } catch (Throwable t) {
                        if (refusal.isInstance(t)) {
                            refused.incrementAndGet();
                        } else {
                            other.add(t); // reported below; the race goes on so the other thread is not left waiting
                        }
                    }
                    end.await(WAIT_SECONDS, TimeUnit.SECONDS);
                }
            } catch (Exception e) { // a broken or timed-out barrier, an interrupt, the block's supplier failing
                other.add(e);
            }
        };
        Thread t1 = Thread.ofPlatform().start(racer);
        Thread t2 = Thread.ofPlatform().start(racer);
        t1.join();
        t2.join();
        assertEquals(List.of(), List.copyOf(other), "every refusal a " + refusal.getSimpleName() + " (" + what + ")");
        assertEquals(rounds, passed.get(), "every block freed once (" + what + ")");
        assertEquals(rounds, refused.get(), "every second free refused (" + what + ")");
    }
}
