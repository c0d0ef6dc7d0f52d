package dev.ember;

import dev.ember.ao.quantization.MinMaxObserver;
import dev.ember.ao.quantization.MovingAverageMinMaxObserver;
import dev.ember.ao.quantization.ObserverOptions;
import dev.ember.ao.quantization.PerChannelMinMaxObserver;
import dev.ember.ao.quantization.QParams;
import dev.ember.ao.quantization.QScheme;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.ao.quantization.UniformQuantizationObserverBase;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regressions of the bugs round 16 of the differential fuzz found ({@link DifferentialFuzzR16Test}), against PyTorch's
 * values ({@code differentialfuzzr16/make_fixes.py}).
 */
class FuzzRound16FixesTest {
    private static final Map<String, String> EXPECTED =
            ReferenceCases.byFirstWord("/differentialfuzzr16/fixes.txt").get(0).lines();

    private static Tensor in(String key) {
        return FuzzCaseRunner.expectedTensor(EXPECTED.get(key));
    }

    /** The values bit for bit, with the dtype and shape. */
    private static void assertExact(String key, Tensor got) {
        Tensor want = in(key);
        assertEquals(want.dtype(), got.dtype(), key + " dtype");
        assertEquals(Arrays.toString(want.shape()), Arrays.toString(got.shape()), key + " shape");
        assertEquals(Arrays.toString(want.toDoubleArray()), Arrays.toString(got.detach().toDoubleArray()), key);
    }

    @Test
    void copyingReshapeOfAQuantizedTensorStaysQuantized() {
        // a reshape (or flatten) that has to copy (of a transposed tensor) was a plain float tensor, where PyTorch's
        // copy is quantized with the same scale and zero point
        Tensor c = QuantizedActivations.quantize(in("reshape.x"), 0.5, 3, QuantDType.QINT8);
        Tensor r = c.t().reshape(-1);
        assertTrue(QuantizedActivations.isQuantized(r), "reshape's copy is a quantized activation");
        assertExact("reshape.ints", QuantizedActivations.quantized(r).intRepr());
        assertEquals(0.5, QuantizedActivations.quantized(r).qScale());
        assertEquals(3, QuantizedActivations.quantized(r).qZeroPoint());
        Tensor f = c.t().flatten();
        assertTrue(QuantizedActivations.isQuantized(f), "flatten's copy is a quantized activation");
        assertExact("flatten.ints", QuantizedActivations.quantized(f).intRepr());
        // a reshape that views stays one as before
        assertTrue(QuantizedActivations.isQuantized(c.reshape(3, 2)));
    }

    @Test
    void oneChannelAveragePoolsTakeTheChannelsLastKernel() {
        // a contiguous input with one channel is channels-last contiguous too, and PyTorch's quantized avg_pool2d and
        // adaptive_avg_pool2d take their NHWC kernel for it: the shifted mean rounded before the zero point is added
        // (Ember rounded mean + zero point, as the NCHW kernel does: an exact .5 went the other way)
        Tensor one = QuantizedActivations.carrier(QuantizedTensor.makePerTensorQuantizedTensor(in("pool.ints"), 0.25, 1));
        assertExact("avgpool.ints", QuantizedActivations.quantized(Functional.avgPool2d(one, new int[] {2, 2},
                new int[] {2, 2}, new int[] {0, 0}, false, true)).intRepr());
        assertExact("avgpool.pad.ints", QuantizedActivations.quantized(Functional.avgPool2d(one, new int[] {2, 2},
                new int[] {1, 1}, new int[] {1, 1}, true, false)).intRepr());
        assertExact("adaptive.ints", QuantizedActivations.quantized(Functional.adaptiveAvgPool2d(one,
                new int[] {3, 2})).intRepr());
        // two channels: the NCHW kernel, unchanged
        Tensor two = QuantizedActivations.carrier(QuantizedTensor.makePerTensorQuantizedTensor(
                in("pool.ints").repeat(1, 2, 1, 1), 0.25, 1));
        assertExact("avgpool.two.ints", QuantizedActivations.quantized(Functional.avgPool2d(two, new int[] {2, 2},
                new int[] {2, 2}, new int[] {0, 0}, false, true)).intRepr());
        assertExact("adaptive.two.ints", QuantizedActivations.quantized(Functional.adaptiveAvgPool2d(two,
                new int[] {3, 2})).intRepr());
    }

