package dev.ember;

import dev.ember.ao.quantization.DeQuantStub;
import dev.ember.ao.quantization.MinMaxObserver;
import dev.ember.ao.quantization.QConfig;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.QuantStub;
import dev.ember.ao.quantization.Quantization;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.nn.ConvTranspose3d;
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
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Eager-mode static quantization of {@code nn.ConvTranspose3d} into {@code torch.ao.nn.quantized.ConvTranspose3d}
 * against PyTorch 1.13 (resources/qconvtranspose3d/make_expected.py): a grouped, dilated layer with stride 2, padding
 * and output_padding, and a layer with a non-cubic kernel, unequal strides, no bias and a padding that crops the input;
 * the printouts, observers, quantized weights and output parameters, the layers' integers bit for bit against FBGEMM's
 * arithmetic transcribed (the exact integer sums of the transposed convolution, then FBGEMM's requantization), and the
 * converted model's state dict loaded from and saved as PyTorch's file.
 */
class QuantizedConvTranspose3dTest {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/qconvtranspose3d/expected.txt");

    @TempDir
    Path tmp;

    private static Sequential model() {
        return new Sequential(new QuantStub(),
            new ConvTranspose3d(4, 6, new int[] {3, 3, 3}, new int[] {2, 2, 2}, new int[] {1, 1, 1}, new int[] {1, 1, 1}, 2,
                true, new int[] {1, 2, 1}),
            new ConvTranspose3d(6, 3, new int[] {2, 3, 2}, new int[] {1, 2, 1}, new int[] {0, 2, 2}, new int[] {0, 0, 0}, 1,
                false, new int[] {1, 1, 1}),
            new DeQuantStub());
    }

    /** The generator's model with the default qconfig, prepared ({@code printed} gets its printout) and calibrated. */
    private static Sequential calibrated(java.util.function.Consumer<String> printed) {
        Sequential m = model();
        StaticQuantizationTest.loadExpected(m, EXPECTED, "float.");
        m.eval();
        Quantization.setQconfig(m, QConfig.DEFAULT);
        Quantization.prepare(m, true);
        printed.accept(m.toString());
        try (GradMode off = Ember.noGrad()) {
            m.apply(EXPECTED.tensor("calib"));
        }
        return m;
    }

    private static void assertInts(String key, QuantizedTensor q) {
        Tensor want = EXPECTED.tensor(key);
        assertArrayEquals(want.shape(), q.shape(), key + " shape");
        assertArrayEquals(want.to(DType.INT64).toLongArray(), q.intRepr().to(DType.INT64).toLongArray(), key);
    }

    @Test
    void convTranspose3dConvertsAndComputesFbgemmsIntegers() {
        Sequential m = calibrated(p -> assertEquals(EXPECTED.text("prepared"), p, "prepared printout"));
        for (String idx : List.of("0", "1", "2")) {
            String[] want = EXPECTED.get("obs." + idx).split(" ");
            MinMaxObserver o = (MinMaxObserver) m.getSubmodule(idx + ".activation_post_process");
            double lo = Double.parseDouble(want[0]);
            double hi = Double.parseDouble(want[1]);
            // the float transposed convolutions sum in their own order: a few float32 ulps
            assertEquals(lo, o.minVal().item(), 4e-7 * Math.abs(lo), "observer " + idx + " min");
            assertEquals(hi, o.maxVal().item(), 4e-7 * Math.abs(hi), "observer " + idx + " max");
        }
        Quantization.convert(m, true);
        for (String idx : List.of("1", "2")) {
            var q = (dev.ember.ao.nn.quantized.ConvTranspose3d) m.getSubmodule(idx);
            String[] qp = EXPECTED.get(idx + ".out_qparams").split(" ");
            double scale = Double.parseDouble(qp[0]);
            assertEquals(scale, q.scale(), 4e-6 * scale, "scale " + idx);
            assertEquals(Long.parseLong(qp[1]), q.zeroPoint(), 1, "zero point " + idx);
            // pinned to PyTorch's (from the same statistics), so the integers are compared exactly on any machine
            q.setOutputQParams(scale, Long.parseLong(qp[1]));
            assertInts(idx + ".weight.ints", q.weight());
            String[] wq = EXPECTED.get(idx + ".weight.qparams").split(" ");
            assertEquals(Double.parseDouble(wq[0]), q.weight().qScale(), "weight scale " + idx);
            assertEquals(Long.parseLong(wq[1]), q.weight().qZeroPoint(), "weight zero point " + idx);
            if (q.bias() != null) {
                assertArrayEquals(EXPECTED.tensor(idx + ".bias").toFloatArray(), q.bias().toFloatArray(), "bias " + idx);
            } else {
                assertEquals(List.of(), EXPECTED.keys(idx + ".bias"), "no bias " + idx);
            }
        }
        assertEquals(EXPECTED.text("converted"), m.toString(), "converted printout");
        Map<String, QuantizedTensor> seen = new LinkedHashMap<>();
        for (String idx : List.of("0", "1", "2")) {
            m.getSubmodule(idx).registerForwardHook((mod, ins, outs) -> {
                seen.put(idx, QuantizedActivations.quantized(outs.get(0)));
                return null;
            });
        }
        Tensor y = m.apply(EXPECTED.tensor("x"));
        for (String idx : List.of("0", "1", "2")) {
            assertInts("ints." + idx, seen.get(idx));
        }
        assertArrayEquals(EXPECTED.tensor("out").toFloatArray(), y.toFloatArray(), "output");
    }

    private Path resource(String name) throws IOException {
        Path p = tmp.resolve("in").resolve(name);
        Files.createDirectories(p.getParent());
        try (InputStream s = getClass().getResourceAsStream("/qconvtranspose3d/" + name)) {
            assertNotNull(s, "missing resource " + name);
            Files.write(p, s.readAllBytes());
        }
        return p;
    }

    /** PyTorch's {@code state_dict()} of the converted model loads (keys in its order), computes, and saves as its bytes. */
    @Test
    void stateDictLoadsFromAndSavesAsPyTorchsFile() throws IOException {
        Sequential m = calibrated(p -> { });
        Quantization.convert(m, true);
        Path file = resource("ct3.pt");
        Map<?, ?> state = (Map<?, ?>) TorchSerialization.load(file);
        assertEquals(EXPECTED.get("state.keys"), String.join(" ", state.keySet().stream().map(String::valueOf).toList()));
        Quantization.loadStateDict(m, state);
        assertEquals(EXPECTED.text("converted"), m.toString(), "printout after loading");
        assertArrayEquals(EXPECTED.tensor("out").toFloatArray(), m.apply(EXPECTED.tensor("x")).toFloatArray(), "output");
        Path out = tmp.resolve("ct3.pt");
        TorchSerialization.save(Quantization.stateDict(m), out);
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(out), "torch.save's bytes");
    }

    @Test
    void aWeightObserverOfAnotherDtypeIsRefusedInTheConvolutionsWords() {
        // every convolution's from_float (get_qconv, and _ConvTransposeNd's) asserts 'Weight observer must have a
        // dtype of qint8' (PyTorch 1.13 to 2.x; Linear's from_float words it 'must have dtype torch.qint8'): at
        // convert, the model left as it was
        for (boolean transposed : new boolean[] {false, true}) {
            Sequential m = new Sequential(new QuantStub(), transposed
                ? new ConvTranspose3d(4, 6, new int[] {1, 1, 1}, new int[] {1, 1, 1}, new int[] {0, 0, 0},
                    new int[] {0, 0, 0}, 1, true, new int[] {1, 1, 1})
                : new dev.ember.nn.Conv3d(4, 6, 1), new DeQuantStub());
            m.eval();
            Quantization.setQconfig(m, new QConfig(QConfig.DEFAULT.activation(),
                () -> new dev.ember.ao.quantization.MinMaxObserver(
                    new dev.ember.ao.quantization.ObserverOptions().dtype(QuantDType.QUINT8))));
            Quantization.prepare(m, true);
            try (GradMode off = Ember.noGrad()) {
                m.apply(Tensor.randn(2, 4, 2, 2, 2));
            }
            String before = m.toString();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Quantization.convert(m, true));
            assertEquals("Weight observer must have a dtype of qint8", e.getMessage(), transposed ? "transposed" : "conv");
            assertEquals(before, m.toString(), "the model is left as it was");
        }
    }

    @Test
    void badInputsAndPerChannelWeightsAreRefused() {
        // refused by prepare, as PyTorch's propagate_qconfig_ (_assert_valid_qconfig), the model left as it was
        Sequential pc = model();
        Quantization.setQconfig(pc, QConfig.DEFAULT_PER_CHANNEL);
        String before = pc.toString();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Quantization.prepare(pc, true));
        assertEquals(EXPECTED.get("per_channel.error"), "AssertionError: " + e.getMessage());
        assertEquals(before, pc.toString(), "the model is left as it was");

        Sequential m = calibrated(p -> { });
        Quantization.convert(m, true);
        var q = (dev.ember.ao.nn.quantized.ConvTranspose3d) m.getSubmodule("1");
        assertEquals("Input shape must be `(N, C, T, H, W)`!", assertThrows(IllegalArgumentException.class,
            () -> q.apply(Tensor.zeros(1, 4, 3, 3))).getMessage());
        Tensor three = QuantizedActivations.quantize(Tensor.zeros(1, 3, 2, 2, 2), 0.1, 3, QuantDType.QUINT8);
        IllegalArgumentException ch = assertThrows(IllegalArgumentException.class, () -> q.apply(three));
        assertTrue(ch.getMessage().contains("to have 4 channels, but got 3 channels instead"), ch.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> q.apply(Tensor.zeros(1, 4, 2, 2, 2)));
        // a state dict entry of the wrong shape: refused, the layer unchanged
        QuantizedTensor w = q.weight();
        Map<String, Object> bad = new LinkedHashMap<>(Quantization.stateDict(m));
        bad.put("1.weight", ((dev.ember.ao.nn.quantized.ConvTranspose3d) m.getSubmodule("2")).weight());
        String printed = m.toString();
        assertThrows(IllegalArgumentException.class, () -> Quantization.loadStateDict(m, bad));
        assertEquals(printed, m.toString());
        assertSame(w, q.weight());
    }
}
