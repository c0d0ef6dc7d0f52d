package dev.ember;

import dev.ember.ao.nn.quantized.DeQuantize;
import dev.ember.ao.nn.quantized.QFunctional;
import dev.ember.ao.nn.quantized.Quantize;
import dev.ember.ao.quantization.DeQuantStub;
import dev.ember.ao.quantization.QConfig;
import dev.ember.ao.quantization.QuantStub;
import dev.ember.ao.quantization.Quantization;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.ELU;
import dev.ember.nn.Hardswish;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.LeakyReLU;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.ReLU6;
import dev.ember.nn.Sequential;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Static quantization's further quantized modules against PyTorch (resources/staticquant2/make_expected.py): the
 * kernels {@code quantized::hardswish}, {@code elu}, {@code leaky_relu}, {@code batch_norm2d}/{@code 3d},
 * {@code layer_norm}, {@code add_scalar}, {@code mul_scalar} bit for bit on the integers (PyTorch's generic kernels,
 * engine-independent, AVX2), then the modules a model converts to, end to end.
 */
class StaticQuantization2Test {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/staticquant2/expected.txt");

    private static Tensor in(String key) {
        return EXPECTED.tensor(key);
    }

    private static QuantizedTensor qin(String key) {
        String[] qp = EXPECTED.get(key + ".qparams").split(" ");
        return QuantizedTensor.makePerTensorQuantizedTensor(in(key + ".ints"), Double.parseDouble(qp[0]),
            Long.parseLong(qp[1]));
    }

    private static void assertQ(String key, QuantizedTensor q) {
        String[] qp = EXPECTED.get(key + ".qparams").split(" ");
        assertEquals(Double.parseDouble(qp[0]), q.qScale(), key + " scale");
        assertEquals(Long.parseLong(qp[1]), q.qZeroPoint(), key + " zero point");
        Tensor want = in(key + ".ints");
        assertArrayEquals(want.shape(), q.shape(), key + " shape");
        long[] w = want.to(DType.INT64).toLongArray();
        long[] got = q.intRepr().to(DType.INT64).toLongArray();
        int diff = 0;
        for (int i = 0; i < w.length; i++) {
            diff += w[i] != got[i] ? 1 : 0;
        }
        assertArrayEquals(w, got, key + " (" + diff + " of " + w.length + " differ)");
    }

    @Test
    void activationKernelsMatchPyTorch() {
        for (String dt : new String[] {"u8", "s8"}) {
            String p = "act." + dt + ".";
            QuantizedTensor x = qin(p + "x");
            long zp = dt.equals("u8") ? 120 : -5;
            assertQ(p + "hardswish", QuantizedPointwiseOps.hardswish(x, 0.031, Math.floorDiv(zp, 2) + 10));
            assertQ(p + "elu", QuantizedPointwiseOps.elu(x, 0.029, Math.floorDiv(zp, 3), 0.7));
            assertQ(p + "leaky_relu", QuantizedPointwiseOps.leakyRelu(x, 0.1, 0.023, dt.equals("u8") ? zp + 3 : zp));
        }
    }

    @Test
    void batchNormKernelsMatchPyTorch() {
        for (int c : new int[] {3, 12, 40}) {
            String p = "bn2d.c" + c + ".";
            assertQ(p + "y", QuantizedNormOps.batchNorm(qin(p + "x"), in(p + "weight"), in(p + "bias"), in(p + "mean"),
                in(p + "var"), 1e-5, 0.061, 97));
        }
        for (int c : new int[] {5, 16}) {
            String p = "bn3d.c" + c + ".";
            assertQ(p + "y", QuantizedNormOps.batchNorm(qin(p + "x"), in(p + "weight"), in(p + "bias"), in(p + "mean"),
                in(p + "var"), 1e-3, 0.05, 120));
        }
    }

