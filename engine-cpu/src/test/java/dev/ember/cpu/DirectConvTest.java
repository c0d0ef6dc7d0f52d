package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.backend.Conv2dParams;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The direct float32 convolution (forward, input and weight gradients, bias) against the float64 path, which lowers to
 * the GEMM (checked against PyTorch elsewhere), on the shapes the direct kernels take: padding, groups, rectangular
 * kernels, rows wider than a vector, fewer (ci, ki, kj) than one 8-wide block, inputs at an offset, two blocks of
 * output channels at a time, an image past the input gradient's pixel limit (whose input gradient, with whole vectors of
 * input channels, runs as a forward pass of the flipped weights over the padded output gradient).
 */
class DirectConvTest {
    /** n, c, h, w, o, kh, kw, padH, padW, groups. */
    private static final int[][] SHAPES = {
        {5, 6, 14, 14, 16, 5, 5, 0, 0, 1},   // LeNet's second convolution
        {3, 3, 9, 21, 32, 3, 3, 1, 1, 1},    // rows wider than 16 floats, padding
        {2, 4, 7, 5, 32, 3, 2, 0, 1, 1},     // a rectangular kernel, padding on one axis
        {2, 6, 8, 8, 32, 1, 1, 0, 0, 2},     // groups; 3 (ci, ki, kj) per group
        {1, 9, 6, 6, 16, 3, 3, 2, 2, 1},     // padding wider than the kernel's half
        {4, 1, 12, 12, 16, 5, 5, 2, 2, 1},   // one input channel
        {3, 5, 11, 3, 48, 4, 3, 0, 0, 1},    // 48 channels: three 16-wide or six 8-wide blocks
        {2, 5, 24, 23, 32, 3, 3, 1, 1, 1},   // 552 output pixels: direct forward and weight gradient only
        {2, 3, 10, 13, 32, 3, 5, 1, 2, 1},   // the 5-wide row kernel on two blocks, rows of 13: 8 + 5 pixels
        {2, 2, 9, 17, 48, 3, 3, 0, 0, 1},    // the 3-wide row kernel on a pair and a single block, rows of 15
        {3, 2, 5, 10, 16, 3, 3, 0, 1, 1},    // rows of exactly 8 pixels: no pixel kernel at all
        {2, 32, 22, 21, 32, 3, 3, 1, 1, 1},  // 462 pixels, 32 input channels: the input gradient as a forward pass
        {1, 64, 24, 20, 64, 3, 3, 1, 0, 2},  // the same with groups and padding on one axis only
        {3, 32, 4, 4, 32, 3, 3, 1, 1, 1},    // ResNet's last stage in small: 16 pixels, input gradient as a forward
        {2, 16, 9, 7, 32, 5, 3, 2, 1, 1},    // 63 pixels, 16 input channels, a rectangular kernel: the same
    };

    @Test
    void matchesTheFloat64GemmPath() {
        matchFloat64();
    }

    /**
     * {@code -Dember.cpu.directInputGrad=true}: the input gradients of at most {@link DirectConv#MAX_PIXELS} pixels
     * with whole vectors of input channels go back to the direct input-gradient kernel (before session 53), still
     * right; and the property is read at each call.
     */
    @Test
    void directInputGradientKernelStillMatches() {
        DirectConv direct = DirectConv.get();
        assertNotNull(direct);
        ConvKernels.Geom small = new ConvKernels.Geom(new int[] {3, 32, 4, 4}, new int[] {32, 32, 3, 3},
                new int[] {3, 32, 4, 4}, new Conv2dParams(1, 1, 1, 1, 1, 1, 1));
        assertTrue(direct.inputGradAsForward(small));
        System.setProperty("ember.cpu.directInputGrad", "true");
        try {
            assertFalse(direct.inputGradAsForward(small));
            matchFloat64();
        } finally {
            System.clearProperty("ember.cpu.directInputGrad");
        }
    }

