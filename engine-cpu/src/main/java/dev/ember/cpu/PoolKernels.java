package dev.ember.cpu;

import dev.ember.backend.Layout;
import dev.ember.backend.Pool2dParams;


/** Max and average pooling over contiguous NCHW tensors, one (n, c) plane per step, planes in parallel. */
final class PoolKernels {
    private static final ElementwiseKernels.FloatLoops LOOPS = ElementwiseKernels.loops();

    private PoolKernels() {
    }

    static void maxForward(CpuStorage in, Layout li, CpuStorage out, CpuStorage idx, Layout lo, Pool2dParams p) {
        int[] is = li.shape();
        int[] os = lo.shape();
        int h = is[2];
        int w = is[3];
        int oh = os[2];
        int ow = os[3];
        // int64 flat indices, or uint8 codes of the position in the window (Backend.maxPoolWindowCodes)
        long[] ind = idx == null || idx.dtype == dev.ember.DType.UINT8 ? null : (long[]) idx.array;
        byte[] codes = idx != null && idx.dtype == dev.ember.DType.UINT8 ? (byte[]) idx.array : null;
        if (in.dtype == dev.ember.DType.FLOAT32) {
            float[] x = (float[]) in.array;
            float[] o = (float[]) out.array;
            boolean plain2x2 = p.kernelH() == 2 && p.kernelW() == 2 && p.strideH() == 2 && p.strideW() == 2
                    && p.padH() == 0 && p.padW() == 0 && p.dilationH() == 1 && p.dilationW() == 1
                    && 2 * oh <= h && 2 * ow <= w;
            CpuThreads.forEach(is[0] * is[1], plane -> {
                int src = li.offset() + plane * h * w;
                int dst = lo.offset() + plane * oh * ow;
                if (plain2x2 && idx == null) {
                    maxPlane2x2Values(x, src, w, o, dst, oh, ow);
                } else if (plain2x2) {
                    maxPlane2x2(x, src, w, o, ind, codes, dst, oh, ow);
                } else {
                    maxPlane(x, src, h, w, o, ind, codes, dst, oh, ow, p);
                }
            });
            return;
        }
        CpuThreads.forEach(is[0] * is[1], plane -> {
            int src = li.offset() + plane * h * w;
            int dst = lo.offset() + plane * oh * ow;
            for (int y = 0; y < oh; y++) {
                int y0 = y * p.strideH() - p.padH();
                for (int x = 0; x < ow; x++) {
                    int x0 = x * p.strideW() - p.padW();
                    double best = Double.NEGATIVE_INFINITY;
                    int bestAt = -1;
                    int bestCode = 0;
                    for (int ki = 0; ki < p.kernelH(); ki++) {
                        int iy = y0 + ki * p.dilationH();
                        if (iy < 0 || iy >= h) {
                            continue;
                        }
                        for (int kj = 0; kj < p.kernelW(); kj++) {
                            int ix = x0 + kj * p.dilationW();
                            if (ix < 0 || ix >= w) {
                                continue;
                            }
                            double v = in.getDouble(src + iy * w + ix);
                            if (bestAt < 0 || v > best || Double.isNaN(v)) {
                                best = v;
                                bestAt = iy * w + ix;
                                bestCode = ki * p.kernelW() + kj;
                            }
                        }
                    }
                    out.setDouble(dst + y * ow + x, best);
                    if (ind != null) {
                        ind[dst + y * ow + x] = bestAt;
                    } else if (codes != null) {
                        codes[dst + y * ow + x] = (byte) bestCode;
                    }
                }
            }
        });
    }

    /**
     * One float plane, any window: the first maximum wins ties and the window's last NaN wins over everything, as
     * PyTorch's kernel takes a value when {@code (val > maxval) || isnan(val)} (the generic path's rule, which the
     * tests pin to PyTorch's gradients; until session 38 the first NaN won here, and a window holding two NaNs sent its
     * gradient to another position than PyTorch's and than Ember's 3-d and adaptive pooling).
     */
    private static void maxPlane(float[] x, int src, int h, int w, float[] o, long[] ind, byte[] codes, int dst, int oh,
                                 int ow, Pool2dParams p) {
        for (int y = 0; y < oh; y++) {
            int y0 = y * p.strideH() - p.padH();
            for (int xo = 0; xo < ow; xo++) {
                int x0 = xo * p.strideW() - p.padW();
                float best = Float.NEGATIVE_INFINITY;
                int bestAt = -1;
                int bestCode = 0;
                for (int ki = 0; ki < p.kernelH(); ki++) {
                    int iy = y0 + ki * p.dilationH();
                    if (iy < 0 || iy >= h) {
                        continue;
                    }
                    for (int kj = 0; kj < p.kernelW(); kj++) {
                        int ix = x0 + kj * p.dilationW();
                        if (ix < 0 || ix >= w) {
                            continue;
                        }
                        float v = x[src + iy * w + ix];
                        if (bestAt < 0 || v > best || v != v) {
                            best = v;
                            bestAt = iy * w + ix;
                            bestCode = ki * p.kernelW() + kj;
                        }
                    }
                }
                o[dst + y * ow + xo] = best;
                if (ind != null) {
                    ind[dst + y * ow + xo] = bestAt;
                } else if (codes != null) {
                    codes[dst + y * ow + xo] = (byte) bestCode;
                }
            }
        }
    }

