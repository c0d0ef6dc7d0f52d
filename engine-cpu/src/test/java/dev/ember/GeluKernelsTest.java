package dev.ember;

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
}
