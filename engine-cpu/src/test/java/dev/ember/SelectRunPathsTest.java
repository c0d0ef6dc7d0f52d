package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 57's maximum, minimum and ReLU backward (threshold_backward) loops written out per op give the raw bits of
 * the old path through the shared vector select ({@code -Dember.vectorLoops.selectHelper=true}): contiguous,
 * non-contiguous, broadcast (a bias row), a 0-dim operand, tails shorter than a vector, empty and one-row tensors,
 * with NaN, signed zeros and infinities among the values; and ReLU's gradient through {@code relu_} and {@code relu}
 * under autograd, the "add bias, relu_" row's graph.
 */
class SelectRunPathsTest {
    private static final String OLD = "ember.vectorLoops.selectHelper";
    private static final float[] EDGE = {0f, -0f, 1f, -1f, Float.NaN, Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE};

    private static Tensor values(Random rnd, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = rnd.nextInt(4) == 0 ? EDGE[rnd.nextInt(EDGE.length)] : (float) rnd.nextGaussian();
        }
        return Tensor.fromArray(a).reshape(shape);
    }

    /** The results of {@code f} with the old path and with the new one, as raw float bits, one array per tensor. */
    private static List<int[]> bits(Supplier<List<Tensor>> f, boolean old) {
        String before = System.getProperty(OLD);
        System.setProperty(OLD, Boolean.toString(old));
        try {
            List<int[]> out = new ArrayList<>();
            for (Tensor t : f.get()) {
                float[] v = t.contiguous().toFloatArray();
                int[] b = new int[v.length];
                for (int i = 0; i < v.length; i++) {
                    b[i] = Float.floatToRawIntBits(v[i]);
                }
                out.add(b);
            }
            return out;
        } finally {
            if (before == null) {
                System.clearProperty(OLD);
            } else {
                System.setProperty(OLD, before);
            }
        }
    }

    private static int assertSamePaths(String what, Supplier<List<Tensor>> f) {
        List<int[]> old = bits(f, true);
        List<int[]> now = bits(f, false);
        assertEquals(old.size(), now.size(), what);
        int elements = 0;
        for (int k = 0; k < old.size(); k++) {
            assertArrayEquals(old.get(k), now.get(k), what + ", result " + k);
            elements += old.get(k).length;
        }
        return elements;
    }

    /**
     * Shapes: a bias-row case, tails of 1 to 7 and 9 floats, one row, empty; rows of 257 and 263 floats, where a
     * broadcast op's row-by-row calls also read the property (it is read on runs of 256 floats or more).
     */
    private static final int[][] SHAPES = {{3, 5, 37}, {2, 3, 7}, {4, 9}, {1, 37}, {1, 1}, {0, 37}, {5, 64},
        {3, 257}, {2, 2, 263}, {1, 263}};

    @Test
    void maximumMinimumAndThresholdBackwardKeepTheOldBits() {
        Random rnd = new Random(57);
        int elements = 0;
        for (int[] shape : SHAPES) {
            Tensor x = values(rnd, shape);
            Tensor y = values(rnd, shape);
            int last = shape[shape.length - 1];
            Tensor row = values(rnd, last);
            Tensor zeroDim = Tensor.fromArray(new float[] {-0f}).reshape();
            String s = java.util.Arrays.toString(shape);
            elements += assertSamePaths("contiguous " + s, () -> List.of(x.maximum(y), x.minimum(y), x.maximum(x),
                    ArithmeticOps.thresholdBackward(x, y)));
            elements += assertSamePaths("broadcast row " + s, () -> List.of(x.maximum(row), row.minimum(x),
                    ArithmeticOps.thresholdBackward(x, row), ArithmeticOps.thresholdBackward(row, x)));
            elements += assertSamePaths("0-dim " + s, () -> List.of(x.maximum(zeroDim), x.minimum(zeroDim),
                    ArithmeticOps.thresholdBackward(x, zeroDim), ArithmeticOps.thresholdBackward(zeroDim, x)));
            if (shape.length >= 2) {
                int d = shape.length - 1;
                Tensor xt = x.transpose(0, d);
                Tensor yt = y.transpose(0, d);
                elements += assertSamePaths("transposed " + s, () -> List.of(xt.maximum(yt), xt.minimum(y.transpose(0, d)
                        .contiguous()), ArithmeticOps.thresholdBackward(xt, yt)));
            }
        }
        assertTrue(elements > 10_000, "only " + elements + " elements compared");
    }

    @Test
    void reluGradientsKeepTheOldBits() {
        Random rnd = new Random(5757);
        for (int[] shape : SHAPES) {
            Tensor x = values(rnd, shape);
            Tensor bias = values(rnd, shape[shape.length - 1]);
            Tensor upstream = values(rnd, shape);
            String s = java.util.Arrays.toString(shape);
            for (boolean inPlace : new boolean[] {true, false}) {
                assertSamePaths((inPlace ? "relu_ " : "relu ") + s, () -> {
                    Tensor xg = x.detach().requiresGrad_(true);
                    Tensor bg = bias.detach().requiresGrad_(true);
                    Tensor h = xg.add(bg);
                    Tensor r = inPlace ? h.relu_() : h.relu();
                    r.backward(upstream);
                    return List.of(r.detach(), xg.grad(), bg.grad());
                });
            }
        }
    }
}
