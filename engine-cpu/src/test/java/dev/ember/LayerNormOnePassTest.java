package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Layer norm's float32 backward with the weight and bias terms and the lane sums of a row in one loop
 * (VectorLoops.layerNormBackwardRowOnePass) against a loop each ({@code -Dember.layerNorm.backwardPasses=true}, the
 * path LayerNormBitsTest holds to PyTorch's bits), bit for bit: the input, weight and bias gradients of rows of 1, 7,
 * 8, 9, 16, 17, 33, 512 and 513 elements (below a vector: the old loops; every tail past the whole vectors), with
 * weight and bias, without a bias (its gradient absent: the old loops), without both, a gradient read with a stride
 * (copied first) and a narrowed input.
 */
class LayerNormOnePassTest {
    private static final String PASSES = "ember.layerNorm.backwardPasses";

    @AfterEach
    void clear() {
        System.clearProperty(PASSES);
    }

    /** The gradients of x (and of weight and bias where given) of layer norm for the upstream gradient g. */
    private static float[] grads(Tensor x0, Tensor w0, Tensor b0, Tensor g, int n) {
        Tensor x = x0.detach().requiresGrad_(true);
        Tensor w = w0 == null ? null : w0.detach().requiresGrad_(true);
        Tensor b = b0 == null ? null : b0.detach().requiresGrad_(true);
        Functional.layerNorm(x, new int[] {n}, w, b, 1e-5).backward(g);
        List<Tensor> parts = new ArrayList<>();
        parts.add(x.grad().reshape(-1));
        if (w != null) {
            parts.add(w.grad());
        }
        if (b != null) {
            parts.add(b.grad());
        }
        return Tensor.cat(parts, 0).toFloatArray();
    }

    private static int assertSameBits(Tensor x, Tensor w, Tensor b, Tensor g, int n) {
        System.clearProperty(PASSES);
        float[] one = grads(x, w, b, g, n);
        System.setProperty(PASSES, "true");
        float[] passes = grads(x, w, b, g, n);
        System.clearProperty(PASSES);
        assertEquals(passes.length, one.length);
        for (int i = 0; i < one.length; i++) {
            assertEquals(Float.floatToRawIntBits(passes[i]), Float.floatToRawIntBits(one[i]),
                    "element " + i + ": passes " + passes[i] + ", one pass " + one[i]);
        }
        return one.length;
    }

    private static Tensor randn(long seed, int... shape) {
        Ember.manualSeed(seed);
        return Tensor.randn(shape);
    }

    @Test
    void rowLengthsAndParameters() {
        for (int n : new int[] {1, 7, 8, 9, 16, 17, 33, 512, 513}) {
            Tensor x = randn(n, 6, n).mul(Tensor.tensor(4.0f)).add(Tensor.tensor(2.0f));
            Tensor w = randn(n + 1, n);
            Tensor b = randn(n + 2, n);
            Tensor g = randn(n + 3, 6, n);
            assertEquals(6 * n + 2 * n, assertSameBits(x, w, b, g, n));
            assertEquals(6 * n + n, assertSameBits(x, w, null, g, n));
            assertEquals(6 * n, assertSameBits(x, null, null, g, n));
        }
    }

    @Test
    void stridedGradientAndNarrowedInput() {
        Tensor base = randn(20, 5, 530);
        Tensor x = base.narrow(1, 10, 513);
        Tensor w = randn(21, 513);
        Tensor b = randn(22, 513);
        Tensor g = randn(23, 513, 5).t();
        assertEquals(5 * 513 + 2 * 513, assertSameBits(x, w, b, g, 513));
        assertEquals(5 * 513 + 2 * 513, assertSameBits(x, w, b, g.contiguous(), 513));
    }
}
