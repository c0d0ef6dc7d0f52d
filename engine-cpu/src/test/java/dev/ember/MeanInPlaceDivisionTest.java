package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * {@code mean} divides its fresh sum in place by a backend call ({@code -Dember.reduce.meanDivOp=true}: by {@code div}
 * into a second tensor, the old path). Checked: the same bits as the old path and as {@code sum(dims).div(count)}
 * written out by the caller, for float32, float64, float16 and bfloat16, the rows path (last dimension, tails), the
 * column path (a middle dimension, a bias gradient's leading dimensions), whole reductions, keepdim, views (a stepped
 * slice, a permuted tensor, an expanded stride-0 dimension), one and two threads; the result's version counter stays 0
 * (PyTorch's mean_out divides below autograd's version counting), and the gradient is unchanged.
 */
class MeanInPlaceDivisionTest {
    private static final String OLD = "ember.reduce.meanDivOp";

    private static <T> T with(boolean old, int threads, Supplier<T> body) {
        int before = Ember.getNumThreads();
        String prop = System.getProperty(OLD);
        try {
            Ember.setNumThreads(threads);
            System.setProperty(OLD, Boolean.toString(old));
            return body.get();
        } finally {
            Ember.setNumThreads(before);
            if (prop == null) {
                System.clearProperty(OLD);
            } else {
                System.setProperty(OLD, prop);
            }
        }
    }

    private static float[] values(long seed, int n) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = r.nextInt(300) == 0 ? -0f : (float) (r.nextGaussian() * (1 + r.nextInt(3) * 1000));
        }
        return x;
    }

    private static void assertSameBits(double[] want, double[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int j = 0; j < want.length; j++) {
            assertEquals(Double.doubleToRawLongBits(want[j]), Double.doubleToRawLongBits(got[j]),
                    what + " [" + j + "]: want " + want[j] + " got " + got[j]);
        }
    }

    @Test
    void sameBitsAsTheOldPathAndAsSumDividedOnEveryPath() {
        int[][] shapes = {{2, 3, 7}, {4, 5, 33}, {3, 130, 9}, {2, 600, 513}, {16, 37, 512}, {1, 1, 1}};
        int checked = 0;
        for (int[] s : shapes) {
            float[] v = values(s[0] * 1000L + s[1] * 31L + s[2], s[0] * s[1] * s[2]);
            Tensor x32 = Tensor.fromArray(v).reshape(s);
            List<Tensor> inputs = List.of(x32, x32.to(DType.FLOAT64), x32.to(DType.FLOAT16), x32.to(DType.BFLOAT16),
                    x32.permute(2, 0, 1), x32.narrow(1, 0, Math.max(1, s[1] / 2)).narrow(2, 0, Math.max(1, s[2] - 1)),
                    x32.narrow(2, 0, 1).expand(s[0], s[1], 5));
            List<int[]> dims = List.of(new int[] {-1}, new int[] {1}, new int[] {0, 1}, new int[] {0}, new int[] {0, 2},
                    new int[] {0, 1, 2});
            for (Tensor x : inputs) {
                for (int[] d : dims) {
                    for (boolean keep : new boolean[] {false, true}) {
                        for (int threads : new int[] {1, 2}) {
                            String what = x.dtype() + " " + java.util.Arrays.toString(x.shape()) + " dims "
                                    + java.util.Arrays.toString(d) + " keepdim " + keep + " threads " + threads;
                            Function<Tensor, Tensor> mean = t -> t.mean(d, keep);
                            double[] want = with(true, threads, () -> mean.apply(x).toDoubleArray());
                            Tensor got = with(false, threads, () -> mean.apply(x));
                            assertSameBits(want, got.toDoubleArray(), what);
                            assertArrayEquals(with(true, threads, () -> mean.apply(x).shape()), got.shape(), what);
                            assertEquals(0, got.version(), what + ": version counter");
                            if (x.dtype() == DType.FLOAT32 || x.dtype() == DType.FLOAT64) {
                                long count = 1;
                                for (int k : d) {
                                    count *= x.shape()[k < 0 ? k + x.dim() : k];
                                }
                                double c = count;
                                double[] byHand = with(false, threads, () -> x.sum(d, keep).div(c).toDoubleArray());
                                assertSameBits(byHand, got.toDoubleArray(), what + " against sum / count");
                            }
                            checked++;
                        }
                    }
                }
            }
        }
        assertEquals(6 * 7 * 6 * 2 * 2, checked);
    }

    @Test
    void gradientAndVersionUnderAutograd() {
        float[] v = values(7, 4 * 6 * 33);
        for (boolean old : new boolean[] {true, false}) {
            Tensor x = Tensor.fromArray(v).reshape(4, 6, 33).requiresGrad_(true);
            Tensor m = with(old, 1, () -> x.mean(new int[] {1}, false));
            assertEquals("MeanBackward1", m.gradFn().name());
            assertEquals(0, m.version());
            m.backward(Tensor.fromArray(values(8, 4 * 33)).reshape(4, 33));
            float[] g = x.grad().toFloatArray();
            float[] up = values(8, 4 * 33);
            for (int i = 0; i < 4; i++) {
                for (int k = 0; k < 6; k++) {
                    for (int j = 0; j < 33; j++) {
                        assertEquals(Float.floatToRawIntBits(up[i * 33 + j] / 6f),
                                Float.floatToRawIntBits(g[(i * 6 + k) * 33 + j]), "old " + old);
                    }
                }
            }
        }
        Tensor y = Tensor.fromArray(values(9, 10));
        Tensor whole = y.mean();
        assertEquals(0, whole.version());
        assertNull(whole.gradFn());
        assertEquals(Double.doubleToRawLongBits(y.sum().div(10.0).item()), Double.doubleToRawLongBits(whole.item()));
    }
}
