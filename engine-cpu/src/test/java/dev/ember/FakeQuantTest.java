package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FakeQuant} against PyTorch (resources/fakequant/make_expected.py): outputs bit for bit (their arithmetic is
 * PyTorch 2.x's kernels'), nodes, the input gradients of a weighted sum bit for bit, the learnable forms' scale and
 * zero-point gradients (sums, so to float32 rounding), and the error messages.
 */
class FakeQuantTest {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/fakequant/expected.txt");

    private static Tensor in(String key) {
        return EXPECTED.tensor(key);
    }

    private static void assertExact(String key, Tensor got) {
        EXPECTED.assertExact(key, got);
    }

    private static Tensor weightedSum(Tensor y) {
        return y.mul(ReferenceCases.weights(y.shape(), DType.FLOAT32)).sum();
    }

    @Test
    void perTensorMatchesPyTorchBitForBit() {
        Object[][] cases = {{"a", 0.25, 10L, 0L, 255L}, {"b", 0.1, 0L, -128L, 127L}, {"c", 0.07, 3L, -8L, 7L}};
        for (Object[] c : cases) {
            String k = "pt." + c[0];
            Tensor x = in("x").requiresGrad_(true);
            Tensor y = FakeQuant.fakeQuantizePerTensorAffine(x, (double) c[1], (long) c[2], (long) c[3], (long) c[4]);
            assertExact(k + ".out", y);
            assertEquals(EXPECTED.get(k + ".node"), y.gradFn().name());
            weightedSum(y).backward();
            assertExact(k + ".grad", x.grad());
        }
    }

    @Test
    void perTensorWithTensorQparams() {
        Tensor x = in("x").requiresGrad_(true);
        Tensor scale = Tensor.tensor(new float[] {0.1f}, DType.FLOAT32, Device.CPU).requiresGrad_(true);
        Tensor zp = Tensor.tensor(new int[] {10}, DType.INT32, Device.CPU);
        Tensor y = FakeQuant.fakeQuantizePerTensorAffine(x, scale, zp, 0, 255);
        assertExact("ptt.out", y);
        assertEquals(EXPECTED.get("ptt.node"), y.gradFn().name());
        weightedSum(y).backward();
        assertExact("ptt.grad", x.grad());
        assertEquals(null, scale.grad(), "the scale is not differentiable here, as PyTorch's");
    }

    @Test
    void halfTypesComputeInFloatAndRoundOnce() {
        assertExact("pt.float16.out", FakeQuant.fakeQuantizePerTensorAffine(in("x").to(DType.FLOAT16), 0.1, 10, 0, 255));
        // 1.13 has no bfloat16 kernel: the expected values are 2.x's (the float kernel on the widened input)
        assertExact("pt.bfloat16.out", FakeQuant.fakeQuantizePerTensorAffine(in("x").to(DType.BFLOAT16), 0.1, 10, 0, 255));
    }

    @Test
    void float64PerTensorProductIsTheFloatOneOfPyTorch2() {
        // 2.x multiplies the int64 index by the float scale (a float product), where 1.13 multiplied in double
        assertExact("pt64.a.out", FakeQuant.fakeQuantizePerTensorAffine(in("x64"), 0.25, 10, 0, 255));
        assertExact("pt64.b.out", FakeQuant.fakeQuantizePerTensorAffine(in("x64"), 0.1, 0, -128, 127));
    }

    @Test
    void perChannelMatchesPyTorchBitForBit() {
        Object[][] cases = {{"ax0", 0, -128L, 127L}, {"ax1", 1, 0L, 255L}, {"fzp", 0, -128L, 127L}, {"hzp", 2, -10L, 10L}};
        for (Object[] c : cases) {
            String k = "pc." + c[0];
            Tensor w = in("w").requiresGrad_(true);
            Tensor zp = in(k + ".zp");
            if (EXPECTED.get(k + ".zp").startsWith("float16")) {
                zp = zp.to(DType.FLOAT16);
            }
            Tensor y = FakeQuant.fakeQuantizePerChannelAffine(w, in(k + ".scale"), zp, (int) c[1], (long) c[2],
                (long) c[3]);
            assertExact(k + ".out", y);
            assertEquals(EXPECTED.get(k + ".node"), y.gradFn().name());
            weightedSum(y).backward();
            assertExact(k + ".grad", w.grad());
        }
        assertExact("pc64.out", FakeQuant.fakeQuantizePerChannelAffine(in("w").to(DType.FLOAT64), in("pc.ax0.scale"),
            in("pc.ax0.zp"), 0, -128, 127));
    }

