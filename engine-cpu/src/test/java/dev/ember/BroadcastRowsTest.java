package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Float32 add, sub, mul and div whose operands iterate as rows of contiguous runs (a {@code [16, 128, 512]} tensor and
 * a bias {@code [512]}, the CPU backend's row-block path): each element the float expression of its two operands, bit
 * for bit against the elementwise reference, with the bias second or first, rows with a gap (a slice of a wider
 * tensor), a result written in place into a gapped view, rows with a vector tail, 1 and 2 threads.
 */
class BroadcastRowsTest {
    private static Tensor random(long seed, int... shape) {
        Random r = new Random(seed);
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() + (r.nextBoolean() ? 0.25 : -0.25));
        }
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(shape).to(DType.FLOAT32);
    }

    private static float apply(String op, float a, float b) {
        switch (op) {
            case "add": return a + b;
            case "sub": return a - b;
            case "mul": return a * b;
            default: return a / b;
        }
    }

    private static Tensor apply(String op, Tensor a, Tensor b) {
        switch (op) {
            case "add": return a.add(b);
            case "sub": return a.sub(b);
            case "mul": return a.mul(b);
            default: return a.div(b);
        }
    }

    /** The reference of {@code a op b} for a of shape [rows, n] (as values row-major) and b of [n] repeated. */
    private static double[] reference(String op, double[] a, double[] b, int n, boolean biasFirst) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            float x = (float) a[i];
            float y = (float) b[i % n];
            out[i] = biasFirst ? apply(op, y, x) : apply(op, x, y);
        }
        return out;
    }

    @Test
    void biasRowsGiveTheElementwiseBits() {
        int saved = Ember.getNumThreads();
        try {
            for (int threads : new int[] {1, 2}) {
                Ember.setNumThreads(threads);
                for (String op : new String[] {"add", "sub", "mul", "div"}) {
                    for (int[] s : new int[][] {{16, 128, 512}, {300, 45}, {3, 33}}) {
                        int n = s[s.length - 1];
                        Tensor x = random(s[0] * 5L + n, s);
                        Tensor b = random(n, n);
                        double[] xv = x.toDoubleArray();
                        double[] bv = b.toDoubleArray();
                        String what = op + " " + threads + " threads " + java.util.Arrays.toString(s);
                        assertArrayEquals(reference(op, xv, bv, n, false), apply(op, x, b).toDoubleArray(), 0.0, what);
                        assertArrayEquals(reference(op, xv, bv, n, true), apply(op, b, x).toDoubleArray(), 0.0,
                                what + " bias first");
                    }
                    // rows with a gap: the first 40 columns of [200, 64]
                    Tensor wide = random(31, 200, 64);
                    Tensor gapped = wide.narrow(1, 0, 40);
                    Tensor b = random(32, 40);
                    double[] gv = gapped.contiguous().toDoubleArray();
                    double[] want = reference(op, gv, b.toDoubleArray(), 40, false);
                    assertArrayEquals(want, apply(op, gapped, b).toDoubleArray(), 0.0, op + " gapped");
                    // in place into the gapped view: the other columns stay
                    double[] before = wide.toDoubleArray();
                    Tensor view = wide.narrow(1, 0, 40);
                    switch (op) {
                        case "add": view.add_(b); break;
                        case "sub": view.sub_(b); break;
                        case "mul": view.mul_(b); break;
                        default: view.div_(b);
                    }
                    assertArrayEquals(want, view.contiguous().toDoubleArray(), 0.0, op + " in place");
                    double[] after = wide.toDoubleArray();
                    for (int r = 0; r < 200; r++) {
                        for (int c = 40; c < 64; c++) {
                            assertArrayEquals(new double[] {before[r * 64 + c]}, new double[] {after[r * 64 + c]}, 0.0,
                                    op + " in place, column " + c);
                        }
                    }
                }
            }
        } finally {
            Ember.setNumThreads(saved);
        }
    }
}
