package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The values that session 50's CPU speed work keeps. A number as the first operand of a large float32 op ({@code 1 - y}:
 * {@code rsub}, sigmoid's and tanh's backward) runs a vector loop where it ran the element-by-element strided loop
 * ({@code -Dember.binary.scalarFirstStrided=true} keeps that); each element is still the one IEEE operation, so the
 * result is compared bit for bit with Java's float arithmetic of the same expression (round to nearest, as PyTorch's
 * scalar and vector loops both compute it), over sizes past the parallel grain and lengths that leave vector tails,
 * with zeros of both signs, infinities, NaN, subnormals and huge values among the inputs.
 */
class Speed50Test {
    private static final float[] SPECIAL = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
        Float.MIN_VALUE, -Float.MIN_NORMAL, Float.MAX_VALUE, -3e38f, 1f, -1f, 1e-30f};

    private static float[] values(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextInt(8) == 0 ? SPECIAL[r.nextInt(SPECIAL.length)] : (float) (r.nextGaussian() * 3);
        }
        return v;
    }

    private static void sameBits(float want, float got, String what) {
        if (Float.isNaN(want) && Float.isNaN(got)) {
            return;
        }
        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got), what + ": want " + want + ", got " + got);
    }

    @Test
    void numberFirstFloat32() {
        float[] numbers = {1f, -2.5f, 0f, -0f, Float.POSITIVE_INFINITY, Float.NaN, 3e-39f};
        for (int n : new int[] {33, 1000, 70_001, 262_147}) {
            float[] y = values(n, n);
            Tensor t = Tensor.fromArray(y);
            for (float s : numbers) {
                float[] sub = t.rsub((double) s).toFloatArray();
                float[] add = Tensor.scalar(s).add(t).toFloatArray();
                float[] mul = Tensor.scalar(s).mul(t).toFloatArray();
                float[] div = Tensor.scalar(s).div(t).toFloatArray();
                for (int i = 0; i < n; i++) {
                    String at = "n=" + n + " s=" + s + " element " + i + " (y=" + y[i] + ")";
                    sameBits(s - y[i], sub[i], "rsub " + at);
                    sameBits(s + y[i], add[i], "add " + at);
                    sameBits(s * y[i], mul[i], "mul " + at);
                    sameBits(s / y[i], div[i], "div " + at);
                }
            }
        }
    }

    @Test
    void sigmoidBackwardFloat32() {
        int n = 16 * 128 * 65 + 7;
        float[] x = values(n, 50);
        float[] g = values(n, 51);
        Tensor xt = Tensor.fromArray(x).requiresGrad_(true);
        Tensor y = xt.sigmoid();
        y.backward(Tensor.fromArray(g));
        float[] yv = y.detach().toFloatArray();
        float[] gx = xt.grad().toFloatArray();
        for (int i = 0; i < n; i++) {
            // PyTorch's sigmoid_backward: grad * (1 - y) * y, both loops in that order
            sameBits(g[i] * (1f - yv[i]) * yv[i], gx[i], "sigmoid backward element " + i);
        }
    }
}
