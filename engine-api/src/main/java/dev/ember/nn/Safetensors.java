package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Tensor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads and writes the safetensors format (an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw little-endian data), so weights move between Ember and
 * PyTorch ({@code safetensors.torch.save_file / load_file}) in both directions. F32, F64, I64 and BOOL.
 */
public final class Safetensors {
    private Safetensors() {
    }

    private static String code(DType t) {
        switch (t) {
            case FLOAT32: return "F32";
            case FLOAT64: return "F64";
            case INT64: return "I64";
            default: return "BOOL";
        }
    }

    private static DType dtype(String code, String name) {
        switch (code) {
            case "F32": return DType.FLOAT32;
            case "F64": return DType.FLOAT64;
            case "I64": return DType.INT64;
            case "BOOL": return DType.BOOL;
            default: throw new IllegalArgumentException("tensor " + name + ": safetensors dtype " + code
                    + " is not supported (Ember reads F32, F64, I64 and BOOL)");
        }
    }

    /** Writes tensors (in name order, as the reference implementation does) to a file. */
    public static void save(Map<String, Tensor> tensors, Path file) throws IOException {
        Map<String, Tensor> sorted = new TreeMap<>(tensors);
        StringBuilder header = new StringBuilder("{");
        long offset = 0;
        List<byte[]> blobs = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : sorted.entrySet()) {
            Tensor t = e.getValue().detach().to(Device.CPU);
            byte[] data = bytes(t);
            blobs.add(data);
            if (header.length() > 1) {
                header.append(',');
            }
            header.append(quote(e.getKey())).append(":{\"dtype\":\"").append(code(t.dtype())).append("\",\"shape\":[");
            int[] s = t.shape();
            for (int i = 0; i < s.length; i++) {
                header.append(i > 0 ? "," : "").append(s[i]);
            }
            header.append("],\"data_offsets\":[").append(offset).append(',').append(offset + data.length).append("]}");
            offset += data.length;
        }
        header.append('}');
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        int pad = (8 - h.length % 8) % 8; // the format aligns the data; the header is padded with spaces
        byte[] padded = new byte[h.length + pad];
        System.arraycopy(h, 0, padded, 0, h.length);
        for (int i = h.length; i < padded.length; i++) {
            padded[i] = ' ';
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded.length).array());
            out.write(padded);
            for (byte[] b : blobs) {
                out.write(b);
            }
        }
    }

    private static byte[] bytes(Tensor t) {
        int n = (int) t.numel();
        ByteBuffer b = ByteBuffer.allocate(n * (t.dtype() == DType.BOOL ? 1 : t.dtype().itemSize())).order(ByteOrder.LITTLE_ENDIAN);
        switch (t.dtype()) {
            case FLOAT32: b.asFloatBuffer().put(t.toFloatArray()); break;
            case FLOAT64: b.asDoubleBuffer().put(t.toDoubleArray()); break;
            case INT64: b.asLongBuffer().put(t.toLongArray()); break;
            default:
                for (boolean v : t.toBooleanArray()) {
                    b.put((byte) (v ? 1 : 0));
                }
        }
        return b.array();
    }

    /** Reads every tensor of a file, on the CPU, in file order. */
    public static Map<String, Tensor> load(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        if (all.length < 8) {
            throw new IOException(file + ": too short for a safetensors file");
        }
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n < 2 || 8 + n > all.length) {
            throw new IOException(file + ": invalid safetensors header length " + n);
        }
        Object parsed = new Json(new String(all, 8, (int) n, StandardCharsets.UTF_8)).value();
        if (!(parsed instanceof Map)) {
            throw new IOException(file + ": the safetensors header is not a JSON object");
        }
        int base = 8 + (int) n;
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) parsed).entrySet()) {
            String name = (String) e.getKey();
            if (name.equals("__metadata__")) {
                continue;
            }
            Map<?, ?> info = (Map<?, ?>) e.getValue();
            DType t = dtype((String) info.get("dtype"), name);
            List<?> shapeList = (List<?>) info.get("shape");
            int[] shape = new int[shapeList.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = ((Number) shapeList.get(i)).intValue();
            }
            List<?> range = (List<?>) info.get("data_offsets");
            int begin = base + ((Number) range.get(0)).intValue();
            int end = base + ((Number) range.get(1)).intValue();
            int count = 1;
            for (int s : shape) {
                count *= s;
            }
            int size = t == DType.BOOL ? 1 : t.itemSize();
            if (end - begin != count * size || end > all.length) {
                throw new IOException(file + ": tensor " + name + " has " + (end - begin) + " bytes for shape "
                        + java.util.Arrays.toString(shape) + " of " + code(t));
            }
            ByteBuffer b = ByteBuffer.wrap(all, begin, end - begin).order(ByteOrder.LITTLE_ENDIAN);
            Object array;
            switch (t) {
                case FLOAT32: {
                    float[] a = new float[count];
                    b.asFloatBuffer().get(a);
                    array = a;
                    break;
                }
                case FLOAT64: {
                    double[] a = new double[count];
                    b.asDoubleBuffer().get(a);
                    array = a;
                    break;
                }
                case INT64: {
                    long[] a = new long[count];
                    b.asLongBuffer().get(a);
                    array = a;
                    break;
                }
                default: {
                    boolean[] a = new boolean[count];
                    for (int i = 0; i < count; i++) {
                        a[i] = b.get() != 0;
                    }
                    array = a;
                }
            }
            out.put(name, Tensor.tensor(array, t, Device.CPU).reshape(shape));
        }
        return out;
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    /** A minimal JSON reader: objects, arrays, strings, numbers, true, false, null. */
    private static final class Json {
        private final String s;
        private int i;

        Json(String s) {
            this.s = s;
        }

        Object value() throws IOException {
            skip();
            if (i >= s.length()) {
                throw new IOException("unexpected end of the safetensors header");
            }
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> m = new LinkedHashMap<>();
                i++;
                skip();
                if (s.charAt(i) == '}') {
                    i++;
                    return m;
                }
                while (true) {
                    skip();
                    String k = string();
                    skip();
                    expect(':');
                    m.put(k, value());
                    skip();
                    if (s.charAt(i) == ',') {
                        i++;
                        continue;
                    }
                    expect('}');
                    return m;
                }
            }
            if (c == '[') {
                List<Object> l = new ArrayList<>();
                i++;
                skip();
                if (s.charAt(i) == ']') {
                    i++;
                    return l;
                }
                while (true) {
                    l.add(value());
                    skip();
                    if (s.charAt(i) == ',') {
                        i++;
                        continue;
                    }
                    expect(']');
                    return l;
                }
            }
            if (c == '"') {
                return string();
            }
            int start = i;
            while (i < s.length() && "{}[],: \t\r\n".indexOf(s.charAt(i)) < 0) {
                i++;
            }
            String word = s.substring(start, i);
            switch (word) {
                case "true": return Boolean.TRUE;
                case "false": return Boolean.FALSE;
                case "null": return null;
                default:
                    try {
                        return Long.parseLong(word);
                    } catch (NumberFormatException e) {
                        return Double.parseDouble(word);
                    }
            }
        }

        private String string() throws IOException {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (s.charAt(i) != '"') {
                char c = s.charAt(i++);
                if (c == '\\') {
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n': b.append('\n'); break;
                        case 't': b.append('\t'); break;
                        case 'r': b.append('\r'); break;
                        case 'b': b.append('\b'); break;
                        case 'f': b.append('\f'); break;
                        case 'u': b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; break;
                        default: b.append(e);
                    }
                } else {
                    b.append(c);
                }
            }
            i++;
            return b.toString();
        }

        private void expect(char c) throws IOException {
            if (i >= s.length() || s.charAt(i) != c) {
                throw new IOException("malformed safetensors header: expected '" + c + "' at " + i);
            }
            i++;
        }

        private void skip() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }
    }
}