    @Test
    void layerNormKernelMatchesPyTorch() {
        assertQ("ln40.y", QuantizedNormOps.layerNorm(qin("ln40.x"), new int[] {40}, in("ln40.weight"), in("ln40.bias"),
            1e-5, 0.027, 128));
        assertQ("ln45.y", QuantizedNormOps.layerNorm(qin("ln45.x"), new int[] {4, 5}, in("ln45.weight"),
            in("ln45.bias"), 1e-5, 0.027, 128));
        assertQ("ln70.y", QuantizedNormOps.layerNorm(qin("ln70.x"), new int[] {70}, null, null, 1e-5, 0.027, 128));
    }

    /**
     * Inputs the generator searched for, on which the arithmetic's variants round to different integers: hardswish's
     * vectorized loop (fma dequantization, {@code (float) (1.0 / scale)}) against its scalar remainder, the batch norm's
     * fma against a product and a sum (PyTorch fuses the scalar channels too), the layer norm's fused steps. Random
     * inputs pass with either variant; these do not.
     */
    @Test
    void inputsWhereTheArithmeticsVariantsDisagreeMatchPyTorch() {
        String[] hp = EXPECTED.get("adv.hardswish.params").split(" ");
        assertQ("adv.hardswish.y", QuantizedPointwiseOps.hardswish(qin("adv.hardswish.x"), Double.parseDouble(hp[2]),
            Long.parseLong(hp[3])));
        assertQ("adv.bn.y", QuantizedNormOps.batchNorm(qin("adv.bn.x"), in("adv.bn.weight"), in("adv.bn.bias"),
            in("adv.bn.mean"), in("adv.bn.var"), 1e-5, 0.061, 97));
        for (String k : new String[] {"y", "var"}) {
            String p = "adv.ln" + k + ".";
            assertQ(p + "y", QuantizedNormOps.layerNorm(qin(p + "x"), new int[] {40}, in(p + "weight"), in(p + "bias"),
                1e-5, 0.027, 128));
        }
    }

    @Test
    void groupAndInstanceNormKernelsMatchPyTorch() {
        assertQ("gn.y", QuantizedNormOps.groupNorm(qin("gn.x"), 3, in("gn.weight"), in("gn.bias"), 1e-5, 0.031, 125));
        assertQ("gn1.y", QuantizedNormOps.groupNorm(qin("gn1.x"), 2, null, null, 1e-5, 0.031, 125));
        for (String k : new String[] {"in1", "in2", "in3"}) {
            assertQ(k + ".y", QuantizedNormOps.instanceNorm(qin(k + ".x"), in(k + ".weight"), in(k + ".bias"), 1e-5,
                0.03, 127));
        }
        assertQ("adv.gn.y", QuantizedNormOps.groupNorm(qin("adv.gn.x"), 1, in("adv.gn.weight"), in("adv.gn.bias"),
            1e-5, 0.027, 128));
    }

    @Test
    void groupNormAndInstanceNormModulesConvert() {
        Sequential m = new Sequential(new QuantStub(), new dev.ember.nn.GroupNorm(2, 4),
            new dev.ember.nn.InstanceNorm2d(4, 1e-5, 0.1, true, false), new DeQuantStub());
        StaticQuantizationTest.loadExpected(m, EXPECTED, "model2.float.");
        m.eval();
        Quantization.setQconfig(m, QConfig.DEFAULT);
        Quantization.prepare(m, true);
        try (GradMode off = Ember.noGrad()) {
            m.apply(in("model2.calib"));
        }
        Quantization.convert(m, true);
        assertEquals(EXPECTED.text("model2.converted"), m.toString(), "converted printout (PyTorch's momentum=True)");
        assertInstanceOf(dev.ember.ao.nn.quantized.GroupNorm.class, m.getSubmodule("1"));
        assertInstanceOf(dev.ember.ao.nn.quantized.InstanceNorm2d.class, m.getSubmodule("2"));
        String[] q0 = EXPECTED.get("model2.qparams.0").split(" ");
        assertEquals(Double.parseDouble(q0[0]), ((Quantize) m.getSubmodule("0")).scale());
        for (int i = 1; i <= 2; i++) {
            String[] qp = EXPECTED.get("model2.qparams." + i).split(" ");
            var layer = (dev.ember.ao.nn.quantized.QuantizedOutput) m.getSubmodule(String.valueOf(i));
            double scale = Double.parseDouble(qp[0]);
            assertEquals(scale, layer.scale(), 4e-6 * scale, "stage " + i + " scale");
            assertEquals(Long.parseLong(qp[1]), layer.zeroPoint(), 1, "stage " + i + " zero point");
            layer.setOutputQParams(scale, Long.parseLong(qp[1]));
        }
        try (GradMode off = Ember.noGrad()) {
            Tensor h = m.getSubmodule("0").apply(in("model2.x"));
            for (int i = 1; i <= 2; i++) {
                h = m.getSubmodule(String.valueOf(i)).apply(h);
                assertQ("model2.stage." + i, QuantizedActivations.quantized(h));
            }
            assertArrayEquals(in("model2.y").toFloatArray(), m.apply(in("model2.x")).toFloatArray(), "output");
        }
    }

