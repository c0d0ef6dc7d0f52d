package dev.ember.cpu;

import dev.ember.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The lanes of Sleef's expm1f ({@link VectorSleef#expm1}, the negations as sign-bit XORs) against the scalar form
 * ({@link SleefFloat#expm1}): every float of [-104, 89] on a stride of {@value #STRIDE} bit patterns plus the special
 * values and both bounds' neighbours; runs of lengths with tails at offsets, in place; the elu forward's lanes
 * ({@link VectorSleef#eluForward}) against {@link SleefFloat#elu}; and the public {@code expm1} and {@code expm1_}
 * (contiguous runs with tails, strided, in place) against the same op on each element alone (a one-element tensor
 * takes the scalar form; the public elu, selu and celu: EluTwoPassTest). NaN results compare as NaN (the lanes and the scalar
 * code may pick another NaN). The whole 2^32 floats: {@link Expm1LanesExhaustiveProbe}, offline. (Session 58's lanes,
 * the negations as {@code FloatVector.neg()}, were compared here bit for bit until session 63 deleted them.)
 */
class Expm1LanesTest extends SleefPathFixture {
    private static final int STRIDE = 1021;
    private static final int[] LENGTHS = {1, 7, 8, 9, 15, 17, 1023};

    /** The inputs: [-104, 89] on the stride, then the special values and the bounds' neighbours. */
    static float[] inputs() {
        List<Float> v = new ArrayList<>();
        for (long b = 0; b <= Float.floatToRawIntBits(89f); b += STRIDE) {
            v.add(Float.intBitsToFloat((int) b));
        }
        for (long b = 0x80000000L; b <= (Float.floatToRawIntBits(-104f) & 0xffffffffL); b += STRIDE) {
            v.add(Float.intBitsToFloat((int) b));
        }
        float[] specials = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MIN_NORMAL,
            Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
            Float.intBitsToFloat(0xffc00000), Float.intBitsToFloat(0x7f800001), Float.intBitsToFloat(0xff812345),
            1e-8f, -1e-8f, 0x1p-25f, -0x1p-25f, 0.34657359f, -0.34657359f, 1f, -1f, 104f, -104f, 1e10f, -1e10f};
        for (float s : specials) {
            v.add(s);
        }
        for (float bound : new float[] {SleefFloat.EXPM1_HIGH, SleefFloat.EXPM1_LOW, SleefFloat.EXP_LOW}) {
            float f = bound;
            for (int k = 0; k < 40; k++) {
                f = Math.nextDown(f);
            }
            for (int k = 0; k < 81; k++, f = Math.nextUp(f)) {
                v.add(f);
            }
        }
        float[] x = new float[v.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = v.get(i);
        }
        return x;
    }

    private static boolean sameOrBothNaN(float want, float got) {
        return want != want ? got != got : Float.floatToRawIntBits(want) == Float.floatToRawIntBits(got);
    }

    private static void assertScalarBits(String what, float[] x, float[] want, float[] got) {
        for (int i = 0; i < want.length; i++) {
            if (!sameOrBothNaN(want[i], got[i])) {
                fail(String.format("%s: [%d] x = %s (bits %08x): got %08x, want %08x", what, i, x[i],
                        Float.floatToRawIntBits(x[i]), Float.floatToRawIntBits(got[i]),
                        Float.floatToRawIntBits(want[i])));
            }
        }
    }

    @Test
    void lanesHaveTheScalarFormsBitsOverTheRange() {
        float[] x = inputs();
        assertTrue(x.length > 2_000_000, x.length + " inputs");
        float[] want = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            want[i] = SleefFloat.expm1(x[i]);
        }
        float[] lanes = new float[x.length];
        VectorSleef.expm1(x, 0, lanes, 0, x.length);
        assertScalarBits("lanes", x, want, lanes);
        // not vacuous: results of every kind are among them
        int finite = 0;
        int minusOne = 0;
        int inf = 0;
        for (float r : lanes) {
            finite += r > -1f && r < Float.POSITIVE_INFINITY ? 1 : 0;
            minusOne += r == -1f ? 1 : 0;
            inf += r == Float.POSITIVE_INFINITY ? 1 : 0;
        }
        assertTrue(finite > 1_000_000 && minusOne > 1000 && inf > 10, finite + " " + minusOne + " " + inf);
    }

    @Test
    void runsWithTailsAtOffsetsAndInPlace() {
        Random r = new Random(60);
        for (int n : LENGTHS) {
            float[] x = new float[n + 9];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (r.nextGaussian() * 4);
            }
            float[] want = new float[n];
            for (int i = 0; i < n; i++) {
                want[i] = SleefFloat.expm1(x[3 + i]);
            }
            float[] o = new float[n + 9];
            VectorSleef.expm1(x, 3, o, 5, n);
            float[] got = new float[n];
            System.arraycopy(o, 5, got, 0, n);
            assertScalarBits("n = " + n, x, want, got);
            assertEquals(0f, o[4]);
            assertEquals(0f, o[5 + n]);
            float[] in = x.clone();
            VectorSleef.expm1(in, 3, in, 3, n);
            System.arraycopy(in, 3, got, 0, n);
            assertScalarBits("in place, n = " + n, x, want, got);
            assertEquals(x[2], in[2]);
            assertEquals(x[3 + n], in[3 + n]);
        }
    }

    @Test
    void eluForwardLanesHaveTheScalarFormsBits() {
        Random r = new Random(61);
        float[][] coefficients = {{1f, 1f, 1f}, {1.6732632f * 1.050701f, 1.050701f, 1f}, {1.3f, 1f, 1f / 1.3f}};
        for (float[] c : coefficients) {
            for (int n : new int[] {1, 7, 8, 9, 15, 17, 1023, 1024, 1025, 3000}) {
                float[] x = new float[n + 4];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) (r.nextGaussian() * 3);
                }
                x[2] = -0f;
                x[3] = Float.NaN;
                float[] want = new float[n];
                for (int i = 0; i < n; i++) {
                    want[i] = SleefFloat.elu(x[2 + i], c[0], c[1], c[2]);
                }
                float[] o = new float[n];
                VectorSleef.eluForward(x, 2, c[0], c[1], c[2], o, 0, n);
                assertScalarBits("elu n = " + n, x, want, o);
                float[] in = x.clone();
                VectorSleef.eluForward(in, 2, c[0], c[1], c[2], in, 2, n);
                System.arraycopy(in, 2, o, 0, n);
                assertScalarBits("elu_ n = " + n, x, want, o);
            }
        }
    }

    /** The one-pass elu lanes over the range's inputs, elu's, selu's and celu's coefficients, against the scalar form. */
    @Test
    void eluForwardLanesOverTheRange() {
        float[] x = inputs();
        float[] o = new float[x.length];
        float[] want = new float[x.length];
        for (float[] c : new float[][] {{1f, 1f, 1f}, {1.7580993f, 1.050701f, 1f}, {1.3f, 1f, 1f / 1.3f}}) {
            for (int i = 0; i < x.length; i++) {
                want[i] = SleefFloat.elu(x[i], c[0], c[1], c[2]);
            }
            VectorSleef.eluForward(x, 0, c[0], c[1], c[2], o, 0, x.length);
            assertScalarBits("elu lanes, is = " + c[2], x, want, o);
        }
    }

    /** expm1's public forms; elu / selu / celu take glibc's expm1f off the vector part (EluTwoPassTest has them). */
    private static final List<UnaryOperator<Tensor>> OPS = List.of(Tensor::expm1, t -> t.clone().expm1_());

    /**
     * {@code expm1} and {@code expm1_} against the same op on each element alone (a one-element tensor takes the scalar
     * form): contiguous runs with tails, strided views, in place.
     */
    @Test
    void publicOpsHaveTheScalarFormsBits() {
        Random r = new Random(62);
        for (int n : LENGTHS) {
            float[] x = new float[2 * n];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (r.nextGaussian() * 2);
            }
            x[0] = Float.NaN;
            Tensor whole = Tensor.fromArray(x);
            Tensor run = whole.narrow(0, 1, n);
            Tensor strided = whole.view(n, 2).select(1, 1);
            // (a single element's view counts as contiguous)
            assertEquals(n == 1, strided.isContiguous());
            for (int k = 0; k < OPS.size(); k++) {
                for (Tensor t : new Tensor[] {run, strided}) {
                    float[] in = t.toFloatArray();
                    float[] got = OPS.get(k).apply(t).toFloatArray();
                    float[] want = new float[n];
                    for (int i = 0; i < n; i++) {
                        want[i] = OPS.get(k).apply(Tensor.fromArray(new float[] {in[i]})).toFloatArray()[0];
                    }
                    assertScalarBits("op " + k + ", n = " + n + ", contiguous " + t.isContiguous(), in, want, got);
                }
            }
        }
    }
}
