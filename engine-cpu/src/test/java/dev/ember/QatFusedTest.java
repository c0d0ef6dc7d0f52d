package dev.ember;

import dev.ember.ao.quantization.DeQuantStub;
import dev.ember.ao.quantization.QConfig;
import dev.ember.ao.quantization.QuantStub;
import dev.ember.ao.quantization.Quantization;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Flatten;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Quantization-aware training of fused modules against PyTorch (resources/qatfused/make_expected.py):
 * {@code fuse_modules_qat} (Conv2d + BatchNorm2d [+ ReLU] kept as {@code ConvBn2d}/{@code ConvBnReLU2d}), {@code
 * prepare_qat} (their QAT forms, which fake-quantize the weight with the batch norm folded in, and QAT
 * {@code ConvReLU2d}/{@code LinearReLU}), three SGD steps with momentum (the last with the batch norms frozen by
 * {@code freeze_bn_stats}), then convert, which folds the batch norms into the quantized convolutions: printouts,
 * losses, the trained state and the quantized weights as PyTorch's.
 */
class QatFusedTest {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/qatfused/expected.txt");

    private static Sequential model() {
        return new Sequential(new QuantStub(), new Conv2d(1, 4, 3, 1, 1), new BatchNorm2d(4), new ReLU(),
            new Conv2d(4, 4, 3), new BatchNorm2d(4), new Conv2d(4, 2, 1), new ReLU(), new Flatten(),
            new Linear(2 * 6 * 6, 8), new ReLU(), new Linear(8, 3), new DeQuantStub());
    }

    private static Sequential fusedModel() {
        Sequential m = model();
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String k : m.stateDict().keySet()) {
            state.put(k, EXPECTED.tensor("float." + k));
        }
        m.loadStateDict(state);
        m.train();
        Quantization.fuseModulesQat(m, List.of(List.of("1", "2", "3"), List.of("4", "5"), List.of("6", "7"),
            List.of("9", "10")), true);
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

    @Test
    void fusedModulesTrainAndConvertAsPyTorch() {
        Sequential m = fusedModel();
        assertEquals(EXPECTED.text("fused"), m.toString(), "fuse_modules_qat keeps the batch norms");
        Quantization.setQconfig(m, QConfig.getDefaultQatQconfig("x86"));
        Quantization.prepareQat(m, true);
        assertEquals(EXPECTED.text("prepared"), m.toString(), "prepared printout");
        assertInstanceOf(dev.ember.ao.nn.intrinsic.qat.ConvBnReLU2d.class, m.getSubmodule("1"));
        assertInstanceOf(dev.ember.ao.nn.intrinsic.qat.ConvBn2d.class, m.getSubmodule("4"));
        assertInstanceOf(dev.ember.ao.nn.intrinsic.qat.ConvReLU2d.class, m.getSubmodule("6"));
        assertInstanceOf(dev.ember.ao.nn.intrinsic.qat.LinearReLU.class, m.getSubmodule("9"));
        assertEquals(List.copyOf(EXPECTED.keys("prepared.")), List.copyOf(m.stateDict().keySet()), "state dict keys");
        assertState(m, "prepared.", 0);

        trainThreeSteps(m, new dev.ember.optim.SGD(m.parameters(), 0.05, 0.9, 0, 0, false), "loss.");
        var convBnRelu = (dev.ember.ao.nn.intrinsic.qat.ConvBn2d) m.getSubmodule("1");
        var convBn = (dev.ember.ao.nn.intrinsic.qat.ConvBn2d) m.getSubmodule("4");
        assertTrue(convBnRelu.bnFrozen());
        assertFalse(convBnRelu.bn().isTraining(), "frozen: the batch norm in eval mode");
        m.eval();
        m.train();
        assertFalse(convBnRelu.bn().isTraining() || convBn.bn().isTraining(), "train() leaves a frozen batch norm in eval");
        assertTrue(m.getSubmodule("1.weight_fake_quant").isTraining(), "... and the module's other children as they were");
        m.apply(Quantization::updateBnStats);
        assertTrue(convBnRelu.bn().isTraining());
        m.eval();
        assertFalse(convBnRelu.bn().isTraining());

        // convert what PyTorch trained, for exact integers
        Map<String, Tensor> trained = new LinkedHashMap<>();
        for (String k : m.stateDict().keySet()) {
            trained.put(k, EXPECTED.tensor("trained." + k));
        }
        m.loadStateDict(trained);
        Quantization.convert(m, true);
        assertEquals(EXPECTED.text("converted"), m.toString(), "converted printout");
        for (int idx : new int[] {1, 4, 6, 9}) {
            Module q = m.getSubmodule(String.valueOf(idx));
            QuantizedTensor w;
            Tensor bias;
            double scale;
            long zero;
            if (q instanceof dev.ember.ao.nn.quantized.Conv2d c) {
                w = c.weight();
                bias = c.bias();
                scale = c.scale();
                zero = c.zeroPoint();
            } else {
                var l = (dev.ember.ao.nn.quantized.Linear) q;
                w = l.weight();
                bias = l.bias();
                scale = l.scale();
                zero = l.zeroPoint();
            }
            String key = "q." + idx;
            assertArrayEquals(EXPECTED.tensor(key + ".weight.ints").to(DType.INT64).toLongArray(),
                w.intRepr().to(DType.INT64).toLongArray(), key + " weight");
            assertArrayEquals(EXPECTED.tensor(key + ".weight.scales").toDoubleArray(), w.qPerChannelScales().toDoubleArray(),
                key + " scales");
            assertArrayEquals(EXPECTED.tensor(key + ".bias").toFloatArray(), bias.toFloatArray(), 1e-6f, key + " bias");
            String[] qp = EXPECTED.get(key + ".out_qparams").split(" ");
            assertEquals(Double.parseDouble(qp[0]), scale, 0.0, key + " scale");
            assertEquals(Long.parseLong(qp[1]), zero, key + " zero point");
        }
    }