    /**
     * The common 2x2, stride 2 window without padding, unrolled and without data-dependent branches: a tree of
     * selections (each later candidate wins only when strictly greater, so the first maximum keeps ties), where the
     * scan's compare-and-branch mispredicted on half the windows of random data. A window holding a NaN takes the
     * general rule.
     */
    private static void maxPlane2x2(float[] x, int src, int w, float[] o, long[] ind, byte[] codes, int dst, int oh,
                                    int ow) {
        for (int y = 0; y < oh; y++) {
            int r0 = src + 2 * y * w;
            int r1 = r0 + w;
            int out = dst + y * ow;
            int base = 2 * y * w;
            int done = LOOPS == null ? 0 : LOOPS.maxPool2x2Row(x, r0, w, o, out, ind, codes, base, ow);
            for (int xo = done; xo < ow; xo++) {
                int c = 2 * xo;
                float a = x[r0 + c];
                float b = x[r0 + c + 1];
                float d = x[r1 + c];
                float e = x[r1 + c + 1];
                if (a != a || b != b || d != d || e != e) {
                    maxWindowWithNaN(a, b, d, e, base + c, w, o, ind, codes, out + xo);
                    continue;
                }
                // selections as integer arithmetic on 0/1 flags and the values' bits: the JIT compiled float
                // ternaries into branches again (73 ms against 20 ms single-threaded for the benchmark's input)
                int ab = Float.floatToRawIntBits(a);
                int bb = Float.floatToRawIntBits(b);
                int db = Float.floatToRawIntBits(d);
                int eb = Float.floatToRawIntBits(e);
                int s0 = b > a ? 1 : 0;
                int s1 = e > d ? 1 : 0;
                int m0 = ab + s0 * (bb - ab);
                int m1 = db + s1 * (eb - db);
                int second = Float.intBitsToFloat(m1) > Float.intBitsToFloat(m0) ? 1 : 0;
                o[out + xo] = Float.intBitsToFloat(m0 + second * (m1 - m0));
                if (codes != null) {
                    // the window's positions: 0 1 / 2 3
                    codes[out + xo] = (byte) (s0 + second * (2 + s1 - s0));
                } else {
                    ind[out + xo] = base + c + s0 + second * (w + s1 - s0);
                }
            }
        }
    }

    /**
     * {@link #maxPlane2x2} without indices. {@code Math.max} already gives the rule's value (NaN wins; among equal
     * numbers any is the same value) except for a tie of -0 and +0, where the rule keeps the first one's sign: a zero
     * maximum takes the scan (twice as fast as the bit selections the indexed kernel needs).
     */
    private static void maxPlane2x2Values(float[] x, int src, int w, float[] o, int dst, int oh, int ow) {
        for (int y = 0; y < oh; y++) {
            int r0 = src + 2 * y * w;
            int r1 = r0 + w;
            int out = dst + y * ow;
            int done = LOOPS == null ? 0 : LOOPS.maxPool2x2Row(x, r0, w, o, out, null, null, 0, ow);
            for (int xo = done; xo < ow; xo++) {
                int c = 2 * xo;
                float a = x[r0 + c];
                float b = x[r0 + c + 1];
                float d = x[r1 + c];
                float e = x[r1 + c + 1];
                float m = Math.max(Math.max(a, b), Math.max(d, e));
                if (m == 0f) {
                    m = a;
                    m = b > m ? b : m;
                    m = d > m ? d : m;
                    m = e > m ? e : m;
                }
                o[out + xo] = m;
            }
        }
    }

