package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The CPU kernels GELU runs (erf forward, exp and erf backward). erf: within 1 ulp of PyTorch's on a sweep over every
 * piece of Ember's approximation and its boundaries ({@code erf/make_expected.py}), in float64 and float32, zeros'
 * signs, infinities and NaN exact. Their speed is measured by {@code MemoryBoundBenchmark}'s {@code exp}, {@code erf}
 * and {@code geluForwardBackward} in the benchmarks module, not here.
 */
class GeluKernelsTest {
    private static final PyTorchCases CASES = new PyTorchCases("/erf/expected.txt");

    @Test
    void float64IsWithinOneUlpOfPyTorch() {
        check(DType.FLOAT64);
    }

    @Test
    void float32IsWithinOneUlpOfPyTorch() {
        check(DType.FLOAT32);
    }

    private static void check(DType dtype) {
        String name = dtype.torchName().replace("torch.", "");
        double[] x = CASES.values("x|" + name);
        double[] want = CASES.values("erf|" + name);
        double[] got = Tensor.tensor(x, DType.FLOAT64).to(dtype).erf().to(DType.FLOAT64).toDoubleArray();
        assertEquals(want.length, got.length);
        for (int i = 0; i < x.length; i++) {
            double w = want[i];
            double g = got[i];
            boolean ok;
            if (Double.isNaN(w) || Double.isInfinite(w) || w == 0 || Math.abs(w) == 1) {
                // NaN, zeros (with their sign) and the saturated values exactly
                ok = Double.doubleToLongBits(w) == Double.doubleToLongBits(g) || (Math.abs(w) == 1 && ulps(w, g, dtype) <= 1);
            } else {
                ok = ulps(w, g, dtype) <= 1;
            }
            if (!ok) {
                fail(name + " erf(" + x[i] + "): PyTorch " + w + ", Ember " + g + " (" + ulps(w, g, dtype) + " ulps)");
            }
        }
    }

    /** The distance in units in the last place of {@code dtype}; different signs count as far. */
    private static long ulps(double a, double b, DType dtype) {
        if (a == b) {
            return 0;
        }
        if ((a < 0) != (b < 0) || Double.isNaN(a) || Double.isNaN(b)) {
            return Long.MAX_VALUE;
        }
        if (dtype == DType.FLOAT32) {
            return Math.abs((long) Float.floatToIntBits((float) a) - Float.floatToIntBits((float) b));
        }
        return Math.abs(Double.doubleToLongBits(a) - Double.doubleToLongBits(b));
    }

    /**
     * float32 GELU and its backward against PyTorch's CPU kernel, which computes erf by Abramowitz and Stegun's formula
     * in float: within 2 ulps of its values plus 1e-7 times the incoming gradient (the formula computed in float rounds
     * differently in PyTorch's operation order and Ember's fused multiply-adds).
     */
    @Test
    void float32GeluAndItsBackwardAreCloseToPyTorchs() {
        float[] x = floats(CASES.values("gelu_x|float32"));
        float[] g = floats(CASES.values("gelu_grad_out|float32"));
        Tensor xt = Tensor.tensor(x);
        float[] forward = Functional.gelu(xt).toFloatArray();
        Tensor leaf = Tensor.tensor(x).requiresGrad_(true);
        Functional.gelu(leaf).backward(Tensor.tensor(g));
        float[] backward = leaf.grad().toFloatArray();
        // a strided view runs the scalar loop: the same formula, the same values
        float[] strided = Functional.gelu(Tensor.tensor(x).view(-1, 1).expand(-1, 2).select(1, 1)).toFloatArray();
        float[] one = new float[x.length];
        java.util.Arrays.fill(one, 1f);
        assertClose("gelu", x, one, floats(CASES.values("gelu|float32")), forward);
        assertClose("gelu_backward", x, g, floats(CASES.values("gelu_backward|float32")), backward);
        assertClose("gelu (strided)", x, one, floats(CASES.values("gelu|float32")), strided);
    }

    private static float[] floats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    /** Within 2 ulps plus the float formula's rounding noise, 1e-7 of erf scaled by the incoming gradient {@code g}. */
    private static void assertClose(String what, float[] x, float[] g, float[] want, float[] got) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            double tol = 2 * Math.ulp(want[i]) + 1e-7 * Math.max(1, Math.abs(g[i]));
            if (!(Math.abs(want[i] - got[i]) <= tol) && !(Float.isNaN(want[i]) && Float.isNaN(got[i]))) {
                fail(what + "(" + x[i] + "): PyTorch " + want[i] + ", Ember " + got[i]);
            }
        }
    }
}
