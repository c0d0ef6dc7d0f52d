package dev.ember.nn;

import java.io.IOException;

/**
 * A strict (RFC 8259), pull-style JSON reader for safetensors headers, and the quoting their writer uses.
 *
 * <p>The caller walks the document it expects ({@link #beginObject}, {@link #key}, {@link #string}, ...), so nothing
 * the schema does not ask for is ever built: a header of millions of numbers or brackets costs no memory beyond its
 * text, and there is no recursion for hostile nesting to exhaust. Whatever RFC 8259 forbids is an {@link IOException}
 * with the position (a character index into the text): control characters in strings, invalid escapes, unpaired
 * surrogate escapes, leading zeros or a leading '+', and anything but whitespace after the top-level value.
 */
final class Json {
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

    /** A violation of JSON's grammar (as opposed to a valid document that breaks a schema). */
    static final class SyntaxError extends IOException {
        private static final long serialVersionUID = 1L;

        SyntaxError(String message) {
            super(message);
        }
    }

    private final String s;
    private int i;

    Json(String text) {
        this.s = text;
    }

    /** The position of the next token (after whitespace). */
    int position() throws IOException {
        skip();
        return i;
    }

    /** A syntax error at a position. */
    SyntaxError error(String problem, int at) {
        return new SyntaxError(problem + " at position " + at);
    }

