package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Batch norm's float32 path over the arrays themselves (session 53) gives the bits of the path through rows of doubles
 * ({@code -Dember.cpu.batchNormBuffers=true}): output, running statistics and the three gradients, in training and
 * eval, with and without the affine parameters, on NCHW and [N, C] inputs, one and two threads' chunks. (Its values
 * against PyTorch are held by the norm and module tests.)
 */
class BatchNormPathsTest {
    /** n, c, h, w (0: an [n, c] input). */
    private static final int[][] SHAPES = {{4, 8, 5, 7}, {3, 16, 8, 8}, {2, 3, 1, 1}, {16, 5, 0, 0}, {1, 4, 3, 2}};

    @Test
    void sameBitsAsTheBufferedPath() {
        for (int[] sh : SHAPES) {
            for (boolean training : new boolean[] {true, false}) {
                for (boolean affine : new boolean[] {true, false}) {
                    List<float[]> fast = run(sh, training, affine, false);
                    List<float[]> buffered = run(sh, training, affine, true);
                    assertEquals(buffered.size(), fast.size());
                    for (int i = 0; i < fast.size(); i++) {
                        assertArrayEquals(bits(buffered.get(i)), bits(fast.get(i)),
                                java.util.Arrays.toString(sh) + " training " + training + " affine " + affine
                                        + " result " + i);
                    }
                }
            }
        }
    }

    private static List<float[]> run(int[] sh, boolean training, boolean affine, boolean buffered) {
        System.setProperty("ember.cpu.batchNormBuffers", String.valueOf(buffered));
        try {
            Generator g = new Generator(53);
            int c = sh[1];
            Tensor x = (sh[2] == 0 ? Tensor.randn(g, DType.FLOAT32, sh[0], c)
                    : Tensor.randn(g, DType.FLOAT32, sh[0], c, sh[2], sh[3])).mul(3).add(1).requiresGrad_(true);
            Tensor w = affine ? Tensor.randn(g, DType.FLOAT32, c).requiresGrad_(true) : null;
            Tensor b = affine ? Tensor.randn(g, DType.FLOAT32, c).requiresGrad_(true) : null;
            Tensor runningMean = Tensor.randn(g, DType.FLOAT32, c);
            Tensor runningVar = Tensor.rand(g, DType.FLOAT32, c).add(0.5);
            Tensor y = Functional.batchNorm(x, runningMean, runningVar, w, b, training, 0.1, 1e-5);
            Tensor gy = Tensor.randn(g, DType.FLOAT32, y.shape());
            y.backward(gy);
            List<float[]> out = new ArrayList<>();
            out.add(y.detach().toFloatArray());
            out.add(runningMean.toFloatArray());
            out.add(runningVar.toFloatArray());
            out.add(x.grad().toFloatArray());
            if (affine) {
                out.add(w.grad().toFloatArray());
                out.add(b.grad().toFloatArray());
            }
            return out;
        } finally {
            System.clearProperty("ember.cpu.batchNormBuffers");
        }
    }

    private static int[] bits(float[] a) {
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = Float.floatToRawIntBits(a[i]);
        }
        return out;
    }
}
