package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The direct convolution's rearranged weights (packed, flipped) and the weight gradient's per-chunk partial sums in
 * buffers kept between calls (session 54) give the bits of new arrays each call ({@code
 * -Dember.cpu.convWeightsNewArrays=true}): output and the three gradients, over shapes that take the direct forward,
 * the direct input gradient, the input gradient as a forward pass of the flipped weights and the direct weight
 * gradient, run from the largest weights to the smallest (so a kept buffer longer than the call's weights, with
 * another layer's values in it, is reused), at one to three threads.
 */
class ConvWeightBuffersTest {
    /** n, c, h, w, o, k, padding. */
    private static final int[][] SHAPES = {
        {2, 64, 20, 20, 64, 3, 1}, {4, 64, 6, 6, 64, 3, 1}, {3, 32, 9, 7, 32, 3, 0}, {2, 16, 24, 24, 32, 3, 1},
        {5, 8, 4, 4, 16, 3, 1}, {2, 64, 4, 4, 64, 3, 1}};

    @Test
    void keptBuffersGiveTheBitsOfNewArrays() {
        int before = CpuThreads.threads();
        try {
            for (int threads : new int[] {1, 2, 3}) {
                CpuThreads.setThreads(threads);
                List<int[]> kept = run(false);
                List<int[]> fresh = run(true);
                for (int i = 0; i < fresh.size(); i++) {
                    assertArrayEquals(fresh.get(i), kept.get(i), "shape " + java.util.Arrays.toString(SHAPES[i / 4])
                            + " result " + i % 4 + " at " + threads + " threads");
                }
            }
        } finally {
            CpuThreads.setThreads(before);
        }
    }

    private static List<int[]> run(boolean fresh) {
        System.setProperty("ember.cpu.convWeightsNewArrays", String.valueOf(fresh));
        try {
            List<int[]> out = new ArrayList<>();
            for (int[] s : SHAPES) {
                Generator g = new Generator(54);
                Tensor x = Tensor.randn(g, DType.FLOAT32, s[0], s[1], s[2], s[3]).requiresGrad_(true);
                Tensor w = Tensor.randn(g, DType.FLOAT32, s[4], s[1], s[5], s[5]).mul(0.1).requiresGrad_(true);
                Tensor b = Tensor.randn(g, DType.FLOAT32, s[4]).requiresGrad_(true);
                Tensor y = Functional.conv2d(x, w, b, new int[] {1}, new int[] {s[6]}, new int[] {1}, 1);
                y.backward(Tensor.randn(g, DType.FLOAT32, y.shape()));
                for (Tensor t : new Tensor[] {y.detach(), x.grad(), w.grad(), b.grad()}) {
                    float[] v = t.toFloatArray();
                    int[] bits = new int[v.length];
                    for (int i = 0; i < v.length; i++) {
                        bits[i] = Float.floatToRawIntBits(v[i]);
                    }
                    out.add(bits);
                }
            }
            return out;
        } finally {
            System.clearProperty("ember.cpu.convWeightsNewArrays");
        }
    }
}
