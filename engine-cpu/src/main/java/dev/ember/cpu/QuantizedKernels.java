package dev.ember.cpu;

import dev.ember.FakeQuant;
import dev.ember.backend.Conv2dParams;
import dev.ember.backend.Layout;

/**
 * The quantized kernels: FBGEMM's dynamic qint8 linear ({@code quantized::linear_dynamic} of PyTorch's x86 builds)
 * and its static quantized linear ({@code quantized::linear}, which quantized convolutions reach through im2col), step
 * by step as {@link dev.ember.backend.Backend#quantizedLinearDynamic} and
 * {@link dev.ember.backend.Backend#quantizedLinearPacked} specify them. The integer sums run on the
 * float32 GEMM ({@link Gemm}): the shifted integers {@code qx - zx} and {@code qw - zw} (at most 255 in magnitude) are
 * exact floats, and a GEMM over a slice of columns sums them exactly in any order when every partial sum is an integer
 * of magnitude at most 2^24: {@code 2^24 / (max |qx - zx| * max |qw - zw|)} columns a slice (1,032 for the usual 127 and
 * 128; never fewer than {@link #CHUNK}); the slices' results are added as int32, as FBGEMM's accumulator holds them.
 */
final class QuantizedKernels {
    /** The fewest columns a float32 GEMM slice sums: 256 products of magnitude at most 255 * 255 stay below 2^24. */
    static final int CHUNK = 256;

    /**
     * Below this many input rows the int8 weight is read by {@link Int8Dots} (once per four rows), not converted to floats
     * for the GEMM (one thread, [16, 1024] x [1024, 1024]: 1.5 ms against 1.6-2.2; at 64 rows 6.7 against 2.5-3.1).
     */
    static final int DOT_ROWS = 24;

    private static volatile Int8Dots dots;

    private QuantizedKernels() {
    }

    /**
     * Exact integer dot products of a few activation rows ({@code a}: {@code rows} rows of {@code k} integers of
     * magnitude at most 255, held as floats) with int8 weight rows, reading each weight once for all of them.
     */
    interface Int8Dots {
        /**
         * {@code out[r n + j] = sum_c (int) a[r k + c] * w[wo + j k + c]} for every row {@code r} and {@code j} in
         * [rowFrom, rowTo), in int32.
         */
        void dots(float[] a, int rows, int k, byte[] w, int wo, int n, int rowFrom, int rowTo, int[] out);
    }

    /** The plain Java dots: int arithmetic. */
    static final class PlainInt8Dots implements Int8Dots {
        @Override
        public void dots(float[] a, int rows, int k, byte[] w, int wo, int n, int rowFrom, int rowTo, int[] out) {
            for (int j = rowFrom; j < rowTo; j++) {
                int wr = wo + j * k;
                for (int r = 0; r < rows; r++) {
                    int total = 0;
                    for (int c = 0; c < k; c++) {
                        total += (int) a[r * k + c] * w[wr + c];
                    }
                    out[r * n + j] = total;
                }
            }
        }
    }

    /**
     * FBGEMM's requantization (the {@link Requantizer}'s) of a run of one output channel's exact integer sums, held as
     * floats, into the output's carrier values {@code (float) (q - outZero) * outScale}.
     */
    interface Requantize {
        /**
         * {@code dst[dstOff + i - from] = carrier(q(sums[i]))} for {@code i} in [from, to), with the channel's bias
         * term ({@link Requantizer#biasTerm}) and multiplier, the output's zero point and floor ({@code outZero} with a
         * fused ReLU, else 0).
         */
        void carrier(float[] sums, int from, int to, boolean hasBias, float bias, float multiplier, int outZero,
                     int floor, float outScale, float[] dst, int dstOff);

        /**
         * {@code dst[dstOff + j] = carrier(q(sums[from + j]))} for {@code j} in [0, n): one output row of a linear
         * layer, feature {@code j} with bias term {@code biases[j]} (0 without a bias) and multiplier
         * {@code multipliers[j]}.
         */
        void carrierRow(float[] sums, int from, int n, float[] biases, float[] multipliers, int outZero, int floor,
                        float outScale, float[] dst, int dstOff);
    }

