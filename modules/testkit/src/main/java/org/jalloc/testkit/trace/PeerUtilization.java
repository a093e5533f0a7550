package org.jalloc.testkit.trace;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The utilization of a native allocator (glibc, jemalloc, mimalloc, tcmalloc) on a trace, measured the way mdriver
 * measures jalloc's: peak live requested bytes over the peak bytes the allocator took from the OS for the trace.
 *
 * <p>Each measurement runs in a fresh JVM ({@link #measure}), so that earlier traces do not count: the child loads
 * the trace, runs the ops through the peer's functions and samples what the peer holds from the OS
 * ({@link NativePeer#taken}) after every op. For glibc, which the JVM itself mallocs through (JIT compiler and GC
 * threads), the denominator is the peak increase over the value read just before the first op, and every trace is
 * also run a second time in another fresh JVM with every op skipped but the sampling kept: that run's increase is
 * the <b>noise floor</b>, reported beside the figure. jemalloc, mimalloc and tcmalloc serve only the trace (and one
 * initializing {@code malloc(16)}), so the denominator is everything they hold at the peak, including what their
 * first call reserved (mimalloc commits whole segments: 32 MiB with Debian's 2.0 build at its defaults); their
 * floor is measured the same way and is what the initialization alone took.
 *
 * <p>Op semantics are {@link OpRunner}'s: realloc replaces a block's requested size, {@code x} succeeds when the
 * peer's usable size already covers the new size (none of them grows in place on request), an allocation on a live
 * id leaks the old block.
 */
public final class PeerUtilization {
    /** Exit status of a child whose peer cannot be loaded (its one output line starts with "SKIPPED:"). */
    static final int SKIPPED = 3;

    /**
     * A peer's figures on one trace.
     *
     * @param peer              the peer's name
     * @param peakRequested     peak live requested bytes (the numerator, as for jalloc)
     * @param peakTaken         the peak increase of the bytes the peer held from the OS over the trace
     * @param noiseFloor        the same increase with every op skipped (what the JVM and the harness took)
     */
    public record Result(String peer, long peakRequested, long peakTaken, long noiseFloor) {
        /** Peak requested over peak taken (0 when the peer took nothing). */
        public double utilization() {
            return peakTaken <= 0 ? 0 : (double) peakRequested / peakTaken;
        }
    }

    private PeerUtilization() {}

    /**
     * Measures {@code peer} on the trace file {@code trace} in two fresh JVMs (the trace, then the noise floor).
     *
     * @throws IllegalStateException with a message starting "SKIPPED:" when the peer is not installed, or when a
     *                               child fails
     */
    public static Result measure(String peer, Path trace) {
        long[] run = child(peer, trace, false);
        long[] floor = child(peer, trace, true);
        return new Result(peer, run[0], run[1], floor[1]);
    }

    /** Runs one child JVM; returns {peakRequested, peakTaken}. */
    private static long[] child(String peer, Path trace, boolean floor) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home", ""), "bin", "java").toString()));
        cmd.add("-Xshare:auto");
        cmd.add("-XX:TieredStopAtLevel=1"); // less JIT work in the child: less of the JVM's own malloc traffic
        String modulePath = System.getProperty("jdk.module.path");
        boolean named = PeerUtilization.class.getModule().isNamed();
        if (named && modulePath != null) {
            cmd.add("--enable-native-access=org.jalloc.testkit,org.jalloc.core");
            cmd.add("-p");
            cmd.add(modulePath);
            cmd.add("-m");
            cmd.add("org.jalloc.testkit/" + PeerUtilization.class.getName());
        } else {
            cmd.add("--enable-native-access=ALL-UNNAMED");
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path", ""));
            cmd.add(PeerUtilization.class.getName());
        }
        cmd.add(peer);
        cmd.add(trace.toAbsolutePath().toString());
        cmd.add(floor ? "floor" : "trace");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        if (peer.equals("jemalloc")) {
            env.putIfAbsent("GLIBC_TUNABLES", "glibc.rtld.optional_static_tls=16384");
        }
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException(peer + " utilization of " + trace.getFileName() + ": the child JVM did not finish");
            }
            String last = out.strip().lines().reduce((a, b) -> b).orElse("");
            if (p.exitValue() == SKIPPED) {
                throw new IllegalStateException(last.startsWith("SKIPPED:") ? last : "SKIPPED: " + peer + ": " + last);
            }
            if (p.exitValue() != 0 || !last.startsWith("peer ")) {
                throw new IllegalStateException(peer + " utilization of " + trace.getFileName() + ": the child JVM exited "
                        + p.exitValue() + ": " + out.strip());
            }
            String[] f = last.split(" ");
            return new long[] {Long.parseLong(f[2]), Long.parseLong(f[3])};
        } catch (IOException e) {
            throw new IllegalStateException(peer + " utilization: cannot start a child JVM: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(peer + " utilization: interrupted", e);
        }
    }

    /**
     * The child: {@code PEER TRACE trace|floor}. Prints {@code peer NAME PEAK_REQUESTED PEAK_TAKEN}; exit status
     * {@link #SKIPPED} with a "SKIPPED:" line when the peer cannot be loaded.
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.out.println("usage: PeerUtilization libc|jemalloc|mimalloc|tcmalloc TRACE trace|floor");
            System.exit(2);
        }
        NativePeer peer;
        try {
            peer = NativePeer.load(args[0]);
            peer.free(peer.malloc(16)); // initializes the peer before the baseline is read
        } catch (IllegalStateException e) {
            String why = String.valueOf(e.getMessage());
            System.out.println(why.startsWith("SKIPPED:") ? why : "SKIPPED: " + why);
            System.exit(SKIPPED);
            return;
        }
        Trace trace = Trace.read(Path.of(args[1]));
        Op[] ops = trace.ops().toArray(new Op[0]);
        long[] r = run(peer, ops, (int) Math.max(16, trace.numIds()), args[2].equals("floor"));
        System.out.println("peer " + peer.name + " " + r[0] + " " + r[1]);
    }

    /** Runs {@code ops} through {@code peer} (or only samples, for the floor); returns {peakRequested, peakTaken}. */
    static long[] run(NativePeer peer, Op[] ops, int ids, boolean floor) {
        for (Op op : ops) {
            ids = Math.max(ids, op.id() + 1);
        }
        long[] address = new long[ids];
        long[] requested = new long[ids];
        long live = 0;
        long peakRequested = 0;
        // glibc also serves the JVM: only its increase counts. The others serve only this trace (and the one
        // initializing malloc): everything they hold counts, including what their first call reserved.
        long before = peer.name.equals("libc") ? peer.taken() : 0;
        long peak = before;
        for (Op op : ops) {
            if (!floor) {
                int id = op.id();
                switch (op.kind()) {
                    case 'a', 'c', 'm' -> {
                        long a = switch (op.kind()) {
                            case 'a' -> peer.malloc(op.size());
                            case 'c' -> peer.calloc(op.arg(), op.size());
                            default -> peer.alignedAlloc(op.arg(), op.size());
                        };
                        if (a != 0) {
                            address[id] = a;
                            requested[id] = op.requested();
                            live += op.requested();
                        }
                    }
                    case 'f' -> {
                        if (id >= 0 && address[id] != 0) {
                            peer.free(address[id]);
                            address[id] = 0;
                            live -= requested[id];
                            requested[id] = 0;
                        }
                    }
                    case 'r' -> {
                        long old = id >= 0 ? address[id] : 0;
                        long moved = peer.realloc(old, op.size());
                        if (op.size() == 0 || moved != 0) {
                            if (old != 0) {
                                live -= requested[id];
                                address[id] = 0;
                                requested[id] = 0;
                            }
                            if (op.size() != 0) {
                                address[id] = moved;
                                requested[id] = op.size();
                                live += op.size();
                            }
                        }
                    }
                    case 'x' -> {
                        if (address[id] != 0 && peer.usableSize(address[id]) >= op.size()) {
                            live += op.size() - requested[id];
                            requested[id] = op.size();
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown op " + op);
                }
                peakRequested = Math.max(peakRequested, live);
            }
            if (peer.sampled) {
                peak = Math.max(peak, peer.taken());
            }
        }
        peak = Math.max(peak, peer.peakTaken());
        return new long[] {peakRequested, peak - before};
    }
}
