package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BinaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Complex64 mul and div's vector loops on two vectors of pairs split into real and imaginary parts (session 60) against
 * the one-vector loops ({@code -Dember.cpu.complex.oldLanes=true}), bit for bit, NaN as NaN (which NaN a sum or product
 * of two NaNs returns depends on the operand order C2 picks, ComplexDivKernelTest), and div against the engine's
 * composition from real ops (c10::complex's operator/): wide random magnitudes and the specials (signed zeros,
 * infinities and NaN in each part, huge and tiny parts where the quotient's branches and its zero-divisor rule meet,
 * subnormals, |c| = |d|), lengths around the two-vector step (1, 3, 4, 5, 7, 8, 9, ... 1023, 4099), broadcast, 0-dim,
 * strided, transposed and conjugate operands, runs starting inside their storage, out of place and in place; repeated
 * so that C2's code is compared too (the two-vector loops are counted loops since session 63, which compared them with
 * session 60's uncounted exit test before deleting it), and a product with a broadcast factor on whole vectors against
 * the scalar loop ({@code -Dember.complex.scalarBroadcastMul=true}).
 */
class ComplexLanesTest {
    private static final String OLD = "ember.cpu.complex.oldLanes";

    private static final float[] SPECIAL = {0f, -0f, 1f, -1f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        Float.NaN, Float.intBitsToFloat(0xffc00000), Float.MAX_VALUE, -3e38f, 1e30f, Float.MIN_NORMAL, -1.1e-38f,
        1e-40f, -Float.MIN_VALUE, 3e-45f, 1e-20f, -7.5f, 2.5f};

    private static float part(Random r) {
        switch (r.nextInt(5)) {
            case 0:
                return SPECIAL[r.nextInt(SPECIAL.length)];
            case 1: // any bits: every exponent, subnormals, NaN payloads
                return Float.intBitsToFloat(r.nextInt());
            default:
                return (float) (r.nextGaussian() * Math.pow(10, r.nextInt(80) - 42));
        }
    }

    /** A complex64 tensor; about one pair in ten has {@code |re| = |im|} (the quotient's {@code >=} branch). */
    private static Tensor draw(Random r, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        float[] re = new float[n];
        float[] im = new float[n];
        for (int i = 0; i < n; i++) {
            re[i] = part(r);
            im[i] = r.nextInt(10) == 0 ? (r.nextBoolean() ? re[i] : -re[i]) : part(r);
        }
        return Tensor.complex(Tensor.tensor(re).reshape(shape), Tensor.tensor(im).reshape(shape));
    }

    /** The 0-dim complex64 tensor {@code re + im j}. */
    private static Tensor pair(float re, float im) {
        return Tensor.complex(Tensor.tensor(new float[] {re}).reshape(), Tensor.tensor(new float[] {im}).reshape());
    }

