package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.backend.Layout;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.ember.cpu.FftKernelsTest.storage;
import static dev.ember.cpu.FftKernelsTest.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The FFT kernels on SIMD lanes ({@link VectorFft}: several sequences of a batch side by side, one per lane) against
 * the same kernels one sequence at a time: the lanes run the scalar butterflies' operations in the scalar order, so
 * every output must be bit for bit the same, for the complex transform (both directions), rfft and irfft, every kind of
 * plan (radix 4, 2, 3, 5, a generic odd radix, Bluestein, the real transforms' odd and even paths), batches that fill
 * the lanes, leave a block half full (padded lanes) or nearly empty (one sequence at a time), and strided layouts.
 * {@link FftKernelsTest} and {@link RfftKernelsTest} check the values themselves (against a naive DFT); they run the
 * lanes too, through the backend.
 */
class FftLanesTest {
    private static final int[] LENGTHS = {1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 30, 49, 77, 121, 143, 1000, 1024, 4099, 8198};

    private static FftKernels.Lanes lanes() {
        assertNotNull(FftKernels.LANES, "the tests run with jdk.incubator.vector, so the lanes must have loaded");
        return FftKernels.LANES;
    }

    /** Batches around the lane count: a lone pair, a partial block either side of half, a full one, and spills. */
    private static int[] batches() {
        int v = lanes().lanes();
        return new int[] {2, v / 2, v - 1, v, v + 1, 2 * v + v / 2, 3 * v + 1};
    }

    /** A [batch, n, 2] layout with the batch innermost in memory (strides 2, 2 batch, 1), offset 3. */
    private static Layout transposed(int batch, int n) {
        return new Layout(new int[] {batch, n, 2}, new int[] {2, 2 * batch, 1}, 3);
    }

    @Test
    void lanesAreTheVectorsDoubles() {
        int v = lanes().lanes();
        assertTrue(v == 2 || v == 4 || v == 8, "lanes " + v);
        assertEquals(v, jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length() / 2);
    }

    /**
     * No method of the lane kernels takes or returns a vector: C2 stops inlining methods of its own past
     * {@code NodeCountInliningCutoff} (the Vector API's are {@code @ForceInline} and always inlined), and one cut off
     * there boxes its vectors (8 to 28 MB allocated a call, see {@link VectorFft}).
     */
    @Test
    void noHelperPassesVectors() {
        int checked = 0;
        for (java.lang.reflect.Method m : VectorFft.class.getDeclaredMethods()) {
            checked++;
            assertTrue(!jdk.incubator.vector.Vector.class.isAssignableFrom(m.getReturnType()), m.toString());
            for (Class<?> p : m.getParameterTypes()) {
                assertTrue(!jdk.incubator.vector.Vector.class.isAssignableFrom(p), m.toString());
            }
        }
        assertTrue(checked >= 8, "only " + checked + " methods");
    }

    @Test
    void complexTransformOnLanesIsTheScalarOneBitForBit() {
        Random rnd = new Random(7);
        for (DType t : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            for (int n : LENGTHS) {
                for (int batch : batches()) {
                    for (boolean inverse : new boolean[] {false, true}) {
                        double[] x = RfftKernelsTest.realRandom(rnd, 2 * batch * n + 3, t);
                        Layout[] layouts = {Layout.contiguous(batch, n, 2), transposed(batch, n)};
                        for (Layout in : layouts) {
                            for (Layout out : layouts) {
                                CpuStorage a = storage(t, new double[2 * batch * n + 3]);
                                CpuStorage b = storage(t, new double[2 * batch * n + 3]);
                                FftKernels.fft(storage(t, x), in, a, out, inverse, lanes());
                                FftKernels.fft(storage(t, x), in, b, out, inverse, null);
                                assertArrayEquals(values(b), values(a), t + " n=" + n + " batch=" + batch
                                        + " inverse=" + inverse + " " + in + " -> " + out);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void realTransformsOnLanesAreTheScalarOnesBitForBit() {
        Random rnd = new Random(11);
        for (DType t : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            for (int n : LENGTHS) {
                int h = n / 2 + 1;
                for (int batch : batches()) {
                    // rfft from a real [batch, n] whose batch is innermost, into a contiguous spectrum
                    double[] x = RfftKernelsTest.realRandom(rnd, batch * n + 1, t);
                    Layout real = new Layout(new int[] {batch, n}, new int[] {1, batch}, 1);
                    Layout spectrum = Layout.contiguous(batch, h, 2);
                    CpuStorage a = storage(t, new double[2 * batch * h]);
                    CpuStorage b = storage(t, new double[2 * batch * h]);
                    FftKernels.rfft(storage(t, x), real, a, spectrum, lanes());
                    FftKernels.rfft(storage(t, x), real, b, spectrum, null);
                    assertArrayEquals(values(b), values(a), "rfft " + t + " n=" + n + " batch=" + batch);
                    // irfft of a random spectrum (imaginary parts of X[0] and X[n/2] ignored) from a strided layout
                    double[] z = RfftKernelsTest.realRandom(rnd, 2 * batch * h + 3, t);
                    CpuStorage c = storage(t, new double[batch * n]);
                    CpuStorage d = storage(t, new double[batch * n]);
                    FftKernels.irfft(storage(t, z), transposed(batch, h), c, Layout.contiguous(batch, n), lanes());
                    FftKernels.irfft(storage(t, z), transposed(batch, h), d, Layout.contiguous(batch, n), null);
                    assertArrayEquals(values(d), values(c), "irfft " + t + " n=" + n + " batch=" + batch);
                }
            }
        }
    }

    /**
     * Several batch dims, the sequence's dim between them (a tensor [p, n, q] transformed along n, read and written in
     * place: shape [p, q, n, 2] with strides [2 n q, 2, 2 q, 1]), and no batch dim at all, give bit for bit what the
     * same sequences give as a flat [p q, n, 2] batch, with lanes and without: FftOps hands such views to the backend
     * instead of copying them contiguous first.
     */
    @Test
    void batchDimsOfAnyNumberAndOrderAreTheFlatBatch() {
        Random rnd = new Random(13);
        int v = lanes().lanes();
        for (DType t : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            for (int n : new int[] {1, 6, 16, 77, 1000}) {
                for (int[] pq : new int[][] {{1, 1}, {3, 1}, {2, v + 1}, {3, 2 * v}}) {
                    int p = pq[0];
                    int q = pq[1];
                    int h = n / 2 + 1;
                    for (FftKernels.Lanes ln : new FftKernels.Lanes[] {lanes(), null}) {
                        String what = t + " n=" + n + " p=" + p + " q=" + q + (ln == null ? " one at a time" : " lanes");
                        // complex [p, n, q] along n
                        double[] x = RfftKernelsTest.realRandom(rnd, 2 * p * n * q, t);
                        Layout inPlace = new Layout(new int[] {p, q, n, 2}, new int[] {2 * n * q, 2, 2 * q, 1}, 0);
                        CpuStorage got = storage(t, new double[2 * p * n * q]);
                        FftKernels.fft(storage(t, x), inPlace, got, inPlace, false, ln);
                        double[] flat = new double[2 * p * n * q];
                        for (int i = 0; i < p; i++) {
                            for (int j = 0; j < n; j++) {
                                for (int k = 0; k < q; k++) {
                                    for (int c = 0; c < 2; c++) {
                                        flat[((i * q + k) * n + j) * 2 + c] = x[((i * n + j) * q + k) * 2 + c];
                                    }
                                }
                            }
                        }
                        CpuStorage want = storage(t, new double[2 * p * n * q]);
                        FftKernels.fft(storage(t, flat), Layout.contiguous(p * q, n, 2), want,
                                Layout.contiguous(p * q, n, 2), false, ln);
                        double[] g = values(got);
                        double[] w = values(want);
                        for (int i = 0; i < p; i++) {
                            for (int j = 0; j < n; j++) {
                                for (int k = 0; k < q; k++) {
                                    for (int c = 0; c < 2; c++) {
                                        assertEquals(w[((i * q + k) * n + j) * 2 + c], g[((i * n + j) * q + k) * 2 + c],
                                                "fft " + what);
                                    }
                                }
                            }
                        }
                        // real [p, n, q] along n: rfft into [p, h, q, 2], then irfft of that spectrum back
                        double[] r = RfftKernelsTest.realRandom(rnd, p * n * q, t);
                        Layout realIn = new Layout(new int[] {p, q, n}, new int[] {n * q, 1, q}, 0);
                        Layout specIn = new Layout(new int[] {p, q, h, 2}, new int[] {2 * h * q, 2, 2 * q, 1}, 0);
                        CpuStorage spec = storage(t, new double[2 * p * h * q]);
                        FftKernels.rfft(storage(t, r), realIn, spec, specIn, ln);
                        double[] rflat = new double[p * n * q];
                        for (int i = 0; i < p; i++) {
                            for (int j = 0; j < n; j++) {
                                for (int k = 0; k < q; k++) {
                                    rflat[(i * q + k) * n + j] = r[(i * n + j) * q + k];
                                }
                            }
                        }
                        CpuStorage specFlat = storage(t, new double[2 * p * h * q]);
                        FftKernels.rfft(storage(t, rflat), Layout.contiguous(p * q, n), specFlat,
                                Layout.contiguous(p * q, h, 2), ln);
                        double[] sg = values(spec);
                        double[] sw = values(specFlat);
                        for (int i = 0; i < p; i++) {
                            for (int j = 0; j < h; j++) {
                                for (int k = 0; k < q; k++) {
                                    for (int c = 0; c < 2; c++) {
                                        assertEquals(sw[((i * q + k) * h + j) * 2 + c], sg[((i * h + j) * q + k) * 2 + c],
                                                "rfft " + what);
                                    }
                                }
                            }
                        }
                        CpuStorage back = storage(t, new double[p * n * q]);
                        FftKernels.irfft(spec, specIn, back, realIn, ln);
                        CpuStorage backFlat = storage(t, new double[p * n * q]);
                        FftKernels.irfft(specFlat, Layout.contiguous(p * q, h, 2), backFlat, Layout.contiguous(p * q, n), ln);
                        double[] bg = values(back);
                        double[] bw = values(backFlat);
                        for (int i = 0; i < p; i++) {
                            for (int j = 0; j < n; j++) {
                                for (int k = 0; k < q; k++) {
                                    assertEquals(bw[(i * q + k) * n + j], bg[(i * n + j) * q + k], "irfft " + what);
                                }
                            }
                        }
                    }
                }
            }
            // no batch dim: [n, 2] is the batch of one [1, n, 2]
            double[] x = RfftKernelsTest.realRandom(rnd, 2 * 30, t);
            CpuStorage a = storage(t, new double[60]);
            CpuStorage b = storage(t, new double[60]);
            FftKernels.fft(storage(t, x), Layout.contiguous(30, 2), a, Layout.contiguous(30, 2), true, lanes());
            FftKernels.fft(storage(t, x), Layout.contiguous(1, 30, 2), b, Layout.contiguous(1, 30, 2), true, lanes());
            assertArrayEquals(values(b), values(a), "[n, 2] " + t);
        }
    }
}