    private SyntaxError error(String problem) {
        return error(problem, i);
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

    /** The next non-whitespace character, not consumed. */
    private char peek(String expected) throws IOException {
        skip();
        if (i >= s.length()) {
            throw error("unexpected end of the text, expected " + expected);
        }
        return s.charAt(i);
    }

    /** Whether the next value is an object. */
    boolean atObject() throws IOException {
        return peek("a value") == '{';
    }

    /** Whether the next value is an array. */
    boolean atArray() throws IOException {
        return peek("a value") == '[';
    }

    /** Whether the next value is a number. */
    boolean atNumber() throws IOException {
        char c = peek("a value");
        return c == '-' || (c >= '0' && c <= '9');
    }

    /** Whether the next value is a string. */
    boolean atString() throws IOException {
        return peek("a value") == '"';
    }

    /**
     * What the next value is, for a message saying it is not what was expected: "an object", "an array", "a string",
     * "the number 1.5", "the boolean true" or "null". A token that is no JSON value at all is a syntax error instead,
     * so an invalid document is always reported as such.
     */
    String describeNext() throws IOException {
        char c = peek("a value");
        if (c == '{') {
            return "an object";
        }
        if (c == '[') {
            return "an array";
        }
        if (c == '"') {
            string(); // an unterminated or malformed string is reported as such
            return "a string";
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            return "the number " + number().text;
        }
        for (String literal : new String[] {"true", "false", "null"}) {
            if (s.startsWith(literal, i)) {
                return literal.equals("null") ? "null" : "the boolean " + literal;
            }
        }
        throw error("unexpected " + describe(c) + ", expected a value");
    }

    /** Reads '{'; returns false (having read the '}') when the object is empty. */
    boolean beginObject() throws IOException {
        expect('{');
        if (peek("a key or '}'") == '}') {
            i++;
            return false;
        }
        return true;
    }

    /** Reads a member's key and the ':' after it. */
    String key() throws IOException {
        if (peek("a key") != '"') {
            throw error("expected a string key but found " + describe(s.charAt(i)));
        }
        String k = string();
        expect(':');
        return k;
    }

    /** After a member's value: true (having read the ',') when another member follows, false (having read the '}') at the end. */
    boolean nextMember() throws IOException {
        return next('}');
    }

    /** Reads '['; returns false (having read the ']') when the array is empty. */
    boolean beginArray() throws IOException {
        expect('[');
        if (peek("a value or ']'") == ']') {
            i++;
            return false;
        }
        return true;
    }

    /** After an element: true (having read the ',') when another element follows, false (having read the ']') at the end. */
    boolean nextElement() throws IOException {
        return next(']');
    }

    private boolean next(char close) throws IOException {
        char c = peek("',' or '" + close + "'");
        if (c == ',') {
            i++;
            return true;
        }
        if (c == close) {
            i++;
            return false;
        }
        throw error("expected ',' or '" + close + "' but found " + describe(c));
    }

    /**
     * Reads one value of any kind, nested objects and arrays included, without recursion (a deeply nested value
     * costs one character of a stack per level), checking its syntax as the other readers do.
     */
    void skipValue() throws IOException {
        StringBuilder open = new StringBuilder(); // the closing character of each container being read
        do {
            char c = peek("a value");
            if (c == '{') {
                if (beginObject()) {
                    open.append('}');
                    key();
                    continue;
                }
            } else if (c == '[') {
                if (beginArray()) {
                    open.append(']');
                    continue;
                }
            } else if (c == '"') {
                string();
            } else if (c == '-' || (c >= '0' && c <= '9')) {
                number();
            } else {
                literal();
            }
            while (open.length() > 0) { // the value done: close what ends after it, or read the next member's key
                char close = open.charAt(open.length() - 1);
                if (next(close)) {
                    if (close == '}') {
                        key();
                    }
                    break;
                }
                open.setLength(open.length() - 1);
            }
        } while (open.length() > 0);
    }

    /** Reads {@code true}, {@code false} or {@code null}. */
    private void literal() throws IOException {
        for (String literal : new String[] {"true", "false", "null"}) {
            if (s.startsWith(literal, i)) {
                i += literal.length();
                return;
            }
        }
        throw error("unexpected " + describe(s.charAt(i)) + ", expected a value");
    }

    /** Requires that only whitespace follows the top-level value. */
    void end() throws IOException {
        skip();
        if (i < s.length()) {
            throw error("unexpected " + describe(s.charAt(i)) + " after the end of the top-level value");
        }
    }

    private void expect(char c) throws IOException {
        if (peek("'" + c + "'") != c) {
            throw error("expected '" + c + "' but found " + describe(s.charAt(i)));
        }
        i++;
    }

    /** Reads a string, decoding its escapes. */
    String string() throws IOException {
        expect('"');
        StringBuilder b = new StringBuilder();
        while (true) {
            if (i >= s.length()) {
                throw error("unexpected end of the text, expected the closing '\"' of a string");
            }
            char c = s.charAt(i);
            if (c == '"') {
                i++;
                return b.toString();
            }
            if (c < 0x20) {
                throw error("unescaped " + describe(c) + " in a string");
            }
            i++;
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (i >= s.length()) {
                throw error("unexpected end of the text, expected an escape after '\\'");
            }
            char e = s.charAt(i++);
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
                        char low = 0;
                        if (s.startsWith("\\u", i)) {
                            i += 2;
                            low = hex4();
                        }
                        if (!Character.isLowSurrogate(low)) {
                            throw error("unpaired surrogate escape \\u" + hex(u), start);
                        }
                        b.append(u).append(low);
                    } else if (Character.isLowSurrogate(u)) {
                        throw error("unpaired surrogate escape \\u" + hex(u), start);
                    } else {
                        b.append(u);
                    }
                    break;
                }
                default:
                    throw error("invalid escape '\\" + (e < 0x20 ? describe(e) : String.valueOf(e)) + "' in a string", i - 2);
            }
        }
    }

    private static String hex(char c) {
        return String.format("%04x", (int) c);
    }

    private char hex4() throws IOException {
        int v = 0;
        for (int k = 0; k < 4; k++) {
            if (i >= s.length()) {
                throw error("unexpected end of the text, expected four hex digits after \\u");
            }
            char c = s.charAt(i);
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

    /** Reads a number (any JSON number: whether it is an integer is the caller's question). */
    Num number() throws IOException {
        char c = peek("a number");
        if (c != '-' && (c < '0' || c > '9')) {
            throw error("expected a number but found " + describe(c));
        }
        int start = i;
        if (c == '-') {
            i++;
            requireDigit(); // no whitespace between the sign and the digits
            c = s.charAt(i);
        }
        if (c == '0') {
            i++;
            if (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                throw error("number with a leading zero");
            }
        } else {
            digits();
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
        if (i >= s.length()) {
            throw error("unexpected end of the text, expected a digit");
        }
        char c = s.charAt(i);
        if (c < '0' || c > '9') {
            throw error("expected a digit but found " + describe(c));
        }
    }

    private void digits() {
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
    }

    /**
     * Whether a string is valid Unicode: no unpaired surrogate, which UTF-8 encoding would silently replace with
     * {@code '?'} (a file would then hold another string than the one given).
     */
    static boolean validUnicode(String s) {
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            boolean paired = Character.isHighSurrogate(c) ? k + 1 < s.length() && Character.isLowSurrogate(s.charAt(++k))
                    : !Character.isLowSurrogate(c);
            if (!paired) {
                return false;
            }
        }
        return true;
    }

    /** A string as a JSON literal, as serde_json (the reference writer's JSON library) writes it. */
    static String quoted(String v) {
        return quoted(v, false);
    }

    /**
     * A string as a JSON literal: with {@code asciiOnly} as Python's {@code json.dumps} writes it by default
     * ({@code ensure_ascii}: every character from U+007F up escaped as four hex digits of each UTF-16 unit), else as
     * serde_json does (only the control characters escaped).
     */
    static String quoted(String v, boolean asciiOnly) {
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
                    if (c < 0x20 || asciiOnly && c > 0x7e) {
                        b.append(String.format("\\u%04x", (int) c)); // lowercase hex, as serde_json and Python
                    } else {
                        b.append(c);
                    }
            }
        }
        return b.append('"').toString();
    }
}
