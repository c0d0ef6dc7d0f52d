package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.backend.BinaryOp;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link VectorLoops#binaryScalar} with its broadcast made in each case (session 58: one made before the switch was
 * boxed, a vector object a call, once C2 had compiled it for several ops): every op's bits against its scalar
 * definition, the ops interleaved in one loop (the mixed profile that boxed it), at every length up to 40 and around
 * the select loops' threshold, at offsets, with signed zeros, NaN and infinities in the data and as the scalar; and
 * through tensors, a row's scalar broadcast over its row ({@code x - m} with {@code m} of size 1 in the last dimension:
 * one call per row), on odd shapes, a non-contiguous {@code x}, an expanded {@code m} and empty tensors.
 */
class BinaryScalarRowsTest {
    private static final BinaryOp[] OPS = {BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.DIV, BinaryOp.MAXIMUM,
        BinaryOp.MINIMUM, BinaryOp.THRESHOLD_BACKWARD};
    private static final float[] EDGE = {0f, -0f, 1f, -1f, 0.5f, -2f, 3e-39f, Float.NaN, Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY, Float.MAX_VALUE, Float.intBitsToFloat(0xffc00000)};

    /** The scalar form of each op: what the plain loop and the vector loop's tail compute. */
    private static float apply(BinaryOp op, float x, float s) {
        switch (op) {
            case ADD: return x + s;
            case SUB: return x - s;
            case MUL: return x * s;
            case DIV: return x / s;
            case MAXIMUM: return ElementwiseKernels.maximum(x, s);
            case MINIMUM: return ElementwiseKernels.minimum(x, s);
            default: return ElementwiseKernels.thresholdBackward(x, s);
        }
    }

    /** Same bits, except that any NaN matches any NaN (the lanes' NaN payloads are not specified). */
    private static void assertSameBits(float want, float got, String what) {
        assertTrue(Float.isNaN(want) ? Float.isNaN(got) : Float.floatToRawIntBits(want) == Float.floatToRawIntBits(got),
                what + ": want " + want + ", got " + got);
    }

    @Test
    void everyOpInterleavedMatchesItsScalarFormAtEveryLength() {
        VectorLoops v = new VectorLoops();
        Random rnd = new Random(58);
        int[] lengths = new int[45];
        for (int n = 0; n <= 40; n++) {
            lengths[n] = n;
        }
        lengths[41] = 255;
        lengths[42] = 256;
        lengths[43] = 257;
        lengths[44] = 1037;
        int checked = 0;
        for (int n : lengths) {
            float[] x = new float[n + 3];
            for (int i = 0; i < x.length; i++) {
                x[i] = rnd.nextInt(4) == 0 ? EDGE[rnd.nextInt(EDGE.length)] : rnd.nextFloat() * 6 - 3;
            }
            float[] scalars = {0.3f, -0f, 0f, Float.NaN, Float.NEGATIVE_INFINITY, EDGE[rnd.nextInt(EDGE.length)]};
            for (float s : scalars) {
                for (BinaryOp op : OPS) { // the ops one after the other on each row, as a sweep mixes them
                    float[] out = new float[n + 2];
                    out[0] = 7f;
                    out[n + 1] = 7f;
                    assertTrue(v.binaryScalar(op, x, 3, s, out, 1, n), op.toString());
                    for (int i = 0; i < n; i++) {
                        assertSameBits(apply(op, x[3 + i], s), out[1 + i], op + " s=" + s + " n=" + n + " [" + i + "]");
                        checked++;
                    }
                    assertEquals(7f, out[0], "before the run");
                    assertEquals(7f, out[n + 1], "after the run");
                }
            }
        }
        assertTrue(checked > 100_000, "checked " + checked);
    }

    @Test
    void aRowsScalarBroadcastOverItsRowOnOddShapes() {
        Generator g = new Generator(58, Generator.Algorithm.MT19937);
        Tensor x = Tensor.randn(g, DType.FLOAT32, 5, 7, 33);
        Tensor m = Tensor.randn(g, DType.FLOAT32, 5, 7, 1);
        // a non-contiguous x: [5, 33, 7] transposed to [5, 7, 33]
        Tensor xt = Tensor.randn(g, DType.FLOAT32, 5, 33, 7).transpose(1, 2);
        // an expanded m: one row's scalar for every leading index
        Tensor me = Tensor.randn(g, DType.FLOAT32, 1, 7, 1).expand(5, 7, 1);
        Tensor empty = Tensor.randn(g, DType.FLOAT32, 0, 7, 33);
        Tensor emptyM = Tensor.randn(g, DType.FLOAT32, 0, 7, 1);
        Object[][] ops = {
            {BinaryOp.ADD, (BiFunction<Tensor, Tensor, Tensor>) Tensor::add},
            {BinaryOp.SUB, (BiFunction<Tensor, Tensor, Tensor>) Tensor::sub},
            {BinaryOp.MUL, (BiFunction<Tensor, Tensor, Tensor>) Tensor::mul},
            {BinaryOp.DIV, (BiFunction<Tensor, Tensor, Tensor>) Tensor::div},
            {BinaryOp.MAXIMUM, (BiFunction<Tensor, Tensor, Tensor>) Tensor::maximum},
            {BinaryOp.MINIMUM, (BiFunction<Tensor, Tensor, Tensor>) Tensor::minimum}};
        for (int round = 0; round < 3; round++) {
            for (Object[] o : ops) {
                BinaryOp op = (BinaryOp) o[0];
                @SuppressWarnings("unchecked")
                BiFunction<Tensor, Tensor, Tensor> f = (BiFunction<Tensor, Tensor, Tensor>) o[1];
                check(op, f, x, m, op + " contiguous");
                check(op, f, xt, m, op + " non-contiguous x");
                check(op, f, x, me, op + " expanded m");
                Tensor e = f.apply(empty, emptyM);
                assertArrayEquals(new int[] {0, 7, 33}, e.shape(), op + " empty");
            }
        }
    }

    /** {@code f(a, b)} of {@code a} [5, 7, 33] and {@code b} [5, 7, 1] against the scalar form element by element. */
    private static void check(BinaryOp op, BiFunction<Tensor, Tensor, Tensor> f, Tensor a, Tensor b, String what) {
        Tensor out = f.apply(a, b);
        assertArrayEquals(new int[] {5, 7, 33}, out.shape(), what);
        float[] av = a.contiguous().toFloatArray();
        float[] bv = b.contiguous().toFloatArray();
        float[] got = out.contiguous().toFloatArray();
        for (int r = 0; r < 35; r++) {
            for (int j = 0; j < 33; j++) {
                int k = r * 33 + j;
                assertSameBits(apply(op, av[k], bv[r]), got[k], what + " [" + r + ", " + j + "]");
            }
        }
    }
}
