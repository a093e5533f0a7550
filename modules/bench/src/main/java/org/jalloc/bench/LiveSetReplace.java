package org.jalloc.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The live-set workloads' common shape ({@link MixedBenchmark}, {@link ScalingBenchmark}): a subclass opens a subject,
 * chooses the sizes and the slot sequence and calls {@link #fill}; one op ({@link #replace}) then frees the block in
 * the next slot of the sequence and allocates one of the next size in its place (ns per free + malloc). JMH runs the
 * inherited benchmark once per concrete subclass, under the subclass's name ({@code MixedBenchmark.replace}).
 */
public abstract class LiveSetReplace {
    private Subject s;
    private Subject.Handle h;
    private long[] sizes;
    private int[] slots;
    private int i;

    /** Takes {@code s} over (closed at tear-down) and allocates its {@code live} blocks, slot k with size k. */
    final void fill(Subject s, int live, long[] sizes, int[] slots) {
        this.s = s;
        this.sizes = sizes;
        this.slots = slots;
        h = s.handle(live);
        for (int k = 0; k < live; k++) {
            h.allocate(k, sizes[k & (sizes.length - 1)]);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        s.close();
    }

    @Benchmark
    public void replace() {
        int k = i++ & (sizes.length - 1);
        int slot = slots[k];
        h.release(slot);
        h.allocate(slot, sizes[k]);
    }
}
