package dev.ember.cpu;

import dev.ember.FakeQuant;
import dev.ember.backend.Layout;

/**
 * The quantized kernels: FBGEMM's dynamic qint8 linear ({@code quantized::linear_dynamic} of PyTorch's x86 builds)
 * and its static quantized linear ({@code quantized::linear}, which quantized convolutions reach through im2col), step
 * by step as {@link dev.ember.backend.Backend#quantizedLinearDynamic} and
 * {@link dev.ember.backend.Backend#quantizedLinear} specify them. The integer sums run on the
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
     * FBGEMM's static quantized linear, as {@link dev.ember.backend.Backend#quantizedLinear} specifies it: the exact
     * integer sums of {@code a} ({@code qx - zx}) with the weight's {@code qw - zw}, then {@code requantizeOutputProcessingAvx2}'s
     * float steps and saturations, element by element.
     */
    static void linearStatic(CpuStorage a, Layout aLayout, CpuStorage w, Layout wLayout, int[] wZero,
                             float[] actTimesWScale, float[] multiplier, float[] bias, int outZero, boolean relu,
                             CpuStorage dst, Layout dstLayout) {
        int m = aLayout.size(0);
        int k = aLayout.size(1);
        int n = wLayout.size(0);
        if (m == 0 || n == 0) {
            return;
        }
        float[] as = (float[]) a.array;
        int ao = aLayout.offset();
        float[] shifted = ao == 0 && as.length == (long) m * k ? as : java.util.Arrays.copyOfRange(as, ao, ao + m * k);
        byte[] ws = (byte[]) w.array;
        int[] raw = m < DOT_ROWS ? fewRows(shifted, m, k, ws, wLayout.offset(), n, wZero)
                : sliced(shifted, m, k, ws, wLayout.offset(), n, wZero);
        byte[] out = (byte[]) dst.array;
        int yo = dstLayout.offset();
        boolean perTensor = actTimesWScale.length == 1;
        // _mm256_set1_ps(1.0 / act_times_w_scale): the reciprocal in double, rounded to float once
        float reciprocal = perTensor ? (float) (1.0 / (double) actTimesWScale[0]) : 0f;
        int floor = relu ? outZero : 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float f = (float) raw[i * n + j];
                if (bias != null) {
                    f += perTensor ? bias[j] * reciprocal : bias[j] / actTimesWScale[j];
                }
                float r = f * (perTensor ? multiplier[0] : multiplier[j]);
                // CVTPS2DQ: round half to even; NaN and out-of-range give int32's minimum
                int rounded = Float.isNaN(r) || r >= 0x1p31f || r < -0x1p31f ? Integer.MIN_VALUE : (int) Math.rint(r);
                int v = saturate16(saturate16(rounded) + outZero); // packs_epi32, then adds_epi16
                v = Math.min(255, Math.max(0, v)); // packus_epi16
                out[yo + i * n + j] = (byte) Math.max(floor, v);
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
