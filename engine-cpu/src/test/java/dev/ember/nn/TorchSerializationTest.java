package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link TorchSerialization} against files {@code torch.save} wrote ({@code torchserialization/make_files.py}, with
 * what they hold in {@code expected.txt}): values, dtypes, shapes, strides, offsets, shared storages and
 * {@code requires_grad} of every tensor; a state dict loaded into an Ember model giving PyTorch's forward; a nested
 * checkpoint's Python values; Ember's writer giving torch.save's bytes exactly; the files and globals the weights-only
 * loader refuses; and seeded fuzzing (mutated files must load as before or fail with an IOException).
 */
class TorchSerializationTest {
    private static final String DIR = "/torchserialization/";

    @TempDir
    Path tmp;

    private Path resource(String name) throws IOException {
        return copied(tmp, DIR, name);
    }

    /** A test resource ({@code dir + name}) copied into a folder, as a file. */
    static Path copied(Path folder, String dir, String name) throws IOException {
        Path p = folder.resolve(name);
        try (InputStream in = TorchSerializationTest.class.getResourceAsStream(dir + name)) {
            assertTrue(in != null, "missing resource " + name);
            Files.write(p, in.readAllBytes());
        }
        return p;
    }

    /** One "tensor" line of expected.txt. */
    private record Expected(String dtype, int[] shape, int[] stride, int offset, boolean requiresGrad, String[] values) {
    }

    private static int[] ints(String list) {
        String s = list.substring(1, list.length() - 1).trim();
        return s.isEmpty() ? new int[0] : Arrays.stream(s.split(",\\s*")).mapToInt(Integer::parseInt).toArray();
    }

