package dev.ember;

import dev.ember.ao.nn.quantized.DeQuantize;
import dev.ember.ao.nn.quantized.Quantize;
import dev.ember.ao.quantization.DeQuantStub;
import dev.ember.ao.quantization.QConfig;
import dev.ember.ao.quantization.QuantStub;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.ao.quantization.Quantization;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Dropout;
import dev.ember.nn.Flatten;
import dev.ember.nn.Linear;
import dev.ember.nn.MaxPool2d;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Eager-mode post-training static quantization against PyTorch (resources/staticquant/make_expected.py): a CNN with
 * QuantStub, two convolutions (one grouped), ReLU, max pooling, Flatten, two Linear layers, Dropout and DeQuantStub,
 * prepared with {@code default_qconfig} (per-tensor weights) and {@code default_per_channel_qconfig}, calibrated and
 * converted: the printouts at each step, the quantized weights, every stage's integers bit for bit against FBGEMM's
 * arithmetic transcribed (PyTorch's x86 engine; this PyTorch's onednn engine gives the same outputs, which are checked
 * too), and {@code quantized::linear} alone over random integers. Then the refusals, which leave the model as it was.
 */
class StaticQuantizationTest {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/staticquant/expected.txt");

    private static Tensor in(String key) {
        return EXPECTED.tensor(key);
    }

    /** The generators' CNN (QuantStub, conv, ReLU, max pool, grouped conv, ..., DeQuantStub), its weights unset. */
    static Sequential cnn() {
        return new Sequential(new QuantStub(), new Conv2d(1, 3, 3, 1, 1), new ReLU(), new MaxPool2d(2),
            new Conv2d(3, 6, new int[] {3, 3}, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 3, true),
            new ReLU(), new Flatten(), new Linear(24, 10), new ReLU(), new Dropout(0.5), new Linear(10, 4),
            new DeQuantStub());
    }

