package dev.ember;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Reductions over contiguous runs (the CPU backend's vector loops for sum, max, min, argmax and argmin of float32 and
 * float64): every run length from 0 to past several vectors (so the vector body, the tails and the empty loop all
 * run), runs that start at odd offsets (narrowed views), reductions spanning several runs (a sliced matrix reduced
 * over both dimensions), and the special values: NaN wins max and min and is the first NaN's position for argmax, -0
 * and +0 tie (the first one's position), infinities. Sums against the exact sum (BigDecimal) within the float64
 * accumulation's bound, max/min/arg bit for bit against the sequential fold.
 */
class ReduceVectorRunsTest {
    private static final double[] SPECIAL = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0};

    private static double[] values(long seed, int n, boolean specials, boolean float32) {
        Random r = new Random(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            double x = r.nextInt(4) == 0 ? r.nextInt(5) - 2 : r.nextGaussian() * Math.exp(r.nextInt(20) - 10);
            v[i] = float32 ? (float) x : x;
            if (specials && r.nextInt(40) == 0) {
                v[i] = SPECIAL[r.nextInt(SPECIAL.length)];
            }
        }
        return v;
    }

    private static Tensor tensor(double[] v, DType dtype, int... shape) {
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(shape).to(dtype);
    }

    /** The exact sum of finite values, or the IEEE outcome when an infinity or NaN is among them. */
    private static double exactSum(double[] v, int from, int to, int stride) {
        BigDecimal s = BigDecimal.ZERO;
        double special = 0;
        for (int i = from; i < to; i += stride) {
            if (Double.isFinite(v[i])) {
                s = s.add(new BigDecimal(v[i]));
            } else {
                special += v[i];
            }
        }
        return special != 0 || Double.isNaN(special) ? special : s.doubleValue();
    }

    private static void assertSum(double want, double bound, double got, DType dtype, String what) {
        if (!Double.isFinite(want)) {
            assertEquals(want, got, 0.0, what);
        } else if (dtype == DType.FLOAT32) {
            // double partial sums of at most a few hundred floats stay far inside half a float ulp of the exact sum,
            // unless the exact sum lies that close to a rounding midpoint: allow the one ulp that could flip
            assertEquals((float) want, (float) got, Math.ulp((float) want), what);
        } else {
            assertEquals(want, got, bound * 1e-14 + 1e-300, what);
        }
    }

    @Test
    void sumsOfEveryRunLength() {
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (int n = 0; n <= 150; n++) {
                for (boolean specials : new boolean[] {false, true}) {
                    // three rows of n, starting at offsets 1 + k * (n + 3): a narrowed view, runs not vector-aligned
                    double[] v = values(n * 7L + (specials ? 1 : 0), 3 * (n + 3) + 1, specials, dtype == DType.FLOAT32);
                    Tensor base = tensor(java.util.Arrays.copyOf(v, 3 * (n + 3)), dtype, 3, n + 3);
                    Tensor rows = base.narrow(1, 1, n);
                    double[] got = rows.sum(new int[] {1}, false).toDoubleArray();
                    for (int k = 0; k < 3; k++) {
                        int from = k * (n + 3) + 1;
                        double abs = 0;
                        for (int i = from; i < from + n; i++) {
                            abs += Math.abs(v[i]);
                        }
                        assertSum(exactSum(v, from, from + n, 1), abs, got[k], dtype, dtype + " n=" + n + " row " + k);
                    }
                }
            }
        }
    }

    @Test
    void sumsSpanningSeveralRuns() {
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            // [5, 4, 70] sliced to [:, :, 3:67] and reduced over dims 0 and 2: the runs of 64 are 5 * 4 separate ones
            double[] v = values(3, 5 * 4 * 70, false, dtype == DType.FLOAT32);
            Tensor x = tensor(v, dtype, 5, 4, 70).narrow(2, 3, 64);
            double[] got = x.sum(new int[] {0, 2}, false).toDoubleArray();
            for (int j = 0; j < 4; j++) {
                BigDecimal s = BigDecimal.ZERO;
                double abs = 0;
                for (int a = 0; a < 5; a++) {
                    for (int c = 3; c < 67; c++) {
                        double e = v[(a * 4 + j) * 70 + c];
                        s = s.add(new BigDecimal(e));
                        abs += Math.abs(e);
                    }
                }
                assertSum(s.doubleValue(), abs, got[j], dtype, dtype + " column " + j);
            }
            double all = x.sum().item();
            BigDecimal s = BigDecimal.ZERO;
            double abs = 0;
            for (int a = 0; a < 20; a++) {
                for (int c = 3; c < 67; c++) {
                    s = s.add(new BigDecimal(v[a * 70 + c]));
                    abs += Math.abs(v[a * 70 + c]);
                }
            }
            assertSum(s.doubleValue(), abs, all, dtype, dtype + " all");
        }
    }

    @Test
    void extremesAndTheirPositionsMatchTheSequentialFold() {
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (int n = 1; n <= 150; n++) {
                for (int variant = 0; variant < 4; variant++) {
                    double[] v = values(n * 13L + variant, 2 * (n + 2), variant >= 2, dtype == DType.FLOAT32);
                    if (variant == 1) {
                        // ties: a few values repeated, zeros of both signs
                        for (int i = 0; i < v.length; i++) {
                            v[i] = (i * 7 % 5 == 0) ? (i % 2 == 0 ? 0.0 : -0.0) : (i * 3 % 4) - 5;
                        }
                    }
                    Tensor x = tensor(v, dtype, 2, n + 2).narrow(1, 2, n);
                    double[] max = x.amax(new int[] {1}, false).toDoubleArray();
                    double[] min = x.amin(new int[] {1}, false).toDoubleArray();
                    long[] argmax = x.argmax(1, false).toLongArray();
                    long[] argmin = x.argmin(1, false).toLongArray();
                    for (int k = 0; k < 2; k++) {
                        int from = k * (n + 2) + 2;
                        double mx = Double.NEGATIVE_INFINITY;
                        double mn = Double.POSITIVE_INFINITY;
                        int amx = -1;
                        int amn = -1;
                        double bx = 0;
                        double bn = 0;
                        for (int i = 0; i < n; i++) {
                            double e = v[from + i];
                            mx = Math.max(mx, e);
                            mn = Math.min(mn, e);
                            if (amx < 0 || (!Double.isNaN(bx) && (e > bx || Double.isNaN(e)))) {
                                bx = e;
                                amx = i;
                            }
                            if (amn < 0 || (!Double.isNaN(bn) && (e < bn || Double.isNaN(e)))) {
                                bn = e;
                                amn = i;
                            }
                        }
                        String what = dtype + " n=" + n + " variant " + variant + " row " + k;
                        assertEquals(Double.doubleToLongBits(mx), Double.doubleToLongBits(max[k]), what + " max");
                        assertEquals(Double.doubleToLongBits(mn), Double.doubleToLongBits(min[k]), what + " min");
                        assertEquals(amx, argmax[k], what + " argmax");
                        assertEquals(amn, argmin[k], what + " argmin");
                    }
                }
            }
        }
    }

    @Test
    void argmaxOverSeveralRunsCountsFlattenedPositions() {
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            // [6, 40] sliced to [:, 5:37]: the flattened positions of the view, 32 per row
            double[] v = new double[6 * 40];
            for (int i = 0; i < v.length; i++) {
                v[i] = (i * 37 % 11) - 5;
            }
            v[3 * 40 + 10] = 9; // the maximum, once in the view: row 3, column 5 of the view
            v[4 * 40 + 2] = 20; // outside the view
            v[5 * 40 + 20] = 9; // a later tie
            Tensor x = tensor(v, dtype, 6, 40).narrow(1, 5, 32);
            assertEquals(3 * 32 + 5, x.argmax().item());
            v[1 * 40 + 30] = Double.NaN;
            v[2 * 40 + 6] = Double.NaN;
            Tensor y = tensor(v, dtype, 6, 40).narrow(1, 5, 32);
            assertEquals(32 + 25, y.argmax().item());
            assertEquals(32 + 25, y.argmin().item());
            assertEquals(Double.NaN, y.amax(new int[] {0, 1}, false).item());
        }
    }

    /**
     * A reduction to one output over one long run is split between the threads (when there are two or more): the
     * parts' results combined in order give the element loop's max, min and first positions exactly, ties and NaN
     * across the parts' boundaries included, and the sum within the double accumulation's bound.
     */
    @Test
    void oneOutputOverALongRunSplitAcrossThreads() {
        int n = 300_001;
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (int variant = 0; variant < 3; variant++) {
                double[] v = values(41 + variant, n, false, dtype == DType.FLOAT32);
                if (variant >= 1) {
                    v[n - 5] = 1e6; // the maximum in the last part, tied earlier in the first part
                    v[17] = 1e6;
                    v[200_000] = -1e6;
                    v[250_000] = -1e6;
                }
                if (variant == 2) {
                    v[299_999] = Double.NaN; // a NaN only in the last part
                }
                Tensor x = tensor(v, dtype, n);
                double mx = Double.NEGATIVE_INFINITY;
                double mn = Double.POSITIVE_INFINITY;
                int amx = -1;
                int amn = -1;
                double bx = 0;
                double bn = 0;
                double abs = 0;
                for (int i = 0; i < n; i++) {
                    double e = v[i];
                    mx = Math.max(mx, e);
                    mn = Math.min(mn, e);
                    abs += Math.abs(e);
                    if (amx < 0 || (!Double.isNaN(bx) && (e > bx || Double.isNaN(e)))) {
                        bx = e;
                        amx = i;
                    }
                    if (amn < 0 || (!Double.isNaN(bn) && (e < bn || Double.isNaN(e)))) {
                        bn = e;
                        amn = i;
                    }
                }
                String what = dtype + " variant " + variant;
                assertEquals(Double.doubleToLongBits(mx), Double.doubleToLongBits(x.amax(new int[] {0}, false).item()), what);
                assertEquals(Double.doubleToLongBits(mn), Double.doubleToLongBits(x.amin(new int[] {0}, false).item()), what);
                assertEquals(amx, x.argmax().item(), what + " argmax");
                assertEquals(amn, x.argmin().item(), what + " argmin");
                assertSum(exactSum(v, 0, n, 1), abs, x.sum().item(), dtype, what + " sum");
            }
        }
    }

    @Test
    void columnSumsOverMergedRowsOfKeptDimensions() {
        // [9, 6, 50].sum(0): the kept dims 1 and 2 are one run of 300 in source and result; and a result that is
        // not row-major over them (sum of a permuted source keeps dims whose runs do not continue)
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            double[] v = values(21, 9 * 6 * 50, true, dtype == DType.FLOAT32);
            Tensor x = tensor(v, dtype, 9, 6, 50);
            double[] got = x.sum(new int[] {0}, false).toDoubleArray();
            for (int j = 0; j < 300; j++) {
                double want = 0;
                for (int a = 0; a < 9; a++) {
                    want += v[a * 300 + j];
                }
                assertEquals(dtype == DType.FLOAT32 ? (float) want : want, got[j], 0.0, dtype + " output " + j);
            }
            Tensor p = x.permute(0, 2, 1); // [9, 50, 6], strides [300, 1, 50]
            double[] gp = p.sum(new int[] {0}, false).toDoubleArray();
            for (int c = 0; c < 50; c++) {
                for (int b = 0; b < 6; b++) {
                    double want = 0;
                    for (int a = 0; a < 9; a++) {
                        want += v[a * 300 + b * 50 + c];
                    }
                    assertEquals(dtype == DType.FLOAT32 ? (float) want : want, gp[c * 6 + b], 0.0,
                            dtype + " permuted output " + c + "," + b);
                }
            }
            double[] mx = x.amax(new int[] {0}, false).toDoubleArray();
            for (int j = 0; j < 300; j++) {
                double want = Double.NEGATIVE_INFINITY;
                for (int a = 0; a < 9; a++) {
                    want = Math.max(want, v[a * 300 + j]);
                }
                assertEquals(Double.doubleToLongBits(want), Double.doubleToLongBits(mx[j]), dtype + " amax " + j);
            }
        }
        assertArrayEquals(new int[] {6, 50}, Tensor.zeros(9, 6, 50).sum(new int[] {0}, false).shape());
    }
}
