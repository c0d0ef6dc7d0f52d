package dev.ember.nn;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict JSON reader (RFC 8259) for safetensors headers. Objects become {@link LinkedHashMap}s in document order,
 * arrays {@link List}s, strings {@link String}s, numbers {@link Num}s, {@code true}/{@code false} {@link Boolean}s and
 * {@code null} {@link #NULL}. Everything RFC 8259 forbids is an {@link IOException} with the position (a character
 * index into the text): duplicate object keys (the safetensors specification disallows them), nesting deeper than
 * {@link #MAX_DEPTH} (so a hostile header cannot exhaust the stack), control characters in strings, unpaired
 * surrogate escapes, leading zeros or a leading '+', and anything after the top-level value but whitespace.
 */
final class Json {
    /** Deepest nesting accepted; a safetensors header needs 3 levels. */
    static final int MAX_DEPTH = 64;

    /** The JSON {@code null}, distinct from a missing key. */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    /** A JSON number as written, with its value when it is an integer within {@code long} range. */
    static final class Num {
        /** The number's text, exactly as it appears in the document. */
        final String text;
        /** Whether the text has neither a fraction nor an exponent. */
        final boolean integral;
        /** The value when {@link #integral} and within {@code long} range, else {@code null}. */
        final Long value;

        Num(String text, boolean integral, Long value) {
            this.text = text;
            this.integral = integral;
            this.value = value;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    private final String s;
    private int i;

    private Json(String s) {
        this.s = s;
    }

    /** Parses a whole document: one value, optionally surrounded by JSON whitespace. */
    static Object parse(String text) throws IOException {
        Json p = new Json(text);
        p.skip();
        Object v = p.value(1);
        p.skip();
        if (p.i < text.length()) {
            throw p.error("unexpected " + describe(text.charAt(p.i)) + " after the end of the top-level value");
        }
        return v;
    }

    /** The JSON kind of a parsed value, for messages. */
    static String kind(Object v) {
        if (v instanceof Map) {
            return "an object";
        }
        if (v instanceof List) {
            return "an array";
        }
        if (v instanceof String) {
            return "a string";
        }
        if (v instanceof Num) {
            return "the number " + v;
        }
        if (v instanceof Boolean) {
            return "the boolean " + v;
        }
        return "null";
    }

    private IOException error(String problem) {
        return new IOException(problem + " at position " + i);
    }

    private static String describe(char c) {
        return c < 0x20 || c == 0x7f ? String.format("control character U+%04X", (int) c) : "character '" + c + "'";
    }

    private void skip() {
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            i++;
        }
    }

    private char peek(String expected) throws IOException {
        if (i >= s.length()) {
            throw error("unexpected end of the text, expected " + expected);
        }
        return s.charAt(i);
    }

    private void expect(char c) throws IOException {
        if (peek("'" + c + "'") != c) {
            throw error("expected '" + c + "' but found " + describe(s.charAt(i)));
        }
        i++;
    }

    private Object value(int depth) throws IOException {
        char c = peek("a value");
        if (c == '{' || c == '[') {
            // Recursion is bounded by MAX_DEPTH, so a header of many brackets fails here instead of overflowing the stack.
            if (depth > MAX_DEPTH) {
                throw error("nesting deeper than " + MAX_DEPTH + " levels");
            }
            return c == '{' ? object(depth) : array(depth);
        }
        if (c == '"') {
            return string();
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            return number();
        }
        if (s.startsWith("true", i)) {
            i += 4;
            return Boolean.TRUE;
        }
        if (s.startsWith("false", i)) {
            i += 5;
            return Boolean.FALSE;
        }
        if (s.startsWith("null", i)) {
            i += 4;
            return NULL;
        }
        throw error("unexpected " + describe(c) + ", expected a value");
    }

    private Map<String, Object> object(int depth) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        i++; // '{'
        skip();
        if (peek("a key or '}'") == '}') {
            i++;
            return m;
        }
        while (true) {
            skip();
            if (peek("a key") != '"') {
                throw error("expected a string key but found " + describe(s.charAt(i)));
            }
            int at = i;
            String k = string();
            if (m.containsKey(k)) {
                i = at;
                throw error("duplicate key " + quoted(k));
            }
            skip();
            expect(':');
            skip();
            m.put(k, value(depth + 1));
            skip();
            if (peek("',' or '}'") == ',') {
                i++;
                continue;
            }
            expect('}');
            return m;
        }
    }

    private List<Object> array(int depth) throws IOException {
        List<Object> l = new ArrayList<>();
        i++; // '['
        skip();
        if (peek("a value or ']'") == ']') {
            i++;
            return l;
        }
        while (true) {
            skip();
            l.add(value(depth + 1));
            skip();
            if (peek("',' or ']'") == ',') {
                i++;
                continue;
            }
            expect(']');
            return l;
        }
    }

    private String string() throws IOException {
        i++; // '"'
        StringBuilder b = new StringBuilder();
        while (true) {
            char c = peek("the closing '\"' of a string");
            if (c == '"') {
                i++;
                return b.toString();
            }
            if (c < 0x20) {
                throw error("unescaped " + describe(c) + " in a string");
            }
            if (c != '\\') {
                b.append(c);
                i++;
                continue;
            }
            i++;
            char e = peek("an escape after '\\'");
            i++;
            switch (e) {
                case '"': b.append('"'); break;
                case '\\': b.append('\\'); break;
                case '/': b.append('/'); break;
                case 'b': b.append('\b'); break;
                case 'f': b.append('\f'); break;
                case 'n': b.append('\n'); break;
                case 'r': b.append('\r'); break;
                case 't': b.append('\t'); break;
                case 'u': {
                    int start = i - 2;
                    char u = hex4();
                    if (Character.isHighSurrogate(u)) {
                        // A high surrogate must be followed at once by an escaped low one: together they are one code point.
                        if (!s.startsWith("\\u", i)) {
                            i = start;
                            throw error("unpaired surrogate escape \\u" + hex(u));
                        }
                        i += 2;
                        char low = hex4();
                        if (!Character.isLowSurrogate(low)) {
                            i = start;
                            throw error("unpaired surrogate escape \\u" + hex(u));
                        }
                        b.append(u).append(low);
                    } else if (Character.isLowSurrogate(u)) {
                        i = start;
                        throw error("unpaired surrogate escape \\u" + hex(u));
                    } else {
                        b.append(u);
                    }
                    break;
                }
                default:
                    i -= 2;
                    throw error("invalid escape '\\" + (e < 0x20 ? describe(e) : String.valueOf(e)) + "' in a string");
            }
        }
    }

    private static String hex(char c) {
        return String.format("%04x", (int) c);
    }

    private char hex4() throws IOException {
        int v = 0;
        for (int k = 0; k < 4; k++) {
            char c = peek("four hex digits after \\u");
            int d = Character.digit(c, 16);
            // Character.digit also accepts non-ASCII digits; JSON allows only [0-9a-fA-F].
            if (d < 0 || c > 'f') {
                throw error("invalid \\u escape: " + describe(c) + " is not a hex digit");
            }
            v = v * 16 + d;
            i++;
        }
        return (char) v;
    }

    private Num number() throws IOException {
        int start = i;
        if (s.charAt(i) == '-') {
            i++;
        }
        char c = peek("a digit");
        if (c == '0') {
            i++;
            if (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                throw error("number with a leading zero");
            }
        } else if (c >= '1' && c <= '9') {
            digits();
        } else {
            throw error("expected a digit but found " + describe(c));
        }
        boolean integral = true;
        if (i < s.length() && s.charAt(i) == '.') {
            integral = false;
            i++;
            requireDigit();
            digits();
        }
        if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            integral = false;
            i++;
            if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            requireDigit();
            digits();
        }
        String text = s.substring(start, i);
        return new Num(text, integral, integral ? longValue(text) : null);
    }

    /** The value of an integer literal, or null when it lies outside long range (exact arithmetic, no parsing exception). */
    private static Long longValue(String text) {
        boolean negative = text.charAt(0) == '-';
        long v = 0;
        try {
            for (int k = negative ? 1 : 0; k < text.length(); k++) {
                // Accumulate negatively so that Long.MIN_VALUE is representable.
                v = Math.subtractExact(Math.multiplyExact(v, 10), text.charAt(k) - '0');
            }
            return negative ? v : Math.negateExact(v);
        } catch (ArithmeticException e) {
            return null;
        }
    }

    private void requireDigit() throws IOException {
        char c = peek("a digit");
        if (c < '0' || c > '9') {
            throw error("expected a digit but found " + describe(c));
        }
    }

    private void digits() {
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
    }

    /** A string as a JSON literal, for messages. */
    static String quoted(String v) {
        StringBuilder b = new StringBuilder("\"");
        for (int k = 0; k < v.length(); k++) {
            char c = v.charAt(k);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\b': b.append("\\b"); break;
                case '\f': b.append("\\f"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        // serde_json's form (lowercase hex), so Ember writes headers byte-for-byte as the reference writer
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        return b.append('"').toString();
    }
}
