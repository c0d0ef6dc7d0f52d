package dev.ember;

import dev.ember.ao.nn.quantized.ConvNd;
import dev.ember.ao.quantization.DeQuantStub;
import dev.ember.ao.quantization.QConfig;
import dev.ember.ao.quantization.QuantStub;
import dev.ember.ao.quantization.Quantization;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.BatchNorm3d;
import dev.ember.nn.Conv1d;
import dev.ember.nn.Conv3d;
import dev.ember.nn.Flatten;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Quantization-aware training of 1-D and 3-D convolutions against PyTorch 1.13 (resources/qatconv/make_expected.py):
 * {@code fuse_modules_qat} of Conv1d/Conv3d + BatchNorm (+ ReLU) into {@code ConvBn1d}/{@code ConvBnReLU1d}/
 * {@code ConvBn3d}/{@code ConvBnReLU3d}, {@code prepare_qat} (their QAT forms, a {@code ConvReLU3d} and a lone
 * Conv3d's {@code qat.Conv3d}; the fused ConvReLU1d and the lone Conv1d, which PyTorch's QAT mapping leaves out, stay
 * float and observed), three SGD steps with momentum by an optimizer made before {@code prepare_qat} (the third with the
 * batch norms frozen), then convert with the batch norms folded: printouts, state dict keys, losses, the trained state,
 * the quantized weights and the quantized model's integers, stage by stage, as FBGEMM computes them.
 */
class QatConvTest {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/qatconv/expected.txt");
    private static final List<List<String>> FUSE = List.of(List.of("1", "2", "3"), List.of("4", "5"), List.of("6", "7"));

    /** The generator's 1-D model. */
    private static Sequential model1() {
        return new Sequential(new QuantStub(), new Conv1d(2, 4, 3, 1, 1), new BatchNorm1d(4), new ReLU(),
            new Conv1d(4, 6, 3, 2, 2, 2, 2, true), new BatchNorm1d(6), new Conv1d(6, 3, 2, 1, 0, 1, 1, false), new ReLU(),
            new Conv1d(3, 3, 1), new Flatten(), new Linear(3 * 4, 3), new DeQuantStub());
    }

    /** The generator's 3-D model. */
    private static Sequential model3() {
        return new Sequential(new QuantStub(),
            new Conv3d(2, 4, new int[] {2, 3, 3}, new int[] {1, 1, 1}, new int[] {1, 1, 0}, new int[] {1, 1, 1}, 1, true),
            new BatchNorm3d(4), new ReLU(),
            new Conv3d(4, 4, new int[] {3, 3, 3}, new int[] {1, 2, 1}, new int[] {1, 1, 1}, new int[] {2, 1, 1}, 2, false),
            new BatchNorm3d(4), new Conv3d(4, 4, 1), new ReLU(),
            new Conv3d(4, 2, new int[] {1, 2, 2}, new int[] {1, 1, 1}, new int[] {0, 0, 0}, new int[] {1, 1, 1}, 1, true),
            new Flatten(), new Linear(2 * 3 * 2 * 2, 3), new DeQuantStub());
    }

    private static Sequential floatModel(String name) {
        Sequential m = name.equals("c1") ? model1() : model3();
        StaticQuantizationTest.loadExpected(m, EXPECTED, name + ".float.");
        return m;
    }

    private static void assertState(Module m, String prefix, double rtol) {
        for (Map.Entry<String, Tensor> e : m.stateDict().entrySet()) {
            Tensor want = EXPECTED.tensor(prefix + e.getKey());
            Tensor got = e.getValue();
            assertArrayEquals(want.shape(), got.shape(), e.getKey());
            double[] w = want.to(DType.FLOAT64).toDoubleArray();
            double[] g = got.to(DType.FLOAT64).toDoubleArray();
            for (int i = 0; i < w.length; i++) {
                double tol = Double.isFinite(w[i]) ? rtol * Math.abs(w[i]) + (rtol == 0 ? 0 : 1e-7) : 0;
                assertEquals(w[i], g[i], tol, prefix + e.getKey() + "[" + i + "]");
            }
        }
    }

    private static void assertInts(String key, QuantizedTensor q) {
        Tensor want = EXPECTED.tensor(key);
        assertArrayEquals(want.shape(), q.shape(), key + " shape");
        assertArrayEquals(want.to(DType.INT64).toLongArray(), q.intRepr().to(DType.INT64).toLongArray(), key);
    }

