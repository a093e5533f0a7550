package org.jalloc.bench;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The state the threads of a mailbox workload share ({@link RptestBenchmark}, {@link ShBenchmark}): the subject
 * under test, opened for threads when JMH runs more than one, and one mailbox per JMH thread holding
 * {@code batches} preallocated batches of {@code capacity} blocks (no Java heap per op). A subclass is the
 * workload's {@code @State(Scope.Benchmark)} class and names its mailbox sizes.
 */
@State(Scope.Benchmark)
public abstract class SharedMailboxes {
    @Param({"thread-cache"})
    public String subject;

    Subject s;
    StandardWorkloads.Post[] posts;
    private final int batches;
    private final int capacity;

    SharedMailboxes(int batches, int capacity) {
        this.batches = batches;
        this.capacity = capacity;
    }

    @Setup(Level.Trial)
    public void open(BenchmarkParams params) {
        s = StandardWorkloads.open(subject, params.getThreads() > 1);
        posts = new StandardWorkloads.Post[params.getThreads()];
        for (int i = 0; i < posts.length; i++) {
            posts[i] = new StandardWorkloads.Post(batches, capacity);
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        s.close(); // jalloc heaps go with every block; the native peers' last blocks end with the fork
    }
}
