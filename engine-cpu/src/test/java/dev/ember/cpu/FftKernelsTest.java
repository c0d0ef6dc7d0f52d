package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.backend.Layout;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backend's {@code fft} on the CPU ({@link FftKernels}: mixed radix and Bluestein) against a naive O(n^2) DFT
 * computed in double with exactly reduced twiddles and compensated sums, through the {@link Backend} interface.
 *
 * <p>The bound: for a sequence {@code x} of length {@code n} with transform {@code X}, the error of the whole output
 * satisfies {@code ||X - X_ref||_2 <= C eps log2(2n) sqrt(n) ||x||_2} (note {@code ||X_ref||_2 = sqrt(n) ||x||_2}, so
 * this is a relative error of {@code C eps log2(2n)}), with {@code eps} the type's machine epsilon and {@code C =}
 * {@link #C64} for float64; for float32, where the kernel computes in double and rounds once on the store, the error is
 * that rounding's alone: {@code C =} {@link #C32} with no log factor. Where only some bins are computed naively (long
 * sequences), their root-mean-square error is held to the same bound divided by {@code sqrt(n)}.
 */
class FftKernelsTest {
    /** The float64 constant of the bound above (the largest measured over every case here: 0.28, at n = 5). */
    private static final double C64 = 1.0;
    /**
     * The float32 constant: the store's rounding moves each output by at most eps/2 of its magnitude, so the whole
     * output by at most {@code eps/2 ||X||_2}; the double computation adds about 1e-16 (largest measured: 0.31).
     */
    private static final double C32 = 0.51;
    private static final double EPS64 = Math.ulp(1.0);
    private static final double EPS32 = Math.ulp(1.0f);

    private static final Backend CPU = Backends.find("cpu");

    // ------------------------------------------------------------------ reference

    /** {@code exp(sign 2 pi i q / n)} with q reduced exactly to within an eighth of a turn of a quarter turn. */
    private static double[] root(long q, long n, int sign) {
        q = Math.floorMod(q, n);
        long quarter = Math.round(4.0 * q / n); // nearest quarter turn, 0..4
        long rem = 4 * q - quarter * n; // the rest, in units of a turn / (4n): |rem| <= n / 2
        double a = 2 * Math.PI * ((double) rem / (4.0 * n));
        double c = Math.cos(a);
        double s = Math.sin(a);
        double cr;
        double sr;
        switch ((int) (quarter % 4)) {
            case 0 -> { cr = c; sr = s; }
            case 1 -> { cr = -s; sr = c; }
            case 2 -> { cr = -c; sr = -s; }
            default -> { cr = s; sr = -c; }
        }
        return new double[] {cr, sign * sr};
    }

    /** Neumaier's compensated sum, accumulated term by term. */
    private static final class Sum {
        double s;
        double c;

        void add(double v) {
            double t = s + v;
            c += Math.abs(s) >= Math.abs(v) ? (s - t) + v : (v - t) + s;
            s = t;
        }

        double value() {
            return s + c;
        }
    }

    /** Bin {@code k} of the naive DFT of interleaved {@code x} (length n), sign -1 forward, +1 inverse. */
    private static double[] naiveBin(double[] x, int n, int k, int sign, double[][] roots) {
        Sum re = new Sum();
        Sum im = new Sum();
        for (int j = 0; j < n; j++) {
            double[] w = roots[(int) ((long) j * k % n)];
            double wr = w[0];
            double wi = sign * w[1];
            re.add(x[2 * j] * wr);
            re.add(-x[2 * j + 1] * wi);
            im.add(x[2 * j] * wi);
            im.add(x[2 * j + 1] * wr);
        }
        return new double[] {re.value(), im.value()};
    }

    private static double[][] roots(int n) {
        double[][] r = new double[n][];
        for (int q = 0; q < n; q++) {
            r[q] = root(q, n, 1);
        }
        return r;
    }

    private static double norm(double[] x, int from, int len) {
        double s = 0;
        for (int i = from; i < from + len; i++) {
            s += x[i] * x[i];
        }
        return Math.sqrt(s);
    }