    private static void maxWindowWithNaN(float a, float b, float d, float e, int at0, int w, float[] o, long[] ind,
                                         byte[] codes, int out) {
        float[] v = {a, b, d, e};
        int[] at = {at0, at0 + 1, at0 + w, at0 + w + 1};
        float best = a;
        int bestI = 0;
        for (int i = 1; i < 4; i++) {
            if (v[i] > best || v[i] != v[i]) {
                best = v[i];
                bestI = i;
            }
        }
        o[out] = best;
        if (codes != null) {
            codes[out] = (byte) bestI;
        } else {
            ind[out] = at[bestI];
        }
    }

    /**
     * Writes the whole input gradient (it arrives uninitialized). Windows that cannot overlap (stride at least the
     * kernel, no dilation) write each pair of input rows once: zeros, then each window's gradient at its maximum,
     * while the rows are in L1. Otherwise the plane is zero-filled and the gradients are added at their maxima.
     */
    static void maxBackward(CpuStorage gy, CpuStorage idx, Layout lo, CpuStorage gx, Layout li, Pool2dParams p) {
        int[] is = li.shape();
        int[] os = lo.shape();
        int h = is[2];
        int w = is[3];
        int hw = h * w;
        int oh = os[2];
        int ow = os[3];
        int ohw = oh * ow;
        Positions at = new Positions(idx, p, w, ow);
        boolean disjoint = p.strideH() >= p.kernelH() && p.strideW() >= p.kernelW()
                && p.dilationH() == 1 && p.dilationW() == 1;
        if (gy.dtype == dev.ember.DType.FLOAT32) {
            float[] g = (float[]) gy.array;
            float[] d = (float[]) gx.array;
            // 2x2 windows inside the input: the vector loops write both input rows of a window row whole
            boolean rowPairs = LOOPS != null && at.codes != null && at.twoByTwo && 2 * oh <= h && 2 * ow <= w;
            CpuThreads.forEach(is[0] * is[1], plane -> {
                int dst = li.offset() + plane * hw;
                int src = lo.offset() + plane * ohw;
                if (disjoint) {
                    // output row y's windows only reach input rows [y*sH - pH, y*sH - pH + kH), and those rows move
                    // forward with y without overlapping: clear each band of rows just before its scatter
                    int cleared = 0;
                    for (int y = 0; y < oh; y++) {
                        if (rowPairs && LOOPS.maxPool2x2RowBackward(g, src + y * ow, at.codes, d, dst + 2 * y * w, w, ow)) {
                            // rows 2y and 2y + 1 written but for an odd width's last column (cleared is 2y here)
                            for (int c = 2 * ow; c < w; c++) {
                                d[dst + 2 * y * w + c] = 0f;
                                d[dst + (2 * y + 1) * w + c] = 0f;
                            }
                            cleared = 2 * y + 2;
                            continue;
                        }
                        int bandEnd = Math.min(h, Math.max(cleared, y * p.strideH() - p.padH() + p.kernelH()));
                        java.util.Arrays.fill(d, dst + cleared * w, dst + bandEnd * w, 0f);
                        cleared = bandEnd;
                        int row = src + y * ow;
                        if (at.codes != null && at.twoByTwo) {
                            // 2x2 windows, stride 2, no padding: code c is at (2y + c / 2, 2x + c % 2)
                            int top = dst + 2 * y * w;
                            for (int i = 0; i < ow; i++) {
                                int c = at.codes[row + i];
                                d[top + (c >> 1) * w + 2 * i + (c & 1)] += g[row + i];
                            }
                            continue;
                        }
                        for (int i = 0; i < ow; i++) {
                            int k = at.of(row + i, y, i);
                            if (k >= 0) {
                                d[dst + k] += g[row + i];
                            }
                        }
                    }
                    java.util.Arrays.fill(d, dst + cleared * w, dst + hw, 0f);
                    return;
                }
                java.util.Arrays.fill(d, dst, dst + hw, 0f);
                for (int i = 0; i < ohw; i++) {
                    int k = at.of(src + i, i / ow, i % ow);
                    if (k >= 0) {
                        d[dst + k] += g[src + i];
                    }
                }
            });
            return;
        }
        CpuThreads.forEach(is[0] * is[1], plane -> {
            int dst = li.offset() + plane * hw;
            int src = lo.offset() + plane * ohw;
            for (int i = 0; i < hw; i++) {
                gx.setDouble(dst + i, 0.0);
            }
            for (int i = 0; i < ohw; i++) {
                int k = at.of(src + i, i / ow, i % ow);
                if (k >= 0) {
                    gx.setDouble(dst + k, gx.getDouble(dst + k) + gy.getDouble(src + i));
                }
            }
        });
    }

