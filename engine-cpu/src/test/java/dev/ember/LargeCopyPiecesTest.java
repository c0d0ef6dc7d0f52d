package dev.ember;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Dense copies longer than one arraycopy piece (1 MiB; session 53 copies a longer row in pieces so that JDK 22+'s
 * non-temporal copy stub is not used): against the rule that a copy keeps every bit, on one thread (one row, every
 * piece in one task) and on the default threads, for float32, float64 and int64, a source that starts inside its
 * storage, a length that is not a whole number of pieces, NaN payloads and -0, and a copy into a narrowed window of a
 * larger tensor that leaves the rest as it was.
 */
class LargeCopyPiecesTest {
    private static final int N = (1 << 20) / 4 * 3 + 12_345; // 3 pieces of float32 and a tail; 6 and a tail of 8-byte types

    private static float[] floats(int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = i % 11 == 0 ? Float.intBitsToFloat(0x7FC00000 | i) : i % 13 == 0 ? -0f : (float) Math.sin(i) * 100;
        }
        return f;
    }

    private static void onThreads(int threads, Runnable r) {
        int before = Ember.getNumThreads();
        Ember.setNumThreads(threads);
        try {
            r.run();
        } finally {
            Ember.setNumThreads(before);
        }
    }

    @Test
    void float32CopiesKeepEveryBit() {
        float[] f = floats(N + 7);
        for (int threads : new int[] {1, 2}) {
            onThreads(threads, () -> {
                Tensor x = Tensor.fromArray(f).narrow(0, 7, N); // starts 7 elements into its storage
                float[] got = x.clone().toFloatArray();
                for (int i = 0; i < N; i++) {
                    assertEquals(Float.floatToRawIntBits(f[7 + i]), Float.floatToRawIntBits(got[i]), "at " + i);
                }
            });
        }
    }

    @Test
    void wideTypesCopyKeepEveryValue() {
        double[] d = new double[N + 3];
        long[] l = new long[N + 3];
        for (int i = 0; i < d.length; i++) {
            d[i] = i % 17 == 0 ? Double.longBitsToDouble(0x7FF8000000000000L | i) : Math.cos(i) * 1e300;
            l[i] = (long) i * 0x9E3779B97F4A7C15L;
        }
        onThreads(1, () -> {
            double[] gd = Tensor.fromArray(d).narrow(0, 3, N).clone().toDoubleArray();
            long[] gl = Tensor.fromArray(l).narrow(0, 3, N).clone().toLongArray();
            for (int i = 0; i < N; i++) {
                assertEquals(Double.doubleToRawLongBits(d[3 + i]), Double.doubleToRawLongBits(gd[i]), "float64 at " + i);
                assertEquals(l[3 + i], gl[i], "int64 at " + i);
            }
        });
    }

    @Test
    void copyIntoANarrowedWindowLeavesTheRest() {
        float[] src = floats(N);
        onThreads(1, () -> {
            Tensor out = Tensor.full(DType.FLOAT32, 3.5, N + 100);
            out.narrow(0, 40, N).copy_(Tensor.fromArray(src));
            float[] got = out.toFloatArray();
            for (int i = 0; i < N + 100; i++) {
                int want = i >= 40 && i < 40 + N ? Float.floatToRawIntBits(src[i - 40]) : Float.floatToRawIntBits(3.5f);
                assertEquals(want, Float.floatToRawIntBits(got[i]), "at " + i);
            }
        });
    }
}
