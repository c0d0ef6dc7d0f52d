package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.backend.Layout;


/**
 * Adaptive pooling and bilinear upsampling over {@code [N, C, H, W]} layouts of any strides, one (n, c) plane per step,
 * planes in parallel. Windows, source indices and weights follow PyTorch's CPU kernels (AdaptivePooling.h's
 * {@code start_index}/{@code end_index}, UpSample.h's {@code area_pixel_compute_source_index}), computed in the
 * tensor's type as PyTorch's {@code opmath} type is for float and double; a plane's sums run in the same order as
 * PyTorch's loops.
 */
final class ResampleKernels {
    private ResampleKernels() {
    }

    /** The strided geometry of one 4-D operand. */
    private static final class Plane {
        final int n;
        final int c;
        final int h;
        final int w;
        final long sn;
        final long sc;
        final long sh;
        final long sw;
        final long offset;

        Plane(Layout l) {
            int[] s = l.shape();
            n = s[0];
            c = s[1];
            h = s[2];
            w = s[3];
            sn = l.stride(0);
            sc = l.stride(1);
            sh = l.stride(2);
            sw = l.stride(3);
            offset = l.offset();
        }

        /**
         * How many (n, c) planes hold elements: n * c, or 0 when a plane is empty (there is nothing to read or write,
         * and n * c alone may then exceed an int).
         */
        int planes() {
            return h == 0 || w == 0 ? 0 : n * c;
        }

        /** The offset of plane {@code p} (p = n * C + c). */
        long base(int p) {
            return offset + (p / c) * sn + (p % c) * sc;
        }

        boolean dense() {
            return sw == 1 && sh == w;
        }
    }

    /** PyTorch's {@code start_index(a, b, c)}: {@code floor(a * c / b)}. */
    static int start(int a, int b, int c) {
        return (int) ((long) a * c / b);
    }

    /** PyTorch's {@code end_index(a, b, c)}: {@code ceil((a + 1) * c / b)}. */
    static int end(int a, int b, int c) {
        return (int) (1 + ((long) (a + 1) * c - 1) / b);
    }

    // ------------------------------------------------------------------ adaptive average pooling

    static void adaptiveAvg(CpuStorage in, Layout li, CpuStorage out, Layout lo) {
        Plane x = new Plane(li);
        Plane y = new Plane(lo);
        int[] h0 = new int[y.h];
        int[] h1 = new int[y.h];
        int[] w0 = new int[y.w];
        int[] w1 = new int[y.w];
        windows(x, y, h0, h1, w0, w1);
        if (in.dtype == DType.FLOAT32) {
            float[] src = (float[]) in.array;
            float[] dst = (float[]) out.array;
            CpuThreads.forEach(y.planes(), p -> {
                long xb = x.base(p);
                long yb = y.base(p);
                for (int i = 0; i < y.h; i++) {
                    int kh = h1[i] - h0[i];
                    for (int j = 0; j < y.w; j++) {
                        int kw = w1[j] - w0[j];
                        float sum = 0;
                        for (int a = h0[i]; a < h1[i]; a++) {
                            long row = xb + a * x.sh;
                            for (int b = w0[j]; b < w1[j]; b++) {
                                sum += src[(int) (row + b * x.sw)];
                            }
                        }
                        dst[(int) (yb + i * y.sh + j * y.sw)] = sum / kh / kw;
                    }
                }
            });
        } else {
            double[] src = (double[]) in.array;
            double[] dst = (double[]) out.array;
            CpuThreads.forEach(y.planes(), p -> {
                long xb = x.base(p);
                long yb = y.base(p);
                for (int i = 0; i < y.h; i++) {
                    int kh = h1[i] - h0[i];
                    for (int j = 0; j < y.w; j++) {
                        int kw = w1[j] - w0[j];
                        double sum = 0;
                        for (int a = h0[i]; a < h1[i]; a++) {
                            long row = xb + a * x.sh;
                            for (int b = w0[j]; b < w1[j]; b++) {
                                sum += src[(int) (row + b * x.sw)];
                            }
                        }
                        dst[(int) (yb + i * y.sh + j * y.sw)] = sum / kh / kw;
                    }
                }
            });
        }
    }

    /** The windows of each output row and column: rows {@code [h0[i], h1[i])}, columns {@code [w0[j], w1[j])}. */
    private static void windows(Plane x, Plane y, int[] h0, int[] h1, int[] w0, int[] w1) {
        for (int i = 0; i < y.h; i++) {
            h0[i] = start(i, y.h, x.h);
            h1[i] = end(i, y.h, x.h);
        }
        for (int j = 0; j < y.w; j++) {
            w0[j] = start(j, y.w, x.w);
            w1[j] = end(j, y.w, x.w);
        }
    }