    // ------------------------------------------------------------------ running the kernel

    /** Random interleaved complex values of {@code count} complex elements, rounded to float32 for a float32 run. */
    static double[] random(Random rnd, int count, DType t) {
        double[] x = new double[2 * count];
        for (int i = 0; i < x.length; i++) {
            double v = rnd.nextGaussian();
            x[i] = t == DType.FLOAT32 ? (float) v : v;
        }
        return x;
    }

    static CpuStorage storage(DType t, double[] values) {
        if (t == DType.FLOAT64) {
            return new CpuStorage(t, values.clone());
        }
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return new CpuStorage(t, f);
    }

    static double[] values(CpuStorage s) {
        if (s.dtype == DType.FLOAT64) {
            return ((double[]) s.array).clone();
        }
        float[] f = (float[]) s.array;
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** The transform of contiguous interleaved {@code x} ([batch, n]) through contiguous layouts. */
    static double[] fft(double[] x, int batch, int n, DType t, boolean inverse) {
        CpuStorage src = storage(t, x);
        CpuStorage dst = storage(t, new double[2 * batch * n]);
        CPU.fft(src, Layout.contiguous(batch, n, 2), dst, Layout.contiguous(batch, n, 2), inverse);
        return values(dst);
    }

    /**
     * Checks every bin (or, for long sequences, {@code samples} bins: 0, 1, n-1, n/2 and random ones) of sequence
     * {@code b} of the kernel's output {@code y} against the naive DFT of {@code x}; returns the measured constant.
     */
    private static double check(String what, double[] x, double[] y, int b, int n, DType t, boolean inverse,
                                int samples) {
        double[][] roots = roots(n);
        int off = 2 * b * n;
        double[] xs = Arrays.copyOfRange(x, off, off + 2 * n);
        int[] bins;
        if (samples <= 0 || samples >= n) {
            bins = new int[n];
            for (int k = 0; k < n; k++) {
                bins[k] = k;
            }
        } else {
            Random rnd = new Random(n);
            bins = new int[samples];
            bins[0] = 0;
            bins[1] = 1;
            bins[2] = n - 1;
            bins[3] = n / 2;
            for (int i = 4; i < samples; i++) {
                bins[i] = rnd.nextInt(n);
            }
        }
        double err2 = 0;
        for (int k : bins) {
            double[] ref = naiveBin(xs, n, k, inverse ? 1 : -1, roots);
            double dr = y[off + 2 * k] - ref[0];
            double di = y[off + 2 * k + 1] - ref[1];
            err2 += dr * dr + di * di;
        }
        // the rms error per bin times sqrt(n): the whole output's L2 error when every bin is checked
        double err = Math.sqrt(err2 / bins.length * n);
        double xn = norm(xs, 0, 2 * n);
        double unit = t == DType.FLOAT64
                ? EPS64 * log2(2 * n) * Math.sqrt(n) * xn
                : EPS32 * Math.sqrt(n) * xn;
        double c = xn == 0 ? 0 : err / unit;
        double bound = t == DType.FLOAT64 ? C64 : C32;
        assertTrue(c <= bound, what + ": n=" + n + " " + t + (inverse ? " inverse" : "") + " sequence " + b
                + ": L2 error " + err + " is " + c + " units of eps*" + (t == DType.FLOAT64 ? "log2(2n)*" : "")
                + "sqrt(n)*||x||, above " + bound);
        return c;
    }

    private static double log2(double v) {
        return Math.log(v) / Math.log(2);
    }

    /** Transforms one random sequence of length n forward in both types and checks it; returns the worst constant. */
    private static double checkLength(int n, int samples, boolean inverse) {
        double worst = 0;
        for (DType t : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            double[] x = random(new Random(31L * n + t.ordinal()), n, t);
            double[] y = fft(x, 1, n, t, inverse);
            worst = Math.max(worst, check("length", x, y, 0, n, t, inverse, samples));
        }
        return worst;
    }

    // ------------------------------------------------------------------ tests

    @Test
    void everyLengthUpTo128() {
        for (int n = 1; n <= 128; n++) {
            checkLength(n, 0, false);
            checkLength(n, 0, true);
        }
    }

    @Test
    void primesAndCompositesWithLargePrimeFactors() {
        for (int n : new int[] {127, 251, 509, 1009, 4099, 2 * 1009, 53, 59, 61, 97, 3 * 4099}) {
            checkLength(n, n > 5000 ? 200 : 0, false);
        }
        checkLength(4099, 0, true);
        assertTrue(FftKernels.useBluestein(4099) && FftKernels.useBluestein(2 * 1009) && FftKernels.useBluestein(127),
                "long primes and 2 * 1009 go through Bluestein");
        assertTrue(!FftKernels.useBluestein(1024) && !FftKernels.useBluestein(1000) && !FftKernels.useBluestein(3 * 5 * 7 * 11 * 13),
                "smooth lengths go through the mixed-radix plan");
        assertEquals(8640, FftKernels.bluesteinLength(4099), "the smallest 2^a 3^b 5^c of at least 2 * 4099 - 1");
        assertEquals(2025, FftKernels.bluesteinLength(1009), "3^4 * 5^2 >= 2017");
        assertTrue(!FftKernels.useBluestein(1 << 30), "2^30 is a mixed-radix plan, its Bluestein length past an int");
        assertArrayEquals(new int[] {4, 2, 3, 5, 7, 7}, FftKernels.factorize(8 * 3 * 5 * 49));
    }

    @Test
    void powersOfTwoThreeAndFive() {
        for (int n = 2; n <= 1 << 16; n *= 2) {
            checkLength(n, n > 4096 ? 96 : 0, false);
        }
        for (int n = 3; n <= 19683; n *= 3) {
            checkLength(n, n > 4096 ? 96 : 0, false);
        }
        for (int n = 5; n <= 15625; n *= 5) {
            checkLength(n, n > 4096 ? 96 : 0, false);
        }
        checkLength(1 << 16, 96, true);
    }

    @Test
    void randomLengthsUpTo100000() {
        Random rnd = new Random(7);
        for (int i = 0; i < 12; i++) {
            int n = 1 + rnd.nextInt(100_000);
            checkLength(n, 64, i % 2 == 1);
        }
        checkLength(99_991, 64, false); // the largest prime below 10^5
    }

    @Test
    void inverseOfForwardIsNTimesTheInput() {
        for (int n : new int[] {1, 2, 6, 17, 100, 127, 1000, 4096, 4099, 12_345, 65_536, 99_991}) {
            for (DType t : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
                double[] x = random(new Random(n), n, t);
                double[] y = fft(fft(x, 1, n, t, false), 1, n, t, true);
                double err = 0;
                for (int i = 0; i < 2 * n; i++) {
                    double d = y[i] - n * x[i];
                    err += d * d;
                }
                err = Math.sqrt(err);
                // two transforms, each within the bound; the round trip scales the input by n
                double eps = t == DType.FLOAT64 ? EPS64 : EPS32;
                double bound = 2 * C64 * eps * log2(2 * n) * n * norm(x, 0, 2 * n) + (t == DType.FLOAT32 ? 2 * C32 * eps * n * norm(x, 0, 2 * n) : 0);
                assertTrue(err <= bound, "ifft(fft(x)) != n x for n=" + n + " " + t + ": L2 error " + err + " > " + bound);
            }
        }
    }

    @Test
    void batchesSplitAcrossThreadsMatchSequenceBySequence() {
        int batch = 37;
        for (int n : new int[] {1000, 127, 64}) {
            double[] x = random(new Random(n), batch * n, DType.FLOAT64);
            double[] y = fft(x, batch, n, DType.FLOAT64, false);
            for (int b = 0; b < batch; b++) {
                check("batch", x, y, b, n, DType.FLOAT64, false, 0);
                double[] one = fft(Arrays.copyOfRange(x, 2 * b * n, 2 * (b + 1) * n), 1, n, DType.FLOAT64, false);
                assertArrayEquals(one, Arrays.copyOfRange(y, 2 * b * n, 2 * (b + 1) * n),
                        "sequence " + b + " of a batch equals its transform alone");
            }
        }
    }

    @Test
    void stridedSourcesAndDestinations() {
        int batch = 3;
        for (int n : new int[] {12, 97, 256, 509}) {
            for (DType t : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
                for (boolean inverse : new boolean[] {false, true}) {
                    double[] x = random(new Random(n * 3L + t.ordinal()), batch * n, t);
                    double[] expected = fft(x, batch, n, t, inverse);
                    // planar: all real parts, then all imaginary parts (component stride batch * n)
                    double[] planar = new double[2 * batch * n];
                    // gapped: offset 5, element stride 3, batch stride 3n + 7, component stride 1
                    double[] gapped = new double[5 + batch * (3 * n + 7) + 2];
                    // component-first with the sequence running backwards in memory is not a layout (no negative strides)
                    for (int b = 0; b < batch; b++) {
                        for (int j = 0; j < n; j++) {
                            double re = x[2 * (b * n + j)];
                            double im = x[2 * (b * n + j) + 1];
                            planar[b * n + j] = re;
                            planar[batch * n + b * n + j] = im;
                            gapped[5 + b * (3 * n + 7) + 3 * j] = re;
                            gapped[5 + b * (3 * n + 7) + 3 * j + 1] = im;
                        }
                    }
                    Layout planarLayout = new Layout(new int[] {batch, n, 2}, new int[] {n, 1, batch * n}, 0);
                    Layout gappedLayout = new Layout(new int[] {batch, n, 2}, new int[] {3 * n + 7, 3, 1}, 5);
                    for (Object[] c : new Object[][] {{planar, planarLayout}, {gapped, gappedLayout}}) {
                        CpuStorage src = storage(t, (double[]) c[0]);
                        double[] before = values(src);
                        // the destination planar too, inside a larger storage filled with a marker
                        double[] marker = new double[2 * batch * n + 4];
                        Arrays.fill(marker, 42);
                        CpuStorage dst = storage(t, marker);
                        Layout dstLayout = new Layout(new int[] {batch, n, 2}, new int[] {n, 1, batch * n}, 3);
                        CPU.fft(src, (Layout) c[1], dst, dstLayout, inverse);
                        double[] got = values(dst);
                        assertArrayEquals(before, values(src), "the source is unchanged");
                        for (int b = 0; b < batch; b++) {
                            for (int j = 0; j < n; j++) {
                                assertEquals(expected[2 * (b * n + j)], got[3 + b * n + j], "re " + b + "," + j);
                                assertEquals(expected[2 * (b * n + j) + 1], got[3 + batch * n + b * n + j], "im " + b + "," + j);
                            }
                        }
                        for (int i : new int[] {0, 1, 2, 2 * batch * n + 3}) {
                            assertEquals(42.0, got[i], "outside the destination's layout nothing is written");
                        }
                    }
                }
            }
        }
    }

    @Test
    void broadcastBatchStrideZero() {
        int n = 30;
        double[] x = random(new Random(3), n, DType.FLOAT64);
        CpuStorage src = storage(DType.FLOAT64, x);
        CpuStorage dst = storage(DType.FLOAT64, new double[2 * 4 * n]);
        CPU.fft(src, new Layout(new int[] {4, n, 2}, new int[] {0, 2, 1}, 0), dst, Layout.contiguous(4, n, 2), false);
        double[] y = values(dst);
        double[] one = fft(x, 1, n, DType.FLOAT64, false);
        for (int b = 0; b < 4; b++) {
            assertArrayEquals(one, Arrays.copyOfRange(y, 2 * b * n, 2 * (b + 1) * n));
        }
    }

    @Test
    void hostCopyDefaultMatchesTheKernel() {
        // a backend without its own fft (CUDA today) runs Backend's default: the CPU kernel on dense host copies
        Backend withoutKernel = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(),
                new Class<?>[] {Backend.class}, (proxy, method, args) -> {
                    try {
                        if (method.getName().equals("fft")) {
                            return InvocationHandler.invokeDefault(proxy, method, args);
                        }
                        return method.invoke(CPU, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        int batch = 2;
        for (int n : new int[] {1, 45, 127}) {
            for (DType t : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
                for (boolean inverse : new boolean[] {false, true}) {
                    double[] x = random(new Random(n + 11L), batch * n, t);
                    double[] expected = fft(x, batch, n, t, inverse);
                    // source planar (component stride batch * n), destination with an offset and a gap per sequence
                    double[] planar = new double[2 * batch * n];
                    for (int i = 0; i < batch * n; i++) {
                        planar[i] = x[2 * i];
                        planar[batch * n + i] = x[2 * i + 1];
                    }
                    CpuStorage src = storage(t, planar);
                    CpuStorage dst = storage(t, new double[1 + batch * (2 * n + 3)]);
                    Layout dstLayout = new Layout(new int[] {batch, n, 2}, new int[] {2 * n + 3, 2, 1}, 1);
                    withoutKernel.fft(src, new Layout(new int[] {batch, n, 2}, new int[] {n, 1, batch * n}, 0), dst,
                            dstLayout, inverse);
                    double[] got = values(dst);
                    for (int b = 0; b < batch; b++) {
                        for (int j = 0; j < 2 * n; j++) {
                            assertEquals(expected[2 * b * n + j], got[1 + b * (2 * n + 3) + j], "n=" + n + " " + t);
                        }
                    }
                }
            }
        }
        CpuStorage untouched = storage(DType.FLOAT32, new double[] {5, 5});
        withoutKernel.fft(storage(DType.FLOAT32, new double[0]), Layout.contiguous(0, 3, 2), untouched,
                Layout.contiguous(0, 3, 2), false);
        assertArrayEquals(new double[] {5, 5}, values(untouched));
    }

    @Test
    void emptyBatchWritesNothingAndLengthOneIsTheIdentity() {
        for (DType t : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            CpuStorage src = storage(t, new double[] {1, 2});
            CpuStorage dst = storage(t, new double[] {7, 7});
            CPU.fft(src, Layout.contiguous(0, 5, 2), dst, Layout.contiguous(0, 5, 2), false);
            assertArrayEquals(new double[] {7, 7}, values(dst));
            double[] x = {1.5, -2.25, 3, 0.125, -0.5, 8};
            assertArrayEquals(x, fft(x, 3, 1, t, false));
            assertArrayEquals(x, fft(x, 3, 1, t, true));
        }
    }

    @Test
    void matchesPyTorch() throws IOException {
        List<String> lines = new ArrayList<>();
        try (InputStream in = getClass().getResourceAsStream("/fft/expected.txt")) {
            assertNotNull(in, "fft/expected.txt");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String l; (l = r.readLine()) != null; ) {
                lines.add(l);
            }
        }
        int cases = 0;
        for (int i = 0; i < lines.size(); i += 3) {
            String[] h = lines.get(i).split(" ");
            int n = Integer.parseInt(h[1]);
            int batch = Integer.parseInt(h[2]);
            boolean inverse = h[3].equals("1");
            double[] x = parse(lines.get(i + 1));
            double[] expected = parse(lines.get(i + 2));
            assertEquals(2 * n * batch, x.length);
            for (DType t : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
                double[] xt = x.clone();
                if (t == DType.FLOAT32) {
                    for (int k = 0; k < x.length; k++) {
                        xt[k] = (float) x[k];
                    }
                }
                double[] y = fft(xt, batch, n, t, inverse);
                for (int b = 0; b < batch; b++) {
                    double err = 0;
                    for (int k = 2 * b * n; k < 2 * (b + 1) * n; k++) {
                        err += (y[k] - expected[k]) * (y[k] - expected[k]);
                    }
                    err = Math.sqrt(err);
                    double xn = norm(x, 2 * b * n, 2 * n);
                    // float64: both within eps log n of the truth; float32: the input's rounding (eps/2 each, which the
                    // transform carries as sqrt(n) * eps/2 * ||x||) plus the output's
                    double bound = t == DType.FLOAT64 ? 2 * C64 * EPS64 * log2(2 * n) * Math.sqrt(n) * xn
                            : 2 * EPS32 * Math.sqrt(n) * xn;
                    assertTrue(err <= bound, "n=" + n + " " + t + " sequence " + b + ": " + err + " > " + bound);
                }
            }
            cases++;
        }
        assertEquals(14, cases);
    }

    private static double[] parse(String line) {
        return Arrays.stream(line.trim().split(" ")).mapToDouble(Double::parseDouble).toArray();
    }

    @Test
    void twiddlesAreExactWhereTheValueIs() {
        double[] o = new double[2];
        for (long n : new long[] {8, 64, 1000, 4096, 1L << 30}) {
            FftKernels.unitRoot(n / 4, n, o, 0);
            assertArrayEquals(new double[] {0, 1}, o);
            FftKernels.unitRoot(n / 2, n, o, 0);
            assertArrayEquals(new double[] {-1, 0}, o);
            FftKernels.unitRoot(3 * n / 4, n, o, 0);
            assertArrayEquals(new double[] {0, -1}, o);
            FftKernels.unitRoot(n / 8, n, o, 0);
            assertEquals(o[0], o[1], "cos = sin at pi/4");
            FftKernels.unitRoot(n, n, o, 0);
            assertArrayEquals(new double[] {1, 0}, o);
        }
        // everywhere else within an ulp or two of the independently reduced reference
        for (long n : new long[] {7, 1000, 4099, 1L << 20, 99_991}) {
            for (long q = 0; q < n; q += Math.max(1, n / 997)) {
                FftKernels.unitRoot(q, n, o, 0);
                double[] ref = root(q, n, 1);
                assertEquals(ref[0], o[0], 2 * EPS64, "cos 2 pi " + q + "/" + n);
                assertEquals(ref[1], o[1], 2 * EPS64, "sin 2 pi " + q + "/" + n);
            }
        }
    }

    @Test
    void plansAreCachedAndTheCacheIsBounded() {
        FftKernels.Plan p = FftKernels.plan(3000);
        assertSame(p, FftKernels.plan(3000), "a second call for a length gets the cached plan");
        for (int n = 10_000; n < 10_100; n++) {
            FftKernels.plan(n);
        }
        assertTrue(FftKernels.cachedPlans() <= 32, "the cache holds at most 32 plans: " + FftKernels.cachedPlans());
    }

    @Test
    void badStoragesAreRefusedBeforeAnythingIsWritten() {
        CpuStorage ints = new CpuStorage(DType.INT64, new long[8]);
        CpuStorage dst = storage(DType.FLOAT32, new double[8]);
        CpuStorage dst64 = storage(DType.FLOAT64, new double[8]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CPU.fft(ints, Layout.contiguous(1, 4, 2), dst, Layout.contiguous(1, 4, 2), false));
        assertTrue(e.getMessage().contains("float32 or float64"), e.getMessage());
        CpuStorage src = storage(DType.FLOAT32, new double[] {1, 2, 3, 4, 5, 6, 7, 8});
        e = assertThrows(IllegalArgumentException.class,
                () -> CPU.fft(src, Layout.contiguous(8), dst, Layout.contiguous(8), false));
        assertTrue(e.getMessage().contains("[..., n, 2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CPU.fft(src, Layout.contiguous(2, 4), dst, Layout.contiguous(2, 4), false));
        assertTrue(e.getMessage().contains("[..., n, 2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CPU.fft(src, Layout.contiguous(1, 4, 2), dst64, Layout.contiguous(1, 4, 2), false));
        assertTrue(e.getMessage().contains("differ"), e.getMessage());
        assertArrayEquals(new double[8], values(dst));
        assertArrayEquals(new double[8], values(dst64));
    }
}
