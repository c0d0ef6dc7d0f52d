package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * torch.special's Bessel functions and orthogonal polynomials against specialbessel/make_expected.py: PyTorch 1.13's
 * float64 and float32 results and mpmath's (60 digits) on grids through each function's special points, branch
 * limits and large arguments. A point passes when Ember's non-finite values are PyTorch's (NaN where NaN, the same
 * infinity), a zero has PyTorch's sign, and Ember's distance in ulps from the reference (rounded to the type) is at most
 * max({@link #LOCAL_BOUND}, 2 x PyTorch's), as MathAccuracySweepTest; where there is no finite reference (the
 * infinities, the polynomials at infinite x) Ember must be within {@link #LOCAL_BOUND} ulps of PyTorch; and everywhere
 * within {@link #TORCH_BOUND} ulps of PyTorch. Each grid runs
 * contiguous and strided. Also: result types of mixed inputs (integers give float32; a wrapped number does not raise
 * the type), PyTorch's messages, and no gradient (derivatives.yaml's non_differentiable).
 */
class SpecialBesselTest {
    static final long LOCAL_BOUND = 8;
    /**
     * The largest distance from PyTorch's value allowed at a point: Ember runs Math.h's algorithm with the
     * multiply-adds PyTorch's build fuses, so it matches 1.13 bit for bit in float64 and within 1 ulp in float32 (libm's
     * float functions) on these grids.
     */
    static final long TORCH_BOUND = 2;
    static final String RESOURCE = "/specialbessel/expected.txt";

    static final Map<String, UnaryOperator<Tensor>> UNARY = new LinkedHashMap<>();
    static final Map<String, BiFunction<Tensor, Tensor, Tensor>> POLY = new LinkedHashMap<>();

    static {
        UNARY.put("airy_ai", Special::airyAi);
        UNARY.put("bessel_j0", Special::besselJ0);
        UNARY.put("bessel_j1", Special::besselJ1);
        UNARY.put("bessel_y0", Special::besselY0);
        UNARY.put("bessel_y1", Special::besselY1);
        UNARY.put("modified_bessel_i0", Special::modifiedBesselI0);
        UNARY.put("modified_bessel_i1", Special::modifiedBesselI1);
        UNARY.put("modified_bessel_k0", Special::modifiedBesselK0);
        UNARY.put("modified_bessel_k1", Special::modifiedBesselK1);
        UNARY.put("scaled_modified_bessel_k0", Special::scaledModifiedBesselK0);
        UNARY.put("scaled_modified_bessel_k1", Special::scaledModifiedBesselK1);
        UNARY.put("spherical_bessel_j0", Special::sphericalBesselJ0);
        POLY.put("chebyshev_polynomial_t", Special::chebyshevPolynomialT);
        POLY.put("chebyshev_polynomial_u", Special::chebyshevPolynomialU);
        POLY.put("chebyshev_polynomial_v", Special::chebyshevPolynomialV);
        POLY.put("chebyshev_polynomial_w", Special::chebyshevPolynomialW);
        POLY.put("shifted_chebyshev_polynomial_t", Special::shiftedChebyshevPolynomialT);
        POLY.put("shifted_chebyshev_polynomial_u", Special::shiftedChebyshevPolynomialU);
        POLY.put("shifted_chebyshev_polynomial_v", Special::shiftedChebyshevPolynomialV);
        POLY.put("shifted_chebyshev_polynomial_w", Special::shiftedChebyshevPolynomialW);
        POLY.put("hermite_polynomial_h", Special::hermitePolynomialH);
        POLY.put("hermite_polynomial_he", Special::hermitePolynomialHe);
        POLY.put("laguerre_polynomial_l", Special::laguerrePolynomialL);
        POLY.put("legendre_polynomial_p", Special::legendrePolynomialP);
    }

    static double[] parse(String s) {
        String[] p = s.trim().split(" ");
        double[] v = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            v[i] = Double.parseDouble(p[i]);
        }
        return v;
    }

    static double[] toFloat(double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = (float) v[i];
        }
        return r;
    }

    static Tensor tensor(double[] v, boolean f32) {
        if (f32) {
            float[] a = new float[v.length];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) v[i];
            }
            return Tensor.tensor(a);
        }
        return Tensor.tensor(v.clone(), DType.FLOAT64);
    }

    static Tensor strided(Tensor t) {
        return Tensor.stack(List.of(t, t.neg()), 1).select(1, 0);
    }

    static long ordered(double v, boolean f32) {
        return MathAccuracySweepTest.ordered(v, f32);
    }

    /** The distance in representable values of the type (a double: the distance across zero may exceed a long). */
    static double ulps(double a, double b, boolean f32) {
        return Math.abs((double) ordered(a, f32) - (double) ordered(b, f32));
    }

    static boolean finite(double v) {
        return !Double.isNaN(v) && !Double.isInfinite(v);
    }

    /** Checks Ember's values at every point; returns the largest distance from PyTorch in ulps (finite points). */
    static double check(String what, double[] x, double[] n, double[] ember, double[] torch, double[] ref, boolean f32) {
        double most = 0;
        for (int i = 0; i < x.length; i++) {
            double e = ember[i];
            double t = torch[i];
            double r = f32 ? (double) (float) ref[i] : ref[i];
            String at = what + " at x = " + x[i] + (n == null ? "" : ", n = " + n[i]) + ": Ember " + e + ", PyTorch " + t
                    + ", reference " + ref[i];
            if (!finite(t)) {
                assertTrue(Double.isNaN(t) ? Double.isNaN(e) : e == t, at);
                continue;
            }
            assertTrue(finite(e), at);
            if (t == 0 && e == 0) {
                assertEquals(Math.copySign(1, t), Math.copySign(1, e), "sign of zero " + at);
            }
            most = Math.max(most, ulps(e, t, f32));
            assertTrue(ulps(e, t, f32) <= TORCH_BOUND, at + " (" + ulps(e, t, f32) + " ulps from PyTorch)");
            if (finite(r)) {
                double bound = Math.max(LOCAL_BOUND, 2 * ulps(t, r, f32));
                assertTrue(ulps(e, r, f32) <= bound, at + " (" + ulps(e, r, f32) + " ulps from the reference, bound " + bound
                        + ")");
            } else {
                assertTrue(ulps(e, t, f32) <= LOCAL_BOUND, at);
            }
        }
        return most;
    }

    @TestFactory
    List<DynamicTest> valuesAgainstPyTorchAndMpmath() {
        List<DynamicTest> out = new ArrayList<>();
        for (ReferenceCases.Case c : ReferenceCases.byFirstWord(RESOURCE)) {
            String name = c.key();
            if (!UNARY.containsKey(name) && !POLY.containsKey(name)) {
                continue;
            }
            for (boolean f32 : new boolean[] {false, true}) {
                String what = name + (f32 ? " float32" : " float64");
                out.add(DynamicTest.dynamicTest(what, () -> {
                    // the script's inputs are float32 values (written in float32's shortest form): the same points in both types
                    double[] x = toFloat(parse(c.get("x")));
                    double[] n = c.get("n") == null ? null : toFloat(parse(c.get("n")));
                    double[] torch = parse(c.get(f32 ? "t32" : "t64"));
                    double[] ref = parse(c.get("ref"));
                    Tensor xt = tensor(x, f32);
                    Tensor nt = n == null ? null : tensor(n, f32);
                    double most = 0;
                    for (boolean stride : new boolean[] {false, true}) {
                        Tensor xs = stride ? strided(xt) : xt;
                        Tensor r = n == null ? UNARY.get(name).apply(xs) : POLY.get(name).apply(xs, stride ? strided(nt) : nt);
                        assertEquals(f32 ? DType.FLOAT32 : DType.FLOAT64, r.dtype());
                        assertArrayEquals(new int[] {x.length}, r.shape());
                        most = Math.max(most, check(what + (stride ? " strided" : ""), x, n, r.toDoubleArray(), torch, ref, f32));
                    }
                    System.out.println("SpecialBesselTest: " + what + " largest distance from PyTorch 1.13: " + (long) most + " ulps");
                }));
            }
        }
        assertEquals(2 * (UNARY.size() + POLY.size()), out.size());
        return out;
    }

    static DType dtype(String s) {
        switch (s) {
            case "int64":
                return DType.INT64;
            case "int32":
                return DType.INT32;
            case "bool":
                return DType.BOOL;
            case "float32":
                return DType.FLOAT32;
            case "float64":
                return DType.FLOAT64;
            default:
                throw new IllegalArgumentException(s);
        }
    }

    /** The result types and values of mixed inputs: the script's {@code meta} cases. */
    @TestFactory
    List<DynamicTest> resultTypes() {
        List<DynamicTest> out = new ArrayList<>();
        for (ReferenceCases.Case c : ReferenceCases.byFirstWord(RESOURCE)) {
            String[] k = c.key().split(" ");
            if (!k[0].equals("meta") || k[1].equals("grad")) {
                continue;
            }
            out.add(DynamicTest.dynamicTest(c.key(), () -> {
                Tensor r;
                if (k[1].equals("unary")) {
                    r = Special.besselJ0(Tensor.tensor(new double[] {1, 0}, DType.FLOAT64).to(dtype(k[2])));
                } else {
                    Tensor x = Tensor.tensor(new double[] {2, 3}, DType.FLOAT64).to(dtype(k[2]));
                    if (k[1].equals("scalar")) {
                        r = Special.chebyshevPolynomialT(x, Double.parseDouble(k[3]));
                    } else {
                        Tensor n = k.length > 4 ? Tensor.tensor(3.0, DType.FLOAT64).to(dtype(k[3]))
                                : Tensor.tensor(new double[] {3, 2}, DType.FLOAT64).to(dtype(k[3]));
                        r = Special.chebyshevPolynomialT(x, n);
                    }
                }
                assertEquals(dtype(c.get("dtype")), r.dtype());
                double[] want = parse(c.get("values"));
                double[] got = r.toDoubleArray();
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got[i], Math.abs(want[i]) * 1e-6, c.key());
                }
            }));
        }
        assertEquals(5 + 3 * 10, out.size());
        return out;
    }

    static String message(String call) {
        for (ReferenceCases.Case c : ReferenceCases.byFirstWord(RESOURCE)) {
            if (c.key().equals("error " + call)) {
                return c.get("message");
            }
        }
        throw new IllegalStateException("no expected message for " + call);
    }

    @Test
    void messagesArePyTorchs() {
        Tensor half = Tensor.ones(2).to(DType.FLOAT16);
        Tensor bf16 = Tensor.ones(2).to(DType.BFLOAT16);
        assertEquals(message("bessel_j0(torch.ones(2, dtype=torch.float16))"),
                assertThrows(IllegalArgumentException.class, () -> Special.besselJ0(half)).getMessage());
        assertEquals(message("bessel_y1(torch.ones(2, dtype=torch.bfloat16))"),
                assertThrows(IllegalArgumentException.class, () -> Special.besselY1(bf16)).getMessage());
        assertEquals(message("scaled_modified_bessel_k0(torch.ones(2, dtype=torch.float16))"),
                assertThrows(IllegalArgumentException.class, () -> Special.scaledModifiedBesselK0(half)).getMessage());
        assertEquals(message("hermite_polynomial_he(torch.ones(2, dtype=torch.float16), 2)"),
                assertThrows(IllegalArgumentException.class, () -> Special.hermitePolynomialHe(half, 2)).getMessage());
        assertEquals(message("chebyshev_polynomial_t(torch.ones(2), torch.ones(3))"),
                assertThrows(IllegalArgumentException.class,
                        () -> Special.chebyshevPolynomialT(Tensor.ones(2), Tensor.ones(3))).getMessage());
        // PyTorch's argument-parser messages for None (checked with PyTorch 1.13)
        assertEquals("special_bessel_j0(): argument 'input' (position 1) must be Tensor, not null",
                assertThrows(IllegalArgumentException.class, () -> Special.besselJ0(null)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Special.chebyshevPolynomialT(null, 2)).getMessage()
                .startsWith("special_chebyshev_polynomial_t() received an invalid combination of arguments - got "
                        + "(NoneType, float), but expected one of:\n * (Tensor x, Tensor n, *, Tensor out)\n"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Special.legendrePolynomialP(Tensor.ones(2), null))
                .getMessage().startsWith("special_legendre_polynomial_p() received an invalid combination of arguments - got "
                        + "(Tensor, NoneType)"));
    }

    @Test
    void noGradient() {
        ReferenceCases.Case meta = ReferenceCases.byFirstWord(RESOURCE).stream().filter(c -> c.key().equals("meta grad"))
                .findFirst().orElseThrow();
        assertEquals("False", meta.get("requires_grad"));
        assertEquals("None", meta.get("grad_fn"));
        Tensor x = Tensor.tensor(new double[] {0.5, 1.5}).requiresGrad_(true);
        List<Tensor> results = new ArrayList<>();
        for (UnaryOperator<Tensor> f : UNARY.values()) {
            results.add(f.apply(x));
        }
        for (BiFunction<Tensor, Tensor, Tensor> f : POLY.values()) {
            results.add(f.apply(x, x));
        }
        results.add(Special.chebyshevPolynomialT(x, 3));
        results.add(Special.hermitePolynomialH(x, 3));
        results.add(Special.legendrePolynomialP(x, 3));
        for (Tensor r : results) {
            assertFalse(r.requiresGrad());
            assertNull(r.gradFn());
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> results.get(0).sum().backward());
        assertEquals("element 0 of tensors does not require grad and does not have a grad_fn", e.getMessage());
        assertNull(x.grad());
    }

    @Test
    void emptyBroadcastAndNonContiguousInputs() {
        assertArrayEquals(new int[] {0, 3}, Special.besselJ0(Tensor.zeros(0, 3)).shape());
        assertArrayEquals(new int[] {0, 3}, Special.hermitePolynomialH(Tensor.zeros(0, 1), Tensor.zeros(3)).shape());
        // broadcasting x [2, 1] against n [3] is the elementwise result on the expanded grid
        Tensor x = Tensor.tensor(new double[] {0.3, -1.7}, DType.FLOAT64).reshape(2, 1);
        Tensor n = Tensor.tensor(new double[] {2, 5, 11}, DType.FLOAT64);
        Tensor r = Special.legendrePolynomialP(x, n);
        assertArrayEquals(new int[] {2, 3}, r.shape());
        double[] got = r.toDoubleArray();
        double[] xs = {0.3, -1.7};
        double[] ns = {2, 5, 11};
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                double one = Special.legendrePolynomialP(Tensor.tensor(new double[] {xs[i]}, DType.FLOAT64), ns[j]).item();
                assertEquals(one, got[i * 3 + j]);
            }
        }
        // a transposed (non-contiguous) input gives the transposed result
        Tensor m = Tensor.tensor(new double[] {0.1, 2.5, 7.0, 12.0, 0.0, 3.3}, DType.FLOAT64).reshape(2, 3);
        Tensor t = Special.besselY0(m.t());
        assertArrayEquals(Special.besselY0(m.t().contiguous()).toDoubleArray(), t.toDoubleArray());
    }
}