    @Test
    void interpolationOfAQuantizedTensorStaysQuantized() {
        // nearest and bilinear interpolation of a quantized activation gave a plain float tensor (bilinear computed on
        // the dequantized values), where PyTorch's quantized kernels keep the scale and zero point
        Tensor c = QuantizedActivations.carrier(QuantizedTensor.makePerTensorQuantizedTensor(in("interp.ints"), 0.1, 7));
        Tensor nearest = Functional.interpolate(c, new int[] {3, 5}, null, "nearest", null, null);
        assertTrue(QuantizedActivations.isQuantized(nearest));
        assertExact("interp.nearest.ints", QuantizedActivations.quantized(nearest).intRepr());
        Tensor bilinear = Functional.interpolate(c, new int[] {5, 4}, null, "bilinear", false, null);
        assertTrue(QuantizedActivations.isQuantized(bilinear));
        assertExact("interp.bilinear.ints", QuantizedActivations.quantized(bilinear).intRepr());
        assertEquals(0.1, QuantizedActivations.quantized(bilinear).qScale());
        assertEquals(7, QuantizedActivations.quantized(bilinear).qZeroPoint());
        Tensor corners = Functional.interpolate(c, new int[] {3, 7}, null, "bilinear", true, null);
        assertExact("interp.bilinear.ac.ints", QuantizedActivations.quantized(corners).intRepr());
    }