    @Test
    void conv1dAndConv3dTrainWithTheirBatchNormsAndConvertAsPyTorch() {
        for (String name : List.of("c1", "c3")) {
            Sequential m = floatModel(name);
            Set<Tensor> before = Collections.newSetFromMap(new IdentityHashMap<>());
            before.addAll(m.parameters());
            // made before fuse_modules_qat and prepare_qat: the QAT layers hold these tensors, so it trains them
            dev.ember.optim.SGD opt = new dev.ember.optim.SGD(m.parameters(), 0.05, 0.9, 0, 0, false);
            Conv3d lone3 = name.equals("c3") ? (Conv3d) m.getSubmodule("8") : null;
            m.train();
            Quantization.fuseModulesQat(m, FUSE, true);
            Quantization.setQconfig(m, QConfig.getDefaultQatQconfig("x86"));
            Quantization.prepareQat(m, true);
            assertEquals(EXPECTED.text(name + ".prepared"), m.toString(), name + " prepared printout");
            assertEquals(EXPECTED.get(name + ".prepared.keys"), String.join(" ", m.stateDict().keySet()), name + " keys");
            Set<Tensor> after = Collections.newSetFromMap(new IdentityHashMap<>());
            after.addAll(m.parameters());
            assertEquals(Boolean.parseBoolean(EXPECTED.get(name + ".params.shared")), before.equals(after),
                name + ": the prepared model's parameters are the float model's tensors");
            if (name.equals("c1")) {
                assertInstanceOf(dev.ember.ao.nn.intrinsic.qat.ConvBnReLU1d.class, m.getSubmodule("1"));
                assertInstanceOf(dev.ember.ao.nn.intrinsic.qat.ConvBn1d.class, m.getSubmodule("4"));
                assertInstanceOf(dev.ember.ao.nn.intrinsic.ConvReLU1d.class, m.getSubmodule("6"), "left by prepare_qat");
                assertEquals(Conv1d.class, m.getSubmodule("8").getClass(), "left by prepare_qat");
            } else {
                assertInstanceOf(dev.ember.ao.nn.intrinsic.qat.ConvBnReLU3d.class, m.getSubmodule("1"));
                assertInstanceOf(dev.ember.ao.nn.intrinsic.qat.ConvBn3d.class, m.getSubmodule("4"));
                assertInstanceOf(dev.ember.ao.nn.intrinsic.qat.ConvReLU3d.class, m.getSubmodule("6"));
                var qat = assertInstanceOf(dev.ember.ao.nn.qat.Conv3d.class, m.getSubmodule("8"));
                assertSame(lone3.weight, qat.weight, "the QAT layer's field is the float layer's weight");
            }
            assertState(m, name + ".prepared.", 0);

            Tensor xs = EXPECTED.tensor(name + ".xs");
            Tensor ys = EXPECTED.tensor(name + ".ys");
            for (int i = 0; i < 3; i++) {
                if (i == 2) {
                    m.apply(Quantization::freezeBnStats);
                }
                opt.zeroGrad();
                Tensor out = m.apply(xs.select(0, i));
                if (i == 0) {
                    assertArrayEquals(EXPECTED.tensor(name + ".out.0").toFloatArray(), out.toFloatArray(), 2e-5f,
                        name + " first output");
                }
                Tensor loss = dev.ember.nn.Functional.crossEntropy(out, ys.select(0, i));
                loss.backward();
                opt.step();
                double want = Double.parseDouble(EXPECTED.get(name + ".loss." + i));
                assertEquals(want, loss.item(), 1e-5 * Math.abs(want), name + " loss " + i);
            }
            assertEquals("True", EXPECTED.get(name + ".optimizer_after.same_state"));
            // float32 sums in another order, over three steps with momentum
            assertState(m, name + ".trained.", 2e-4);

            var convBnRelu = (dev.ember.ao.nn.intrinsic.qat.ConvBnNd) m.getSubmodule("1");
            var convBn = (dev.ember.ao.nn.intrinsic.qat.ConvBnNd) m.getSubmodule("4");
            assertEquals(EXPECTED.get(name + ".bn.training"), py(convBnRelu.bn().isTraining(), convBn.bn().isTraining()));
            m.eval();
            m.train();
            assertEquals(EXPECTED.get(name + ".train.bn.training"),
                py(convBnRelu.bn().isTraining(), convBn.bn().isTraining()), "train() leaves a frozen batch norm in eval");
            m.apply(Quantization::updateBnStats);
            assertEquals(EXPECTED.get(name + ".updated.bn.training"),
                py(convBnRelu.bn().isTraining(), convBn.bn().isTraining()));
            m.eval();

            // convert what PyTorch trained, for exact integers
            Map<String, Tensor> trained = new LinkedHashMap<>();
            for (String k : m.stateDict().keySet()) {
                trained.put(k, EXPECTED.tensor(name + ".trained." + k));
            }
            m.loadStateDict(trained);
            Quantization.convert(m, true);
            converted(m, name);
        }
    }

    private static String py(boolean a, boolean b) {
        return (a ? "True" : "False") + " " + (b ? "True" : "False");
    }

