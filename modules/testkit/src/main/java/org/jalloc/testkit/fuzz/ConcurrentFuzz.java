package org.jalloc.testkit.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.jalloc.core.walk.Inspection;
import org.jalloc.check.CheckedAllocator;
import org.jalloc.check.HeapCheckException;
import org.jalloc.check.HeapChecker;
import org.jalloc.check.Invariants;
import org.jalloc.check.Patterns;
import org.jalloc.check.Violation;
import org.jalloc.core.Allocator;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.core.shadow.LiveBlocks;
import org.jalloc.core.spi.PerThreadCaches;
import org.jalloc.core.ThreadSafety;
import org.jalloc.core.memory.Heap;
import org.jalloc.testkit.trace.Op;
import org.jalloc.testkit.trace.OpRunner;

/**
 * Multi-threaded checked fuzzing for {@link ThreadSafety#CONCURRENT} allocators. Each worker runs its own seeded
 * op sequence on the shared allocator through its own {@link CheckedAllocator} view (API contract, misuse and the
 * touched block's pattern checked on every op, against that thread's shadow). Workers also hand live blocks to
 * each other through a queue, so blocks are freed and reallocated by threads other than their allocating one
 * (remote frees). Every {@code opsBetweenChecks} ops per worker all workers meet at a barrier, and while they are
 * parked the full heap checker runs against the union of their shadows plus the blocks in flight: each block must
 * be owned by exactly one thread, every payload intact.
 *
 * <p>Interleavings are not reproducible, so failures are reported with their seed and checker report but not
 * shrunk; most of them reproduce single-threaded with the same seed through {@link FuzzEngine}.
 */
public final class ConcurrentFuzz {
    /** The most workers a run may have (each sequence starts them all anew). */
    public static final int MAX_THREADS = 256;

    private final AllocatorFactory factory;
    private final int threads;
    private int opsBetweenChecks = 100;
    private int opsPerSequence = 2000;

    public ConcurrentFuzz(AllocatorFactory factory, int threads) {
        if (factory.threadSafety() != ThreadSafety.CONCURRENT) {
            throw new IllegalArgumentException(factory.name() + " is not thread safe");
        }
        if (threads < 1 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("threads must be between 1 and " + MAX_THREADS + ", not " + threads);
        }
        this.factory = factory;
        this.threads = threads;
    }

    /** Ops each worker runs between two barrier checks; default 100. */
    public ConcurrentFuzz opsBetweenChecks(int ops) {
        this.opsBetweenChecks = Math.max(1, ops);
        return this;
    }

    /** Ops per sequence over all workers (one fresh heap per sequence); default 2000. */
    public ConcurrentFuzz opsPerSequence(int ops) {
        this.opsPerSequence = Math.max(threads, ops);
        return this;
    }

    /** A block between two owners. */
    private record InFlight(long address, long requested, long tag) {}

    public FuzzReport run(long seed, long totalOps, FuzzEngine.@Nullable Progress progress) {
        return run(seed, totalOps, progress, () -> false);
    }

    /** As {@link #run(long, long, FuzzEngine.Progress)}, stopping early, between two sequences, once {@code stop} says so. */
    public FuzzReport run(long seed, long totalOps, FuzzEngine.@Nullable Progress progress, BooleanSupplier stop) {
        long t0 = System.nanoTime();
        List<FuzzFailure> failures = new ArrayList<>();
        long done = 0;
        long sequences = 0;
        long visited = 0;
        while (done < totalOps && !stop.getAsBoolean()) {
            int length = (int) Math.min(opsPerSequence, totalOps - done);
            long s = FuzzEngine.sequenceSeed(seed, sequences);
            Sequence run = new Sequence(s, Math.max(1, length / threads));
            FuzzFailure f = run.execute();
            visited += run.checker.extentsVisited();
            if (f != null) {
                failures.add(f);
            }
            done += (long) Math.max(1, length / threads) * threads;
            sequences++;
            if (progress != null) {
                progress.update(Math.min(done, totalOps), totalOps, failures.size());
            }
        }
        return new FuzzReport(factory.name(), done, seed, sequences, failures, visited, (System.nanoTime() - t0) / 1e9);
    }

    /** One sequence: a fresh heap, {@code threads} workers, barrier checks. */
    private final class Sequence {
        final long seed;
        final int perThread;
        final HeapChecker checker = new HeapChecker();
        final ConcurrentLinkedQueue<InFlight> inFlight = new ConcurrentLinkedQueue<>();
        final AtomicReference<@Nullable String> failure = new AtomicReference<>();
        final CheckedAllocator[] views = new CheckedAllocator[threads];
        final Allocator allocator;

        Sequence(long seed, int perThread) {
            this.seed = seed;
            this.perThread = perThread;
            this.allocator = factory.create(Heap.reserve(factory.heapBytes()));
        }

