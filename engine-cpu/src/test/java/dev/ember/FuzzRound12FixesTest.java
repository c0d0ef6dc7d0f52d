package dev.ember;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The engine fixes round 12 of the differential fuzz ({@code differentialfuzzr12/make_cases.py}: float16 and bfloat16
 * at their corners) led to, each pinned on its own. The values are PyTorch's (1.13 run where its kernel is 2.x's,
 * else 2.x's rule computed by the script from PyTorch's float32 kernels, as each test says).
 */
class FuzzRound12FixesTest {
    private static Tensor of(DType dtype, double... v) {
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).to(dtype);
    }

    private static Tensor scalar(DType dtype, double v) {
        return of(dtype, v).reshape(new int[0]);
    }

    /** Equal doubles, -0.0 told from 0.0 and NaN equal to NaN. */
    private static void assertSame(double[] want, Tensor got) {
        double[] g = got.toDoubleArray();
        assertEquals(want.length, g.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(0, Double.compare(want[i], g[i]), "element " + i + ": " + want[i] + " vs " + g[i]);
        }
    }

    @Test
    void mulAndDivOfAHalfTensorReadASingleElementSecondOperandInFloat32() {
        // 2.x's mul_kernel and div_true_kernel: a second operand that is one element (a 0-dim tensor of another type)
        // is read as iter.original_scalar_value<float>(2), not cast to the half type first: 3.5 * 0.1f is
        // 0.35000002, float16 0.35009765625, where 3.5 * float16(0.1) = 0.349853515625 (Ember's old value); an int64
        // 2049 multiplies as 2049 (7171.5 -> 7172), not as float16's 2048 (7168). The same for the in-place forms,
        // and for mul_ and div_ by a Java number, as mul and div by one already were
        Tensor x = of(DType.FLOAT16, 3.5, 2049.0, -30.0);
        assertSame(new double[] {0.35009765625, 204.75, -3.0}, x.mul(scalar(DType.FLOAT32, 0.1)));
        assertSame(new double[] {7172.0, Double.POSITIVE_INFINITY, -61472.0},
                x.mul(Tensor.tensor(new long[] {2049}, DType.INT64, Device.CPU).reshape(new int[0])));
        assertSame(new double[] {35.0, 20480.0, -300.0}, x.div(scalar(DType.FLOAT64, 0.1)));
        assertEquals(DType.FLOAT16, x.mul(scalar(DType.FLOAT32, 0.1)).dtype());
        Tensor y = x.clone();
        y.mul_(scalar(DType.FLOAT32, 0.1));
        assertSame(new double[] {0.35009765625, 204.75, -3.0}, y);
        Tensor z = x.clone();
        z.mul_(0.1);
        assertSame(new double[] {0.35009765625, 204.75, -3.0}, z);
        Tensor w = x.clone();
        w.div_(0.1);
        assertSame(new double[] {35.0, 20480.0, -300.0}, w);
        // a float16 0-dim operand is itself (no change), and add still casts the number first
        assertSame(new double[] {0.349853515625, 204.75, -3.0}, x.mul(scalar(DType.FLOAT16, 0.1)));
    }

    @Test
    void floorAndTruncDivisionOfAHalfTensorReadTheDivisorInFloat32() {
        // 2.x's div_floor_kernel and div_trunc_kernel have the same reduced-float branch as mul and div (a
        // single-element second operand read by original_scalar_value<opmath_t>(2)): float16 [1, 7, -1, 1000] // 0.1
        // is div_floor_floating(x, 0.1f) = [9, 69, -10, 10000], where 0.1 cast to float16 first (0.0999755859375)
        // gives [10, 70, -11, 10000] (1.13's values, Ember's old ones); the values are 2.x's rule computed by PyTorch's
        // float32 kernel, torch.div(x.float(), 0.1, rounding_mode='floor').half()
        Tensor x = of(DType.FLOAT16, 1.0, 7.0, -1.0, 1000.0);
        assertSame(new double[] {9.0, 69.0, -10.0, 10000.0}, x.div(0.1, "floor"));
        assertSame(new double[] {9.0, 69.0, -10.0, 10000.0}, x.floorDivide(scalar(DType.FLOAT32, 0.1)));
        assertSame(new double[] {9.0, 69.0, -10.0, 10000.0}, x.div(scalar(DType.FLOAT64, 0.1), "floor"));
        assertSame(new double[] {10.0, 70.0, -10.0, 10000.0}, x.div(0.1, "trunc"));
        // an int64 2049 divides as 2049, not float16's 2048
        assertSame(new double[] {0.0, 0.0, -1.0, 0.0}, x.div(2049L, "floor"));
    }

    @Test
    void powOfFloat16ByANumberIsStdPowOfTheCheckedHalfExponent() {
        // PowKernel.cpp (1.13 and 2.x alike): float16's exponent is Scalar::to<Half>(), checked, and every exponent
        // but 0 and 1 goes to std::pow: (-0) ** 0.5 is 0 and (-inf) ** 0.5 inf, not sqrt's -0 and NaN; bfloat16 keeps
        // the sqrt/rsqrt/reciprocal shortcuts. PyTorch 1.13's values
        Tensor p = of(DType.FLOAT16, -0.0, Double.NEGATIVE_INFINITY, 4.0, 2.0);
        assertSame(new double[] {0.0, Double.POSITIVE_INFINITY, 2.0, 1.4140625}, p.pow(0.5));
        assertSame(new double[] {Double.POSITIVE_INFINITY, 0.0, 0.5, 0.70703125}, p.pow(-0.5));
        assertSame(new double[] {-0.0, Double.NaN, 2.0, 1.4140625}, p.to(DType.BFLOAT16).pow(0.5));
        for (double e : new double[] {1e5, 65519.0, -70000.0}) {
            RuntimeException ex = assertThrows(RuntimeException.class, () -> p.pow(e));
            assertEquals("value cannot be converted to type at::Half without overflow", ex.getMessage());
        }
        RuntimeException ex = assertThrows(RuntimeException.class, () -> p.pow(-70000L));
        assertEquals("value cannot be converted to type at::Half without overflow", ex.getMessage());
        RuntimeException bf = assertThrows(RuntimeException.class, () -> p.to(DType.BFLOAT16).pow(1e39));
        assertEquals("value cannot be converted to type at::BFloat16 without overflow", bf.getMessage());
        // exponents 0 and 1 are decided before the conversion
        assertSame(new double[] {1.0, 1.0, 1.0, 1.0}, p.pow(0.0));
    }

    @Test
    void nextafterOfBFloat16StepsTheBits() {
        // torch.nextafter on bfloat16 (1.13 and 2.x): c10's nextafter(BFloat16, BFloat16); Ember refused it
        Tensor a = of(DType.BFLOAT16, 1.0, 0.0, -0.0, 3.3895313892515355e38, -1.0, 0.0, Double.NaN);
        Tensor b = of(DType.BFLOAT16, 2.0, -1.0, 0.0, Double.POSITIVE_INFINITY, -2.0, -0.0, 1.0);
        Tensor out = a.nextafter(b);
        assertEquals(DType.BFLOAT16, out.dtype());
        assertSame(new double[] {1.0078125, -9.183549615799121e-41, 0.0, Double.POSITIVE_INFINITY, -1.0078125, -0.0,
            Double.NaN}, out);
        // float16: 1.13 (and 2.1-2.2) had no kernel; 2.3+ steps its bits with the same c10 template (session 42,
        // HalfRulesTest pins it over the corners): one step of 1.0 towards 2.0 is 1 + 2^-10
        Tensor h = of(DType.FLOAT16, 1.0).nextafter(of(DType.FLOAT16, 2.0));
        assertEquals(DType.FLOAT16, h.dtype());
        assertSame(new double[] {1.0009765625}, h);
    }

    @Test
    void lerpOfHalfTypesComputesInFloat32AndRoundsOnce() {
        // 2.x's lerp kernels for float16/bfloat16: self, end and the weight (a number read as float) in float32, the
        // formula there, rounded once; Ember rounded end - self to the half type first: bfloat16 lerp(8.375, -3.59375,
        // 0.7) was 0.015625, PyTorch -0.0031280517578125 (1.13 runs this bfloat16 kernel; its values)
        Tensor s = of(DType.BFLOAT16, 8.375, 2.3125, 0.5);
        Tensor e = of(DType.BFLOAT16, -3.59375, 16.625, 1.0);
        assertSame(new double[] {-0.0031280517578125, 12.3125, 0.8515625}, s.lerp(e, 0.7));
        assertSame(new double[] {0.0062255859375, 6.625, 0.94921875}, s.lerp(e, of(DType.BFLOAT16, 0.7, 0.3, 0.9)));
        // float16 by the same rule (1.13 has no float16 kernel): lerp(x.float(), end.float(), 0.7).half()
        assertSame(new double[] {-0.003124237060546875, 12.328125, 0.85009765625},
                s.to(DType.FLOAT16).lerp(e.to(DType.FLOAT16), 0.7));
    }

    @Test
    void linspaceOfHalfTypesStepsInTheTypesOwnArithmetic() {
        // RangeFactoriesKernel.cpp (1.13 and 2.x): step_t is scalar_t for float16/bfloat16, so the step and every
        // value are rounded to the type at each operation; Ember stepped in double and rounded once (0.300048828125
        // at [3], -0.333251953125 in bfloat16's [1]). PyTorch 1.13's values
        assertSame(new double[] {0.0, 0.0999755859375, 0.199951171875, 0.2998046875, 0.39990234375, 0.5,
            0.60009765625, 0.7001953125, 0.7998046875, 0.89990234375, 1.0}, Tensor.linspace(0, 1, 11, DType.FLOAT16));
        assertSame(new double[] {-1.0, -0.33203125, 0.33203125, 1.0}, Tensor.linspace(-1, 1, 4, DType.BFLOAT16));
        // the step 2 * 65504 overflows float16: PyTorch's values are NaN and infinities
        assertSame(new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
            Double.NEGATIVE_INFINITY, Double.NaN}, Tensor.linspace(-65504, 65504, 5, DType.FLOAT16));
        // the ends are converted checked; one step is the start alone
        RuntimeException e = assertThrows(RuntimeException.class, () -> Tensor.linspace(0, 1e5, 3, DType.FLOAT16));
        assertEquals("value cannot be converted to type at::Half without overflow", e.getMessage());
        assertThrows(RuntimeException.class, () -> Tensor.linspace(1e5, 0, 1, DType.FLOAT16));
        assertSame(new double[] {99840.0}, Tensor.linspace(1e5, 0, 1, DType.BFLOAT16));
    }

    @Test
    void maxAndMinOverADimensionGiveTheElementAtTheirIndex() {
        // compare_base_kernel keeps the first of equal values and returns it: max over (-0.0, 0.0) is -0.0 (index 0),
        // min over (0.0, -0.0) is 0.0; Ember's values came from a separate max reduction, which kept the other zero
        Tensor m = of(DType.FLOAT16, -0.0, 1.0, 0.0, 1.0).reshape(2, 2);
        Tensor.ValuesIndices mx = m.max(0, false);
        assertSame(new double[] {-0.0, 1.0}, mx.values());
        assertArrayEquals(new long[] {0, 0}, mx.indices().toLongArray());
        Tensor.ValuesIndices mn = of(DType.FLOAT32, 0.0, -0.0).reshape(2, 1).min(0, true);
        assertSame(new double[] {0.0}, mn.values());
        assertArrayEquals(new int[] {1, 1}, mn.values().shape());
        // NaN wins, at its index
        Tensor.ValuesIndices nan = of(DType.BFLOAT16, 1.0, Double.NaN, 3.0).max(0, false);
        assertSame(new double[] {Double.NaN}, nan.values());
        assertArrayEquals(new long[] {1}, nan.indices().toLongArray());
        // the gradient still flows to the index
        Tensor x = of(DType.FLOAT64, -0.0, 0.0, 2.0, 2.0).reshape(2, 2).requiresGrad_(true);
        x.max(0, false).values().sum().backward();
        assertSame(new double[] {0.0, 0.0, 1.0, 1.0}, x.grad());
    }
}