    /** The converted model's printout, weights and output parameters, and its integers stage by stage. */
    private static void converted(Sequential m, String name) {
        String d = name.equals("c1") ? "1d" : "3d";
        assertEquals("ConvReLU" + d, m.getSubmodule("1").getClass().getSimpleName());
        assertEquals("Conv" + d, m.getSubmodule("4").getClass().getSimpleName());
        assertEquals("ConvReLU" + d, m.getSubmodule("6").getClass().getSimpleName());
        assertEquals("Conv" + d, m.getSubmodule("8").getClass().getSimpleName());
        for (String idx : List.of("1", "4", "6", "8", "10")) {
            String key = name + ".q." + idx;
            Module q = m.getSubmodule(idx);
            QuantizedTensor w;
            Tensor bias;
            if (q instanceof ConvNd c) {
                w = c.weight();
                bias = c.bias();
            } else {
                var l = (dev.ember.ao.nn.quantized.Linear) q;
                w = l.weight();
                bias = l.bias();
            }
            assertInts(key + ".weight.ints", w);
            assertArrayEquals(EXPECTED.tensor(key + ".weight.scales").toDoubleArray(), w.qPerChannelScales().toDoubleArray(),
                key + " scales");
            assertArrayEquals(EXPECTED.tensor(key + ".weight.zero_points").toLongArray(),
                w.qPerChannelZeroPoints().toLongArray(), key + " zero points");
            if (bias == null) {
                assertEquals(List.of(), EXPECTED.keys(key + ".bias"), key + " has no bias");
            } else {
                assertArrayEquals(EXPECTED.tensor(key + ".bias").toFloatArray(), bias.toFloatArray(), 1e-6f, key + " bias");
            }
            String[] qp = EXPECTED.get(key + ".out_qparams").split(" ");
            var out = (dev.ember.ao.nn.quantized.QuantizedOutput) q;
            double scale = Double.parseDouble(qp[0]);
            // from the same loaded statistics: an ulp at most, then pinned so the integers compare exactly
            assertEquals(scale, out.scale(), 4e-7 * scale, key + " scale");
            assertEquals(Long.parseLong(qp[1]), out.zeroPoint(), key + " zero point");
            out.setOutputQParams(scale, Long.parseLong(qp[1]));
        }
        assertEquals(EXPECTED.text(name + ".converted"), m.toString(), name + " converted printout");
        Map<String, QuantizedTensor> seen = new LinkedHashMap<>();
        List<String> stages = List.of("0", "1", "4", "6", "8", "10");
        for (String idx : stages) {
            m.getSubmodule(idx).registerForwardHook((mod, ins, outs) -> {
                seen.put(idx, QuantizedActivations.quantized(outs.get(0)));
                return null;
            });
        }
        Tensor y = m.apply(EXPECTED.tensor(name + ".x"));
        for (String idx : stages) {
            assertInts(name + ".ints." + idx, seen.get(idx));
        }
        assertArrayEquals(EXPECTED.tensor(name + ".out").toFloatArray(), y.toFloatArray(), name + " output");
    }

    /**
     * {@code fuse_modules_qat}'s assertions on a convolution and its batch norm, in PyTorch's words (its message names
     * Conv2d and BatchNorm2d for every dimension without a ReLU), the model left as it was.
     */
    @Test
    void fuseModulesQatRefusesAMismatchedBatchNormAsPyTorch() {
        Map<String, List<Module>> cases = new LinkedHashMap<>();
        cases.put("c1", List.of(new Conv1d(2, 4, 3), new BatchNorm1d(3)));
        cases.put("c3relu", List.of(new Conv3d(2, 4, 3), new BatchNorm3d(5), new ReLU()));
        cases.put("c1affine", List.of(new Conv1d(2, 4, 3), new BatchNorm1d(4, 1e-5, 0.1, false, true)));
        cases.put("c3stats", List.of(new Conv3d(2, 4, 3), new BatchNorm3d(4, 1e-5, 0.1, true, false), new ReLU()));
        for (Map.Entry<String, List<Module>> c : cases.entrySet()) {
            Sequential s = new Sequential(c.getValue().toArray(new Module[0]));
            s.train();
            String printed = s.toString();
            List<String> names = c.getValue().size() == 2 ? List.of("0", "1") : List.of("0", "1", "2");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Quantization.fuseModulesQat(s, List.of(names), true));
            assertEquals(EXPECTED.get("fuse_error." + c.getKey()), "AssertionError: " + e.getMessage(), c.getKey());
            assertEquals(printed, s.toString(), c.getKey() + ": unchanged");
        }
        Sequential mixed = new Sequential(new Conv3d(1, 4, 3), new BatchNorm3d(4), new ReLU());
        mixed.train();
        mixed.getSubmodule("2").eval();
        assertEquals("Conv and BN both must be in the same mode (train or eval).", assertThrows(IllegalStateException.class,
            () -> Quantization.fuseModulesQat(mixed, List.of(List.of("0", "1", "2")), true)).getMessage());
    }
}
