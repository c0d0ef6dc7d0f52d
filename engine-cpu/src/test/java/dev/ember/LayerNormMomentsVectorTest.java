package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Layer norm's float32 forward with the statistics' cascade merged in one vector per level
 * (VectorLoops.addMomentsLanes) against the lane-by-lane scalar merge ({@code -Dember.layerNorm.momentsScalar=true},
 * the path LayerNormBitsTest holds to PyTorch's bits), bit for bit: output, mean and rstd for rows from 1 to 4,113
 * elements (one chunk, several, a cascade several levels deep, ragged tails), with and without weight and bias,
 * large offsets (the variance's cancellation) and a strided input.
 */
class LayerNormMomentsVectorTest {
    private static final String SCALAR = "ember.layerNorm.momentsScalar";

    @AfterEach
    void clear() {
        System.clearProperty(SCALAR);
    }

    private static float[] run(Tensor x, Tensor w, Tensor b, int n) {
        NormResult r = Tensor.nativeLayerNorm(x, new int[] {n}, w, b, 1e-5);
        return Tensor.cat(java.util.List.of(r.output().reshape(-1), r.mean().reshape(-1), r.rstd().reshape(-1)), 0)
                .toFloatArray();
    }

    private static int assertSameBits(Tensor x, Tensor w, Tensor b, int n) {
        System.clearProperty(SCALAR);
        float[] vector = run(x, w, b, n);
        System.setProperty(SCALAR, "true");
        float[] scalar = run(x, w, b, n);
        System.clearProperty(SCALAR);
        assertEquals(scalar.length, vector.length);
        for (int i = 0; i < vector.length; i++) {
            assertEquals(Float.floatToRawIntBits(scalar[i]), Float.floatToRawIntBits(vector[i]),
                    "element " + i + ": scalar merge " + scalar[i] + ", vector merge " + vector[i]);
        }
        return vector.length;
    }

    private static Tensor randn(long seed, int... shape) {
        Ember.manualSeed(seed);
        return Tensor.randn(shape);
    }

    @Test
    void rowLengths() {
        for (int n : new int[] {1, 7, 8, 9, 127, 128, 129, 257, 512, 513, 1024, 1031, 4113}) {
            Tensor x = randn(n, 3, n).mul(Tensor.tensor(2.0f)).add(Tensor.tensor(1e3f));
            Tensor w = randn(n + 1, n);
            Tensor b = randn(n + 2, n);
            assertEquals(3 * n + 6, assertSameBits(x, w, b, n));
            assertSameBits(x, null, null, n);
        }
    }

    @Test
    void stridedInput() {
        Tensor x = randn(30, 300, 4).t();
        assertEquals(4 * 300 + 8, assertSameBits(x, null, randn(31, 300), 300));
    }
}
