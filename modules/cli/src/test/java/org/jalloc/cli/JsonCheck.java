package org.jalloc.cli;

/**
 * A strict JSON syntax check (RFC 8259) for the {@code --json} lines: an object, arrays, strings with escapes,
 * numbers, true/false/null; anything else, or trailing text, fails with the position.
 */
final class JsonCheck {
    private final String s;
    private int i;

    private JsonCheck(String s) {
        this.s = s;
    }

    /** Throws {@link IllegalArgumentException} unless {@code line} is exactly one JSON object. */
    static void object(String line) {
        JsonCheck p = new JsonCheck(line);
        p.ws();
        if (p.peek() != '{') {
            throw p.error("an object");
        }
        p.value();
        p.ws();
        if (p.i != line.length()) {
            throw p.error("the end of the line");
        }
    }

    private char peek() {
        return i < s.length() ? s.charAt(i) : '\0';
    }

    private IllegalArgumentException error(String expected) {
        return new IllegalArgumentException("expected " + expected + " at " + i + " in " + s);
    }

    private void ws() {
        while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("'" + c + "'");
        }
        i++;
    }

    private void value() {
        ws();
        char c = peek();
        switch (c) {
            case '{' -> {
                i++;
                ws();
                if (peek() == '}') {
                    i++;
                    return;
                }
                while (true) {
                    ws();
                    string();
                    ws();
                    expect(':');
                    value();
                    ws();
                    if (peek() == ',') {
                        i++;
                    } else {
                        expect('}');
                        return;
                    }
                }
            }
            case '[' -> {
                i++;
                ws();
                if (peek() == ']') {
                    i++;
                    return;
                }
                while (true) {
                    value();
                    ws();
                    if (peek() == ',') {
                        i++;
                    } else {
                        expect(']');
                        return;
                    }
                }
            }
            case '"' -> string();
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> number();
        }
    }

    private void literal(String word) {
        if (!s.startsWith(word, i)) {
            throw error(word);
        }
        i += word.length();
    }

    private void string() {
        expect('"');
        while (true) {
            if (i >= s.length()) {
                throw error("a closing quote");
            }
            char c = s.charAt(i++);
            if (c == '"') {
                return;
            }
            if (c < 0x20) {
                throw error("no raw control character");
            }
            if (c == '\\') {
                char e = peek();
                i++;
                if (e == 'u') {
                    for (int k = 0; k < 4; k++) {
                        if (Character.digit(peek(), 16) < 0) {
                            throw error("a hex digit");
                        }
                        i++;
                    }
                } else if ("\"\\/bfnrt".indexOf(e) < 0) {
                    throw error("an escape");
                }
            }
        }
    }

    private void number() {
        int start = i;
        if (peek() == '-') {
            i++;
        }
        if (peek() == '0') {
            i++;
        } else if (Character.isDigit(peek())) {
            while (Character.isDigit(peek())) {
                i++;
            }
        } else {
            throw error("a value");
        }
        if (peek() == '.') {
            i++;
            digits();
        }
        if (peek() == 'e' || peek() == 'E') {
            i++;
            if (peek() == '+' || peek() == '-') {
                i++;
            }
            digits();
        }
        if (i == start) {
            throw error("a number");
        }
    }

    private void digits() {
        if (!Character.isDigit(peek())) {
            throw error("a digit");
        }
        while (Character.isDigit(peek())) {
            i++;
        }
    }
}
