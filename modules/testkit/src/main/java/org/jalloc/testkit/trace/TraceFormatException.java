package org.jalloc.testkit.trace;

/** A trace line that cannot be read; the message names the file and the line. Input it quotes is cut. */
public final class TraceFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TraceFormatException(String file, long line, String message) {
        super(file + ":" + line + ": " + message);
    }
}