    private static Map<String, Expected> expected() throws IOException {
        Map<String, Expected> out = new LinkedHashMap<>();
        try (InputStream in = TorchSerializationTest.class.getResourceAsStream(DIR + "expected.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.startsWith("tensor ")) {
                    continue;
                }
                String[] halves = line.split(" : ", -1);
                String head = halves[0];
                // tensor NAME DTYPE [shape] [stride] OFFSET RG
                String[] w = head.split(" ", 4);
                String rest = w[3];
                int shapeEnd = rest.indexOf(']') + 1;
                int strideEnd = rest.indexOf(']', shapeEnd) + 1;
                String[] tail = rest.substring(strideEnd).trim().split(" ");
                String vals = halves[1].trim();
                out.put(w[1], new Expected(w[2], ints(rest.substring(0, shapeEnd)), ints(rest.substring(shapeEnd, strideEnd).trim()),
                        Integer.parseInt(tail[0]), tail[1].equals("1"), vals.isEmpty() ? new String[0] : vals.split(" ")));
            }
        }
        return out;
    }

    private static void check(String name, Expected e, Tensor t) {
        assertEquals(e.dtype(), t.dtype().torchName(), name);
        assertArrayEquals(e.shape(), t.shape(), name);
        assertArrayEquals(e.stride(), t.stride(), name);
        assertEquals(e.offset(), t.storageOffset(), name);
        assertEquals(e.requiresGrad(), t.requiresGrad(), name);
        Tensor d = t.detach();
        if (t.dtype().isFloatingPoint()) {
            double[] v = d.to(DType.FLOAT64).reshape(-1).toDoubleArray();
            assertEquals(e.values().length, v.length, name);
            for (int i = 0; i < v.length; i++) {
                double want = Double.parseDouble(e.values()[i].replace("inf", "Infinity").replace("nan", "NaN"));
                assertEquals(Double.doubleToLongBits(want), Double.doubleToLongBits(v[i]), name + "[" + i + "]: " + want + " vs " + v[i]);
            }
        } else {
            long[] v = d.to(DType.INT64).reshape(-1).toLongArray();
            assertArrayEquals(Arrays.stream(e.values()).mapToLong(Long::parseLong).toArray(), v, name);
        }
    }

    @Test
    void stateDictLoadsIntoAnEmberModelAndGivesPyTorchsForward() throws IOException {
        Map<String, Expected> want = expected();
        Map<String, Tensor> sd = TorchSerialization.loadStateDict(resource("state_dict.pt"));
        List<String> keys = new ArrayList<>();
        for (String k : want.keySet()) {
            if (k.startsWith("state_dict/")) {
                keys.add(k.substring("state_dict/".length()));
            }
        }
        assertEquals(keys, new ArrayList<>(sd.keySet()));
        for (String k : keys) {
            check(k, want.get("state_dict/" + k), sd.get(k));
        }
        Sequential model = new Sequential(new Conv2d(1, 2, 3), new BatchNorm2d(2), new Flatten(), new Linear(8, 3));
        model.loadStateDict(sd);
        model.eval();
        Tensor x = Tensor.arange(32).to(DType.FLOAT32).reshape(2, 1, 4, 4).div(16).sub(1);
        Tensor y = model.forward(x);
        Expected f = want.get("forward");
        assertArrayEquals(f.shape(), y.shape());
        float[] got = y.toFloatArray();
        for (int i = 0; i < got.length; i++) {
            float w = (float) Double.parseDouble(f.values()[i]);
            assertEquals(w, got[i], 2e-6f * Math.max(1, Math.abs(w)), "forward[" + i + "]");
        }
    }

    @Test
    void everyDtypeLayoutAndSharedStorageAsSaved() throws IOException {
        Map<String, Expected> want = expected();
        Object o = TorchSerialization.load(resource("tensors.pt"));
        assertInstanceOf(Map.class, o);
        Map<?, ?> m = (Map<?, ?>) o;
        int n = 0;
        for (Map.Entry<String, Expected> e : want.entrySet()) {
            if (e.getKey().startsWith("tensors/")) {
                String k = e.getKey().substring("tensors/".length());
                check(k, e.getValue(), (Tensor) m.get(k));
                n++;
            }
        }
        assertEquals(n, m.size());
        Tensor f32 = (Tensor) m.get("f32");
        assertSame(f32.storage(), ((Tensor) m.get("f32_t")).storage(), "a transposed view shares its base's storage");
        assertSame(f32.storage(), ((Tensor) m.get("f32_slice")).storage(), "a slice shares its base's storage");
        assertEquals(3, ((Tensor) m.get("expanded")).storage().numel(), "an expanded tensor keeps its 3-element storage");
        ((Tensor) m.get("f32_t")).detach().fill_(0); // writes through the shared storage, as in PyTorch
        assertEquals(0f, f32.toFloatArray()[0]);
    }

    @Test
    void checkpointsPythonValues() throws IOException {
        Map<String, Expected> want = expected();
        Map<?, ?> c = (Map<?, ?>) TorchSerialization.load(resource("checkpoint.pt"));
        assertEquals(7L, c.get("epoch"));
        Map<?, ?> model = (Map<?, ?>) c.get("model");
        assertInstanceOf(Unpickler.OrderedDictMap.class, model);
        assertEquals(9, model.size());
        Map<?, ?> opt = (Map<?, ?>) c.get("optimizer");
        Map<?, ?> state = (Map<?, ?>) opt.get("state");
        assertEquals(6, state.size());
        for (long i = 0; i < 6; i++) {
            Tensor buf = (Tensor) ((Map<?, ?>) state.get(i)).get("momentum_buffer");
            check("momentum " + i, want.get("checkpoint/optimizer/state/" + i + "/momentum_buffer"), buf);
        }
        Map<?, ?> group = (Map<?, ?>) ((List<?>) opt.get("param_groups")).get(0);
        assertEquals(0.1, group.get("lr"));
        assertEquals(0.9, group.get("momentum"));
        assertEquals(Boolean.FALSE, group.get("nesterov"));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), group.get("params"));
        List<?> losses = (List<?>) c.get("losses");
        assertInstanceOf(ArrayList.class, losses);
        assertEquals(0.5, losses.get(0));
        assertTrue(Double.isNaN((Double) losses.get(2)));
        List<?> pair = (List<?>) c.get("pair");
        assertEquals(Arrays.asList(1L, "a", null, true), pair);
        assertThrows(UnsupportedOperationException.class, () -> ((List<Object>) pair).add(1), "a tuple is immutable");
        assertEquals(List.of(2L, 3L), c.get("size"));
        assertEquals(DType.FLOAT16, c.get("dtype"));
        assertEquals("cuda:1", c.get("device"));
        assertEquals("cpu", c.get("cpu"));
        assertArrayEquals(new byte[] {'a', 'b', 0, (byte) 0xFF}, (byte[]) c.get("bytes"));
        assertEquals(Set.of(3L), c.get("set"));
        assertEquals(BigInteger.TWO.pow(70), c.get("big"));
        assertEquals(-5L, c.get("neg"));
        assertEquals(-(1L << 40), c.get("bigneg"));
        assertEquals(40000L, c.get("medium"));
        IOException e = assertThrows(IOException.class, () -> TorchSerialization.loadStateDict(resource("checkpoint.pt")));
        assertTrue(e.getMessage().contains("entry epoch is a str key with a int value, not a state dict"), e.getMessage());
    }

    /** The tensors of exact.pt, from the formulas make_files.py uses. */
    private static Map<String, Tensor> exactTensors() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int i = 0; i < 11; i++) {
            m.put("w" + i, Tensor.arange(i + 2).to(DType.FLOAT32).mul(0.25).sub(i).reshape(1, i + 2));
        }
        Tensor h = Tensor.arange(6).to(DType.FLOAT64).reshape(2, 3);
        m.put("h", h);
        m.put("h_t", h.t());
        m.put("ids", Tensor.arange(5).mul(1000).sub(2000));
        m.put("mask", Tensor.arange(4).remainder(3).eq(0));
        m.put("half", Tensor.arange(3).to(DType.FLOAT32).div(3).to(DType.FLOAT16));
        m.put("bhalf", Tensor.arange(3).to(DType.FLOAT32).div(3).to(DType.BFLOAT16));
        m.put("zero_dim", Tensor.scalar(7).to(DType.INT32));
        m.put("empty", Tensor.zeros(0));
        m.put("nested.name.weight", Tensor.ones(2, 2, 1, 1));
        return m;
    }

    @Test
    void saveWritesTorchSavesBytes() throws IOException {
        byte[] want = Files.readAllBytes(resource("exact.pt"));
        Path mine = tmp.resolve("out").resolve("exact.pt"); // the archive's folder is the file's name
        Files.createDirectories(mine.getParent());
        TorchSerialization.saveStateDict(exactTensors(), mine);
        assertArrayEquals(want, Files.readAllBytes(mine));
        // and what Ember reads from PyTorch's file, it writes back unchanged (an OrderedDict, h and h_t sharing)
        Object loaded = TorchSerialization.load(resource("exact.pt"));
        Path again = tmp.resolve("again").resolve("exact.pt");
        Files.createDirectories(again.getParent());
        TorchSerialization.save(loaded, again);
        assertArrayEquals(want, Files.readAllBytes(again));
    }

    @Test
    void roundTripOfNestedValues() throws IOException {
        Tensor w = Tensor.arange(6).to(DType.FLOAT32).reshape(2, 3).requiresGrad_(true);
        List<Object> cyclic = new ArrayList<>();
        cyclic.add("self");
        cyclic.add(cyclic);
        Map<Object, Object> obj = new LinkedHashMap<>();
        obj.put("w", w);
        obj.put("w_again", w);
        obj.put("row", w.detach().select(0, 1));
        obj.put(3L, Arrays.asList(1, 2.5f, null, true, "x", new BigInteger("-123456789012345678901234567890")));
        obj.put("cyclic", cyclic);
        obj.put("dtype", DType.BFLOAT16);
        obj.put("bytes", new byte[] {1, (byte) 200});
        Path f = tmp.resolve("nested.pt");
        TorchSerialization.save(obj, f);
        Map<?, ?> back = (Map<?, ?>) TorchSerialization.load(f);
        assertEquals(List.of("w", "w_again", "row", 3L, "cyclic", "dtype", "bytes"), new ArrayList<>(back.keySet()));
        Tensor w2 = (Tensor) back.get("w");
        assertSame(w2, back.get("w_again"), "an object saved twice is one object when loaded");
        assertTrue(w2.requiresGrad());
        assertArrayEquals(w.detach().toFloatArray(), w2.toFloatArray());
        Tensor row = (Tensor) back.get("row");
        assertSame(w2.storage(), row.storage());
        assertEquals(3, row.storageOffset());
        assertEquals(Arrays.asList(1L, 2.5, null, true, "x", new BigInteger("-123456789012345678901234567890")), back.get(3L));
        List<?> c = (List<?>) back.get("cyclic");
        assertSame(c, c.get(1));
        assertEquals(DType.BFLOAT16, back.get("dtype"));
        assertArrayEquals(new byte[] {1, (byte) 200}, (byte[]) back.get("bytes"));
    }

    /**
     * PyTorch 2.x adds records 1.13 does not write ({@code byteorder}, {@code .data/serialization_id},
     * {@code .format_version}); a "big" byte order means the storages' elements are big-endian.
     */
    @Test
    void pyTorch2RecordsAndBigEndianStorages() throws IOException {
        Tensor x = Tensor.tensor(new float[] {1.5f, -2f, 3.25f});
        Tensor ids = Tensor.tensor(new long[] {1, -2});
        Map<String, Object> obj = new LinkedHashMap<>();
        obj.put("x", x);
        obj.put("ids", ids);
        byte[] pickle = Pickler.dump(obj, t -> new Pickler.TensorReduce(t == x ? "0" : "1", t.dtype(), "cpu", t.numel(), 0,
                t.shape(), t.stride(), false));
        for (String order : new String[] {"little", "big"}) {
            Path f = tmp.resolve(order + ".pt");
            try (java.io.OutputStream out = Files.newOutputStream(f)) {
                TorchArchive.Writer w = new TorchArchive.Writer(out, "archive");
                record(w, "data.pkl", pickle);
                record(w, "byteorder", order.getBytes(StandardCharsets.US_ASCII));
                java.nio.ByteOrder bo = order.equals("big") ? java.nio.ByteOrder.BIG_ENDIAN : java.nio.ByteOrder.LITTLE_ENDIAN;
                java.nio.ByteBuffer xb = java.nio.ByteBuffer.allocate(12).order(bo);
                for (float v : x.toFloatArray()) {
                    xb.putFloat(v);
                }
                record(w, "data/0", xb.array());
                java.nio.ByteBuffer ib = java.nio.ByteBuffer.allocate(16).order(bo);
                for (long v : ids.toLongArray()) {
                    ib.putLong(v);
                }
                record(w, "data/1", ib.array());
                record(w, "version", "3\n".getBytes(StandardCharsets.US_ASCII));
                record(w, ".data/serialization_id", "1234567890".getBytes(StandardCharsets.US_ASCII));
                record(w, ".format_version", "1".getBytes(StandardCharsets.US_ASCII));
                w.finish();
            }
            Map<?, ?> back = (Map<?, ?>) TorchSerialization.load(f);
            assertArrayEquals(x.toFloatArray(), ((Tensor) back.get("x")).toFloatArray(), order);
            assertArrayEquals(ids.toLongArray(), ((Tensor) back.get("ids")).toLongArray(), order);
        }
        Path odd = tmp.resolve("odd.pt");
        try (java.io.OutputStream out = Files.newOutputStream(odd)) {
            TorchArchive.Writer w = new TorchArchive.Writer(out, "odd");
            record(w, "data.pkl", pickle);
            record(w, "byteorder", "middle".getBytes(StandardCharsets.US_ASCII));
            record(w, "version", "3\n".getBytes(StandardCharsets.US_ASCII));
            w.finish();
        }
        IOException e = assertThrows(IOException.class, () -> TorchSerialization.load(odd));
        assertTrue(e.getMessage().endsWith("Unknown endianness type: middle"), e.getMessage());
    }

    private static void record(TorchArchive.Writer w, String name, byte[] bytes) throws IOException {
        w.record(name, bytes.length, (o, crc) -> {
            o.write(bytes);
            crc.update(bytes);
        });
    }

    @Test
    void refusedFilesAndGlobals() throws IOException {
        IOException e = assertThrows(IOException.class, () -> TorchSerialization.load(resource("refused_function.pt")));
        assertTrue(e.getMessage().contains("Weights only load failed. WeightsUnpickler error: Unsupported global: GLOBAL print "
                + "was not an allowed global by default."), e.getMessage());
        // the legacy format (torch.ones(2)), read as 2.x's weights-only load reads it (more in LegacyFormatTest),
        // and refused with mmap on, as 2.x refuses it
        Path legacyFile = resource("legacy.pt");
        if (TorchSerialization.getDefaultLoadMmap()) {
            e = assertThrows(IOException.class, () -> TorchSerialization.load(legacyFile));
            assertTrue(e.getMessage().contains("mmap can only be used with files saved with"), e.getMessage());
        } else {
            assertEquals("tensor([1., 1.])", TorchSerialization.load(legacyFile).toString());
        }
        e = assertThrows(IOException.class, () -> TorchSerialization.load(resource("torchscript.pt")));
        assertTrue(e.getMessage().contains("TorchScript archive"), e.getMessage());
        Path text = tmp.resolve("text.pt");
        Files.writeString(text, "not a checkpoint");
        e = assertThrows(IOException.class, () -> TorchSerialization.load(text));
        assertTrue(e.getMessage().startsWith(text + ": not a PyTorch file"), e.getMessage());
        Path empty = tmp.resolve("empty.pt");
        Files.write(empty, new byte[0]);
        assertThrows(IOException.class, () -> TorchSerialization.load(empty));
        // globals: blocked modules and ones not allowed
        assertEquals("Weights only load failed. WeightsUnpickler error: Trying to load unsupported GLOBAL os.system whose module os is blocked.",
                unpickleError("\u0080\u0002cos\nsystem\n."));
        assertTrue(unpickleError("\u0080\u0002cnumpy.core.multiarray\nscalar\n.").contains(
                "Unsupported global: GLOBAL numpy.core.multiarray.scalar was not an allowed global by default."));
        assertTrue(unpickleError("\u0080\u0002]K\u0001a(K\u0002}u.").contains("Can only SETITEMS for dict"));
        assertTrue(unpickleError("\u0080\u0002}K\u0001a.").contains("Can only append to lists, but got dict"));
        assertTrue(unpickleError("\u0080\u0002}]K\u0001s.").contains("unhashable type: 'list'"));
        assertTrue(unpickleError("\u0080\u0002h\u0005.").contains("memo entry 5"));
        assertTrue(unpickleError("\u0080\u0002X\u00ff\u00ff\u00ff\u0000ab.").contains("truncated"));
        assertTrue(unpickleError("\u0080\u0002\u0095.").contains("Unsupported operand 149"));
    }

    private static String unpickleError(String latin1) {
        byte[] b = latin1.getBytes(StandardCharsets.ISO_8859_1);
        IOException e = assertThrows(IOException.class, () -> Unpickler.load(b, "s", (k, t, l, n) -> fail("no storage here")));
        assertTrue(e.getMessage().startsWith("s: "), e.getMessage());
        return e.getMessage().substring(3);
    }

    @Test
    void badArgumentsWriteNothing() throws IOException {
        assertThrows(IllegalArgumentException.class, () -> TorchSerialization.load(null));
        assertThrows(IllegalArgumentException.class, () -> TorchSerialization.loadStateDict(null));
        assertThrows(IllegalArgumentException.class, () -> TorchSerialization.save(Map.of(), null));
        assertThrows(IllegalArgumentException.class, () -> TorchSerialization.saveStateDict(null, tmp.resolve("x.pt")));
        Path f = tmp.resolve("never.pt");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchSerialization.save(Map.of("a", Tensor.ones(2), "b", new Object()), f));
        assertTrue(e.getMessage().startsWith("cannot save a java.lang.Object"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TorchSerialization.save(Map.of("bad\uD800", Tensor.ones(1)), f));
        List<Object> deep = new ArrayList<>();
        List<Object> at = deep;
        for (int i = 0; i < 1100; i++) {
            List<Object> next = new ArrayList<>();
            at.add(next);
            at = next;
        }
        assertThrows(IllegalArgumentException.class, () -> TorchSerialization.save(deep, f));
        assertFalse(Files.exists(f), "nothing is written for a bad argument");
    }

    /** The loaded value as a comparable description: tensors by dtype, layout and values, containers recursively. */
    private static String describe(Object o) {
        if (o instanceof Tensor) {
            Tensor t = (Tensor) o;
            Tensor d = t.detach();
            String v = t.dtype().isFloatingPoint() ? Arrays.toString(d.to(DType.FLOAT64).reshape(-1).toDoubleArray())
                    : Arrays.toString(d.to(DType.INT64).reshape(-1).toLongArray());
            return "T(" + t.dtype() + Arrays.toString(t.shape()) + Arrays.toString(t.stride()) + t.storageOffset() + t.requiresGrad() + v + ")";
        }
        if (o instanceof Map) {
            StringBuilder b = new StringBuilder(o.getClass().getSimpleName()).append('{');
            for (Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet()) {
                b.append(describe(e.getKey())).append('=').append(describe(e.getValue())).append(',');
            }
            return b.append('}').toString();
        }
        if (o instanceof List) {
            StringBuilder b = new StringBuilder(o instanceof ArrayList ? "[" : "(");
            for (Object x : (List<?>) o) {
                b.append(describe(x)).append(',');
            }
            return b.append(']').toString();
        }
        if (o instanceof byte[]) {
            return Arrays.toString((byte[]) o);
        }
        return String.valueOf(o) + (o == null ? "" : o.getClass().getSimpleName());
    }

    /**
     * Seeded mutations of PyTorch's files (bit flips, byte overwrites, truncations, appended bytes, and edits of the
     * zip's size and offset fields): every outcome is the unmutated file's value or an IOException naming the file.
     */
    @Test
    void mutatedFilesLoadAsBeforeOrFailWithIOException() throws IOException {
        long seed = Long.getLong("ember.fuzz.seed", 0x70C4_5AFEL);
        int iterations = Integer.getInteger("ember.fuzz.iterations", 600);
        Random r = new Random(seed);
        for (String name : new String[] {"state_dict.pt", "tensors.pt", "checkpoint.pt"}) {
            Path original = resource(name);
            byte[] bytes = Files.readAllBytes(original);
            String want = describe(TorchSerialization.load(original));
            Path f = tmp.resolve("fuzz-" + name);
            for (int it = 0; it < iterations; it++) {
                byte[] b = FileMutations.mutate(bytes, r, false);
                Files.write(f, b);
                try {
                    String got = describe(TorchSerialization.load(f));
                    assertEquals(want, got, name + " iteration " + it + " (seed " + seed + ") loaded other values");
                } catch (IOException e) {
                    assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
                } catch (RuntimeException | Error e) {
                    throw new AssertionError(name + " iteration " + it + " (seed " + seed + "): " + e, e);
                }
            }
        }
    }

    /**
     * Seeded mutations of the pickle alone, past the CRC that guards it in a file: the unpickler must end in a value or
     * an IOException, never another exception, whatever the bytes.
     */
    @Test
    void mutatedPicklesEndInAValueOrIOException() throws IOException {
        long seed = Long.getLong("ember.fuzz.seed", 0x9C4L);
        int iterations = Integer.getInteger("ember.fuzz.iterations", 600);
        Random r = new Random(seed);
        for (String name : new String[] {"state_dict.pt", "checkpoint.pt"}) {
            byte[] pickle;
            try (TorchArchive a = TorchArchive.open(resource(name))) {
                pickle = a.readAll(a.record("data.pkl"));
            }
            for (int it = 0; it < iterations * 3; it++) {
                byte[] b = FileMutations.mutate(pickle, r, false);
                try {
                    Object o = Unpickler.load(b, "p", (key, type, location, numel) -> {
                        if (numel > 1000) {
                            throw new IOException("p: storage too large for the test");
                        }
                        return Tensor.zeros((int) numel).to(type.dtype());
                    });
                    describe(o instanceof Map || o instanceof List ? List.of() : o); // the value is usable
                } catch (IOException e) {
                    assertTrue(e.getMessage().startsWith("p: "), e.getMessage());
                } catch (RuntimeException | Error e) {
                    throw new AssertionError(name + " pickle iteration " + it + " (seed " + seed + "): " + e, e);
                }
            }
        }
    }

    @Test
    void unpicklerBoundsWhatAStreamMakes() {
        byte[] b = new byte[Unpickler.MAX_OBJECTS + 4];
        b[0] = (byte) 0x80;
        b[1] = 2;
        Arrays.fill(b, 2, b.length, (byte) 'N');
        IOException e = assertThrows(IOException.class, () -> Unpickler.load(b, "s", (k, t, l, n) -> null));
        assertTrue(e.getMessage().contains("more than " + Unpickler.MAX_OBJECTS + " objects"), e.getMessage());
        // a dict key of tuples nested past the limit is refused rather than hashed recursively
        StringBuilder deep = new StringBuilder("\u0080\u0002}");
        deep.append("K\u0001");
        for (int i = 0; i < 200; i++) {
            deep.append('\u0085');
        }
        deep.append("K\u0002s.");
        assertTrue(unpickleError(deep.toString()).contains("nests tuples deeper than 100"));
        assertNull(assertDoesNotThrowLoad("\u0080\u0002N."));
    }

    private static Object assertDoesNotThrowLoad(String latin1) {
        try {
            return Unpickler.load(latin1.getBytes(StandardCharsets.ISO_8859_1), "s", (k, t, l, n) -> null);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