    static void adaptiveAvgBackward(CpuStorage gradOut, Layout lg, CpuStorage gradIn, Layout lx) {
        Plane x = new Plane(lx);
        Plane y = new Plane(lg);
        int[] h0 = new int[y.h];
        int[] h1 = new int[y.h];
        int[] w0 = new int[y.w];
        int[] w1 = new int[y.w];
        windows(x, y, h0, h1, w0, w1);
        if (gradIn.dtype == DType.FLOAT32) {
            float[] g = (float[]) gradOut.array;
            float[] dx = (float[]) gradIn.array;
            CpuThreads.forEach(x.planes(), p -> {
                long xb = x.base(p);
                long yb = y.base(p);
                zero(dx, x, xb);
                for (int i = 0; i < y.h; i++) {
                    int kh = h1[i] - h0[i];
                    for (int j = 0; j < y.w; j++) {
                        int kw = w1[j] - w0[j];
                        float delta = g[(int) (yb + i * y.sh + j * y.sw)] / kh / kw;
                        for (int a = h0[i]; a < h1[i]; a++) {
                            long row = xb + a * x.sh;
                            for (int b = w0[j]; b < w1[j]; b++) {
                                dx[(int) (row + b * x.sw)] += delta;
                            }
                        }
                    }
                }
            });
        } else {
            double[] g = (double[]) gradOut.array;
            double[] dx = (double[]) gradIn.array;
            CpuThreads.forEach(x.planes(), p -> {
                long xb = x.base(p);
                long yb = y.base(p);
                zero(dx, x, xb);
                for (int i = 0; i < y.h; i++) {
                    int kh = h1[i] - h0[i];
                    for (int j = 0; j < y.w; j++) {
                        int kw = w1[j] - w0[j];
                        double delta = g[(int) (yb + i * y.sh + j * y.sw)] / kh / kw;
                        for (int a = h0[i]; a < h1[i]; a++) {
                            long row = xb + a * x.sh;
                            for (int b = w0[j]; b < w1[j]; b++) {
                                dx[(int) (row + b * x.sw)] += delta;
                            }
                        }
                    }
                }
            });
        }
    }

    private static void zero(float[] a, Plane x, long base) {
        if (x.dense()) {
            java.util.Arrays.fill(a, (int) base, (int) (base + (long) x.h * x.w), 0f);
            return;
        }
        for (int i = 0; i < x.h; i++) {
            for (int j = 0; j < x.w; j++) {
                a[(int) (base + i * x.sh + j * x.sw)] = 0f;
            }
        }
    }

    private static void zero(double[] a, Plane x, long base) {
        if (x.dense()) {
            java.util.Arrays.fill(a, (int) base, (int) (base + (long) x.h * x.w), 0.0);
            return;
        }
        for (int i = 0; i < x.h; i++) {
            for (int j = 0; j < x.w; j++) {
                a[(int) (base + i * x.sh + j * x.sw)] = 0.0;
            }
        }
    }

    // ------------------------------------------------------------------ adaptive max pooling

    static void adaptiveMax(CpuStorage in, Layout li, CpuStorage out, Layout lo, CpuStorage indices, Layout lix) {
        Plane x = new Plane(li);
        Plane y = new Plane(lo);
        Plane ix = new Plane(lix);
        int[] h0 = new int[y.h];
        int[] h1 = new int[y.h];
        int[] w0 = new int[y.w];
        int[] w1 = new int[y.w];
        windows(x, y, h0, h1, w0, w1);
        long[] idx = (long[]) indices.array;
        boolean single = in.dtype == DType.FLOAT32;
        float[] fs = single ? (float[]) in.array : null;
        float[] fd = single ? (float[]) out.array : null;
        double[] ds = single ? null : (double[]) in.array;
        double[] dd = single ? null : (double[]) out.array;
        CpuThreads.forEach(y.planes(), p -> {
            long xb = x.base(p);
            long yb = y.base(p);
            long ib = ix.base(p);
            for (int i = 0; i < y.h; i++) {
                for (int j = 0; j < y.w; j++) {
                    // PyTorch's loop: start at -inf with the window's first index; a greater value or any NaN replaces
                    long at = (long) h0[i] * x.w + w0[j];
                    double best = Double.NEGATIVE_INFINITY;
                    for (int a = h0[i]; a < h1[i]; a++) {
                        long row = xb + a * x.sh;
                        for (int b = w0[j]; b < w1[j]; b++) {
                            int k = (int) (row + b * x.sw);
                            double v = single ? fs[k] : ds[k];
                            if (v > best || Double.isNaN(v)) {
                                best = v;
                                at = (long) a * x.w + b;
                            }
                        }
                    }
                    int o = (int) (yb + i * y.sh + j * y.sw);
                    if (single) {
                        fd[o] = (float) best;
                    } else {
                        dd[o] = best;
                    }
                    idx[(int) (ib + i * ix.sh + j * ix.sw)] = at;
                }
            }
        });
    }

