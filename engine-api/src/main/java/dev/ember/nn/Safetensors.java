package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Tensor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes the safetensors format (an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw little-endian data), so weights move between Ember and
 * PyTorch ({@code safetensors.torch.save_file / load_file}) in both directions. F32, F64, F16, BF16, I64, I32, I16, I8, U8,
 * BOOL, C64 (complex64, its parts interleaved; the format has no complex128, which {@link #save} refuses), F8_E4M3 and
 * F8_E5M2 (float8_e4m3fn and float8_e5m2, their bits; the fnuz types have no code there, and {@link #save} refuses them).
 *
 * <p>{@link #load} trusts nothing in a file: it checks the header length (unsigned) against the file size and the
 * reference implementation's 100 MB limit, reads the header as strict UTF-8 JSON without recursion, checks every
 * field's presence and type, every shape and byte size with exact arithmetic, and that the tensors' byte ranges tile
 * the data buffer exactly (no overlap, no hole, nothing after the last tensor), all before it allocates a tensor.
 * Every violation is an {@link IOException} whose message names the file and the problem.
 */
public final class Safetensors {
    /** The reference implementation's limit on the header length (its {@code MAX_HEADER_SIZE}). */
    private static final long MAX_HEADER_LENGTH = 100_000_000;
    private static final String METADATA = "__metadata__";
    /** What the messages about bytes in memory name, where they name a file otherwise. */
    private static final String BYTES = "the safetensors bytes";
    /** The valid safetensors dtypes Ember cannot hold, told apart from strings that are no dtype at all. */
    private static final Set<String> OTHER_DTYPES = Set.of("F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "F4", "F6_E2M3", "F6_E3M2");

    private Safetensors() {
    }

    static String code(DType t) {
        switch (t) {
            case FLOAT32: return "F32";
            case FLOAT64: return "F64";
            case INT64: return "I64";
            case INT32: return "I32";
            case INT16: return "I16";
            case INT8: return "I8";
            case UINT8: return "U8";
            case FLOAT16: return "F16";
            case BFLOAT16: return "BF16";
            case COMPLEX64: return "C64";
            case FLOAT8_E4M3FN: return "F8_E4M3";
            case FLOAT8_E5M2: return "F8_E5M2";
            case UINT16: return "U16";
            case UINT32: return "U32";
            case UINT64: return "U64";
            default: return "BOOL";
        }
    }

    /** The reference writer's dtype order (its Dtype enum, descending), which puts 8-byte types before 4- and 1-byte ones. */
    private static int writeRank(DType t) {
        switch (t) {
            case UINT64: return 0; // U64 is declared last, U32 after I32, U16 after I16
            case INT64: return 1;
            case FLOAT64: return 2;
            case COMPLEX64: return 3;
            case FLOAT32: return 4;
            case UINT32: return 5;
            case INT32: return 6;
            case BFLOAT16: return 7;
            case FLOAT16: return 8;
            case UINT16: return 9;
            case INT16: return 10;
            case FLOAT8_E4M3FN: return 11; // F8_E4M3 is declared after F8_E5M2, both after I8 and before I16
            case FLOAT8_E5M2: return 12;
            case INT8: return 13;
            case UINT8: return 14;
            default: return 15;
        }
    }

    // ------------------------------------------------------------------ writing

    /**
     * Writes tensors to a file as the reference writer does: data ordered by dtype (8-byte types first, so every
     * tensor is aligned to its element size) and then by name, the compact JSON header padded with spaces to a
     * multiple of 8 bytes. Every argument is checked, and every tensor copied to the host, before the file is opened.
     * Tensors that share memory (the state dict of a module with a tied weight) are each written in full, where
     * PyTorch's {@code save_file} refuses them ("Some tensors share memory"); {@link Module#loadStateDict} copies them
     * back into the one tensor. {@link #saveModel} writes such a tensor once, as {@code save_model}.
     *
     * @throws IllegalArgumentException for a null map, name or tensor, the reserved name {@code __metadata__}, a name
     *                                  that is not valid Unicode, or a header beyond the format's 100 MB limit
     * @throws UnsupportedOperationException for a tensor on the meta device, which has no data (PyTorch's "Cannot copy
     *                                  out of meta tensor" of safetensors' move to the CPU); nothing is written
     */
    public static void save(Map<String, Tensor> tensors, Path file) throws IOException {
        save(tensors, Map.of(), file);
    }

    /**
     * Writes tensors and a {@code __metadata__} entry (string to string, as the format allows; written first, keys in
     * order, as JSON strings) to a file, as {@link #save(Map, Path)} does otherwise ({@code safetensors.torch.save_file(
     * tensors, file, metadata)}); empty metadata writes none.
     *
     * @throws IllegalArgumentException as {@link #save(Map, Path)}, and for null metadata, a null metadata key or value
     *                                  or one that is not valid Unicode
     */
    public static void save(Map<String, Tensor> tensors, Map<String, String> metadata, Path file) throws IOException {
        if (tensors == null || metadata == null || file == null) {
            throw new IllegalArgumentException(tensors == null ? "tensors must not be null"
                    : metadata == null ? "metadata must not be null" : "file must not be null");
        }
        Prepared prepared = prepare(tensors, metadata);
        try (OutputStream out = Files.newOutputStream(file)) {
            prepared.write(out);
        }
    }

    /** {@link #saveBytes(Map, Map)} without metadata: {@code safetensors.torch.save(tensors)}. */
    public static byte[] saveBytes(Map<String, Tensor> tensors) {
        return saveBytes(tensors, Map.of());
    }

    /**
     * The bytes {@link #save(Map, Map, Path)} would write, as {@code safetensors.torch.save(tensors, metadata)}, for
     * sending or storing a checkpoint without a file ({@link #loadBytes} reads them). (Named apart from
     * {@code save}, whose overloads take a path, so that no call is ambiguous.)
     *
     * @throws IllegalArgumentException as {@link #save(Map, Map, Path)}, and for more bytes than one Java array holds
     *     (2,147,483,639): write those to a file
     */
    public static byte[] saveBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
        Prepared prepared = prepare(tensors, metadata);
        long size = prepared.size();
        if (size > TensorBytes.MAX_ELEMENTS) {
            throw new IllegalArgumentException("the safetensors bytes would be " + size + " long, more than one Java array "
                    + "holds (" + TensorBytes.MAX_ELEMENTS + "): save them to a file with save(tensors, metadata, path)");
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream((int) size);
        try {
            prepared.write(out);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    /** A checked file's header (padded) and its tensors' host arrays, in the data's order. */
    private record Prepared(byte[] header, int pad, List<Object> data, long dataBytes) {
        long size() {
            return 8L + header.length + pad + dataBytes;
        }

        void write(OutputStream out) throws IOException {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length + pad).array());
            out.write(header);
            out.write(" ".repeat(pad).getBytes(StandardCharsets.US_ASCII));
            for (Object a : data) {
                TensorBytes.write(out, a, null);
            }
        }
    }

    /** Every argument checked and every tensor copied to the host, before anything is written. */
    private static Prepared prepare(Map<String, Tensor> tensors, Map<String, String> metadata) {
        if (tensors == null || metadata == null) {
            throw new IllegalArgumentException(tensors == null ? "tensors must not be null" : "metadata must not be null");
        }
        String metadataJson = metadataJson(metadata);
        List<Object[]> items = new ArrayList<>(); // {name, utf-8 name, host tensor}
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null || e.getValue() == null) {
                throw new IllegalArgumentException(name == null ? "a tensor name is null" : "tensor " + Json.quoted(name) + " is null");
            }
            if (name.equals(METADATA)) {
                throw new IllegalArgumentException("the name " + METADATA + " is reserved by the safetensors format for metadata");
            }
            if (!Json.validUnicode(name)) {
                throw new IllegalArgumentException("tensor name " + Json.quoted(name) + " is not valid Unicode (unpaired surrogate)");
            }
            if (e.getValue().dtype() == DType.COMPLEX128) {
                throw new IllegalArgumentException("tensor " + Json.quoted(name) + " is complex128, which the safetensors format "
                        + "cannot hold: its only complex dtype is C64 (complex64); convert it with to(DType.COMPLEX64), or save "
                        + "its real view (viewAsReal) as F64");
            }
            if (e.getValue().dtype() == DType.FLOAT8_E4M3FNUZ || e.getValue().dtype() == DType.FLOAT8_E5M2FNUZ) {
                // safetensors.torch's dtype table names float8_e4m3fn (F8_E4M3) and float8_e5m2 (F8_E5M2) only
                throw new IllegalArgumentException("tensor " + Json.quoted(name) + " is " + e.getValue().dtype().torchName()
                        + ", which the safetensors format cannot hold: its 8-bit float dtypes are F8_E4M3 "
                        + "(torch.float8_e4m3fn) and F8_E5M2 (torch.float8_e5m2)");
            }
            if (e.getValue().isMeta()) {
                // safetensors' _tobytes moves each tensor to the CPU: PyTorch's copy out of a meta tensor refuses
                throw new UnsupportedOperationException(dev.ember.backend.MetaBackend.COPY_OUT_HINT);
            }
            items.add(new Object[] {name, name.getBytes(StandardCharsets.UTF_8), e.getValue().detach().to(Device.CPU)});
        }
        items.sort(Comparator.<Object[]>comparingInt(o -> writeRank(((Tensor) o[2]).dtype()))
                .thenComparing((a, b) -> Arrays.compareUnsigned((byte[]) a[1], (byte[]) b[1])));
        StringBuilder header = new StringBuilder("{").append(metadataJson);
        long offset = 0;
        for (Object[] o : items) {
            Tensor t = (Tensor) o[2];
            long size = Math.multiplyExact(t.numel(), (long) TensorBytes.elementSize(t.dtype()));
            if (header.length() > 1) {
                header.append(',');
            }
            header.append(Json.quoted((String) o[0])).append(":{\"dtype\":\"").append(code(t.dtype())).append("\",\"shape\":[");
            int[] s = t.shape();
            for (int i = 0; i < s.length; i++) {
                header.append(i > 0 ? "," : "").append(s[i]);
            }
            header.append("],\"data_offsets\":[").append(offset).append(',').append(offset + size).append("]}");
            offset += size;
        }
        header.append('}');
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        int pad = (8 - h.length % 8) % 8; // the data starts 8-aligned; the format pads the header with spaces
        if (h.length + pad > MAX_HEADER_LENGTH) {
            throw new IllegalArgumentException("the safetensors header would be " + (h.length + pad)
                    + " bytes, beyond the format's limit of " + MAX_HEADER_LENGTH);
        }
        List<Object> data = new ArrayList<>();
        for (Object[] o : items) {
            data.add(TensorBytes.hostArray((Tensor) o[2]));
        }
        return new Prepared(h, pad, data, offset);
    }


    // ------------------------------------------------------------------ reading

    /** One validated header entry. */
    static final class Entry {
        final String name;
        final DType dtype;
        final int[] shape;
        final long numel;
        final long begin;
        final long end;

        Entry(String name, DType dtype, int[] shape, long numel, long begin, long end) {
            this.name = name;
            this.dtype = dtype;
            this.shape = shape;
            this.numel = numel;
            this.begin = begin;
            this.end = end;
        }

        String range() {
            return "[" + begin + ", " + end + "]";
        }
    }

    /** A file's checked header: where the data begin, the tensors in header order and the metadata in file order. */
    record Header(long dataStart, List<Entry> entries, Map<String, String> metadata) {
    }

    /**
     * Reads and checks a file's header as {@link #load} does, everything but the tensors' bytes: the header length
     * against the file's size and the format's limit, strict UTF-8 JSON, every field, every shape and byte size with
     * exact arithmetic, and that the tensors' byte ranges tile the data buffer exactly.
     */
    static Header readHeader(TensorBytes.Source ch, long size, Object file) throws IOException {
        if (size < 8) {
            throw bad(file, "the file is " + size + " bytes long, too short for the 8-byte header length");
        }
        ByteBuffer lengthField = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        TensorBytes.readFully(ch, lengthField, 0, file);
        long n = lengthField.getLong(0); // an unsigned 64-bit value: compared unsigned, so no 8 + n overflows
        if (Long.compareUnsigned(n, size - 8) > 0) {
            throw bad(file, "header length " + Long.toUnsignedString(n) + " exceeds the file size " + size);
        }
        if (n > MAX_HEADER_LENGTH) {
            throw bad(file, "header length " + n + " exceeds the format's limit of " + MAX_HEADER_LENGTH + " bytes");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) n);
        TensorBytes.readFully(ch, headerBytes, 8, file);
        String text = utf8(headerBytes, file);
        if (text.isEmpty() || text.charAt(0) != '{') {
            throw bad(file, "the header does not start with '{'");
        }
        long bufferLength = size - 8 - n;
        List<Entry> entries;
        Map<String, String> metadata = new LinkedHashMap<>();
        try {
            entries = header(file, new Json(text), bufferLength, metadata);
        } catch (Json.SyntaxError e) {
            throw bad(file, "the header is not valid JSON: " + e.getMessage());
        }
        checkLayout(file, entries, bufferLength);
        return new Header(8 + n, entries, metadata);
    }

    /** One tensor's bytes, read from the file at its checked range, as a CPU tensor. */
    static Tensor readTensor(TensorBytes.Source ch, Object file, Header header, Entry e) throws IOException {
        long most = TensorBytes.MAX_ELEMENTS / (e.dtype.isComplex() ? 2 : 1); // a complex one holds its parts
        if (e.numel > most) {
            throw bad(file, "tensor " + Json.quoted(e.name) + " has " + e.numel
                    + " elements; Ember holds at most " + most + " in one tensor of " + e.dtype.torchName());
        }
        Object array = TensorBytes.read(ch, header.dataStart() + e.begin, e.dtype, (int) e.numel, ByteOrder.LITTLE_ENDIAN,
                null, file);
        return TensorBytes.tensor(array, e.dtype, e.shape);
    }

    /**
     * Reads every tensor of a file, on the CPU, in the header's order. {@link #open} reads them one at a time.
     *
     * @throws IOException              if the file cannot be read or breaks the safetensors specification in any way
     *                                  (the message names the file and the problem), or holds a dtype Ember does not support
     * @throws IllegalArgumentException if {@code file} is null
     */
    public static Map<String, Tensor> load(Path file) throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("file must not be null");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return load(ch::read, ch.size(), file);
        }
    }

    /**
     * Reads every tensor of safetensors bytes, as {@code safetensors.torch.load(data)}: the bytes checked as
     * {@link #load(Path)} checks a file (the messages name "the safetensors bytes").
     *
     * @throws IOException              if the bytes break the safetensors specification in any way, or hold a dtype
     *                                  Ember does not support
     * @throws IllegalArgumentException if {@code data} is null
     */
    public static Map<String, Tensor> loadBytes(byte[] data) throws IOException {
        if (data == null) {
            throw new IllegalArgumentException("data must not be null");
        }
        return load(TensorBytes.of(data), data.length, BYTES);
    }

    private static Map<String, Tensor> load(TensorBytes.Source source, long size, Object where) throws IOException {
        Header header = readHeader(source, size, where);
        for (Entry e : header.entries()) {
            long most = TensorBytes.MAX_ELEMENTS / (e.dtype.isComplex() ? 2 : 1);
            if (e.numel > most) { // every tensor checked before the first is allocated
                throw bad(where, "tensor " + Json.quoted(e.name) + " has " + e.numel
                        + " elements; Ember holds at most " + most + " in one tensor of " + e.dtype.torchName());
            }
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Entry e : header.entries()) {
            out.put(e.name, readTensor(source, where, header, e));
        }
        return out;
    }

    /**
     * Opens a file for reading its tensors one at a time, as {@code safetensors.safe_open(file, framework="pt")}: the
     * header is read and checked at once, as {@link #load} checks it; each {@link SafeOpen#getTensor} reads only that
     * tensor's bytes, so a checkpoint larger than memory can be converted or loaded tensor by tensor.
     *
     * @param file the file
     * @return the open file; close it (try-with-resources)
     * @throws IOException              if the file cannot be read or its header breaks the specification
     * @throws IllegalArgumentException if {@code file} is null
     */
    public static SafeOpen open(Path file) throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("file must not be null");
        }
        return SafeOpen.open(file);
    }

    private static IOException bad(Object file, String problem) {
        return new IOException(file + ": " + problem);
    }

    private static String utf8(ByteBuffer bytes, Object file) throws IOException {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer c = d.decode(bytes);
            return c.toString();
        } catch (CharacterCodingException e) {
            throw bad(file, "the header is not valid UTF-8 (at byte " + bytes.position() + " of the header)");
        }
    }

    /**
     * Reads the header object as the specification lays it out, checking each field as it comes: nothing outside the
     * schema is ever built, so the header's size bounds the memory it costs. Returns the tensors in header order.
     */
    private static List<Entry> header(Object file, Json json, long bufferLength, Map<String, String> metadataOut)
            throws IOException {
        Map<String, Entry> entries = new LinkedHashMap<>();
        boolean metadata = false;
        if (json.beginObject()) {
            do {
                int at = json.position();
                String name = json.key();
                if (entries.containsKey(name) || (metadata && name.equals(METADATA))) {
                    throw json.error("duplicate key " + Json.quoted(name), at); // the specification disallows them
                }
                if (name.equals(METADATA)) {
                    metadataOut.putAll(metadata(file, json));
                    metadata = true;
                } else {
                    entries.put(name, entry(file, json, name, bufferLength));
                }
            } while (json.nextMember());
        }
        json.end();
        return new ArrayList<>(entries.values());
    }

    /** {@code __metadata__}: an object of string to string, in file order. */
    private static Map<String, String> metadata(Object file, Json json) throws IOException {
        if (!json.atObject()) {
            throw bad(file, METADATA + " must be an object of strings, got " + json.describeNext());
        }
        Map<String, String> out = new LinkedHashMap<>();
        if (json.beginObject()) {
            do {
                int at = json.position();
                String k = json.key();
                if (out.containsKey(k)) {
                    throw json.error("duplicate key " + Json.quoted(k), at);
                }
                if (!json.atString()) {
                    throw bad(file, METADATA + " must be an object of strings, but " + Json.quoted(k) + " is " + json.describeNext());
                }
                out.put(k, json.string());
            } while (json.nextMember());
        }
        return out;
    }

    private static String tensor(String name) {
        return "tensor " + Json.quoted(name) + ": ";
    }

    /** One tensor's entry: exactly dtype, shape and data_offsets, in any order, consistent with each other and the buffer. */
    private static Entry entry(Object file, Json json, String name, long bufferLength) throws IOException {
        if (!json.atObject()) {
            throw bad(file, tensor(name) + "expected an object with dtype, shape and data_offsets, got " + json.describeNext());
        }
        DType dtype = null;
        int[] shape = null;
        Json.Num[] range = null;
        if (json.beginObject()) {
            do {
                int at = json.position();
                String field = json.key();
                boolean seen;
                switch (field) {
                    case "dtype":
                        seen = dtype != null;
                        dtype = dtype(file, name, json);
                        break;
                    case "shape":
                        seen = shape != null;
                        shape = shape(file, name, json);
                        break;
                    case "data_offsets":
                        seen = range != null;
                        range = offsets(file, name, json);
                        break;
                    default:
                        throw bad(file, tensor(name) + "unknown field " + Json.quoted(field)
                                + " (a tensor has only dtype, shape and data_offsets)");
                }
                if (seen) {
                    throw json.error("duplicate key " + Json.quoted(field), at);
                }
            } while (json.nextMember());
        }
        for (Object[] f : new Object[][] {{"dtype", dtype}, {"shape", shape}, {"data_offsets", range}}) {
            if (f[1] == null) {
                throw bad(file, tensor(name) + "missing field \"" + f[0] + "\"");
            }
        }
        Long begin = range[0].value;
        Long end = range[1].value;
        String offsets = "data_offsets [" + range[0] + ", " + range[1] + "]";
        if (begin != null && end != null && end < begin) {
            throw bad(file, tensor(name) + offsets + " are reversed (the end comes before the beginning)");
        }
        if (begin == null || end == null || end > bufferLength) {
            throw bad(file, tensor(name) + offsets + " extend beyond the data buffer of " + bufferLength + " bytes");
        }
        String where = "shape " + Arrays.toString(shape) + " of " + code(dtype);
        long numel = 1;
        long bytes;
        try {
            for (int d : shape) {
                if (d == 0) {
                    numel = 0; // an empty tensor, however large its other dimensions
                    break;
                }
            }
            for (int d : shape) {
                numel = Math.multiplyExact(numel, (long) d);
            }
        } catch (ArithmeticException x) {
            throw bad(file, tensor(name) + "the element count of " + where + " overflows a 64-bit integer");
        }
        try {
            bytes = Math.multiplyExact(numel, (long) TensorBytes.elementSize(dtype));
        } catch (ArithmeticException x) {
            throw bad(file, tensor(name) + "the byte size of " + where + " overflows a 64-bit integer");
        }
        if (end - begin != bytes) {
            throw bad(file, tensor(name) + offsets + " hold " + (end - begin) + " bytes, but " + where + " needs " + bytes);
        }
        return new Entry(name, dtype, shape, numel, begin, end);
    }

    private static DType dtype(Object file, String name, Json json) throws IOException {
        if (!json.atString()) {
            throw bad(file, tensor(name) + "dtype must be a string, got " + json.describeNext());
        }
        String v = json.string();
        switch (v) {
            case "F32": return DType.FLOAT32;
            case "F64": return DType.FLOAT64;
            case "I64": return DType.INT64;
            case "I32": return DType.INT32;
            case "I16": return DType.INT16;
            case "I8": return DType.INT8;
            case "U8": return DType.UINT8;
            case "F16": return DType.FLOAT16;
            case "BF16": return DType.BFLOAT16;
            case "BOOL": return DType.BOOL;
            case "C64": return DType.COMPLEX64;
            case "F8_E4M3": return DType.FLOAT8_E4M3FN;
            case "F8_E5M2": return DType.FLOAT8_E5M2;
            case "U16": return DType.UINT16;
            case "U32": return DType.UINT32;
            case "U64": return DType.UINT64;
            default:
                if (OTHER_DTYPES.contains(v)) {
                    throw bad(file, tensor(name) + "dtype " + v + " is not supported by Ember (it loads F32, F64, F16, BF16, I64, I32, "
                            + "I16, I8, U8, U16, U32, U64, BOOL, C64, F8_E4M3 and F8_E5M2)");
                }
                throw bad(file, tensor(name) + "unknown dtype " + Json.quoted(v));
        }
    }

    /**
     * The next value if it is an integer literal without a sign (so "-0" is out too), whose value may still be beyond
     * long range; otherwise an IOException saying {@code rule} and what the value is.
     */
    private static Json.Num unsigned(Object file, Json json, String rule) throws IOException {
        if (!json.atNumber()) {
            throw bad(file, rule + json.describeNext());
        }
        Json.Num d = json.number();
        if (!d.integral || d.text.charAt(0) == '-') {
            throw bad(file, rule + "the number " + d);
        }
        return d;
    }

    private static int[] shape(Object file, String name, Json json) throws IOException {
        String rule = tensor(name) + "shape must be an array of non-negative integers, got ";
        if (!json.atArray()) {
            throw bad(file, rule + json.describeNext());
        }
        int[] shape = new int[4];
        int n = 0;
        if (json.beginArray()) {
            do {
                Json.Num d = unsigned(file, json, rule);
                if (d.value == null || d.value > Integer.MAX_VALUE) {
                    throw bad(file, tensor(name) + "dimension " + d + " exceeds Ember's limit of " + Integer.MAX_VALUE);
                }
                if (n == shape.length) {
                    shape = Arrays.copyOf(shape, 2 * n); // grows with dimensions actually read, never ahead of the text
                }
                shape[n++] = (int) (long) d.value;
            } while (json.nextElement());
        }
        return Arrays.copyOf(shape, n);
    }

    private static Json.Num[] offsets(Object file, String name, Json json) throws IOException {
        String rule = tensor(name) + "data_offsets must be an array of two non-negative integers, got ";
        if (!json.atArray()) {
            throw bad(file, rule + json.describeNext());
        }
        Json.Num[] range = new Json.Num[2];
        long n = 0;
        if (json.beginArray()) {
            do {
                Json.Num d = unsigned(file, json, rule);
                if (n < 2) {
                    range[(int) n] = d;
                }
                n++;
            } while (json.nextElement());
        }
        if (n != 2) {
            throw bad(file, rule + "an array of " + n);
        }
        return range;
    }

    /** The tensors' byte ranges must tile the data buffer: sorted, each begins where the previous one ends. */
    private static void checkLayout(Object file, List<Entry> entries, long bufferLength) throws IOException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.<Entry>comparingLong(e -> e.begin).thenComparingLong(e -> e.end));
        long at = 0;
        Entry previous = null;
        for (Entry e : sorted) {
            if (e.begin < at) {
                throw bad(file, "tensors " + Json.quoted(previous.name) + " (data_offsets " + previous.range() + ") and "
                        + Json.quoted(e.name) + " (data_offsets " + e.range() + ") overlap");
            }
            if (e.begin > at) {
                throw bad(file, "bytes [" + at + ", " + e.begin + ") of the data buffer belong to no tensor (a hole before tensor "
                        + Json.quoted(e.name) + ")");
            }
            at = e.end;
            previous = e;
        }
        if (at != bufferLength) {
            throw bad(file, "bytes [" + at + ", " + bufferLength + ") at the end of the data buffer belong to no tensor");
        }
    }

    // ------------------------------------------------------------------ metadata

    /**
     * The {@code "__metadata__":{...}} member (the tensors' members follow it after a comma), or nothing for no metadata;
     * each string checked for valid Unicode.
     */
    private static String metadataJson(Map<String, String> metadata) {
        if (metadata.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder(Json.quoted(METADATA)).append(":{");
        boolean first = true;
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            String k = e.getKey();
            String v = e.getValue();
            if (k == null || v == null) {
                throw new IllegalArgumentException(k == null ? "a metadata key is null" : "metadata " + Json.quoted(k) + " is null");
            }
            if (!Json.validUnicode(k) || !Json.validUnicode(v)) {
                throw new IllegalArgumentException("metadata " + Json.quoted(k) + " is not valid Unicode (unpaired surrogate)");
            }
            b.append(first ? "" : ",").append(Json.quoted(k)).append(':').append(Json.quoted(v));
            first = false;
        }
        return b.append('}').toString();
    }

    /**
     * The {@code __metadata__} entry of a file (empty when it has none), in the file's order, as
     * {@code safe_open(file).metadata()}; the header checked as {@link #load} checks it (the tensors are not read).
     *
     * @throws IOException              if the file cannot be read or breaks the safetensors specification
     * @throws IllegalArgumentException if {@code file} is null
     */
    public static Map<String, String> loadMetadata(Path file) throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("file must not be null");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHeader(ch::read, ch.size(), file).metadata();
        }
    }

    // ---- shared tensors: safetensors.torch.save_model / load_model (session 22) ----

    /** A tensor's storage; a complex tensor's is its real view's, which holds its parts. */
    static dev.ember.backend.Storage storage(Tensor t) {
        return t.dtype().isComplex() ? t.detach().viewAsReal().storage()
                : t.dtype().isFloat8() ? t.detach().view(DType.UINT8).storage()
                : t.dtype().isBarebonesUnsigned() ? t.detach().view(t.dtype().storageType()).storage() : t.storage();
    }

    /**
     * {@code safetensors.torch._remove_duplicate_names}: the names of tensors that share memory (a tied weight's names),
     * grouped as the reference groups them (one storage, overlapping ranges), each group as the name kept (the first in
     * sorted order among those covering their whole storage, or the first such among {@code preferred} when any is
     * there) mapped to the other names, sorted.
     *
     * @throws IllegalArgumentException with the reference's message when no name of a group covers its whole storage
     */
    static Map<String, List<String>> duplicateNames(Map<String, Tensor> state, Set<String> preferred) {
        Map<dev.ember.backend.Storage, List<String>> byStorage = new java.util.IdentityHashMap<>();
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            if (storage(e.getValue()).numel() > 0) {
                byStorage.computeIfAbsent(storage(e.getValue()), t -> new ArrayList<>()).add(e.getKey());
            }
        }
        Map<String, List<String>> out = new java.util.TreeMap<>();
        for (List<String> names : byStorage.values()) {
            if (names.size() < 2) {
                continue;
            }
            // _filter_shared_not_shared: by start, a name joins the group before it when it starts before that one ends
            // (in the storage's elements: a complex tensor's element is two of them)
            List<long[]> areas = new ArrayList<>();
            List<String> order = new ArrayList<>(names);
            order.sort(null);
            for (int i = 0; i < order.size(); i++) {
                Tensor t = state.get(order.get(i));
                int per = t.dtype().isComplex() ? 2 : 1;
                long stop = (long) t.storageOffset() * per;
                if (t.numel() > 0) {
                    for (int d = 0; d < t.dim(); d++) {
                        stop += (long) (t.size(d) - 1) * t.stride(d) * per;
                    }
                    stop += per;
                }
                areas.add(new long[] {(long) t.storageOffset() * per, stop, i});
            }
            areas.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : a[1] != b[1] ? Long.compare(a[1], b[1])
                    : Long.compare(a[2], b[2]));
            List<List<String>> groups = new ArrayList<>();
            long lastStop = Long.MIN_VALUE;
            for (long[] a : areas) {
                if (groups.isEmpty() || a[0] >= lastStop) {
                    groups.add(new ArrayList<>());
                }
                groups.get(groups.size() - 1).add(order.get((int) a[2]));
                lastStop = a[1];
            }
            for (List<String> shared : groups) {
                if (shared.size() < 2) {
                    continue;
                }
                shared.sort(null);
                String keep = null;
                for (String n : shared) {
                    Tensor t = state.get(n);
                    boolean complete = t.storageOffset() == 0
                            && t.numel() * (t.dtype().isComplex() ? 2 : 1) == storage(t).numel();
                    if (complete && (keep == null || preferred.contains(n) && !preferred.contains(keep))) {
                        keep = n;
                    }
                }
                if (keep == null) {
                    throw new IllegalArgumentException("Error while trying to find names to remove to save state dict, but "
                            + "found no suitable name to keep for saving amongst: " + shared + ". None is covering the "
                            + "entire storage.Refusing to save/load the model since you could be storing much more memory "
                            + "than needed. Please refer to https://huggingface.co/docs/safetensors/torch_shared_tensors "
                            + "for more information. Or open an issue.");
                }
                List<String> drop = new ArrayList<>(shared);
                drop.remove(keep);
                out.put(keep, drop);
            }
        }
        return out;
    }

    /**
     * Writes a module's state dict with each shared tensor once, as {@code safetensors.torch.save_model(model, file)}:
     * {@link #save(Map, Path)} refuses nothing and would write a tied weight once per name (PyTorch's {@code save_file}
     * refuses tensors that share memory), so this writes it under the first of its names in sorted order only and
     * records each name dropped in the metadata ({@code "lm_head.weight": "transformer.wte.weight"}). Tensors share
     * memory as the reference finds it: one storage, overlapping ranges (a buffer that views part of a weight is
     * dropped in favour of the weight, which covers its whole storage). Read it back with
     * {@link #loadModel(Module, Path)}.
     *
     * @throws IllegalArgumentException as {@link #save(Map, Map, Path)}, for a null module, or with the reference's
     *     message when tensors share memory and none of them covers all of it
     */
    public static void saveModel(Module model, Path file) throws IOException {
        saveModel(model, Map.of(), file);
    }

    /**
     * {@link #saveModel(Module, Path)} with metadata of the caller's ({@code save_model(model, file, metadata)}): an
     * entry of the caller's under a dropped name is kept as given.
     *
     * @throws IllegalArgumentException as {@link #save(Map, Map, Path)}, or for a null module
     */
    public static void saveModel(Module model, Map<String, String> metadata, Path file) throws IOException {
        if (model == null || metadata == null) {
            throw new IllegalArgumentException(model == null ? "model must not be null" : "metadata must not be null");
        }
        Map<String, Tensor> own = model.stateDictTensors();
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        Set<String> dropped = new HashSet<>();
        duplicateNames(own, Set.of()).forEach((keep, drop) -> {
            for (String d : drop) {
                meta.putIfAbsent(d, keep);
                dropped.add(d);
            }
        });
        Map<String, Tensor> state = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> {
            if (!dropped.contains(k)) {
                state.put(k, v);
            }
        });
        save(state, meta, file);
    }

    /** {@link #loadModel(Module, Path, boolean)}, strict. */
    public static Module.IncompatibleKeys loadModel(Module model, Path file) throws IOException {
        return loadModel(model, file, true);
    }

    /**
     * Loads a file written by {@link #saveModel} (or by PyTorch's {@code save_model}, or any state dict file) into a
     * module, as {@code safetensors.torch.load_model(model, file, strict)}: a tensor the module holds under several
     * names is loaded from whichever of them the file has, and the others are neither missing nor unexpected. Returns
     * the missing and unexpected keys, as the reference computes them (a dropped name that the file has anyway counts as
     * unexpected, though it is loaded), sorted. Unlike the reference, which loads first and raises afterwards, a strict
     * load with missing or unexpected keys changes nothing.
     *
     * @throws IOException if the file cannot be read or breaks the format
     * @throws IllegalArgumentException for a null module or file, with the reference's message for missing or
     *     unexpected keys when {@code strict}, and as {@link Module#loadStateDict(Map, boolean)} for a shape that does
     *     not match
     */
    public static Module.IncompatibleKeys loadModel(Module model, Path file, boolean strict) throws IOException {
        if (model == null) {
            throw new IllegalArgumentException("model must not be null");
        }
        Map<String, Tensor> state = load(file);
        Map<String, Tensor> own = model.stateDictTensors();
        Set<String> expected = new HashSet<>(own.keySet());
        expected.addAll(ExtraState.keys(model)); // the modules' extra state, a tensor entry (Module#setExtraState)
        Set<String> missing = new java.util.TreeSet<>(expected);
        missing.removeAll(state.keySet());
        Set<String> unexpected = new java.util.TreeSet<>(state.keySet());
        unexpected.removeAll(expected);
        for (List<String> drop : duplicateNames(own, state.keySet()).values()) {
            for (String d : drop) {
                if (!missing.remove(d)) {
                    unexpected.add(d);
                }
            }
        }
        if (strict && (!missing.isEmpty() || !unexpected.isEmpty())) {
            StringBuilder error = new StringBuilder("Error(s) in loading state_dict for " + model.className() + ":");
            if (!missing.isEmpty()) {
                error.append("\n    Missing key(s) in state_dict: ").append(quotedKeys(missing));
            }
            if (!unexpected.isEmpty()) {
                error.append("\n    Unexpected key(s) in state_dict: ").append(quotedKeys(unexpected));
            }
            throw new IllegalArgumentException(error.toString());
        }
        model.loadStateDict(state, false);
        return new Module.IncompatibleKeys(List.copyOf(missing), List.copyOf(unexpected));
    }

    private static String quotedKeys(Set<String> keys) {
        List<String> q = new ArrayList<>();
        keys.forEach(k -> q.add("\"" + k + "\""));
        return String.join(", ", q);
    }
}
