package dev.ember;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * {@code zerosLike} as session 47 made it (the backend's zeroed storage, no fill pass over a new Java array), against
 * the rule that every element is +0 (all bits clear) in the input's shape and type, also where the arrays of closed
 * tensors of the same size (ones) wait in the CPU pool; {@code fullLike(-0.0)} keeps filling, sign bit set.
 */
class ZerosLikeFreshTest {
    private static final int[] SHAPE = {130, 131}; // above the pool's smallest kept array (16384 elements)

    @Test
    void everyTypeAllBitsClearAfterPooledOnes() {
        DType[] types = {DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.INT32, DType.INT8, DType.BOOL, DType.FLOAT16,
            DType.BFLOAT16, DType.COMPLEX64, DType.FLOAT8_E4M3FN, DType.UINT16};
        for (DType t : types) {
            try (TensorScope s = Ember.scope()) {
                Tensor.ones(t, SHAPE); // closed with the scope: its array goes to the pool
            }
            Tensor x = Tensor.ones(t, SHAPE);
            Tensor z = x.zerosLike();
            assertEquals(t, z.dtype());
            assertArrayEquals(SHAPE, z.shape());
            assertFalse(z.requiresGrad());
            Tensor real = t.isComplex() ? z.viewAsReal() : z;
            double[] got = real.to(DType.FLOAT64).toDoubleArray();
            assertEquals(real.numel(), got.length);
            for (int i = 0; i < got.length; i++) {
                assertEquals(0L, Double.doubleToRawLongBits(got[i]), t + " at " + i);
            }
        }
    }

    @Test
    void float32BitsAndNegativeZeroStillFilled() {
        Tensor x = Tensor.randn(DType.FLOAT32, SHAPE);
        for (float f : x.zerosLike().toFloatArray()) {
            assertEquals(0, Float.floatToRawIntBits(f));
        }
        for (float f : x.fullLike(-0.0).toFloatArray()) {
            assertEquals(0x80000000, Float.floatToRawIntBits(f));
        }
    }
}