    // ------------------------------------------------------------------ bilinear upsampling

    /**
     * The source rows (or columns) and weights of a bilinear resize of {@code in} to {@code out}, in float arithmetic
     * for float32 and double for float64 as PyTorch's kernels: index {@code i0}, next index {@code i0 + step} (0 at the
     * last row), and the weights {@code l0}, {@code l1} of the two.
     *
     * <p>PyTorch's CPU kernels are compiled with FMA contraction (GCC's default for C++ on the AVX2/AVX512 builds), so
     * {@code area_pixel_compute_source_index}'s {@code scale * (i + 0.5) - 0.5} is one fused multiply-add, and so are
     * the interpolation sums below ({@code t0 * w0 + t1 * w1} as {@code fma(t0, w0, t1 * w1)}, the backward's
     * {@code g_in += h * w * g} as {@code fma(h * w, g, g_in)}). PyTorch 1.13's float64 results are matched bit for bit
     * only so, at every size (LooseEnds5Test); PyTorch 2.x computes the float32 source index in float (1.13 in double).
     */
    private static final class Axis {
        final int[] i0;
        final int[] step;
        final double[] l0;
        final double[] l1;

        Axis(int in, int out, boolean alignCorners, double scale, boolean single) {
            i0 = new int[out];
            step = new int[out];
            l0 = new double[out];
            l1 = new double[out];
            if (single) {
                float ratio = (float) ratio(in, out, alignCorners, scale, true);
                for (int k = 0; k < out; k++) {
                    if (in == out) {
                        set(k, k, 0, 1f, 0f);
                        continue;
                    }
                    float src = alignCorners ? ratio * k : Math.fma(ratio, k + 0.5f, -0.5f);
                    if (!alignCorners && src < 0) {
                        src = 0;
                    }
                    int i = Math.min((int) Math.floor(src), in - 1);
                    float lambda = Math.min(Math.max(src - i, 0f), 1f);
                    set(k, i, i < in - 1 ? 1 : 0, 1f - lambda, lambda);
                }
            } else {
                double ratio = ratio(in, out, alignCorners, scale, false);
                for (int k = 0; k < out; k++) {
                    if (in == out) {
                        set(k, k, 0, 1.0, 0.0);
                        continue;
                    }
                    double src = alignCorners ? ratio * k : Math.fma(ratio, k + 0.5, -0.5);
                    if (!alignCorners && src < 0) {
                        src = 0;
                    }
                    int i = Math.min((int) Math.floor(src), in - 1);
                    double lambda = Math.min(Math.max(src - i, 0.0), 1.0);
                    set(k, i, i < in - 1 ? 1 : 0, 1.0 - lambda, lambda);
                }
            }
        }

        private void set(int k, int i, int s, double w0, double w1) {
            i0[k] = i;
            step[k] = s;
            l0[k] = w0;
            l1[k] = w1;
        }

        /** PyTorch's {@code area_pixel_compute_scale}, in float for float32. */
        private static double ratio(int in, int out, boolean alignCorners, double scale, boolean single) {
            if (alignCorners) {
                if (out <= 1) {
                    return 0;
                }
                return single ? (float) (in - 1) / (out - 1) : (double) (in - 1) / (out - 1);
            }
            if (scale > 0) {
                return single ? (float) (1.0 / scale) : 1.0 / scale;
            }
            return single ? (float) in / out : (double) in / out;
        }
    }

