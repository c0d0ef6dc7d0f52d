package dev.ember.cpu;

import dev.ember.FakeQuant;
import dev.ember.backend.Layout;

/**
 * The quantized kernels: FBGEMM's dynamic qint8 linear ({@code quantized::linear_dynamic} of PyTorch's x86 builds),
 * step by step as {@link dev.ember.backend.Backend#quantizedLinearDynamic} specifies it. The integer sums are exact
 * int32 arithmetic (a product of the 8-bit operands is at most 2^15), in plain Java loops over the rows, split over the
 * backend's threads.
 */
final class QuantizedKernels {
    private QuantizedKernels() {
    }

    static void linearDynamic(CpuStorage x, Layout xLayout, CpuStorage w, Layout wLayout, int[] wZero, float[] wScale,
                              float[] bias, CpuStorage dst, Layout dstLayout) {
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
        int[] colOffsets = new int[n]; // each weight row's sum qw - k zw
        float[] multiplier = new float[n];
        for (int j = 0; j < n; j++) {
            int sum = 0;
            for (int c = 0; c < k; c++) {
                sum += ws[wo + j * k + c];
            }
            colOffsets[j] = sum - k * wZero[j];
            multiplier[j] = scale * wScale[j];
        }
        int vectorized = k - k % 8; // FBGEMM's 8-wide FMA path; its scalar tail divides
        CpuThreads.parallelFor(m, CpuThreads.chunks(m, (long) k * Math.max(1, n)), (task, from, to) -> {
            int[] qx = new int[k];
            for (int i = from; i < to; i++) {
                int xr = xo + i * k;
                int rowSum = 0;
                for (int c = 0; c < k; c++) {
                    float v = xs[xr + c];
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
                    qx[c] = (int) Math.rint(t);
                    rowSum += qx[c];
                }
                for (int j = 0; j < n; j++) {
                    int wr = wo + j * k;
                    int acc = 0;
                    for (int c = 0; c < k; c++) {
                        acc += qx[c] * ws[wr + c];
                    }
                    // sum (qx - zx)(qw - zw) = sum qx qw - zx (sum qw - k zw) - zw sum qx: FBGEMM's offsets, in int32
                    int raw = acc - zero * colOffsets[j] - wZero[j] * rowSum;
                    float r = (float) raw * multiplier[j];
                    ys[yo + i * n + j] = bias == null ? r : r + bias[j];
                }
            }
        });
    }
}
