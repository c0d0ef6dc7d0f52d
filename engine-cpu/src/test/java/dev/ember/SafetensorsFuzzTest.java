package dev.ember;

import dev.ember.nn.Safetensors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded, bounded fuzzing of {@link Safetensors#load}: valid files (written by Ember and by PyTorch) are mutated
 * (bit flips, byte overwrites, truncations, appended bytes, edits of the length field, of JSON numbers, shapes,
 * offsets and names, duplicated entries, whitespace, deep nesting) and every outcome must be either exactly what
 * the specification says the file holds or an IOException naming the file; anything else fails with the seed and
 * iteration. What the file holds is decided by an independent model of the specification below (regular
 * expressions over the header and exact BigInteger arithmetic), not by the reader under test.
 */
class SafetensorsFuzzTest {
    /** Fixed for CI; {@code -Dember.fuzz.seed=N -Dember.fuzz.iterations=M} explores further. */
    private static final long SEED = Long.getLong("ember.fuzz.seed", 0x5AFE_7E25L);
    private static final int ITERATIONS = Integer.getInteger("ember.fuzz.iterations", 10000);

    @TempDir
    Path dir;

    // ------------------------------------------------------------------ the model of the specification

    /** One tensor as the specification says the file holds it. */
    private static final class Expected {
        final DType dtype;
        final int[] shape;
        final byte[] data;

        Expected(DType dtype, int[] shape, byte[] data) {
            this.dtype = dtype;
            this.shape = shape;
            this.data = data;
        }
    }

    private static final String WS = "[ \\t\\n\\r]*";
    private static final String STR = "\"((?:[^\"\\\\\\x00-\\x1f]|\\\\[\"\\\\/bfnrt]|\\\\u[0-9a-fA-F]{4})*+)\"";
    private static final String INT = "(-?(?:0|[1-9][0-9]*+))";
    private static final Pattern TENSOR = Pattern.compile(STR + WS + ":" + WS + "\\{" + WS + "\"dtype\"" + WS + ":" + WS + STR
            + WS + "," + WS + "\"shape\"" + WS + ":" + WS + "\\[" + WS + "((?:-?[0-9]++(?:" + WS + "," + WS + "-?[0-9]++)*+)?)" + WS + "\\]"
            + WS + "," + WS + "\"data_offsets\"" + WS + ":" + WS + "\\[" + WS + INT + WS + "," + WS + INT + WS + "\\]" + WS + "\\}");
    private static final Pattern METADATA = Pattern.compile("\"__metadata__\"" + WS + ":" + WS + "\\{" + WS
            + "((?:" + STR + WS + ":" + WS + STR + "(?:" + WS + "," + WS + STR + WS + ":" + WS + STR + ")*+)?)" + WS + "\\}");
    private static final Pattern PAIR = Pattern.compile(STR + WS + ":" + WS + STR);
    private static final Pattern OPEN = Pattern.compile("\\{" + WS);
    private static final Pattern COMMA = Pattern.compile(WS + "," + WS);
    private static final Pattern CLOSE = Pattern.compile(WS + "\\}" + WS + "$");
    private static final Pattern JSON_INT = Pattern.compile("-?(?:0|[1-9][0-9]*)");

    /** A JSON string body's value, or null for an unpaired surrogate escape (which strict JSON readers reject). */
    private static String unescape(String body) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char e = body.charAt(++i);
            if (e == 'u') {
                b.append((char) Integer.parseInt(body.substring(i + 1, i + 5), 16));
                i += 4;
            } else {
                b.append("\"\\/\b\f\n\r\t".charAt("\"\\/bfnrt".indexOf(e)));
            }
        }
        String s = b.toString();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return null;
            }
        }
        return s;
    }

    /** What the file holds under the specification, in header order, or null when it is not a valid safetensors file. */
    static Map<String, Expected> model(byte[] file) {
        if (file.length < 8) {
            return null;
        }
        BigInteger n = new BigInteger(1, reverse(Arrays.copyOf(file, 8)));
        if (n.compareTo(BigInteger.valueOf(file.length - 8)) > 0 || n.compareTo(BigInteger.valueOf(100_000_000)) > 0) {
            return null;
        }
        int start = 8 + n.intValue();
        String h;
        try {
            h = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(file, 8, n.intValue())).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        BigInteger buffer = BigInteger.valueOf(file.length - start);
        Map<String, Expected> out = new LinkedHashMap<>();
        Map<String, BigInteger[]> ranges = new LinkedHashMap<>();
        Set<String> keys = new HashSet<>();
        Matcher m = OPEN.matcher(h);
        if (!m.lookingAt()) {
            return null;
        }
        int at = m.end();
        boolean first = true;
        while (true) {
            Matcher close = CLOSE.matcher(h).region(at, h.length());
            if (close.lookingAt()) {
                break;
            }
            if (!first) {
                Matcher comma = COMMA.matcher(h).region(at, h.length());
                if (!comma.lookingAt()) {
                    return null;
                }
                at = comma.end();
            }
            first = false;
            Matcher meta = METADATA.matcher(h).region(at, h.length());
            Matcher tensor = TENSOR.matcher(h).region(at, h.length());
            if (meta.lookingAt()) {
                if (!keys.add("__metadata__")) {
                    return null;
                }
                Set<String> metaKeys = new HashSet<>();
                Matcher pair = PAIR.matcher(meta.group(1));
                while (pair.find()) {
                    String k = unescape(pair.group(1));
                    if (k == null || unescape(pair.group(2)) == null || !metaKeys.add(k)) {
                        return null;
                    }
                }
                at = meta.end();
                continue;
            }
            if (!tensor.lookingAt()) {
                return null;
            }
            at = tensor.end();
            String name = unescape(tensor.group(1));
            String dtype = unescape(tensor.group(2));
            if (name == null || dtype == null || name.equals("__metadata__") || !keys.add(name)) {
                return null;
            }
            DType t = Map.of("F32", DType.FLOAT32, "F64", DType.FLOAT64, "I64", DType.INT64, "I32", DType.INT32, "I16",
                    DType.INT16, "I8", DType.INT8, "U8", DType.UINT8, "BOOL", DType.BOOL, "F16", DType.FLOAT16, "BF16",
                    DType.BFLOAT16).get(dtype);
            if (t == null) {
                return null;
            }
            String dims = tensor.group(3).replaceAll(WS, "");
            List<Integer> shape = new ArrayList<>();
            BigInteger numel = BigInteger.ONE;
            for (String d : dims.isEmpty() ? new String[0] : dims.split(",")) {
                if (!JSON_INT.matcher(d).matches() || d.startsWith("-")) {
                    return null;
                }
                BigInteger v = new BigInteger(d);
                if (v.compareTo(BigInteger.valueOf(Integer.MAX_VALUE)) > 0) {
                    return null;
                }
                shape.add(v.intValue());
                numel = numel.multiply(v);
            }
            if (tensor.group(4).startsWith("-") || tensor.group(5).startsWith("-")) {
                return null;
            }
            BigInteger begin = new BigInteger(tensor.group(4));
            BigInteger end = new BigInteger(tensor.group(5));
            BigInteger bytes = numel.multiply(BigInteger.valueOf(t.itemSize()));
            if (end.compareTo(begin) < 0 || end.compareTo(buffer) > 0 || !end.subtract(begin).equals(bytes)) {
                return null;
            }
            ranges.put(name, new BigInteger[] {begin, end});
            out.put(name, new Expected(t, shape.stream().mapToInt(Integer::intValue).toArray(),
                    Arrays.copyOfRange(file, start + begin.intValue(), start + end.intValue())));
        }
        // the byte ranges must tile the buffer: sorted, each begins where the previous one ends, the last ends at its end
        List<BigInteger[]> sorted = new ArrayList<>(ranges.values());
        sorted.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
        BigInteger covered = BigInteger.ZERO;
        for (BigInteger[] r : sorted) {
            if (!r[0].equals(covered)) {
                return null;
            }
            covered = r[1];
        }
        return covered.equals(buffer) ? out : null;
    }

    private static byte[] reverse(byte[] b) {
        for (int i = 0; i < b.length / 2; i++) {
            byte t = b[i];
            b[i] = b[b.length - 1 - i];
            b[b.length - 1 - i] = t;
        }
        return b;
    }

    /** The tensor's elements as little-endian bytes, as the file stores them (BOOL as 0/1: nonzero bytes read as true). */
    private static byte[] bytes(Tensor t) {
        ByteBuffer b = ByteBuffer.allocate((int) t.numel() * t.dtype().itemSize())
                .order(ByteOrder.LITTLE_ENDIAN);
        switch (t.dtype()) {
            case FLOAT32: for (float v : t.toFloatArray()) { b.putInt(Float.floatToRawIntBits(v)); } break;
            case FLOAT64: for (double v : t.toDoubleArray()) { b.putLong(Double.doubleToRawLongBits(v)); } break;
            case INT64: for (long v : t.toLongArray()) { b.putLong(v); } break;
            case INT32: for (int v : t.toIntArray()) { b.putInt(v); } break;
            case INT16: for (short v : t.toShortArray()) { b.putShort(v); } break;
            case FLOAT16:
            case BFLOAT16:
                for (short v : t.toHalfBits()) { b.putShort(v); }
                break;
            case INT8:
            case UINT8:
                b.put(t.toByteArray());
                break;
            default: for (boolean v : t.toBooleanArray()) { b.put((byte) (v ? 1 : 0)); }
        }
        return b.array();
    }

    private static void assertHolds(Map<String, Expected> expected, Map<String, Tensor> got, String where) {
        assertEquals(new ArrayList<>(expected.keySet()), new ArrayList<>(got.keySet()), where);
        for (Map.Entry<String, Expected> e : expected.entrySet()) {
            Tensor t = got.get(e.getKey());
            Expected x = e.getValue();
            assertEquals(x.dtype, t.dtype(), where);
            assertArrayEquals(x.shape, t.shape(), where);
            byte[] want = x.data.clone();
            if (x.dtype == DType.BOOL) {
                for (int i = 0; i < want.length; i++) {
                    want[i] = (byte) (want[i] != 0 ? 1 : 0);
                }
            }
            assertArrayEquals(want, bytes(t), where + " tensor " + e.getKey());
        }
    }

    // ------------------------------------------------------------------ mutations

    // possessive quantifiers: Java's regex engine recurses per repetition of a group, and a mutated header may be long
    private static final Pattern ENTRY = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*+)\"\\s*:\\s*\\{\\s*\"dtype\"\\s*:\\s*\"\\w+\"\\s*,\\s*"
            + "\"shape\"\\s*:\\s*(\\[[^\\]]*+\\])\\s*,\\s*\"data_offsets\"\\s*:\\s*(\\[\\s*\\d+\\s*,\\s*\\d+\\s*\\])\\s*\\}");
    private static final Pattern NUMBER = Pattern.compile("-?\\d+");
    private static final String[] NUMBERS = {"0", "1", "-1", "2", "3", "4", "8", "16", "24", "-0", "01", "+1", "1.0", "1e3", "2147483647",
        "2147483648", "4294967296", "9223372036854775807", "9223372036854775808", "18446744073709551615", "18446744073709551616",
        "99999999999999999999999"};

    private static byte[] withLength(long n, byte[] header, byte[] rest) {
        return ByteBuffer.allocate(8 + header.length + rest.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(n).put(header).put(rest).array();
    }

    /** One random mutation of a file; describes itself into {@code log}. */
    private static byte[] mutate(byte[] f, Random r, StringBuilder log) {
        int n = f.length >= 8 ? (int) Math.min(Math.max(0, ByteBuffer.wrap(f, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong()), f.length - 8) : 0;
        int op = r.nextInt(15);
        if (op <= 7 && f.length >= 8) {
            // byte-level mutations
            byte[] g = f.clone();
            switch (op) {
                case 0: case 1: { // bit flips, mostly in the length field and the header
                    int k = 1 + r.nextInt(3);
                    for (int j = 0; j < k; j++) {
                        int p = r.nextInt(4) == 0 ? r.nextInt(g.length) : r.nextInt(Math.min(g.length, 8 + n + 1));
                        p = Math.min(p, g.length - 1);
                        g[p] ^= (byte) (1 << r.nextInt(8));
                        log.append(" flip@").append(p);
                    }
                    return g;
                }
                case 2: { // byte overwrite with a random or a JSON-significant byte
                    int p = r.nextInt(Math.min(g.length, 8 + n + 1));
                    p = Math.min(p, g.length - 1);
                    String special = "{}[]\":,-.0123456789eE+ \t\n\\u\u0000";
                    g[p] = r.nextBoolean() ? (byte) r.nextInt(256) : (byte) special.charAt(r.nextInt(special.length()));
                    log.append(" set@").append(p).append('=').append(g[p]);
                    return g;
                }
                case 3: { // truncation
                    int len = r.nextInt(g.length);
                    log.append(" truncate@").append(len);
                    return Arrays.copyOf(g, len);
                }
                case 4: { // appended bytes
                    byte[] tail = new byte[1 + r.nextInt(16)];
                    int kind = r.nextInt(3);
                    for (int i = 0; i < tail.length; i++) {
                        tail[i] = kind == 0 ? 0 : kind == 1 ? (byte) ' ' : (byte) r.nextInt(256);
                    }
                    log.append(" append").append(tail.length);
                    return concat(g, tail);
                }
                case 5: case 6: { // the length field
                    long[] choices = {n - 1, n + 1, n - 8, n + 8, n - r.nextInt(16), n + r.nextInt(16), 0, 1, 2, f.length - 8, f.length,
                        1L << 32, -1, Long.MIN_VALUE, Long.MAX_VALUE, -8, 100_000_001, r.nextLong()};
                    long v = choices[r.nextInt(choices.length)];
                    ByteBuffer.wrap(g, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
                    log.append(" length=").append(v);
                    return g;
                }
                default: { // a data byte (always keeps the file valid)
                    if (g.length == 8 + n) {
                        return g;
                    }
                    int p = 8 + n + r.nextInt(g.length - 8 - n);
                    g[p] = (byte) r.nextInt(256);
                    log.append(" data@").append(p);
                    return g;
                }
            }
        }
        if (f.length < 8 + n || n == 0) {
            return f;
        }
        // header-level mutations, on the header as ISO-8859-1 text so that byte positions are kept
        String h = new String(f, 8, n, StandardCharsets.ISO_8859_1);
        byte[] rest = Arrays.copyOfRange(f, 8 + n, f.length);
        List<int[]> entries = new ArrayList<>(); // name, shape, offsets spans and the whole entry
        Matcher m = ENTRY.matcher(h);
        while (m.find()) {
            entries.add(new int[] {m.start(1), m.end(1), m.start(2), m.end(2), m.start(3), m.end(3), m.start(), m.end()});
        }
        String g = h;
        switch (op) {
            case 8: { // a JSON number
                List<int[]> nums = new ArrayList<>();
                Matcher k = NUMBER.matcher(h);
                while (k.find()) {
                    nums.add(new int[] {k.start(), k.end()});
                }
                if (nums.isEmpty()) {
                    return f;
                }
                int[] s = nums.get(r.nextInt(nums.size()));
                long old = Long.parseLong(h.substring(s[0], Math.min(s[1], s[0] + 18)));
                String v = r.nextBoolean() ? NUMBERS[r.nextInt(NUMBERS.length)] : String.valueOf(old + r.nextInt(17) - 8);
                g = h.substring(0, s[0]) + v + h.substring(s[1]);
                log.append(" number@").append(s[0]).append('=').append(v);
                break;
            }
            case 9: { // a shape with the same element count, or a different one
                if (entries.isEmpty()) {
                    return f;
                }
                int[] e = entries.get(r.nextInt(entries.size()));
                String shape = h.substring(e[2], e[3]);
                long numel = 1;
                for (Matcher k = NUMBER.matcher(shape); k.find(); ) {
                    if (k.group().length() > 6 || k.group().startsWith("-")) { // an earlier mutation's: leave this shape alone
                        return f;
                    }
                    numel *= Long.parseLong(k.group());
                }
                StringBuilder s = new StringBuilder("[");
                long left = r.nextInt(5) == 0 ? numel + 1 : numel;
                int dims = r.nextInt(4);
                for (int d = 0; d < dims; d++) {
                    long f0 = left == 0 ? r.nextInt(3) : divisor(left, r);
                    s.append(f0).append(',');
                    left = f0 == 0 ? 0 : left / f0;
                }
                s.append(left).append(']');
                if (r.nextInt(4) == 0 && numel == 1) {
                    s = new StringBuilder("[]");
                }
                g = h.substring(0, e[2]) + s + h.substring(e[3]);
                log.append(" shape=").append(s);
                break;
            }
            case 10: { // two tensors exchange their byte ranges
                if (entries.size() < 2) {
                    return f;
                }
                int[] a = entries.get(r.nextInt(entries.size()));
                int[] b = entries.get(r.nextInt(entries.size()));
                if (a == b) {
                    return f;
                }
                int[] lo = a[4] < b[4] ? a : b;
                int[] hi = a[4] < b[4] ? b : a;
                g = h.substring(0, lo[4]) + h.substring(hi[4], hi[5]) + h.substring(lo[5], hi[4]) + h.substring(lo[4], lo[5]) + h.substring(hi[5]);
                log.append(" swap-offsets");
                break;
            }
            case 11: { // a new name, perhaps another tensor's
                if (entries.isEmpty()) {
                    return f;
                }
                int[] e = entries.get(r.nextInt(entries.size()));
                int[] o = entries.get(r.nextInt(entries.size()));
                String[] names = {"x", "__metadata__", "\\u0078", "\\ud83d\\ude00", "\\ud83d", "a\\\"b", h.substring(o[0], o[1])};
                String name = names[r.nextInt(names.length)];
                g = h.substring(0, e[0]) + name + h.substring(e[1]);
                log.append(" name=").append(name);
                break;
            }
            case 12: { // an entry duplicated at the front, a field duplicated, or two entries trading places (still valid)
                if (entries.isEmpty()) {
                    return f;
                }
                int[] a = entries.get(r.nextInt(entries.size()));
                int[] b = entries.get(r.nextInt(entries.size()));
                int how = r.nextInt(3);
                if (how == 0) {
                    int brace = h.indexOf('{');
                    g = h.substring(0, brace + 1) + h.substring(a[6], a[7]) + "," + h.substring(brace + 1);
                    log.append(" duplicate");
                } else if (how == 1) { // a field given twice within one entry
                    int brace = h.indexOf('{', a[1]);
                    String[] fields = {"\"dtype\":\"F32\",", "\"shape\":[1],", "\"data_offsets\":[0,4],"};
                    g = h.substring(0, brace + 1) + fields[r.nextInt(3)] + h.substring(brace + 1);
                    log.append(" duplicate-field");
                } else {
                    int[] lo = a[6] <= b[6] ? a : b;
                    int[] hi = a[6] <= b[6] ? b : a;
                    g = lo == hi ? h : h.substring(0, lo[6]) + h.substring(hi[6], hi[7]) + h.substring(lo[7], hi[6])
                            + h.substring(lo[6], lo[7]) + h.substring(hi[7]);
                    log.append(" reorder");
                }
                break;
            }
            case 13: { // a byte range moved as a whole, perhaps with bytes added to the buffer: holes and overlaps
                if (entries.isEmpty()) {
                    return f;
                }
                int[] e = entries.get(r.nextInt(entries.size()));
                Matcher k = NUMBER.matcher(h.substring(e[4], e[5]));
                k.find();
                String b0 = k.group();
                k.find();
                String e0 = k.group();
                if (b0.length() > 15 || e0.length() > 15) { // an earlier mutation's huge number: leave this range alone
                    return f;
                }
                long begin = Long.parseLong(b0);
                long end = Long.parseLong(e0);
                long delta = r.nextInt(4) == 0 ? r.nextInt(200) - 100 : (r.nextInt(3) - 1) * (1L << r.nextInt(5));
                g = h.substring(0, e[4]) + "[" + (begin + delta) + "," + (end + delta) + "]" + h.substring(e[5]);
                if (r.nextBoolean()) { // the buffer grows or shrinks by as much, so only the move itself is wrong
                    rest = delta > 0 ? concat(rest, new byte[(int) delta]) : Arrays.copyOf(rest, (int) Math.max(0, rest.length + delta));
                }
                log.append(" shift").append(delta);
                break;
            }
            default: { // whitespace (JSON or not) or deep nesting
                if (r.nextBoolean()) {
                    String[] ws = {" ", "\t", "\n", "\r", "\u000b", "\u00c2\u00a0", "\u000c"};
                    String w = ws[r.nextInt(ws.length)];
                    int p = r.nextInt(h.length() + 1);
                    g = h.substring(0, p) + w + h.substring(p);
                    log.append(" ws@").append(p);
                } else {
                    if (entries.isEmpty()) {
                        return f;
                    }
                    int[] e = entries.get(r.nextInt(entries.size()));
                    int depth = new int[] {2, 63, 64, 65, 3000, 100_000}[r.nextInt(6)];
                    g = h.substring(0, e[2]) + "[".repeat(depth) + "]".repeat(depth) + h.substring(e[3]);
                    log.append(" nest").append(depth);
                }
            }
        }
        byte[] header = g.getBytes(StandardCharsets.ISO_8859_1);
        // mostly keep the length field consistent, so the edit itself is what the reader meets
        long len = r.nextInt(5) == 0 ? n : header.length;
        return withLength(len, header, rest);
    }

    private static long divisor(long v, Random r) {
        List<Long> ds = new ArrayList<>();
        for (long d = 1; d <= v && d <= 64; d++) {
            if (v % d == 0) {
                ds.add(d);
            }
        }
        return ds.get(r.nextInt(ds.size()));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    // ------------------------------------------------------------------ the test

    private static byte[] resource(String name) throws IOException, URISyntaxException {
        return Files.readAllBytes(Path.of(SafetensorsFuzzTest.class.getResource("/safetensors/" + name).toURI()));
    }

    private byte[] emberFile() throws IOException {
        Generator g = new Generator(7);
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("w", Tensor.randn(g, DType.FLOAT32, 2, 3));
        t.put("d", Tensor.randn(g, DType.FLOAT64, 3));
        t.put("i", Tensor.tensor(new long[] {1, -2, Long.MAX_VALUE}));
        t.put("b", Tensor.tensor(new boolean[] {true, false, true, true}));
        t.put("i32", Tensor.tensor(new int[] {7, Integer.MIN_VALUE, -1}));
        t.put("i16", Tensor.tensor(new short[][] {{Short.MAX_VALUE, -2}, {3, 0}}));
        t.put("i8", Tensor.tensor(new byte[] {-128, 5, 127}));
        t.put("u8", Tensor.tensor(new byte[] {(byte) 255, 0, 17, (byte) 128, 9}, DType.UINT8));
        t.put("f16", Tensor.fromHalfBits(new short[] {0x3C00, (short) 0xFC00, 0x7E00, 0x0001, 0x7BFF}, DType.FLOAT16, 5));
        t.put("bf16", Tensor.fromHalfBits(new short[] {0x3F80, (short) 0xC2F7, 0x7FC0}, DType.BFLOAT16, 3));
        t.put("s", Tensor.scalar(2.5));
        t.put("e", Tensor.zeros(0, 2));
        t.put("q\"\u00e9\n", Tensor.ones(DType.FLOAT64, 1, 2));
        Path f = dir.resolve("ember.safetensors");
        Safetensors.save(t, f);
        return Files.readAllBytes(f);
    }

    @Test
    void mutatedFilesLoadCorrectlyOrFailWithAnIOException() throws Exception {
        List<byte[]> bases = List.of(emberFile(), resource("model.safetensors"), resource("io.safetensors"),
                resource("edge.safetensors"), resource("reference_layout.safetensors"));
        for (byte[] b : bases) {
            assertNotNull(model(b), "the model accepts every valid base file");
            assertHolds(model(b), Safetensors.load(write(b)), "base file");
        }
        Random r = new Random(SEED);
        int loaded = 0;
        int rejected = 0;
        for (int it = 0; it < ITERATIONS; it++) {
            byte[] f = bases.get(r.nextInt(bases.size()));
            StringBuilder log = new StringBuilder();
            int k = 1 + (r.nextInt(4) == 0 ? 1 : 0);
            for (int j = 0; j < k; j++) {
                f = mutate(f, r, log);
            }
            String where = "seed " + SEED + ", iteration " + it + ":" + log;
            Map<String, Expected> expected = model(f);
            Path p = write(f);
            // the same bytes in memory (safetensors.torch.load): the same tensors, or the same error naming the bytes
            String fromBytes;
            try {
                Map<String, Tensor> got = Safetensors.loadBytes(f);
                if (expected == null) {
                    fail(where + ": loaded bytes that break the specification: " + got.keySet());
                }
                assertHolds(expected, got, where + " (bytes)");
                fromBytes = null;
            } catch (IOException e) {
                assertTrue(e.getMessage().startsWith("the safetensors bytes: "), where + ": " + e.getMessage());
                fromBytes = e.getMessage().substring("the safetensors bytes: ".length());
            } catch (Throwable t) {
                throw new AssertionError(where + " (bytes): " + t, t);
            }
            try {
                Map<String, Tensor> got = Safetensors.load(p);
                if (expected == null) {
                    fail(where + ": loaded a file that breaks the specification: " + got.keySet() + "\n"
                            + new String(f, StandardCharsets.ISO_8859_1));
                }
                assertHolds(expected, got, where);
                loaded++;
            } catch (IOException e) {
                if (expected != null) {
                    fail(where + ": rejected a valid file: " + e.getMessage() + "\n" + new String(f, StandardCharsets.ISO_8859_1));
                }
                assertTrue(e.getMessage().startsWith(p + ": "), where + ": the message names the file: " + e.getMessage());
                assertEquals(e.getMessage().substring((p + ": ").length()), fromBytes, where + ": the bytes' error");
                rejected++;
            } catch (Throwable t) {
                throw new AssertionError(where + ": " + t, t);
            }
        }
        // the mutations must exercise both outcomes, or the fuzzing proves little
        assertTrue(loaded > ITERATIONS / 10 && rejected > ITERATIONS / 2, "loaded " + loaded + ", rejected " + rejected);
    }

    private FuzzFile file;

    @BeforeEach
    void open() throws IOException {
        file = new FuzzFile(dir.resolve("fuzz.safetensors"));
    }

    @AfterEach
    void close() throws IOException {
        file.close();
    }

    private Path write(byte[] bytes) throws IOException {
        return file.write(bytes);
    }
}