    @Test
    void quantizedOpsRefuseOtherSchemesInPyTorchsWords() {
        // add, mul, matmul, cat, add_scalar and the activations refused a per-channel operand in Ember's own words (and
        // add and mul checked the dtype before the scheme); PyTorch's checks, misspellings included
        Tensor x = in("msg.x");
        QuantizedTensor pt = QuantizedTensor.quantizePerTensor(x, 0.5, 3, QuantDType.QUINT8);
        QuantizedTensor pc = QuantizedTensor.quantizePerChannel(x, Tensor.tensor(new double[] {0.5, 0.25},
                DType.FLOAT64, Device.CPU), Tensor.tensor(new long[] {1, 2}, DType.INT64, Device.CPU), 0,
                QuantDType.QUINT8);
        Map<String, org.junit.jupiter.api.function.Executable> calls = new java.util.LinkedHashMap<>();
        calls.put("add.pc.pc", () -> QuantizedOps.add(pc, pc, 0.5, 3, false));
        calls.put("add.pt.pc", () -> QuantizedOps.add(pt, pc, 0.5, 3, false));
        calls.put("mul.pt.pc", () -> QuantizedOps.mul(pt, pc, 0.5, 3));
        calls.put("matmul.pc.pc", () -> QuantizedPointwiseOps.matmul(pc, pc, 0.5, 3));
        calls.put("cat.pt.pc", () -> QuantizedOps.cat(java.util.List.of(pt, pc), 0.5, 3, 0));
        calls.put("add_scalar.pc", () -> QuantizedPointwiseOps.addScalar(pc, 1.0));
        calls.put("hardswish.pc", () -> QuantizedPointwiseOps.hardswish(pc, 0.5, 3));
        for (Map.Entry<String, org.junit.jupiter.api.function.Executable> e : calls.entrySet()) {
            RuntimeException ex = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, e.getValue(),
                    e.getKey());
            assertEquals(EXPECTED.get("msg." + e.getKey()), ex.getMessage(), e.getKey());
        }
    }

    @Test
    void quantizedKernelsPastInt32AsTheAvx2Ones() {
        // 66 elements: 64 through the vectorized kernels, 2 through the scalar rest. Ember saturated every element to
        // the type's maximum; PyTorch's vector conversion gives int32's minimum beyond int32 (mul), and its add caps
        // the index and adds a zero point of 128 or more with a wrap-around (so the type's minimum)
        QuantizedTensor big = QuantizedTensor.quantizePerTensor(Tensor.full(DType.FLOAT32, Device.CPU, 200.0, 66),
                1.0, 0, QuantDType.QUINT8);
        assertExact("ovf.add.zp200.ints", QuantizedOps.add(big, big, 1e-7, 200, false).intRepr());
        assertExact("ovf.add.zp100.ints", QuantizedOps.add(big, big, 1e-7, 100, false).intRepr());
        assertExact("ovf.mul.ints", QuantizedOps.mul(big, big, 1e-6, 3).intRepr());
        QuantizedTensor big2 = QuantizedTensor.quantizePerTensor(Tensor.full(DType.FLOAT32, Device.CPU, 400.0, 66),
                2.0, 0, QuantDType.QUINT8);
        assertExact("ovf.hardswish.ints", QuantizedPointwiseOps.hardswish(big2, 1e-7, 200).intRepr());
        assertExact("ovf.leaky_relu.ints", QuantizedPointwiseOps.leakyRelu(big2, 0.1, 1e-7, 128).intRepr());
    }

    @Test
    void learnableFakeQuantBackwardFusesTheIndex() {
        // PyTorch's AVX2 build computes nearbyint(zero_point + x * inv_scale) with one fused multiply-add: at
        // x * inv_scale within a float rounding of a .5 tie the index (and so the scale's gradient) differed
        Tensor x = in("lpc.x").requiresGrad_(true);
        Tensor s = in("lpc.scale").requiresGrad_(true);
        Tensor z = in("lpc.zp").requiresGrad_(true);
        Tensor out = FakeQuant.fakeQuantizeLearnablePerChannelAffine(x, s, z, 1, 0, 255, 0.5);
        assertExact("lpc.out", out);
        out.mul(FuzzCaseRunner.weights(out.shape(), out.dtype())).sum().backward();
        assertExact("lpc.gx", x.grad());
        ReferenceCases.assertClose("lpc.gscale", in("lpc.gscale"), s.grad(), 1e-5);
        ReferenceCases.assertClose("lpc.gzp", in("lpc.gzp"), z.grad(), 1e-5);

        Tensor xt = in("lpt.x").requiresGrad_(true);
        Tensor st = Tensor.tensor(new float[] {0.011699999682605267f}, DType.FLOAT32, Device.CPU).requiresGrad_(true);
        Tensor zt = Tensor.tensor(new float[] {203f}, DType.FLOAT32, Device.CPU).requiresGrad_(true);
        Tensor outT = FakeQuant.fakeQuantizeLearnablePerTensorAffine(xt, st, zt, 0, 255, 1.0);
        assertExact("lpt.out", outT);
        outT.mul(FuzzCaseRunner.weights(outT.shape(), outT.dtype())).sum().backward();
        assertExact("lpt.gx", xt.grad());
        ReferenceCases.assertClose("lpt.gscale", in("lpt.gscale"), st.grad(), 1e-5);
        ReferenceCases.assertClose("lpt.gzp", in("lpt.gzp"), zt.grad(), 1e-5);
    }

    @Test
    void perChannelFakeQuantWithFloatZeroPointsFusesTheIndex() {
        // lrintf(zero_point + x * inv_scale): -1.1666666 * 3 is -3.4999998 exactly, -3.5 once rounded to float
        Tensor x = in("pcf.x").requiresGrad_(true);
        Tensor out = FakeQuant.fakeQuantizePerChannelAffine(x,
                Tensor.tensor(new float[] {0.3333333432674408f, 0.5f}, DType.FLOAT32, Device.CPU),
                Tensor.tensor(new float[] {4f, 2f}, DType.FLOAT32, Device.CPU), 0, -8, 7);
        assertExact("pcf.out", out);
        out.sum().backward();
        assertExact("pcf.gx", x.grad());
    }

    @Test
    void observerZeroPointOfAnInfiniteMinimumWrapsAsX86() {
        // min_val -inf: scale inf, min_val / scale NaN, which .to(torch.int) makes int32's minimum on x86 and
        // quant_min - that wraps around before the clamp (Ember's conversion gave 0: zero point quant_min)
        Map<String, UniformQuantizationObserverBase> observers = new java.util.LinkedHashMap<>();
        observers.put("minmax.qint8", new MinMaxObserver(new ObserverOptions().dtype(QuantDType.QINT8)));
        observers.put("mavg.qint8.rr", new MovingAverageMinMaxObserver(new ObserverOptions().dtype(QuantDType.QINT8)
                .reduceRange(true)));
        observers.put("minmax.quint8", new MinMaxObserver(new ObserverOptions().dtype(QuantDType.QUINT8)));
        observers.put("perch.qint8", new PerChannelMinMaxObserver(new ObserverOptions().dtype(QuantDType.QINT8)
                .qscheme(QScheme.PER_CHANNEL_AFFINE)));
        for (Map.Entry<String, UniformQuantizationObserverBase> e : observers.entrySet()) {
            String k = "obs." + e.getKey();
            e.getValue().forward(in(k + ".x"));
            QParams q = e.getValue().calculateQparams();
            assertExact(k + ".scale", q.scale());
            assertExact(k + ".zp", q.zeroPoint());
        }
    }
}
