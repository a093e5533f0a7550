package org.jalloc.testkit.trace;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Finds the classic malloc-lab traces in the shared material beside the checkout ({@code ../shared/traces/malloclab}).
 * They are third-party data that may not be redistributed, so they are never copied into the repository; tests and
 * benchmarks that need them skip when they are absent.
 */
public final class SharedTraces {
    /** mdriver's eleven default traces: "mean utilization" always means the mean over these. */
    public static final List<String> MDRIVER_DEFAULT = List.of(
            "amptjp-bal.rep", "cccp-bal.rep", "cp-decl-bal.rep", "expr-bal.rep", "coalescing-bal.rep", "random-bal.rep",
            "random2-bal.rep", "binary-bal.rep", "binary2-bal.rep", "realloc-bal.rep", "realloc2-bal.rep");

    private SharedTraces() {}

    /**
     * The malloc-lab folder: the system property {@code jalloc.shared} or environment variable {@code JALLOC_SHARED}
     * (the shared folder), else {@code ../shared} above the working directory or one of its parents.
     */
    public static Optional<Path> malloclab() {
        String configured = System.getProperty("jalloc.shared", System.getenv("JALLOC_SHARED"));
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured).resolve("traces/malloclab");
            if (Files.isDirectory(p)) {
                return Optional.of(p.normalize());
            }
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path p = dir.resolve("../shared/traces/malloclab");
            if (Files.isDirectory(p)) {
                return Optional.of(p.normalize());
            }
        }
        return Optional.empty();
    }

    /** Every {@code .rep} file of the malloc-lab folder in name order (empty when the folder is absent). */
    public static List<Path> all() {
        return malloclab().map(Trace::files).orElse(List.of());
    }
}
