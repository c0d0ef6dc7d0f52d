package dev.ember.cpu;

import dev.ember.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link VectorSleef#tanhTwoPass} (session 61) against the one loop it splits ({@code -Dember.cpu.tanh.onePass=true},
 * whose bits SleefBitsTest checks against PyTorch's) and against the scalar {@link SleefFloat#tanh}: bit for bit, at
 * lengths around the vector length and the block ({@link VectorSleef#TANH_BLOCK}), at offsets, in place, over NaNs of
 * several payloads and signs, signed zeros, infinities, subnormals and the saturation edge; and through
 * {@code Tensor.tanh} on contiguous, strided and in-place forms with the property on and off.
 */
class TanhTwoPassTest extends SleefPathFixture {
    private static final String ONE_PASS = "ember.cpu.tanh.onePass";

    @AfterEach
    void clearOnePass() {
        System.clearProperty(ONE_PASS);
    }

    /** Random floats over every magnitude, with the special values and the saturation edge mixed in. */
    private static float[] inputs(int n, long seed) {
        float[] special = {Float.NaN, -Float.NaN, Float.intBitsToFloat(0x7fc12345), Float.intBitsToFloat(0xff800001),
            Float.intBitsToFloat(0x7f800abc), 0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -1e-30f, Float.MAX_VALUE, -Float.MAX_VALUE,
            8.664339742f, -8.664339742f, Math.nextUp(8.664339742f), 9f, -9f, 1e-4f, -0.5f, 0.625f, 88f, -89f};
        return FloatBitsInputs.inputs(n, seed, special, 6);
    }

    @Test
    void sameBitsAsTheOneLoopAndTheScalarForm() {
        int[] lengths = {1, 7, 8, 9, 15, 16, 17, 511, 512, 513, 1023, 1024, 1025, 1031, 2047, 2048, 2055, 5000, 12345};
        for (int n : lengths) {
            for (int off : new int[] {0, 3}) {
                float[] x = inputs(n + off + 5, 31L * n + off);
                float[] one = new float[n + off + 9];
                float[] two = new float[n + off + 9];
                java.util.Arrays.fill(one, 42f);
                java.util.Arrays.fill(two, 42f);
                System.setProperty(ONE_PASS, "true");
                VectorSleef.tanh(x, off, one, off + 2, n);
                System.clearProperty(ONE_PASS);
                VectorSleef.tanhTwoPass(x, off, two, off + 2, n);
                String what = "n " + n + " offset " + off;
                FloatBitsInputs.assertSameBits(what, one, two, 0, one.length);
                for (int i = 0; i < n; i++) {
                    assertEquals(Float.floatToRawIntBits(SleefFloat.tanh(x[off + i])),
                            Float.floatToRawIntBits(two[off + 2 + i]), what + " scalar at " + i);
                }
                // outside the run untouched
                assertEquals(42f, two[off + 1], what);
                assertEquals(42f, two[off + 2 + n], what);
                // in place: the output the input array itself
                float[] in = x.clone();
                VectorSleef.tanhTwoPass(in, off, in, off, n);
                for (int i = 0; i < n; i++) {
                    assertEquals(Float.floatToRawIntBits(two[off + 2 + i]), Float.floatToRawIntBits(in[off + i]),
                            what + " in place at " + i);
                }
            }
        }
    }

    @Test
    void tensorFormsAgreeWithTheOnePassLoop() {
        float[] data = inputs(3 * 2053, 7);
        Tensor t = Tensor.fromArray(data).reshape(3, 2053);
        float[][] results = new float[2][];
        float[][] strided = new float[2][];
        float[][] inPlace = new float[2][];
        for (int k = 0; k < 2; k++) {
            System.setProperty(ONE_PASS, k == 0 ? "true" : "false");
            results[k] = t.tanh().toFloatArray();
            Tensor s = t.t();
            assertTrue(!s.isContiguous());
            strided[k] = s.tanh().toFloatArray();
            Tensor c = t.clone();
            c.tanh_();
            inPlace[k] = c.toFloatArray();
        }
        FloatBitsInputs.assertSameBits("contiguous", results[0], results[1], 0, results[0].length);
        FloatBitsInputs.assertSameBits("strided", strided[0], strided[1], 0, strided[0].length);
        FloatBitsInputs.assertSameBits("in place", inPlace[0], inPlace[1], 0, inPlace[0].length);
        FloatBitsInputs.assertSameBits("in place against out of place", results[1], inPlace[1], 0, results[1].length);
        for (int i = 0; i < data.length; i++) {
            assertEquals(Float.floatToRawIntBits(SleefFloat.tanh(data[i])), Float.floatToRawIntBits(results[1][i]),
                    "contiguous against the scalar form at " + i);
        }
    }
}