    @Test
    void badInputIsRefusedWithPyTorchsMessagesLeavingTheModelAsItWas() {
        QuantizedTensor q4 = QuantizedTensor.quantizePerTensor(Tensor.randn(2, 3, 5, 4), 0.1, 10,
            dev.ember.ao.quantization.QuantDType.QUINT8);
        IllegalArgumentException ln = assertThrows(IllegalArgumentException.class,
            () -> QuantizedNormOps.layerNorm(q4, new int[] {4, 5}, null, null, 1e-5, 0.1, 3));
        assertEquals("Given normalized_shape=[4, 5], expected input with shape [*, 4, 5], but got input of size"
            + "[2, 3, 5, 4]", ln.getMessage());
        IllegalArgumentException gn = assertThrows(IllegalArgumentException.class,
            () -> QuantizedNormOps.groupNorm(q4, 2, null, null, 1e-5, 0.1, 3));
        assertEquals("Expected channels to be divisible by groups", gn.getMessage());
        dev.ember.ao.nn.quantized.BatchNorm2d bn = new dev.ember.ao.nn.quantized.BatchNorm2d(3, 1e-5);
        Tensor carrier3d = QuantizedActivations.carrier(QuantizedTensor.quantizePerTensor(Tensor.randn(2, 3, 4), 0.1,
            10, dev.ember.ao.quantization.QuantDType.QUINT8));
        IllegalArgumentException rank = assertThrows(IllegalArgumentException.class, () -> bn.apply(carrier3d));
        assertEquals("Expecting the input tensor of rank 4.", rank.getMessage());
        for (Module layer : List.of(bn, new dev.ember.ao.nn.quantized.Hardswish(0.1, 3),
                new dev.ember.ao.nn.quantized.ELU(0.1, 3, 1.0), new dev.ember.ao.nn.quantized.LeakyReLU(0.1, 3, 0.01,
                    false), new dev.ember.ao.nn.quantized.LayerNorm(new int[] {4}, null, null, 0.1, 3, 1e-5, false),
                new dev.ember.ao.nn.quantized.GroupNorm(1, 3, null, null, 0.1, 3, 1e-5, false))) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> layer.apply(Tensor.randn(2, 3, 4, 4)));
            assertTrue(e.getMessage().startsWith("Could not run 'quantized::"), e.getMessage());
            assertTrue(e.getMessage().contains("' with arguments from the 'CPU' backend."), e.getMessage());
        }
        // a BatchNorm2d without running statistics has no quantized form: refused before anything is swapped
        Sequential m = new Sequential(new QuantStub(), new BatchNorm2d(3, 1e-5, 0.1, true, false), new Hardswish(),
            new DeQuantStub());
        m.eval();
        Quantization.setQconfig(m, QConfig.DEFAULT);
        Quantization.prepare(m, true);
        try (GradMode off = Ember.noGrad()) {
            m.apply(Tensor.randn(2, 3, 4, 4));
        }
        String before = m.toString();
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
            () -> Quantization.convert(m, true));
        assertTrue(e.getMessage().contains("has no running statistics"), e.getMessage());
        assertEquals(before, m.toString(), "the model is as it was");
        assertSame(Hardswish.class, m.getSubmodule("2").getClass());
    }

    /** nn.Sigmoid and nn.Tanh are not converted (2.x's mapping has neither): on a carrier they run PyTorch's kernels. */
    @Test
    void sigmoidAndTanhOfAQuantizedActivationAreQuantized() {
        for (String dt : new String[] {"u8", "s8"}) {
            String p = "fixed." + dt + ".";
            try (GradMode off = Ember.noGrad()) {
                Tensor c = QuantizedActivations.carrier(qin(p + "x"));
                Tensor s = new dev.ember.nn.Sigmoid().apply(c);
                assertTrue(QuantizedActivations.isQuantized(s));
                assertQ(p + "sigmoid", QuantizedActivations.quantized(s));
                Tensor t = c.tanh();
                assertQ(p + "tanh", QuantizedActivations.quantized(t));
                // a plain float tensor is untouched
                Tensor f = qin(p + "x").dequantize();
                assertFalse(QuantizedActivations.isQuantized(f.sigmoid()));
                assertArrayEquals(f.sigmoid().toFloatArray(), ArithmeticOps.unary(f, ArithmeticOps.Fn.SIGMOID)
                    .toFloatArray());
            }
        }
    }

    /** {@code QFunctional.matmul} (2.x; 1.13's QFunctional has none, so the op itself is the reference). */
    @Test
    void matmulMatchesPyTorch() {
        for (String dt : new String[] {"u8", "s8"}) {
            String p = "matmul." + dt + ".";
            long zp = dt.equals("u8") ? 128 : 5;
            assertQ(p + "y", QuantizedPointwiseOps.matmul(qin(p + "a"), qin(p + "b"), 0.21, zp));
        }
        QFunctional f = new QFunctional();
        f.setOutputQParams(0.21, 128);
        Tensor y = f.matmul(QuantizedActivations.carrier(qin("matmul.u8.a")),
            QuantizedActivations.carrier(qin("matmul.u8.b")));
        assertQ("matmul.u8.y", QuantizedActivations.quantized(y));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> QuantizedPointwiseOps.matmul(qin("matmul.u8.a"), qin("matmul.s8.b"), 0.1, 0));
        assertEquals("MatMul operands should have same data type.", e.getMessage());
    }

    @Test
    void scalarKernelsMatchPyTorch() {
        for (String dt : new String[] {"u8", "s8"}) {
            String p = "scalar." + dt + ".";
            QuantizedTensor x = qin(p + "x");
            double[] adds = {0.33, 7.0, -6.5, 1e-3};
            for (int i = 0; i < adds.length; i++) {
                assertQ(p + "add" + i, QuantizedPointwiseOps.addScalar(x, adds[i]));
            }
            double[] muls = {2.5, 0.0, -0.5};
            for (int i = 0; i < muls.length; i++) {
                assertQ(p + "mul" + i, QuantizedPointwiseOps.mulScalar(x, muls[i]));
            }
        }
    }

    /** The generator's model: QuantStub, BatchNorm2d, Hardswish, LeakyReLU, ELU, LayerNorm, ReLU, BatchNorm2d, ReLU6. */
    private static Sequential model() {
        return new Sequential(new QuantStub(), new BatchNorm2d(3), new Hardswish(), new LeakyReLU(0.1), new ELU(0.7),
            new LayerNorm(new int[] {4, 5}), new ReLU(), new BatchNorm2d(3, 1e-3, 0.1), new ReLU6(), new DeQuantStub());
    }

    @Test
    void aModelOfNormsAndActivationsConvertsAndComputesPyTorchsIntegers() {
        Sequential m = model();
        StaticQuantizationTest.loadExpected(m, EXPECTED, "model.float.");
        m.eval();
        Quantization.setQconfig(m, QConfig.DEFAULT);
        assertSame(m, Quantization.prepare(m, true));
        assertEquals(EXPECTED.text("model.prepared"), m.toString(), "prepared printout");
        try (GradMode off = Ember.noGrad()) {
            m.apply(in("model.calib"));
        }
        Quantization.convert(m, true);
        assertEquals(EXPECTED.text("model.converted"), m.toString(), "converted printout");
        assertInstanceOf(Quantize.class, m.getSubmodule("0"));
        assertInstanceOf(dev.ember.ao.nn.quantized.BatchNorm2d.class, m.getSubmodule("1"));
        assertInstanceOf(dev.ember.ao.nn.quantized.Hardswish.class, m.getSubmodule("2"));
        assertInstanceOf(dev.ember.ao.nn.quantized.LeakyReLU.class, m.getSubmodule("3"));
        assertInstanceOf(dev.ember.ao.nn.quantized.ELU.class, m.getSubmodule("4"));
        assertInstanceOf(dev.ember.ao.nn.quantized.LayerNorm.class, m.getSubmodule("5"));
        assertSame(ReLU.class, m.getSubmodule("6").getClass(), "nn.ReLU stays float, as in PyTorch");
        assertInstanceOf(dev.ember.ao.nn.quantized.ReLU6.class, m.getSubmodule("8"));
        assertInstanceOf(DeQuantize.class, m.getSubmodule("9"));
        // the observers saw the float model's activations, which Ember's float kernels round within float32 of
        // PyTorch's: the calculated parameters agree to an ulp or so (as StaticQuantizationTest's), then are pinned to
        // PyTorch's so that the integers can be compared bit for bit
        Quantize quant = (Quantize) m.getSubmodule("0");
        String[] q0 = EXPECTED.get("model.qparams.0").split(" ");
        assertEquals(Double.parseDouble(q0[0]), quant.scale(), "input scale");
        assertEquals(Long.parseLong(q0[1]), quant.zeroPoint(), "input zero point");
        for (int i : new int[] {1, 2, 3, 4, 5, 7}) {
            String[] qp = EXPECTED.get("model.qparams." + i).split(" ");
            var layer = (dev.ember.ao.nn.quantized.QuantizedOutput) m.getSubmodule(String.valueOf(i));
            double scale = Double.parseDouble(qp[0]);
            long zero = Long.parseLong(qp[1]);
            assertEquals(scale, layer.scale(), 4e-6 * scale, "stage " + i + " scale");
            assertEquals(zero, layer.zeroPoint(), 1, "stage " + i + " zero point");
            layer.setOutputQParams(scale, zero);
        }
        try (GradMode off = Ember.noGrad()) {
            Tensor h = m.getSubmodule("0").apply(in("model.x"));
            assertQ("model.stage.0", QuantizedActivations.quantized(h));
            for (int i = 1; i <= 8; i++) {
                h = m.getSubmodule(String.valueOf(i)).apply(h);
                assertTrue(QuantizedActivations.isQuantized(h), "stage " + i + " quantized");
                assertQ("model.stage." + i, QuantizedActivations.quantized(h));
            }
            Tensor y = m.apply(in("model.x"));
            assertFalse(QuantizedActivations.isQuantized(y));
            assertArrayEquals(in("model.y").toFloatArray(), y.toFloatArray(), "output");
        }
    }

    @Test
    void qfunctionalScalarOpsOnCarriers() {
        QFunctional f = new QFunctional();
        QuantizedTensor x = qin("scalar.u8.x");
        Tensor c = QuantizedActivations.carrier(x);
        assertQ("scalar.u8.add1", QuantizedActivations.quantized(f.addScalar(c, 7.0)));
        assertQ("scalar.u8.mul2", QuantizedActivations.quantized(f.mulScalar(c, -0.5)));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
            () -> f.addScalar(Tensor.ones(3), 1.0));
        assertTrue(e.getMessage().startsWith("Could not run 'quantized::add_scalar' with arguments from the 'CPU'"),
            e.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> f.mulScalar(Tensor.ones(3), 2.0));
    }
}
