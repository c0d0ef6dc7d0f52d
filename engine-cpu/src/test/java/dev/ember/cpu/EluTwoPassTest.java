package dev.ember.cpu;

import dev.ember.Tensor;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link VectorSleef#eluTwoPass} (session 62) against the one loop it splits ({@code -Dember.cpu.elu.onePass=true},
 * whose bits Expm1LanesTest and the elu bits tests check against PyTorch's) and against the scalar
 * {@link SleefFloat#elu}: bit for bit, for elu's, selu's and celu's coefficients and for a negative input scale (whose
 * products reach expm1's overflow edge), at lengths around the vector length and the block
 * ({@link VectorSleef#TANH_BLOCK}), at offsets, in place, over NaNs of several payloads and signs, signed zeros,
 * infinities, subnormals and expm1's edges; and through {@code Functional.elu / selu / celu} (and their in-place forms)
 * on contiguous and strided tensors with the property on and off.
 */
class EluTwoPassTest extends SleefPathFixture {
    private static final String ONE_PASS = "ember.cpu.elu.onePass";
    private static final float SELU_ALPHA = 1.6732632423543772848170429916717f;
    private static final float SELU_SCALE = 1.0507009873554804934193349852946f;
    /** {nc, scale, is}: elu(1), elu(0.3), selu, celu(1.3), celu(-0.7) (a negative input scale), an input scale 50. */
    private static final float[][] COEFFICIENTS = {
        {1f, 1f, 1f}, {0.3f, 1f, 1f}, {(float) ((double) SELU_ALPHA * SELU_SCALE), SELU_SCALE, 1f},
        {1.3f, 1f, (float) (1 / 1.3)}, {-0.7f, 1f, (float) (1 / -0.7)}, {2f, 0.5f, 50f}};

    @AfterEach
    void clearOnePass() {
        System.clearProperty(ONE_PASS);
    }

    /** Random floats over every magnitude, with the special values and expm1's edges mixed in. */
    private static float[] inputs(int n, long seed) {
        float[] special = {Float.NaN, -Float.NaN, Float.intBitsToFloat(0x7fc12345), Float.intBitsToFloat(0xff800001),
            Float.intBitsToFloat(0x7f800abc), 0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -1e-30f, Float.MAX_VALUE, -Float.MAX_VALUE,
            SleefFloat.EXPM1_HIGH, Math.nextUp(SleefFloat.EXPM1_HIGH), -SleefFloat.EXPM1_HIGH,
            SleefFloat.EXPM1_LOW, Math.nextDown(SleefFloat.EXPM1_LOW), Math.nextUp(SleefFloat.EXPM1_LOW), -104f,
            -105f, 100f, 1e-4f, -1e-4f, -0.5f, 0.625f, 88f, -89f};
        return FloatBitsInputs.inputs(n, seed, special, 20);
    }

    @Test
    void sameBitsAsTheOneLoopAndTheScalarForm() {
        int[] lengths = {1, 7, 8, 9, 16, 511, 512, 513, 1023, 1024, 1025, 1031, 1040, 2047, 2048, 2055, 5000, 12345};
        for (float[] c : COEFFICIENTS) {
            float nc = c[0];
            float scale = c[1];
            float is = c[2];
            for (int n : lengths) {
                for (int off : new int[] {0, 3}) {
                    float[] x = inputs(n + off + 5, 31L * n + off + Float.floatToRawIntBits(is));
                    float[] one = new float[n + off + 9];
                    float[] two = new float[n + off + 9];
                    java.util.Arrays.fill(one, 42f);
                    java.util.Arrays.fill(two, 42f);
                    System.setProperty(ONE_PASS, "true");
                    VectorSleef.eluForward(x, off, nc, scale, is, one, off + 2, n);
                    System.clearProperty(ONE_PASS);
                    VectorSleef.eluTwoPass(x, off, nc, scale, is, two, off + 2, n);
                    String what = "nc " + nc + " scale " + scale + " is " + is + " n " + n + " offset " + off;
                    FloatBitsInputs.assertSameBits(what, one, two, 0, one.length);
                    for (int i = 0; i < n; i++) {
                        assertEquals(Float.floatToRawIntBits(SleefFloat.elu(x[off + i], nc, scale, is)),
                                Float.floatToRawIntBits(two[off + 2 + i]), what + " scalar at " + i);
                    }
                    // outside the run untouched
                    assertEquals(42f, two[off + 1], what);
                    assertEquals(42f, two[off + 2 + n], what);
                    // in place: the output the input array itself, through the dispatch
                    float[] in = x.clone();
                    VectorSleef.eluForward(in, off, nc, scale, is, in, off, n);
                    for (int i = 0; i < n; i++) {
                        assertEquals(Float.floatToRawIntBits(two[off + 2 + i]),
                                Float.floatToRawIntBits(in[off + i]), what + " in place at " + i);
                    }
                }
            }
        }
    }

    @Test
    void tensorFormsAgreeWithTheOneLoop() {
        float[] data = inputs(3 * 2053, 7);
        Tensor t = Tensor.fromArray(data).reshape(3, 2053);
        String[] names = {"elu", "selu", "celu(1.3)"};
        @SuppressWarnings("unchecked")
        UnaryOperator<Tensor>[] ops = new UnaryOperator[] {
            (UnaryOperator<Tensor>) x -> Functional.elu(x, 1.0), (UnaryOperator<Tensor>) Functional::selu,
            (UnaryOperator<Tensor>) x -> Functional.celu(x, 1.3)};
        @SuppressWarnings("unchecked")
        UnaryOperator<Tensor>[] inPlaceOps = new UnaryOperator[] {
            (UnaryOperator<Tensor>) x -> Functional.elu_(x, 1.0), (UnaryOperator<Tensor>) Functional::selu_,
            (UnaryOperator<Tensor>) x -> Functional.celu_(x, 1.3)};
        for (int op = 0; op < ops.length; op++) {
            float[][] results = new float[2][];
            float[][] strided = new float[2][];
            float[][] inPlace = new float[2][];
            for (int k = 0; k < 2; k++) {
                System.setProperty(ONE_PASS, k == 0 ? "true" : "false");
                results[k] = ops[op].apply(t).toFloatArray();
                Tensor s = t.t();
                assertTrue(!s.isContiguous());
                strided[k] = ops[op].apply(s).toFloatArray();
                Tensor c = t.clone();
                inPlaceOps[op].apply(c);
                inPlace[k] = c.toFloatArray();
            }
            String what = names[op] + " ";
            FloatBitsInputs.assertSameBits(what + "contiguous", results[0], results[1], 0, results[0].length);
            FloatBitsInputs.assertSameBits(what + "strided", strided[0], strided[1], 0, strided[0].length);
            FloatBitsInputs.assertSameBits(what + "in place", inPlace[0], inPlace[1], 0, inPlace[0].length);
            FloatBitsInputs.assertSameBits(what + "in place against out of place", results[1], inPlace[1], 0, results[1].length);
        }
        // the vector part of the contiguous row (6,159 elements: 6,144 in whole passes) against the scalar form
        float[] elu = Functional.elu(t, 1.0).toFloatArray();
        int vector = SleefFloat.vectorPart(data.length);
        assertTrue(vector >= 2 * VectorSleef.TANH_BLOCK);
        for (int i = 0; i < vector; i++) {
            assertEquals(Float.floatToRawIntBits(SleefFloat.elu(data[i], 1f, 1f, 1f)), Float.floatToRawIntBits(elu[i]),
                    "elu against the scalar form at " + i);
        }
    }
}
