package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.backend.Layout;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The complex-to-complex discrete Fourier transform of a batch of sequences of any length, unnormalized, behind
 * {@link CpuBackend#fft}: {@code dst[b, k] = sum_j src[b, j] exp(-+2 pi i j k / n)}, over real storages whose layouts
 * are [..., n, 2] (the last dimension the real and imaginary parts; the dims before n, any number of them, the batch).
 *
 * <p>The technique is pocketfft's (numpy's and PyTorch's CPU FFT), written afresh: a mixed-radix Cooley-Tukey
 * transform in Stockham order (each pass reads one buffer and writes the other, so the result comes out in natural
 * order without a bit-reversal pass) with butterflies of radix 4, 2, 3 and 5 and a generic one for other small odd
 * primes; a length whose factorization costs more than a convolution of a 2-3-5-smooth length (a large prime factor)
 * goes through Bluestein's chirp-z algorithm instead, so every length is O(n log n). The inverse transform is the forward one of the
 * conjugated input, conjugated, and the conjugations ride on the gather and the scatter.
 *
 * <p>Everything is computed in double, float32 included, and rounded once on the store: the error is about
 * {@code eps * log n} relative to the input's norm, with the twiddle factors computed from an angle reduced to the
 * first octant with integer arithmetic (never by repeated multiplication). Plans (factorization, twiddles, Bluestein's
 * chirp and its transformed filter) are cached per length in a bounded cache; the sequences of a batch are split
 * across {@link CpuThreads}, in blocks of as many sequences as a double vector has lanes, transformed side by side by
 * {@link VectorFft} (pocketfft's vectorization across a batch) with the same operations as the scalar kernel, so the
 * bits do not depend on the path; one sequence at a time without the Vector API, for a batch of one, or for a
 * sequence too long for the lane buffers.
 */
final class FftKernels {
    private FftKernels() {
    }

    /** How many plans the cache keeps at most. */
    private static final int CACHE_PLANS = 32;
    /** How many doubles of twiddles and filters the cache keeps at most (128 MiB); a bigger plan is used uncached. */
    private static final long CACHE_DOUBLES = 1L << 24;
    /** A generic radix costs about its size per element and is slower per operation than the fixed butterflies. */
    private static final double GENERIC_PENALTY = 1.1;
    /** Bluestein's two transforms of twice the length, plus its chirp products, against the direct plan. */
    private static final double BLUESTEIN_PENALTY = 1.5;

    private static final LinkedHashMap<Integer, Plan> CACHE = new LinkedHashMap<>(16, 0.75f, true);
    private static long cachedDoubles;

    /**
     * The butterflies on several sequences at once, one per SIMD lane ({@link VectorFft}), or null where the JVM lacks
     * the Vector API. The buffers hold {@code lanes()} sequences side by side: lane {@code l}'s {@code p}-th double (of
     * its interleaved (re, im) sequence) at {@code p lanes() + l}.
     */
    interface Lanes {
        /** How many sequences a buffer holds side by side. */
        int lanes();

        /** {@link Plan#forward} of every lane of {@code a}, with {@code b} as the other buffer; returns the result's. */
        double[] forward(Plan plan, double[] a, double[] b);

        /** {@link FftKernels#separate} on every lane. */
        void separate(double[] z, int m, double[] w, double[] x);

        /** {@link FftKernels#combine} on every lane. */
        void combine(double[] x, int m, double[] w, double[] a);
    }

    /** The Vector API's lanes, or null: then one sequence at a time. */
    static final Lanes LANES = MicroKernels.loadVectorClass(Lanes.class, "dev.ember.cpu.VectorFft");
    /**
     * The most complex elements a lane buffer holds ({@code n} times the lanes): 2 MiB, what {@link Scratch} keeps per
     * thread; a longer sequence is transformed one at a time, with buffers of its own length (lanes with buffers made
     * for each call were still 2x faster at n = 65536 on one core, but allocated 20 MB a call there, per task).
     */
    private static final long LANE_ELEMENTS = Scratch.MAX_KEPT_DOUBLES / 2;

    /**
     * Transforms each sequence {@code b} of {@code src} ([..., n, 2], any strides) into {@code dst} ([..., n, 2], any
     * strides), float32 or float64 (the same type), forward ({@code exp(-...)}) or inverse ({@code exp(+...)}), with no
     * normalization.
     */
    static void fft(CpuStorage src, Layout srcLayout, CpuStorage dst, Layout dstLayout, boolean inverse) {
        fft(src, srcLayout, dst, dstLayout, inverse, LANES);
    }

    /** {@link #fft} with the given lanes (null: one sequence at a time), for the tests that compare the two. */
    static void fft(CpuStorage src, Layout srcLayout, CpuStorage dst, Layout dstLayout, boolean inverse, Lanes lanes) {
        check(src, srcLayout, "source");
        check(dst, dstLayout, "destination");
        if (src.dtype != dst.dtype || !java.util.Arrays.equals(srcLayout.shape(), dstLayout.shape())) {
            throw new IllegalArgumentException("fft: source " + src.dtype + " " + srcLayout + " and destination "
                    + dst.dtype + " " + dstLayout + " differ in type or shape");
        }
        int nd = srcLayout.rank() - 2;
        int batch = batch(srcLayout, nd);
        int n = srcLayout.size(nd);
        if (batch == 0 || n == 0) {
            return;
        }
        Plan plan = plan(n);
        eachBlock(batch, n, plan, lanes, (s0, count, v, a, b, x) -> {
            gather(src, srcLayout, s0, count, v, n, a, inverse);
            scatter(transform(plan, lanes, v, a, b), inverse, dst, dstLayout, s0, count, v, n);
        });
    }

    /** {@link Plan#forward} of the {@code v} sequences side by side in {@code a}. */
    private static double[] transform(Plan plan, Lanes lanes, int v, double[] a, double[] b) {
        return v == 1 ? plan.forward(a, b) : lanes.forward(plan, a, b);
    }

    /**
     * The work on the sequences {@code [s0, s0 + count)}, held side by side in buffers of {@code v} lanes (v = 1: one
     * sequence): {@code a} and {@code b} for the transform, {@code x} for a one-sided spectrum of length n/2 + 1.
     */
    private interface Block {
        void run(int s0, int count, int v, double[] a, double[] b, double[] x);
    }

    /**
     * Runs {@code body} on every block of a batch of transforms of length {@code n}, split across threads: blocks of as
     * many sequences as the lanes hold (the last one on padded lanes when at least half full, else one sequence at a
     * time), or one sequence a block without lanes or for a long sequence.
     */
    private static void eachBlock(int batch, int n, Plan plan, Lanes lanes, Block body) {
        long elements = Math.max(plan.buffer, n);
        int width = lanes == null || batch < 2 || elements * lanes.lanes() > LANE_ELEMENTS ? 1 : lanes.lanes();
        int blocks = (batch + width - 1) / width;
        int chunks = CpuThreads.chunks(blocks, plan.cost * width);
        CpuThreads.parallelFor(blocks, chunks, (task, from, to) -> {
            double[][] wide = null;
            double[][] one = null;
            for (int k = from; k < to; k++) {
                int s0 = k * width;
                int count = Math.min(width, batch - s0);
                if (width == 1 || 2 * count >= width) {
                    wide = wide != null ? wide : buffers(plan, n, width, true);
                    body.run(s0, count, width, wide[0], wide[1], wide[2]);
                } else {
                    one = one != null ? one : buffers(plan, n, 1, false);
                    for (int s = s0; s < s0 + count; s++) {
                        body.run(s, 1, 1, one[0], one[1], one[2]);
                    }
                }
            }
        });
    }

    /**
     * A block's buffers for {@code v} lanes: the transform's two and a one-sided spectrum, this thread's kept ones
     * ({@code kept}, {@link Scratch}: a call's buffers zeroed afresh cost as much as a short transform) or new ones.
     */
    private static double[][] buffers(Plan plan, int n, int v, boolean kept) {
        int a = 2 * Math.max(plan.buffer, n) * v;
        int b = 2 * plan.buffer * v;
        int x = 2 * (n / 2 + 1) * v;
        return kept ? new double[][] {Scratch.doubles(Scratch.FFT_A, a), Scratch.doubles(Scratch.FFT_B, b),
            Scratch.doubles(Scratch.FFT_SPECTRUM, x)} : new double[][] {new double[a], new double[b], new double[x]};
    }

    // ------------------------------------------------------------------ real sequences

    /**
     * The one-sided forward DFT of each real sequence {@code b} of {@code src} ([..., n], any strides) into {@code dst}
     * ([..., n/2 + 1, 2]). An even length is one complex transform of half the length (the even samples as real parts,
     * the odd ones as imaginary parts) and a pass that separates the two spectra, {@code X[k] = E[k] + W^k O[k]}; an
     * odd one a complex transform of the sequence.
     */
    static void rfft(CpuStorage src, Layout srcLayout, CpuStorage dst, Layout dstLayout) {
        rfft(src, srcLayout, dst, dstLayout, LANES);
    }

    /** {@link #rfft} with the given lanes (null: one sequence at a time). */
    static void rfft(CpuStorage src, Layout srcLayout, CpuStorage dst, Layout dstLayout, Lanes lanes) {
        checkReal(src, srcLayout, dst, dstLayout, "rfft", srcLayout, dstLayout);
        int batch = batch(srcLayout, srcLayout.rank() - 1);
        int n = srcLayout.size(srcLayout.rank() - 1);
        if (batch == 0 || n == 0) {
            return;
        }
        boolean half = n % 2 == 0;
        Plan plan = plan(half ? n / 2 : n);
        double[] w = half ? halfTwiddles(n) : null;
        eachBlock(batch, n, plan, lanes, (s0, count, v, a, b, x) -> {
            gatherReal(src, srcLayout, s0, count, v, n, a, !half);
            double[] z = transform(plan, lanes, v, a, b);
            if (half) {
                if (v == 1) {
                    separate(z, n / 2, w, x);
                } else {
                    lanes.separate(z, n / 2, w, x);
                }
            } else {
                System.arraycopy(z, 0, x, 0, 2 * (n / 2 + 1) * v);
            }
            scatter(x, false, dst, dstLayout, s0, count, v, n / 2 + 1);
        });
    }

    /**
     * The real inverse DFT (unnormalized) of each one-sided spectrum {@code b} of {@code src} ([..., n/2 + 1, 2]) into
     * {@code dst} ([..., n]); the imaginary parts of {@code X[0]} and {@code X[n/2]} are ignored. An even length is the
     * forward pass reversed ({@code Z[k] = E[k] + i O[k]}, then a complex inverse transform of half the length whose
     * parts are the even and odd samples); an odd one a complex inverse transform of the Hermitian extension.
     */
    static void irfft(CpuStorage src, Layout srcLayout, CpuStorage dst, Layout dstLayout) {
        irfft(src, srcLayout, dst, dstLayout, LANES);
    }

    /** {@link #irfft} with the given lanes (null: one sequence at a time). */
    static void irfft(CpuStorage src, Layout srcLayout, CpuStorage dst, Layout dstLayout, Lanes lanes) {
        checkReal(dst, dstLayout, src, srcLayout, "irfft", dstLayout, srcLayout);
        int batch = batch(dstLayout, dstLayout.rank() - 1);
        int n = dstLayout.size(dstLayout.rank() - 1);
        if (batch == 0 || n == 0) {
            return;
        }
        boolean half = n % 2 == 0;
        int h = n / 2 + 1;
        Plan plan = plan(half ? n / 2 : n);
        double[] w = half ? halfTwiddles(n) : null;
        eachBlock(batch, n, plan, lanes, (s0, count, v, a, b, x) -> {
            gather(src, srcLayout, s0, count, v, h, x, false);
            java.util.Arrays.fill(x, v, 2 * v, 0.0); // X[0] is real
            if (half) {
                java.util.Arrays.fill(x, (2 * h - 1) * v, 2 * h * v, 0.0); // so is X[n/2]
                if (v == 1) {
                    combine(x, n / 2, w, a);
                } else {
                    lanes.combine(x, n / 2, w, a);
                }
            } else {
                hermitian(x, n, a, v);
            }
            scatterReal(transform(plan, lanes, v, a, b), half, dst, dstLayout, s0, count, v, n);
        });
    }

    /** {@code (cos, sin)} of {@code 2 pi k / n} for k in [0, n/2], the twiddles of the separating pass. */
    private static double[] halfTwiddles(int n) {
        double[] w = new double[2 * (n / 2 + 1)];
        for (int k = 0; k <= n / 2; k++) {
            unitRoot(k, n, w, 2 * k);
        }
        return w;
    }

    /**
     * The spectrum {@code X[0..m]} of a real sequence of length {@code 2m} from the transform {@code Z} of its even
     * (real parts) and odd (imaginary parts) samples: {@code E[k] = (Z[k] + conj Z[m-k]) / 2},
     * {@code O[k] = (Z[k] - conj Z[m-k]) / 2i}, {@code X[k] = E[k] + exp(-2 pi i k / 2m) O[k]} (indices mod m).
     */
    static void separate(double[] z, int m, double[] w, double[] x) {
        for (int k = 0; k <= m; k++) {
            int i1 = k == m ? 0 : k;
            int i2 = k == 0 ? 0 : m - k;
            double zr = z[2 * i1];
            double zi = z[2 * i1 + 1];
            double cr = z[2 * i2];
            double ci = -z[2 * i2 + 1];
            double er = 0.5 * (zr + cr);
            double ei = 0.5 * (zi + ci);
            double or = 0.5 * (zi - ci); // -i (z - c) / 2
            double oi = -0.5 * (zr - cr);
            double wc = w[2 * k];
            double ws = w[2 * k + 1];
            // (wc - i ws) (or + i oi)
            x[2 * k] = er + wc * or + ws * oi;
            x[2 * k + 1] = ei + wc * oi - ws * or;
        }
    }

    /**
     * The reverse of {@link #separate}, scaled by 2 so that the inverse transform of half the length gives the
     * unnormalized result: {@code Z[k] = (X[k] + conj X[m-k]) + i (X[k] - conj X[m-k]) exp(2 pi i k / 2m)}, conjugated
     * into {@code a} for the forward kernel (the inverse is the conjugate of the forward transform of the conjugate).
     */
    static void combine(double[] x, int m, double[] w, double[] a) {
        for (int k = 0; k < m; k++) {
            double xr = x[2 * k];
            double xi = x[2 * k + 1];
            double cr = x[2 * (m - k)];
            double ci = -x[2 * (m - k) + 1];
            double er = xr + cr;
            double ei = xi + ci;
            double dr = xr - cr;
            double di = xi - ci;
            double wc = w[2 * k];
            double ws = w[2 * k + 1];
            double or = dr * wc - di * ws; // (dr + i di) (wc + i ws)
            double oi = dr * ws + di * wc;
            a[2 * k] = er - oi; // e + i o
            a[2 * k + 1] = -(ei + or); // conjugated
        }
    }

    /** The conjugate of the full spectrum of length {@code n} (odd) from its first {@code (n + 1) / 2} entries, into {@code a}. */
    private static void hermitian(double[] x, int n, double[] a, int v) {
        for (int l = 0; l < v; l++) {
            a[l] = x[l];
            a[v + l] = -x[v + l];
            for (int k = 1; 2 * k < n; k++) {
                double re = x[2 * k * v + l];
                double im = x[(2 * k + 1) * v + l];
                a[2 * k * v + l] = re;
                a[(2 * k + 1) * v + l] = -im;
                a[2 * (n - k) * v + l] = re;
                a[(2 * (n - k) + 1) * v + l] = im;
            }
        }
    }

    /**
     * Real sequences {@code [s0, s0 + count)} of {@code s} into {@code a} (lanes past {@code count} zero): as complex
     * elements with zero imaginary parts ({@code complex}), else packed, {@code a[j] = x[j]} (the even samples the real
     * parts of a half-length sequence).
     */
    private static void gatherReal(CpuStorage s, Layout l, int s0, int count, int v, int n, double[] a,
                                   boolean complex) {
        int nd = l.rank() - 1;
        int sn = l.stride(nd);
        int step = complex ? 2 : 1;
        if (complex || count < v) {
            java.util.Arrays.fill(a, 0, 2 * n * v, 0.0);
        }
        for (int t = 0; t < count; t++) {
            int base = base(l, nd, s0 + t);
            if (s.dtype == DType.FLOAT64) {
                double[] x = (double[]) s.array;
                for (int j = 0, at = base; j < n; j++, at += sn) {
                    a[step * j * v + t] = x[at];
                }
            } else {
                float[] x = (float[]) s.array;
                for (int j = 0, at = base; j < n; j++, at += sn) {
                    a[step * j * v + t] = x[at];
                }
            }
        }
    }

    /**
     * The inverse's result into real sequences {@code [s0, s0 + count)} of {@code s}: {@code z} is the conjugate of the
     * result, so the packed samples ({@code packed}) are {@code z[2j]} and {@code -z[2j + 1]}, else the real parts
     * {@code z[2t]}.
     */
    private static void scatterReal(double[] z, boolean packed, CpuStorage s, Layout l, int s0, int count, int v,
                                    int n) {
        int nd = l.rank() - 1;
        int sn = l.stride(nd);
        boolean f64 = s.dtype == DType.FLOAT64;
        double[] x64 = f64 ? (double[]) s.array : null;
        float[] x32 = f64 ? null : (float[]) s.array;
        for (int lane = 0; lane < count; lane++) {
            int base = base(l, nd, s0 + lane);
            for (int t = 0, at = base; t < n; t++, at += sn) {
                double x = packed ? (t % 2 == 0 ? z[t * v + lane] : -z[t * v + lane]) : z[2 * t * v + lane];
                if (f64) {
                    x64[at] = x;
                } else {
                    x32[at] = (float) x;
                }
            }
        }
    }

    /** The shapes of a real transform: {@code real} [..., n] and {@code spectrum} [..., n/2 + 1, 2], one type and batch. */
    private static void checkReal(CpuStorage r, Layout rl, CpuStorage c, Layout cl, String op, Layout srcLayout,
                                  Layout dstLayout) {
        check(c, cl, op.equals("rfft") ? "destination" : "source");
        int nd = rl.rank() - 1;
        boolean batchesMatch = rl.rank() == cl.rank() - 1;
        for (int d = 0; batchesMatch && d < nd; d++) {
            batchesMatch = rl.size(d) == cl.size(d);
        }
        if (r.dtype != c.dtype || !batchesMatch || cl.size(nd) != rl.size(nd) / 2 + 1) {
            throw new IllegalArgumentException(op + ": source " + srcLayout + " and destination " + dstLayout
                    + " are not a real [..., n] and a one-sided spectrum [..., n/2 + 1, 2] of one type");
        }
    }

    private static void check(CpuStorage s, Layout l, String what) {
        if (s.dtype != DType.FLOAT32 && s.dtype != DType.FLOAT64) {
            throw new IllegalArgumentException("fft: expected a float32 or float64 " + what + " storage (the real view "
                    + "of a complex tensor), got " + s.dtype);
        }
        if (l.rank() < 2 || l.size(l.rank() - 1) != 2) {
            throw new IllegalArgumentException("fft: expected a " + what + " layout of shape [..., n, 2], got " + l);
        }
    }

    /** The number of sequences: the product of the dims before the sequence's ({@code nd}). */
    private static int batch(Layout l, int nd) {
        long b = 1;
        for (int d = 0; d < nd; d++) {
            b *= l.size(d);
        }
        return Math.toIntExact(b);
    }

    /**
     * The stride between the sequences {@code [s0, s0 + count)} where they are evenly spaced along the innermost batch
     * dim and closer together than their own elements (more than one of them), else 0.
     */
    private static int interleaved(Layout l, int nd, int s0, int count) {
        if (nd == 0 || count < 2) {
            return 0;
        }
        int inner = l.size(nd - 1);
        int st = l.stride(nd - 1);
        boolean even = s0 % inner + count <= inner;
        return even && Math.abs(st) < Math.abs(l.stride(nd)) ? st : 0;
    }

    /**
     * Where sequence {@code s} starts: its index spread over the dims before the sequence's ({@code nd}, the last the
     * fastest), each times its stride.
     */
    private static int base(Layout l, int nd, int s) {
        int at = l.offset();
        for (int d = nd - 1; d >= 0; d--) {
            int size = l.size(d);
            at += (s % size) * l.stride(d);
            s /= size;
        }
        return at;
    }

    /**
     * Copies sequences {@code [s0, s0 + count)} into the lanes of {@code a} as interleaved (re, im) doubles (lanes past
     * {@code count} zero), conjugated for the inverse.
     */
    private static void gather(CpuStorage s, Layout l, int s0, int count, int v, int n, double[] a, boolean conj) {
        int nd = l.rank() - 2;
        int sn = l.stride(nd);
        int sc = l.stride(nd + 1);
        double sign = conj ? -1 : 1;
        if (count < v) {
            java.util.Arrays.fill(a, 0, 2 * n * v, 0.0);
        }
        int st = interleaved(l, nd, s0, count);
        if (st != 0) {
            // the sequences lie closer together than their elements (a transform along a dim that is not the last):
            // element by element, each element of the block's sequences at once, so both sides run in order
            int b0 = base(l, nd, s0);
            for (int j = 0; j < n; j++) {
                int at = b0 + j * sn;
                int re = 2 * j * v;
                int im = re + v;
                if (s.dtype == DType.FLOAT64) {
                    double[] x = (double[]) s.array;
                    for (int t = 0; t < count; t++, at += st) {
                        a[re + t] = x[at];
                        a[im + t] = sign * x[at + sc];
                    }
                } else {
                    float[] x = (float[]) s.array;
                    for (int t = 0; t < count; t++, at += st) {
                        a[re + t] = x[at];
                        a[im + t] = sign * x[at + sc];
                    }
                }
            }
            return;
        }
        for (int t = 0; t < count; t++) {
            int base = base(l, nd, s0 + t);
            if (s.dtype == DType.FLOAT64) {
                double[] x = (double[]) s.array;
                for (int j = 0, at = base; j < n; j++, at += sn) {
                    a[2 * j * v + t] = x[at];
                    a[(2 * j + 1) * v + t] = sign * x[at + sc];
                }
            } else {
                float[] x = (float[]) s.array;
                for (int j = 0, at = base; j < n; j++, at += sn) {
                    a[2 * j * v + t] = x[at];
                    a[(2 * j + 1) * v + t] = sign * x[at + sc];
                }
            }
        }
    }

    /** Writes the lanes {@code [0, count)} of {@code a} into sequences {@code [s0, s0 + count)}, conjugated for the inverse. */
    private static void scatter(double[] a, boolean conj, CpuStorage s, Layout l, int s0, int count, int v, int n) {
        int nd = l.rank() - 2;
        int sn = l.stride(nd);
        int sc = l.stride(nd + 1);
        double sign = conj ? -1 : 1;
        int st = interleaved(l, nd, s0, count);
        if (st != 0) {
            int b0 = base(l, nd, s0);
            for (int j = 0; j < n; j++) {
                int at = b0 + j * sn;
                int re = 2 * j * v;
                int im = re + v;
                if (s.dtype == DType.FLOAT64) {
                    double[] x = (double[]) s.array;
                    for (int t = 0; t < count; t++, at += st) {
                        x[at] = a[re + t];
                        x[at + sc] = sign * a[im + t];
                    }
                } else {
                    float[] x = (float[]) s.array;
                    for (int t = 0; t < count; t++, at += st) {
                        x[at] = (float) a[re + t];
                        x[at + sc] = (float) (sign * a[im + t]);
                    }
                }
            }
            return;
        }
        for (int t = 0; t < count; t++) {
            int base = base(l, nd, s0 + t);
            if (s.dtype == DType.FLOAT64) {
                double[] x = (double[]) s.array;
                for (int j = 0, at = base; j < n; j++, at += sn) {
                    x[at] = a[2 * j * v + t];
                    x[at + sc] = sign * a[(2 * j + 1) * v + t];
                }
            } else {
                float[] x = (float[]) s.array;
                for (int j = 0, at = base; j < n; j++, at += sn) {
                    x[at] = (float) a[2 * j * v + t];
                    x[at + sc] = (float) (sign * a[(2 * j + 1) * v + t]);
                }
            }
        }
    }

    // ------------------------------------------------------------------ plans

    /** The plan for length {@code n}, from the cache or made (outside the cache's lock) and cached if small enough. */
    static Plan plan(int n) {
        synchronized (CACHE) {
            Plan p = CACHE.get(n);
            if (p != null) {
                return p;
            }
        }
        Plan made = new Plan(n);
        synchronized (CACHE) {
            Plan p = CACHE.get(n);
            if (p != null) {
                return p;
            }
            if (made.doubles <= CACHE_DOUBLES) {
                CACHE.put(n, made);
                cachedDoubles += made.doubles;
                Iterator<Map.Entry<Integer, Plan>> it = CACHE.entrySet().iterator();
                while ((CACHE.size() > CACHE_PLANS || cachedDoubles > CACHE_DOUBLES) && it.hasNext()) {
                    Map.Entry<Integer, Plan> e = it.next();
                    if (e.getValue() != made) {
                        cachedDoubles -= e.getValue().doubles;
                        it.remove();
                    }
                }
            }
        }
        return made;
    }

    /** How many plans the cache holds now (for the tests). */
    static int cachedPlans() {
        synchronized (CACHE) {
            return CACHE.size();
        }
    }

    /**
     * {@code (cos, sin)} of {@code 2 pi num / den} into {@code out[at]}, {@code out[at + 1]}, for {@code 0 <= num}: the
     * angle is reduced to [0, pi/4] exactly, with integers, before the one rounding of {@code pi/4 * p / q}, so the
     * result is within an ulp or so of the exact value for every {@code num} and {@code den}.
     */
    static void unitRoot(long num, long den, double[] out, int at) {
        long p = 8 * (num % den); // the angle is pi/4 * p / den, p in [0, 8 den)
        long q = den;
        boolean negSin = false;
        boolean negCos = false;
        boolean swap = false;
        if (p > 4 * q) { // (pi, 2 pi): sin(2 pi - x) = -sin x
            p = 8 * q - p;
            negSin = true;
        }
        if (p > 2 * q) { // (pi/2, pi]: cos(pi - x) = -cos x
            p = 4 * q - p;
            negCos = true;
        }
        if (p > q) { // (pi/4, pi/2]: cos(pi/2 - x) = sin x
            p = 2 * q - p;
            swap = true;
        }
        double x = Math.PI / 4 * ((double) p / q);
        // at pi/4 itself both are sqrt(1/2) rounded once, equal as the exact values are
        double c = p == q ? Math.sqrt(0.5) : Math.cos(x);
        double s = p == q ? c : Math.sin(x);
        if (swap) {
            double t = c;
            c = s;
            s = t;
        }
        out[at] = negCos ? -c : c;
        out[at + 1] = negSin ? -s : s;
    }

    /** The radices of a mixed-radix plan for {@code n}: fours, then a two, then odd primes ascending. */
    static int[] factorize(long n) {
        List<Integer> f = new ArrayList<>();
        long m = n;
        while (m % 4 == 0) {
            f.add(4);
            m /= 4;
        }
        if (m % 2 == 0) {
            f.add(2);
            m /= 2;
        }
        for (int p = 3; (long) p * p <= m; p += 2) {
            while (m % p == 0) {
                f.add(p);
                m /= p;
            }
        }
        if (m > 1) {
            f.add((int) m); // below 2^31: n is an int, or Bluestein's smooth length
        }
        return f.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The operation count of a mixed-radix transform of length {@code n}, up to a constant: pocketfft's estimate. */
    static double directCost(long n) {
        double per = 0;
        for (int f : factorize(n)) {
            per += f <= 5 ? f : GENERIC_PENALTY * f;
        }
        return per * n;
    }

    /**
     * Bluestein's convolution length: the smallest {@code 2^a 3^b 5^c} of at least {@code 2n - 1} (pocketfft's choice;
     * a power of two alone can cost twice as much: 16384 where 8640 does for n = 4099). It may exceed an int.
     */
    static long bluesteinLength(int n) {
        long need = 2L * n - 1;
        long best = Long.highestOneBit(need);
        if (best < need) {
            best <<= 1;
        }
        for (long p5 = 1; p5 < best; p5 *= 5) {
            for (long p35 = p5; p35 < best; p35 *= 3) {
                long v = p35;
                while (v < need) {
                    v <<= 1;
                }
                best = Math.min(best, v);
            }
        }
        return best;
    }

    /** Whether length {@code n} goes through Bluestein's algorithm: when its direct plan would cost more. */
    static boolean useBluestein(int n) {
        return n > 5 && BLUESTEIN_PENALTY * 2 * directCost(bluesteinLength(n)) < directCost(n);
    }

    /** The factorization and twiddles of one length, or Bluestein's chirp and filter around a smooth length's plan. */
    static final class Plan {
        final int n;
        /** The length of each of the two work buffers a transform needs, in complex elements. */
        final int buffer;
        /** Work per sequence, in about elements touched, for splitting a batch. */
        final long cost;
        /** Doubles held by this plan itself (not its sub-plan), for the cache's bound. */
        final long doubles;

        final int[] factors;
        /**
         * Per pass, {@code exp(-2 pi i r i l1 / n)} at {@code 2 ((r - 1) ido + i)} for r in [1, ip), i in [0, ido); null
         * for the last pass, whose twiddles are all 1.
         */
        final double[][] twiddles;
        /** Per pass of a generic radix {@code p}, {@code (cos, sin)} of {@code 2 pi q / p} at {@code 2 q}; else null. */
        final double[][] roots;

        /** Bluestein's plan of {@link #bluesteinLength}, or null for a direct plan. */
        final Plan sub;
        /** {@code exp(-i pi m^2 / n)}, interleaved, m in [0, n). */
        final double[] chirp;
        /** The transform of the conjugate chirp wrapped around {@code sub.n}, divided by {@code sub.n}. */
        final double[] filter;

        Plan(int n) {
            this.n = n;
            if (useBluestein(n)) {
                factors = null;
                twiddles = null;
                roots = null;
                long length = bluesteinLength(n);
                if (length > Layout.MAX_STORAGE_ELEMENTS / 2) {
                    throw new IllegalArgumentException("fft: a length of " + n + " needs a Bluestein convolution of "
                            + length + " complex elements, more than a CPU storage holds");
                }
                int m = (int) length;
                sub = plan(m);
                chirp = new double[2 * n];
                long twoN = 2L * n;
                long sq = 0; // m^2 mod 2n, stepped as (m + 1)^2 = m^2 + 2m + 1
                for (int j = 0; j < n; j++) {
                    unitRoot(sq, twoN, chirp, 2 * j);
                    chirp[2 * j + 1] = -chirp[2 * j + 1];
                    sq = (sq + 2L * j + 1) % twoN;
                }
                double[] b = new double[2 * m];
                double[] work = new double[2 * m];
                double scale = 1.0 / m;
                for (int j = 0; j < n; j++) {
                    double re = chirp[2 * j] * scale;
                    double im = -chirp[2 * j + 1] * scale;
                    b[2 * j] = re;
                    b[2 * j + 1] = im;
                    if (j > 0) {
                        b[2 * (m - j)] = re;
                        b[2 * (m - j) + 1] = im;
                    }
                }
                double[] t = sub.forward(b, work);
                filter = t == b ? b : work;
                buffer = m;
                cost = 2 * sub.cost + 8L * m;
                doubles = 2L * n + 2L * m;
            } else {
                sub = null;
                chirp = null;
                filter = null;
                factors = factorize(n);
                twiddles = new double[factors.length][];
                roots = new double[factors.length][];
                long held = 0;
                long work = 0;
                int l1 = 1;
                for (int k = 0; k < factors.length; k++) {
                    int ip = factors[k];
                    int ido = n / (l1 * ip);
                    double[] tw = new double[2 * (ip - 1) * ido];
                    for (int r = 1; r < ip; r++) {
                        for (int i = 0; i < ido; i++) {
                            unitRoot((long) r * i * l1, n, tw, 2 * ((r - 1) * ido + i));
                            tw[2 * ((r - 1) * ido + i) + 1] = -tw[2 * ((r - 1) * ido + i) + 1];
                        }
                    }
                    // the last pass (ido = 1) multiplies by ones: null tells the butterflies to skip it
                    twiddles[k] = ido == 1 ? null : tw;
                    held += tw.length;
                    if (ip > 5) {
                        double[] rt = new double[2 * ip];
                        for (int q = 0; q < ip; q++) {
                            unitRoot(q, ip, rt, 2 * q);
                        }
                        roots[k] = rt;
                        held += rt.length;
                    }
                    work += (long) n * ip;
                    l1 *= ip;
                }
                buffer = Math.max(1, n);
                cost = Math.max(n, work);
                doubles = held;
            }
        }

        /**
         * The forward transform of the first {@code n} complex elements of {@code a} (interleaved), with {@code b} as
         * the other buffer (both at least {@link #buffer} complex elements): returns whichever of the two holds the
         * result in its first {@code n} elements; both are overwritten.
         */
        double[] forward(double[] a, double[] b) {
            return sub != null ? bluestein(a, b) : direct(a, b);
        }

        private double[] direct(double[] a, double[] b) {
            double[] cc = a;
            double[] ch = b;
            int l1 = 1;
            for (int k = 0; k < factors.length; k++) {
                int ip = factors[k];
                int ido = n / (l1 * ip);
                switch (ip) {
                    case 2 -> pass2(ido, l1, cc, ch, twiddles[k]);
                    case 3 -> pass3(ido, l1, cc, ch, twiddles[k]);
                    case 4 -> pass4(ido, l1, cc, ch, twiddles[k]);
                    case 5 -> pass5(ido, l1, cc, ch, twiddles[k]);
                    default -> passGeneric(ip, ido, l1, cc, ch, twiddles[k], roots[k]);
                }
                double[] t = cc;
                cc = ch;
                ch = t;
                l1 *= ip;
            }
            return cc;
        }

        /** Chirp-z: {@code X[k] = w[k] sum_j (x[j] w[j]) conj(w[k - j])} with {@code w[m] = exp(-i pi m^2 / n)}. */
        private double[] bluestein(double[] a, double[] b) {
            int m = sub.n;
            for (int j = 0; j < n; j++) {
                double xr = a[2 * j];
                double xi = a[2 * j + 1];
                double wr = chirp[2 * j];
                double wi = chirp[2 * j + 1];
                a[2 * j] = xr * wr - xi * wi;
                a[2 * j + 1] = xr * wi + xi * wr;
            }
            java.util.Arrays.fill(a, 2 * n, 2 * m, 0.0);
            double[] f = sub.forward(a, b);
            // the inverse transform of the product, as the conjugate of the forward transform of its conjugate
            for (int k = 0; k < m; k++) {
                double xr = f[2 * k];
                double xi = f[2 * k + 1];
                double hr = filter[2 * k];
                double hi = filter[2 * k + 1];
                f[2 * k] = xr * hr - xi * hi;
                f[2 * k + 1] = -(xr * hi + xi * hr);
            }
            double[] c = sub.forward(f, f == a ? b : a);
            for (int k = 0; k < n; k++) {
                double yr = c[2 * k];
                double yi = -c[2 * k + 1];
                double wr = chirp[2 * k];
                double wi = chirp[2 * k + 1];
                c[2 * k] = yr * wr - yi * wi;
                c[2 * k + 1] = yr * wi + yi * wr;
            }
            return c;
        }
    }

    // ------------------------------------------------------------------ butterflies
    //
    // A pass of radix ip over l1 sub-transforms of length ip * ido each: input element (i, m) of sub-transform k at
    // 2 (i + ido (m + ip k)), output element (i, r) at 2 (i + ido (k + l1 r)), after multiplying output r by the twiddle
    // exp(-2 pi i r i l1 / n) (decimation in frequency, Stockham order).

    private static void pass2(int ido, int l1, double[] cc, double[] ch, double[] tw) {
        int outStride = 2 * ido * l1;
        for (int k = 0; k < l1; k++) {
            int in0 = 2 * ido * 2 * k;
            int in1 = in0 + 2 * ido;
            int out0 = 2 * ido * k;
            int out1 = out0 + outStride;
            for (int i = 0; i < ido; i++) {
                int c = 2 * i;
                double ar = cc[in0 + c];
                double ai = cc[in0 + c + 1];
                double br = cc[in1 + c];
                double bi = cc[in1 + c + 1];
                ch[out0 + c] = ar + br;
                ch[out0 + c + 1] = ai + bi;
                twiddle(ch, out1 + c, ar - br, ai - bi, tw, c);
            }
        }
    }

    /** sin(2 pi / 3). */
    private static final double S3 = 0.86602540378443864676;

    private static void pass3(int ido, int l1, double[] cc, double[] ch, double[] tw) {
        int outStride = 2 * ido * l1;
        int tw2 = 2 * ido;
        for (int k = 0; k < l1; k++) {
            int in0 = 2 * ido * 3 * k;
            int out0 = 2 * ido * k;
            for (int i = 0; i < ido; i++) {
                int c = 2 * i;
                int p0 = in0 + c;
                double u0r = cc[p0];
                double u0i = cc[p0 + 1];
                double u1r = cc[p0 + 2 * ido];
                double u1i = cc[p0 + 2 * ido + 1];
                double u2r = cc[p0 + 4 * ido];
                double u2i = cc[p0 + 4 * ido + 1];
                double tr = u1r + u2r;
                double ti = u1i + u2i;
                double ar = u0r - 0.5 * tr;
                double ai = u0i - 0.5 * ti;
                // -i sin(2 pi/3) (u1 - u2)
                double br = S3 * (u1i - u2i);
                double bi = -S3 * (u1r - u2r);
                int q = out0 + c;
                ch[q] = u0r + tr;
                ch[q + 1] = u0i + ti;
                twiddle(ch, q + outStride, ar + br, ai + bi, tw, c);
                twiddle(ch, q + 2 * outStride, ar - br, ai - bi, tw, tw2 + c);
            }
        }
    }

    private static void pass4(int ido, int l1, double[] cc, double[] ch, double[] tw) {
        int outStride = 2 * ido * l1;
        int step = 2 * ido;
        for (int k = 0; k < l1; k++) {
            int in0 = 2 * ido * 4 * k;
            int out0 = 2 * ido * k;
            for (int i = 0; i < ido; i++) {
                int c = 2 * i;
                int p0 = in0 + c;
                double u0r = cc[p0];
                double u0i = cc[p0 + 1];
                double u1r = cc[p0 + step];
                double u1i = cc[p0 + step + 1];
                double u2r = cc[p0 + 2 * step];
                double u2i = cc[p0 + 2 * step + 1];
                double u3r = cc[p0 + 3 * step];
                double u3i = cc[p0 + 3 * step + 1];
                double t1r = u0r + u2r;
                double t1i = u0i + u2i;
                double t2r = u0r - u2r;
                double t2i = u0i - u2i;
                double t3r = u1r + u3r;
                double t3i = u1i + u3i;
                double t4r = u1r - u3r;
                double t4i = u1i - u3i;
                int q = out0 + c;
                ch[q] = t1r + t3r;
                ch[q + 1] = t1i + t3i;
                // v1 = t2 - i t4, v2 = t1 - t3, v3 = t2 + i t4
                twiddle(ch, q + outStride, t2r + t4i, t2i - t4r, tw, c);
                twiddle(ch, q + 2 * outStride, t1r - t3r, t1i - t3i, tw, step + c);
                twiddle(ch, q + 3 * outStride, t2r - t4i, t2i + t4r, tw, 2 * step + c);
            }
        }
    }

    private static final double C51 = 0.30901699437494742410; // cos(2 pi / 5)
    private static final double C52 = -0.80901699437494742410; // cos(4 pi / 5)
    private static final double S51 = 0.95105651629515357212; // sin(2 pi / 5)
    private static final double S52 = 0.58778525229247312917; // sin(4 pi / 5)

    private static void pass5(int ido, int l1, double[] cc, double[] ch, double[] tw) {
        int outStride = 2 * ido * l1;
        int step = 2 * ido;
        for (int k = 0; k < l1; k++) {
            int in0 = 2 * ido * 5 * k;
            int out0 = 2 * ido * k;
            for (int i = 0; i < ido; i++) {
                int c = 2 * i;
                int p0 = in0 + c;
                double u0r = cc[p0];
                double u0i = cc[p0 + 1];
                double u1r = cc[p0 + step];
                double u1i = cc[p0 + step + 1];
                double u2r = cc[p0 + 2 * step];
                double u2i = cc[p0 + 2 * step + 1];
                double u3r = cc[p0 + 3 * step];
                double u3i = cc[p0 + 3 * step + 1];
                double u4r = cc[p0 + 4 * step];
                double u4i = cc[p0 + 4 * step + 1];
                double t1r = u1r + u4r;
                double t1i = u1i + u4i;
                double t2r = u2r + u3r;
                double t2i = u2i + u3i;
                double t3r = u1r - u4r;
                double t3i = u1i - u4i;
                double t4r = u2r - u3r;
                double t4i = u2i - u3i;
                double a1r = u0r + C51 * t1r + C52 * t2r;
                double a1i = u0i + C51 * t1i + C52 * t2i;
                double a2r = u0r + C52 * t1r + C51 * t2r;
                double a2i = u0i + C52 * t1i + C51 * t2i;
                // b1 = -i (s1 t3 + s2 t4), b2 = -i (s2 t3 - s1 t4); -i (x + i y) = y - i x
                double b1r = S51 * t3i + S52 * t4i;
                double b1i = -(S51 * t3r + S52 * t4r);
                double b2r = S52 * t3i - S51 * t4i;
                double b2i = -(S52 * t3r - S51 * t4r);
                int q = out0 + c;
                ch[q] = u0r + t1r + t2r;
                ch[q + 1] = u0i + t1i + t2i;
                twiddle(ch, q + outStride, a1r + b1r, a1i + b1i, tw, c);
                twiddle(ch, q + 2 * outStride, a2r + b2r, a2i + b2i, tw, step + c);
                twiddle(ch, q + 3 * outStride, a2r - b2r, a2i - b2i, tw, 2 * step + c);
                twiddle(ch, q + 4 * outStride, a1r - b1r, a1i - b1i, tw, 3 * step + c);
            }
        }
    }

    /**
     * An odd radix {@code ip} by its definition, halved by symmetry: output r and ip - r share the cosine part
     * {@code u0 + sum cos(2 pi m r / ip) (u_m + u_{ip-m})} and differ in the sign of the sine part.
     */
    private static void passGeneric(int ip, int ido, int l1, double[] cc, double[] ch, double[] tw, double[] rt) {
        int outStride = 2 * ido * l1;
        int step = 2 * ido;
        int h = (ip - 1) / 2;
        double[] sr = new double[h + 1];
        double[] si = new double[h + 1];
        double[] dr = new double[h + 1];
        double[] di = new double[h + 1];
        for (int k = 0; k < l1; k++) {
            int in0 = 2 * ido * ip * k;
            int out0 = 2 * ido * k;
            for (int i = 0; i < ido; i++) {
                int c = 2 * i;
                int p0 = in0 + c;
                double u0r = cc[p0];
                double u0i = cc[p0 + 1];
                double v0r = u0r;
                double v0i = u0i;
                for (int m = 1; m <= h; m++) {
                    int pa = p0 + m * step;
                    int pb = p0 + (ip - m) * step;
                    sr[m] = cc[pa] + cc[pb];
                    si[m] = cc[pa + 1] + cc[pb + 1];
                    dr[m] = cc[pa] - cc[pb];
                    di[m] = cc[pa + 1] - cc[pb + 1];
                    v0r += sr[m];
                    v0i += si[m];
                }
                int q = out0 + c;
                ch[q] = v0r;
                ch[q + 1] = v0i;
                for (int r = 1; r <= h; r++) {
                    double ar = u0r;
                    double ai = u0i;
                    double br = 0;
                    double bi = 0;
                    int e = 0;
                    for (int m = 1; m <= h; m++) {
                        e += r;
                        if (e >= ip) {
                            e -= ip;
                        }
                        double cs = rt[2 * e];
                        double sn = rt[2 * e + 1];
                        ar += cs * sr[m];
                        ai += cs * si[m];
                        // -i sin (d_r + i d_i) = sin d_i - i sin d_r
                        br += sn * di[m];
                        bi -= sn * dr[m];
                    }
                    twiddle(ch, q + r * outStride, ar + br, ai + bi, tw, (r - 1) * step + c);
                    twiddle(ch, q + (ip - r) * outStride, ar - br, ai - bi, tw, (ip - r - 1) * step + c);
                }
            }
        }
    }

    /** {@code ch[at] = (xr + i xi) * tw[w]} (complex), or {@code xr + i xi} where {@code tw} is null (all ones). */
    private static void twiddle(double[] ch, int at, double xr, double xi, double[] tw, int w) {
        if (tw == null) {
            ch[at] = xr;
            ch[at + 1] = xi;
            return;
        }
        double wr = tw[w];
        double wi = tw[w + 1];
        ch[at] = xr * wr - xi * wi;
        ch[at + 1] = xr * wi + xi * wr;
    }
}
