package org.jalloc.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Why a file operation failed, in words, for one-line messages ("cannot write x.rep: no such directory /a"). */
final class Io {
    private Io() {}

    /** The reason for {@code e} (the system's words where it has them). */
    static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return String.valueOf(f.getReason());
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /** The reason {@code target} could not be opened for writing. */
    static String writeReason(IOException e, Path target) {
        if (e instanceof NoSuchFileException) {
            Path parent = target.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                return Files.exists(parent) ? parent + " is not a directory" : "no such directory " + parent;
            }
            return "no such file";
        }
        if (Files.isDirectory(target)) {
            return "it is a directory";
        }
        return reason(e);
    }

    /** Refuses a trace path that does not exist, is not a regular file or cannot be read ("cannot read trace X: why"). */
    static void requireReadableTrace(Path trace) {
        if (!Files.exists(trace)) {
            throw new UsageException("cannot read trace " + trace + ": no such file");
        }
        if (!Files.isRegularFile(trace)) {
            throw new UsageException("cannot read trace " + trace + ": not a regular file");
        }
        if (!Files.isReadable(trace)) {
            throw new UsageException("cannot read trace " + trace + ": permission denied");
        }
    }
}
