package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * F.grid_sample of float16 and bfloat16 tensors: computed in float32 and rounded once (PyTorch's CUDA kernels'
 * opmath; 1.13's CPU kernels refuse half types and 2.x's round each vectorized step), against PyTorch 1.13's float32
 * kernel on the same values rounded once (gridsamplehalf/make_expected.py): values and the gradients of
 * {@code sum(out * w)}, to one ulp of the type (the float32 sums may round differently), and bit for bit against
 * Ember's own float32 result rounded once. And grid_sampler under autocast: float32 on CPU (PyTorch's fp32 list, values
 * from PyTorch), promote on CUDA (PyTorch's promote list, on the fake CUDA device).
 */
class GridSampleHalfTest {
    static final Map<String, List<String>> CASES = ReferenceCases.read("/gridsamplehalf/expected.txt");

    static Map<String, String> lines(String name) {
        Map<String, String> m = new java.util.HashMap<>();
        for (String l : CASES.get(name)) {
            int sp = l.indexOf(' ');
            m.put(l.substring(0, sp), l.substring(sp + 1));
        }
        return m;
    }

    static Tensor weights(int[] shape, DType dtype) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] w = new double[n];
        for (int k = 0; k < n; k++) {
            w[k] = 1 + 0.5 * ((3 * k) % 11);
        }
        return Tensor.tensor(w, DType.FLOAT64).reshape(shape).to(dtype);
    }

    /** One ulp of {@code t} at {@code v} (the subnormal spacing at zero). */
    static double ulp(double v, DType t) {
        int mant = t == DType.FLOAT16 ? 10 : 7;
        int minExp = t == DType.FLOAT16 ? -14 : -126;
        int e = v == 0 ? minExp : Math.max(Math.getExponent(v), minExp);
        return Math.scalb(1.0, e - mant);
    }

    static void assertWithinUlp(String what, Tensor want, Tensor got, DType t) {
        assertEquals(t, got.dtype(), what + " dtype");
        assertArrayEquals(want.shape(), got.shape(), what + " shape");
        double[] w = want.toDoubleArray();
        double[] g = got.toDoubleArray();
        double most = 0;
        for (double v : w) {
            most = Math.max(most, Math.abs(v));
        }
        // plus float32's rounding of the largest terms, where a grid gradient is a sum of terms that nearly cancel
        double floor = 1e-5 * most;
        for (int i = 0; i < w.length; i++) {
            assertTrue(Math.abs(w[i] - g[i]) <= Math.max(ulp(w[i], t), floor),
                    what + "[" + i + "]: want " + w[i] + " got " + g[i]);
        }
    }

    @TestFactory
    List<DynamicTest> againstPyTorchFloat32RoundedOnce() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : CASES.keySet()) {
            if (name.startsWith("autocast")) {
                continue;
            }
            tests.add(DynamicTest.dynamicTest(name, () -> {
                String[] p = name.split(" ");
                DType t = p[0].equals("float16") ? DType.FLOAT16 : DType.BFLOAT16;
                Map<String, String> c = lines(name);
                Tensor x = PyTorchCases.tensor(c.get("in0")).to(t).requiresGrad_(true);
                Tensor g = PyTorchCases.tensor(c.get("in1")).to(t).requiresGrad_(true);
                Tensor out = Functional.gridSample(x, g, p[2], p[3], Boolean.parseBoolean(p[4].toLowerCase()));
                assertEquals(p[1].equals("2d") ? "GridSampler2DBackward0" : "GridSampler3DBackward0", out.gradFn().name());
                assertWithinUlp("out", PyTorchCases.tensor(c.get("out")), out, t);
                out.mul(weights(out.shape(), t)).sum().backward();
                assertWithinUlp("grad input", PyTorchCases.tensor(c.get("grad0")), x.grad(), t);
                assertWithinUlp("grad grid", PyTorchCases.tensor(c.get("grad1")), g.grad(), t);

                // rounded once: Ember's own float32 result, rounded to the type
                Tensor x32 = x.detach().to(DType.FLOAT32).requiresGrad_(true);
                Tensor g32 = g.detach().to(DType.FLOAT32).requiresGrad_(true);
                Tensor out32 = Functional.gridSample(x32, g32, p[2], p[3], Boolean.parseBoolean(p[4].toLowerCase()));
                assertArrayEquals(out32.to(t).toDoubleArray(), out.toDoubleArray(), 0.0, "out rounded once");
                out32.mul(weights(out32.shape(), DType.FLOAT32)).sum().backward();
                assertArrayEquals(x32.grad().to(t).toDoubleArray(), x.grad().toDoubleArray(), 0.0, "grad input rounded once");
                assertArrayEquals(g32.grad().to(t).toDoubleArray(), g.grad().toDoubleArray(), 0.0, "grad grid rounded once");
            }));
        }
        assertEquals(52, tests.size());
        return tests;
    }

    @Test
    void cpuAutocastRunsGridSamplerInFloat32() {
        Map<String, String> c = lines("autocast cpu");
        Tensor x = PyTorchCases.tensor(c.get("in0")).to(DType.BFLOAT16);
        Tensor g = PyTorchCases.tensor(c.get("in1")).to(DType.FLOAT32);
        Tensor out;
        try (AutocastMode ac = Ember.autocast(DeviceType.CPU, DType.BFLOAT16)) {
            out = Functional.gridSample(x, g, "bilinear", "zeros", false);
        }
        assertEquals("torch." + c.get("dtype"), out.dtype().torchName());
        double[] want = PyTorchCases.tensor(c.get("out")).toDoubleArray();
        assertArrayEquals(want, out.toDoubleArray(), 1e-6);
        // both bfloat16: still float32 (fp32 list); outside the scope the mismatch is refused as PyTorch's
        try (AutocastMode ac = Ember.autocast(DeviceType.CPU, DType.BFLOAT16)) {
            assertEquals(DType.FLOAT32, Functional.gridSample(x, g.to(DType.BFLOAT16), "bilinear", "zeros", false).dtype());
        }
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Functional.gridSample(x, g, "bilinear", "zeros", false));
        assertEquals("grid_sampler(): expected input and grid to have same dtype, but input has c10::BFloat16 and grid "
                + "has float", e.getMessage());
    }

    @Test
    void cudaAutocastPromotesGridSampler() {
        Backends2.registerFakeCuda();
        Tensor x = Tensor.randn(1, 2, 3, 4).to(Device.cuda(0));
        Tensor g = Tensor.rand(1, 2, 3, 2).mul(2.4).sub(1.2).to(Device.cuda(0));
        try (AutocastMode ac = Ember.autocast("cuda")) {
            // PyTorch's CUDA list: promote (the widest of the inputs), not fp32
            assertEquals(DType.FLOAT16, Functional.gridSample(x.to(DType.FLOAT16), g.to(DType.FLOAT16), "bilinear",
                    "zeros", false).dtype());
            Tensor mixed = Functional.gridSample(x.to(DType.FLOAT16), g, "bilinear", "zeros", false);
            assertEquals(DType.FLOAT32, mixed.dtype());
            assertEquals("cuda", mixed.device().type());
            // the same device's float32 kernel on the promoted inputs (the CPU's 2-D kernel converts grid coordinates
            // as PyTorch's vectorized CPU kernel does, fused, so its last bits are the CPU's own)
            assertArrayEquals(Functional.gridSample(x.to(DType.FLOAT16).to(DType.FLOAT32), g, "bilinear",
                    "zeros", false).toDoubleArray(), mixed.toDoubleArray(), 0.0);
            // float32 inputs stay float32 (the widest)
            assertEquals(DType.FLOAT32, Functional.gridSample(x, g, "bilinear", "zeros", false).dtype());
        }
    }
}