    @Test
    void learnablePerTensorGivesScaleAndZeroPointGradients() {
        Object[][] cases = {{"a", 0.2f, 9.6f, 0L, 255L, 1.0}, {"b", 0.07f, -3.7f, -128L, 127L, 0.5},
            {"c", 0.3f, 2.5f, -8L, 7L, 2.0}};
        for (Object[] c : cases) {
            String k = "lpt." + c[0];
            Tensor x = in("x").requiresGrad_(true);
            Tensor s = Tensor.tensor(new float[] {(float) c[1]}, DType.FLOAT32, Device.CPU).requiresGrad_(true);
            Tensor z = Tensor.tensor(new float[] {(float) c[2]}, DType.FLOAT32, Device.CPU).requiresGrad_(true);
            Tensor y = FakeQuant.fakeQuantizeLearnablePerTensorAffine(x, s, z, (long) c[3], (long) c[4], (double) c[5]);
            assertExact(k + ".out", y);
            assertEquals(EXPECTED.get(k + ".node"), y.gradFn().name());
            weightedSum(y).backward();
            assertExact(k + ".grad", x.grad());
            // sums over the elements: float32 rounding apart (PyTorch's reduction order is its own)
            ReferenceCases.assertClose(k + ".gscale", in(k + ".gscale"), s.grad(), 1e-5);
            ReferenceCases.assertClose(k + ".gzp", in(k + ".gzp"), z.grad(), 1e-5);
        }
    }

    @Test
    void learnablePerChannelGivesScaleAndZeroPointGradients() {
        Object[][] cases = {{"ax0", 0, new float[] {0.1f, 0.25f, 0.05f}, new float[] {0.4f, 2.5f, -3.2f}, -128L, 127L, 1.0},
            {"ax2", 2, new float[] {0.1f, 0.25f, 0.05f, 0.5f, 0.3f}, new float[] {0f, 1.5f, -0.5f, 3f, 7.75f}, -10L, 10L,
                0.25}};
        for (Object[] c : cases) {
            String k = "lpc." + c[0];
            Tensor w = in("w2").requiresGrad_(true);
            Tensor s = Tensor.tensor(c[2], DType.FLOAT32, Device.CPU).requiresGrad_(true);
            Tensor z = Tensor.tensor(c[3], DType.FLOAT32, Device.CPU).requiresGrad_(true);
            Tensor y = FakeQuant.fakeQuantizeLearnablePerChannelAffine(w, s, z, (int) c[1], (long) c[4], (long) c[5],
                (double) c[6]);
            assertExact(k + ".out", y);
            assertEquals(EXPECTED.get(k + ".node"), y.gradFn().name());
            weightedSum(y).backward();
            assertExact(k + ".grad", w.grad());
            ReferenceCases.assertClose(k + ".gscale", in(k + ".gscale"), s.grad(), 1e-5);
            ReferenceCases.assertClose(k + ".gzp", in(k + ".gzp"), z.grad(), 1e-5);
        }
    }

    @Test
    void positiveInfinityClampsAsPyTorch2() {
        // 2.x's per-tensor kernel clamps the float index with fmin/fmax: +inf goes to quant_max (1.13, converting to
        // int64 first, gave quant_min); no gradient passes
        Tensor x = Tensor.tensor(new float[] {Float.POSITIVE_INFINITY, 1f}, DType.FLOAT32, Device.CPU).requiresGrad_(true);
        Tensor y = FakeQuant.fakeQuantizePerTensorAffine(x, 0.5, 3, 0, 15);
        assertArrayEquals(new double[] {6.0, 1.0}, y.toDoubleArray());
        y.sum().backward();
        assertArrayEquals(new double[] {0.0, 1.0}, x.grad().toDoubleArray());
        // the per-channel kernel converts to int64 first: any index outside its range clamps to quant_min (x86)
        Tensor yc = FakeQuant.fakeQuantizePerChannelAffine(Tensor.tensor(new float[] {Float.POSITIVE_INFINITY, 1f},
            DType.FLOAT32, Device.CPU).reshape(2, 1), Tensor.tensor(new float[] {0.5f, 0.5f}, DType.FLOAT32, Device.CPU),
            Tensor.tensor(new int[] {3, 3}, DType.INT32, Device.CPU), 0, 0, 15);
        assertArrayEquals(new double[] {-1.5, 1.0}, yc.toDoubleArray());
    }

