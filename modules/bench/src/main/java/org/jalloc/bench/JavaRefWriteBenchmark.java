package org.jalloc.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one reference write in Java, ns, as {@link RefWriteBenchmark} measures it for jalloc: the same objects,
 * the same random writes. {@link GcCompareMain} forks it under each JVM collector and under Epsilon (no barrier) and
 * subtracts Epsilon's figure: the rest is the collector's write barrier (card marking, G1's pre- and post-barriers,
 * ZGC's store barrier).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class JavaRefWriteBenchmark {
    static final class Node {
        Node f;
    }

    private Node[] nodes;
    private int[] from;
    private int[] to;

    @Setup(Level.Trial)
    public void setUp() {
        nodes = new Node[RefWriteBenchmark.OBJECTS];
        for (int i = 0; i < nodes.length; i++) {
            nodes[i] = new Node();
        }
        SplittableRandom r = new SplittableRandom(5);
        from = new int[RefWriteBenchmark.WRITES];
        to = new int[RefWriteBenchmark.WRITES];
        for (int i = 0; i < from.length; i++) {
            from[i] = r.nextInt(nodes.length);
            to[i] = r.nextInt(nodes.length);
        }
    }

    @Benchmark
    @OperationsPerInvocation(RefWriteBenchmark.WRITES)
    public void fieldWrite() {
        Node[] n = nodes;
        for (int i = 0; i < RefWriteBenchmark.WRITES; i++) {
            n[from[i]].f = n[to[i]];
        }
    }
}
