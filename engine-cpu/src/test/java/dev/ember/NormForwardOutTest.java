package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Layer and RMS norm's float32 forward rows written by the vector loops in one pass (VectorLoops.normForwardOut)
 * against the scalar passes they replace ({@code -Dember.norm.forwardPasses=true}), bit for bit: the passes are what
 * the PyTorch-generated tests (LayersTest, LayerModulesTest, AutocastTest) hold to PyTorch's bits, so the exact rule
 * here is equality with them. Rows of a vector multiple and with a ragged tail, with and without weight and bias, a
 * strided input, large and tiny values, and the output of a forward+backward step. Layer norm's float32 forward
 * takes PyTorch's float kernel since session 50 (LayerNormBitsTest); these compare the double passes it keeps behind
 * {@code -Dember.layerNorm.doubleForward=true}, set for every test here.
 */
class NormForwardOutTest {
    private static final String PASSES = "ember.norm.forwardPasses";

    private static final String DOUBLE_FORWARD = "ember.layerNorm.doubleForward";

    @BeforeEach
    void doubleForward() {
        System.setProperty(DOUBLE_FORWARD, "true");
    }

    @AfterEach
    void clear() {
        System.clearProperty(PASSES);
        System.clearProperty(DOUBLE_FORWARD);
    }

    /** The same computation with the one-pass rows and with the scalar passes, as float bits. */
    private static void assertSameBits(Supplier<Tensor> f) {
        System.clearProperty(PASSES);
        float[] vector = f.get().toFloatArray();
        System.setProperty(PASSES, "true");
        float[] passes = f.get().toFloatArray();
        System.clearProperty(PASSES);
        assertEquals(passes.length, vector.length);
        for (int i = 0; i < vector.length; i++) {
            assertEquals(Float.floatToRawIntBits(passes[i]), Float.floatToRawIntBits(vector[i]),
                    "element " + i + ": passes " + passes[i] + ", one pass " + vector[i]);
        }
    }

    private static Tensor randn(long seed, int... shape) {
        Ember.manualSeed(seed);
        return Tensor.randn(shape);
    }

    @Test
    void rmsNormRows() {
        for (int n : new int[] {512, 37, 16, 5}) {
            Tensor x = randn(1, 9, n).mul(Tensor.tensor(3.0f));
            Tensor w = randn(2, n);
            assertSameBits(() -> Functional.rmsNorm(x, new int[] {n}, w, 1e-6));
            assertSameBits(() -> Functional.rmsNorm(x, new int[] {n}, null, 1e-6));
            assertSameBits(() -> Functional.rmsNorm(x, new int[] {n}, w, null));
        }
    }

    @Test
    void layerNormRows() {
        for (int n : new int[] {512, 37, 16, 5}) {
            Tensor x = randn(3, 7, n).mul(Tensor.tensor(1e3f)).add(Tensor.tensor(5.0f));
            Tensor w = randn(4, n);
            Tensor b = randn(5, n);
            assertSameBits(() -> Functional.layerNorm(x, new int[] {n}, w, b, 1e-5));
            assertSameBits(() -> Functional.layerNorm(x, new int[] {n}, w, null, 1e-5));
            assertSameBits(() -> Functional.layerNorm(x, new int[] {n}, null, b, 1e-5));
            assertSameBits(() -> Functional.layerNorm(x, new int[] {n}));
        }
    }

    @Test
    void stridedInputAndTinyValues() {
        Tensor x = randn(6, 40, 24).mul(Tensor.tensor(1e-20f));
        Tensor w = randn(7, 40);
        assertSameBits(() -> Functional.rmsNorm(x.t(), new int[] {40}, w, 1e-6));
        assertSameBits(() -> Functional.layerNorm(x.t(), new int[] {40}, w, w, 1e-5));
    }

    @Test
    void forwardOfATrainingStep() {
        Tensor x0 = randn(8, 4, 33);
        Tensor g = randn(9, 4, 33);
        assertSameBits(() -> {
            Tensor x = x0.clone().requiresGrad_(true);
            Tensor w = Tensor.ones(33).requiresGrad_(true);
            Tensor y = Functional.rmsNorm(x, new int[] {33}, w, 1e-6);
            y.backward(g);
            return Tensor.cat(java.util.List.of(y.detach().reshape(-1), x.grad().reshape(-1), w.grad()), 0);
        });
    }
}
