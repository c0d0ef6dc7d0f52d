package dev.ember.nn.utils;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON a checkpoint keeps its non-tensor state in (one string of the safetensors {@code __metadata__}): objects
 * (keys in order), arrays, strings, booleans, null, integers (read back as {@link Long}) and floating numbers (written
 * with Java's shortest round-trip digits, read back as {@link Double}, so every double survives exactly; {@code NaN},
 * {@code Infinity} and {@code -Infinity} written as Python's {@code json} writes them). The reader is strict RFC 8259
 * apart from those three literals, and refuses nesting deeper than 64 levels.
 */
final class MetadataJson {
    private static final int MAX_DEPTH = 64;

    private final String s;
    private int i;

    private MetadataJson(String s) {
        this.s = s;
    }

    // ------------------------------------------------------------------ writing

    /** The JSON text of a tree of maps, lists, strings, numbers, booleans and nulls. */
    static String write(Object value) {
        StringBuilder b = new StringBuilder();
        write(b, value, 0);
        return b.toString();
    }

    private static void write(StringBuilder b, Object v, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("the state is nested deeper than " + MAX_DEPTH + " levels");
        }
        if (v == null) {
            b.append("null");
        } else if (v instanceof Boolean) {
            b.append(v);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            b.append(((Number) v).longValue());
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d)) {
                b.append("NaN");
            } else if (Double.isInfinite(d)) {
                b.append(d > 0 ? "Infinity" : "-Infinity");
            } else {
                b.append(Double.toString(d));
            }
        } else if (v instanceof String) {
            quote(b, (String) v);
        } else if (v instanceof Map) {
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                Object k = e.getKey();
                if (!(k instanceof String || k instanceof Integer || k instanceof Long)) {
                    throw new IllegalArgumentException("a state key must be a string or an integer, got " + k);
                }
                b.append(first ? "" : ",");
                quote(b, k.toString());
                b.append(':');
                write(b, e.getValue(), depth + 1);
                first = false;
            }
            b.append('}');
        } else if (v instanceof List) {
            b.append('[');
            boolean first = true;
            for (Object o : (List<?>) v) {
                b.append(first ? "" : ",");
                write(b, o, depth + 1);
                first = false;
            }
            b.append(']');
        } else {
            throw new IllegalArgumentException("a checkpoint cannot hold a " + v.getClass().getSimpleName() + " in its state: "
                    + v);
        }
    }

    private static void quote(StringBuilder b, String v) {
        b.append('"');
        for (int k = 0; k < v.length(); k++) {
            char c = v.charAt(k);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                case '\b': b.append("\\b"); break;
                case '\f': b.append("\\f"); break;
                default:
                    if (c < 0x20 || Character.isSurrogate(c)) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        b.append('"');
    }

    // ------------------------------------------------------------------ reading

    /**
     * The tree a JSON text holds.
     *
     * @throws IllegalArgumentException for text that is not JSON (the message says what and where)
     */
    static Object read(String text) {
        MetadataJson j = new MetadataJson(text);
        Object v = j.value(0);
        j.skip();
        if (j.i != j.s.length()) {
            throw j.error("unexpected text after the value");
        }
        return v;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("the checkpoint's state is not valid JSON: " + what + " at position " + i);
    }

    private void skip() {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t' || s.charAt(i) == '\n' || s.charAt(i) == '\r')) {
            i++;
        }
    }

    private boolean literal(String word) {
        if (s.startsWith(word, i)) {
            i += word.length();
            return true;
        }
        return false;
    }

    private Object value(int depth) {
        if (depth > MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH + " levels");
        }
        skip();
        if (i >= s.length()) {
            throw error("unexpected end of the text");
        }
        char c = s.charAt(i);
        switch (c) {
            case '{': return object(depth);
            case '[': return array(depth);
            case '"': return string();
            default:
        }
        if (literal("true")) {
            return Boolean.TRUE;
        }
        if (literal("false")) {
            return Boolean.FALSE;
        }
        if (literal("null")) {
            return null;
        }
        if (literal("NaN")) {
            return Double.NaN;
        }
        if (literal("Infinity")) {
            return Double.POSITIVE_INFINITY;
        }
        if (literal("-Infinity")) {
            return Double.NEGATIVE_INFINITY;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            return number();
        }
        throw error("unexpected character '" + c + "'");
    }

    private Map<String, Object> object(int depth) {
        i++;
        Map<String, Object> m = new LinkedHashMap<>();
        skip();
        if (i < s.length() && s.charAt(i) == '}') {
            i++;
            return m;
        }
        while (true) {
            skip();
            if (i >= s.length() || s.charAt(i) != '"') {
                throw error("expected a string key");
            }
            String k = string();
            if (m.containsKey(k)) {
                throw error("duplicate key \"" + k + "\"");
            }
            skip();
            if (i >= s.length() || s.charAt(i) != ':') {
                throw error("expected ':'");
            }
            i++;
            m.put(k, value(depth + 1));
            skip();
            if (i < s.length() && s.charAt(i) == ',') {
                i++;
            } else if (i < s.length() && s.charAt(i) == '}') {
                i++;
                return m;
            } else {
                throw error("expected ',' or '}'");
            }
        }
    }

    private List<Object> array(int depth) {
        i++;
        List<Object> l = new ArrayList<>();
        skip();
        if (i < s.length() && s.charAt(i) == ']') {
            i++;
            return l;
        }
        while (true) {
            l.add(value(depth + 1));
            skip();
            if (i < s.length() && s.charAt(i) == ',') {
                i++;
            } else if (i < s.length() && s.charAt(i) == ']') {
                i++;
                return l;
            } else {
                throw error("expected ',' or ']'");
            }
        }
    }

    private String string() {
        i++;
        StringBuilder b = new StringBuilder();
        while (true) {
            if (i >= s.length()) {
                throw error("unterminated string");
            }
            char c = s.charAt(i++);
            if (c == '"') {
                return b.toString();
            }
            if (c < 0x20) {
                throw error("control character in a string");
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (i >= s.length()) {
                throw error("unterminated escape");
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
                case 'u':
                    if (i + 4 > s.length()) {
                        throw error("truncated \\u escape");
                    }
                    try {
                        b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                    } catch (NumberFormatException x) {
                        throw error("invalid \\u escape");
                    }
                    i += 4;
                    break;
                default:
                    throw error("invalid escape '\\" + e + "'");
            }
        }
    }

    private boolean digit(int at) {
        char c = s.charAt(at);
        return c >= '0' && c <= '9';
    }

    private Object number() {
        int start = i;
        if (s.charAt(i) == '-') {
            i++;
        }
        if (i >= s.length() || !digit(i)) {
            throw error("expected a digit");
        }
        if (s.charAt(i) == '0' && i + 1 < s.length() && digit(i + 1)) {
            throw error("leading zero");
        }
        while (i < s.length() && digit(i)) {
            i++;
        }
        boolean integral = true;
        if (i < s.length() && s.charAt(i) == '.') {
            integral = false;
            i++;
            if (i >= s.length() || !digit(i)) {
                throw error("expected a digit after '.'");
            }
            while (i < s.length() && digit(i)) {
                i++;
            }
        }
        if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            integral = false;
            i++;
            if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            if (i >= s.length() || !digit(i)) {
                throw error("expected a digit in the exponent");
            }
            while (i < s.length() && digit(i)) {
                i++;
            }
        }
        String text = s.substring(start, i);
        if (integral) {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException x) {
                return Double.parseDouble(text);
            }
        }
        return Double.parseDouble(text);
    }
}
