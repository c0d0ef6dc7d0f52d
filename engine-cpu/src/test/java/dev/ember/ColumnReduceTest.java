package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Reductions that keep the source's contiguous dimension (the CPU backend's row-wise path: {@code x.sum(0)},
 * {@code amax} over the batch, a transposed matrix summed over its rows): values against a reference that adds in
 * double in the reduced positions' order (float32 sums) or takes max/min with NaN propagation, bit for bit; sizes
 * that split across the worker threads and blocks of outputs; keepdim; several reduced dimensions.
 */
class ColumnReduceTest {
    private static Tensor random(long seed, DType dtype, int... shape) {
        Random r = new Random(seed);
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(shape).to(dtype);
    }

    /** Reference over a [outer, reduced, inner] view of x (row-major), reducing the middle; kind 0 sum, 1 max, 2 min. */
    private static double[] reference(double[] x, int outer, int reduced, int inner, int kind, boolean float32) {
        double[] out = new double[outer * inner];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                double acc = kind == 0 ? 0 : kind == 1 ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
                for (int r = 0; r < reduced; r++) {
                    double v = x[(o * reduced + r) * inner + j];
                    acc = kind == 0 ? acc + v : kind == 1 ? Math.max(acc, v) : Math.min(acc, v);
                }
                out[o * inner + j] = float32 ? (float) acc : acc;
            }
        }
        return out;
    }

    @Test
    void sumOverLeadingDimensions() {
        for (int[] s : new int[][] {{37, 50}, {300, 3000}, {2, 1500}, {5, 8}}) {
            Tensor x = random(s[0] * 31L + s[1], DType.FLOAT32, s);
            double[] want = reference(x.toDoubleArray(), 1, s[0], s[1], 0, true);
            Tensor got = x.sum(0);
            assertEquals(DType.FLOAT32, got.dtype());
            assertArrayEquals(want, got.toDoubleArray(), 0.0, s[0] + "x" + s[1]);
            assertArrayEquals(new int[] {1, s[1]}, x.sum(new int[] {0}, true).shape());
            assertArrayEquals(want, x.sum(new int[] {0}, true).toDoubleArray(), 0.0);
        }
        // [6, 9, 40] over the first two; [4, 7, 3, 40] over 1 and 2 (the outer kept dimension 0)
        Tensor y = random(7, DType.FLOAT32, 6, 9, 40);
        assertArrayEquals(reference(y.toDoubleArray(), 1, 54, 40, 0, true), y.sum(new int[] {0, 1}, false).toDoubleArray(), 0.0);
        Tensor z = random(8, DType.FLOAT32, 4, 7, 3, 40);
        assertArrayEquals(reference(z.toDoubleArray(), 4, 21, 40, 0, true), z.sum(new int[] {1, 2}, false).toDoubleArray(), 0.0);
    }

    /**
     * Few rows of outputs ({@code x.sum(0)} of {@code [2048, 512]}, a Linear layer's bias gradient, and widths with a
     * tail of a 64-float step): split into column blocks across the threads, and float32 sums adding four reduced
     * positions at a time, also where the positions are not evenly spaced ({@code [9, 30, 5, 200]} over 0 and 2) and
     * their count leaves a remainder; bit for bit against the in-order reference, 1 and 2 threads.
     */
    @Test
    void fewOutputRowsSplitIntoColumnBlocksWithTheSameBits() {
        int saved = Ember.getNumThreads();
        try {
            for (int threads : new int[] {1, 2}) {
                Ember.setNumThreads(threads);
                for (int[] s : new int[][] {{2048, 512}, {2047, 200}, {403, 1100}, {130, 65}}) {
                    Tensor x = random(s[0] * 7L + s[1], DType.FLOAT32, s);
                    String what = threads + " threads " + s[0] + "x" + s[1];
                    assertArrayEquals(reference(x.toDoubleArray(), 1, s[0], s[1], 0, true), x.sum(0).toDoubleArray(),
                            0.0, what);
                    Tensor d = x.to(DType.FLOAT64);
                    assertArrayEquals(reference(d.toDoubleArray(), 1, s[0], s[1], 0, false), d.sum(0).toDoubleArray(),
                            0.0, what + " float64");
                    assertArrayEquals(reference(x.toDoubleArray(), 1, s[0], s[1], 1, true),
                            x.amax(new int[] {0}, false).toDoubleArray(), 0.0, what + " amax");
                }
                Tensor b = random(21, DType.FLOAT32, 16, 128, 512);
                assertArrayEquals(reference(b.toDoubleArray(), 1, 2048, 512, 0, true),
                        b.sum(new int[] {0, 1}, true).reshape(512).toDoubleArray(), 0.0, threads + " threads bias");
                // [9, 30, 5, 200] summed over 0 and 2: positions 1,200 and 6,000 floats apart, 45 of them per output
                Tensor w = random(22, DType.FLOAT32, 9, 30, 5, 200);
                double[] v = w.toDoubleArray();
                double[] want = new double[30 * 200];
                for (int o = 0; o < 30; o++) {
                    for (int j = 0; j < 200; j++) {
                        double acc = 0;
                        for (int a = 0; a < 9; a++) {
                            for (int c = 0; c < 5; c++) {
                                acc += v[((a * 30 + o) * 5 + c) * 200 + j];
                            }
                        }
                        want[o * 200 + j] = (float) acc;
                    }
                }
                assertArrayEquals(want, w.sum(new int[] {0, 2}, false).toDoubleArray(), 0.0, threads + " threads [9,30,5,200]");
            }
        } finally {
            Ember.setNumThreads(saved);
        }
    }

    @Test
    void transposedSourceSummedOverItsRows() {
        Tensor base = random(9, DType.FLOAT32, 60, 45);
        Tensor t = base.t(); // [45, 60], strides [1, 45]: dimension 0 is the contiguous one, kept by sum(1)
        double[] want = reference(base.toDoubleArray(), 1, 60, 45, 0, true);
        assertArrayEquals(want, t.sum(1).toDoubleArray(), 0.0);
    }

    @Test
    void maxAndMinKeepNaNAndMatchBitForBit() {
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor x = random(11, dtype, 33, 70);
            double[] v = x.toDoubleArray();
            v[5 * 70 + 3] = Double.NaN;
            v[32 * 70 + 69] = Double.NaN;
            v[0] = Double.NEGATIVE_INFINITY;
            Tensor xn = Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(33, 70).to(dtype);
            boolean f32 = dtype == DType.FLOAT32;
            assertArrayEquals(reference(v, 1, 33, 70, 1, f32), xn.amax(new int[] {0}, false).toDoubleArray(), 0.0);
            assertArrayEquals(reference(v, 1, 33, 70, 2, f32), xn.amin(new int[] {0}, false).toDoubleArray(), 0.0);
            Tensor big = random(12, dtype, 200, 2500);
            assertArrayEquals(reference(big.toDoubleArray(), 1, 200, 2500, 1, f32),
                    big.amax(new int[] {0}, false).toDoubleArray(), 0.0);
        }
    }

    /**
     * Float32 max and min by rows (float accumulators) on columns of signed zeros, infinities and NaN: -0 below +0,
     * NaN wins, compared by raw bits (a delta comparison takes -0 for +0), with widths that leave a vector tail.
     */
    @Test
    void float32ExtremesKeepSignedZerosBitForBit() {
        double[] pool = {0.0, -0.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, 1.5, -1.5};
        Random r = new Random(13);
        for (int width : new int[] {8, 37, 512}) {
            int reduced = 23;
            double[] v = new double[reduced * width];
            for (int i = 0; i < v.length; i++) {
                // mostly zeros of either sign, so many columns hold nothing else
                v[i] = r.nextInt(10) < 8 ? pool[r.nextInt(2)] : pool[r.nextInt(pool.length)];
            }
            Tensor x = Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(reduced, width).to(DType.FLOAT32);
            for (int kind : new int[] {1, 2}) {
                double[] want = reference(v, 1, reduced, width, kind, true);
                double[] got = (kind == 1 ? x.amax(new int[] {0}, false) : x.amin(new int[] {0}, false)).toDoubleArray();
                for (int j = 0; j < width; j++) {
                    assertEquals(Double.doubleToRawLongBits(want[j]), Double.doubleToRawLongBits(got[j]),
                            "width " + width + (kind == 1 ? " amax" : " amin") + " column " + j + ": " + got[j]);
                }
            }
        }
    }

    /**
     * int64 and int32 sums over leading dimensions (int64 results, long accumulators): exact, wrapping on overflow as
     * PyTorch's int64 arithmetic does, with several reduced dimensions and sizes that split across threads.
     */
    @Test
    void integerSumsAreExactAndWrap() {
        Random r = new Random(12);
        for (int[] s : new int[][] {{37, 50}, {300, 3000}, {3, 5, 40}}) {
            int n = 1;
            for (int d : s) {
                n *= d;
            }
            int inner = s[s.length - 1];
            long[] v = new long[n];
            for (int i = 0; i < n; i++) {
                v[i] = i % 97 == 0 ? Long.MAX_VALUE - r.nextInt(3) : r.nextInt(2_000_001) - 1_000_000L;
            }
            long[] want = new long[inner];
            for (int i = 0; i < n; i++) {
                want[i % inner] += v[i]; // Java's long addition wraps as int64 does
            }
            int[] reduced = s.length == 2 ? new int[] {0} : new int[] {0, 1};
            Tensor x = Tensor.tensor(v, DType.INT64, Device.CPU).reshape(s);
            Tensor got = x.sum(reduced, false);
            assertEquals(DType.INT64, got.dtype());
            assertArrayEquals(want, got.toLongArray(), java.util.Arrays.toString(s) + " int64");
            long[] want32 = new long[inner];
            int[] w = new int[n];
            for (int i = 0; i < n; i++) {
                w[i] = (int) v[i];
                want32[i % inner] += w[i];
            }
            Tensor x32 = Tensor.tensor(v, DType.INT64, Device.CPU).to(DType.INT32).reshape(s);
            Tensor got32 = x32.sum(reduced, false);
            assertEquals(DType.INT64, got32.dtype());
            assertArrayEquals(want32, got32.toLongArray(), java.util.Arrays.toString(s) + " int32");
        }
    }

    /** The per-output rule for argmax ({@code max}) and argmin over x viewed as [outer, reduced, inner]. */
    private static long[] argReference(double[] x, int outer, int reduced, int inner, boolean max) {
        long[] out = new long[outer * inner];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                double best = x[o * reduced * inner + j];
                long at = 0;
                for (int r = 1; r < reduced; r++) {
                    double v = x[(o * reduced + r) * inner + j];
                    if (!Double.isNaN(best) && ((max ? v > best : v < best) || Double.isNaN(v))) {
                        best = v;
                        at = r;
                    }
                }
                out[o * inner + j] = at;
            }
        }
        return out;
    }

    /**
     * argmax and argmin over a dimension before the contiguous one ({@code x.argmax(1)} of {@code [16, 128, 512]}) go
     * by rows: the first position of the extreme, a NaN's first position where one is present (a later NaN or value
     * never replaces it), -0 and +0 tied, infinities, many ties (values on a coarse grid); float32 and float64, widths
     * with a tail, keepdim, 1 and 2 threads, against the per-output rule (ReduceSortSweepTest holds that rule against
     * PyTorch).
     */
    @Test
    void argmaxAndArgminByRowsKeepTheFirstPosition() {
        int saved = Ember.getNumThreads();
        try {
            for (int threads : new int[] {1, 2}) {
                Ember.setNumThreads(threads);
                for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                    for (int[] s : new int[][] {{1, 33, 70}, {4, 50, 37}, {16, 128, 512}, {2, 3, 8}}) {
                        Random r = new Random(s[1] * 13L + s[2] + threads);
                        int n = s[0] * s[1] * s[2];
                        double[] v = new double[n];
                        for (int i = 0; i < n; i++) {
                            int kind = r.nextInt(200);
                            v[i] = kind == 0 ? Double.NaN : kind == 1 ? Double.POSITIVE_INFINITY
                                    : kind == 2 ? Double.NEGATIVE_INFINITY : kind < 12 ? (kind % 2 == 0 ? 0.0 : -0.0)
                                    : Math.round(r.nextGaussian() * 4) / 4.0;
                        }
                        Tensor x = Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(s).to(dtype);
                        String what = threads + " threads " + dtype + " " + java.util.Arrays.toString(s);
                        for (boolean max : new boolean[] {true, false}) {
                            long[] want = argReference(v, s[0], s[1], s[2], max);
                            Tensor got = max ? x.argmax(1, false) : x.argmin(1, false);
                            assertEquals(DType.INT64, got.dtype());
                            assertArrayEquals(new int[] {s[0], s[2]}, got.shape(), what);
                            assertArrayEquals(want, got.toLongArray(), what + (max ? " argmax" : " argmin"));
                            Tensor kept = max ? x.argmax(1, true) : x.argmin(1, true);
                            assertArrayEquals(new int[] {s[0], 1, s[2]}, kept.shape(), what);
                            assertArrayEquals(want, kept.toLongArray(), what + " keepdim");
                        }
                    }
                }
            }
        } finally {
            Ember.setNumThreads(saved);
        }
    }
}
