package dev.ember;

import dev.ember.ao.nn.quantized.ConvNd;
import dev.ember.ao.quantization.DeQuantStub;
import dev.ember.ao.quantization.MinMaxObserver;
import dev.ember.ao.quantization.QConfig;
import dev.ember.ao.quantization.QuantStub;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.ao.quantization.Quantization;
import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.BatchNorm3d;
import dev.ember.nn.Conv1d;
import dev.ember.nn.Conv3d;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Eager-mode static quantization of the other convolutions against PyTorch 1.13 (resources/quantization3/
 * make_expected.py): {@code Conv1d} and {@code Conv3d} models fused as PyTorch's {@code fuse_modules} does in eval mode
 * (conv + bn + relu folded into a {@code ConvReLU1d}/{@code ConvReLU3d}, a grouped, strided, dilated conv + bn folded
 * into the convolution, conv + relu), prepared with per-tensor and per-channel weights, calibrated and converted: the
 * printouts, folded weights, quantized weights and every convolution's integers bit for bit against FBGEMM's arithmetic
 * transcribed (PyTorch's x86 engine), which this PyTorch's onednn model also gave (0 of 234 and 0 of 1512 integers
 * differ); the converted models' state dicts loaded from PyTorch's files and saved as their bytes.
 */
class StaticQuantization3Test {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/quantization3/expected.txt");
    private static final List<List<String>> FUSE = List.of(List.of("1", "2", "3"), List.of("4", "5"), List.of("6", "7"));
    private static final List<String> CONVS = List.of("1", "4", "6");

    @TempDir
    Path tmp;

    private static Tensor in(String key) {
        return EXPECTED.tensor(key);
    }

    /** The generator's Conv1d model: conv + bn + relu, grouped strided dilated conv + bn, conv (no bias) + relu. */
    static Sequential conv1dModel() {
        return new Sequential(new QuantStub(), new Conv1d(2, 4, 3, 1, 1), new BatchNorm1d(4), new ReLU(),
            new Conv1d(4, 6, 3, 2, 2, 2, 2, true), new BatchNorm1d(6), new Conv1d(6, 3, 2, 1, 0, 1, 1, false),
            new ReLU(), new DeQuantStub());
    }

    /** The generator's Conv3d model, of the same layout. */
    static Sequential conv3dModel() {
        return new Sequential(new QuantStub(),
            new Conv3d(2, 4, new int[] {2, 3, 3}, new int[] {1, 1, 1}, new int[] {1, 1, 0}, new int[] {1, 1, 1}, 1, true),
            new BatchNorm3d(4), new ReLU(),
            new Conv3d(4, 4, new int[] {3, 3, 3}, new int[] {1, 2, 1}, new int[] {1, 1, 1}, new int[] {2, 1, 1}, 2, true),
            new BatchNorm3d(4),
            new Conv3d(4, 3, new int[] {1, 2, 2}, new int[] {1, 1, 1}, new int[] {0, 0, 0}, new int[] {1, 1, 1}, 1, false),
            new ReLU(), new DeQuantStub());
    }

    private static Sequential floatModel(String name) {
        Sequential m = name.equals("c1") ? conv1dModel() : conv3dModel();
        StaticQuantizationTest.loadExpected(m, EXPECTED, name + ".float.");
        m.eval();
        return m;
    }

    private static void assertInts(String key, QuantizedTensor q) {
        Tensor want = in(key);
        assertArrayEquals(want.shape(), q.shape(), key + " shape");
        assertArrayEquals(want.to(DType.INT64).toLongArray(), q.intRepr().to(DType.INT64).toLongArray(), key);
    }

    /** A fused, prepared, calibrated, converted model of the generator's ({@code cfg}: "pt" or "pc"). */
    private static Sequential converted(String name, String cfg) {
        Sequential m = floatModel(name);
        Quantization.fuseModules(m, FUSE, true);
        Quantization.setQconfig(m, cfg.equals("pt") ? QConfig.DEFAULT : QConfig.DEFAULT_PER_CHANNEL);
        Quantization.prepare(m, true);
        try (GradMode off = Ember.noGrad()) {
            m.apply(in(name + ".calib"));
        }
        Quantization.convert(m, true);
        return m;
    }

    @Test
    void conv1dAndConv3dModelsFuseConvertAndComputeFbgemmsIntegers() {
        for (String name : List.of("c1", "c3")) {
            for (String cfg : List.of("pt", "pc")) {
                String key = name + "." + cfg;
                Sequential m = floatModel(name);
                Quantization.fuseModules(m, FUSE, true);
                assertEquals(EXPECTED.text(name + ".fused"), m.toString(), key + " fused printout");
                for (String idx : List.of("1", "4")) {
                    dev.ember.nn.Module c = m.getSubmodule(idx);
                    dev.ember.nn.ConvNd conv = (dev.ember.nn.ConvNd) (c instanceof Sequential s ? s.get(0) : c);
                    assertArrayEquals(in(name + ".folded." + idx + ".weight").toFloatArray(), conv.weight().toFloatArray(),
                        key + " folded weight " + idx);
                    assertArrayEquals(in(name + ".folded." + idx + ".bias").toFloatArray(), conv.bias().toFloatArray(),
                        key + " folded bias " + idx);
                }
                Quantization.setQconfig(m, cfg.equals("pt") ? QConfig.DEFAULT : QConfig.DEFAULT_PER_CHANNEL);
                Quantization.prepare(m, true);
                if (cfg.equals("pt")) {
                    assertEquals(EXPECTED.text(name + ".prepared"), m.toString(), key + " prepared printout");
                }
                try (GradMode off = Ember.noGrad()) {
                    m.apply(in(name + ".calib"));
                }
                for (String idx : List.of("0", "1", "4", "6")) {
                    String[] want = EXPECTED.get(key + ".obs." + idx).split(" ");
                    MinMaxObserver o = (MinMaxObserver) m.getSubmodule(idx + ".activation_post_process");
                    double lo = Double.parseDouble(want[0]);
                    double hi = Double.parseDouble(want[1]);
                    // the float convolutions sum in their own order: a few float32 ulps
                    assertEquals(lo, o.minVal().item(), 4e-7 * Math.abs(lo), key + " observer " + idx + " min");
                    assertEquals(hi, o.maxVal().item(), 4e-7 * Math.abs(hi), key + " observer " + idx + " max");
                }
                Quantization.convert(m, true);
                // the output parameters pinned to PyTorch's (from the same statistics, checked), so the integers are
                // compared exactly on any machine
                for (String idx : CONVS) {
                    String[] qp = EXPECTED.get(key + "." + idx + ".out_qparams").split(" ");
                    ConvNd q = (ConvNd) m.getSubmodule(idx);
                    double scale = Double.parseDouble(qp[0]);
                    assertEquals(scale, q.scale(), 4e-6 * scale, key + " scale " + idx);
                    assertEquals(Long.parseLong(qp[1]), q.zeroPoint(), 1, key + " zero point " + idx);
                    q.setOutputQParams(scale, Long.parseLong(qp[1]));
                }
                assertEquals(EXPECTED.text(key + ".converted"), m.toString(), key + " converted printout");
                String d = name.equals("c1") ? "1d" : "3d";
                assertEquals("ConvReLU" + d, m.getSubmodule("1").getClass().getSimpleName());
                assertEquals("Conv" + d, m.getSubmodule("4").getClass().getSimpleName());
                assertEquals("ConvReLU" + d, m.getSubmodule("6").getClass().getSimpleName());
                Map<String, QuantizedTensor> seen = new LinkedHashMap<>();
                for (String idx : List.of("0", "1", "4", "6")) {
                    if (!idx.equals("0")) {
                        ConvNd q = (ConvNd) m.getSubmodule(idx);
                        QuantizedTensor w = q.weight();
                        assertInts(key + "." + idx + ".weight.ints", w);
                        double[] scales = in(key + "." + idx + ".weight.scales").toDoubleArray();
                        if (cfg.equals("pt")) {
                            assertEquals(scales[0], w.qScale(), key + " " + idx);
                        } else {
                            assertArrayEquals(scales, w.qPerChannelScales().toDoubleArray(), key + " " + idx);
                            assertArrayEquals(in(key + "." + idx + ".weight.zero_points").toLongArray(),
                                w.qPerChannelZeroPoints().toLongArray(), key + " " + idx);
                        }
                    }
                    m.getSubmodule(idx).registerForwardHook((mod, ins, outs) -> {
                        seen.put(idx, QuantizedActivations.quantized(outs.get(0)));
                        return null;
                    });
                }
                Tensor y = m.apply(in(name + ".x"));
                for (String idx : List.of("0", "1", "4", "6")) {
                    assertInts(key + ".ints." + idx, seen.get(idx));
                    if (!idx.equals("0")) {
                        // this PyTorch's own onednn layer gave the same integers on the same input
                        assertInts(key + ".torch." + idx, seen.get(idx));
                    }
                }
                assertArrayEquals(in(key + ".out").toFloatArray(), y.toFloatArray(), key + " output");
            }
        }
    }

    private Path resource(String name) throws IOException {
        Path p = tmp.resolve("in").resolve(name);
        Files.createDirectories(p.getParent());
        try (InputStream s = getClass().getResourceAsStream("/quantization3/" + name)) {
            assertNotNull(s, "missing resource " + name);
            Files.write(p, s.readAllBytes());
        }
        return p;
    }

    /**
     * PyTorch's {@code state_dict()} of the per-channel converted models (a 3-d or 5-d qint8 {@code weight}, the
     * {@code bias}, 0-dim {@code scale} and {@code zero_point}, version 1) loads into a model converted from other
     * calibration data, which then prints and computes as PyTorch's, and saves the file's bytes.
     */
    @Test
    void convertedStateDictsLoadFromAndSaveAsPyTorchsFiles() throws IOException {
        for (String name : List.of("c1", "c3")) {
            Sequential m = floatModel(name);
            Quantization.fuseModules(m, FUSE, true);
            Quantization.setQconfig(m, QConfig.DEFAULT_PER_CHANNEL);
            Quantization.prepare(m, true);
            try (GradMode off = Ember.noGrad()) {
                m.apply(in(name + ".x"));
            }
            Quantization.convert(m, true);
            Path file = resource(name + "_pc.pt");
            Quantization.loadStateDict(m, (Map<?, ?>) TorchSerialization.load(file));
            assertEquals(EXPECTED.text(name + ".pc.printout"), m.toString(), name + " printout");
            assertArrayEquals(in(name + ".pc.out").toFloatArray(), m.apply(in(name + ".x")).toFloatArray(), name);
            Path out = tmp.resolve(name + "_pc.pt"); // the archive's folder is the file's name
            TorchSerialization.save(Quantization.stateDict(m), out);
            assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(out), name + " torch.save's bytes");
        }
    }

    @Test
    void badInputsAreRefusedAndChangeNothingAndQatTakesTheConvolutions() {
        Sequential m = converted("c1", "pt");
        ConvNd conv = (ConvNd) m.getSubmodule("1");
        IllegalArgumentException rank = assertThrows(IllegalArgumentException.class, () -> conv.apply(Tensor.zeros(2, 2)));
        assertEquals("Input shape must be `(N, C, L)`!", rank.getMessage());
        UnsupportedOperationException f = assertThrows(UnsupportedOperationException.class,
            () -> conv.apply(Tensor.zeros(1, 2, 5)));
        assertTrue(f.getMessage().startsWith("Could not run 'quantized::conv1d_relu' with arguments from the 'CPU' "
            + "backend."), f.getMessage());
        Sequential m3 = converted("c3", "pt");
        ConvNd conv3 = (ConvNd) m3.getSubmodule("4");
        assertEquals("Input shape must be `(N, C, D, H, W)`!", assertThrows(IllegalArgumentException.class,
            () -> conv3.apply(Tensor.zeros(1, 4, 5, 5))).getMessage());
        Tensor x3 = QuantizedActivations.quantize(Tensor.zeros(1, 3, 5, 5, 5), 0.1, 3, dev.ember.ao.quantization.QuantDType.QUINT8);
        IllegalArgumentException ch = assertThrows(IllegalArgumentException.class, () -> conv3.apply(x3));
        assertTrue(ch.getMessage().contains("to have 4 channels, but got 3 channels instead"), ch.getMessage());
        // a state dict entry of the wrong shape: refused, the layer unchanged
        QuantizedTensor w = conv.weight();
        Map<String, Object> bad = new LinkedHashMap<>(Quantization.stateDict(m));
        bad.put("1.weight", ((ConvNd) m.getSubmodule("4")).weight());
        String before = m.toString();
        assertThrows(IllegalArgumentException.class, () -> Quantization.loadStateDict(m, bad));
        assertEquals(before, m.toString());
        assertTrue(w == conv.weight());
        // fuse_modules_qat of conv3d + bn (+ relu) keeps the batch norm (ConvBn3d / ConvBnReLU3d, session 38: refused
        // before), and prepare_qat takes Conv3d and them, as PyTorch's QAT mapping (their training: QatConvTest); it
        // leaves Conv1d and ConvReLU1d to prepare, which observes them; convert quantizes them statically
        Sequential qat = conv3dModel();
        qat.train();
        Quantization.fuseModulesQat(qat, List.of(List.of("6", "7"), List.of("1", "2", "3"), List.of("4", "5")), true);
        assertInstanceOf(dev.ember.ao.nn.intrinsic.ConvBnReLU3d.class, qat.getSubmodule("1"));
        assertInstanceOf(dev.ember.ao.nn.intrinsic.ConvBn3d.class, qat.getSubmodule("4"));
        assertInstanceOf(dev.ember.ao.nn.intrinsic.ConvReLU3d.class, qat.getSubmodule("6"));
        Quantization.setQconfig(qat, QConfig.getDefaultQatQconfig("x86"));
        Quantization.prepareQat(qat, true);
        assertInstanceOf(dev.ember.ao.nn.intrinsic.qat.ConvBnReLU3d.class, qat.getSubmodule("1"));
        assertInstanceOf(dev.ember.ao.nn.intrinsic.qat.ConvBn3d.class, qat.getSubmodule("4"));
        assertInstanceOf(dev.ember.ao.nn.intrinsic.qat.ConvReLU3d.class, qat.getSubmodule("6"));
        Sequential c1 = conv1dModel();
        c1.train();
        Quantization.fuseModulesQat(c1, List.of(List.of("6", "7")), true);
        Quantization.setQconfig(c1, QConfig.getDefaultQatQconfig("x86"));
        Quantization.prepareQat(c1, true);
        assertInstanceOf(dev.ember.ao.nn.intrinsic.ConvReLU1d.class, c1.getSubmodule("6"));
        assertInstanceOf(Conv1d.class, c1.getSubmodule("1"));
        assertNotNull(c1.getSubmodule("6.activation_post_process"));
        assertNotNull(c1.getSubmodule("1.activation_post_process"));
        try (GradMode off = Ember.noGrad()) {
            c1.apply(in("c1.calib"));
        }
        c1.eval();
        Quantization.convert(c1, true);
        assertInstanceOf(dev.ember.ao.nn.intrinsic.quantized.ConvReLU1d.class, c1.getSubmodule("6"));
        assertInstanceOf(dev.ember.ao.nn.quantized.Conv1d.class, c1.getSubmodule("1"));
    }

    /**
     * The generator's transposed-convolution model: a grouped, dilated ConvTranspose2d with stride 2, padding and
     * output_padding, a ConvTranspose2d with a non-square kernel, then (dequantized, flattened, quantized again) a
     * ConvTranspose1d with output_padding.
     */
    static Sequential convTransposeModel() {
        return new Sequential(new QuantStub(),
            new dev.ember.nn.ConvTranspose2d(4, 6, new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1},
                2, true, new int[] {2, 2}),
            new dev.ember.nn.ConvTranspose2d(6, 3, new int[] {2, 3}, new int[] {1, 2}, new int[] {0, 2}, new int[] {0, 0},
                1, true, new int[] {1, 1}),
            new DeQuantStub(), new dev.ember.nn.Flatten(2, -1), new QuantStub(),
            new dev.ember.nn.ConvTranspose1d(3, 4, 3, 3, 1, 2, 1, true, 1), new DeQuantStub());
    }

    private static Sequential convTransposeFloat() {
        Sequential m = convTransposeModel();
        StaticQuantizationTest.loadExpected(m, EXPECTED, "ct.float.");
        m.eval();
        return m;
    }

    /**
     * Quantized ConvTranspose1d/2d (per-tensor weights, as PyTorch 1.13's from_float requires): printouts (2.x's
     * "QuantizedConvTranspose2d"; 1.13 printed "QuantizedConvTranpose2d"), observers, quantized weights and every
     * stage's integers bit for bit against FBGEMM's arithmetic transcribed (the exact sums of the transposed
     * convolution in float64, then FBGEMM's requantization); this PyTorch's qnnpack engine (onednn has no
     * output_padding) requantizes its own way and differs from the transcription at 14 of 12555 integers, by one. A
     * per-channel qconfig is refused with PyTorch's message, the model unchanged.
     */
    @Test
    void transposedConvolutionsComputeFbgemmsIntegers() {
        Sequential m = convTransposeFloat();
        Quantization.setQconfig(m, QConfig.DEFAULT);
        Quantization.prepare(m, true);
        assertEquals(EXPECTED.text("ct.prepared"), m.toString(), "prepared printout");
        try (GradMode off = Ember.noGrad()) {
            m.apply(in("ct.calib"));
        }
        for (String idx : List.of("0", "1", "2", "5", "6")) {
            String[] want = EXPECTED.get("ct.obs." + idx).split(" ");
            MinMaxObserver o = (MinMaxObserver) m.getSubmodule(idx + ".activation_post_process");
            double lo = Double.parseDouble(want[0]);
            double hi = Double.parseDouble(want[1]);
            assertEquals(lo, o.minVal().item(), 4e-7 * Math.abs(lo), "observer " + idx + " min");
            assertEquals(hi, o.maxVal().item(), 4e-7 * Math.abs(hi), "observer " + idx + " max");
        }
        Quantization.convert(m, true);
        for (String idx : List.of("1", "2", "6")) {
            String[] qp = EXPECTED.get("ct." + idx + ".out_qparams").split(" ");
            ConvNd q = (ConvNd) m.getSubmodule(idx);
            double scale = Double.parseDouble(qp[0]);
            assertEquals(scale, q.scale(), 4e-6 * scale, "scale " + idx);
            assertEquals(Long.parseLong(qp[1]), q.zeroPoint(), 1, "zero point " + idx);
            q.setOutputQParams(scale, Long.parseLong(qp[1]));
            assertInts("ct." + idx + ".weight.ints", q.weight());
            String[] wq = EXPECTED.get("ct." + idx + ".weight.qparams").split(" ");
            assertEquals(Double.parseDouble(wq[0]), q.weight().qScale(), "weight scale " + idx);
            assertEquals(Long.parseLong(wq[1]), q.weight().qZeroPoint(), "weight zero point " + idx);
        }
        assertEquals(EXPECTED.text("ct.converted"), m.toString(), "converted printout");
        assertInstanceOf(dev.ember.ao.nn.quantized.ConvTranspose2d.class, m.getSubmodule("1"));
        assertInstanceOf(dev.ember.ao.nn.quantized.ConvTranspose1d.class, m.getSubmodule("6"));
        Map<String, QuantizedTensor> seen = new LinkedHashMap<>();
        for (String idx : List.of("1", "2", "5", "6")) {
            m.getSubmodule(idx).registerForwardHook((mod, ins, outs) -> {
                seen.put(idx, QuantizedActivations.quantized(outs.get(0)));
                return null;
            });
        }
        Tensor y = m.apply(in("ct.x"));
        for (String idx : List.of("1", "2", "5", "6")) {
            assertInts("ct.ints." + idx, seen.get(idx));
        }
        assertArrayEquals(in("ct.out").toFloatArray(), y.toFloatArray(), "output");
        // per-channel weights: refused by prepare, as PyTorch's propagate_qconfig_ (_assert_valid_qconfig) refuses them
        // (session 38; convert refused them before), the model unchanged
        Sequential pc = convTransposeFloat();
        Quantization.setQconfig(pc, QConfig.DEFAULT_PER_CHANNEL);
        String before = pc.toString();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Quantization.prepare(pc, true));
        assertEquals("Per channel weight observer is not supported yet for ConvTranspose{n}d.", e.getMessage());
        assertEquals(before, pc.toString());
        // the wrong rank, a float input
        ConvNd t2 = (ConvNd) m.getSubmodule("1");
        assertEquals("Input shape must be `(N, C, H, W)`!", assertThrows(IllegalArgumentException.class,
            () -> t2.apply(Tensor.zeros(1, 4, 5))).getMessage());
        assertTrue(assertThrows(UnsupportedOperationException.class, () -> t2.apply(Tensor.zeros(1, 4, 5, 5)))
            .getMessage().startsWith("Could not run 'quantized::conv_transpose2d'"));
    }

    /** PyTorch's state dict of the converted transposed-convolution model ({@code [in, out / groups, *k]} weights). */
    @Test
    void transposedConvolutionsStateDictLoadsFromAndSavesAsPyTorchsFile() throws IOException {
        Sequential m = convTransposeFloat();
        Quantization.setQconfig(m, QConfig.DEFAULT);
        Quantization.prepare(m, true);
        try (GradMode off = Ember.noGrad()) {
            m.apply(in("ct.x"));
        }
        Quantization.convert(m, true);
        Path file = resource("ct.pt");
        Quantization.loadStateDict(m, (Map<?, ?>) TorchSerialization.load(file));
        assertEquals(EXPECTED.text("ct.converted"), m.toString(), "printout");
        assertArrayEquals(in("ct.out").toFloatArray(), m.apply(in("ct.x")).toFloatArray(), "output");
        Path out = tmp.resolve("ct.pt");
        TorchSerialization.save(Quantization.stateDict(m), out);
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(out), "torch.save's bytes");
    }

    private static Sequential bnReluFloat(String name) {
        Sequential m = name.equals("bnr2")
            ? new Sequential(new QuantStub(), new dev.ember.nn.BatchNorm2d(10), new ReLU(), new DeQuantStub())
            : new Sequential(new QuantStub(), new BatchNorm3d(3), new ReLU(), new DeQuantStub());
        StaticQuantizationTest.loadExpected(m, EXPECTED, name + ".float.");
        m.eval();
        return m;
    }

    /**
     * BatchNorm2d/3d + ReLU fused into {@code BNReLU2d}/{@code BNReLU3d} and converted to their quantized forms:
     * printouts, observers, output parameters and integers equal to PyTorch's own (its {@code batch_norm2d_relu} and
     * {@code 3d_relu} ATen kernels, engine-independent), also with an output zero point of 100 where the ReLU clamps
     * (the calibrated one is 0, where the clamp to [0, 255] alone gives the same); PyTorch's state dict files load and
     * save as their bytes; fuse_modules_qat gives the same fused module, which prepare_qat leaves for prepare, as
     * PyTorch's default QAT mapping has no BNReLU.
     */
    @Test
    void batchNormReluFusesAndQuantizesAsPyTorchs() throws IOException {
        for (String name : List.of("bnr2", "bnr3")) {
            Sequential m = bnReluFloat(name);
            Quantization.fuseModules(m, List.of(List.of("1", "2")), true);
            assertEquals(EXPECTED.text(name + ".fused"), m.toString(), name + " fused");
            Quantization.setQconfig(m, QConfig.DEFAULT);
            Quantization.prepare(m, true);
            assertEquals(EXPECTED.text(name + ".prepared"), m.toString(), name + " prepared");
            try (GradMode off = Ember.noGrad()) {
                m.apply(in(name + ".calib"));
            }
            for (String idx : List.of("0", "1")) {
                String[] want = EXPECTED.get(name + ".obs." + idx).split(" ");
                MinMaxObserver o = (MinMaxObserver) m.getSubmodule(idx + ".activation_post_process");
                assertEquals(Double.parseDouble(want[0]), o.minVal().item(), 4e-7 * Math.abs(Double.parseDouble(want[0])),
                    name + " observer " + idx + " min");
                assertEquals(Double.parseDouble(want[1]), o.maxVal().item(), 4e-7 * Math.abs(Double.parseDouble(want[1])),
                    name + " observer " + idx + " max");
            }
            Quantization.convert(m, true);
            dev.ember.ao.nn.quantized.QuantizedOutput q = (dev.ember.ao.nn.quantized.QuantizedOutput) m.getSubmodule("1");
            assertEquals(name.equals("bnr2") ? "BNReLU2d" : "BNReLU3d", q.getClass().getSimpleName());
            String[] qp = EXPECTED.get(name + ".1.out_qparams").split(" ");
            double scale = Double.parseDouble(qp[0]);
            assertEquals(scale, q.scale(), 4e-6 * scale, name + " scale");
            assertEquals(Long.parseLong(qp[1]), q.zeroPoint(), name + " zero point");
            q.setOutputQParams(scale, Long.parseLong(qp[1]));
            assertEquals(EXPECTED.text(name + ".converted"), m.toString(), name + " converted");
            Tensor x = ((dev.ember.nn.Module) m.getSubmodule("0")).apply(in(name + ".x"));
            assertInts(name + ".ints.0", QuantizedActivations.quantized(x));
            assertInts(name + ".ints.1", QuantizedActivations.quantized(q.apply(x)));
            q.setOutputQParams(scale, 100);
            assertInts(name + ".ints.zp100", QuantizedActivations.quantized(q.apply(x)));
            String shape = name.equals("bnr2") ? "(N, C, H, W)" : "(N, C, D, H, W)";
            assertEquals("Input shape must be `" + shape + "`!", assertThrows(IllegalArgumentException.class,
                () -> q.apply(Tensor.zeros(2, 3))).getMessage());
            Path file = resource(name + ".pt");
            Quantization.loadStateDict(m, (Map<?, ?>) TorchSerialization.load(file));
            assertEquals(0, q.zeroPoint(), "the file's zero point loaded");
            Path out = tmp.resolve(name + ".pt");
            TorchSerialization.save(Quantization.stateDict(m), out);
            assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(out), name + " torch.save's bytes");
        }
        // fuse_modules_qat: the same BNReLU2d, which prepare_qat leaves to prepare's observer; convert quantizes it
        Sequential t = new Sequential(new QuantStub(), new dev.ember.nn.BatchNorm2d(10), new ReLU(), new DeQuantStub());
        StaticQuantizationTest.loadExpected(t, EXPECTED, "bnr2.float.");
        t.train();
        Quantization.fuseModulesQat(t, List.of(List.of("1", "2")), true);
        assertInstanceOf(dev.ember.ao.nn.intrinsic.BNReLU2d.class, t.getSubmodule("1"));
        Quantization.setQconfig(t, QConfig.getDefaultQatQconfig("x86"));
        Quantization.prepareQat(t, true);
        assertInstanceOf(dev.ember.ao.nn.intrinsic.BNReLU2d.class, t.getSubmodule("1"));
        assertNotNull(t.getSubmodule("1.activation_post_process"));
        t.eval();
        Quantization.convert(t, true);
        assertInstanceOf(dev.ember.ao.nn.intrinsic.quantized.BNReLU2d.class, t.getSubmodule("1"));
        // BN and ReLU in different modes: PyTorch's message, nothing fused
        Sequential mixed = new Sequential(new dev.ember.nn.BatchNorm2d(2), new ReLU());
        mixed.get(0).eval();
        assertEquals("BN and ReLU both must be in the same mode (train or eval).", assertThrows(
            IllegalStateException.class, () -> Quantization.fuseModules(mixed, List.of(List.of("0", "1")), true))
            .getMessage());
        assertInstanceOf(dev.ember.nn.BatchNorm2d.class, mixed.get(0));
    }

    /**
     * Static quantized PReLU ({@code nnq.PReLU}, one slope and one per channel): printouts, observers, the quint8
     * weight as PyTorch 2.x's from_float makes it (its weight observer run on the weight; 1.13's never ran it), the
     * output parameters, and the integers of {@code quantized::prelu} bit for bit against its kernel transcribed, which
     * this PyTorch's own kernel also gave (0 of 180 and 0 of 126 differ); an empty state dict (plain attributes), as
     * PyTorch's.
     */
    @Test
    void preluQuantizesAsPyTorchs() {
        for (String name : List.of("prelu4", "prelu1")) {
            int n = name.equals("prelu4") ? 4 : 1;
            Sequential m = new Sequential(new QuantStub(), new dev.ember.nn.PReLU(n), new DeQuantStub());
            StaticQuantizationTest.loadExpected(m, EXPECTED, name + ".float.");
            m.eval();
            Quantization.setQconfig(m, QConfig.DEFAULT);
            Quantization.prepare(m, true);
            assertEquals(EXPECTED.text(name + ".prepared"), m.toString(), name + " prepared");
            try (GradMode off = Ember.noGrad()) {
                m.apply(in(name + ".calib"));
            }
            for (String idx : List.of("0", "1")) {
                String[] want = EXPECTED.get(name + ".obs." + idx).split(" ");
                MinMaxObserver o = (MinMaxObserver) m.getSubmodule(idx + ".activation_post_process");
                assertEquals(Double.parseDouble(want[0]), o.minVal().item(), 4e-7 * Math.abs(Double.parseDouble(want[0])),
                    name + " observer " + idx + " min");
                assertEquals(Double.parseDouble(want[1]), o.maxVal().item(), 4e-7 * Math.abs(Double.parseDouble(want[1])),
                    name + " observer " + idx + " max");
            }
            Quantization.convert(m, true);
            assertEquals(EXPECTED.text(name + ".converted"), m.toString(), name + " converted");
            dev.ember.ao.nn.quantized.PReLU q = (dev.ember.ao.nn.quantized.PReLU) m.getSubmodule("1");
            assertInts(name + ".weight.ints", q.weight());
            String[] wq = EXPECTED.get(name + ".weight.qparams").split(" ");
            assertEquals(Double.parseDouble(wq[0]), q.weight().qScale(), name + " weight scale");
            assertEquals(Long.parseLong(wq[1]), q.weight().qZeroPoint(), name + " weight zero point");
            String[] qp = EXPECTED.get(name + ".1.out_qparams").split(" ");
            double scale = Double.parseDouble(qp[0]);
            assertEquals(scale, q.scale(), 4e-6 * scale, name + " scale");
            assertEquals(Long.parseLong(qp[1]), q.zeroPoint(), 1, name + " zero point");
            q.setOutputQParams(scale, Long.parseLong(qp[1]));
            Tensor x = m.getSubmodule("0").apply(in(name + ".x"));
            assertInts(name + ".ints.0", QuantizedActivations.quantized(x));
            assertInts(name + ".ints.1", QuantizedActivations.quantized(q.apply(x)));
            Map<String, Object> state = Quantization.stateDict(m);
            assertEquals(EXPECTED.get(name + ".state_keys"), String.join(",", state.keySet()), name + " state keys");
        }
        dev.ember.ao.nn.quantized.PReLU q4 = new dev.ember.ao.nn.quantized.PReLU(0.1, 3,
            QuantizedTensor.quantizePerTensor(Tensor.fromArray(new float[] {0.1f, 0.2f, 0.3f, 0.4f}), 0.01, 0,
                dev.ember.ao.quantization.QuantDType.QUINT8));
        Tensor x3 = QuantizedActivations.quantize(Tensor.zeros(2, 3, 4), 0.1, 3, dev.ember.ao.quantization.QuantDType.QUINT8);
        assertEquals("Mismatch of parameter numbers and input channel size. Found parameter numbers = 4 and channel "
            + "size = 3.", assertThrows(IllegalArgumentException.class, () -> q4.apply(x3)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> q4.apply(Tensor.zeros(2, 4))).getMessage()
            .startsWith("Creation of quantized tensor requires quantized dtype like torch.quint8"));
    }

    /**
     * QAT {@code LinearBn1d}: fuse_modules_qat of Linear + BatchNorm1d, prepare_qat (x86's QAT qconfig), three SGD steps
     * with momentum against PyTorch's outputs, losses and trained state (the last step with the batch norm frozen by
     * its freezeBnStats(); PyTorch's freeze_bn_stats function, Quantization::freezeBnStats, leaves a LinearBn1d alone), then convert of PyTorch's trained state: the batch norm folded into a quantized Linear, its
     * weight integers, scales, bias and output parameters as PyTorch's, and the converted model's integers bit for
     * bit against FBGEMM's transcription (which this PyTorch's onednn model also gave, 0 of 32 differ).
     */
    @Test
    void linearBn1dTrainsAndConvertsAsPyTorchs() {
        Sequential m = new Sequential(new QuantStub(), new dev.ember.nn.Linear(6, 5), new BatchNorm1d(5),
            new dev.ember.nn.Linear(5, 3), new DeQuantStub());
        StaticQuantizationTest.loadExpected(m, EXPECTED, "lbn.float.");
        m.train();
        Quantization.fuseModulesQat(m, List.of(List.of("1", "2")), true);
        assertEquals(EXPECTED.text("lbn.fused"), m.toString(), "fused");
        Quantization.setQconfig(m, QConfig.getDefaultQatQconfig("x86"));
        Quantization.prepareQat(m, true);
        assertEquals(EXPECTED.text("lbn.prepared"), m.toString(), "prepared");
        var lbn = (dev.ember.ao.nn.intrinsic.qat.LinearBn1d) m.getSubmodule("1");
        assertEquals(List.copyOf(EXPECTED.keys("lbn.prepared.")), List.copyOf(m.stateDict().keySet()), "state keys");
        dev.ember.optim.SGD opt = new dev.ember.optim.SGD(m.parameters(), 0.05, 0.9, 0, 0, false);
        Tensor xs = in("lbn.xs");
        Tensor ys = in("lbn.ys");
        for (int i = 0; i < 3; i++) {
            if (i == 2) {
                // PyTorch's freeze_bn_stats function takes the ConvBn modules only: model.apply leaves a LinearBn1d
                m.apply(Quantization::freezeBnStats);
                assertFalse(lbn.bnFrozen());
                lbn.freezeBnStats();
                assertTrue(lbn.bnFrozen() && !lbn.bn().isTraining());
            }
            opt.zeroGrad();
            Tensor out = m.apply(xs.select(0, i));
            if (i == 0) {
                assertArrayEquals(in("lbn.out.0").toFloatArray(), out.toFloatArray(), 2e-5f, "first output");
            }
            Tensor loss = dev.ember.nn.Functional.crossEntropy(out, ys.select(0, i));
            loss.backward();
            opt.step();
            double want = Double.parseDouble(EXPECTED.get("lbn.loss." + i));
            assertEquals(want, loss.item(), 1e-5 * Math.abs(want), "loss " + i);
        }
        // float32 sums in another order, over three steps with momentum
        for (Map.Entry<String, Tensor> e : m.stateDict().entrySet()) {
            double[] w = in("lbn.trained." + e.getKey()).to(DType.FLOAT64).toDoubleArray();
            double[] g = e.getValue().to(DType.FLOAT64).toDoubleArray();
            for (int i = 0; i < w.length; i++) {
                double tol = Double.isFinite(w[i]) ? 2e-4 * Math.abs(w[i]) + 1e-7 : 0;
                assertEquals(w[i], g[i], tol, "trained " + e.getKey() + "[" + i + "]");
            }
        }
        m.train();
        assertFalse(lbn.bn().isTraining(), "train() leaves a frozen batch norm in eval");
        lbn.updateBnStats();
        assertTrue(lbn.bn().isTraining());
        m.eval();
        // convert what PyTorch trained, for exact integers
        Map<String, Tensor> trained = new LinkedHashMap<>();
        for (String k : m.stateDict().keySet()) {
            trained.put(k, in("lbn.trained." + k));
        }
        m.loadStateDict(trained);
        Quantization.convert(m, true);
        assertEquals(EXPECTED.text("lbn.converted"), m.toString(), "converted");
        for (int idx : new int[] {1, 3}) {
            var q = (dev.ember.ao.nn.quantized.Linear) m.getSubmodule(String.valueOf(idx));
            String key = "lbn.q." + idx;
            assertInts(key + ".weight.ints", q.weight());
            assertArrayEquals(in(key + ".weight.scales").toDoubleArray(), q.weight().qPerChannelScales().toDoubleArray(),
                key + " scales");
            assertArrayEquals(in(key + ".bias").toFloatArray(), q.bias().toFloatArray(), 1e-6f, key + " bias");
            String[] qp = EXPECTED.get(key + ".out_qparams").split(" ");
            assertEquals(Double.parseDouble(qp[0]), q.scale(), 0.0, key + " scale");
            assertEquals(Long.parseLong(qp[1]), q.zeroPoint(), key + " zero point");
        }
        Map<String, QuantizedTensor> seen = new LinkedHashMap<>();
        for (String idx : List.of("1", "3")) {
            m.getSubmodule(idx).registerForwardHook((mod, ins, outs) -> {
                seen.put(idx, QuantizedActivations.quantized(outs.get(0)));
                return null;
            });
        }
        m.apply(in("lbn.x"));
        assertInts("lbn.ints.1", seen.get("1"));
        assertInts("lbn.ints.3", seen.get("3"));
    }
}