    private static void matchFloat64() {
        DirectConv direct = DirectConv.get();
        assertNotNull(direct, "the tests run with jdk.incubator.vector (the surefire argLine adds it)");
        Generator g = new Generator(11);
        for (int[] sh : SHAPES) {
            int n = sh[0], c = sh[1], h = sh[2], w = sh[3], o = sh[4], kh = sh[5], kw = sh[6], ph = sh[7], pw = sh[8];
            int groups = sh[9];
            Conv2dParams p = new Conv2dParams(1, 1, ph, pw, 1, 1, groups);
            int oh = p.outH(h, kh);
            int ow = p.outW(w, kw);
            ConvKernels.Geom geom = new ConvKernels.Geom(new int[] {n, c, h, w}, new int[] {o, c / groups, kh, kw},
                    new int[] {n, o, oh, ow}, p);
            assertTrue(direct.appliesForward(geom), java.util.Arrays.toString(sh));
            assertEquals(oh * ow <= DirectConv.MAX_PIXELS, direct.applies(geom), java.util.Arrays.toString(sh));
            if (!direct.applies(geom) && (c / groups) % direct.lanes() == 0) {
                assertTrue(direct.appliesForward(ConvKernels.transposed(geom)), java.util.Arrays.toString(sh));
            }
            // an input at an offset in its storage: the second half of a larger tensor
            Tensor x64 = Tensor.randn(g, DType.FLOAT64, 2 * n, c, h, w).narrow(0, n, n);
            Tensor w64 = Tensor.randn(g, DType.FLOAT64, o, c / groups, kh, kw).mul(0.3);
            Tensor b64 = Tensor.randn(g, DType.FLOAT64, o);
            Tensor gy64 = Tensor.randn(g, DType.FLOAT64, n, o, oh, ow);
            Tensor[] ref = run(x64, w64, b64, gy64, ph, pw, groups);
            Tensor[] got = run(x64.to(DType.FLOAT32), w64.to(DType.FLOAT32), b64.to(DType.FLOAT32),
                    gy64.to(DType.FLOAT32), ph, pw, groups);
            String[] names = {"output", "input gradient", "weight gradient", "bias gradient"};
            for (int i = 0; i < ref.length; i++) {
                assertClose(ref[i].toDoubleArray(), got[i].toDoubleArray(),
                        java.util.Arrays.toString(sh) + " " + names[i]);
            }
        }
    }

    /**
     * The forward pass gives the bits of the plain sequential sum, bias first, then each (ci, ki, kj) in turn by a
     * fused multiply-add, whichever kernel (row, pair or pixel) takes a pixel: the kernels differ only in how they
     * load, never in what they add or in which order.
     */
    @Test
    void forwardIsTheSequentialFusedSum() {
        Generator g = new Generator(12);
        for (int[] sh : SHAPES) {
            int n = sh[0], c = sh[1], h = sh[2], w = sh[3], o = sh[4], kh = sh[5], kw = sh[6], ph = sh[7], pw = sh[8];
            int groups = sh[9];
            int cg = c / groups;
            int og = o / groups;
            Tensor x = Tensor.randn(g, DType.FLOAT32, n, c, h, w);
            Tensor wt = Tensor.randn(g, DType.FLOAT32, o, cg, kh, kw).mul(0.3);
            Tensor b = Tensor.randn(g, DType.FLOAT32, o);
            float[] y = Tensor.conv2d(x, wt, b, new int[] {1, 1}, new int[] {ph, pw}, new int[] {1, 1}, groups)
                    .toFloatArray();
            float[] xs = x.toFloatArray();
            float[] ws = wt.toFloatArray();
            float[] bs = b.toFloatArray();
            int oh = h + 2 * ph - kh + 1;
            int ow = w + 2 * pw - kw + 1;
            for (int ni = 0; ni < n; ni++) {
                for (int oc = 0; oc < o; oc++) {
                    int gi = oc / og;
                    for (int oy = 0; oy < oh; oy++) {
                        for (int ox = 0; ox < ow; ox++) {
                            float acc = bs[oc];
                            for (int ci = 0; ci < cg; ci++) {
                                for (int ki = 0; ki < kh; ki++) {
                                    for (int kj = 0; kj < kw; kj++) {
                                        int iy = oy + ki - ph;
                                        int ix = ox + kj - pw;
                                        float xv = iy < 0 || iy >= h || ix < 0 || ix >= w ? 0f
                                                : xs[((ni * c + gi * cg + ci) * h + iy) * w + ix];
                                        acc = Math.fma(xv, ws[((oc * cg + ci) * kh + ki) * kw + kj], acc);
                                    }
                                }
                            }
                            int at = ((ni * o + oc) * oh + oy) * ow + ox;
                            if (Float.floatToIntBits(acc) != Float.floatToIntBits(y[at])) {
                                throw new AssertionError(java.util.Arrays.toString(sh) + " output (" + ni + ", " + oc
                                        + ", " + oy + ", " + ox + "): expected " + acc + " got " + y[at]);
                            }
                        }
                    }
                }
            }
        }
    }

    private static Tensor[] run(Tensor x, Tensor w, Tensor b, Tensor gy, int ph, int pw, int groups) {
        Tensor xl = x.detach().requiresGrad_(true);
        Tensor wl = w.detach().requiresGrad_(true);
        Tensor bl = b.detach().requiresGrad_(true);
        Tensor y = Tensor.conv2d(xl, wl, bl, new int[] {1, 1}, new int[] {ph, pw}, new int[] {1, 1}, groups);
        y.backward(gy);
        return new Tensor[] {y.detach(), xl.grad(), wl.grad(), bl.grad()};
    }

    private static void assertClose(double[] expect, double[] got, String what) {
        assertEquals(expect.length, got.length, what);
        double scale = 0;
        for (double v : expect) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < expect.length; i++) {
            if (Math.abs(expect[i] - got[i]) > 1e-5 * scale + 1e-6) {
                throw new AssertionError(what + " at " + i + ": expected " + expect[i] + " got " + got[i]);
            }
        }
    }
}