    /** {@code m}'s parameters and buffers set to a generator's {@code prefix + key} tensors. */
    static void loadExpected(Module m, ExpectedLines expected, String prefix) {
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String k : m.stateDict().keySet()) {
            state.put(k, expected.tensor(prefix + k));
        }
        m.loadStateDict(state);
    }

    private static Sequential floatModel() {
        Sequential m = cnn();
        loadExpected(m, EXPECTED, "float.");
        m.eval();
        return m;
    }

    private static void assertInts(String key, QuantizedTensor q) {
        Tensor want = in(key);
        assertArrayEquals(want.shape(), q.shape(), key + " shape");
        assertArrayEquals(want.to(DType.INT64).toLongArray(), q.intRepr().to(DType.INT64).toLongArray(), key);
    }

    /**
     * The observers' minimum and maximum after calibration, against PyTorch's: to a few float32 ulps, as the float
     * model's convolutions and products round in their own summation order (which depends on the machine's vectors).
     */
    private static void assertObserved(Module m, String prefix, List<String> indices) {
        for (String idx : indices) {
            String[] want = EXPECTED.get(prefix + ".obs." + idx).split(" ");
            dev.ember.ao.quantization.MinMaxObserver o =
                (dev.ember.ao.quantization.MinMaxObserver) m.getSubmodule(idx + ".activation_post_process");
            assertEquals(Double.parseDouble(want[0]), o.minVal().item(), 4e-7 * Math.abs(Double.parseDouble(want[0])),
                prefix + " observer " + idx + " min");
            assertEquals(Double.parseDouble(want[1]), o.maxVal().item(), 4e-7 * Math.abs(Double.parseDouble(want[1])),
                prefix + " observer " + idx + " max");
        }
    }

    /**
     * The quantized layers' output scales and zero points set to PyTorch's (which {@link #assertObserved} showed to
     * come from the same calibration statistics), so the integer pipeline is compared exactly on any machine.
     */
    private static void pinOutputQParams(Module m, String prefix, Map<String, String> layers) {
        for (Map.Entry<String, String> e : layers.entrySet()) {
            String[] qp = EXPECTED.get(prefix + "." + e.getKey() + ".out_qparams").split(" ");
            double scale = Double.parseDouble(qp[0]);
            long zero = Long.parseLong(qp[1]);
            Module q = m.getSubmodule(e.getValue());
            if (q instanceof dev.ember.ao.nn.quantized.Conv2d c) {
                assertEquals(scale, c.scale(), 4e-6 * scale, prefix + " " + e.getKey() + " scale");
                assertEquals(zero, c.zeroPoint(), 1, prefix + " " + e.getKey() + " zero point");
                c.setOutputQParams(scale, zero);
            } else {
                dev.ember.ao.nn.quantized.Linear l = (dev.ember.ao.nn.quantized.Linear) q;
                assertEquals(scale, l.scale(), 4e-6 * scale, prefix + " " + e.getKey() + " scale");
                assertEquals(zero, l.zeroPoint(), 1, prefix + " " + e.getKey() + " zero point");
                l.setOutputQParams(scale, zero);
            }
        }
    }

    @Test
    void convertedModelComputesFbgemmsIntegersStageByStage() {
        for (String cfg : List.of("pt", "pc")) {
            Sequential m = floatModel();
            Quantization.setQconfig(m, cfg.equals("pt") ? QConfig.DEFAULT : QConfig.DEFAULT_PER_CHANNEL);
            assertSame(m, Quantization.prepare(m, true));
            assertEquals(EXPECTED.text(cfg + ".prepared"), m.toString(), cfg + " prepared printout");
            try (GradMode off = Ember.noGrad()) {
                Tensor calib = in("calib");
                Tensor y = m.apply(calib);
                assertFalse(QuantizedActivations.isQuantized(y), "before convert the model is float");
            }
            assertObserved(m, cfg, List.of("0", "1", "4", "7", "10"));
            Quantization.convert(m, true);
            Map<String, String> layers = Map.of("conv1", "1", "conv2", "4", "fc1", "7", "fc2", "10");
            pinOutputQParams(m, cfg, layers);
            assertEquals(EXPECTED.text(cfg + ".converted"), m.toString(), cfg + " converted printout");
            assertInstanceOf(Quantize.class, m.getSubmodule("0"));
            assertInstanceOf(DeQuantize.class, m.getSubmodule("11"));
            for (Map.Entry<String, String> e : layers.entrySet()) {
                Module q = m.getSubmodule(e.getValue());
                QuantizedTensor w = q instanceof dev.ember.ao.nn.quantized.Conv2d c ? c.weight()
                        : ((dev.ember.ao.nn.quantized.Linear) q).weight();
                String key = cfg + "." + e.getKey();
                assertInts(key + ".weight.ints", w);
                double[] scales = in(key + ".weight.scales").toDoubleArray();
                if (cfg.equals("pt")) {
                    assertEquals(scales[0], w.qScale(), key);
                    assertEquals((long) in(key + ".weight.zero_points").item(), w.qZeroPoint(), key);
                } else {
                    assertArrayEquals(scales, w.qPerChannelScales().toDoubleArray(), key);
                    assertArrayEquals(in(key + ".weight.zero_points").toLongArray(),
                        w.qPerChannelZeroPoints().toLongArray(), key);
                }
            }
            // every stage's integers, read from its output through a forward hook
            Map<String, String> stages = new LinkedHashMap<>();
            stages.put("0", "quant");
            stages.put("1", "conv1");
            stages.put("2", "relu1");
            stages.put("3", "pool");
            stages.put("4", "conv2");
            stages.put("6", "relu2");
            stages.put("7", "fc1");
            stages.put("8", "relu3");
            stages.put("10", "fc2");
            Map<String, QuantizedTensor> seen = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : stages.entrySet()) {
                m.getSubmodule(e.getKey()).registerForwardHook((mod, ins, outs) -> {
                    seen.put(e.getValue(), QuantizedActivations.quantized(outs.get(0)));
                    return null;
                });
            }
            Tensor y = m.apply(in("x"));
            for (String stage : stages.values()) {
                assertInts(cfg + ".ints." + stage, seen.get(stage));
            }
            assertFalse(QuantizedActivations.isQuantized(y), "DeQuantize gives a plain float tensor");
            assertArrayEquals(in(cfg + ".out").toFloatArray(), y.toFloatArray(), cfg + " output (transcription)");
            assertArrayEquals(in(cfg + ".torch.out").toFloatArray(), y.toFloatArray(), cfg + " output (PyTorch onednn)");
            // inside a TensorScope the activations are the scope's; the model runs again after it closes
            try (TensorScope step = Ember.scope()) {
                assertArrayEquals(y.toFloatArray(), m.apply(in("x")).toFloatArray(), cfg + " in a scope");
            }
            assertArrayEquals(y.toFloatArray(), m.apply(in("x")).toFloatArray(), cfg + " after the scope");
        }
    }

    @Test
    void fusedConvBnReluConvReluAndLinearReluQuantizeAsPyTorchs() {
        Sequential m = new Sequential(new QuantStub(), new Conv2d(1, 4, 3, 1, 1), new BatchNorm2d(4), new ReLU(),
            new Conv2d(4, 4, 3), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(36, 8), new ReLU(),
            new Linear(8, 3), new DeQuantStub());
        loadExpected(m, EXPECTED, "fused.float.");
        m.eval();
        Quantization.fuseModules(m, List.of(List.of("1", "2", "3"), List.of("4", "5"), List.of("8", "9")), true);
        assertEquals(EXPECTED.text("fused.fused"), m.toString(), "fused printout");
        Conv2d folded = ((dev.ember.ao.nn.intrinsic.ConvReLU2d) m.getSubmodule("1")).conv();
        assertArrayEquals(in("fused.conv1.folded.weight").toFloatArray(), folded.weight().toFloatArray(), "folded W");
        assertArrayEquals(in("fused.conv1.folded.bias").toFloatArray(), folded.bias().toFloatArray(), "folded b");
        Quantization.setQconfig(m, QConfig.DEFAULT_PER_CHANNEL);
        Quantization.prepare(m, true);
        assertEquals(EXPECTED.text("fused.prepared"), m.toString(), "prepared printout");
        try (GradMode off = Ember.noGrad()) {
            m.apply(in("calib"));
        }
        assertObserved(m, "fused", List.of("0", "1", "4", "8", "10"));
        Quantization.convert(m, true);
        pinOutputQParams(m, "fused", Map.of("conv1", "1", "conv2", "4", "fc1", "8", "fc2", "10"));
        assertEquals(EXPECTED.text("fused.converted"), m.toString(), "converted printout");
        Map<String, QuantizedTensor> seen = new LinkedHashMap<>();
        for (String[] st : new String[][] {{"1", "conv1"}, {"4", "conv2"}, {"8", "fc1"}, {"10", "fc2"}}) {
            m.getSubmodule(st[0]).registerForwardHook((mod, ins, outs) -> {
                seen.put(st[1], QuantizedActivations.quantized(outs.get(0)));
                return null;
            });
        }
        Tensor y = m.apply(in("x"));
        for (String stage : List.of("conv1", "conv2", "fc1", "fc2")) {
            assertInts("fused.ints." + stage, seen.get(stage));
        }
        assertArrayEquals(in("fused.out").toFloatArray(), y.toFloatArray(), "output (transcription)");
        assertArrayEquals(in("fused.torch.out").toFloatArray(), y.toFloatArray(), "output (PyTorch onednn)");
        // what cannot be fused is refused before anything changes
        Sequential other = new Sequential(new Linear(2, 2), new Conv2d(1, 1, 1));
        String before = other.toString();
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
            () -> Quantization.fuseModules(other, List.of(List.of("0", "1")), true));
        assertTrue(e.getMessage().startsWith("Cannot fuse modules: (Linear, Conv2d)"), e.getMessage());
        assertEquals(before, other.toString());
        Sequential training = new Sequential(new Conv2d(1, 2, 3), new BatchNorm2d(2));
        IllegalStateException t = assertThrows(IllegalStateException.class,
            () -> Quantization.fuseModules(training, List.of(List.of("0", "1")), true));
        assertEquals("Fusion only for eval!", t.getMessage());
    }

    /**
     * PyTorch's default {@code inplace=False} at every step (fuse, prepare, convert: each works on a deep copy and
     * returns it): the model it ends with gives PyTorch's output, as the in-place pipeline above does, and the float
     * model and each intermediate are left as they were (the qconfig travels with the copy, as PyTorch's attribute).
     */
    @Test
    void theCopyingPipelineLeavesEachStageAsItWas() {
        Sequential m = new Sequential(new QuantStub(), new Conv2d(1, 4, 3, 1, 1), new BatchNorm2d(4), new ReLU(),
            new Conv2d(4, 4, 3), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(36, 8), new ReLU(),
            new Linear(8, 3), new DeQuantStub());
        loadExpected(m, EXPECTED, "fused.float.");
        m.eval();
        String floatPrint = m.toString();
        Map<String, Tensor> floatState = dev.ember.DeepCopy.of(m.stateDict());
        Module fused = Quantization.fuseModules(m, List.of(List.of("1", "2", "3"), List.of("4", "5"),
            List.of("8", "9")), false);
        assertEquals(EXPECTED.text("fused.fused"), fused.toString(), "fused printout");
        assertEquals(floatPrint, m.toString());
        Quantization.setQconfig(fused, QConfig.DEFAULT_PER_CHANNEL);
        Module prepared = Quantization.prepare(fused, false);
        assertEquals(EXPECTED.text("fused.prepared"), prepared.toString(), "prepared printout");
        assertEquals(EXPECTED.text("fused.fused"), fused.toString(), "the fused model is not prepared");
        try (GradMode off = Ember.noGrad()) {
            prepared.apply(in("calib"));
        }
        assertObserved(prepared, "fused", List.of("0", "1", "4", "8", "10"));
        String calibrated = prepared.toString();
        Module converted = Quantization.convert(prepared, false);
        pinOutputQParams(converted, "fused", Map.of("conv1", "1", "conv2", "4", "fc1", "8", "fc2", "10"));
        assertEquals(EXPECTED.text("fused.converted"), converted.toString(), "converted printout");
        assertEquals(calibrated, prepared.toString(), "the prepared model is not converted");
        Tensor y = converted.apply(in("x"));
        assertArrayEquals(in("fused.torch.out").toFloatArray(), y.toFloatArray(), "output (PyTorch onednn)");
        Module again = dev.ember.DeepCopy.of(converted); // a quantized model copies too, packed weights and all
        assertEquals(converted.toString(), again.toString());
        assertArrayEquals(y.toFloatArray(), again.apply(in("x")).toFloatArray(), "a copy of the quantized model");
        m.stateDict().forEach((k, v) -> assertTrue(v.equal(floatState.get(k)), k));
    }

    /** A model whose forward reads its layers from fields, as PyTorch's tutorials write them. */
    static final class FieldNet extends Module {
        final QuantStub quant = registerModule("quant", new QuantStub());
        final Conv2d conv = registerModule("conv", new Conv2d(1, 3, 3, 1, 1));
        final BatchNorm2d bn = registerModule("bn", new BatchNorm2d(3));
        final ReLU relu = registerModule("relu", new ReLU());
        final Linear fc = registerModule("fc", new Linear(3 * 8 * 8, 4));
        final ReLU relu2 = registerModule("relu2", new ReLU());
        final DeQuantStub dequant = registerModule("dequant", new DeQuantStub());

        @Override
        public Tensor forward(Tensor x) {
            Tensor h = relu.apply(bn.apply(conv.apply(quant.apply(x))));
            return dequant.apply(relu2.apply(fc.apply(h.flatten(1))));
        }
    }

    @Test
    void aModelReadingItsLayersFromFieldsIsFusedAndConvertedAsTheSameSequential() {
        FieldNet net = new FieldNet();
        Sequential seq = new Sequential(new QuantStub(), new Conv2d(1, 3, 3, 1, 1), new BatchNorm2d(3), new ReLU(),
            new Flatten(), new Linear(3 * 8 * 8, 4), new ReLU(), new DeQuantStub());
        Map<String, Tensor> state = new LinkedHashMap<>();
        Map<String, String> names = Map.of("conv", "1", "bn", "2", "fc", "5");
        for (Map.Entry<String, Tensor> e : net.stateDict().entrySet()) {
            String k = e.getKey();
            String layer = k.substring(0, k.indexOf('.'));
            state.put(names.get(layer) + k.substring(k.indexOf('.')), e.getValue());
        }
        seq.loadStateDict(state);
        net.eval();
        seq.eval();
        Tensor x = in("calib");
        Tensor floatOut = net.apply(x);
        Quantization.fuseModules(net, List.of(List.of("conv", "bn", "relu"), List.of("fc", "relu2")), true);
        Quantization.fuseModules(seq, List.of(List.of("1", "2", "3"), List.of("5", "6")), true);
        assertArrayEquals(floatOut.toFloatArray(), net.apply(x).toFloatArray(), 1e-5f, "the fused float model");
        for (Module m : List.of(net, seq)) {
            Quantization.setQconfig(m, QConfig.DEFAULT);
            Quantization.prepare(m, true);
            try (GradMode off = Ember.noGrad()) {
                m.apply(x);
            }
            Quantization.convert(m, true);
        }
        assertInstanceOf(dev.ember.ao.nn.intrinsic.quantized.ConvReLU2d.class, net.getSubmodule("conv"));
        assertInstanceOf(dev.ember.ao.nn.intrinsic.quantized.LinearReLU.class, net.getSubmodule("fc"));
        Tensor y = net.apply(in("x"));
        assertArrayEquals(seq.apply(in("x")).toFloatArray(), y.toFloatArray(), "the fields' model runs the swapped layers");
    }

    /** PyTorch's residual pattern: FloatFunctional's add_relu, mul and cat between quantized layers. */
    static final class Res extends Module {
        final QuantStub quant = registerModule("quant", new QuantStub());
        final Conv2d conv1 = registerModule("conv1", new Conv2d(2, 4, 3, 1, 1));
        final ReLU relu = registerModule("relu", new ReLU());
        final Conv2d conv2 = registerModule("conv2", new Conv2d(4, 2, 3, 1, 1));
        final dev.ember.ao.nn.quantized.FloatFunctional skip =
            registerModule("skip", new dev.ember.ao.nn.quantized.FloatFunctional());
        final dev.ember.ao.nn.quantized.FloatFunctional prod =
            registerModule("prod", new dev.ember.ao.nn.quantized.FloatFunctional());
        final dev.ember.ao.nn.quantized.FloatFunctional join =
            registerModule("join", new dev.ember.ao.nn.quantized.FloatFunctional());
        final Linear fc = registerModule("fc", new Linear(4 * 6 * 6, 3));
        final DeQuantStub dequant = registerModule("dequant", new DeQuantStub());

        @Override
        public Tensor forward(Tensor input) {
            Tensor x = quant.apply(input);
            Tensor h = conv2.apply(relu.apply(conv1.apply(x)));
            Tensor y = skip.addRelu(h, x);
            Tensor z = prod.mul(y, x);
            Tensor c = join.cat(List.of(y, z), 1);
            return dequant.apply(fc.apply(c.flatten(1)));
        }
    }

    @Test
    void residualAddReluMulAndCatThroughFloatFunctionalAreQadds() {
        Res m = new Res();
        loadExpected(m, EXPECTED, "res.float.");
        m.eval();
        Quantization.setQconfig(m, QConfig.DEFAULT);
        Quantization.prepare(m, true);
        assertEquals(EXPECTED.text("res.prepared"), m.toString(), "prepared printout");
        try (GradMode off = Ember.noGrad()) {
            m.apply(in("res.calib"));
        }
        for (String name : List.of("quant", "conv1", "conv2", "skip", "prod", "join", "fc")) {
            String[] want = EXPECTED.get("res.obs." + name).split(" ");
            dev.ember.ao.quantization.MinMaxObserver o =
                (dev.ember.ao.quantization.MinMaxObserver) m.getSubmodule(name + ".activation_post_process");
            assertEquals(Double.parseDouble(want[0]), o.minVal().item(), 4e-7 * Math.abs(Double.parseDouble(want[0])), name);
            assertEquals(Double.parseDouble(want[1]), o.maxVal().item(), 4e-7 * Math.abs(Double.parseDouble(want[1])), name);
        }
        Quantization.convert(m, true);
        pinOutputQParams(m, "res", Map.of("conv1", "conv1", "conv2", "conv2", "fc", "fc"));
        for (String name : List.of("skip", "prod", "join")) {
            String[] qp = EXPECTED.get("res." + name + ".out_qparams").split(" ");
            dev.ember.ao.nn.quantized.QFunctional f = (dev.ember.ao.nn.quantized.QFunctional) m.getSubmodule(name);
            assertEquals(Double.parseDouble(qp[0]), f.scale(), 4e-6 * Double.parseDouble(qp[0]), name);
            assertEquals(Long.parseLong(qp[1]), f.zeroPoint(), name);
        }
        assertEquals(EXPECTED.text("res.converted"), m.toString(), "converted printout");
        Map<String, QuantizedTensor> seen = new LinkedHashMap<>();
        for (String name : List.of("conv2", "fc")) {
            m.getSubmodule(name).registerForwardHook((mod, ins, outs) -> {
                seen.put(name, QuantizedActivations.quantized(outs.get(0)));
                return null;
            });
        }
        Tensor y = m.apply(in("res.x"));
        assertInts("res.ints.conv2", seen.get("conv2"));
        assertInts("res.ints.fc", seen.get("fc"));
        assertArrayEquals(in("res.out").toFloatArray(), y.toFloatArray(), "output (transcription)");
        assertArrayEquals(in("res.torch.out").toFloatArray(), y.toFloatArray(), "output (PyTorch)");
        // the operations alone, against the transcription (which this PyTorch's kernels agree with)
        QuantizedTensor a = QuantizedTensor.makePerTensorQuantizedTensor(in("ops.a.ints"), 0.031, 120);
        QuantizedTensor b = QuantizedTensor.makePerTensorQuantizedTensor(in("ops.b.ints"), 0.017, 100);
        assertInts("ops.add", QuantizedOps.add(a, b, 0.043, 90, false));
        assertInts("ops.add_relu", QuantizedOps.add(a, b, 0.043, 90, true));
        assertInts("ops.mul", QuantizedOps.mul(a, b, 0.02, 128));
        // where the vectorized elements' fma and the tail's (q - z) * s round the sum differently (PyTorch agrees)
        String[] fp = EXPECTED.get("fma.params").split(" ");
        QuantizedTensor fa = QuantizedTensor.makePerTensorQuantizedTensor(in("fma.a.ints"), Double.parseDouble(fp[0]),
            Long.parseLong(fp[1]));
        QuantizedTensor fb = QuantizedTensor.makePerTensorQuantizedTensor(in("fma.b.ints"), Double.parseDouble(fp[2]),
            Long.parseLong(fp[3]));
        assertInts("fma.add", QuantizedOps.add(fa, fb, Double.parseDouble(fp[4]), Long.parseLong(fp[5]), false));
        QuantizedTensor c = QuantizedTensor.makePerTensorQuantizedTensor(in("ops.b.ints").narrow(0, 0, 150), 0.017, 100);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> QuantizedOps.add(a, c, 0.043, 90, false));
        assertEquals("The size of tensor a (200) must match the size of tensor b (150) at non-singleton dimension 0",
            e.getMessage());
        UnsupportedOperationException f = assertThrows(UnsupportedOperationException.class,
            () -> new dev.ember.ao.nn.quantized.FloatFunctional().forward(in("x")));
        assertEquals("FloatFunctional is not intended to use the 'forward'. Please use the underlying operation",
            f.getMessage());
    }

    @Test
    void prepareQatTrainsAndConvertsAsPyTorch() {
        Sequential m = new Sequential(new QuantStub(), new Conv2d(1, 3, 3), new ReLU(), new Flatten(),
            new Linear(3 * 6 * 6, 4), new DeQuantStub());
        loadExpected(m, EXPECTED, "qat.float.");
        m.train();
        Quantization.setQconfig(m, QConfig.getDefaultQatQconfig("x86"));
        Quantization.prepareQat(m, true);
        assertEquals(EXPECTED.text("qat.prepared"), m.toString(), "prepared printout");
        assertInstanceOf(dev.ember.ao.nn.qat.Conv2d.class, m.getSubmodule("1"));
        assertInstanceOf(dev.ember.ao.nn.qat.Linear.class, m.getSubmodule("4"));
        dev.ember.optim.SGD opt = new dev.ember.optim.SGD(m.parameters(), 0.1);
        Tensor xs = in("qat.xs");
        Tensor ys = in("qat.ys");
        for (int i = 0; i < 3; i++) {
            opt.zeroGrad();
            Tensor loss = dev.ember.nn.Functional.crossEntropy(m.apply(xs.select(0, i)), ys.select(0, i));
            loss.backward();
            opt.step();
            double want = Double.parseDouble(EXPECTED.get("qat.loss." + i));
            assertEquals(want, loss.item(), 2e-6 * Math.abs(want), "loss " + i);
        }
        m.eval();
        // convert exactly what PyTorch converted: its trained weights and fake quantizers' state
        Map<String, Tensor> trained = new LinkedHashMap<>();
        for (String k : m.stateDict().keySet()) {
            trained.put(k, in("qat.trained." + k));
        }
        m.loadStateDict(trained);
        Quantization.convert(m, true);
        pinOutputQParams(m, "qat", Map.of("conv", "1", "fc", "4"));
        assertEquals(EXPECTED.text("qat.converted"), m.toString(), "converted printout");
        assertInts("qat.conv.weight.ints", ((dev.ember.ao.nn.quantized.Conv2d) m.getSubmodule("1")).weight());
        assertInts("qat.fc.weight.ints", ((dev.ember.ao.nn.quantized.Linear) m.getSubmodule("4")).weight());
        Map<String, QuantizedTensor> seen = new LinkedHashMap<>();
        for (String[] st : new String[][] {{"1", "conv"}, {"4", "fc"}}) {
            m.getSubmodule(st[0]).registerForwardHook((mod, ins, outs) -> {
                seen.put(st[1], QuantizedActivations.quantized(outs.get(0)));
                return null;
            });
        }
        Tensor x = in("x").narrow(2, 0, 8).narrow(3, 0, 8);
        Tensor y = m.apply(x);
        assertInts("qat.ints.conv", seen.get("conv"));
        assertInts("qat.ints.fc", seen.get("fc"));
        assertArrayEquals(in("qat.out").toFloatArray(), y.toFloatArray(), "output (transcription)");
        assertArrayEquals(in("qat.torch.out").toFloatArray(), y.toFloatArray(), "output (PyTorch)");
        // prepare_qat wants a model in training mode
        Sequential evalModel = new Sequential(new Linear(2, 2));
        evalModel.eval();
        Quantization.setQconfig(evalModel, QConfig.getDefaultQatQconfig("x86"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Quantization.prepareQat(evalModel, true));
        assertEquals("prepare_qat only works on models in training mode", e.getMessage());
    }

    @Test
    void quantizedLinearIsFbgemmsBitForBit() {
        for (int c = 0; c < 4; c++) {
            String key = "k" + c;
            String[] xq = EXPECTED.get(key + ".x.qparams").split(" ");
            QuantizedTensor x = QuantizedTensor.makePerTensorQuantizedTensor(in(key + ".x.ints"),
                Double.parseDouble(xq[0]), Long.parseLong(xq[1]));
            Tensor scales = in(key + ".w.scales");
            Tensor zeros = in(key + ".w.zero_points");
            QuantizedTensor w = scales.numel() == 1
                    ? QuantizedTensor.makePerTensorQuantizedTensor(in(key + ".w.ints"), scales.item(), (long) zeros.item())
                    : QuantizedTensor.makePerChannelQuantizedTensor(in(key + ".w.ints"), scales, zeros, 0);
            Tensor bias = EXPECTED.get(key + ".bias") == null ? null : in(key + ".bias");
            String[] oq = EXPECTED.get(key + ".out.qparams").split(" ");
            QuantizedTensor y = QuantizedOps.linear(x, QuantizedOps.linearPrepack(w, bias), Double.parseDouble(oq[0]),
                Long.parseLong(oq[1]), oq[2].equals("relu"));
            assertInts(key + ".y.ints", y);
            assertEquals(Double.parseDouble(oq[0]), y.qScale(), key);
        }
    }

    @Test
    void floatOpsThatCommuteWithDequantizationKeepTheQuantization() {
        QuantizedTensor q = QuantizedTensor.quantizePerTensor(Tensor.tensor(new float[][] {{-1f, 0.5f, 2f, -0.25f}}),
            0.05, 40, dev.ember.ao.quantization.QuantDType.QUINT8);
        Tensor x = QuantizedActivations.carrier(q);
        assertArrayEquals(q.dequantize().toFloatArray(), x.toFloatArray());
        assertTrue(QuantizedActivations.isQuantized(x.view(2, 2)), "a view");
        assertTrue(QuantizedActivations.isQuantized(x.relu()), "relu");
        assertArrayEquals(new long[] {40, 50, 80, 40},
            QuantizedActivations.quantized(x.relu()).intRepr().to(DType.INT64).toLongArray(), "max(q, zero_point)");
        assertTrue(QuantizedActivations.isQuantized(x.view(1, 1, 2, 2).transpose(2, 3).contiguous()), "contiguous copy");
        assertFalse(QuantizedActivations.isQuantized(x.mul(2)), "another float op gives a float tensor");
        Tensor y = QuantizedActivations.carrier(q);
        y.relu_();
        assertTrue(QuantizedActivations.isQuantized(y), "relu_ keeps it");
        y.add_(0.01);
        assertFalse(QuantizedActivations.isQuantized(y), "an in-place float op takes the values off the grid");
        assertEquals(q.toString(), QuantizedActivations.quantized(x).toString(), "the quantized tensor's printout");
    }

    @Test
    void averagePoolingOfAQuantizedActivationIsPyTorchsQuantizedKernels() {
        QuantizedTensor q = QuantizedTensor.makePerTensorQuantizedTensor(in("pool.ints"), 0.037, 131);
        Tensor x = QuantizedActivations.carrier(q);
        for (int[] size : new int[][] {{3, 2}, {1, 1}, {4, 4}}) {
            String key = size[0] + "." + size[1];
            Tensor avg = dev.ember.nn.Functional.adaptiveAvgPool2d(x, size);
            assertInts("pool.avg." + key, QuantizedActivations.quantized(avg));
            assertEquals(0.037, QuantizedActivations.quantized(avg).qScale(), "the input's scale");
        }
        Tensor viaModule = new dev.ember.nn.AdaptiveAvgPool2d(1).apply(x);
        assertInts("pool.avg.1.1", QuantizedActivations.quantized(viaModule));
        // avg_pool2d: kernel, stride, padding, ceil_mode, count_include_pad, divisor_override
        Object[][] cases = {{"k3s2p1", 3, 2, 1, false, true, null}, {"k3s2p1x", 3, 2, 1, false, false, null},
            {"k2ceil", 2, 2, 0, true, true, null}, {"k3s1p1div5", 3, 1, 1, false, true, 5},
            {"k2s1", 2, 1, 0, false, true, null}};
        for (Object[] c : cases) {
            int k = (Integer) c[1];
            int st = (Integer) c[2];
            int pd = (Integer) c[3];
            Tensor avg = dev.ember.nn.Functional.avgPool2d(x, new int[] {k}, new int[] {st}, new int[] {pd}, (Boolean) c[4],
                (Boolean) c[5], (Integer) c[6]);
            assertInts("pool.avg2d." + c[0], QuantizedActivations.quantized(avg));
        }
    }

    @Test
    void relu6BecomesQuantizedRelu6ClampingAtSixsInteger() {
        QuantizedTensor q = QuantizedTensor.makePerTensorQuantizedTensor(in("relu6.ints"), 0.07, 40);
        Tensor y = new dev.ember.ao.nn.quantized.ReLU6(false).apply(QuantizedActivations.carrier(q));
        assertInts("relu6.out", QuantizedActivations.quantized(y));
        Sequential m = new Sequential(new QuantStub(), new dev.ember.nn.ReLU6(), new DeQuantStub());
        m.eval();
        Quantization.setQconfig(m, QConfig.DEFAULT);
        Quantization.prepare(m, true);
        assertEquals(EXPECTED.text("relu6.prepared"), m.toString(), "prepared printout");
        try (GradMode off = Ember.noGrad()) {
            m.apply(in("relu6.x"));
        }
        Quantization.convert(m, true);
        assertEquals(EXPECTED.text("relu6.converted"), m.toString(), "converted printout");
        assertArrayEquals(in("relu6.model.out").toFloatArray(), m.apply(in("relu6.x")).toFloatArray());
    }

    @Test
    void refusalsLeaveTheModelAsItWas() {
        Sequential m = floatModel();
        Quantization.setQconfig(m, QConfig.DEFAULT);
        Quantization.prepare(m, true);
        try (GradMode off = Ember.noGrad()) {
            m.apply(in("calib"));
        }
        // a float input to a quantized layer: PyTorch's message
        dev.ember.ao.nn.quantized.Linear fc = dev.ember.ao.nn.quantized.Linear.fromFloat(new Linear(4, 2),
            (dev.ember.ao.quantization.ObserverBase) QConfig.DEFAULT.weight().get(),
            (dev.ember.ao.quantization.ObserverBase) m.getSubmodule("7.activation_post_process"));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
            () -> fc.apply(Tensor.ones(DType.FLOAT32, 2, 4)));
        assertTrue(e.getMessage().startsWith("Could not run 'quantized::linear' with arguments from the 'CPU' backend."),
            e.getMessage());
        // a module that cannot be quantized so: refused before anything is swapped
        // (BatchNorm2d was this example until session 36 gave it a quantized form, PReLU until session 37 did,
        // ConvTranspose3d until session 38; since session 39 Embedding has nnq.Embedding's form, which refuses the
        // default qconfig in PyTorch's words: only float_qparams_weight_only_qconfig quantizes an embedding)
        Sequential withBn = new Sequential(new QuantStub(), new dev.ember.nn.Conv3d(1, 2, 3), new DeQuantStub(),
            new dev.ember.nn.Embedding(10, 3));
        withBn.eval();
        Quantization.setQconfig(withBn, QConfig.DEFAULT);
        Quantization.prepare(withBn, true);
        try (GradMode off = Ember.noGrad()) {
            withBn.getSubmodule("1").apply(withBn.getSubmodule("0").apply(Tensor.randn(2, 1, 5, 5, 5)));
        }
        String before = withBn.toString();
        IllegalArgumentException bn = assertThrows(IllegalArgumentException.class,
            () -> Quantization.convert(withBn, true));
        assertEquals("Embedding quantization is only supported with float_qparams_weight_only_qconfig.", bn.getMessage());
        assertEquals(before, withBn.toString(), "the model is as it was");
        Sequential lone = new Sequential(new Linear(2, 2));
        Quantization.setQconfig(lone, QConfig.DEFAULT);
        Module loneCopy = Quantization.prepare(lone, false); // inplace=False: a prepared copy, the model as it was
        assertTrue(loneCopy.getSubmodule("0").namedChildren().containsKey("activation_post_process"));
        assertFalse(lone.getSubmodule("0").namedChildren().containsKey("activation_post_process"));
        // qconfig None keeps a module out: the second Linear stays float after convert
        Sequential partly = new Sequential(new QuantStub(), new Linear(3, 3), new DeQuantStub(), new Linear(3, 2));
        partly.eval();
        Quantization.setQconfig(partly, QConfig.DEFAULT);
        Quantization.setQconfig(partly.getSubmodule("3"), null);
        Quantization.prepare(partly, true);
        assertFalse(partly.getSubmodule("3").namedChildren().containsKey("activation_post_process"));
        try (GradMode off = Ember.noGrad()) {
            partly.apply(Tensor.randn(4, 3));
        }
        Quantization.convert(partly, true);
        assertSame(Linear.class, partly.getSubmodule("3").getClass());
        assertInstanceOf(dev.ember.ao.nn.quantized.Linear.class, partly.getSubmodule("1"));
        Tensor out = partly.apply(Tensor.randn(4, 3));
        assertArrayEquals(new int[] {4, 2}, out.shape());
        // a QAT module needs fake quantizers, not observers
        assertThrows(IllegalArgumentException.class, () -> new dev.ember.ao.nn.qat.Linear(2, 2, true, QConfig.DEFAULT));
    }
}
