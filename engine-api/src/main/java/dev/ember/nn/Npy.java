package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Tensor;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * NumPy's array files: {@code .npy} ({@code np.save} / {@code np.load}) and {@code .npz} archives ({@code np.savez},
 * {@code np.savez_compressed}), so arrays made in Python reach a Java program as tensors:
 * {@code Tensor x = Npy.load(Path.of("features.npy"))} is {@code torch.from_numpy(np.load("features.npy"))}.
 *
 * <p>Every plain dtype NumPy and Ember share is read and written: float16/32/64, int8/16/32/64, uint8/16/32/64, bool,
 * complex64/128, in either byte order, C or Fortran order (a Fortran-ordered array comes back with the strides
 * {@code torch.from_numpy} gives it), header versions 1.0, 2.0 and 3.0. Refused, each with an {@link IOException}
 * naming the file and the problem in NumPy's words where NumPy has them: object arrays (NumPy too, without
 * {@code allow_pickle=True}), structured and other dtypes Ember has no type for.
 *
 * <p>Nothing in a file is trusted: the header's length, its Python-literal dictionary (parsed, never evaluated), each
 * dimension (an {@code int}) and their product (exact {@code long} arithmetic) are checked, and the data's size against
 * the bytes the file (or the archive's member) has, before anything is allocated for it. An archive's member sizes are
 * checked against the archive's size (a deflated member may claim at most the ratio DEFLATE can reach).
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** DEFLATE's largest ratio of output to input (about 1032:1), with room for a small member's headers. */
    private static final long DEFLATE_RATIO = 1032;

    private Npy() {
    }

    /** A header's contents: the element type, its byte order, the order of the data, the shape. */
    private record Header(DType dtype, ByteOrder order, boolean fortran, int[] shape, long numel, long dataOffset) {
    }

    /**
     * Reads a {@code .npy} file, as {@code torch.from_numpy(np.load(file))}: a CPU tensor of the array's dtype and
     * shape (a Fortran-ordered array as a view with column-major strides). Bytes after the data are ignored, as NumPy
     * ignores them.
     *
     * @param file the file
     * @return the tensor
     * @throws IOException              if the file cannot be read or is not an array Ember can hold (the message names
     *                                  the file and the problem)
     * @throws IllegalArgumentException if {@code file} is null
     */
    public static Tensor load(Path file) throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("file must not be null");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(ch::read, ch.size(), file.toString());
        }
    }

    /**
     * Reads a {@code .npz} archive ({@code np.savez}, stored, or {@code np.savez_compressed}, deflated), as
     * {@code dict(np.load(file))} with each array through {@code torch.from_numpy}: the arrays by name (the member's
     * name without {@code .npy}; {@code arr_0}, {@code arr_1}... for positional ones), in the archive's order.
     *
     * @param file the file
     * @return the arrays by name
     * @throws IOException              if the file cannot be read, is not a zip archive of {@code .npy} members, or a
     *                                  member is not an array Ember can hold
     * @throws IllegalArgumentException if {@code file} is null
     */
    public static Map<String, Tensor> loadNpz(Path file) throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("file must not be null");
        }
        long size = Files.size(file);
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                String name = e.getName();
                if (e.isDirectory() || !name.endsWith(".npy")) {
                    throw new IOException(file + ": member " + name + " is not a .npy array (np.savez writes only those)");
                }
                String source = file + " (" + name + ")";
                long n = e.getSize();
                long packed = e.getCompressedSize();
                if (n < 0 || packed < 0 || packed > size) {
                    throw new IOException(source + ": the member's sizes are missing or larger than the archive");
                }
                if (n > TensorBytes.MAX_ELEMENTS || e.getMethod() == ZipEntry.STORED && n != packed
                        || e.getMethod() == ZipEntry.DEFLATED && n > Math.multiplyExact(packed, DEFLATE_RATIO) + 1024) {
                    throw new IOException(source + ": the member claims " + n + " bytes from " + packed + " in the archive, "
                            + "more than it can hold");
                }
                byte[] bytes = new byte[(int) n];
                try (InputStream in = zip.getInputStream(e)) {
                    int got = in.readNBytes(bytes, 0, bytes.length);
                    if (got != n || in.read() != -1) {
                        throw new IOException(source + ": the member holds other than the " + n + " bytes its header says");
                    }
                }
                String key = name.substring(0, name.length() - 4);
                if (out.containsKey(key)) {
                    throw new IOException(file + ": two members are named " + name);
                }
                out.put(key, read(TensorBytes.of(bytes), n, source));
            }
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(file.toString())) {
                throw e;
            }
            // the JDK's zip reader's own refusal (a malformed directory, a corrupt deflate stream, a CRC mismatch)
            throw new IOException(file + ": not a valid .npz (zip) archive: " + e, e);
        }
        return out;
    }

    private static Tensor read(TensorBytes.Source source, long size, String file) throws IOException {
        Header h = header(source, size, file);
        long bytes = h.numel * h.dtype.itemSize();
        if (bytes > size - h.dataOffset) {
            throw new IOException(file + ": EOF: reading array data, expected " + bytes + " bytes got "
                    + Math.max(0, size - h.dataOffset));
        }
        Object array = TensorBytes.read(source, h.dataOffset, h.dtype, (int) h.numel, h.order, null, file);
        int rank = h.shape.length;
        if (!h.fortran || rank < 2) {
            return TensorBytes.tensor(array, h.dtype, h.shape);
        }
        // column-major: the data are the reversed shape in row-major order, seen through the reversed dims
        int[] reversed = new int[rank];
        int[] dims = new int[rank];
        for (int d = 0; d < rank; d++) {
            reversed[d] = h.shape[rank - 1 - d];
            dims[d] = rank - 1 - d;
        }
        return TensorBytes.tensor(array, h.dtype, reversed).permute(dims);
    }

    private static Header header(TensorBytes.Source source, long size, String file) throws IOException {
        ByteBuffer head = ByteBuffer.allocate((int) Math.min(size, 12)).order(ByteOrder.LITTLE_ENDIAN);
        TensorBytes.readFully(source, head, 0, file);
        byte[] magic = new byte[Math.min(6, head.limit())];
        head.get(0, magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new IOException(file + ": the magic string is not correct; expected b'\\x93NUMPY', got "
                    + pyBytes(magic) + " (not a .npy file)");
        }
        if (head.limit() < 10) {
            throw new IOException(file + ": EOF: reading array header, expected 10 bytes got " + head.limit());
        }
        int major = head.get(6) & 0xFF;
        int minor = head.get(7) & 0xFF;
        if (!(minor == 0 && (major == 1 || major == 2 || major == 3))) {
            throw new IOException(file + ": we only support format version (1,0), (2,0), and (3,0), not (" + major + ", "
                    + minor + ")");
        }
        long length;
        int prefix;
        if (major == 1) {
            length = head.getShort(8) & 0xFFFF;
            prefix = 10;
        } else {
            if (head.limit() < 12) {
                throw new IOException(file + ": EOF: reading array header, expected 12 bytes got " + head.limit());
            }
            length = head.getInt(8) & 0xFFFFFFFFL;
            prefix = 12;
        }
        if (length > size - prefix || length > 1 << 20) {
            throw new IOException(file + ": EOF: reading array header, expected " + length + " bytes got "
                    + (size - prefix) + (length > 1 << 20 ? " (Ember reads headers of up to 1 MiB)" : ""));
        }
        ByteBuffer text = ByteBuffer.allocate((int) length);
        TensorBytes.readFully(source, text, prefix, file);
        String header = new String(text.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Map<String, Object> d = new HeaderParser(header, file).dict();
        if (!d.keySet().equals(java.util.Set.of("descr", "fortran_order", "shape"))) {
            throw new IOException(file + ": Header does not contain the correct keys: " + new ArrayList<>(d.keySet()));
        }
        Object shapeValue = d.get("shape");
        if (!(shapeValue instanceof List<?> dimsList)) {
            throw new IOException(file + ": shape is not valid: " + shapeValue);
        }
        int[] shape = new int[dimsList.size()];
        for (int i = 0; i < shape.length; i++) {
            Object o = dimsList.get(i);
            if (!(o instanceof Long) || (Long) o < 0) {
                throw new IOException(file + ": shape is not valid: " + dimsList);
            }
            if ((Long) o > Integer.MAX_VALUE) {
                throw new IOException(file + ": dimension " + i + " of shape " + dimsList + " is larger than an Ember tensor's "
                        + "dimensions (int)");
            }
            shape[i] = (int) (long) (Long) o;
        }
        long numel = elements(shape, file);
        if (!(d.get("fortran_order") instanceof Boolean fortran)) {
            throw new IOException(file + ": fortran_order is not a valid bool: " + d.get("fortran_order"));
        }
        Object descr = d.get("descr");
        if (descr instanceof List) {
            throw new IOException(file + ": a structured dtype (descr " + descr + "); Ember reads arrays of one plain type");
        }
        if (!(descr instanceof String s)) {
            throw new IOException(file + ": descr is not a valid dtype descriptor: " + descr);
        }
        if (s.length() >= 2 && s.substring(1).equals("O")) {
            throw new IOException(file + ": Object arrays cannot be loaded when allow_pickle=False");
        }
        DType dtype = dtypeOf(s);
        if (dtype == null) {
            throw new IOException(file + ": descr '" + s + "' is not a dtype Ember holds (float16/32/64, int8-64, uint8-64, "
                    + "bool, complex64/128)");
        }
        char order = s.charAt(0);
        ByteOrder byteOrder = order == '>' ? ByteOrder.BIG_ENDIAN : order == '<' || order == '|' || order == '='
                ? ByteOrder.LITTLE_ENDIAN : null;
        if (byteOrder == null) {
            throw new IOException(file + ": descr is not a valid dtype descriptor: '" + s + "'");
        }
        int perElement = dtype.isComplex() ? 2 : 1;
        if (numel > TensorBytes.MAX_ELEMENTS / perElement) {
            throw new IOException(file + ": an array of " + numel + " elements; Ember holds at most "
                    + TensorBytes.MAX_ELEMENTS / perElement + " in one tensor of " + dtype.torchName());
        }
        return new Header(dtype, byteOrder, fortran, shape, numel, prefix + length);
    }

    private static long elements(int[] shape, String file) throws IOException {
        long n = 1;
        try {
            for (int s : shape) {
                n = Math.multiplyExact(n, s);
            }
        } catch (ArithmeticException e) {
            throw new IOException(file + ": the shape " + java.util.Arrays.toString(shape) + " has more than 2^63 elements");
        }
        return n;
    }

    /** The dtype of a descr's type code and size ({@code f4}, {@code i8}, {@code b1}...), null where Ember has none. */
    private static DType dtypeOf(String descr) {
        switch (descr.length() < 2 ? "" : descr.substring(1)) {
            case "f2": return DType.FLOAT16;
            case "f4": return DType.FLOAT32;
            case "f8": return DType.FLOAT64;
            case "i1": return DType.INT8;
            case "i2": return DType.INT16;
            case "i4": return DType.INT32;
            case "i8": return DType.INT64;
            case "u1": return DType.UINT8;
            case "u2": return DType.UINT16;
            case "u4": return DType.UINT32;
            case "u8": return DType.UINT64;
            case "b1": return DType.BOOL;
            case "c8": return DType.COMPLEX64;
            case "c16": return DType.COMPLEX128;
            default: return null;
        }
    }

    /** The descr {@code np.save} writes for a dtype. */
    private static String descrOf(DType dtype) {
        switch (dtype) {
            case FLOAT16: return "<f2";
            case FLOAT32: return "<f4";
            case FLOAT64: return "<f8";
            case INT8: return "|i1";
            case INT16: return "<i2";
            case INT32: return "<i4";
            case INT64: return "<i8";
            case UINT8: return "|u1";
            case UINT16: return "<u2";
            case UINT32: return "<u4";
            case UINT64: return "<u8";
            case BOOL: return "|b1";
            case COMPLEX64: return "<c8";
            case COMPLEX128: return "<c16";
            default: return null;
        }
    }

    private static String pyBytes(byte[] b) {
        StringBuilder s = new StringBuilder("b'");
        for (byte x : b) {
            int c = x & 0xFF;
            s.append(c >= 0x20 && c < 0x7F && c != '\'' && c != '\\' ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return s.append('\'').toString();
    }

    /**
     * Writes a tensor as {@code np.save(file, t.numpy())} writes it, byte for byte: header version 1.0 (2.0 when the
     * header needs it), C order, little-endian. A tensor on another device is copied to the CPU first; a view is
     * written in its logical order.
     *
     * @param t    the tensor
     * @param file the file
     * @throws IOException              if the file cannot be written
     * @throws IllegalArgumentException if an argument is null or the tensor's dtype has no NumPy type (bfloat16 and
     *                                  the float8 types: convert first, as {@code t.float().numpy()})
     */
    public static void save(Tensor t, Path file) throws IOException {
        if (t == null || file == null) {
            throw new IllegalArgumentException("save: " + (t == null ? "t" : "file") + " must not be null");
        }
        byte[] header = headerBytes(t);
        Tensor cpu = t.detach().to(Device.CPU).contiguous();
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            out.write(header);
            TensorBytes.write(out, TensorBytes.hostArray(cpu), null);
        }
    }

    /** {@code np.save}'s header for a tensor (numpy/lib/format.py: sorted keys, growth padding, 64-byte alignment). */
    private static byte[] headerBytes(Tensor t) {
        String descr = descrOf(t.dtype());
        if (descr == null) {
            throw new IllegalArgumentException("save: NumPy has no " + t.dtype().torchName() + " dtype; convert the tensor "
                    + "first (t.to(DType.FLOAT32)), as t.float().numpy() in PyTorch");
        }
        int[] shape = t.shape();
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            s.append(i > 0 ? ", " : "").append(shape[i]);
        }
        s.append(shape.length == 1 ? ",)" : ")");
        StringBuilder h = new StringBuilder("{'descr': '").append(descr).append("', 'fortran_order': False, 'shape': ")
                .append(s).append(", }");
        if (shape.length > 0) {
            h.append(" ".repeat(21 - String.valueOf(shape[0]).length())); // GROWTH_AXIS_MAX_DIGITS
        }
        byte[] text = h.toString().getBytes(StandardCharsets.ISO_8859_1);
        int hlen = text.length + 1;
        int prefix = 10;
        int pad = 64 - (prefix + hlen) % 64;
        boolean v2 = hlen + pad > 0xFFFF;
        if (v2) {
            prefix = 12;
            pad = 64 - (prefix + hlen) % 64;
        }
        ByteBuffer b = ByteBuffer.allocate(prefix + hlen + pad).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) (v2 ? 2 : 1)).put((byte) 0);
        if (v2) {
            b.putInt(hlen + pad);
        } else {
            b.putShort((short) (hlen + pad));
        }
        b.put(text);
        for (int i = 0; i < pad; i++) {
            b.put((byte) ' ');
        }
        b.put((byte) '\n');
        return b.array();
    }

    /**
     * The header's Python literal, read without evaluating anything: a dict of string keys whose values are strings,
     * {@code True}/{@code False}, tuples or lists of integers, or lists (a structured dtype's fields, kept as text).
     */
    private static final class HeaderParser {
        private final String s;
        private final String file;
        private int i;
        /** How many tuples and lists the parser is inside (a header may not nest them past 32). */
        private int nesting;

        HeaderParser(String s, String file) {
            this.s = s;
            this.file = file;
        }

        private IOException cannot() {
            return new IOException(file + ": Cannot parse header: " + pyRepr(s));
        }

        private static String pyRepr(String s) {
            return "'" + (s.length() > 200 ? s.substring(0, 200) + "..." : s).replace("\n", "\\n") + "'";
        }

        private void space() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private boolean eat(char c) {
            space();
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        Map<String, Object> dict() throws IOException {
            if (!eat('{')) {
                space();
                throw new IOException(file + ": Header is not a dictionary: " + pyRepr(s.trim()));
            }
            Map<String, Object> d = new LinkedHashMap<>();
            while (!eat('}')) {
                Object key = value();
                if (!(key instanceof String) || !eat(':')) {
                    throw cannot();
                }
                d.put((String) key, value());
                if (!eat(',')) {
                    if (!eat('}')) {
                        throw cannot();
                    }
                    break;
                }
            }
            space();
            if (i != s.length()) {
                throw cannot();
            }
            return d;
        }

        private Object value() throws IOException {
            space();
            if (i >= s.length()) {
                throw cannot();
            }
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                int end = s.indexOf(c, i + 1);
                if (end < 0) {
                    throw cannot();
                }
                String v = s.substring(i + 1, end);
                if (v.indexOf('\\') >= 0) {
                    throw cannot();
                }
                i = end + 1;
                return v;
            }
            if (c == '(' || c == '[') {
                char close = c == '(' ? ')' : ']';
                i++;
                if (++nesting > 32) {
                    throw cannot();
                }
                List<Object> items = new ArrayList<>();
                while (!eat(close)) {
                    items.add(value());
                    if (!eat(',')) {
                        if (!eat(close)) {
                            throw cannot();
                        }
                        break;
                    }
                }
                nesting--;
                return items;
            }
            if (s.startsWith("True", i)) {
                i += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("False", i)) {
                i += 5;
                return Boolean.FALSE;
            }
            int start = i;
            if (c == '-') {
                i++;
            }
            while (i < s.length() && Character.isDigit(s.charAt(i))) {
                i++;
            }
            if (i == start || i == start + 1 && c == '-') {
                throw cannot();
            }
            String digits = s.substring(start, i);
            if (i < s.length() && s.charAt(i) == 'L') {
                i++; // Python 2's long suffix
            }
            try {
                return Long.parseLong(digits);
            } catch (NumberFormatException e) {
                return digits; // too large: not a valid dimension
            }
        }
    }
}
