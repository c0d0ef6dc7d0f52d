package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The complex quotient's one-pass CPU kernel ({@code Backend#complexDiv}, session 55) against the engine's composition
 * from real ops ({@code -Dember.complex.composedDiv=true}), bit for bit, on complex64 and complex128: ordinary values,
 * zeros of both signs, infinities, NaNs, huge and subnormal parts (where the two branches and the zero-divisor rule
 * meet), over contiguous, broadcast, transposed and stepped operands, out of place and in place. The composition's values
 * are PyTorch 2.x's (ComplexSpecialValuesTest holds them to c10::complex's operator/ bit for bit), so this holds the
 * kernel to them on every layout the strided loop takes.
 */
class ComplexDivKernelTest {
    private static final String COMPOSED = "ember.complex.composedDiv";

    private static final double[] SPECIAL = {0.0, -0.0, 1.0, -1.0, 0.5, -3.25, Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY, Double.NaN, 1e-40, -1e-310, 3e38, -1e300, 1e-20, 7.0};

    /** A complex tensor of the given shape whose parts are drawn from ordinary values and {@link #SPECIAL}. */
    private static Tensor draw(Random r, DType t, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] re = new double[n];
        double[] im = new double[n];
        for (int i = 0; i < n; i++) {
            re[i] = r.nextInt(4) == 0 ? SPECIAL[r.nextInt(SPECIAL.length)] : r.nextGaussian() * Math.pow(10, r.nextInt(7) - 3);
            im[i] = r.nextInt(4) == 0 ? SPECIAL[r.nextInt(SPECIAL.length)] : r.nextGaussian() * Math.pow(10, r.nextInt(7) - 3);
        }
        DType real = t == DType.COMPLEX64 ? DType.FLOAT32 : DType.FLOAT64;
        return Tensor.complex(Tensor.tensor(re, DType.FLOAT64).to(real).reshape(shape),
                Tensor.tensor(im, DType.FLOAT64).to(real).reshape(shape));
    }

    /** The interleaved parts of {@code z} (row-major) as raw double bits, NaNs made canonical. */
    private static long[] bits(Tensor z) {
        double[] re = z.real().contiguous().to(DType.FLOAT64).toDoubleArray();
        double[] im = z.imag().contiguous().to(DType.FLOAT64).toDoubleArray();
        long[] out = new long[2 * re.length];
        for (int i = 0; i < re.length; i++) {
            out[2 * i] = Double.isNaN(re[i]) ? 1 : Double.doubleToRawLongBits(re[i]);
            out[2 * i + 1] = Double.isNaN(im[i]) ? 1 : Double.doubleToRawLongBits(im[i]);
        }
        return out;
    }

    private static Tensor composed(java.util.function.Supplier<Tensor> f) {
        System.setProperty(COMPOSED, "true");
        try {
            return f.get();
        } finally {
            System.clearProperty(COMPOSED);
        }
    }

    /** Operand pairs over the layouts the strided loop takes: contiguous runs, broadcast rows/columns, strided views. */
    private static List<Tensor[]> pairs(DType t) {
        Random r = new Random(55);
        List<Tensor[]> p = new ArrayList<>();
        p.add(new Tensor[] {draw(r, t, 1000), draw(r, t, 1000)});
        p.add(new Tensor[] {draw(r, t, 37), draw(r, t, 37)});
        p.add(new Tensor[] {draw(r, t, 9, 1), draw(r, t, 1, 13)});
        p.add(new Tensor[] {draw(r, t, 11, 17), draw(r, t, 17)});
        p.add(new Tensor[] {draw(r, t, 17, 11).t(), draw(r, t, 11, 17)});
        p.add(new Tensor[] {draw(r, t, 8, 30).narrow(1, 1, 20).slice(1, 0, 20, 2), draw(r, t, 8, 10).t().contiguous().t()});
        p.add(new Tensor[] {draw(r, t), draw(r, t, 5)});
        p.add(new Tensor[] {draw(r, t, 0, 4), draw(r, t, 4)});
        return p;
    }

    @Test
    void kernelGivesTheCompositionsBitsOnEveryLayout() {
        int compared = 0;
        for (DType t : new DType[] {DType.COMPLEX64, DType.COMPLEX128}) {
            for (Tensor[] ab : pairs(t)) {
                Tensor a = ab[0];
                Tensor b = ab[1];
                Tensor fused = a.div(b);
                Tensor old = composed(() -> a.div(b));
                assertArrayEquals(old.shape(), fused.shape());
                assertEquals(t, fused.dtype());
                assertArrayEquals(bits(old), bits(fused), t + " " + java.util.Arrays.toString(a.shape()) + " / "
                        + java.util.Arrays.toString(b.shape()));
                // in place where the result keeps a's shape
                if (java.util.Arrays.equals(fused.shape(), a.shape())) {
                    Tensor x = a.clone();
                    x.div_(b);
                    assertArrayEquals(bits(old), bits(x), "div_ " + t);
                }
                compared += fused.numel();
            }
        }
        assertTrue(compared > 2500, "compared " + compared);
    }

    /**
     * The interleaved parts of a complex64 {@code z} (row-major) as float bits, NaNs made canonical: which NaN a sum or
     * product of two NaNs returns depends on the operand order C2 picks for a commutative operation (a conjugate view's
     * NaN parts differed in sign between two calls of one path), so NaN signs are not compared.
     */
    private static int[] rawBits(Tensor z) {
        float[] p = z.resolveConj().viewAsReal().contiguous().toFloatArray();
        int[] out = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = Float.isNaN(p[i]) ? 1 : Float.floatToRawIntBits(p[i]);
        }
        return out;
    }

    /**
     * Complex64's vector loop takes the divisor's parts by one exchange and two blends (session 58) where it took two
     * rearrangements ({@code -Dember.complex.divRearrange=true}): the same lanes, so the same bits (NaN as NaN), over
     * whole vectors and tails (odd lengths), broadcast and 0-dim divisors, conjugate views and in place.
     */
    @Test
    void vectorLoopsDivisorLanesKeepEveryBit() {
        String old = "ember.complex.divRearrange";
        Random r = new Random(58);
        List<Tensor[]> cases = new ArrayList<>();
        for (int n : new int[] {1, 3, 4, 7, 8, 9, 31, 1001, 4096}) {
            cases.add(new Tensor[] {draw(r, DType.COMPLEX64, n), draw(r, DType.COMPLEX64, n)});
        }
        cases.add(new Tensor[] {draw(r, DType.COMPLEX64, 13, 37), draw(r, DType.COMPLEX64, 37)});
        cases.add(new Tensor[] {draw(r, DType.COMPLEX64, 13, 37), draw(r, DType.COMPLEX64)});
        cases.add(new Tensor[] {draw(r, DType.COMPLEX64), draw(r, DType.COMPLEX64, 45)});
        cases.add(new Tensor[] {draw(r, DType.COMPLEX64, 257).conj(), draw(r, DType.COMPLEX64, 257).conj()});
        int compared = 0;
        for (Tensor[] ab : cases) {
            Tensor a = ab[0];
            Tensor b = ab[1];
            int[] now = rawBits(a.div(b));
            System.setProperty(old, "true");
            int[] before;
            try {
                before = rawBits(a.div(b));
            } finally {
                System.clearProperty(old);
            }
            String what = java.util.Arrays.toString(a.shape()) + " / " + java.util.Arrays.toString(b.shape());
            assertArrayEquals(before, now, what);
            assertArrayEquals(bits(composed(() -> a.div(b))), bits(a.div(b)), "composition " + what);
            if (java.util.Arrays.equals(a.shape(), Shapes.broadcast(a.shape(), b.shape())) && !a.isConj()) {
                Tensor x = a.clone();
                x.div_(b);
                assertArrayEquals(before, rawBits(x), "div_ " + what);
            }
            compared += now.length;
        }
        assertTrue(compared > 10000, "compared " + compared);
    }

    @Test
    void gradientsThroughTheKernelMatchTheComposition() {
        Random r = new Random(7);
        Tensor a1 = draw(r, DType.COMPLEX128, 4, 6);
        Tensor b0 = draw(r, DType.COMPLEX128, 4, 6);
        Tensor g = Tensor.complex(Tensor.randn(4, 6).to(DType.FLOAT64), Tensor.randn(4, 6).to(DType.FLOAT64));
        Tensor[] grads = new Tensor[4];
        for (int k = 0; k < 2; k++) {
            Tensor a = a1.detach().requiresGrad_(true);
            Tensor b = b0.detach().requiresGrad_(true);
            Tensor q = k == 0 ? a.div(b) : composed(() -> a.div(b));
            assertEquals("DivBackward0", q.gradFn().name());
            if (k == 0) {
                q.backward(g);
            } else {
                composed(() -> {
                    q.backward(g);
                    return q;
                });
            }
            grads[2 * k] = a.grad();
            grads[2 * k + 1] = b.grad();
        }
        assertArrayEquals(bits(grads[2]), bits(grads[0]), "grad of the dividend");
        assertArrayEquals(bits(grads[3]), bits(grads[1]), "grad of the divisor");
    }
}