    /** The interleaved parts as float bits, every NaN as one value. */
    private static int[] bits(Tensor z) {
        float[] p = z.resolveConj().viewAsReal().contiguous().toFloatArray();
        int[] out = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = Float.isNaN(p[i]) ? 0x7fc00000 : Float.floatToRawIntBits(p[i]);
        }
        return out;
    }

    private static Tensor with(String property, java.util.function.Supplier<Tensor> f) {
        System.setProperty(property, "true");
        try {
            return f.get();
        } finally {
            System.clearProperty(property);
        }
    }

    private static List<Tensor[]> cases(Random r) {
        List<Tensor[]> c = new ArrayList<>();
        for (int n : new int[] {1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 23, 24, 25, 31, 33, 1023, 4099}) {
            c.add(new Tensor[] {draw(r, n), draw(r, n)});
        }
        c.add(new Tensor[] {draw(r, 13, 37), draw(r, 37)});
        c.add(new Tensor[] {draw(r, 13, 37), draw(r)});
        c.add(new Tensor[] {draw(r), draw(r, 45)});
        c.add(new Tensor[] {draw(r, 9, 1), draw(r, 1, 19)});
        c.add(new Tensor[] {draw(r, 8, 42).slice(1, 0, 42, 2), draw(r, 8, 21)});
        c.add(new Tensor[] {draw(r, 21, 11).t(), draw(r, 11, 21)});
        c.add(new Tensor[] {draw(r, 257).conj(), draw(r, 257).conj()});
        c.add(new Tensor[] {draw(r, 100), draw(r, 100).conj()});
        // contiguous runs that start inside their storage (the loops' offsets)
        c.add(new Tensor[] {draw(r, 3, 1000).select(0, 1), draw(r, 2, 1001).select(0, 1).narrow(0, 1, 1000)});
        return c;
    }

    private static int compare(String name, BinaryOperator<Tensor> op, boolean inPlace, boolean composedDiv) {
        return compare(OLD, name, op, inPlace, composedDiv);
    }

    /** {@code op} with {@code property} set against without, over {@link #cases}, out of place and in place. */
    private static int compare(String property, String name, BinaryOperator<Tensor> op, boolean inPlace,
                               boolean composedDiv) {
        Random r = new Random(60);
        int compared = 0;
        for (Tensor[] ab : cases(r)) {
            Tensor a = ab[0];
            Tensor b = ab[1];
            String what = name + " " + Arrays.toString(a.shape()) + ", " + Arrays.toString(b.shape());
            Tensor now = op.apply(a, b);
            Tensor before = with(property, () -> op.apply(a, b));
            assertEquals(DType.COMPLEX64, now.dtype(), what);
            assertArrayEquals(before.shape(), now.shape(), what);
            assertArrayEquals(bits(before), bits(now), what);
            if (composedDiv) {
                assertArrayEquals(bits(with("ember.complex.composedDiv", () -> op.apply(a, b))), bits(now),
                        "composition " + what);
            }
            if (inPlace && Arrays.equals(now.shape(), a.shape())) {
                Tensor x = a.clone();
                Tensor y = a.clone();
                if (name.equals("div")) {
                    x.div_(b);
                    with(property, () -> y.div_(b));
                } else {
                    x.mul_(b);
                    with(property, () -> y.mul_(b));
                }
                assertArrayEquals(bits(y), bits(x), "in place " + what);
                if (composedDiv) {
                    // the product's form depends on the layout (a clone of a strided view is contiguous): the
                    // quotient's does not
                    assertArrayEquals(bits(before), bits(x), "in place against out of place, " + what);
                }
            }
            compared += now.numel();
        }
        return compared;
    }

    @Test
    void divKeepsTheOneVectorLoopsAndTheCompositionsBits() {
        int compared = compare("div", Tensor::div, true, true);
        assertTrue(compared > 6000, "compared " + compared);
    }

    @Test
    void mulKeepsTheOneVectorLoopsBits() {
        int compared = compare("mul", Tensor::mul, true, false);
        assertTrue(compared > 6000, "compared " + compared);
    }

    /** Many calls on a long run, so that the compiled loops (C2) are compared as well as the interpreted ones. */
    @Test
    void compiledLoopsKeepEveryBit() {
        Random r = new Random(601);
        Tensor a = draw(r, 4099);
        Tensor b = draw(r, 4099);
        int[] div = bits(with(OLD, () -> a.div(b)));
        int[] mul = bits(with(OLD, () -> a.mul(b)));
        int[] composed = bits(with("ember.complex.composedDiv", () -> a.div(b)));
        assertArrayEquals(composed, div, "the one-vector quotient against the composition");
        for (int call = 0; call < 400; call++) {
            assertArrayEquals(div, bits(a.div(b)), "div, call " + call);
            assertArrayEquals(mul, bits(a.mul(b)), "mul, call " + call);
        }
        assertArrayEquals(div, bits(with(OLD, () -> a.div(b))), "the one-vector quotient, compiled");
        assertArrayEquals(mul, bits(with(OLD, () -> a.mul(b))), "the one-vector product, compiled");
    }

    /**
     * A product with a broadcast factor on its whole vectors (session 63) against the scalar loop
     * ({@code -Dember.complex.scalarBroadcastMul=true}), bit for bit: the cases above (0-dim and row-broadcast factors
     * on either side), then compiled over many calls, the broadcast pair first and second, special values included.
     */
    @Test
    void broadcastFactorKeepsTheScalarLoopsBits() {
        String scalar = "ember.complex.scalarBroadcastMul";
        int compared = compare(scalar, "mul", Tensor::mul, true, false);
        assertTrue(compared > 6000, "compared " + compared);
        Random r = new Random(631);
        Tensor a = draw(r, 4099);
        Tensor rows = draw(r, 7, 1000);
        Tensor column = draw(r, 7, 1);
        List<Tensor> pairs = new ArrayList<>();
        for (float special : SPECIAL) {
            pairs.add(pair(special, part(r)));
            pairs.add(pair(part(r), special));
        }
        for (Tensor w : pairs) {
            int[] right = bits(with(scalar, () -> a.mul(w)));
            int[] left = bits(with(scalar, () -> w.mul(a)));
            int[] byColumn = bits(with(scalar, () -> rows.mul(column)));
            for (int call = 0; call < 40; call++) {
                assertArrayEquals(right, bits(a.mul(w)), "z * " + w + ", call " + call);
                assertArrayEquals(left, bits(w.mul(a)), w + " * z, call " + call);
                assertArrayEquals(byColumn, bits(rows.mul(column)), "rows * column, call " + call);
            }
        }
    }

    /**
     * A quotient by a broadcast divisor on whole vectors (session 63) against the scalar loop
     * ({@code -Dember.complex.scalarBroadcastDiv=true}), bit for bit: the cases above, then compiled over many calls
     * with 0-dim divisors of special parts (zeros of both signs, infinities, NaN, subnormals, |c| = |d|) and a column.
     */
    @Test
    void broadcastDivisorKeepsTheScalarLoopsBits() {
        String scalar = "ember.complex.scalarBroadcastDiv";
        int compared = compare(scalar, "div", Tensor::div, true, false);
        assertTrue(compared > 6000, "compared " + compared);
        Random r = new Random(632);
        Tensor a = draw(r, 4099);
        Tensor rows = draw(r, 7, 1000);
        Tensor column = draw(r, 7, 1);
        List<Tensor> divisors = new ArrayList<>();
        for (float special : SPECIAL) {
            divisors.add(pair(special, part(r)));
            divisors.add(pair(part(r), special));
            divisors.add(pair(special, -special));
        }
        divisors.add(pair(0f, -0f));
        for (Tensor w : divisors) {
            int[] quotient = bits(with(scalar, () -> a.div(w)));
            int[] byColumn = bits(with(scalar, () -> rows.div(column)));
            for (int call = 0; call < 30; call++) {
                assertArrayEquals(quotient, bits(a.div(w)), "z / " + w + ", call " + call);
                assertArrayEquals(byColumn, bits(rows.div(column)), "rows / column, call " + call);
            }
        }
    }

    /** Complex128 does not take the float vector loops: the property changes nothing there. */
    @Test
    void complex128IsUntouched() {
        Random r = new Random(602);
        Tensor a = draw(r, 37).to(DType.COMPLEX128);
        Tensor b = draw(r, 37).to(DType.COMPLEX128);
        for (BinaryOperator<Tensor> op : List.<BinaryOperator<Tensor>>of(Tensor::div, Tensor::mul)) {
            double[] now = op.apply(a, b).viewAsReal().contiguous().toDoubleArray();
            double[] before = with(OLD, () -> op.apply(a, b)).viewAsReal().contiguous().toDoubleArray();
            assertEquals(now.length, before.length);
            for (int i = 0; i < now.length; i++) {
                assertEquals(Double.isNaN(before[i]) ? 0 : Double.doubleToRawLongBits(before[i]),
                        Double.isNaN(now[i]) ? 0 : Double.doubleToRawLongBits(now[i]), "complex128 at " + i);
            }
        }
    }
}
