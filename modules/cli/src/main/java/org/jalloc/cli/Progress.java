package org.jalloc.cli;

import java.io.PrintStream;

/** A one-line progress display on stderr, shown only when stderr is a terminal. */
final class Progress {
    private final PrintStream out = System.err;
    private final boolean enabled;
    private long lastPrint;

    Progress() {
        java.io.Console console = System.console();
        this.enabled = console != null && console.isTerminal();
    }

    void show(String line) {
        long now = System.nanoTime();
        if (enabled && now - lastPrint > 100_000_000L) {
            lastPrint = now;
            out.print("\r\033[K" + line);
            out.flush();
        }
    }

    void done() {
        if (enabled) {
            out.print("\r\033[K");
            out.flush();
        }
    }
}
