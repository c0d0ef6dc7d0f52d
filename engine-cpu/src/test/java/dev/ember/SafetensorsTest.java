package dev.ember;

import dev.ember.nn.Conv2d;

import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Weights move between Ember and PyTorch through safetensors files; every violation of the format is an IOException. */
class SafetensorsTest {

    @TempDir
    Path dir;

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(SafetensorsTest.class.getResource("/safetensors/" + name).toURI());
    }

    private static Module model() {
        return new dev.ember.nn.Sequential(new Conv2d(1, 2, 3), new dev.ember.nn.ReLU(), new dev.ember.nn.Flatten(), new Linear(8, 3));
    }

    private int files;

    /** A file of exactly these bytes. */
    private Path raw(byte[] bytes) throws IOException {
        Path f = dir.resolve("f" + files++ + ".safetensors");
        Files.write(f, bytes);
        return f;
    }

    /** A file with this header length field, header bytes and data. */
    private Path file(long n, byte[] header, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(n).put(header).put(data);
        return raw(b.array());
    }

    /** A file whose header length is that of this (unpadded) header, followed by this many data bytes. */
    private Path file(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return file(h.length, h, new byte[dataBytes]);
    }

    private static void fails(Path file, String problem) {
        IOException e = assertThrows(IOException.class, () -> Safetensors.load(file));
        assertEquals(file + ": " + problem, e.getMessage());
    }

    private void headerFails(String header, int dataBytes, String problem) throws IOException {
        fails(file(header, dataBytes), problem);
    }

    private static String f32(String name, String shape, String offsets) {
        return "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    @Test
    void emberFilesLoadBackIdentically() throws Exception {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("w", Tensor.randn(3, 4));
        tensors.put("d", Tensor.randn(DType.FLOAT64, 2));
        tensors.put("i", Tensor.tensor(new long[] {1, -2, 3}));
        tensors.put("b", Tensor.tensor(new boolean[] {true, false}));
        tensors.put("scalar", Tensor.scalar(2.5));
        tensors.put("t", Tensor.arange(0, 6, 1, DType.FLOAT32).reshape(2, 3).t()); // non-contiguous
        tensors.put("empty", Tensor.zeros(DType.INT64, 0, 4));
        tensors.put("na\"me\\ \u00e9\n\u0001 \uD83D\uDE00", Tensor.ones(2)); // needs JSON escapes and UTF-8
        Path f = dir.resolve("x.safetensors");
        Safetensors.save(tensors, f);
        Map<String, Tensor> back = Safetensors.load(f);
        assertEquals(new java.util.TreeSet<>(tensors.keySet()), new java.util.TreeSet<>(back.keySet()));
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor b = back.get(e.getKey());
            assertEquals(e.getValue().dtype(), b.dtype(), e.getKey());
            assertArrayEquals(e.getValue().shape(), b.shape(), e.getKey());
            assertTrue(e.getValue().equal(b), e.getKey());
        }
        long n = ByteBuffer.wrap(Files.readAllBytes(f), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8, "the data starts 8-aligned");
        assertEquals(Files.size(f), 8 + n + dataBytes(back));
        // a module's state dict round-trips into a fresh module
        Module a = model();
        Path m = dir.resolve("m.safetensors");
        Safetensors.save(a.stateDict(), m);
        Module c = model();
        c.loadStateDict(Safetensors.load(m));
        Tensor x = Tensor.randn(1, 1, 4, 4);
        assertTrue(a.forward(x).equal(c.forward(x)));
    }

    private static long dataBytes(Map<String, Tensor> tensors) {
        long n = 0;
        for (Tensor t : tensors.values()) {
            n += t.numel() * (t.dtype() == DType.BOOL ? 1 : t.dtype().itemSize());
        }
        return n;
    }

    @Test
    void pyTorchWeightsGivePyTorchsOutputs() throws Exception {
        Module net = model();
        net.loadStateDict(Safetensors.load(resource("model.safetensors")));
        Map<String, Tensor> io = Safetensors.load(resource("io.safetensors"));
        Tensor out = net.forward(io.get("input"));
        assertTrue(out.allclose(io.get("output"), 1e-5, 1e-6), out + " vs " + io.get("output"));
        assertEquals(List.of(2L, 0L), List.of(io.get("labels").toLongArray()[0], io.get("labels").toLongArray()[1]));
    }

    /** The specification's corner cases, written from PyTorch by make_files.py, hold what PyTorch put in them. */
    @Test
    void cornerCasesHoldWhatPyTorchWrote() throws Exception {
        Map<String, Tensor> loaded = Safetensors.load(resource("edge.safetensors"));
        List<String> lines = Files.readAllLines(resource("edge_expected.txt"));
        assertEquals(lines.size(), loaded.size());
        List<String> names = new ArrayList<>(loaded.keySet());
        for (int k = 0; k < lines.size(); k++) {
            String[] f = lines.get(k).split("\\|", -1);
            String name = new String(java.util.HexFormat.of().parseHex(f[0]), StandardCharsets.UTF_8);
            assertEquals(name, names.get(k), "tensors come in the header's order");
            Tensor t = loaded.get(name);
            assertEquals(Map.of("F32", DType.FLOAT32, "F64", DType.FLOAT64, "I64", DType.INT64, "BOOL", DType.BOOL).get(f[1]),
                    t.dtype(), name);
            int[] shape = f[2].isEmpty() ? new int[0] : java.util.Arrays.stream(f[2].split(",")).mapToInt(Integer::parseInt).toArray();
            assertArrayEquals(shape, t.shape(), name);
            String[] v = f[3].isEmpty() ? new String[0] : f[3].split(" ");
            assertEquals(v.length, t.numel(), name);
            for (int i = 0; i < v.length; i++) {
                switch (t.dtype()) {
                    case INT64: assertEquals(Long.parseLong(v[i]), t.toLongArray()[i], name); break;
                    case BOOL: assertEquals(v[i].equals("1"), t.toBooleanArray()[i], name); break;
                    case FLOAT32: assertEquals(Float.floatToIntBits((float) number(v[i])), Float.floatToIntBits(t.toFloatArray()[i]), name); break;
                    default: assertEquals(Double.doubleToLongBits(number(v[i])), Double.doubleToLongBits(t.toDoubleArray()[i]), name);
                }
            }
        }
    }

    private static double number(String s) {
        switch (s) {
            case "nan": return Double.NaN;
            case "inf": return Double.POSITIVE_INFINITY;
            case "-inf": return Double.NEGATIVE_INFINITY;
            default: return Double.parseDouble(s);
        }
    }

    /** Ember writes byte for byte what the reference writer writes (dtype order, name order, compact JSON, padding). */
    @Test
    void writesTheReferenceLayout() throws Exception {
        byte[] reference = Files.readAllBytes(resource("reference_layout.safetensors"));
        Map<String, Tensor> loaded = Safetensors.load(resource("reference_layout.safetensors"));
        Map<String, Tensor> shuffled = new HashMap<>(loaded); // the writer orders the tensors itself
        Path f = dir.resolve("again.safetensors");
        Safetensors.save(shuffled, f);
        assertArrayEquals(reference, Files.readAllBytes(f));
        // in memory, as safetensors.torch.save(tensors) / load(data): the same bytes, the same tensors
        assertArrayEquals(reference, Safetensors.saveBytes(shuffled));
        Map<String, Tensor> fromBytes = Safetensors.loadBytes(reference);
        assertEquals(loaded.keySet(), fromBytes.keySet());
        loaded.forEach((k, v) -> assertArrayEquals(v.to(DType.FLOAT64).toDoubleArray(),
            fromBytes.get(k).to(DType.FLOAT64).toDoubleArray(), 0.0, k));
        Path withMeta = dir.resolve("meta.safetensors");
        Safetensors.save(shuffled, Map.of("format", "pt"), withMeta);
        assertArrayEquals(Files.readAllBytes(withMeta), Safetensors.saveBytes(shuffled, Map.of("format", "pt")));
        IOException bad = assertThrows(IOException.class, () -> Safetensors.loadBytes(java.util.Arrays.copyOf(reference, 12)));
        assertTrue(bad.getMessage().startsWith("the safetensors bytes: header length "), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Safetensors.loadBytes(null));
        assertThrows(IllegalArgumentException.class, () -> Safetensors.saveBytes(null));
    }

    @Test
    void emptyFilesAndWhitespace() throws Exception {
        assertEquals(Map.of(), Safetensors.load(file("{}", 0)));
        Path empty = dir.resolve("empty.safetensors");
        Safetensors.save(Map.of(), empty);
        assertArrayEquals(new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '}, Files.readAllBytes(empty));
        assertEquals(Map.of(), Safetensors.load(empty));
        // JSON whitespace anywhere between tokens and after the object (the reference pads with spaces)
        Map<String, Tensor> t = Safetensors.load(file("{ \"w\" :\t{\r\n\"dtype\" : \"F32\" , \"shape\" : [ 2 ] , "
                + "\"data_offsets\" : [ 0 , 8 ] } } \n\t\r  ", 8));
        assertArrayEquals(new int[] {2}, t.get("w").shape());
        // the fields of an entry in any order
        t = Safetensors.load(file("{\"w\":{\"data_offsets\":[0,8],\"shape\":[1],\"dtype\":\"F64\"}}", 8));
        assertEquals(DType.FLOAT64, t.get("w").dtype());
        // zero-size tensors take no bytes, anywhere in the buffer
        t = Safetensors.load(file("{" + f32("a", "[0]", "[0,0]") + "," + f32("b", "[1]", "[0,4]") + ","
                + f32("c", "[3,0]", "[4,4]") + "," + f32("d", "[]", "[4,8]") + "}", 8));
        assertEquals(4, t.size());
        assertArrayEquals(new int[] {3, 0}, t.get("c").shape());
        assertArrayEquals(new int[0], t.get("d").shape());
        // an empty tensor may have dimensions whose product alone would overflow
        t = Safetensors.load(file("{" + f32("e", "[2147483647,2147483647,2147483647,0]", "[0,0]") + "}", 0));
        assertEquals(0, t.get("e").numel());
    }

    @Test
    void tooShortForTheLengthField() throws Exception {
        fails(raw(new byte[0]), "the file is 0 bytes long, too short for the 8-byte header length");
        fails(raw(new byte[7]), "the file is 7 bytes long, too short for the 8-byte header length");
    }

    /** The length field is an unsigned 64-bit number checked against the file, so 8 + N cannot overflow. */
    @Test
    void headerLengthBeyondTheFile() throws Exception {
        fails(file(4294967296L, new byte[0], new byte[92]), "header length 4294967296 exceeds the file size 100");
        fails(file(-1L, new byte[0], new byte[92]), "header length 18446744073709551615 exceeds the file size 100");
        fails(file(-8L, new byte[0], new byte[92]), "header length 18446744073709551608 exceeds the file size 100");
        fails(file(Long.MAX_VALUE, new byte[0], new byte[92]), "header length 9223372036854775807 exceeds the file size 100");
        fails(file(93, "{}".getBytes(StandardCharsets.US_ASCII), new byte[90]), "header length 93 exceeds the file size 100");
    }

    /** The reference implementation's 100 MB header limit, checked before the header is read (the file is sparse). */
    @Test
    void headerLengthBeyondTheLimit() throws Exception {
        Path f = dir.resolve("huge.safetensors");
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
            r.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(100_000_001L).array());
            r.setLength(100_000_100L);
        }
        fails(f, "header length 100000001 exceeds the format's limit of 100000000 bytes");
    }

    @Test
    void headerNotUtf8() throws Exception {
        byte[][] bad = {
            {'{', '"', (byte) 0xC3, '"', '}'},                      // a lead byte without its continuation
            {'{', '"', (byte) 0xC0, (byte) 0xAF, '"', '}'},         // an overlong encoding of '/'
            {'{', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'}, // an encoded surrogate
            {'{', '"', (byte) 0x80, '"', '}', ' '},                 // a lone continuation byte
            {'{', '}', ' ', (byte) 0xF0, (byte) 0x9F},              // cut inside a 4-byte sequence
        };
        int[] at = {2, 2, 2, 2, 3};
        for (int k = 0; k < bad.length; k++) {
            fails(file(bad[k].length, bad[k], new byte[0]), "the header is not valid UTF-8 (at byte " + at[k] + " of the header)");
        }
    }

    @Test
    void headerMustStartWithABrace() throws Exception {
        for (String h : new String[] {"", " {}", "[]", "\uFEFF{}", "\"{}\"", "null"}) {
            headerFails(h, 0, "the header does not start with '{'");
        }
    }

    @Test
    void headerNotJson() throws Exception {
        String[][] cases = {
            {"{", "unexpected end of the text, expected a key or '}' at position 1"},
            {"{\"a\"", "unexpected end of the text, expected ':' at position 4"},
            {"{\"__metadata__\":{}", "unexpected end of the text, expected ',' or '}' at position 18"},
            {"{}}", "unexpected character '}' after the end of the top-level value at position 2"},
            {"{} x", "unexpected character 'x' after the end of the top-level value at position 3"},
            {"{}\u0000", "unexpected control character U+0000 after the end of the top-level value at position 2"},
            {"{\"__metadata__\":{},}", "expected a string key but found character '}' at position 19"},
            {"{a:1}", "expected a string key but found character 'a' at position 1"},
            {"{\"a\" 1}", "expected ':' but found character '1' at position 5"},
            {"{\"a\":{\"shape\":[1,]}}", "unexpected character ']', expected a value at position 17"},
            {"{\"a\":{\"shape\":[1 2]}}", "expected ',' or ']' but found character '2' at position 17"},
            {"{\"a\":{\"shape\":[- 1]}}", "expected a digit but found character ' ' at position 16"},
            {"{\"a\":\"x}", "unexpected end of the text, expected the closing '\"' of a string at position 8"},
            {"{\"a\":\"x\ny\"}", "unescaped control character U+000A in a string at position 7"},
            {"{\"a\":\"\\q\"}", "invalid escape '\\q' in a string at position 6"},
            {"{\"a\":\"\\u12G4\"}", "invalid \\u escape: character 'G' is not a hex digit at position 10"},
            {"{\"a\":\"\\u\uFF11234\"}", "invalid \\u escape: character '\uFF11' is not a hex digit at position 8"},
            {"{\"a\":\"\\ud83d\"}", "unpaired surrogate escape \\ud83d at position 6"},
            {"{\"a\":\"\\ud83d\\u0041\"}", "unpaired surrogate escape \\ud83d at position 6"},
            {"{\"a\":\"\\ude00\\ud83d\"}", "unpaired surrogate escape \\ude00 at position 6"},
            {"{\"a\":01}", "number with a leading zero at position 6"},
            {"{\"a\":+1}", "unexpected character '+', expected a value at position 5"},
            {"{\"a\":-}", "expected a digit but found character '}' at position 6"},
            {"{\"a\":1.}", "expected a digit but found character '}' at position 7"},
            {"{\"a\":1e}", "expected a digit but found character '}' at position 7"},
            {"{\"a\":.5}", "unexpected character '.', expected a value at position 5"},
            {"{\"a\":tru}", "unexpected character 't', expected a value at position 5"},
            {"{\"a\":NaN}", "unexpected character 'N', expected a value at position 5"},
            {"{'a':1}", "expected a string key but found character ''' at position 1"},
        };
        for (String[] c : cases) {
            headerFails(c[0], 0, "the header is not valid JSON: " + c[1]);
        }
    }

    /** Absurd nesting is an IOException, not a StackOverflowError: the reader never goes deeper than the schema. */
    @Test
    void absurdNesting() throws Exception {
        String deep = "[".repeat(100_000);
        headerFails("{\"a\":" + deep, 0, "tensor \"a\": expected an object with dtype, shape and data_offsets, got an array");
        headerFails("{\"a\":" + "{\"b\":".repeat(100_000), 0,
                "tensor \"a\": unknown field \"b\" (a tensor has only dtype, shape and data_offsets)");
        headerFails("{\"a\":{\"shape\":" + deep, 0, "tensor \"a\": shape must be an array of non-negative integers, got an array");
        headerFails("{\"a\":{\"shape\":[" + deep, 0, "tensor \"a\": shape must be an array of non-negative integers, got an array");
        headerFails("{\"__metadata__\":{\"k\":" + deep, 0, "__metadata__ must be an object of strings, but \"k\" is an array");
    }

    @Test
    void duplicateKeys() throws Exception {
        headerFails("{" + f32("w", "[1]", "[0,4]") + "," + f32("w", "[1]", "[4,8]") + "}", 8,
                "the header is not valid JSON: duplicate key \"w\" at position 54");
        headerFails("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                "the header is not valid JSON: duplicate key \"dtype\" at position 20");
        headerFails("{\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"}}", 0, "the header is not valid JSON: duplicate key \"k\" at position 25");
        headerFails("{\"__metadata__\":{},\"__metadata__\":{}}", 0, "the header is not valid JSON: duplicate key \"__metadata__\" at position 19");
        // the same name spelled with an escape is the same key
        headerFails("{" + f32("w", "[1]", "[0,4]") + "," + f32("\\u0077", "[1]", "[4,8]") + "}", 8,
                "the header is not valid JSON: duplicate key \"w\" at position 54");
    }

    @Test
    void missingMistypedAndUnknownFields() throws Exception {
        String t = "tensor \"w\": ";
        headerFails("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, t + "missing field \"dtype\"");
        headerFails("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, t + "missing field \"shape\"");
        headerFails("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, t + "missing field \"data_offsets\"");
        headerFails("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"offsets\":[0,4]}}", 4,
                t + "unknown field \"offsets\" (a tensor has only dtype, shape and data_offsets)");
        headerFails("{\"w\":[]}", 0, t + "expected an object with dtype, shape and data_offsets, got an array");
        headerFails("{\"w\":null}", 0, t + "expected an object with dtype, shape and data_offsets, got null");
        headerFails("{\"w\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, t + "dtype must be a string, got the number 32");
        headerFails("{\"w\":{\"dtype\":null,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, t + "dtype must be a string, got null");
        headerFails("{\"w\":{\"dtype\":\"F32\",\"shape\":\"[1]\",\"data_offsets\":[0,4]}}", 4,
                t + "shape must be an array of non-negative integers, got a string");
        headerFails("{\"w\":{\"dtype\":\"F32\",\"shape\":{},\"data_offsets\":[0,4]}}", 4,
                t + "shape must be an array of non-negative integers, got an object");
        headerFails("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":\"0,4\"}}", 4,
                t + "data_offsets must be an array of two non-negative integers, got a string");
        headerFails("{\"__metadata__\":[]}", 0, "__metadata__ must be an object of strings, got an array");
        headerFails("{\"__metadata__\":null}", 0, "__metadata__ must be an object of strings, got null");
        headerFails("{\"__metadata__\":{\"format\":\"pt\",\"n\":1}}", 0, "__metadata__ must be an object of strings, but \"n\" is the number 1");
        headerFails("{\"__metadata__\":{\"a\":{}}}", 0, "__metadata__ must be an object of strings, but \"a\" is an object");
        // metadata of strings is fine, wherever it stands
        assertEquals(1, Safetensors.load(file("{" + f32("w", "[1]", "[0,4]") + ",\"__metadata__\":{\"a\":\"\\u00e9\",\"b\":\"\"}}", 4)).size());
    }

    @Test
    void dtypes() throws Exception {
        // F8_E4M3 and F8_E5M2 load (Float8Test); U16, U32 and U64 too (UnsignedDTypeTest)
        for (String d : new String[] {"F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "F4", "F6_E2M3", "F6_E3M2"}) {
            headerFails("{\"w\":{\"dtype\":\"" + d + "\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8,
                    "tensor \"w\": dtype " + d + " is not supported by Ember (it loads F32, F64, F16, BF16, I64, I32, I16, I8, U8, "
                            + "U16, U32, U64, BOOL, C64, F8_E4M3 and F8_E5M2)");
        }
        // their sizes are checked as any other's: 8 bytes are 4 U16, 2 U32, 1 U64
        for (String[] d : new String[][] {{"U16", "4"}, {"U32", "2"}}) {
            headerFails("{\"w\":{\"dtype\":\"" + d[0] + "\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8,
                    "tensor \"w\": data_offsets [0, 8] hold 8 bytes, but shape [1] of " + d[0] + " needs "
                            + 8 / Integer.parseInt(d[1]));
        }
        // their sizes are checked as any other's: 8 bytes are 8 F8_E4M3
        headerFails("{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8,
                "tensor \"w\": data_offsets [0, 8] hold 8 bytes, but shape [1] of F8_E4M3 needs 1");
        // the narrow integer types load with their sizes checked as any other's: 8 bytes are 2 I32, 4 I16, 8 I8 or U8
        for (String[] d : new String[][] {{"I32", "2"}, {"I16", "4"}, {"I8", "8"}, {"U8", "8"}}) {
            headerFails("{\"w\":{\"dtype\":\"" + d[0] + "\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8,
                    "tensor \"w\": data_offsets [0, 8] hold 8 bytes, but shape [1] of " + d[0] + " needs "
                            + 8 / Integer.parseInt(d[1]));
        }
        for (String d : new String[] {"f32", "F128", "", "float32", "F32 ", "I64\\u0000"}) {
            headerFails("{\"w\":{\"dtype\":\"" + d + "\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8,
                    "tensor \"w\": unknown dtype \"" + d + "\"");
        }
    }

    @Test
    void shapes() throws Exception {
        String t = "tensor \"w\": ";
        String rule = t + "shape must be an array of non-negative integers, got ";
        String[][] cases = {
            {"[-1]", rule + "the number -1"},
            {"[-0]", rule + "the number -0"},
            {"[1.5]", rule + "the number 1.5"},
            {"[1.0]", rule + "the number 1.0"},
            {"[1e2]", rule + "the number 1e2"},
            {"[\"2\"]", rule + "a string"},
            {"[null]", rule + "null"},
            {"[true]", rule + "the boolean true"},
            {"[[2]]", rule + "an array"},
            {"[2147483648]", t + "dimension 2147483648 exceeds Ember's limit of 2147483647"},
            {"[99999999999999999999]", t + "dimension 99999999999999999999 exceeds Ember's limit of 2147483647"},
            {"[2147483647,2147483647,2147483647]", t + "the element count of shape [2147483647, 2147483647, 2147483647] of F32 "
                + "overflows a 64-bit integer"},
            {"[2147483647,2147483647,2]", t + "the byte size of shape [2147483647, 2147483647, 2] of F32 overflows a 64-bit integer"},
        };
        for (String[] c : cases) {
            headerFails("{" + f32("w", c[0], "[0,4]") + "}", 4, c[1]);
        }
    }

    @Test
    void offsets() throws Exception {
        String t = "tensor \"w\": ";
        String rule = t + "data_offsets must be an array of two non-negative integers, got ";
        String[][] cases = {
            {"[-4,0]", rule + "the number -4"},
            {"[0,4.0]", rule + "the number 4.0"},
            {"[0,4e0]", rule + "the number 4e0"},
            {"[0,\"4\"]", rule + "a string"},
            {"[0]", rule + "an array of 1"},
            {"[0,4,8]", rule + "an array of 3"},
            {"[]", rule + "an array of 0"},
            {"[4,0]", t + "data_offsets [4, 0] are reversed (the end comes before the beginning)"},
            {"[0,8]", t + "data_offsets [0, 8] extend beyond the data buffer of 4 bytes"},
            {"[0,18446744073709551616]", t + "data_offsets [0, 18446744073709551616] extend beyond the data buffer of 4 bytes"},
            {"[18446744073709551616,4]", t + "data_offsets [18446744073709551616, 4] extend beyond the data buffer of 4 bytes"},
            {"[0,2]", t + "data_offsets [0, 2] hold 2 bytes, but shape [1] of F32 needs 4"},
        };
        for (String[] c : cases) {
            headerFails("{" + f32("w", "[1]", c[0]) + "}", 4, c[1]);
        }
        // the byte ranges must tile the buffer exactly: no overlap, no hole, nothing left over
        headerFails("{" + f32("a", "[2]", "[0,8]") + "," + f32("b", "[2]", "[4,12]") + "}", 12,
                "tensors \"a\" (data_offsets [0, 8]) and \"b\" (data_offsets [4, 12]) overlap");
        headerFails("{" + f32("a", "[1]", "[0,4]") + "," + f32("b", "[1]", "[0,4]") + "}", 4,
                "tensors \"a\" (data_offsets [0, 4]) and \"b\" (data_offsets [0, 4]) overlap");
        headerFails("{" + f32("a", "[2]", "[0,8]") + "," + f32("e", "[0]", "[4,4]") + "}", 8,
                "tensors \"a\" (data_offsets [0, 8]) and \"e\" (data_offsets [4, 4]) overlap");
        headerFails("{" + f32("a", "[1]", "[4,8]") + "}", 8, "bytes [0, 4) of the data buffer belong to no tensor (a hole before tensor \"a\")");
        headerFails("{" + f32("a", "[1]", "[0,4]") + "," + f32("b", "[1]", "[8,12]") + "}", 12,
                "bytes [4, 8) of the data buffer belong to no tensor (a hole before tensor \"b\")");
        headerFails("{" + f32("a", "[1]", "[0,4]") + "}", 5, "bytes [4, 5) at the end of the data buffer belong to no tensor");
        headerFails("{}", 3, "bytes [0, 3) at the end of the data buffer belong to no tensor");
        // header order need not be data order
        Map<String, Tensor> ok = Safetensors.load(file("{" + f32("b", "[1]", "[4,8]") + "," + f32("a", "[1]", "[0,4]") + "}", 8));
        assertEquals(List.of("b", "a"), new ArrayList<>(ok.keySet()));
    }

    /** A small file that declares a huge tensor fails on its sizes before anything of that size is allocated. */
    @Test
    void hugeDeclarationsInSmallFiles() throws Exception {
        String h = "{" + f32("w", "[1073741824]", "[0,4294967296]") + "}";
        Path f = file(h, 100 - 8 - h.length());
        assertEquals(100, Files.size(f));
        fails(f, "tensor \"w\": data_offsets [0, 4294967296] extend beyond the data buffer of " + (100 - 8 - h.length()) + " bytes");
        headerFails("{\"w\":{\"dtype\":\"F64\",\"shape\":[2147483647],\"data_offsets\":[0,17179869176]}}", 8,
                "tensor \"w\": data_offsets [0, 17179869176] extend beyond the data buffer of 8 bytes");
        headerFails("{\"w\":{\"dtype\":\"F64\",\"shape\":[2147483647],\"data_offsets\":[0,8]}}", 8,
                "tensor \"w\": data_offsets [0, 8] hold 8 bytes, but shape [2147483647] of F64 needs 17179869176");
    }

    @Test
    void savingRejectsWhatCannotBeWritten() throws Exception {
        Path f = dir.resolve("kept.safetensors");
        Safetensors.save(Map.of("w", Tensor.ones(2)), f);
        byte[] before = Files.readAllBytes(f);
        Map<String, Tensor> nullValue = new HashMap<>();
        nullValue.put("w", null);
        Map<String, Tensor> nullKey = new HashMap<>();
        nullKey.put(null, Tensor.ones(1));
        Object[][] cases = {
            {Map.of("__metadata__", Tensor.ones(1)), "the name __metadata__ is reserved by the safetensors format for metadata"},
            {Map.of("a\uD83D", Tensor.ones(1)), "tensor name \"a\uD83D\" is not valid Unicode (unpaired surrogate)"},
            {Map.of("\uDE00b", Tensor.ones(1)), "tensor name \"\uDE00b\" is not valid Unicode (unpaired surrogate)"},
            {nullValue, "tensor \"w\" is null"},
            {nullKey, "a tensor name is null"},
            {null, "tensors must not be null"},
        };
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            Map<String, Tensor> m = (Map<String, Tensor>) c[0];
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Safetensors.save(m, f));
            assertEquals(c[1], e.getMessage());
            assertArrayEquals(before, Files.readAllBytes(f), "a rejected save leaves the file as it was");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Safetensors.save(Map.of(), null));
        assertEquals("file must not be null", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Safetensors.load(null));
        assertEquals("file must not be null", e.getMessage());
    }
}