    /** The plain Java requantization. */
    static final class PlainRequantize implements Requantize {
        @Override
        public void carrier(float[] sums, int from, int to, boolean hasBias, float bias, float multiplier, int outZero,
                            int floor, float outScale, float[] dst, int dstOff) {
            carrierScalar(sums, from, to, hasBias, bias, multiplier, outZero, floor, outScale, dst, dstOff);
        }

        @Override
        public void carrierRow(float[] sums, int from, int n, float[] biases, float[] multipliers, int outZero,
                               int floor, float outScale, float[] dst, int dstOff) {
            carrierRowScalar(sums, from, 0, n, biases, multipliers, outZero, floor, outScale, dst, dstOff);
        }
    }

    /** {@link Requantize#carrierRow} for features [j0, n), element by element. */
    static void carrierRowScalar(float[] sums, int from, int j0, int n, float[] biases, float[] multipliers,
                                 int outZero, int floor, float outScale, float[] dst, int dstOff) {
        for (int j = j0; j < n; j++) {
            carrierScalar(sums, from + j, from + j + 1, true, biases[j], multipliers[j], outZero, floor, outScale, dst,
                dstOff + j);
        }
    }

    /** {@link Requantize#carrier} element by element, {@link Requantizer#q}'s steps. */
    static void carrierScalar(float[] sums, int from, int to, boolean hasBias, float bias, float multiplier,
                              int outZero, int floor, float outScale, float[] dst, int dstOff) {
        for (int i = from; i < to; i++) {
            float f = (float) (int) sums[i];
            if (hasBias) {
                f += bias;
            }
            float r = f * multiplier;
            int rounded = Float.isNaN(r) || r >= 0x1p31f || r < -0x1p31f ? Integer.MIN_VALUE : (int) Math.rint(r);
            int v = saturate16(saturate16(rounded) + outZero);
            v = Math.max(floor, Math.min(255, Math.max(0, v)));
            dst[dstOff + i - from] = (float) (v - outZero) * outScale;
        }
    }

    private static volatile Requantize requantize;

    static Requantize requantize() {
        Requantize r = requantize;
        if (r == null) {
            Requantize vector = MicroKernels.loadVectorClass(Requantize.class, "dev.ember.cpu.VectorRequantize");
            r = vector != null ? vector : new PlainRequantize();
            requantize = r;
        }
        return r;
    }

    static Int8Dots dots() {
        Int8Dots d = dots;
        if (d == null) {
            Int8Dots vector = MicroKernels.loadVectorClass(Int8Dots.class, "dev.ember.cpu.VectorInt8Dots");
            d = vector != null ? vector : new PlainInt8Dots();
            dots = d;
        }
        return d;
    }

    static void linearDynamic(CpuStorage x, Layout xLayout, CpuStorage w, Layout wLayout, int[] wZero, float[] wScale,
                              float[] bias, CpuStorage dst, Layout dstLayout) {
        linearDynamic(x, xLayout, w, wLayout, wZero, wScale, bias, dst, dstLayout, xLayout.size(0) < DOT_ROWS);
    }

