package dev.ember.nn;

import dev.ember.Complex;
import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Complex tensors in files and from Java data: {@link Tensor#tensor(Object)} of {@link Complex} numbers and
 * {@link Tensor#toComplexArray}; {@link TorchSerialization} reading PyTorch 1.13's complex64 and complex128 tensors
 * ({@code ComplexFloatStorage}, {@code ComplexDoubleStorage}; views sharing a storage, a 0-dim, an empty and a leaf
 * requiring grad) and writing the same bytes as {@code torch.save}; {@link Safetensors} reading and writing C64 in the
 * reference layout and refusing complex128, which the format has no dtype for ({@code complexfiles/make_files.py}).
 */
class ComplexFilesTest {
    private static final String DIR = "/complexfiles/";

    @TempDir
    Path tmp;

    private Path resource(String name) throws IOException {
        return TorchSerializationTest.copied(tmp, DIR, name);
    }

    /** expected.txt's lines by their name ({@code tensor c64} or {@code safetensors z}). */
    private static Map<String, String[]> expected() throws IOException {
        Map<String, String[]> out = new LinkedHashMap<>();
        try (InputStream in = ComplexFilesTest.class.getResourceAsStream(DIR + "expected.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] halves = line.split(" : ", -1);
                String[] head = halves[0].split(" ", 3);
                out.put(head[0] + " " + head[1], new String[] {head[2], halves[1].trim()});
            }
        }
        return out;
    }

    private static int[] ints(String list) {
        String s = list.substring(1, list.length() - 1).trim();
        return s.isEmpty() ? new int[0] : Arrays.stream(s.split(",\\s*")).mapToInt(Integer::parseInt).toArray();
    }

    /** A tensor against its line: dtype, shape, stride, offset, requires_grad, and the parts exactly. */
    private static void assertTensor(String[] want, Tensor t) {
        // "complex64 [2, 3] [3, 1] 0 0"
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\S+) (\\[[^\\]]*\\]) (\\[[^\\]]*\\]) (\\d+) ([01])")
                .matcher(want[0]);
        assertTrue(m.matches(), want[0]);
        assertEquals("torch." + m.group(1), t.dtype().torchName());
        assertArrayEquals(ints(m.group(2)), t.shape());
        assertArrayEquals(ints(m.group(3)), t.stride());
        assertEquals(Integer.parseInt(m.group(4)), t.storageOffset());
        assertEquals(m.group(5).equals("1"), t.requiresGrad());
        double[] parts = want[1].isEmpty() ? new double[0] : Arrays.stream(want[1].split(" ")).mapToDouble(Double::parseDouble).toArray();
        assertArrayEquals(parts, t.detach().viewAsReal().toDoubleArray());
    }

    /** The formulas make_files.py uses: {@code (k - 3) * 0.375 + i (((5k) mod 7 - 3) * 0.5 [+ 1/3])}. */
    private static Tensor values(DType dtype, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        Complex[] v = new Complex[n];
        for (int k = 0; k < n; k++) {
            v[k] = Complex.of((k - 3) * 0.375, ((5 * k) % 7 - 3) * 0.5 + (dtype == DType.COMPLEX128 ? 1.0 / 3 : 0.0));
        }
        return Tensor.tensor(v, dtype).reshape(shape);
    }

    @Test
    void tensorsFromComplexNumbers() {
        Tensor z = Tensor.tensor(new Complex[][] {{Complex.of(1, 2), Complex.I}, {Complex.of(-0.5, 0), Complex.of(3, -4)}});
        assertEquals(DType.COMPLEX64, z.dtype());
        assertArrayEquals(new int[] {2, 2}, z.shape());
        assertArrayEquals(new double[] {1, 2, 0, 1, -0.5, 0, 3, -4}, z.viewAsReal().toDoubleArray());
        assertEquals(List.of(Complex.of(1, 2), Complex.I, Complex.of(-0.5, 0), Complex.of(3, -4)),
                Arrays.asList(z.toComplexArray()));
        // the default float64 type gives complex128; numbers mixed with complex ones are complex; a list nests too
        DType before = Ember.getDefaultDtype();
        try {
            Ember.setDefaultDtype(DType.FLOAT64);
            Tensor m = Tensor.tensor(List.of(1.5, Complex.of(0, 1.0 / 3), 2L, true));
            assertEquals(DType.COMPLEX128, m.dtype());
            assertArrayEquals(new double[] {1.5, 0, 0, 1.0 / 3, 2, 0, 1, 0}, m.viewAsReal().toDoubleArray());
        } finally {
            Ember.setDefaultDtype(before);
        }
        // a 0-dim tensor, an explicit complex dtype for real numbers, and a real tensor read as complex numbers
        Tensor s = Tensor.tensor(Complex.of(2, -1), DType.COMPLEX128);
        assertArrayEquals(new int[0], s.shape());
        assertEquals(Complex.of(2, -1), s.itemComplex());
        assertArrayEquals(new double[] {1, 0, 2, 0}, Tensor.tensor(new Object[] {1, 2.0}, DType.COMPLEX64).viewAsReal().toDoubleArray());
        assertArrayEquals(new Complex[] {Complex.of(1.5, 0), Complex.of(-2, 0)},
                Tensor.tensor(new double[] {1.5, -2}).toComplexArray());
        // a strided view reads in row-major order
        assertArrayEquals(new Complex[] {Complex.I, Complex.of(3, -4)}, z.t().select(0, 1).toComplexArray());
        assertArrayEquals(new Complex[0], Tensor.tensor(new Complex[0][3]).toComplexArray());
        // Python's refusals (PyFloat_AsDouble's and PyLong_AsLongLong's messages, which torch.tensor's store calls)
        assertEquals("must be real number, not complex", assertThrows(IllegalArgumentException.class,
                () -> Tensor.tensor(new Complex[] {Complex.I}, DType.FLOAT32)).getMessage());
        assertEquals("'complex' object cannot be interpreted as an integer", assertThrows(IllegalArgumentException.class,
                () -> Tensor.tensor(new Object[] {1, Complex.I}, DType.INT64)).getMessage());
        assertEquals("Could not infer dtype of String", assertThrows(IllegalArgumentException.class,
                () -> Tensor.tensor(new Object[] {Complex.I, "x"})).getMessage());
        assertEquals("expected sequence of length 2 at dim 1 (got 1)", assertThrows(IllegalArgumentException.class,
                () -> Tensor.tensor(new Complex[][] {{Complex.I, Complex.I}, {Complex.I}})).getMessage());
    }

    @Test
    void torchLoadReadsPyTorchsComplexTensors() throws Exception {
        Map<?, ?> loaded = (Map<?, ?>) TorchSerialization.load(resource("complex.pt"));
        Map<String, String[]> want = expected();
        assertEquals(List.of("c64", "c128", "c128_t", "c128_slice", "scalar", "empty", "leaf"), List.copyOf(loaded.keySet()));
        for (Map.Entry<?, ?> e : loaded.entrySet()) {
            assertTensor(want.get("tensor " + e.getKey()), (Tensor) e.getValue());
        }
        // the views share the complex128 storage again: a write through one shows in the others
        Tensor b = (Tensor) loaded.get("c128");
        Tensor bt = (Tensor) loaded.get("c128_t");
        Tensor slice = (Tensor) loaded.get("c128_slice");
        b.viewAsReal().select(1, 0).fill_(42.0); // column 0, both parts
        assertEquals(Complex.of(42, 42), bt.select(0, 0).select(0, 1).itemComplex()); // b[1, 0]
        assertEquals(Complex.of(42, 42), slice.select(0, 0).select(0, 0).itemComplex());
        // the leaf takes gradients
        Tensor leaf = (Tensor) loaded.get("leaf");
        leaf.abs().sum().backward();
        assertArrayEquals(new int[] {4}, leaf.grad().shape());
    }

    @Test
    void torchSaveWritesTorchSavesBytes() throws Exception {
        byte[] want = Files.readAllBytes(resource("complex.pt"));
        // the same object built in Java from make_files.py's formulas
        Tensor b = values(DType.COMPLEX128, 3, 4);
        Map<String, Object> tensors = new LinkedHashMap<>();
        tensors.put("c64", values(DType.COMPLEX64, 2, 3));
        tensors.put("c128", b);
        tensors.put("c128_t", b.t());
        tensors.put("c128_slice", b.narrow(0, 1, 2).slice(1, 0, 4, 2));
        tensors.put("scalar", values(DType.COMPLEX128));
        tensors.put("empty", values(DType.COMPLEX64, 0, 2));
        tensors.put("leaf", values(DType.COMPLEX64, 4).requiresGrad_(true));
        Unpickler.OrderedDictMap ordered = new Unpickler.OrderedDictMap();
        ordered.putAll(tensors);
        Path mine = tmp.resolve("out").resolve("complex.pt"); // the archive's folder is the file's name
        Files.createDirectories(mine.getParent());
        TorchSerialization.save(ordered, mine);
        assertArrayEquals(want, Files.readAllBytes(mine));
        // and what Ember read from PyTorch's file, written again
        Path again = tmp.resolve("again").resolve("complex.pt");
        Files.createDirectories(again.getParent());
        TorchSerialization.save(TorchSerialization.load(resource("complex.pt")), again);
        assertArrayEquals(want, Files.readAllBytes(again));
    }

    @Test
    void torchSaveRefusesOneStorageAsTwoTypes() throws Exception {
        Tensor z = values(DType.COMPLEX64, 3);
        Path f = tmp.resolve("mixed.pt");
        assertEquals("Cannot save multiple tensors or storages that view the same data as different types",
                assertThrows(IllegalArgumentException.class, () -> TorchSerialization.save(List.of(z, z.viewAsReal()), f))
                        .getMessage());
        assertFalse(Files.exists(f));
    }

    @Test
    void safetensorsReadsAndWritesC64() throws Exception {
        Map<String, Tensor> loaded = Safetensors.load(resource("complex.safetensors"));
        Map<String, String[]> want = expected();
        assertTensor(want.get("safetensors z"), loaded.get("z"));
        assertTensor(want.get("safetensors a_z"), loaded.get("a_z"));
        assertEquals(DType.FLOAT64, loaded.get("w64").dtype());
        // written again in the reference layout (F64, C64, F32, then by name), byte for byte
        Path f = tmp.resolve("again.safetensors");
        Safetensors.save(new HashMap<>(loaded), f);
        assertArrayEquals(Files.readAllBytes(resource("complex.safetensors")), Files.readAllBytes(f));
        // the format has no complex128
        Path g = tmp.resolve("c128.safetensors");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Safetensors.save(Map.of("w", values(DType.COMPLEX128, 2)), g));
        assertEquals("tensor \"w\" is complex128, which the safetensors format cannot hold: its only complex dtype is C64 "
                + "(complex64); convert it with to(DType.COMPLEX64), or save its real view (viewAsReal) as F64", e.getMessage());
        assertFalse(Files.exists(g));
        // a complex64 tensor round trips, a strided view written as its values
        Tensor z = values(DType.COMPLEX64, 3, 2).t();
        Path h = tmp.resolve("z.safetensors");
        Safetensors.save(Map.of("z", z), h);
        Tensor back = Safetensors.load(h).get("z");
        assertArrayEquals(z.toComplexArray(), back.toComplexArray());
        assertSame(DType.COMPLEX64, back.dtype());
        assertNull(back.grad());
    }

    @Test
    void safetensorsSaveModelFindsSharedComplexTensors() throws Exception {
        // a complex buffer held under two names, and one viewing its second half: written once, as the reference does
        Tensor z = values(DType.COMPLEX64, 4);
        Module m = new Module() {
            {
                registerBuffer("a", z);
                registerBuffer("b", z);
                registerBuffer("tail", z.narrow(0, 2, 2)); // not "half": every PyTorch module has that attribute
            }

            @Override
            public Tensor forward(Tensor input) {
                return input;
            }
        };
        Path f = tmp.resolve("model.safetensors");
        Safetensors.saveModel(m, f);
        assertEquals(List.of("a"), List.copyOf(Safetensors.load(f).keySet()));
        assertEquals(Map.of("b", "a", "tail", "a"), Safetensors.loadMetadata(f));
        Tensor before = z.clone();
        z.zero_();
        Safetensors.loadModel(m, f);
        assertArrayEquals(before.toComplexArray(), z.toComplexArray());
    }
}
