package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.MemoryFormat;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 62's float32 channels-last and [N, C] input gradient in packed rows
 * ({@link ElementwiseKernels.FloatLoops#batchNormGradRowsFloat}, one call per task) gives the bits of a call of
 * {@link ElementwiseKernels.FloatLoops#batchNormGradRowFloat} per position ({@code -Dember.cpu.batchNorm.oldGradRows=true}):
 * the kernel against the per-row kernel, and batch norm's output, running statistics and three gradients through both,
 * over channel counts around the vector sizes and positions per channel of 1 and 2 and more.
 */
class BatchNormGradRowsTest {
    private static final int[] CHANNELS = {1, 3, 7, 8, 9, 17, 64, 65};

    @Test
    void rowsAreTheRowKernelPerRow() {
        ElementwiseKernels.FloatLoops loops = ElementwiseKernels.loops();
        assertNotNull(loops, "the Vector API loops are not loaded");
        Random rnd = new Random(62);
        int checked = 0;
        for (int n : CHANNELS) {
            for (int rows : new int[] {0, 1, 2, 5, 9}) {
                for (boolean fused : new boolean[] {true, false}) {
                    for (boolean training : new boolean[] {true, false}) {
                        int xo = 3;
                        int go = 1;
                        int oo = 5;
                        float[] x = new float[xo + rows * n];
                        float[] g = new float[go + rows * n + 2];
                        for (int i = 0; i < x.length; i++) {
                            x[i] = (float) rnd.nextGaussian() * 3;
                        }
                        for (int i = 0; i < g.length; i++) {
                            g[i] = (float) rnd.nextGaussian();
                        }
                        float[] m = new float[n];
                        float[] k = new float[n];
                        float[] gm = new float[n];
                        float[] r = new float[n];
                        float[] w = new float[n];
                        for (int c = 0; c < n; c++) {
                            m[c] = (float) rnd.nextGaussian();
                            k[c] = (float) rnd.nextGaussian() / 4;
                            gm[c] = (float) rnd.nextGaussian() / 8;
                            r[c] = 0.5f + rnd.nextFloat();
                            w[c] = (float) rnd.nextGaussian();
                        }
                        float[] expected = new float[oo + rows * n + 4];
                        Arrays.fill(expected, -1.5f);
                        float[] got = expected.clone();
                        for (int row = 0; row < rows; row++) {
                            loops.batchNormGradRowFloat(fused, training, x, xo + row * n, g, go + row * n, m, k, gm, r,
                                    w, expected, oo + row * n, n);
                        }
                        loops.batchNormGradRowsFloat(fused, training, x, xo, g, go, m, k, gm, r, w, got, oo, n, rows);
                        String what = "n " + n + " rows " + rows + " fused " + fused + " training " + training;
                        assertArrayEquals(bits(expected), bits(got), what);
                        if (rows > 0) {
                            assertTrue(got[oo] != -1.5f, "written: " + what);
                        }
                        checked++;
                    }
                }
            }
        }
        assertEquals(CHANNELS.length * 5 * 4, checked);
    }

    /**
     * Batch norm through the packed rows and a call per position, the same bits: channels-last [N, C, H, W] and
     * [N, C], the channel counts of {@link #CHANNELS}, positions per channel (N * H * W) of 1, 2, 9, 300 and 4,100,
     * training and eval, with and without the affine parameters and the running statistics, on 1 and 2 threads (rows
     * split between tasks); one position in training is PyTorch's error either way.
     */
    @Test
    void batchNormKeepsItsBits() {
        int before = Ember.getNumThreads();
        int compared = 0;
        try {
            for (int threads : new int[] {1, 2}) {
                Ember.setNumThreads(threads);
                for (int c : CHANNELS) {
                    // {n, h, w} (h 0: an [n, c] input)
                    int[][] shapes = {{1, 0, 0}, {2, 0, 0}, {1, 1, 2}, {2, 1, 1}, {1, 3, 3}, {300, 0, 0}, {3, 10, 10},
                        {4100, 0, 0}, {4, 25, 41}};
                    for (int[] sh : shapes) {
                        for (boolean training : new boolean[] {true, false}) {
                            for (boolean affine : new boolean[] {true, false}) {
                                for (boolean running : new boolean[] {true, false}) {
                                    if (!training && !running) {
                                        continue;
                                    }
                                    String what = "C " + c + " " + Arrays.toString(sh) + " threads " + threads
                                            + " training " + training + " affine " + affine + " running " + running;
                                    List<float[]> packed = run(c, sh, training, affine, running, false);
                                    List<float[]> perRow = run(c, sh, training, affine, running, true);
                                    assertEquals(perRow.size(), packed.size(), what);
                                    for (int i = 0; i < packed.size(); i++) {
                                        assertArrayEquals(bits(perRow.get(i)), bits(packed.get(i)),
                                                what + " result " + i);
                                    }
                                    compared++;
                                }
                            }
                        }
                    }
                }
            }
        } finally {
            Ember.setNumThreads(before);
        }
        assertEquals(2 * CHANNELS.length * 9 * 6, compared);
    }

    /** A float64 batch norm (not on these paths) is the same with and without the property. */
    @Test
    void float64IsUnchanged() {
        for (int c : new int[] {3, 17, 64}) {
            List<double[]> now = runDouble(c, false);
            List<double[]> old = runDouble(c, true);
            assertEquals(old.size(), now.size());
            for (int i = 0; i < now.size(); i++) {
                assertArrayEquals(old.get(i), now.get(i), "C " + c + " result " + i);
            }
        }
    }

    private static List<double[]> runDouble(int c, boolean oldRows) {
        System.setProperty("ember.cpu.batchNorm.oldGradRows", String.valueOf(oldRows));
        try {
            Generator g = new Generator(62);
            Tensor x = Tensor.randn(g, DType.FLOAT64, 6, c, 5, 7).contiguous(MemoryFormat.CHANNELS_LAST)
                    .requiresGrad_(true);
            Tensor w = Tensor.randn(g, DType.FLOAT64, c).requiresGrad_(true);
            Tensor b = Tensor.randn(g, DType.FLOAT64, c).requiresGrad_(true);
            Tensor rm = Tensor.zeros(DType.FLOAT64, c);
            Tensor rv = Tensor.ones(DType.FLOAT64, c);
            Tensor y = Functional.batchNorm(x, rm, rv, w, b, true, 0.1, 1e-5);
            y.backward(Tensor.randn(g, DType.FLOAT64, y.shape()).contiguous(MemoryFormat.CHANNELS_LAST));
            List<double[]> out = new ArrayList<>();
            out.add(y.detach().toDoubleArray());
            out.add(rm.toDoubleArray());
            out.add(rv.toDoubleArray());
            out.add(x.grad().toDoubleArray());
            out.add(w.grad().toDoubleArray());
            out.add(b.grad().toDoubleArray());
            return out;
        } finally {
            System.clearProperty("ember.cpu.batchNorm.oldGradRows");
        }
    }

    /**
     * Forward and backward of a float32 batch norm over C channels and {@code sh} ({n, h, w}, or {n, 0, 0} for
     * [n, C]), channels-last with a channels-last upstream gradient: output, running statistics, input, weight and bias
     * gradients (those that exist), or the error's message as the one result.
     */
    private static List<float[]> run(int c, int[] sh, boolean training, boolean affine, boolean running,
                                     boolean oldRows) {
        System.setProperty("ember.cpu.batchNorm.oldGradRows", String.valueOf(oldRows));
        try {
            Generator g = new Generator(62);
            boolean flat = sh[1] == 0;
            int[] shape = flat ? new int[] {sh[0], c} : new int[] {sh[0], c, sh[1], sh[2]};
            Tensor x0 = Tensor.randn(g, DType.FLOAT32, shape).mul(3).add(1);
            x0 = spiked(x0);
            if (!flat) {
                x0 = x0.contiguous(MemoryFormat.CHANNELS_LAST);
            }
            Tensor x = x0.requiresGrad_(true);
            Tensor w = affine ? Tensor.randn(g, DType.FLOAT32, c).requiresGrad_(true) : null;
            Tensor b = affine ? Tensor.randn(g, DType.FLOAT32, c).requiresGrad_(true) : null;
            Tensor rm = running ? Tensor.randn(g, DType.FLOAT32, c) : null;
            Tensor rv = running ? Tensor.rand(g, DType.FLOAT32, c).add(0.5) : null;
            Tensor y;
            try {
                y = Functional.batchNorm(x, rm, rv, w, b, training, 0.1, 1e-5);
            } catch (RuntimeException e) {
                List<float[]> out = new ArrayList<>();
                out.add(bytes(e.getClass().getName() + ": " + e.getMessage()));
                return out;
            }
            Tensor gy = spiked(Tensor.randn(g, DType.FLOAT32, shape));
            if (!flat) {
                gy = gy.contiguous(MemoryFormat.CHANNELS_LAST);
            }
            y.backward(gy);
            List<float[]> out = new ArrayList<>();
            out.add(y.detach().toFloatArray());
            if (running) {
                out.add(rm.toFloatArray());
                out.add(rv.toFloatArray());
            }
            out.add(x.grad().toFloatArray());
            if (affine) {
                out.add(w.grad().toFloatArray());
                out.add(b.grad().toFloatArray());
            }
            return out;
        } finally {
            System.clearProperty("ember.cpu.batchNorm.oldGradRows");
        }
    }

    /** Large values at a few places, so that a change in the order of the sums shows in the float32 results. */
    private static Tensor spiked(Tensor t) {
        float[] a = t.toFloatArray();
        for (int i = 0; i < a.length; i += 37) {
            a[i] = i % 74 == 0 ? 0x1p30f : -0x1p30f;
        }
        return Tensor.tensor(a).reshape(t.shape());
    }

    private static float[] bytes(String s) {
        float[] out = new float[s.length()];
        for (int i = 0; i < s.length(); i++) {
            out[i] = s.charAt(i);
        }
        return out;
    }

    private static int[] bits(float[] a) {
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = Float.floatToRawIntBits(a[i]);
        }
        return out;
    }
}