    /**
     * Three SGD steps (the third with the batch norms frozen) held to PyTorch's losses (keys {@code lossPrefix + i}),
     * first output and trained state.
     */
    private static void trainThreeSteps(Module m, dev.ember.optim.SGD opt, String lossPrefix) {
        Tensor xs = EXPECTED.tensor("xs");
        Tensor ys = EXPECTED.tensor("ys");
        for (int i = 0; i < 3; i++) {
            if (i == 2) {
                m.apply(Quantization::freezeBnStats);
            }
            opt.zeroGrad();
            Tensor out = m.apply(xs.select(0, i));
            if (i == 0) {
                assertArrayEquals(EXPECTED.tensor("out.0").toFloatArray(), out.toFloatArray(), 2e-5f, "first output");
            }
            Tensor loss = dev.ember.nn.Functional.crossEntropy(out, ys.select(0, i));
            loss.backward();
            opt.step();
            double want = Double.parseDouble(EXPECTED.get(lossPrefix + i));
            assertEquals(want, loss.item(), 1e-5 * Math.abs(want), "loss " + i);
        }
        // float32 sums in another order, over three steps with momentum
        assertState(m, "trained.", 2e-4);
    }

    /**
     * PyTorch's QAT layers take over the float layers' Parameters ({@code from_float}: {@code qat.weight = mod.weight};
     * a fused batch norm is the same module), so an optimizer made before {@code fuse_modules_qat} and
     * {@code prepare_qat} trains the prepared model. Ember's copied them until session 37: that optimizer stepped
     * tensors the model no longer used, and training changed nothing, silently.
     */
    @Test
    void anOptimizerMadeBeforePrepareQatTrainsThePreparedModel() {
        Sequential m = model();
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String k : m.stateDict().keySet()) {
            state.put(k, EXPECTED.tensor("float." + k));
        }
        m.loadStateDict(state);
        var fc = (Linear) m.getSubmodule("11");
        Set<Tensor> before = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        before.addAll(m.parameters());
        dev.ember.optim.SGD opt = new dev.ember.optim.SGD(m.parameters(), 0.05, 0.9, 0, 0, false);
        m.train();
        Quantization.fuseModulesQat(m, List.of(List.of("1", "2", "3"), List.of("4", "5"), List.of("6", "7"),
            List.of("9", "10")), true);
        Quantization.setQconfig(m, QConfig.getDefaultQatQconfig("x86"));
        Quantization.prepareQat(m, true);
        Set<Tensor> after = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        after.addAll(m.parameters());
        assertEquals(Boolean.parseBoolean(EXPECTED.get("params.shared")), before.equals(after),
            "the prepared model's parameters are the float model's tensors, as PyTorch's");
        var qfc = (dev.ember.ao.nn.qat.Linear) m.getSubmodule("11");
        assertSame(fc.weight, qfc.weight, "the QAT layer's field is the float layer's weight");
        assertSame(fc.bias, qfc.bias);
        trainThreeSteps(m, opt, "optimizer_first.loss.");
        assertEquals("True", EXPECTED.get("optimizer_first.same_state"));
    }

    /** A weight that is not a registered Parameter (pruned or parametrized) is refused as PyTorch's assignment refuses it. */
    @Test
    void aPrunedWeightIsNotTakenOver() {
        Linear fc = new Linear(4, 3);
        dev.ember.nn.utils.Prune.l1Unstructured(fc, "weight", 0.5);
        Sequential m = new Sequential(new QuantStub(), fc, new DeQuantStub());
        m.train();
        Quantization.setQconfig(m, QConfig.getDefaultQatQconfig("x86"));
        String printed = m.toString();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Quantization.prepareQat(m, true));
        assertEquals(EXPECTED.get("pruned.error"), e.getMessage());
        assertEquals(printed, m.toString(), "the model is left as it was");
    }

    @Test
    void fuseModulesQatRefusesWhatItCannotFuseAndChangesNothing() {
        Sequential m = new Sequential(new Conv2d(1, 4, 3), new BatchNorm2d(3));
        m.train();
        String before = m.toString();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Quantization.fuseModulesQat(m, List.of(List.of("0", "1")), true));
        assertEquals("Output channel of Conv2d must match num_features of BatchNorm2d", e.getMessage());
        // (Linear + BatchNorm1d was refused as unsupported until session 37 added LinearBn1d: now PyTorch's
        // fuse_linear_bn assertion on the sizes)
        Sequential lb = new Sequential(new Linear(2, 3), new dev.ember.nn.BatchNorm1d(4));
        lb.train();
        String lbBefore = lb.toString();
        assertEquals("Output features of Linear must match num_features of BatchNorm1d", assertThrows(
            IllegalArgumentException.class, () -> Quantization.fuseModulesQat(lb, List.of(List.of("0", "1")), true))
            .getMessage());
        assertEquals(lbBefore, lb.toString());
        assertEquals(before, m.toString());
        Sequential mixed = new Sequential(new Conv2d(1, 4, 3), new BatchNorm2d(4));
        mixed.getSubmodule("1").eval();
        IllegalStateException s = assertThrows(IllegalStateException.class,
            () -> Quantization.fuseModulesQat(mixed, List.of(List.of("0", "1")), true));
        assertEquals("Conv and BN both must be in the same mode (train or eval).", s.getMessage());
    }
}
