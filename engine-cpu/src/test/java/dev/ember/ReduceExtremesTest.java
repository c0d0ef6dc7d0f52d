package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * amax/amin over contiguous runs (the CPU backend's four-chain loop): bit for bit against a sequential Java max/min
 * in the reduced positions' order, with NaN (wins), infinities and signed zeros (-0 below +0), float32 and float64,
 * one or several reduced dimensions, run lengths that are and are not multiples of four.
 */
class ReduceExtremesTest {
    private static double[] values(long seed, int n) {
        Random r = new Random(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    /** Sequential max/min of x viewed as [outer, reduced] (row-major, the reduced positions contiguous). */
    private static double[] reference(double[] x, int outer, int reduced, boolean max, boolean float32) {
        double[] out = new double[outer];
        for (int o = 0; o < outer; o++) {
            double acc = max ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            for (int r = 0; r < reduced; r++) {
                double v = x[o * reduced + r];
                acc = max ? Math.max(acc, v) : Math.min(acc, v);
            }
            out[o] = float32 ? (float) acc : acc;
        }
        return out;
    }

    @Test
    void lastDimensionRuns() {
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (int len : new int[] {1, 3, 4, 7, 64, 1001}) {
                double[] v = values(len, 5 * len);
                if (len >= 4) {
                    v[len + 2] = Double.NaN;           // row 1 has a NaN
                    v[2 * len] = 0.0;                  // row 2: signed zeros only
                    for (int i = 2 * len; i < 3 * len; i++) {
                        v[i] = i % 2 == 0 ? -0.0 : 0.0;
                    }
                    v[3 * len + 1] = Double.POSITIVE_INFINITY;
                    v[4 * len + len - 1] = Double.NEGATIVE_INFINITY;
                }
                boolean f32 = dtype == DType.FLOAT32;
                Tensor x = Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(5, len).to(dtype);
                assertArrayEquals(reference(v, 5, len, true, f32), x.amax(new int[] {1}, false).toDoubleArray(), 0.0,
                        "amax " + dtype + " " + len);
                assertArrayEquals(reference(v, 5, len, false, f32), x.amin(new int[] {1}, false).toDoubleArray(), 0.0,
                        "amin " + dtype + " " + len);
                if (len >= 4) {
                    // the signed zeros: +0 for max, -0 for min (assertArrayEquals with delta 0 tells them apart by bits)
                    double mx = x.amax(new int[] {1}, false).toDoubleArray()[2];
                    double mn = x.amin(new int[] {1}, false).toDoubleArray()[2];
                    assertArrayEquals(new long[] {Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits(-0.0)},
                            new long[] {Double.doubleToRawLongBits(mx), Double.doubleToRawLongBits(mn)});
                }
            }
        }
    }

    @Test
    void severalReducedDimensions() {
        double[] v = values(3, 3 * 4 * 50);
        v[77] = Double.NaN;
        Tensor x = Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(3, 4, 50).to(DType.FLOAT32);
        // over (1, 2): one run of 200 per output
        assertArrayEquals(reference(v, 3, 200, true, true), x.amax(new int[] {1, 2}, false).toDoubleArray(), 0.0);
        // over (0, 1, 2) of a [4, 50] slice taken with a step: runs of 50 with an outer reduced dimension
        Tensor s = x.slice(1, 0, 4, 2); // [3, 2, 50], rows 0 and 2 of each block
        double[] picked = new double[3 * 2 * 50];
        for (int a = 0; a < 3; a++) {
            for (int b = 0; b < 2; b++) {
                System.arraycopy(v, (a * 4 + 2 * b) * 50, picked, (a * 2 + b) * 50, 50);
            }
        }
        assertArrayEquals(reference(picked, 1, 300, false, true), s.amin(new int[] {0, 1, 2}, false).reshape(1).toDoubleArray(),
                0.0);
    }
}
