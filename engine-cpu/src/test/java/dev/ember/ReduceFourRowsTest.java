package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reductions that keep the contiguous dimension ({@code x.amax(1)} of {@code [16, 128, 512]}, ColumnReduce): float32
 * max and min fold four reduced positions at a time into their accumulators ({@code FloatLoops.extremeIntoFloats4})
 * and float32 results are stored straight into the output array; {@code -Dember.cpu.reduce.oldRows=true} keeps the
 * old one-position-at-a-time fold and {@code setDouble}. Both paths must give the same bits: checked against each
 * other and against a written-out {@code Math.max} / {@code Math.min} fold (amax, amin) on inner lengths 1 to 4097,
 * reduced counts 1 to 1,000 (either side of a multiple of four), NaN, -0.0 and +0.0, infinities, float32 and float64,
 * keepdim, a reduction over two dimensions, non-contiguous views, and one and two threads; sum and mean (which share
 * the straight stores) against the old path, float32, float64, float16 and bfloat16 (mean's float32 sum rounded
 * back), and on the rows path (last dimension) too.
 */
class ReduceFourRowsTest {
    private static final String OLD = "ember.cpu.reduce.oldRows";
    private static final int[] INNER = {1, 3, 7, 8, 9, 31, 33, 511, 513, 4097};
    private static final int[] COUNTS = {1, 2, 3, 4, 5, 7, 9, 1000};

    private static float[] values(long seed, int n) {
        Random r = new Random(seed);
        float[] special = {Float.NaN, -0f, 0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
            -Float.MIN_VALUE};
        float[] x = new float[n];
        // some tensors all negative or all zeros of either sign, so -0 against +0 decides a column's extreme
        int mode = r.nextInt(4);
        for (int i = 0; i < n; i++) {
            float g = (float) r.nextGaussian();
            x[i] = r.nextInt(mode == 3 ? 3 : 200) == 0 ? special[r.nextInt(mode == 3 ? 3 : special.length)]
                    : mode == 1 ? -Math.abs(g) - 1e-3f : mode == 3 ? (r.nextBoolean() ? 0f : -0f) : g;
        }
        return x;
    }