        @Nullable FuzzFailure execute() {
            try {
                for (int t = 0; t < threads; t++) {
                    views[t] = new CheckedAllocator(allocator, CheckedAllocator.Payloads.PATTERN, false, (long) t << 48);
                }
                CyclicBarrier barrier = new CyclicBarrier(threads, this::checkQuiescent);
                List<Thread> workers = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int index = t;
                    workers.add(Thread.ofPlatform().name("jalloc-fuzz-" + t).start(() -> work(index, barrier)));
                }
                for (Thread w : workers) {
                    w.join();
                }
                if (failure.get() == null) {
                    checkQuiescent();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure.compareAndSet(null, "interrupted");
            } finally {
                allocator.close();
            }
            String f = failure.get();
            if (f == null) {
                return null;
            }
            String signature = f.lines().findFirst().orElse(f);
            return new FuzzFailure(factory.name(), factory.heapBytes(), seed, perThread * threads, List.of(),
                    signature.length() > 120 ? signature.substring(0, 120) : signature,
                    threads + " threads, seed " + seed + " (interleavings are not reproducible; not shrunk):\n" + f);
        }

        /**
         * Runs this worker's ops. Every worker meets the barrier at the same op counts; after any failure all
         * workers stop executing ops but keep meeting the barrier, so nobody waits forever.
         */
        void work(int index, CyclicBarrier barrier) {
            CheckedAllocator view = views[index];
            List<Op> ops = OpGenerator.generate(FuzzEngine.sequenceSeed(seed, index), perThread, factory.heapBytes(),
                    OpGenerator.SEQUENCE_BUDGET / threads);
            SplittableRandom random = new SplittableRandom(seed ^ (index * 0x9E3779B97F4A7C15L));
            OpRunner runner = new OpRunner(256);
            try {
                for (int i = 0; i < ops.size(); i++) {
                    if (i > 0 && i % opsBetweenChecks == 0) {
                        barrier.await();
                    }
                    if (failure.get() == null) {
                        step(index, view, runner, random, ops.get(i));
                    }
                }
                barrier.await();
            } catch (BrokenBarrierException e) {
                failure.compareAndSet(null, "a barrier broke: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure.compareAndSet(null, "interrupted");
            }
        }

        private void step(int index, CheckedAllocator view, OpRunner runner, SplittableRandom random, Op op) {
            try {
                int pick = random.nextInt(16);
                if (pick == 0 && runner.address(op.id()) != 0) {
                    long a = runner.forget(op.id());
                    long[] entry = view.handOff(a);
                    inFlight.add(new InFlight(a, entry[0], entry[1]));
                    return;
                }
                if (pick == 1 && runner.address(op.id()) == 0) {
                    InFlight b = inFlight.poll();
                    if (b != null) {
                        view.adopt(b.address(), b.requested(), b.tag());
                        runner.adopt(op.id(), b.address(), b.requested());
                        return;
                    }
                }
                if (pick == 2 && allocator instanceof PerThreadCaches caches) {
                    caches.detachCurrentThread(); // the thread's cached free blocks go back; its live blocks stay
                    return;
                }
                if (pick == 3 && allocator instanceof PerThreadCaches caches) {
                    caches.attachCurrentThread();
                    return;
                }
                runner.apply(view, op);
            } catch (HeapCheckException e) {
                failure.compareAndSet(null, "thread " + index + ": " + e.getMessage());
            } catch (RuntimeException | Error e) {
                failure.compareAndSet(null, "thread " + index + " op " + op + " threw " + FuzzEngine.thrown(e));
            }
        }

        /** Runs while every worker is parked: the whole heap against the union of all shadows. */
        void checkQuiescent() {
            if (failure.get() != null) {
                return;
            }
            LiveBlocks union = new LiveBlocks();
            List<Violation> duplicates = new ArrayList<>();
            for (CheckedAllocator view : views) {
                view.live().forEach((address, requested, tag) -> {
                    if (union.contains(address)) {
                        duplicates.add(new Violation(Invariants.HEAP_5, address, "one block is live in two threads",
                                "a single owner", "two owners"));
                    }
                    union.put(address, requested, tag);
                });
            }
            for (InFlight b : inFlight) {
                if (union.contains(b.address())) {
                    duplicates.add(new Violation(Invariants.HEAP_5, b.address(), "a block in flight is also live in a thread",
                            "a single owner", "two owners"));
                }
                union.put(b.address(), b.requested(), b.tag());
            }
            List<Violation> all = new ArrayList<>(duplicates);
            all.addAll(checker.check(Inspection.of(allocator).heapWalk(), union, allocator::usableSize));
            Heap heap = Inspection.of(allocator).heap();
            Patterns patterns = new Patterns();
            union.forEach((address, requested, tag) -> {
                long bad = patterns.firstMismatch(heap, address, tag, 0, requested);
                if (bad >= 0) {
                    all.add(new Violation(Invariants.HEAP_7, address + bad, "payload of live block changed at offset " + bad,
                            "its pattern", "other bytes"));
                }
            });
            if (!all.isEmpty()) {
                StringBuilder sb = new StringBuilder("checked at a barrier: " + all.size() + " violations");
                for (Violation v : all.subList(0, Math.min(all.size(), 20))) {
                    sb.append("\n  ").append(v);
                }
                failure.compareAndSet(null, sb.toString());
            }
        }
    }
}
