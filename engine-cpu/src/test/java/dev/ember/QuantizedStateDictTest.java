package dev.ember;

import dev.ember.ao.quantization.DeQuantStub;
import dev.ember.ao.quantization.QConfig;
import dev.ember.ao.quantization.QuantStub;
import dev.ember.ao.quantization.Quantization;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.nn.TorchSerialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A quantized model's state dict as PyTorch's (resources/quantstatedict/make_expected.py): PyTorch's
 * {@code torch.save(quantized_model.state_dict())} files (quantized tensors per tensor and per channel, a quantized
 * Linear's packed parameters and dtype, the {@code _metadata} versions) load into Ember's converted models with
 * {@link Quantization#loadStateDict}, which then print, hold and compute PyTorch's values; {@link Quantization#stateDict}
 * saved by {@link TorchSerialization#save} is the file PyTorch writes, byte for byte. Bad state dicts change nothing.
 */
class QuantizedStateDictTest {
    static final ExpectedLines EXPECTED = ExpectedLines.load("/quantstatedict/expected.txt");

    @TempDir
    Path tmp;

    private Path resource(String name) throws IOException {
        Path p = tmp.resolve("in").resolve(name);
        Files.createDirectories(p.getParent());
        try (InputStream in = getClass().getResourceAsStream("/quantstatedict/" + name)) {
            assertNotNull(in, "missing resource " + name);
            Files.write(p, in.readAllBytes());
        }
        return p;
    }

    private static void setFloat(Module m, String prefix) {
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String k : m.stateDict().keySet()) {
            state.put(k, EXPECTED.tensor(prefix + k));
        }
        m.loadStateDict(state);
        m.eval();
    }

    /**
     * The CNN fused and converted as the generator did, calibrated on other data (the loaded state replaces it); also
     * served by {@link OutsiderPrograms13Test}.
     */
    static Sequential convertedCnn() {
        Sequential m = StaticQuantizationTest.cnn();
        setFloat(m, "float.");
        Quantization.fuseModules(m, List.of(List.of("1", "2"), List.of("4", "5"), List.of("7", "8")), true);
        Quantization.setQconfig(m, QConfig.DEFAULT_PER_CHANNEL);
        return converted(m, Tensor.ones(4, 1, 8, 8));
    }

    /** {@code m} (its qconfigs set) prepared, run once on {@code calibration}, converted. */
    private static <M extends Module> M converted(M m, Tensor calibration) {
        Quantization.prepare(m, true);
        try (GradMode off = Ember.noGrad()) {
            m.apply(calibration);
        }
        Quantization.convert(m, true);
        return m;
    }

    /** PyTorch's file {@code name} loads into {@code m}, which then prints as PyTorch's and saves the file's bytes. */
    private void assertLoadsAndSavesPyTorchsFile(Module m, String name, String printout) throws IOException {
        Path file = resource(name);
        Quantization.loadStateDict(m, load(file));
        assertEquals(EXPECTED.text(printout), m.toString());
        Path out = tmp.resolve(name);
        TorchSerialization.save(Quantization.stateDict(m), out);
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(out), "torch.save's bytes");
    }

    private static Map<?, ?> load(Path file) throws IOException {
        return (Map<?, ?>) TorchSerialization.load(file);
    }

    private static void assertWeight(String key, QuantizedTensor w) {
        assertArrayEquals(EXPECTED.tensor(key + ".int_repr").to(DType.INT64).toLongArray(),
            w.intRepr().to(DType.INT64).toLongArray(), key);
        assertArrayEquals(EXPECTED.tensor(key + ".scales").toDoubleArray(), w.qPerChannelScales().toDoubleArray(), key);
        assertArrayEquals(EXPECTED.tensor(key + ".zero_points").toLongArray(), w.qPerChannelZeroPoints().toLongArray(),
            key);
    }

    @Test
    void pytorchsQuantizedCnnLoadsAndComputesPyTorchsOutput() throws IOException {
        Sequential m = convertedCnn();
        Map<?, ?> state = load(resource("qcnn_raw.pt"));
        assertEquals(Map.of("", 1L, "7", 3L, "7._packed_params", 3L), Map.of("", TorchSerialization.versions(state).get(""),
            "7", TorchSerialization.versions(state).get("7"), "7._packed_params",
            TorchSerialization.versions(state).get("7._packed_params")), "the file's _metadata versions");
        assertInstanceOf(QuantizedTensor.class, state.get("1.weight"));
        Quantization.loadStateDict(m, state);
        assertEquals(EXPECTED.text("qcnn.printout"), m.toString(), "PyTorch's qparams, as its printout shows them");
        var conv = (dev.ember.ao.nn.quantized.Conv2d) m.getSubmodule("4");
        assertWeight("qcnn.4.weight", conv.weight());
        assertArrayEquals(EXPECTED.tensor("qcnn.4.bias").toFloatArray(), conv.bias().toFloatArray());
        var fc = (dev.ember.ao.nn.quantized.Linear) m.getSubmodule("10");
        assertWeight("qcnn.10._packed_params._packed_params.weight", fc.weight());
        assertArrayEquals(EXPECTED.tensor("qcnn.10._packed_params._packed_params.bias").toFloatArray(),
            fc.bias().toFloatArray());
        assertEquals(EXPECTED.tensor("qcnn.10.scale").item(), fc.scale(), 0.0);
        assertEquals((long) EXPECTED.tensor("qcnn.10.zero_point").item(), fc.zeroPoint());
        // the outputs: PyTorch's here is onednn's, which scales and rounds in its own order (a quantum or two apart
        // from FBGEMM's arithmetic, which Ember follows: StaticQuantizationTest holds that bit for bit)
        float[] want = EXPECTED.tensor("qcnn.out").toFloatArray();
        float[] got = m.apply(EXPECTED.tensor("qcnn.x")).toFloatArray();
        double quantum = fc.scale();
        int off = 0;
        for (int i = 0; i < want.length; i++) {
            double quanta = Math.abs(want[i] - got[i]) / quantum;
            assertTrue(quanta < 2.01, "output " + i + ": " + got[i] + " against " + want[i]);
            off += quanta > 0.5 ? 1 : 0;
        }
        assertTrue(off <= want.length / 4, off + " of " + want.length + " outputs a quantum or more apart");
    }

    @Test
    void theSavedStateDictIsTheFilePyTorchWrites() throws IOException {
        Sequential m = convertedCnn();
        Path file = resource("qcnn.pt");
        Quantization.loadStateDict(m, load(file));
        Map<String, Object> state = Quantization.stateDict(m);
        assertEquals(List.copyOf(load(file).keySet()), List.copyOf(state.keySet()), "PyTorch's keys, in its order");
        Path out = tmp.resolve("qcnn.pt");
        TorchSerialization.save(state, out);
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(out), "torch.save's bytes");
        // and Ember reads its own file back into a fresh model
        Sequential fresh = convertedCnn();
        Quantization.loadStateDict(fresh, load(out));
        assertEquals(m.toString(), fresh.toString());
        Tensor x = EXPECTED.tensor("qcnn.x");
        assertArrayEquals(m.apply(x).toFloatArray(), fresh.apply(x).toFloatArray(), 0f);
    }

    /**
     * A quantized Linear's first state dict form (PyTorch's version 1, or a state dict without {@code _metadata}:
     * {@code weight} and {@code bias} at the layer, as {@code nnq.Linear._load_from_state_dict} moves them), told by
     * its keys when the map carries no versions.
     */
    @Test
    void aLinearsOlderFormLoadsByItsKeys() throws IOException {
        Map<String, Object> old = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : load(resource("qcnn.pt")).entrySet()) {
            String k = (String) e.getKey();
            if (k.endsWith("._packed_params._packed_params")) {
                String layer = k.substring(0, k.length() - "._packed_params._packed_params".length());
                old.put(layer + ".weight", ((List<?>) e.getValue()).get(0));
                old.put(layer + ".bias", ((List<?>) e.getValue()).get(1));
            } else if (!k.endsWith("._packed_params.dtype")) {
                old.put(k, e.getValue());
            }
        }
        assertTrue(TorchSerialization.versions(old).isEmpty());
        Sequential m = convertedCnn();
        Quantization.loadStateDict(m, old);
        assertEquals(EXPECTED.text("qcnn.printout"), m.toString());
        assertWeight("qcnn.10._packed_params._packed_params.weight",
            ((dev.ember.ao.nn.quantized.Linear) m.getSubmodule("10")).weight());
    }

    /** The generator's AddNet: a FloatFunctional between quantized layers, and a LayerNorm left float. */
    static final class AddNet extends Module {
        final QuantStub quant = registerModule("quant", new QuantStub());
        final Linear fc = registerModule("fc", new Linear(4, 4));
        final dev.ember.ao.nn.quantized.FloatFunctional ff =
            registerModule("ff", new dev.ember.ao.nn.quantized.FloatFunctional());
        final DeQuantStub dequant = registerModule("dequant", new DeQuantStub());
        final LayerNorm norm = registerModule("norm", new LayerNorm(4));

        @Override
        public Tensor forward(Tensor x) {
            Tensor q = quant.apply(x);
            return norm.apply(dequant.apply(ff.add(q, fc.apply(q))));
        }
    }

    @Test
    void aQFunctionalsQparamsAndAFloatLayerRoundTrip() throws IOException {
        AddNet a = new AddNet();
        setFloat(a, "float.add.");
        Quantization.setQconfig(a, QConfig.DEFAULT);
        Quantization.setQconfig(a.norm, null);
        converted(a, Tensor.ones(2, 4));
        // Module.stateDict() has no place for QFunctional's scale and zero point (not registered tensors): it refuses
        // the model rather than leave them out (it used to leave them out, silently)
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
            () -> a.getSubmodule("ff").stateDict());
        assertTrue(e.getMessage().contains("'' (QFunctional)") && e.getMessage().contains("Quantization.stateDict"),
            e.getMessage());
        assertThrows(UnsupportedOperationException.class, a::stateDict);
        assertLoadsAndSavesPyTorchsFile(a, "qadd.pt", "qadd.printout");
    }

    /**
     * The static quantized norms and activations: their registered tensors (weights, biases, running statistics) then
     * {@code scale} and {@code zero_point}, BatchNorm2d's and InstanceNorm2d's version 2, as PyTorch's file.
     */
    @Test
    void quantizedNormsAndActivationsRoundTrip() throws IOException {
        Sequential n = new Sequential(new QuantStub(), new dev.ember.nn.BatchNorm2d(4), new dev.ember.nn.Hardswish(),
            new dev.ember.nn.LeakyReLU(0.1), new dev.ember.nn.ELU(0.7), new LayerNorm(new int[] {4, 5, 5}),
            new dev.ember.nn.GroupNorm(2, 4), new dev.ember.nn.InstanceNorm2d(4, 1e-5, 0.1, true, false),
            new DeQuantStub());
        setFloat(n, "float.norms.");
        Quantization.setQconfig(n, QConfig.DEFAULT);
        converted(n, Tensor.ones(2, 4, 5, 5));
        assertLoadsAndSavesPyTorchsFile(n, "qnorms.pt", "qnorms.printout");
    }

    @Test
    void aDynamicallyQuantizedModelRoundTrips() throws IOException {
        Sequential d = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2));
        setFloat(d, "float.dyn.");
        Quantization.quantizeDynamic(d, true);
        Path file = resource("qdyn.pt");
        Map<?, ?> state = load(file);
        assertEquals(4L, TorchSerialization.versions(state).get("0"));
        Sequential other = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2));
        Quantization.quantizeDynamic(other, true);
        Quantization.loadStateDict(other, state);
        assertEquals(EXPECTED.text("qdyn.printout"), other.toString());
        Tensor x = Tensor.tensor(new float[][] {{0.5f, -1f, 2f, 0.25f}, {-0.3f, 0.7f, 1.1f, -2f}});
        assertArrayEquals(d.apply(x).toFloatArray(), other.apply(x).toFloatArray(), 0f,
            "the loaded layers compute as the ones quantized from the same float weights");
        Path out = tmp.resolve("qdyn.pt");
        TorchSerialization.save(Quantization.stateDict(other), out);
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(out), "torch.save's bytes");
    }

    /**
     * A float16 dynamic Linear (PyTorch's {@code dtype=torch.float16}: FBGEMM only, which this PyTorch lacks, so no file
     * of PyTorch's): {@code _packed_params.dtype} torch.float16 and the weight as its float16-rounded float32 values
     * (what PyTorch's {@code _weight_bias()} unpacks), through a file and back into an equal model.
     */
    @Test
    void aFloat16DynamicModelRoundTripsThroughAFile() throws IOException {
        Sequential d = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2));
        setFloat(d, "float.dyn.");
        Quantization.quantizeDynamic(d, java.util.Set.of(Linear.class), DType.FLOAT16, true);
        Map<String, Object> state = Quantization.stateDict(d);
        assertEquals(DType.FLOAT16, state.get("0._packed_params.dtype"));
        Tensor w = (Tensor) ((List<?>) state.get("0._packed_params._packed_params")).get(0);
        assertEquals(DType.FLOAT32, w.dtype());
        assertArrayEquals(EXPECTED.tensor("float.dyn.0.weight").to(DType.FLOAT16).to(DType.FLOAT32).toFloatArray(),
            w.toFloatArray(), 0f, "the weight's float16 values");
        Path out = tmp.resolve("half.pt");
        TorchSerialization.save(state, out);
        Sequential other = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2));
        Quantization.quantizeDynamic(other, java.util.Set.of(Linear.class), DType.FLOAT16, true);
        Quantization.loadStateDict(other, load(out));
        Tensor x = Tensor.tensor(new float[][] {{0.5f, -1f, 2f, 0.25f}});
        assertArrayEquals(d.apply(x).toFloatArray(), other.apply(x).toFloatArray(), 0f);
        Sequential int8 = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2));
        Quantization.quantizeDynamic(int8, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Quantization.loadStateDict(int8, state));
        assertTrue(e.getMessage().contains("'_packed_params.dtype' must be torch.qint8 for this layer, got torch.float16"),
            e.getMessage());
    }

    @Test
    void badStateDictsAreRefusedAndChangeNothing() throws IOException {
        Sequential m = convertedCnn();
        String before = m.toString();
        byte[] saved = bytes(m);
        Map<String, Object> state = new LinkedHashMap<>();
        load(resource("qcnn.pt")).forEach((k, v) -> state.put((String) k, v));

        Map<String, Object> missing = new LinkedHashMap<>(state);
        missing.remove("7.scale");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Quantization.loadStateDict(m, missing));
        assertEquals("Error(s) in loading state_dict for Sequential:\n\tMissing key(s) in state_dict: \"7.scale\". ",
            e.getMessage());
        var keys = Quantization.loadStateDict(m, missing, false);
        assertEquals(List.of("7.scale"), keys.missingKeys());
        var fc = (dev.ember.ao.nn.quantized.Linear) m.getSubmodule("10");
        assertEquals(EXPECTED.tensor("qcnn.10.scale").item(), fc.scale(), 0.0, "the other modules loaded");
        assertEquals(convertedCnn().getSubmodule("7").toString(), m.getSubmodule("7").toString(),
            "the module whose key is missing is left as it was");
        assertTrue(before.contains(m.getSubmodule("7").toString()));

        Sequential n = convertedCnn();
        Map<String, Object> wrong = new LinkedHashMap<>(state);
        wrong.put("4.weight", Tensor.zeros(6, 1, 3, 3));
        wrong.put("extra", Tensor.zeros(1));
        e = assertThrows(IllegalArgumentException.class, () -> Quantization.loadStateDict(n, wrong));
        assertTrue(e.getMessage().startsWith("Error(s) in loading state_dict for Sequential:\n\tUnexpected key(s) in "
            + "state_dict: \"extra\". \n\tWhile loading the state of \"4\" (ConvReLU2d): the entry 'weight' must be a "
            + "qint8 quantized Tensor of shape [6, 1, 3, 3]"), e.getMessage());
        assertEquals(before, n.toString());
        assertArrayEquals(saved, bytes(n), "nothing changed");

        Map<String, Object> pair = new LinkedHashMap<>(state);
        pair.put("10._packed_params._packed_params", List.of(Tensor.zeros(4)));
        e = assertThrows(IllegalArgumentException.class, () -> Quantization.loadStateDict(n, pair));
        assertTrue(e.getMessage().contains("'_packed_params._packed_params' must be the pair (weight, bias)"),
            e.getMessage());
        Map<String, Object> floatForQuant = new LinkedHashMap<>(state);
        floatForQuant.put("0.scale", state.get("1.weight"));
        e = assertThrows(IllegalArgumentException.class, () -> Quantization.loadStateDict(n, floatForQuant));
        assertTrue(e.getMessage().contains("While copying the parameter named \"0.scale\", expected torch.Tensor"),
            e.getMessage());
        assertArrayEquals(saved, bytes(n), "nothing changed");
    }

    /** Hostile quantized tensors in a file: each an IOException naming the problem, nothing built from it. */
    @Test
    void malformedQuantizedTensorsInAFileAreRefused() throws IOException {
        Map<String, String> problems = new LinkedHashMap<>();
        problems.put("bad_zero_point.pt", "a quantized tensor of the file is invalid");
        problems.put("bad_storage.pt", "torch._utils._rebuild_qtensor over a storage of torch.float32, not a quantized one");
        problems.put("bad_size.pt", "reaches element 11 of a storage of 6");
        problems.put("bad_params.pt", "a quantized tensor's quantizer parameters are torch.qscheme with 1 values");
        IOException typed = assertThrows(IOException.class, () -> TorchSerialization.loadStateDict(resource("qcnn.pt")));
        assertTrue(typed.getMessage().endsWith("holds a quantized model's state dict (its entry '1.weight' is a quantized "
            + "tensor): read it with TorchSerialization.load and load it with Quantization.loadStateDict"), typed.getMessage());
        for (Map.Entry<String, String> e : problems.entrySet()) {
            Path file = resource(e.getKey());
            IOException x = assertThrows(IOException.class, () -> TorchSerialization.load(file), e.getKey());
            assertTrue(x.getMessage().contains(e.getValue()), e.getKey() + ": " + x.getMessage());
        }
    }

    private byte[] bytes(Module m) throws IOException {
        Path p = tmp.resolve("state.pt"); // one name: the archive's folder is named after the file
        TorchSerialization.save(Quantization.stateDict(m), p);
        return Files.readAllBytes(p);
    }
}