    @Test
    void badArgumentsGetPyTorchsMessages() {
        Tensor x = in("x");
        Tensor w = in("w");
        Tensor s3 = Tensor.tensor(new float[] {0.1f, 0.2f, 0.3f}, DType.FLOAT32, Device.CPU);
        Tensor z3 = Tensor.tensor(new int[] {0, 1, 2}, DType.INT32, Device.CPU);
        Map<String, org.junit.jupiter.api.function.Executable> calls = new LinkedHashMap<>();
        calls.put("err.zp", () -> FakeQuant.fakeQuantizePerTensorAffine(x, 0.1, 300, 0, 255));
        calls.put("err.range", () -> FakeQuant.fakeQuantizePerTensorAffine(x, 0.1, 0, 10, 5));
        calls.put("err.dtype", () -> FakeQuant.fakeQuantizePerTensorAffine(Tensor.arange(3), 0.1, 0, 0, 255));
        calls.put("err.pc.len", () -> FakeQuant.fakeQuantizePerChannelAffine(w, s3.narrow(0, 0, 2), z3.narrow(0, 0, 2),
            0, -128, 127));
        calls.put("err.pc.zplong", () -> FakeQuant.fakeQuantizePerChannelAffine(w, s3, z3.to(DType.INT64), 0, -128, 127));
        calls.put("err.pc.scale2d", () -> FakeQuant.fakeQuantizePerChannelAffine(w, s3.reshape(3, 1), z3, 0, -128, 127));
        calls.put("err.pc.zp2d", () -> FakeQuant.fakeQuantizePerChannelAffine(w, s3, z3.reshape(3, 1), 0, -128, 127));
        calls.put("err.pc.zplen", () -> FakeQuant.fakeQuantizePerChannelAffine(w, s3, z3.narrow(0, 0, 2), 0, -128, 127));
        calls.put("err.pc.zprange", () -> FakeQuant.fakeQuantizePerChannelAffine(w, s3,
            Tensor.tensor(new int[] {0, 1, 200}, DType.INT32, Device.CPU), 0, -128, 127));
        calls.put("err.pc.axis", () -> FakeQuant.fakeQuantizePerChannelAffine(w, Tensor.ones(5),
            Tensor.zeros(DType.INT32, 5), -1, -128, 127));
        for (Map.Entry<String, org.junit.jupiter.api.function.Executable> c : calls.entrySet()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c.getValue(), c.getKey());
            assertEquals(EXPECTED.get(c.getKey()).substring(2), e.getMessage(), c.getKey());
        }
        // 2.x checks the scale's type (1.13 failed an internal assertion)
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> FakeQuant.fakeQuantizePerChannelAffine(w, s3.to(DType.FLOAT64), z3, 0, -128, 127));
        assertEquals("Scale must be Float or BFloat16, found Double", e.getMessage());
        // the learnable backward takes float32 only, as PyTorch's
        Tensor x64 = in("x64").requiresGrad_(true);
        Tensor y = FakeQuant.fakeQuantizeLearnablePerTensorAffine(x64,
            Tensor.tensor(new double[] {0.1}, DType.FLOAT64, Device.CPU), Tensor.zeros(DType.FLOAT64, 1), -128, 127, 1.0);
        e = assertThrows(IllegalArgumentException.class, () -> y.nansum().backward());
        assertTrue(e.getMessage().startsWith("Expected dY.scalar_type() == ScalarType::Float to be true"), e.getMessage());
    }
}
