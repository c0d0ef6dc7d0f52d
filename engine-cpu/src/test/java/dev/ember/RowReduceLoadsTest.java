package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Sums and means over the last dimension and over a middle one (session 57: the float32 vector loops load each
 * vector's upper half again instead of permuting it down; {@code -Dember.reduce.swapHalves=true} keeps the permute):
 * bit for bit the same results either way on odd shapes (empty, length 1, tails shorter than a vector, rows at the
 * array's end, narrowed and strided views, keepdim, float64), middle-dimension float32 sums equal to the double sum in
 * the reduced positions' order rounded once, means equal to the float32 sum divided by the count in float32, integer
 * sums exact in int64, and a mean of integers refused in PyTorch's words.
 */
class RowReduceLoadsTest {
    private static final String PROPERTY = "ember.reduce.swapHalves";

    private static Tensor random(long seed, DType dtype, int... shape) {
        Random r = new Random(seed);
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            // magnitudes from 1e-6 to 1e6, so that another order of the additions would round differently
            v[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(13) - 6));
        }
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(shape).to(dtype);
    }

    /** The result with the new loops and with the old (the property set), asserted the same shape, dtype and bits. */
    private static Tensor same(String what, Supplier<Tensor> op) {
        Tensor now = op.get();
        Tensor old;
        System.setProperty(PROPERTY, "true");
        try {
            old = op.get();
        } finally {
            System.clearProperty(PROPERTY);
        }
        assertArrayEquals(old.shape(), now.shape(), what);
        assertEquals(old.dtype(), now.dtype(), what);
        double[] a = old.toDoubleArray();
        double[] b = now.toDoubleArray();
        assertEquals(a.length, b.length, what);
        for (int i = 0; i < a.length; i++) {
            assertEquals(Double.doubleToLongBits(a[i]), Double.doubleToLongBits(b[i]), what + " at " + i);
        }
        return now;
    }

    private static final int[][] SHAPES = {{3, 5, 0}, {0, 4, 9}, {2, 1, 1}, {4, 1, 33}, {2, 3, 1}, {7, 2, 33},
        {3, 17, 77}, {4, 16, 512}, {2, 9, 513}, {1, 8, 15}, {5, 13, 16}, {16, 128, 512}};

    @Test
    void sumAndMeanOverTheLastAndTheMiddleDimensionGiveTheOldBits() {
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (int[] s : SHAPES) {
                Tensor x = random(s[0] * 1000L + s[1] * 31L + s[2], dtype, s);
                String shape = java.util.Arrays.toString(s) + " " + dtype;
                for (int dim : new int[] {-1, 1}) {
                    for (boolean keepdim : new boolean[] {false, true}) {
                        int[] d = {dim};
                        String what = shape + " dim " + dim + (keepdim ? " keepdim" : "");
                        Tensor sum = same("sum " + what, () -> x.sum(d, keepdim));
                        Tensor mean = same("mean " + what, () -> x.mean(d, keepdim));
                        long count = s[dim < 0 ? 2 : 1];
                        if (dtype == DType.FLOAT32) {
                            float[] sf = sum.toFloatArray();
                            float[] mf = mean.toFloatArray();
                            for (int i = 0; i < sf.length; i++) {
                                // PyTorch's mean_out: the sum in the input's type, divided by the count in it
                                assertEquals(Float.floatToIntBits(sf[i] / (float) count), Float.floatToIntBits(mf[i]),
                                        "mean " + what + " at " + i);
                            }
                        }
                    }
                }
            }
        }
    }

    /** Float32 sums over the middle dimension: the double sum in the reduced positions' order, rounded once. */
    @Test
    void middleDimensionSumsAreTheOrderedDoubleSum() {
        for (int[] s : SHAPES) {
            Tensor x = random(s[0] * 7L + s[2], DType.FLOAT32, s);
            double[] v = x.toDoubleArray();
            float[] got = same("sum(1) " + java.util.Arrays.toString(s), () -> x.sum(new int[] {1}, false)).toFloatArray();
            for (int o = 0; o < s[0]; o++) {
                for (int j = 0; j < s[2]; j++) {
                    double acc = 0;
                    for (int r = 0; r < s[1]; r++) {
                        acc += v[(o * s[1] + r) * s[2] + j];
                    }
                    assertEquals(Float.floatToIntBits((float) acc), Float.floatToIntBits(got[o * s[2] + j]),
                            java.util.Arrays.toString(s) + " output " + o + "," + j);
                }
            }
        }
    }

    /** Views: narrowed rows (runs at odd offsets, the last one at the storage's end), a step, a transpose. */
    @Test
    void viewsGiveTheOldBits() {
        Tensor x = random(11, DType.FLOAT32, 6, 10, 70);
        Tensor[] views = {x.narrow(2, 3, 67), x.narrow(2, 0, 69), x.narrow(2, 1, 17), x.slice(0, 1, 6, 2),
            x.slice(2, 0, 70, 2), x.transpose(1, 2), x.transpose(0, 2), x.narrow(1, 2, 5).narrow(2, 5, 65)};
        for (int k = 0; k < views.length; k++) {
            Tensor view = views[k];
            for (int dim : new int[] {-1, 1}) {
                for (boolean keepdim : new boolean[] {false, true}) {
                    String what = "view " + k + " " + java.util.Arrays.toString(view.shape()) + " dim " + dim + keepdim;
                    Tensor sum = same("sum " + what, () -> view.sum(new int[] {dim}, keepdim));
                    Tensor copy = view.contiguous();
                    Tensor want = copy.sum(new int[] {dim}, keepdim);
                    // a view sums to the bits of its contiguous copy where its runs stay contiguous
                    if (view.stride()[view.dim() - 1] == 1 || dim == 1) {
                        assertArrayEquals(want.toDoubleArray(), sum.toDoubleArray(), 0.0, what + " vs its copy");
                    }
                    same("mean " + what, () -> view.mean(new int[] {dim}, keepdim));
                }
            }
        }
    }

    /** Integer and bool sums are exact in int64; a mean of integers is refused as PyTorch refuses it. */
    @Test
    void integerSumsAreExactAndIntegerMeansAreRefused() {
        Random r = new Random(3);
        int[] s = {3, 17, 77};
        long[] v = new long[s[0] * s[1] * s[2]];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextInt(2_000_001) - 1_000_000L + (r.nextInt(50) == 0 ? 3_000_000_000L : 0);
        }
        for (DType dtype : new DType[] {DType.INT64, DType.INT32, DType.BOOL, DType.UINT8}) {
            Tensor x = Tensor.tensor(v, DType.INT64, Device.CPU).reshape(s).to(dtype);
            long[] xv = x.toLongArray();
            for (int dim : new int[] {-1, 1}) {
                Tensor sum = same("sum " + dtype + " dim " + dim, () -> x.sum(new int[] {dim}, false));
                assertEquals(DType.INT64, sum.dtype(), dtype + " dim " + dim);
                long[] got = sum.toLongArray();
                int k = 0;
                for (int o = 0; o < s[0]; o++) {
                    for (int j = 0; j < (dim == 1 ? s[2] : s[1]); j++) {
                        long want = 0;
                        for (int q = 0; q < (dim == 1 ? s[1] : s[2]); q++) {
                            want += dim == 1 ? xv[(o * s[1] + q) * s[2] + j] : xv[(o * s[1] + j) * s[2] + q];
                        }
                        assertEquals(want, got[k++], dtype + " dim " + dim);
                    }
                }
                String name = dtype == DType.INT64 ? "Long" : dtype == DType.INT32 ? "Int" : dtype == DType.BOOL ? "Bool" : "Byte";
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> x.mean(new int[] {dim}, false));
                assertEquals("mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
                        + "dtype. Got: " + name, e.getMessage());
            }
        }
    }
}