    /** Where each maximum lies in its plane, from int64 flat indices or from uint8 window codes. */
    private static final class Positions {
        final long[] ind;
        final byte[] codes;
        final Pool2dParams p;
        final int w;
        /** The 2x2, stride 2, unpadded window, whose codes the backward turns into positions inline. */
        final boolean twoByTwo;

        Positions(CpuStorage idx, Pool2dParams p, int w, int ow) {
            boolean isCodes = idx.dtype == dev.ember.DType.UINT8;
            this.ind = isCodes ? null : (long[]) idx.array;
            this.codes = isCodes ? (byte[]) idx.array : null;
            this.p = p;
            this.w = w;
            this.twoByTwo = p.kernelH() == 2 && p.kernelW() == 2 && p.strideH() == 2 && p.strideW() == 2
                    && p.padH() == 0 && p.padW() == 0 && p.dilationH() == 1 && p.dilationW() == 1;
        }

        /** The flat position in its plane of the maximum stored at {@code i}, for output (y, x). */
        int of(int i, int y, int x) {
            if (codes == null) {
                return (int) ind[i];
            }
            int c = codes[i] & 0xFF;
            int ki = c / p.kernelW();
            int kj = c - ki * p.kernelW();
            return (y * p.strideH() - p.padH() + ki * p.dilationH()) * w + x * p.strideW() - p.padW()
                    + kj * p.dilationW();
        }
    }

    /** The divisor of the window at output (y, x), as PyTorch's avg_pool2d. */
    private static int divisor(Pool2dParams p, int h, int w, int y, int x) {
        int hstart = y * p.strideH() - p.padH();
        int wstart = x * p.strideW() - p.padW();
        int hend = Math.min(hstart + p.kernelH(), h + p.padH());
        int wend = Math.min(wstart + p.kernelW(), w + p.padW());
        int poolSize = (hend - hstart) * (wend - wstart);
        if (p.countIncludePad()) {
            return poolSize;
        }
        hstart = Math.max(hstart, 0);
        wstart = Math.max(wstart, 0);
        hend = Math.min(hend, h);
        wend = Math.min(wend, w);
        return (hend - hstart) * (wend - wstart);
    }

    static void avgForward(CpuStorage in, Layout li, CpuStorage out, Layout lo, Pool2dParams p) {
        int[] is = li.shape();
        int[] os = lo.shape();
        int h = is[2];
        int w = is[3];
        int oh = os[2];
        int ow = os[3];
        CpuThreads.forEach(is[0] * is[1], plane -> {
            int src = li.offset() + plane * h * w;
            int dst = lo.offset() + plane * oh * ow;
            for (int y = 0; y < oh; y++) {
                for (int x = 0; x < ow; x++) {
                    int hs = y * p.strideH() - p.padH();
                    int ws = x * p.strideW() - p.padW();
                    double sum = 0;
                    for (int iy = Math.max(hs, 0); iy < Math.min(hs + p.kernelH(), h); iy++) {
                        for (int ix = Math.max(ws, 0); ix < Math.min(ws + p.kernelW(), w); ix++) {
                            sum += in.getDouble(src + iy * w + ix);
                        }
                    }
                    out.setDouble(dst + y * ow + x, sum / divisor(p, h, w, y, x));
                }
            }
        });
    }

    static void avgBackward(CpuStorage gy, Layout lo, CpuStorage gx, Layout li, Pool2dParams p) {
        int[] is = li.shape();
        int[] os = lo.shape();
        int h = is[2];
        int w = is[3];
        int oh = os[2];
        int ow = os[3];
        CpuThreads.forEach(is[0] * is[1], plane -> {
            int dst = li.offset() + plane * h * w;
            int src = lo.offset() + plane * oh * ow;
            for (int i = 0; i < h * w; i++) {
                gx.setDouble(dst + i, 0);
            }
            for (int y = 0; y < oh; y++) {
                for (int x = 0; x < ow; x++) {
                    int hs = y * p.strideH() - p.padH();
                    int ws = x * p.strideW() - p.padW();
                    double g = gy.getDouble(src + y * ow + x) / divisor(p, h, w, y, x);
                    for (int iy = Math.max(hs, 0); iy < Math.min(hs + p.kernelH(), h); iy++) {
                        for (int ix = Math.max(ws, 0); ix < Math.min(ws + p.kernelW(), w); ix++) {
                            gx.setDouble(dst + iy * w + ix, gx.getDouble(dst + iy * w + ix) + g);
                        }
                    }
                }
            }
        });
    }
}