    private static <T> T with(boolean old, int threads, Supplier<T> body) {
        int before = Ember.getNumThreads();
        String prop = System.getProperty(OLD);
        try {
            Ember.setNumThreads(threads);
            System.setProperty(OLD, Boolean.toString(old));
            return body.get();
        } finally {
            Ember.setNumThreads(before);
            restore(OLD, prop);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    /** The same bits; a NaN matches any NaN (Java leaves the payload of a NaN result open). */
    private static void assertBits(double want, double got, String what) {
        if (Double.isNaN(want)) {
            assertTrue(Double.isNaN(got), what + ": want NaN got " + got);
            return;
        }
        assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(got),
                what + ": want " + want + " got " + got);
    }

    private static void assertBits(double[] want, double[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int j = 0; j < want.length; j++) {
            assertBits(want[j], got[j], what + " [" + j + "]");
        }
    }

    /** {@code Math.max} ({@code Math.min}) folded over dim 1 of a row-major {@code [outer, count, inner]} array. */
    private static double[] fold(boolean max, float[] v, int outer, int count, int inner) {
        double[] out = new double[outer * inner];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                float m = max ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
                for (int k = 0; k < count; k++) {
                    float x = v[(o * count + k) * inner + j];
                    m = max ? Math.max(m, x) : Math.min(m, x);
                }
                out[o * inner + j] = m;
            }
        }
        return out;
    }

    @Test
    void middleExtremesKeepTheFoldsBitsOnBothPaths() {
        int checked = 0;
        for (int inner : INNER) {
            for (int count : COUNTS) {
                if ((long) inner * count > 600_000) {
                    continue;
                }
                int outer = inner < 64 ? 3 : 2;
                float[] v = values(inner * 1009L + count, outer * count * inner);
                Tensor x = Tensor.fromArray(v).reshape(outer, count, inner);
                for (boolean max : new boolean[] {true, false}) {
                    double[] want = fold(max, v, outer, count, inner);
                    for (boolean keep : new boolean[] {false, true}) {
                        for (int threads : new int[] {1, 2}) {
                            for (boolean old : new boolean[] {false, true}) {
                                Tensor r = with(old, threads, () -> max ? x.amax(new int[] {1}, keep)
                                        : x.amin(new int[] {1}, keep));
                                assertEquals(keep ? java.util.List.of(outer, 1, inner) : java.util.List.of(outer, inner),
                                        java.util.Arrays.stream(r.shape()).boxed().toList());
                                double[] got = r.toDoubleArray();
                                assertBits(want, got, (max ? "amax" : "amin") + " [" + outer + ", " + count + ", "
                                        + inner + "] keep " + keep + " threads " + threads + " old " + old);
                                checked += got.length;
                            }
                        }
                    }
                }
            }
        }
        assertTrue(checked > 1_000_000, "checked " + checked);
    }

    /** Float64 (double accumulators, setDouble) and float32 sums, means, extremes: the new path against the old. */
    @Test
    void sumsMeansAndFloat64MatchTheOldPath() {
        for (int inner : new int[] {8, 9, 33, 513}) {
            for (int count : new int[] {1, 3, 4, 5, 9, 130}) {
                float[] v = values(inner * 31L + count, 2 * count * inner);
                Tensor x32 = Tensor.fromArray(v).reshape(2, count, inner);
                Tensor x64 = x32.to(DType.FLOAT64);
                for (Tensor x : new Tensor[] {x32, x64, x32.to(DType.FLOAT16), x32.to(DType.BFLOAT16)}) {
                    for (int threads : new int[] {1, 2}) {
                        String what = x.dtype() + " [2, " + count + ", " + inner + "] threads " + threads;
                        java.util.List<java.util.function.Function<Tensor, Tensor>> ops = java.util.List.of(
                                t -> t.sum(new int[] {1}, false), t -> t.mean(new int[] {1}, true),
                                t -> t.sum(new int[] {0}, false), t -> t.mean(new int[] {0, 1}, false),
                                t -> t.amax(new int[] {0, 1}, false), t -> t.amin(new int[] {0}, true),
                                t -> t.mean(new int[] {2}, false), t -> t.mean(new int[] {-1}, true),
                                t -> t.mean(new int[] {0, 1, 2}, false));
                        for (int k = 0; k < ops.size(); k++) {
                            java.util.function.Function<Tensor, Tensor> op = ops.get(k);
                            double[] want = with(true, threads, () -> op.apply(x).toDoubleArray());
                            double[] got = with(false, threads, () -> op.apply(x).toDoubleArray());
                            assertBits(want, got, what + " op " + k);
                        }
                    }
                }
            }
        }
    }

    /** Views: a stepped slice of the reduced dim, a narrowed inner dim (offset, row stride), a permuted tensor. */
    @Test
    void viewsMatchTheFold() {
        float[] v = values(77, 4 * 260 * 70);
        Tensor base = Tensor.fromArray(v).reshape(4, 260, 70);
        // positions 0, 3, 6, ... of dim 1 (87 of them), columns 5 to 68
        Tensor view = base.slice(1, 0, 260, 3).narrow(2, 5, 64);
        float[] dense = view.contiguous().toFloatArray();
        for (boolean max : new boolean[] {true, false}) {
            double[] want = fold(max, dense, 4, 87, 64);
            for (int threads : new int[] {1, 2}) {
                for (boolean old : new boolean[] {false, true}) {
                    double[] got = with(old, threads, () -> (max ? view.amax(new int[] {1}, false)
                            : view.amin(new int[] {1}, false)).toDoubleArray());
                    assertBits(want, got, "view max " + max + " threads " + threads + " old " + old);
                }
            }
        }
        // [70, 260, 4] permuted to [4, 260, 70]: the kept inner dim is not contiguous in the source, so the rows path
        Tensor permuted = Tensor.fromArray(v).reshape(70, 260, 4).permute(2, 1, 0);
        float[] pd = permuted.contiguous().toFloatArray();
        for (boolean max : new boolean[] {true, false}) {
            double[] want = fold(max, pd, 4, 260, 70);
            for (boolean old : new boolean[] {false, true}) {
                double[] got = with(old, 2, () -> (max ? permuted.amax(new int[] {1}, false)
                        : permuted.amin(new int[] {1}, false)).toDoubleArray());
                assertBits(want, got, "permuted max " + max + " old " + old);
            }
        }
    }
}