    /** {@link #linearDynamic}, its integer sums by {@link Int8Dots} ({@code dots}) or by float32 GEMM slices. */
    static void linearDynamic(CpuStorage x, Layout xLayout, CpuStorage w, Layout wLayout, int[] wZero, float[] wScale,
                              float[] bias, CpuStorage dst, Layout dstLayout, boolean dots) {
        float[] xs = (float[]) x.array;
        byte[] ws = (byte[]) w.array;
        float[] ys = (float[]) dst.array;
        int xo = xLayout.offset();
        int wo = wLayout.offset();
        int yo = dstLayout.offset();
        int m = xLayout.size(0);
        int k = xLayout.size(1);
        int n = wLayout.size(0);
        // FindMinMax: 0 and 0 for an empty input; a NaN after the first element is skipped, as std::min/max skip it
        float min = 0f;
        float max = 0f;
        long total = (long) m * k;
        if (total > 0) {
            min = xs[xo];
            max = xs[xo];
            for (int i = 0; i < total; i++) {
                float v = xs[xo + i];
                min = v < min ? v : min;
                max = max < v ? v : max;
            }
        }
        double[] qp = FakeQuant.chooseQuantizationParams(min, max, 0, 127, false); // [0, 255] with reduce_range
        float scale = (float) qp[0];
        int zero = (int) qp[1];
        float inv = 1.0f / scale;
        float zeroF = zero;
        int vectorized = k - k % 8; // FBGEMM's 8-wide FMA path; its scalar tail divides
        // the shifted integers qx - zx, as float32 (exact: |v| <= 255)
        float[] a = new float[Math.multiplyExact(m, k)];
        CpuThreads.parallelFor(m, CpuThreads.chunks(m, k), (task, from, to) -> {
            for (int i = from; i < to; i++) {
                int xr = xo + i * k;
                int ar = i * k;
                for (int c = 0; c < k; c++) {
                    a[ar + c] = quantize(xs[xr + c], c, vectorized, scale, inv, zeroF) - zero;
                }
            }
        });
        // sum (qx - zx)(qw - zw) in int32, as FBGEMM's integer GEMM with its row and column offsets gives it
        int[] raw = dots ? fewRows(a, m, k, ws, wo, n, wZero) : sliced(a, m, k, ws, wo, n, wZero);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float r = (float) raw[i * n + j] * (scale * wScale[j]);
                ys[yo + i * n + j] = bias == null ? r : r + bias[j];
            }
        }
    }

    /**
     * FBGEMM's {@code requantizeOutputProcessingAvx2} for one output element, as
     * {@link dev.ember.backend.Backend#quantizedLinearPacked} specifies it: {@code (float) raw} plus the bias over
     * {@code act_times_w_scale}, times the multiplier, rounded half to even (CVTPS2DQ), saturated to int16, plus the
     * output zero point saturated to int16, clamped to [0, 255] (and to at least the zero point with ReLU).
     */
    static final class Requantizer {
        private final float[] act;
        private final float[] mult;
        private final float[] bias;
        private final int outZero;
        private final int floor;
        private final boolean perTensor;
        private final float reciprocal;
        /** The carrier's value of each integer q: {@code (float) (q - outZero) * outScale}. */
        final float[] carrier = new float[256];

        Requantizer(float[] actTimesWScale, float[] multiplier, float[] bias, int outZero, boolean relu, float outScale) {
            this.act = actTimesWScale;
            this.mult = multiplier;
            this.bias = bias;
            this.outZero = outZero;
            this.floor = relu ? outZero : 0;
            this.perTensor = actTimesWScale.length == 1;
            // _mm256_set1_ps(1.0 / act_times_w_scale): the reciprocal in double, rounded to float once
            this.reciprocal = perTensor ? (float) (1.0 / (double) actTimesWScale[0]) : 0f;
            for (int q = 0; q < 256; q++) {
                carrier[q] = (float) (q - outZero) * outScale;
            }
        }

        /** The quantized output of the integer sum {@code raw} of output feature (channel) {@code j}, in [0, 255]. */
        int q(int raw, int j) {
            return q(raw, bias != null, biasTerm(j), multiplier(j));
        }

        /** Output feature {@code j}'s bias over {@code act_times_w_scale}, in float (0 without a bias). */
        float biasTerm(int j) {
            return bias == null ? 0f : perTensor ? bias[j] * reciprocal : bias[j] / act[j];
        }

        /** Output feature {@code j}'s multiplier. */
        float multiplier(int j) {
            return perTensor ? mult[0] : mult[j];
        }

        /** {@link #q(int, int)} with the feature's {@link #biasTerm} and {@link #multiplier} given. */
        int q(int raw, boolean hasBias, float biasTerm, float multiplier) {
            float f = (float) raw;
            if (hasBias) {
                f += biasTerm;
            }
            float r = f * multiplier;
            // CVTPS2DQ: round half to even; NaN and out-of-range give int32's minimum
            int rounded = Float.isNaN(r) || r >= 0x1p31f || r < -0x1p31f ? Integer.MIN_VALUE : (int) Math.rint(r);
            int v = saturate16(saturate16(rounded) + outZero); // packs_epi32, then adds_epi16
            v = Math.min(255, Math.max(0, v)); // packus_epi16
            return Math.max(floor, v);
        }
    }

    /** The shifted integer {@code qx - zx} of a carrier's value: {@code rint(x / scale)} in float. */
    private static float shifted(float x, float inScale) {
        return (float) Math.rint(x / inScale);
    }

    /**
     * The largest {@code |v|} of {@code n} floats from {@code o}, as an int (at most 255 for shifted integers).
     */
    private static int maxAbs(float[] v, int o, int n) {
        float max = 0f;
        for (int i = o; i < o + n; i++) {
            max = Math.max(max, Math.abs(v[i]));
        }
        return (int) max;
    }

    /**
     * The columns a float32 GEMM slice may sum exactly (see the class comment): every partial sum at most
     * {@code slice * maxA * maxW <= 2^24}, never fewer than {@link #CHUNK}, at most {@code k}.
     */
    private static int slice(int k, int maxA, int maxW) {
        return (int) Math.max(CHUNK, Math.min(k, (1L << 24) / Math.max(1L, (long) maxA * maxW)));
    }

    /**
     * {@link dev.ember.backend.Backend#quantizedLinearPacked}: the carrier's shifted integers, one float32 GEMM per
     * exact slice of columns against the prepacked {@code qw - zw}, the slices' sums added as int32, requantized.
     */
    static void linearPacked(CpuStorage x, Layout xLayout, float inScale, CpuStorage w, Layout wLayout, int maxW,
                             float[] actTimesWScale, float[] multiplier, float[] bias, int outZero, boolean relu,
                             float outScale, CpuStorage dst, Layout dstLayout) {
        int m = xLayout.size(0);
        int k = xLayout.size(1);
        int n = wLayout.size(0);
        if (m == 0 || n == 0) {
            return;
        }
        float[] xs = (float[]) x.array;
        int xo = xLayout.offset();
        float[] a = new float[Math.multiplyExact(m, k)];
        for (int i = 0; i < a.length; i++) {
            a[i] = shifted(xs[xo + i], inScale);
        }
        float[] ws = (float[]) w.array;
        int wo = wLayout.offset();
        int slice = slice(k, maxAbs(a, 0, a.length), maxW);
        Requantizer rq = new Requantizer(actTimesWScale, multiplier, bias, outZero, relu, outScale);
        float[] part = new float[Math.multiplyExact(m, n)];
        int[] acc = slice >= k ? null : new int[part.length];
        for (int k0 = 0; k0 < k; k0 += slice) {
            int kc = Math.min(slice, k - k0);
            Gemm.sgemm(MicroKernels.get(), m, n, kc, a, k0, k, 1, ws, wo + k0, 1, k, part, 0, n, 1);
            if (acc != null) {
                for (int i = 0; i < acc.length; i++) {
                    acc[i] += (int) part[i];
                }
            }
        }
        int yo = dstLayout.offset();
        if (dst.array instanceof float[] out) {
            if (acc != null) {
                for (int i = 0; i < acc.length; i++) {
                    part[i] = (float) acc[i]; // the requantization's own first step, (float) raw
                }
            }
            float[] biases = new float[n];
            float[] mults = new float[n];
            for (int j = 0; j < n; j++) {
                biases[j] = rq.biasTerm(j);
                mults[j] = rq.multiplier(j);
            }
            Requantize vq = requantize();
            for (int i = 0; i < m; i++) {
                vq.carrierRow(part, i * n, n, biases, mults, outZero, relu ? outZero : 0, outScale, out, yo + i * n);
            }
        } else {
            byte[] out = (byte[]) dst.array;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    int raw = acc == null ? (int) part[i * n + j] : acc[i * n + j];
                    out[yo + i * n + j] = (byte) rq.q(raw, j);
                }
            }
        }
    }

    /**
     * {@link dev.ember.backend.Backend#quantizedConv2d}: per image, the input's shifted integers read once from the
     * carrier ({@code rint(x / inScale)}), then per group their im2col ({@code [C / groups * kH * kW, H_out * W_out]},
     * the padding a shifted 0) and the float32 GEMM of the prepacked {@code qw - zw} ({@code [C_out / groups, ...]})
     * with it, over exact slices of columns, giving the group's output channels in NCHW order directly; requantized
     * into {@code dst}.
     */
    static void conv2dPacked(CpuStorage x, Layout xLayout, float inScale, CpuStorage w, Layout wLayout, int maxW,
                             int kh, int kw,
                             Conv2dParams p, float[] actTimesWScale, float[] multiplier, float[] bias, int outZero,
                             boolean relu, float outScale, CpuStorage dst, Layout dstLayout) {
        int batch = xLayout.size(0);
        int cin = xLayout.size(1);
        int h = xLayout.size(2);
        int wd = xLayout.size(3);
        int cout = wLayout.size(0);
        int kk = wLayout.size(1);
        int groups = p.groups();
        int cg = cin / groups;
        int og = cout / groups;
        int oh = p.outH(h, kh);
        int ow = p.outW(wd, kw);
        int plane = Math.multiplyExact(oh, ow);
        if (batch == 0 || cout == 0 || plane == 0) {
            return;
        }
        float[] xs = (float[]) x.array;
        float[] ws = (float[]) w.array;
        int wo = wLayout.offset();
        Requantizer rq = new Requantizer(actTimesWScale, multiplier, bias, outZero, relu, outScale);
        int image = cin * h * wd;
        if ((long) kk * 255 * maxW <= (1L << 24)) {
            // every partial sum of every order is an integer of magnitude at most kk * 255 * maxW <= 2^24, so exact:
            // the float32 convolution's own kernels (direct or im2col + GEMM) on the shifted integers
            float[] all = new float[Math.multiplyExact(batch, image)];
            int xo = xLayout.offset();
            for (int i = 0; i < all.length; i++) {
                all[i] = shifted(xs[xo + i], inScale);
            }
            int[] outShape = {batch, cout, oh, ow};
            float[] sums = new float[Math.multiplyExact(Math.multiplyExact(batch, cout), plane)];
            ConvKernels.forward(new CpuStorage(dev.ember.DType.FLOAT32, all), Layout.contiguous(batch, cin, h, wd),
                new CpuStorage(dev.ember.DType.FLOAT32, ws), new Layout(new int[] {cout, cg, kh, kw},
                    Layout.contiguousStrides(new int[] {cout, cg, kh, kw}), wo), null,
                new CpuStorage(dev.ember.DType.FLOAT32, sums), Layout.contiguous(outShape), p);
            float[] fout = dst.array instanceof float[] f ? f : null;
            byte[] bout = fout == null ? (byte[]) dst.array : null;
            int yo = dstLayout.offset();
            Requantize vq = fout != null ? requantize() : null;
            for (int b = 0; b < batch; b++) {
                for (int j = 0; j < cout; j++) {
                    float bj = rq.biasTerm(j);
                    float mj = rq.multiplier(j);
                    int r = (b * cout + j) * plane;
                    if (vq != null) {
                        vq.carrier(sums, r, r + plane, bias != null, bj, mj, outZero, relu ? outZero : 0, outScale,
                            fout, yo + r);
                        continue;
                    }
                    for (int i = r; i < r + plane; i++) {
                        int q = rq.q((int) sums[i], bias != null, bj, mj);
                        if (fout != null) {
                            fout[yo + i] = rq.carrier[q];
                        } else {
                            bout[yo + i] = (byte) q;
                        }
                    }
                }
            }
            return;
        }
        float[] sx = new float[image];
        float[] cols = new float[Math.multiplyExact(kk, plane)];
        float[] part = new float[Math.multiplyExact(og, plane)];
        int[] acc = null;
        float[] fout = dst.array instanceof float[] f ? f : null;
        byte[] bout = fout == null ? (byte[]) dst.array : null;
        for (int b = 0; b < batch; b++) {
            int xo = xLayout.offset() + b * image;
            for (int i = 0; i < image; i++) {
                sx[i] = shifted(xs[xo + i], inScale);
            }
            for (int g = 0; g < groups; g++) {
                im2col(sx, g * cg, cg, h, wd, kh, kw, p, oh, ow, cols);
                int slice = slice(kk, maxAbs(cols, 0, cols.length), maxW);
                int wg = wo + g * og * kk;
                if (slice < kk && acc == null) {
                    acc = new int[part.length];
                } else if (acc != null) {
                    java.util.Arrays.fill(acc, 0);
                }
                for (int k0 = 0; k0 < kk; k0 += slice) {
                    int kc = Math.min(slice, kk - k0);
                    Gemm.sgemm(MicroKernels.get(), og, plane, kc, ws, wg + k0, kk, 1, cols, k0 * plane, plane, 1, part,
                        0, plane, 1);
                    if (slice < kk) {
                        for (int i = 0; i < part.length; i++) {
                            acc[i] += (int) part[i];
                        }
                    }
                }
                int yo = dstLayout.offset() + (b * cout + g * og) * plane;
                for (int c = 0; c < og; c++) {
                    int j = g * og + c;
                    int r = c * plane;
                    float bj = rq.biasTerm(j);
                    float mj = rq.multiplier(j);
                    for (int i = 0; i < plane; i++) {
                        int raw = slice < kk ? acc[r + i] : (int) part[r + i];
                        int q = rq.q(raw, bias != null, bj, mj);
                        if (fout != null) {
                            fout[yo + r + i] = rq.carrier[q];
                        } else {
                            bout[yo + r + i] = (byte) q;
                        }
                    }
                }
            }
        }
    }

    /**
     * The im2col of channels [c0, c0 + cg) of one image's shifted integers {@code sx} ({@code [C, H, W]}): row
     * {@code (c kH + i) kW + j}, column {@code y W_out + x}: the input at {@code (y strideH - padH + i dilationH,
     * x strideW - padW + j dilationW)}, or 0 (the zero point, shifted) outside the image.
     */
    private static void im2col(float[] sx, int c0, int cg, int h, int wd, int kh, int kw, Conv2dParams p, int oh, int ow,
                               float[] cols) {
        int plane = oh * ow;
        int row = 0;
        for (int c = 0; c < cg; c++) {
            int base = (c0 + c) * h * wd;
            for (int i = 0; i < kh; i++) {
                for (int j = 0; j < kw; j++, row++) {
                    int ro = row * plane;
                    int dx = j * p.dilationW() - p.padW();
                    // the output columns x whose input column x strideW + dx is inside [0, W)
                    int xFrom = dx >= 0 ? 0 : Math.min(ow, (-dx + p.strideW() - 1) / p.strideW());
                    int xTo = wd - dx <= 0 ? 0 : Math.min(ow, (wd - dx - 1) / p.strideW() + 1);
                    xTo = Math.max(xTo, xFrom);
                    for (int y = 0; y < oh; y++) {
                        int iy = y * p.strideH() - p.padH() + i * p.dilationH();
                        int o = ro + y * ow;
                        if (iy < 0 || iy >= h) {
                            java.util.Arrays.fill(cols, o, o + ow, 0f);
                            continue;
                        }
                        java.util.Arrays.fill(cols, o, o + xFrom, 0f);
                        int src = base + iy * wd + dx;
                        if (p.strideW() == 1) {
                            System.arraycopy(sx, src + xFrom, cols, o + xFrom, xTo - xFrom);
                        } else {
                            for (int x = xFrom; x < xTo; x++) {
                                cols[o + x] = sx[src + x * p.strideW()];
                            }
                        }
                        java.util.Arrays.fill(cols, o + xTo, o + ow, 0f);
                    }
                }
            }
        }
    }

    private static int saturate16(int v) {
        return Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, v));
    }

    /** The input quantized as PackAWithQuantRowOffset does it (see the class comment): {@code qx}, as a float. */
    private static float quantize(float v, int c, int vectorized, float scale, float inv, float zeroF) {
        float t;
        if (c < vectorized) {
            t = Math.fma(v, inv, zeroF);
            t = !(t < 255f) ? 255f : t; // _mm256_min_ps(t, 255): a NaN gives 255
            t = 0f > t ? 0f : t;
        } else {
            t = v / scale + zeroF;
            t = 0f < t ? t : 0f;
            t = t < 255f ? t : 255f;
            t = Float.isNaN(t) ? 255f : t;
        }
        return (float) Math.rint(t);
    }

    /**
     * The integer sums by {@link Int8Dots}, each int8 weight row read once for every four rows of {@code a}
     * ({@code qx - zx}): {@code sum (qx - zx) qw - zw sum (qx - zx)}, split over the output features.
     */
    private static int[] fewRows(float[] a, int m, int k, byte[] ws, int wo, int n, int[] wZero) {
        Int8Dots d = dots();
        int[] acc = new int[Math.multiplyExact(m, n)];
        CpuThreads.parallelFor(n, CpuThreads.chunks(n, (long) k * m), (task, from, to) -> d.dots(a, m, k, ws, wo, n, from, to,
            acc));
        for (int i = 0; i < m; i++) {
            int rowSum = 0;
            for (int c = 0; c < k; c++) {
                rowSum += (int) a[i * k + c];
            }
            for (int j = 0; j < n; j++) {
                acc[i * n + j] -= wZero[j] * rowSum;
            }
        }
        return acc;
    }

    /**
     * The integer sums by float32 GEMMs of {@code a} ({@code qx - zx}) and the weight's shifted integers {@code qw - zw}
     * over slices of columns so few that every partial sum, in any order, is an integer of magnitude at most
     * {@code slice * max|qx - zx| * max|qw - zw| <= 2^24}, so exact (at least {@link #CHUNK} columns:
     * {@code 256 * 255 * 255 < 2^24}); the slices' sums added as ints.
     */
    private static int[] sliced(float[] a, int m, int k, byte[] ws, int wo, int n, int[] wZero) {
        float[] b = new float[Math.multiplyExact(n, k)];
        int maxW = 0;
        for (int j = 0; j < n; j++) {
            int wr = wo + j * k;
            int br = j * k;
            int zw = wZero[j];
            for (int c = 0; c < k; c++) {
                int v = ws[wr + c] - zw;
                b[br + c] = v;
                maxW = Math.max(maxW, Math.abs(v));
            }
        }
        int maxA = 0;
        for (float v : a) {
            maxA = Math.max(maxA, (int) Math.abs(v));
        }
        int slice = (int) Math.max(CHUNK, Math.min(k, (1L << 24) / Math.max(1L, (long) maxA * maxW)));
        int[] acc = new int[Math.multiplyExact(m, n)];
        float[] part = new float[acc.length];
        for (int k0 = 0; k0 < k; k0 += slice) {
            int kc = Math.min(slice, k - k0);
            Gemm.sgemm(MicroKernels.get(), m, n, kc, a, k0, k, 1, b, k0, 1, k, part, 0, n, 1);
            for (int i = 0; i < acc.length; i++) {
                acc[i] += (int) part[i];
            }
        }
        return acc;
    }
}