    static void bilinear(CpuStorage in, Layout li, CpuStorage out, Layout lo, boolean alignCorners, double scaleH,
                         double scaleW) {
        Plane x = new Plane(li);
        Plane y = new Plane(lo);
        boolean single = in.dtype == DType.FLOAT32;
        Axis ah = new Axis(x.h, y.h, alignCorners, scaleH, single);
        Axis aw = new Axis(x.w, y.w, alignCorners, scaleW, single);
        if (single) {
            float[] src = (float[]) in.array;
            float[] dst = (float[]) out.array;
            CpuThreads.forEach(y.planes(), p -> {
                long xb = x.base(p);
                long yb = y.base(p);
                for (int i = 0; i < y.h; i++) {
                    long r0 = xb + ah.i0[i] * x.sh;
                    long r1 = r0 + ah.step[i] * x.sh;
                    float h0 = (float) ah.l0[i];
                    float h1 = (float) ah.l1[i];
                    for (int j = 0; j < y.w; j++) {
                        long c0 = aw.i0[j] * x.sw;
                        long c1 = c0 + aw.step[j] * x.sw;
                        float w0 = (float) aw.l0[j];
                        float w1 = (float) aw.l1[j];
                        float top = Math.fma(src[(int) (r0 + c0)], w0, src[(int) (r0 + c1)] * w1);
                        float bottom = Math.fma(src[(int) (r1 + c0)], w0, src[(int) (r1 + c1)] * w1);
                        dst[(int) (yb + i * y.sh + j * y.sw)] = Math.fma(top, h0, bottom * h1);
                    }
                }
            });
        } else {
            double[] src = (double[]) in.array;
            double[] dst = (double[]) out.array;
            CpuThreads.forEach(y.planes(), p -> {
                long xb = x.base(p);
                long yb = y.base(p);
                for (int i = 0; i < y.h; i++) {
                    long r0 = xb + ah.i0[i] * x.sh;
                    long r1 = r0 + ah.step[i] * x.sh;
                    double h0 = ah.l0[i];
                    double h1 = ah.l1[i];
                    for (int j = 0; j < y.w; j++) {
                        long c0 = aw.i0[j] * x.sw;
                        long c1 = c0 + aw.step[j] * x.sw;
                        double w0 = aw.l0[j];
                        double w1 = aw.l1[j];
                        double top = Math.fma(src[(int) (r0 + c0)], w0, src[(int) (r0 + c1)] * w1);
                        double bottom = Math.fma(src[(int) (r1 + c0)], w0, src[(int) (r1 + c1)] * w1);
                        dst[(int) (yb + i * y.sh + j * y.sw)] = Math.fma(top, h0, bottom * h1);
                    }
                }
            });
        }
    }

    static void bilinearBackward(CpuStorage gradOut, Layout lg, CpuStorage gradIn, Layout lx, boolean alignCorners,
                                 double scaleH, double scaleW) {
        Plane x = new Plane(lx);
        Plane y = new Plane(lg);
        boolean single = gradIn.dtype == DType.FLOAT32;
        Axis ah = new Axis(x.h, y.h, alignCorners, scaleH, single);
        Axis aw = new Axis(x.w, y.w, alignCorners, scaleW, single);
        if (single) {
            float[] g = (float[]) gradOut.array;
            float[] dx = (float[]) gradIn.array;
            CpuThreads.forEach(x.planes(), p -> {
                long xb = x.base(p);
                long yb = y.base(p);
                zero(dx, x, xb);
                for (int i = 0; i < y.h; i++) {
                    long r0 = xb + ah.i0[i] * x.sh;
                    long r1 = r0 + ah.step[i] * x.sh;
                    float h0 = (float) ah.l0[i];
                    float h1 = (float) ah.l1[i];
                    for (int j = 0; j < y.w; j++) {
                        long c0 = aw.i0[j] * x.sw;
                        long c1 = c0 + aw.step[j] * x.sw;
                        float w0 = (float) aw.l0[j];
                        float w1 = (float) aw.l1[j];
                        float v = g[(int) (yb + i * y.sh + j * y.sw)];
                        dx[(int) (r0 + c0)] = Math.fma(h0 * w0, v, dx[(int) (r0 + c0)]);
                        dx[(int) (r0 + c1)] = Math.fma(h0 * w1, v, dx[(int) (r0 + c1)]);
                        dx[(int) (r1 + c0)] = Math.fma(h1 * w0, v, dx[(int) (r1 + c0)]);
                        dx[(int) (r1 + c1)] = Math.fma(h1 * w1, v, dx[(int) (r1 + c1)]);
                    }
                }
            });
        } else {
            double[] g = (double[]) gradOut.array;
            double[] dx = (double[]) gradIn.array;
            CpuThreads.forEach(x.planes(), p -> {
                long xb = x.base(p);
                long yb = y.base(p);
                zero(dx, x, xb);
                for (int i = 0; i < y.h; i++) {
                    long r0 = xb + ah.i0[i] * x.sh;
                    long r1 = r0 + ah.step[i] * x.sh;
                    double h0 = ah.l0[i];
                    double h1 = ah.l1[i];
                    for (int j = 0; j < y.w; j++) {
                        long c0 = aw.i0[j] * x.sw;
                        long c1 = c0 + aw.step[j] * x.sw;
                        double w0 = aw.l0[j];
                        double w1 = aw.l1[j];
                        double v = g[(int) (yb + i * y.sh + j * y.sw)];
                        dx[(int) (r0 + c0)] = Math.fma(h0 * w0, v, dx[(int) (r0 + c0)]);
                        dx[(int) (r0 + c1)] = Math.fma(h0 * w1, v, dx[(int) (r0 + c1)]);
                        dx[(int) (r1 + c0)] = Math.fma(h1 * w0, v, dx[(int) (r1 + c0)]);
                        dx[(int) (r1 + c1)] = Math.fma(h1 * w1, v, dx[(int) (r1 + c1)]);
                    }
                }
            });
        }
    }
}
