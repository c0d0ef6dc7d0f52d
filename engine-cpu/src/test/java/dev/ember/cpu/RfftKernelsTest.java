package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.backend.Layout;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Random;

import static dev.ember.cpu.FftKernelsTest.fft;
import static dev.ember.cpu.FftKernelsTest.random;
import static dev.ember.cpu.FftKernelsTest.storage;
import static dev.ember.cpu.FftKernelsTest.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backend's real transforms on the CPU ({@code rfft}: an even length as a complex transform of half the length and
 * a separating pass, an odd one as a complex transform; {@code irfft} the reverse) against the complex kernel, which
 * {@link FftKernelsTest} checks against a naive DFT: {@code rfft(x)} is the first {@code n/2 + 1} bins of
 * {@code fft(x + 0i)}, {@code irfft(X)} the real part of the inverse of the Hermitian extension of X. The bound, for
 * the whole output: {@code ||y - y_ref||_2 <= 4 eps log2(2n) ||y_ref||_2} in float64 (two transforms' rounding and the
 * pass's), one float32 rounding ({@code eps/2}, plus that) in float32.
 */
class RfftKernelsTest {
    private static final Backend CPU = Backends.find("cpu");

    /** Real random values, [batch, n], as float32 values for a float32 run. */
    static double[] realRandom(Random rnd, int count, DType t) {
        double[] x = new double[count];
        for (int i = 0; i < count; i++) {
            double v = rnd.nextGaussian();
            x[i] = t == DType.FLOAT32 ? (float) v : v;
        }
        return x;
    }

    private static double[] rfft(Backend be, double[] x, int batch, int n, DType t) {
        CpuStorage dst = storage(t, new double[2 * batch * (n / 2 + 1)]);
        be.rfft(storage(t, x), Layout.contiguous(batch, n), dst, Layout.contiguous(batch, n / 2 + 1, 2));
        return values(dst);
    }

    private static double[] irfft(Backend be, double[] spectrum, int batch, int n, DType t) {
        CpuStorage dst = storage(t, new double[batch * n]);
        be.irfft(storage(t, spectrum), Layout.contiguous(batch, n / 2 + 1, 2), dst, Layout.contiguous(batch, n));
        return values(dst);
    }

    /** The complex kernel's transform of {@code x} (real, [batch, n]) as complex values with zero imaginary parts. */
    private static double[] complexOf(double[] x) {
        double[] z = new double[2 * x.length];
        for (int i = 0; i < x.length; i++) {
            z[2 * i] = x[i];
        }
        return z;
    }

    private static void assertClose(String what, double[] ref, double[] got, int n, DType t) {
        double err = 0;
        double size = 0;
        for (int i = 0; i < ref.length; i++) {
            err += (ref[i] - got[i]) * (ref[i] - got[i]);
            size += ref[i] * ref[i];
        }
        double eps = t == DType.FLOAT64 ? Math.ulp(1.0) : Math.ulp(1.0f);
        double bound = (t == DType.FLOAT64 ? 4 : 0.6) * eps * Math.log(2.0 * n) / Math.log(2) * Math.sqrt(size)
                + (t == DType.FLOAT64 ? 0 : 0.5 * eps * Math.sqrt(size));
        assertTrue(Math.sqrt(err) <= bound || size == 0, what + " n=" + n + " " + t + ": L2 error " + Math.sqrt(err)
                + " above " + bound);
    }

    /** rfft of [batch, n] against the complex kernel, and irfft of the result back to n times the input. */
    private static void checkLength(int n, int batch) {
        for (DType t : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            double[] x = realRandom(new Random(17L * n + batch), batch * n, t);
            double[] full = fft(complexOf(x), batch, n, DType.FLOAT64, false);
            int h = n / 2 + 1;
            double[] ref = new double[2 * batch * h];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(full, 2 * b * n, ref, 2 * b * h, 2 * h);
            }
            double[] got = rfft(CPU, x, batch, n, t);
            assertClose("rfft", ref, got, n, t);
            // irfft of the exact (float64) spectrum: n times x
            double[] back = irfft(CPU, t == DType.FLOAT64 ? got : ref, batch, n, DType.FLOAT64);
            double[] nx = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                nx[i] = n * x[i];
            }
            assertClose("irfft(rfft)", nx, back, n, DType.FLOAT64);
        }
    }

    @Test
    void everyLengthUpTo130() {
        for (int n = 1; n <= 130; n++) {
            checkLength(n, 3);
        }
    }

    @Test
    void powersPrimesAndLargeLengths() {
        for (int n : new int[] {256, 1024, 4096, 16384, 1000, 4098, 2 * 4099, 127, 4099, 3 * 1009, 65536, 99_998}) {
            checkLength(n, 2);
        }
    }

    @Test
    void irfftIgnoresTheImaginaryPartsOfTheRealBins() {
        // X[0] and X[n/2] (even n) of a real signal are real: their imaginary parts change nothing, as in PyTorch
        for (int n : new int[] {8, 9, 2, 1}) {
            int h = n / 2 + 1;
            double[] spectrum = random(new Random(n), h, DType.FLOAT64);
            double[] real = spectrum.clone();
            real[1] = 0;
            if (n % 2 == 0) {
                real[2 * (h - 1) + 1] = 0;
            }
            assertArrayEquals(irfft(CPU, real, 1, n, DType.FLOAT64), irfft(CPU, spectrum, 1, n, DType.FLOAT64), 0.0,
                    "n=" + n);
        }
    }

    @Test
    void stridedLayoutsAndTheHostCopyDefault() {
        // a backend without real kernels of its own (CUDA today) runs Backend's defaults: the CPU's on host copies
        Backend withoutKernel = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(),
                new Class<?>[] {Backend.class}, (proxy, method, args) -> {
                    try {
                        if (method.getName().equals("rfft") || method.getName().equals("irfft")) {
                            return InvocationHandler.invokeDefault(proxy, method, args);
                        }
                        return method.invoke(CPU, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        int batch = 3;
        for (Backend be : new Backend[] {CPU, withoutKernel}) {
            for (int n : new int[] {1, 2, 12, 45}) {
                int h = n / 2 + 1;
                for (DType t : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
                    double[] x = realRandom(new Random(n), batch * n, t);
                    double[] expected = rfft(CPU, x, batch, n, t);
                    // the source transposed ([n, batch] stored), the destination with an offset and gaps
                    double[] stored = new double[batch * n];
                    for (int b = 0; b < batch; b++) {
                        for (int j = 0; j < n; j++) {
                            stored[j * batch + b] = x[b * n + j];
                        }
                    }
                    CpuStorage dst = storage(t, new double[1 + batch * (2 * h + 3)]);
                    Layout dstLayout = new Layout(new int[] {batch, h, 2}, new int[] {2 * h + 3, 2, 1}, 1);
                    be.rfft(storage(t, stored), new Layout(new int[] {batch, n}, new int[] {1, batch}, 0), dst, dstLayout);
                    double[] got = values(dst);
                    double[] back = new double[batch * n];
                    CpuStorage real = storage(t, new double[2 + batch * (n + 1)]);
                    be.irfft(dst, dstLayout, real, new Layout(new int[] {batch, n}, new int[] {n + 1, 1}, 2));
                    double[] r = values(real);
                    for (int b = 0; b < batch; b++) {
                        for (int j = 0; j < 2 * h; j++) {
                            assertTrue(expected[2 * b * h + j] == got[1 + b * (2 * h + 3) + j], "n=" + n + " " + t);
                        }
                        for (int j = 0; j < n; j++) {
                            back[b * n + j] = r[2 + b * (n + 1) + j] / n;
                        }
                    }
                    assertClose("round trip", x, back, n, t == DType.FLOAT64 ? t : DType.FLOAT32);
                }
            }
        }
    }

    @Test
    void badLayoutsAreRefusedBeforeAnythingIsWritten() {
        CpuStorage src = storage(DType.FLOAT32, new double[8]);
        CpuStorage dst = storage(DType.FLOAT32, new double[10]);
        assertThrows(IllegalArgumentException.class,
                () -> CPU.rfft(src, Layout.contiguous(1, 8), dst, Layout.contiguous(1, 4, 2)));
        assertThrows(IllegalArgumentException.class, () -> CPU.rfft(storage(DType.FLOAT64, new double[8]),
                Layout.contiguous(1, 8), dst, Layout.contiguous(1, 5, 2)));
        assertThrows(IllegalArgumentException.class,
                () -> CPU.irfft(dst, Layout.contiguous(1, 5, 2), src, Layout.contiguous(1, 7)));
        assertArrayEquals(new double[10], values(dst));
        assertArrayEquals(new double[8], values(src));
    }
}
