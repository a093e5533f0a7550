package org.jalloc.testkit.gc;

import java.util.ArrayList;
import java.util.List;
import org.jalloc.core.spi.Messages;

/**
 * One mutator operation of a {@code gc-fuzz} sequence. Operations name roots, never addresses, so a sequence replays
 * exactly and stays valid when the shrinker removes some of it: every index is taken modulo what exists when the
 * operation runs, and an operation that cannot apply (NULL where an object is needed, no type defined yet) does
 * nothing.
 *
 * <pre>
 *   T r d      define a fixed type with r reference fields and d data bytes
 *   n s t      slot s = new object of the t-th defined type
 *   a s len    slot s = new array of len references
 *   b s len    slot s = new array of len bytes
 *   l s f d    object(s).field[f] = object(d)          (d = -1: NULL)
 *   g s f d    slot d = object(s).field[f]
 *   w s o v    write bytes derived from v into object(s)'s data at offset o
 *   v s        verify object(s)'s data against the shadow graph
 *   c s        slot s = NULL
 *   m s d      slot d = slot s
 *   p n        push a frame of n slots
 *   P          pop the top frame (never the base frame)
 *   G h s      global h = slot s (a new global when h is past the last)
 *   U h        free global h
 *   L h s      slot s = global h
 *   C          collect
 *   S          one step of collection work (collectors that collect in steps; a no-op for the others)
 * </pre>
 * Slots are slots of the top frame of the shadow stack (the runner pushes a base frame of 8 slots first).
 *
 * @param kind the letter
 * @param a    first operand
 * @param b    second operand
 * @param c    third operand
 */
public record GcOp(char kind, int a, int b, int c) {
    static final String KINDS = "TnablgwvcmpPGULCS";

    /** The operation as a line of a replay file. */
    @Override
    public String toString() {
        return switch (kind) {
            case 'P', 'C', 'S' -> String.valueOf(kind);
            case 'v', 'c', 'p', 'U' -> kind + " " + a;
            case 'l', 'g', 'w' -> kind + " " + a + " " + b + " " + c;
            default -> kind + " " + a + " " + b;
        };
    }

    /** Parses one line written by {@link #toString}. */
    public static GcOp parse(String line) {
        String[] t = line.trim().split("\\s+");
        if (t.length == 0 || t[0].length() != 1 || KINDS.indexOf(t[0].charAt(0)) < 0) {
            throw new IllegalArgumentException("not a gc-fuzz operation: " + Messages.quote(line) + " (kinds " + KINDS + ")");
        }
        char k = t[0].charAt(0);
        int want = switch (k) {
            case 'P', 'C', 'S' -> 0;
            case 'v', 'c', 'p', 'U' -> 1;
            case 'l', 'g', 'w' -> 3;
            default -> 2;
        };
        if (t.length != want + 1) {
            throw new IllegalArgumentException("gc-fuzz operation " + Messages.quote(line) + " needs " + want + " operands");
        }
        int[] v = new int[3];
        for (int i = 0; i < want; i++) {
            try {
                v[i] = Integer.parseInt(t[i + 1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("gc-fuzz operation " + Messages.quote(line) + ": " + Messages.quote(t[i + 1]) + " is not a number");
            }
        }
        return new GcOp(k, v[0], v[1], v[2]);
    }

    /** Parses a replay file: one operation per line, {@code #} comments and blank lines skipped. */
    public static List<GcOp> parseAll(String text) {
        List<GcOp> ops = new ArrayList<>();
        int n = 0;
        for (String line : text.split("\n")) {
            n++;
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            try {
                ops.add(parse(l));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + n + ": " + e.getMessage());
            }
        }
        return ops;
    }
}
