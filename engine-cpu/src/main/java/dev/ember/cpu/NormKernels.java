package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.backend.CpuCapability;
import dev.ember.backend.Layout;

/**
 * The normalization kernels of the CPU backend ({@code Backend}'s normalization family): layer norm and RMS norm over
 * the rows of a {@code [M, N]} layout, group norm and batch norm over a {@code [N, C, L]} layout, forward and backward.
 * Operands may have any strides (views, transposes, broadcast inputs); each kernel reads one row at a time into a
 * scratch array of doubles (one per task, never per element) and computes the statistics in double with two passes
 * (mean, then the centred sum of squares), so float32 statistics are as exact as their type holds; layer norm's
 * float32 forward and backward instead follow PyTorch's float kernels bit for bit ({@link #layerNormForwardFloat},
 * {@link #layerNormBackwardFloat}; the double passes stay behind a system property each). Rows (layer norm),
 * (sample, group) pairs (group norm) and channels (batch norm) run in parallel; the weight and bias gradients sum
 * per-task partials in task order, so results do not depend on thread timing.
 */
final class NormKernels {
    /** The vector loops, or null where the Vector API is absent (then the four-chain scalar sums below). */
    private static final ElementwiseKernels.FloatLoops LOOPS = ElementwiseKernels.loops();

    private NormKernels() {
    }

    /** {@code sum a[j]}: the vector loops' partial sums, or {@link #sum4}. */
    private static double rowSum(double[] a, int n) {
        return LOOPS != null ? LOOPS.sum(a, n) : sum4(a, n);
    }

    /** {@code sum (a[j] - mu)^2}: the vector loops' partial sums, or {@link #centredSquares4}. */
    private static double rowCentredSquares(double[] a, int n, double mu) {
        return LOOPS != null ? LOOPS.centredSquares(a, n, mu) : centredSquares4(a, n, mu);
    }

    /** {@code sum a[j] b[j]}: the vector loops' partial sums, or {@link #dot4}. */
    private static double rowDot(double[] a, double[] b, int n) {
        return LOOPS != null ? LOOPS.dot(a, b, n) : dot4(a, b, n);
    }

    // ------------------------------------------------------------------ element access

    /** Reads {@code n} elements from {@code off} with {@code stride} into {@code buf}. */
    private static void load(CpuStorage s, int off, int stride, int n, double[] buf) {
        if (s.dtype == DType.FLOAT32) {
            float[] a = (float[]) s.array;
            if (stride == 1) {
                if (LOOPS != null) {
                    LOOPS.widen(a, off, buf, n); // JDK 17's C2 does not vectorize a loop of conversions
                    return;
                }
                for (int j = 0; j < n; j++) {
                    buf[j] = a[off + j];
                }
                return;
            }
            for (int j = 0; j < n; j++) {
                buf[j] = a[off + j * stride];
            }
        } else {
            double[] a = (double[]) s.array;
            if (stride == 1) {
                System.arraycopy(a, off, buf, 0, n);
                return;
            }
            for (int j = 0; j < n; j++) {
                buf[j] = a[off + j * stride];
            }
        }
    }

    /** Writes {@code n} elements of {@code buf} from {@code off} with {@code stride}, rounded to the storage's type. */
    private static void store(double[] buf, int n, CpuStorage s, int off, int stride) {
        if (s.dtype == DType.FLOAT32) {
            float[] a = (float[]) s.array;
            if (stride == 1) {
                if (LOOPS != null) {
                    LOOPS.narrow(buf, a, off, n);
                    return;
                }
                for (int j = 0; j < n; j++) {
                    a[off + j] = (float) buf[j];
                }
                return;
            }
            for (int j = 0; j < n; j++) {
                a[off + j * stride] = (float) buf[j];
            }
        } else {
            double[] a = (double[]) s.array;
            for (int j = 0; j < n; j++) {
                a[off + j * stride] = buf[j];
            }
        }
    }

    /** The first {@code n} elements of a contiguous vector as doubles, or null for null. */
    private static double[] vector(CpuStorage s, int n) {
        if (s == null) {
            return null;
        }
        double[] v = new double[n];
        load(s, 0, 1, n, v);
        return v;
    }

    /** Writes a vector of doubles into a contiguous storage, or nothing for null. */
    private static void storeVector(double[] v, CpuStorage s) {
        if (s != null) {
            store(v, v.length, s, 0, 1);
        }
    }

    /**
     * The sum of {@code a[0..n)} in four chains (element j into chain j % 4), combined as (c0 + c1) + (c2 + c3): one
     * order whatever layout the row came from (rows are copied into these scratch arrays first), with four adds in
     * flight instead of one.
     */
    static double sum4(double[] a, int n) {
        double c0 = 0;
        double c1 = 0;
        double c2 = 0;
        double c3 = 0;
        int j = 0;
        for (; j + 3 < n; j += 4) {
            c0 += a[j];
            c1 += a[j + 1];
            c2 += a[j + 2];
            c3 += a[j + 3];
        }
        for (; j < n; j++) {
            c0 += a[j];
        }
        return (c0 + c1) + (c2 + c3);
    }

    /** {@code sum (a[j] - mu)^2} in four chains as {@link #sum4}. */
    static double centredSquares4(double[] a, int n, double mu) {
        double c0 = 0;
        double c1 = 0;
        double c2 = 0;
        double c3 = 0;
        int j = 0;
        for (; j + 3 < n; j += 4) {
            double d0 = a[j] - mu;
            double d1 = a[j + 1] - mu;
            double d2 = a[j + 2] - mu;
            double d3 = a[j + 3] - mu;
            c0 += d0 * d0;
            c1 += d1 * d1;
            c2 += d2 * d2;
            c3 += d3 * d3;
        }
        for (; j < n; j++) {
            double d = a[j] - mu;
            c0 += d * d;
        }
        return (c0 + c1) + (c2 + c3);
    }

    /** {@code sum a[j] b[j]} in four chains as {@link #sum4}. */
    static double dot4(double[] a, double[] b, int n) {
        double c0 = 0;
        double c1 = 0;
        double c2 = 0;
        double c3 = 0;
        int j = 0;
        for (; j + 3 < n; j += 4) {
            c0 += a[j] * b[j];
            c1 += a[j + 1] * b[j + 1];
            c2 += a[j + 2] * b[j + 2];
            c3 += a[j + 3] * b[j + 3];
        }
        for (; j < n; j++) {
            c0 += a[j] * b[j];
        }
        return (c0 + c1) + (c2 + c3);
    }

    /** Sums the per-task partial vectors in task order. */
    private static double[] total(double[][] partial, int n) {
        double[] out = new double[n];
        for (double[] p : partial) {
            if (p == null) {
                continue;
            }
            for (int j = 0; j < n; j++) {
                out[j] += p[j];
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ layer norm and RMS norm ([M, N] rows)

    /** Layer norm (or, with {@code rms}, RMS norm: no mean, {@code rstd = 1/sqrt(mean(x^2) + eps)}) of each row. */
    static void rowNorm(boolean rms, CpuStorage x, Layout xl, CpuStorage weight, CpuStorage bias, double eps,
                        CpuStorage out, Layout ol, CpuStorage mean, CpuStorage rstd) {
        int m = xl.size(0);
        int n = xl.size(1);
        if (m == 0) {
            return;
        }
        double[] w = vector(weight, n);
        double[] b = vector(bias, n);
        // float32 rows written in place by the vector loops in one pass ({@code -Dember.norm.forwardPasses=true}: the
        // passes below, the same bits)
        boolean vectorOut = LOOPS != null && out.dtype == DType.FLOAT32 && ol.stride(1) == 1
                && !Boolean.getBoolean("ember.norm.forwardPasses");
        // contiguous float32 rows read straight from x by the vector loops, widened in registers: one pass for the
        // statistics (two for layer norm) and one for the output, no row of doubles ({@code
        // -Dember.norm.widenRow=true}, read per call: the row widened into doubles first, the same bits)
        if (vectorOut && x.dtype == DType.FLOAT32 && xl.stride(1) == 1 && !Boolean.getBoolean("ember.norm.widenRow")) {
            float[] xa = (float[]) x.array;
            float[] oa = (float[]) out.array;
            CpuThreads.parallelFor(m, CpuThreads.chunks(m, n), (task, from, to) -> {
                double[] scratch = new double[ElementwiseKernels.FloatLoops.WIDENED_SCRATCH];
                for (int i = from; i < to; i++) {
                    int xo = xl.offset() + i * xl.stride(0);
                    double mu = rms ? 0 : LOOPS.sumOfWidened(xa, xo, n, 0, false, scratch) / n;
                    double ss = LOOPS.sumOfWidened(xa, xo, n, mu, true, scratch);
                    double r = 1 / Math.sqrt(ss / n + eps);
                    LOOPS.normForwardOut(xa, xo, mu, r, w, b, oa, ol.offset() + i * ol.stride(0), n);
                    if (mean != null) {
                        mean.setDouble(i, mu);
                    }
                    rstd.setDouble(i, r);
                }
            });
            return;
        }
        CpuThreads.parallelFor(m, CpuThreads.chunks(m, n), (task, from, to) -> {
            double[] row = new double[n];
            for (int i = from; i < to; i++) {
                load(x, xl.offset() + i * xl.stride(0), xl.stride(1), n, row);
                double mu = rms ? 0 : rowSum(row, n) / n;
                double ss = rowCentredSquares(row, n, mu);
                double r = 1 / Math.sqrt(ss / n + eps);
                if (vectorOut) {
                    LOOPS.normForwardOut(row, mu, r, w, b, (float[]) out.array, ol.offset() + i * ol.stride(0), n);
                } else if (w != null && b != null) {
                    // ((x - mean) rstd) weight + bias in one pass where both are given (the same operations in the
                    // same order as the passes below)
                    for (int j = 0; j < n; j++) {
                        row[j] = (row[j] - mu) * r * w[j] + b[j];
                    }
                } else {
                    for (int j = 0; j < n; j++) {
                        row[j] = (row[j] - mu) * r;
                    }
                    if (w != null) {
                        for (int j = 0; j < n; j++) {
                            row[j] *= w[j];
                        }
                    }
                    if (b != null) {
                        for (int j = 0; j < n; j++) {
                            row[j] += b[j];
                        }
                    }
                }
                if (!vectorOut) {
                    store(row, n, out, ol.offset() + i * ol.stride(0), ol.stride(1));
                }
                if (mean != null) {
                    mean.setDouble(i, mu);
                }
                rstd.setDouble(i, r);
            }
        });
    }

    // ------------------------------------------------------------------ layer norm's float32 forward, PyTorch's order

    /** Vectors per chunk of {@code RowwiseMoments} ({@code kChunkSize}). */
    static final int MOMENTS_CHUNK = 16;
    /** The most levels of {@code RowwiseMoments}' cascade: ceil(log2(chunks)) for any int row length. */
    private static final int MOMENTS_DEPTH = 32;
    /** {@code 1 / (j + 1)} in float for j below {@link #MOMENTS_CHUNK}: the Welford weight of a chunk's step j. */
    static final float[] WELFORD_WEIGHTS = new float[MOMENTS_CHUNK];

    static {
        for (int j = 0; j < MOMENTS_CHUNK; j++) {
            WELFORD_WEIGHTS[j] = 1f / (float) (j + 1);
        }
    }

    /**
     * The lanes and fusing of the statistics of PyTorch 1.13's float32 layer norm: 8 lanes, products and sums rounded
     * apart, on every capability. 1.13 declares {@code RowwiseMoments} in {@code at::native::utils}, outside the
     * per-capability namespace, so the DEFAULT, AVX2 and AVX512 kernels' instantiations share one symbol and the
     * linker keeps one for all: the DEFAULT build's (what {@code layernormbits/make_expected.py} in the tests finds on each capability).
     */
    static final int MOMENTS_LANES = 8;

    /**
     * Whether {@link #addMomentsLanes} merges lane by lane in scalars rather than in one vector of the vector loops (the
     * same operations per lane, so the same bits): the system property {@code ember.layerNorm.momentsScalar}, read by
     * each float32 layer norm forward (kept for before/after runs).
     */
    private static volatile boolean momentsScalar;

    /**
     * Layer norm's float32 forward as PyTorch's {@code LayerNormKernelImplInternal} computes it (1.13's bits on every
     * capability; see {@link #MOMENTS_LANES}): each row's mean and variance by {@code RowwiseMoments} (a float Welford
     * per lane over chunks of 16 vectors, the chunks' moments merged in a cascade, a scalar Welford over the tail, then
     * the lanes merged into it one by one: {@link #rowMoments}), {@code rstd = 1 / sqrt(var + eps)} in float, and
     * {@code y = (x rstd + (-rstd mean)) gamma + beta}, each product and sum fused where the build fuses
     * ({@link CpuCapability#fusesMultiplyAdd}: the x86 ones), gamma 1 and beta 0 where absent. float32 operands only
     * (mean and rstd float32 too, a row of at least one element); returns false otherwise, or where the system property
     * {@code ember.layerNorm.doubleForward} is true (the double passes of {@link #rowNorm}, kept for comparisons).
     */
    static boolean layerNormForwardFloat(CpuStorage x, Layout xl, CpuStorage weight, CpuStorage bias, double eps,
                                         CpuStorage out, Layout ol, CpuStorage mean, CpuStorage rstd) {
        DType f = DType.FLOAT32;
        if (Boolean.getBoolean("ember.layerNorm.doubleForward") || x.dtype != f || out.dtype != f
                || (mean != null && mean.dtype != f) || rstd.dtype != f || (weight != null && weight.dtype != f)
                || (bias != null && bias.dtype != f)) {
            return false;
        }
        int m = xl.size(0);
        int n = xl.size(1);
        if (m == 0 || n == 0) {
            return false;
        }
        boolean scalarMerges = Boolean.getBoolean("ember.layerNorm.momentsScalar");
        if (scalarMerges != momentsScalar) {
            momentsScalar = scalarMerges; // written only when it changes: no store to a shared line on every call
        }
        layerNormForwardFloat(x, xl, weight, bias, eps, out, ol, mean, rstd, MOMENTS_LANES, false,
                CpuCapability.fusesMultiplyAdd(CpuCapability.value()));
        return true;
    }

    /**
     * {@link #layerNormForwardFloat} with the statistics in {@code lanes} lanes, fused where {@code fusedMoments}, and
     * the output's products and sums fused where {@code fusedOut}.
     */
    static void layerNormForwardFloat(CpuStorage x, Layout xl, CpuStorage weight, CpuStorage bias, double eps,
                                      CpuStorage out, Layout ol, CpuStorage mean, CpuStorage rstd, int lanes,
                                      boolean fusedMoments, boolean fusedOut) {
        int m = xl.size(0);
        int n = xl.size(1);
        float[] xa = (float[]) x.array;
        float[] w = weight == null ? null : (float[]) weight.array;
        float[] b = bias == null ? null : (float[]) bias.array;
        float[] oa = (float[]) out.array;
        float epsf = (float) eps;
        CpuThreads.parallelFor(m, CpuThreads.chunks(m, n), (task, from, to) -> {
            float[] row = xl.stride(1) == 1 ? null : new float[n];
            float[] stk1 = new float[MOMENTS_DEPTH * lanes];
            float[] stk2 = new float[MOMENTS_DEPTH * lanes];
            long[] cnt = new long[MOMENTS_DEPTH];
            float[] chunk = new float[16 * lanes];
            float[] res = new float[2];
            // the vector loop's stand-ins for a missing weight (ones) or bias (zeros): the scalar loop's 1 and 0
            float[] wv = w != null || LOOPS == null ? w : filled(n, 1f);
            float[] bv = b != null || LOOPS == null ? b : new float[n];
            for (int i = from; i < to; i++) {
                float[] xs = xa;
                int xo = xl.offset() + i * xl.stride(0);
                if (row != null) {
                    gatherRow(xa, xo, xl.stride(1), row, n);
                    xs = row;
                    xo = 0;
                }
                if (LOOPS == null || !LOOPS.rowMoments(xs, xo, n, lanes, fusedMoments, stk1, stk2, cnt, chunk, res)) {
                    rowMoments(xs, xo, n, lanes, fusedMoments, stk1, stk2, cnt, chunk, res);
                }
                float mu = res[0];
                float r = 1f / (float) Math.sqrt(res[1] + epsf); // float sqrt: the double root rounds to the same float
                float nb = -r * mu;
                int oo = ol.offset() + i * ol.stride(0);
                if (ol.stride(1) != 1 || LOOPS == null) {
                    layerNormOutRow(xs, xo, r, nb, w, b, oa, oo, ol.stride(1), n, fusedOut);
                } else {
                    LOOPS.layerNormOut(xs, xo, r, nb, wv, bv, oa, oo, n, fusedOut);
                }
                if (mean != null) {
                    mean.setDouble(i, mu);
                }
                rstd.setDouble(i, r);
            }
        });
    }

    /**
     * {@code o[oo + j os] = (x[xo + j] scale + bias) w[j] + b[j]} for j below n, each product and sum fused where
     * {@code fused}; {@code w[j]} 1 where w is null, {@code b[j]} 0 where b is null (PyTorch's loop for a missing
     * parameter, which keeps both operations: a product -0 comes out +0).
     */
    static void layerNormOutRow(float[] x, int xo, float scale, float bias, float[] w, float[] b, float[] o, int oo,
                                int os, int n, boolean fused) {
        for (int j = 0; j < n; j++) {
            float t = CpuCapability.mulAdd(fused, x[xo + j], scale, bias);
            o[oo + j * os] = CpuCapability.mulAdd(fused, t, w == null ? 1f : w[j], b == null ? 0f : b[j]);
        }
    }

    /** n copies of v. */
    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    /** {@code utils::CeilLog2} of a chunk count: 1 up to 2, else ceil(log2(m)). */
    static int momentsDepth(int m) {
        return m <= 2 ? 1 : 32 - Integer.numberOfLeadingZeros(m - 1);
    }

    /**
     * PyTorch's {@code RowwiseMoments} of {@code x[xo, xo + n)} with {@code Vectorized<float>} of {@code lanes} lanes
     * (products and sums fused where {@code fused}): the mean into {@code res[0]}, the (biased) variance into
     * {@code res[1]}. {@code stk1} and {@code stk2} hold {@code 32 lanes} floats, {@code cnt} 32 counts, {@code chunk}
     * {@code 2 lanes} floats (all scratch).
     */
    static void rowMoments(float[] x, int xo, int n, int lanes, boolean fused, float[] stk1, float[] stk2, long[] cnt,
                           float[] chunk, float[] res) {
        int vectors = n / lanes;
        int chunks = (vectors + MOMENTS_CHUNK - 1) / MOMENTS_CHUNK;
        int depth = momentsDepth(chunks);
        clearMoments(stk1, stk2, cnt, depth, lanes);
        for (int i = 0; i < chunks; i++) {
            int steps = Math.min(MOMENTS_CHUNK, vectors - i * MOMENTS_CHUNK);
            int base = xo + i * MOMENTS_CHUNK * lanes;
            for (int k = 0; k < lanes; k++) {
                float m1 = 0f;
                float m2 = 0f;
                for (int j = 0; j < steps; j++) {
                    float v = x[base + j * lanes + k];
                    float d = v - m1;
                    m1 = CpuCapability.mulAdd(fused, d, WELFORD_WEIGHTS[j], m1);
                    m2 = CpuCapability.mulAdd(fused, d, v - m1, m2);
                }
                chunk[k] = m1;
                chunk[lanes + k] = m2;
            }
            pushChunk(i, steps, chunk, 0, lanes, lanes, fused, depth, stk1, stk2, cnt);
        }
        finishMoments(x, xo, n, lanes, fused, depth, stk1, stk2, cnt, res);
    }

    /** Zeroes the cascade's first {@code depth} levels. */
    static void clearMoments(float[] stk1, float[] stk2, long[] cnt, int depth, int lanes) {
        java.util.Arrays.fill(stk1, 0, depth * lanes, 0f);
        java.util.Arrays.fill(stk2, 0, depth * lanes, 0f);
        java.util.Arrays.fill(cnt, 0, depth, 0L);
    }

    /**
     * Chunk {@code i}'s moments ({@code steps} vectors; the means' lanes at {@code chunk[m1]}, the sums of squares' at
     * {@code chunk[m2]}) merged into the cascade's level 0, then each full level carried up as {@code RowwiseMoments}
     * does after every chunk.
     */
    static void pushChunk(int i, int steps, float[] chunk, int m1, int m2, int lanes, boolean fused, int depth,
                          float[] stk1, float[] stk2, long[] cnt) {
        addMomentsLanes(steps, chunk, m1, chunk, m2, 0, lanes, fused, stk1, stk2, cnt);
        int mask = i + 1;
        for (int j = 1; j < depth && (mask & 1) == 0; j++) {
            int lo = (j - 1) * lanes;
            addMomentsLanes(cnt[j - 1], stk1, lo, stk2, lo, j, lanes, fused, stk1, stk2, cnt);
            cnt[j - 1] = 0;
            java.util.Arrays.fill(stk1, lo, lo + lanes, 0f);
            java.util.Arrays.fill(stk2, lo, lo + lanes, 0f);
            mask >>= 1;
        }
    }

    /**
     * {@code AddMomentsVec}: {@code add} values' moments (means at {@code a1[o1]}, sums of squares at {@code a2[o2]},
     * {@code lanes} each) merged into the cascade's level {@code level}.
     */
    static void addMomentsLanes(long add, float[] a1, int o1, float[] a2, int o2, int level, int lanes, boolean fused,
                                float[] stk1, float[] stk2, long[] cnt) {
        long total = cnt[level] + add;
        float c = total == 0 ? 0f : (float) add / (float) total;
        float m0 = (float) cnt[level];
        int s = level * lanes;
        if (!fused && !momentsScalar && LOOPS != null && LOOPS.addMomentsLanes(c, m0, a1, o1, a2, o2, stk1, stk2, s, lanes)) {
            cnt[level] = total;
            return;
        }
        for (int k = 0; k < lanes; k++) {
            float d = a1[o1 + k] - stk1[s + k];
            stk1[s + k] = CpuCapability.mulAdd(fused, c, d, stk1[s + k]);
            stk2[s + k] += CpuCapability.mulAdd(fused, d * d * c, m0, a2[o2 + k]);
        }
        cnt[level] = total;
    }

    /**
     * The end of {@code RowwiseMoments}: the cascade's levels merged into level 0, a scalar Welford over the elements
     * past the last whole vector, the lanes merged into it one by one ({@code AddMoments}); mean and variance into
     * {@code res}.
     */
    static void finishMoments(float[] x, int xo, int n, int lanes, boolean fused, int depth, float[] stk1,
                              float[] stk2, long[] cnt, float[] res) {
        for (int i = 1; i < depth; i++) {
            addMomentsLanes(cnt[i], stk1, i * lanes, stk2, i * lanes, 0, lanes, fused, stk1, stk2, cnt);
        }
        int vectors = n / lanes;
        long m0 = 0;
        float m1 = 0f;
        float m2 = 0f;
        for (int i = vectors * lanes; i < n; i++) {
            float v = x[xo + i];
            float d = v - m1;
            ++m0;
            m1 += d / (float) m0;
            m2 = CpuCapability.mulAdd(fused, d, v - m1, m2);
        }
        for (int k = 0; k < lanes; k++) {
            long total = m0 + vectors;
            float c = total == 0 ? 0f : (float) vectors / (float) total;
            float d = stk1[k] - m1;
            m1 = CpuCapability.mulAdd(fused, c, d, m1);
            m2 += CpuCapability.mulAdd(fused, d * d * c, (float) m0, stk2[k]);
            m0 = total;
        }
        res[0] = m1;
        res[1] = m2 / (float) n;
    }

    /**
     * The backward of {@link #rowNorm}: with {@code xhat = (x - mean) rstd} and {@code dxhat = dy * weight},
     * {@code dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat))} (RMS norm: no {@code mean(dxhat)} term),
     * {@code dweight = sum dy xhat}, {@code dbias = sum dy}.
     */
    static void rowNormBackward(boolean rms, CpuStorage gy, Layout gl, CpuStorage x, Layout xl, CpuStorage mean,
                                CpuStorage rstd, CpuStorage weight, CpuStorage gx, Layout gxl, CpuStorage gw,
                                CpuStorage gb) {
        int m = xl.size(0);
        int n = xl.size(1);
        double[] w = vector(weight, n);
        int chunks = CpuThreads.chunks(m, n);
        double[][] pw = new double[chunks][];
        double[][] pb = new double[chunks][];
        boolean vectorRows = LOOPS != null && x.dtype == DType.FLOAT32 && gy.dtype == DType.FLOAT32 && xl.stride(1) == 1
                && gl.stride(1) == 1 && gx != null && gxl.stride(1) == 1 && w != null && gw != null && gb != null;
        CpuThreads.parallelFor(m, chunks, (task, from, to) -> {
            double[] xr = new double[n];
            double[] gr = new double[n];
            double[] dh = w == null ? gr : new double[n];
            double[] accW = gw == null ? null : new double[n];
            double[] accB = gb == null ? null : new double[n];
            for (int i = from; i < to; i++) {
                double mu = rms ? 0 : mean.getDouble(i);
                double r = rstd.getDouble(i);
                if (vectorRows) {
                    // float32 rows in place, read by the vector loops: the passes below, fused
                    LOOPS.normBackwardRow((float[]) x.array, xl.offset() + i * xl.stride(0), (float[]) gy.array,
                            gl.offset() + i * gl.stride(0), w, mu, r, xr, dh, accW, accB, n);
                } else {
                    load(x, xl.offset() + i * xl.stride(0), xl.stride(1), n, xr);
                    load(gy, gl.offset() + i * gl.stride(0), gl.stride(1), n, gr);
                    // xr becomes xhat = (x - mean) rstd, dh dxhat = dy * weight, in passes the JIT vectorizes (one
                    // pass with the weight's and bias's sums where all are wanted)
                    if (w != null && accW != null && accB != null) {
                        for (int j = 0; j < n; j++) {
                            double xh = (xr[j] - mu) * r;
                            xr[j] = xh;
                            dh[j] = gr[j] * w[j];
                            accW[j] += gr[j] * xh;
                            accB[j] += gr[j];
                        }
                    } else {
                        sequentialPasses(xr, gr, dh, w, accW, accB, n, mu, r);
                    }
                }
                if (gx != null) {
                    // the row sums in vector partial sums; the input gradient written by the vector loops for
                    // float32 rows in place, else computed here and stored
                    double m1 = rms ? 0 : rowSum(dh, n) / n;
                    double m2 = rowDot(dh, xr, n) / n;
                    int go = gxl.offset() + i * gxl.stride(0);
                    if (vectorRows) {
                        LOOPS.normBackwardOut(dh, xr, r, m1, m2, (float[]) gx.array, go, n);
                    } else {
                        for (int j = 0; j < n; j++) {
                            xr[j] = r * (dh[j] - m1 - xr[j] * m2);
                        }
                        store(xr, n, gx, go, gxl.stride(1));
                    }
                }
            }
            pw[task] = accW;
            pb[task] = accB;
        });
        if (gw != null) {
            storeVector(total(pw, n), gw);
        }
        if (gb != null) {
            storeVector(total(pb, n), gb);
        }
    }

    /**
     * Layer norm's float32 backward as PyTorch's {@code LayerNormBackwardKernelImpl} computes it for float input (the
     * same code in 1.13 and 2.x, {@code opmath_t} float): per row, with {@code a = rstd}, the sums
     * {@code ds = sum dy x gamma} and {@code db = sum dy gamma} in the capability's vector lanes ({@code map3_reduce_all}
     * and {@code map2_reduce_all}: {@link CpuCapability#vectorBytes} / 4 lanes, the first vector the map's values,
     * then one product-sum per lane and vector, fused where the build fuses ({@link CpuCapability#fusesMultiplyAdd}),
     * the tail into the first lanes, then {@code vec_reduce_all}: halves folded onto each other on the x86 builds, the
     * lanes in order on DEFAULT; a row shorter than one vector sums its values in order);
     * {@code b = (db mean - ds) a a a / N}, {@code c = -b mean - db a / N} and {@code dx = a dy gamma + b x + c}, fused
     * where GCC contracts them; the parameters' gradients in float per-thread buffers
     * ({@code dgamma += dy (a x - a mean)}, {@code dbeta += dy}) over PyTorch's split of the rows into one range per
     * thread, summed in thread order, so they are PyTorch's bits when both run the same number of threads.
     * float32 operands only (mean and rstd float32 too; the input gradient's rows of unit stride); returns false
     * otherwise, or where the system property {@code ember.layerNorm.doubleBackward} is true (the double passes of
     * {@link #rowNormBackward}, kept for comparisons).
     */
    static boolean layerNormBackwardFloat(CpuStorage gy, Layout gl, CpuStorage x, Layout xl, CpuStorage mean,
                                          CpuStorage rstd, CpuStorage weight, CpuStorage gx, Layout gxl, CpuStorage gw,
                                          CpuStorage gb) {
        DType f = DType.FLOAT32;
        if (Boolean.getBoolean("ember.layerNorm.doubleBackward") || x.dtype != f || gy.dtype != f || mean.dtype != f
                || rstd.dtype != f || (weight != null && weight.dtype != f)
                || (gx != null && (gx.dtype != f || gxl.stride(1) != 1)) || (gw != null && gw.dtype != f)
                || (gb != null && gb.dtype != f)) {
            return false;
        }
        int m = xl.size(0);
        int n = xl.size(1);
        if (m == 0 || n == 0) {
            return false;
        }
        layerNormBackwardFloat(gy, gl, x, xl, mean, rstd, weight, gx, gxl, gw, gb, CpuCapability.value());
        return true;
    }

    /**
     * {@link #layerNormBackwardFloat} as PyTorch's build of {@code cap} computes it ({@code "AVX512"}, {@code "AVX2"}
     * or {@code "DEFAULT"}), on float32 operands of at least one row of one element.
     */
    static void layerNormBackwardFloat(CpuStorage gy, Layout gl, CpuStorage x, Layout xl, CpuStorage mean,
                                       CpuStorage rstd, CpuStorage weight, CpuStorage gx, Layout gxl, CpuStorage gw,
                                       CpuStorage gb, String cap) {
        int m = xl.size(0);
        int n = xl.size(1);
        boolean fma = CpuCapability.fusesMultiplyAdd(cap);
        boolean fold = !cap.equals("DEFAULT");
        int lanes = CpuCapability.vectorBytes(cap) / Float.BYTES;
        float[] xa = (float[]) x.array;
        float[] ga = (float[]) gy.array;
        float[] w = weight == null ? null : (float[]) weight.array;
        float[] dxa = gx == null ? null : (float[]) gx.array;
        float scale = 1f / n;
        // at::parallel_for's split over min(threads, M) threads, each with its own zeroed buffers
        int threads = Math.max(1, Math.min(CpuThreads.threads(), m));
        int per = (m + threads - 1) / threads;
        float[][] bufW = new float[threads][];
        float[][] bufB = new float[threads][];
        // the vector row's parameter terms and sums in one loop ({@code -Dember.layerNorm.backwardPasses=true}, read
        // per call: a loop each, the same bits)
        boolean onePass = !Boolean.getBoolean("ember.layerNorm.backwardPasses");
        CpuThreads.parallelFor(threads, CpuThreads.chunks(m, n) > 1 ? threads : 1, (task, from, to) -> {
            float[] acc = new float[2 * lanes + 2];
            // rows read with a stride (an expanded gradient: PyTorch's dY.contiguous()) copied first
            float[] xr = xl.stride(1) == 1 ? null : new float[n];
            float[] gr = gl.stride(1) == 1 ? null : new float[n];
            for (int t = from; t < to; t++) {
                float[] bw = gw == null ? null : new float[n];
                float[] bb = gb == null ? null : new float[n];
                for (int i = t * per; i < Math.min(m, (t + 1) * per); i++) {
                    float mu = (float) mean.getDouble(i);
                    float a = (float) rstd.getDouble(i);
                    int xo = xl.offset() + i * xl.stride(0);
                    int go = gl.offset() + i * gl.stride(0);
                    float[] xs = xa;
                    float[] gs = ga;
                    if (xr != null) {
                        gatherRow(xa, xo, xl.stride(1), xr, n);
                        xs = xr;
                        xo = 0;
                    }
                    if (gr != null) {
                        gatherRow(ga, go, gl.stride(1), gr, n);
                        gs = gr;
                        go = 0;
                    }
                    int dxo = gx == null ? 0 : gxl.offset() + i * gxl.stride(0);
                    if (LOOPS == null || !fma || !(onePass && LOOPS.layerNormBackwardRowOnePass(xs, xo, gs, go, w, mu,
                            a, scale, dxa, dxo, bw, bb, n, lanes, acc)
                            || LOOPS.layerNormBackwardRow(xs, xo, gs, go, w, mu, a, scale, dxa, dxo, bw, bb, n, lanes,
                            acc))) {
                        layerNormBackwardRow(xs, xo, gs, go, w, mu, a, scale, dxa, dxo, bw, bb, n, lanes, fma, fold, acc);
                    }
                }
                bufW[t] = bw;
                bufB[t] = bb;
            }
        });
        sumBuffers(bufW, gw, n);
        sumBuffers(bufB, gb, n);
    }

    /** {@code out[j] = a[off + j stride]} for j below n. */
    private static void gatherRow(float[] a, int off, int stride, float[] out, int n) {
        for (int j = 0; j < n; j++) {
            out[j] = a[off + j * stride];
        }
    }

    /** The second pass of {@link #layerNormBackwardFloat}: {@code out[j] = 0 + buf[0][j] + buf[1][j] + ...} in float. */
    private static void sumBuffers(float[][] buf, CpuStorage out, int n) {
        if (out == null) {
            return;
        }
        float[] o = (float[]) out.array;
        for (int j = 0; j < n; j++) {
            float s = 0f;
            for (float[] b : buf) {
                s += b[j];
            }
            o[j] = s;
        }
    }

    /**
     * One row of {@link #layerNormBackwardFloat} element by element: {@code dx} written where not null, the row's
     * terms added into the buffers {@code bw} and {@code bb} where not null; {@code acc} is scratch of
     * {@code 2 lanes + 2} floats.
     */
    static void layerNormBackwardRow(float[] x, int xo, float[] g, int go, float[] w, float mu, float a, float scale,
                                     float[] dx, int dxo, float[] bw, float[] bb, int n, int lanes, boolean fma,
                                     boolean fold, float[] acc) {
        if (bw != null) {
            float nb = -a * mu;
            for (int j = 0; j < n; j++) {
                bw[j] = CpuCapability.mulAdd(fma, g[go + j], CpuCapability.mulAdd(fma, a, x[xo + j], nb), bw[j]);
            }
        }
        if (bb != null) {
            for (int j = 0; j < n; j++) {
                bb[j] += g[go + j];
            }
        }
        if (dx == null) {
            return;
        }
        // the first vector: the map's values
        int first = Math.min(lanes, n);
        for (int k = 0; k < first; k++) {
            float gk = g[go + k];
            acc[k] = w == null ? gk * x[xo + k] : gk * x[xo + k] * w[k];
            acc[lanes + k] = w == null ? gk : gk * w[k];
        }
        laneSums(x, xo, g, go, w, lanes, n, lanes, fma, acc);
        layerNormCoefficients(acc, n, lanes, fma, fold, mu, a, scale);
        float b = acc[2 * lanes];
        float c = acc[2 * lanes + 1];
        for (int j = 0; j < n; j++) {
            float t = w == null ? a * g[go + j] : a * g[go + j] * w[j];
            dx[dxo + j] = CpuCapability.mulAdd(fma, b, x[xo + j], t) + c;
        }
    }

    /**
     * The sums' lanes of {@link #layerNormBackwardRow} for elements {@code [from, n)}, {@code from} a multiple of
     * {@code lanes}: element j into lane {@code j % lanes} of {@code ds} ({@code acc[0, lanes)}) and {@code db}
     * ({@code acc[lanes, 2 lanes)}), as one product-sum each (fused where {@code fma}).
     */
    static void laneSums(float[] x, int xo, float[] g, int go, float[] w, int from, int n, int lanes, boolean fma,
                         float[] acc) {
        for (int j = from; j < n; j++) {
            int k = j % lanes;
            float gj = g[go + j];
            if (w == null) {
                acc[k] = CpuCapability.mulAdd(fma, gj, x[xo + j], acc[k]);
                acc[lanes + k] += gj;
            } else {
                acc[k] = CpuCapability.mulAdd(fma, gj * x[xo + j], w[j], acc[k]);
                acc[lanes + k] = CpuCapability.mulAdd(fma, gj, w[j], acc[lanes + k]);
            }
        }
    }

    /**
     * The row's coefficients of {@link #layerNormBackwardRow} once both sums' lanes are in {@code acc}: the lanes
     * reduced ({@link #reduceLanes}, {@code fold} unless the DEFAULT build), then {@code b = (db mean - ds) a a a / N}
     * into {@code acc[2 lanes]} and {@code c = -b mean - db a / N} into {@code acc[2 lanes + 1]}.
     */
    static void layerNormCoefficients(float[] acc, int n, int lanes, boolean fma, boolean fold, float mu, float a,
                                      float scale) {
        float ds = reduceLanes(acc, 0, lanes, Math.min(lanes, n), fold);
        float db = reduceLanes(acc, lanes, lanes, Math.min(lanes, n), fold);
        float b = CpuCapability.mulAdd(fma, db, mu, -ds) * a * a * a * scale;
        acc[2 * lanes] = b;
        acc[2 * lanes + 1] = CpuCapability.mulAdd(fma, -b, mu, -(db * a * scale));
    }

    /**
     * {@code vec_reduce_all} of the sum over {@code lanes} floats from {@code off} of {@code acc} (changed): a row
     * shorter than a vector ({@code used < lanes}) and the DEFAULT build sum the used lanes in order; the x86 builds
     * fold the upper half onto the lower, halving, to lane 0.
     */
    static float reduceLanes(float[] acc, int off, int lanes, int used, boolean fold) {
        if (used < lanes || !fold) {
            float s = acc[off];
            for (int k = 1; k < used; k++) {
                s += acc[off + k];
            }
            return s;
        }
        for (int h = lanes / 2; h >= 1; h /= 2) {
            for (int k = 0; k < h; k++) {
                acc[off + k] += acc[off + k + h];
            }
        }
        return acc[off];
    }

    /** The backward's first passes one by one, for rows without a weight or without both parameter gradients. */
    private static void sequentialPasses(double[] xr, double[] gr, double[] dh, double[] w, double[] accW,
                                         double[] accB, int n, double mu, double r) {
        for (int j = 0; j < n; j++) {
            xr[j] = (xr[j] - mu) * r;
        }
        if (w != null) {
            for (int j = 0; j < n; j++) {
                dh[j] = gr[j] * w[j];
            }
        }
        if (accW != null) {
            for (int j = 0; j < n; j++) {
                accW[j] += gr[j] * xr[j];
            }
        }
        if (accB != null) {
            for (int j = 0; j < n; j++) {
                accB[j] += gr[j];
            }
        }
    }

    // ------------------------------------------------------------------ group norm ([N, C, L])

    private static int at(Layout l, int n, int c) {
        return l.offset() + n * l.stride(0) + c * l.stride(1);
    }

    /** Group norm: statistics over each sample's {@code C / groups} channels of a group. */
    static void groupNorm(CpuStorage x, Layout xl, int groups, CpuStorage weight, CpuStorage bias, double eps,
                          CpuStorage out, Layout ol, CpuStorage mean, CpuStorage rstd) {
        int batch = xl.size(0);
        int channels = xl.size(1);
        int len = xl.size(2);
        int per = channels / groups;
        long count = (long) per * len;
        double[] w = vector(weight, channels);
        double[] b = vector(bias, channels);
        int items = batch * groups;
        CpuThreads.parallelFor(items, CpuThreads.chunks(items, count), (task, from, to) -> {
            double[] row = new double[len];
            for (int item = from; item < to; item++) {
                int n = item / groups;
                int g = item % groups;
                double s = 0;
                for (int c = g * per; c < (g + 1) * per; c++) {
                    load(x, at(xl, n, c), xl.stride(2), len, row);
                    for (int l = 0; l < len; l++) {
                        s += row[l];
                    }
                }
                double mu = count == 0 ? 0 : s / count;
                double ss = 0;
                for (int c = g * per; c < (g + 1) * per; c++) {
                    load(x, at(xl, n, c), xl.stride(2), len, row);
                    for (int l = 0; l < len; l++) {
                        double d = row[l] - mu;
                        ss += d * d;
                    }
                }
                double r = 1 / Math.sqrt((count == 0 ? 0 : ss / count) + eps);
                for (int c = g * per; c < (g + 1) * per; c++) {
                    load(x, at(xl, n, c), xl.stride(2), len, row);
                    double scale = w == null ? r : r * w[c];
                    double shift = b == null ? 0 : b[c];
                    for (int l = 0; l < len; l++) {
                        row[l] = (row[l] - mu) * scale + shift;
                    }
                    store(row, len, out, at(ol, n, c), ol.stride(2));
                }
                mean.setDouble(item, mu);
                rstd.setDouble(item, r);
            }
        });
    }

    /** The backward of {@link #groupNorm}, as {@link #rowNormBackward} over each (sample, group). */
    static void groupNormBackward(CpuStorage gy, Layout gl, CpuStorage x, Layout xl, int groups, CpuStorage mean,
                                  CpuStorage rstd, CpuStorage weight, CpuStorage gx, Layout gxl, CpuStorage gw,
                                  CpuStorage gb) {
        int batch = xl.size(0);
        int channels = xl.size(1);
        int len = xl.size(2);
        int per = channels / groups;
        long count = (long) per * len;
        double[] w = vector(weight, channels);
        if (gx != null) {
            int items = batch * groups;
            CpuThreads.parallelFor(items, CpuThreads.chunks(items, count), (task, from, to) -> {
                double[] xr = new double[len];
                double[] gr = new double[len];
                for (int item = from; item < to; item++) {
                    int n = item / groups;
                    int g = item % groups;
                    double mu = mean.getDouble(item);
                    double r = rstd.getDouble(item);
                    double sum1 = 0;
                    double sum2 = 0;
                    for (int c = g * per; c < (g + 1) * per; c++) {
                        load(x, at(xl, n, c), xl.stride(2), len, xr);
                        load(gy, at(gl, n, c), gl.stride(2), len, gr);
                        double wc = w == null ? 1 : w[c];
                        for (int l = 0; l < len; l++) {
                            double dxhat = gr[l] * wc;
                            sum1 += dxhat;
                            sum2 += dxhat * (xr[l] - mu) * r;
                        }
                    }
                    double m1 = sum1 / count;
                    double m2 = sum2 / count;
                    for (int c = g * per; c < (g + 1) * per; c++) {
                        load(x, at(xl, n, c), xl.stride(2), len, xr);
                        load(gy, at(gl, n, c), gl.stride(2), len, gr);
                        double wc = w == null ? 1 : w[c];
                        for (int l = 0; l < len; l++) {
                            double xhat = (xr[l] - mu) * r;
                            xr[l] = r * (gr[l] * wc - m1 - xhat * m2);
                        }
                        store(xr, len, gx, at(gxl, n, c), gxl.stride(2));
                    }
                }
            });
        }
        if (gw != null || gb != null) {
            double[] dw = new double[channels];
            double[] db = new double[channels];
            CpuThreads.parallelFor(channels, CpuThreads.chunks(channels, (long) batch * len), (task, from, to) -> {
                double[] xr = new double[len];
                double[] gr = new double[len];
                for (int c = from; c < to; c++) {
                    double sw = 0;
                    double sb = 0;
                    for (int n = 0; n < batch; n++) {
                        int item = n * groups + c / per;
                        double mu = mean.getDouble(item);
                        double r = rstd.getDouble(item);
                        load(x, at(xl, n, c), xl.stride(2), len, xr);
                        load(gy, at(gl, n, c), gl.stride(2), len, gr);
                        for (int l = 0; l < len; l++) {
                            sw += gr[l] * (xr[l] - mu) * r;
                            sb += gr[l];
                        }
                    }
                    dw[c] = sw;
                    db[c] = sb;
                }
            });
            if (gw != null) {
                storeVector(dw, gw);
            }
            if (gb != null) {
                storeVector(db, gb);
            }
        }
    }

    // ------------------------------------------------------------------ batch norm ([N, C, L])

    /** Batch norm per channel: batch statistics in training, the given mean and invstd otherwise. */
    static void batchNorm(CpuStorage x, Layout xl, CpuStorage weight, CpuStorage bias, boolean training, double eps,
                          CpuStorage mean, CpuStorage invstd, CpuStorage unbiasedVar, CpuStorage out, Layout ol) {
        int batch = xl.size(0);
        int channels = xl.size(1);
        int len = xl.size(2);
        long count = (long) batch * len;
        double[] w = vector(weight, channels);
        double[] b = vector(bias, channels);
        double[] mu = training ? new double[channels] : vector(mean, channels);
        double[] is = training ? new double[channels] : vector(invstd, channels);
        double[] uv = training ? new double[channels] : null;
        boolean serial = Boolean.getBoolean("ember.cpu.batchNormStats.serial");
        boolean inPlace = !Boolean.getBoolean("ember.cpu.batchNormBuffers");
        // the float32 output in float as PyTorch's kernel (see alpha); -Dember.cpu.batchNorm.doubleNormalize=true:
        // in double as before session 58
        boolean fused = !Boolean.getBoolean("ember.cpu.batchNorm.doubleNormalize");
        boolean fma = CpuCapability.fusesMultiplyAdd(CpuCapability.value());
        boolean f32 = fused && x.dtype == DType.FLOAT32;
        int block = statsBlock();
        boolean vectorStats = LOOPS != null && !oldStats();
        if (inPlace && !serial && floatChannelsLast(x, xl) && (ol.stride(1) == len || floatChannelsLast(out, ol))
                && (len < LANES || !floatRows(x, xl)) && out.dtype == DType.FLOAT32) {
            batchNormChannelsLast(x, xl, training, eps, batch, len, count, w, b, mu, is, uv, out, ol, channels, block,
                    fused, fma);
        } else if (floatRows(x, xl) && floatRows(out, ol) && inPlace) {
            float[] xa = (float[]) x.array;
            float[] oa = (float[]) out.array;
            CpuThreads.parallelFor(channels, CpuThreads.chunks(channels, count), (task, from, to) -> {
                double[] acc = serial ? null : new double[LANES];
                for (int c = from; c < to; c++) {
                    if (training && !serial) {
                        int ch = c;
                        double m = blockTotals(batch, len, block, true, acc, (n, l0, l1, lane, a) ->
                                addLanes(xa, at(xl, n, ch) + l0, l1 - l0, lane, a, vectorStats))[0] / count;
                        double ss = blockTotals(batch, len, block, true, acc, (n, l0, l1, lane, a) ->
                                addSquareLanes(xa, at(xl, n, ch) + l0, l1 - l0, lane, m, a, vectorStats))[0];
                        mu[c] = m;
                        varianceStats(ss, count, eps, f32, is, uv, c);
                    } else if (training) {
                        double s = 0;
                        for (int n = 0; n < batch; n++) {
                            int o = at(xl, n, c);
                            for (int l = 0; l < len; l++) {
                                s += xa[o + l];
                            }
                        }
                        double m = s / count;
                        double ss = 0;
                        for (int n = 0; n < batch; n++) {
                            int o = at(xl, n, c);
                            for (int l = 0; l < len; l++) {
                                double d = xa[o + l] - m;
                                ss += d * d;
                            }
                        }
                        mu[c] = m;
                        varianceStats(ss, count, eps, f32, is, uv, c);
                    }
                    if (fused) {
                        float alpha = alpha(is, w, c);
                        float beta = beta(fma, mu, alpha, b, c);
                        for (int n = 0; n < batch; n++) {
                            int xo = at(xl, n, c);
                            int oo = at(ol, n, c);
                            if (LOOPS != null) {
                                LOOPS.mulAddScalar(fma, xa, xo, alpha, beta, oa, oo, len);
                                continue;
                            }
                            for (int l = 0; l < len; l++) {
                                oa[oo + l] = CpuCapability.mulAdd(fma, xa[xo + l], alpha, beta);
                            }
                        }
                        continue;
                    }
                    double scale = w == null ? is[c] : is[c] * w[c];
                    double shift = b == null ? 0 : b[c];
                    double m = mu[c];
                    for (int n = 0; n < batch; n++) {
                        int xo = at(xl, n, c);
                        int oo = at(ol, n, c);
                        for (int l = 0; l < len; l++) {
                            oa[oo + l] = (float) ((xa[xo + l] - m) * scale + shift);
                        }
                    }
                }
            });
        } else {
            // a float64 input and output: PyTorch's alpha and beta in double (see alphaDouble); before session 63 (or
            // -Dember.batchNorm.oldFormula=true) (x - mean) * (invstd * weight) + bias
            boolean f64 = fused && x.dtype == DType.FLOAT64 && out.dtype == DType.FLOAT64
                    && !Boolean.getBoolean("ember.batchNorm.oldFormula");
            batchNormBuffered(x, xl, training, eps, batch, len, count, w, b, mu, is, uv, out, ol, channels, serial,
                    block, f32 && out.dtype == DType.FLOAT32, f64, fma, f32);
        }
        if (training) {
            storeVector(mu, mean);
            storeVector(is, invstd);
            if (unbiasedVar != null) {
                storeVector(uv, unbiasedVar);
            }
        }
    }

    /**
     * Whether a [N, C, L] operand is float32 with contiguous rows (L at unit stride): batch norm then reads and writes
     * its array in place, the same arithmetic in the same order as through the double rows of {@link #load} and
     * {@link #store} (so the same bits) without their passes. {@code -Dember.cpu.batchNormBuffers=true} (read at each
     * call) takes the row buffers, the path before session 53.
     */
    private static boolean floatRows(CpuStorage s, Layout l) {
        return s.dtype == DType.FLOAT32 && l.stride(2) == 1;
    }

    /**
     * Batch norm's float32 output as PyTorch 2.x's CPU kernel computes it over a contiguous or channels-last input
     * ({@code batch_norm_cpu_collect_linear_and_constant_terms}, then {@code batch_norm_cpu_contiguous_impl} or
     * {@code _channels_last_impl}): per channel, in float, {@code alpha = invstd * weight} and
     * {@code beta = bias - mean * alpha}, then {@code out = x * alpha + beta}, with the float32 mean and invstd that are
     * saved (in evaluation the invstd the caller computed in float, {@code 1 / sqrt(running_var + eps)}). PyTorch's
     * x86 builds with FMA contract both {@code beta}'s and the output's multiply and add into one fused multiply-add
     * (1.13's outputs equal {@code fma(x, alpha, fma(-mean, alpha, bias))} bit for bit, see
     * {@code batchnormbits/make_expected.py} under the test resources), so these follow {@link CpuCapability#mulAdd}
     * (rounded twice on {@code DEFAULT}).
     * Every path takes it for a float32 input and output (the rows of doubles too, so that the paths keep agreeing bit
     * for bit); where PyTorch takes its TensorIterator instead (an input contiguous in no format, a stepped parameter),
     * {@code ((x - mean) * invstd) * weight + bias}, NormOps computes that output (session 63).
     * {@code -Dember.cpu.batchNorm.doubleNormalize=true} (read at each call) takes the path before session 58
     * everywhere: {@code (x - mean) * (invstd * weight) + bias} in double, rounded once.
     */
    private static float alpha(double[] is, double[] w, int c) {
        float invstd = (float) is[c];
        return w == null ? invstd : invstd * (float) w[c];
    }

    /**
     * A channel's {@code invstd} and unbiased variance ({@code is[c]}, {@code uv[c]}) from its centred sum of squares
     * {@code ss} over {@code count} elements, in PyTorch 2.x's types for a float32 input ({@code f32}): its kernel
     * stores the sum in a float32 tensor and {@code batch_norm_cpu_update_stats_template} divides in float
     * ({@code var_sum / n}, {@code var_sum / (n - 1)}), then {@code InvStd<double>} takes {@code 1 / sqrt(var + eps)}
     * in double, stored as float. The sum itself stays Ember's (in double, see {@link #LANES}). Otherwise (float64,
     * or {@code -Dember.cpu.batchNorm.doubleNormalize=true}) all in double, as before session 58. Either way a
     * variance and eps both zero give an invstd of 0 (InvStd's rule), not infinity.
     */
    private static void varianceStats(double ss, long count, double eps, boolean f32, double[] is, double[] uv, int c) {
        double var = f32 ? (float) ss / (float) count : ss / count;
        is[c] = var == 0 && eps == 0 ? 0 : f32 ? (float) (1 / Math.sqrt(var + eps)) : 1 / Math.sqrt(var + eps);
        uv[c] = f32 ? (float) ss / (float) (count - 1) : ss / (count - 1);
    }

    /**
     * One element of batch norm's float32 input gradient as PyTorch 2.x's CPU kernel computes it
     * ({@code batch_norm_cpu_backward_contiguous_impl} / {@code _channels_last_impl}), in float: in training
     * {@code ((g - gm) - (x - m) * k) * r * w} with {@code k = dotp * invstd^2 / N} and {@code gm = sum(dy) / N} (the
     * product and difference fused where {@code fma}, as GCC contracts them on the FMA builds: not checked against
     * PyTorch's bits, whose sums are float partials), in evaluation {@code g * r * w}. Ember's {@code k} and
     * {@code gm} come from its double sums, rounded once to float. {@code -Dember.cpu.batchNorm.doubleNormalize=true}
     * (read at each call) keeps the double arithmetic before session 58.
     */
    static float gradInput(boolean fma, boolean training, float x, float g, float m, float k, float gm, float r,
                           float w) {
        if (!training) {
            return g * r * w;
        }
        float xm = x - m;
        float d = g - gm;
        return (fma ? Math.fma(-xm, k, d) : d - xm * k) * r * w;
    }

    /** {@code beta = bias - mean * alpha} in float, fused where {@code fma} (see {@link #alpha}); no bias is zero. */
    private static float beta(boolean fma, double[] mu, float alpha, double[] b, int c) {
        return CpuCapability.mulAdd(fma, -(float) mu[c], alpha, b == null ? 0f : (float) b[c]);
    }

    /**
     * {@link #alpha} of a float64 input: {@code invstd * weight} in double. PyTorch's contiguous and channels-last
     * kernels compute float64 as float32 ({@code x * alpha + beta} over {@code Vectorized<double>}, both multiply-adds
     * fused on the FMA builds, rounded twice on {@code DEFAULT}; {@code batchnormformula/make_expected.py} under the test
     * resources checks it), so the output is {@code mulAdd(x, alpha, betaDouble)}; its other path (an input contiguous
     * in no format) is NormOps' ({@code ((x - mean) * invstd) * weight + bias}).
     */
    private static double alphaDouble(double[] is, double[] w, int c) {
        return w == null ? is[c] : is[c] * w[c];
    }

    /** {@code beta = bias - mean * alpha} in double, fused where {@code fma} (see {@link #alphaDouble}). */
    private static double betaDouble(boolean fma, double[] mu, double alpha, double[] b, int c) {
        return CpuCapability.mulAdd(fma, -mu[c], alpha, b == null ? 0.0 : b[c]);
    }

    /** {@link #batchNorm} through rows of doubles ({@link #load}, {@link #store}): any dtype and strides. */
    private static void batchNormBuffered(CpuStorage x, Layout xl, boolean training, double eps, int batch, int len,
                                          long count, double[] w, double[] b, double[] mu, double[] is, double[] uv,
                                          CpuStorage out, Layout ol, int channels, boolean serial, int block,
                                          boolean fused, boolean f64, boolean fma, boolean f32) {
        CpuThreads.parallelFor(channels, CpuThreads.chunks(channels, count), (task, from, to) -> {
            double[] row = new double[len];
            double[] acc = new double[LANES];
            for (int c = from; c < to; c++) {
                if (training && !serial) {
                    int ch = c;
                    int st = xl.stride(2);
                    double m = blockTotals(batch, len, block, true, acc, (n, l0, l1, lane, a) -> {
                        load(x, at(xl, n, ch) + l0 * st, st, l1 - l0, row);
                        addLanes(row, l1 - l0, lane, a);
                    })[0] / count;
                    double ss = blockTotals(batch, len, block, true, acc, (n, l0, l1, lane, a) -> {
                        load(x, at(xl, n, ch) + l0 * st, st, l1 - l0, row);
                        addSquareLanes(row, l1 - l0, lane, m, a);
                    })[0];
                    mu[c] = m;
                    varianceStats(ss, count, eps, f32, is, uv, c);
                } else if (training) {
                    double s = 0;
                    for (int n = 0; n < batch; n++) {
                        load(x, at(xl, n, c), xl.stride(2), len, row);
                        for (int l = 0; l < len; l++) {
                            s += row[l];
                        }
                    }
                    double m = s / count;
                    double ss = 0;
                    for (int n = 0; n < batch; n++) {
                        load(x, at(xl, n, c), xl.stride(2), len, row);
                        for (int l = 0; l < len; l++) {
                            double d = row[l] - m;
                            ss += d * d;
                        }
                    }
                    mu[c] = m;
                    varianceStats(ss, count, eps, f32, is, uv, c);
                }
                double scale = w == null ? is[c] : is[c] * w[c];
                double shift = b == null ? 0 : b[c];
                float alpha = alpha(is, w, c);
                float beta = beta(fma, mu, alpha, b, c);
                double alpha64 = alphaDouble(is, w, c);
                double beta64 = betaDouble(fma, mu, alpha64, b, c);
                for (int n = 0; n < batch; n++) {
                    load(x, at(xl, n, c), xl.stride(2), len, row);
                    for (int l = 0; l < len; l++) {
                        // a float32 input and output: PyTorch's float alpha and beta (see alpha), exact in the double
                        row[l] = fused ? CpuCapability.mulAdd(fma, (float) row[l], alpha, beta)
                                : f64 ? CpuCapability.mulAdd(fma, row[l], alpha64, beta64)
                                : (row[l] - mu[c]) * scale + shift;
                    }
                    store(row, len, out, at(ol, n, c), ol.stride(2));
                }
            }
        });
    }

    // ------------------------------------------------------------------ batch norm statistics in lanes

    /**
     * The batch statistics' partial sums: element {@code k} of a channel, counted in (n, l) order over its {@code N * L}
     * elements, adds into lane {@code k % LANES}; the lanes combine as a fixed tree ({@link #combine}). One order
     * whatever the layout or the path (the rows of doubles, the float32 rows in place, channels-last), so the paths
     * agree bit for bit, with eight adds in flight instead of one sequential double sum (session 54).
     * {@code -Dember.cpu.batchNormStats.serial=true} (read at each call) restores the sequential sums before it.
     * PyTorch 2.x's {@code batch_norm_cpu_collect_stats_contiguous_impl} sums sequentially in double too (its mean then
     * rounded to float); both orders are exact to about 1e-16 relative, far inside float32's rounding.
     */
    private static final int LANES = 8;

    /** The lane of a row's first element: {@code (n * len) % LANES} without overflow. */
    private static int firstLane(int n, int len) {
        return ((n & (LANES - 1)) * (len & (LANES - 1))) & (LANES - 1);
    }

    /** The lanes' total: {@code ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))}. */
    private static double combine(double[] acc) {
        return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    }

    /** {@link #combine} of the eight lanes from {@code acc[o]}. */
    private static double combine(double[] acc, int o) {
        return ((acc[o] + acc[o + 1]) + (acc[o + 2] + acc[o + 3])) + ((acc[o + 4] + acc[o + 5]) + (acc[o + 6] + acc[o + 7]));
    }

    /**
     * Whether {@code -Dember.cpu.batchNorm.oldStats=true} (read at each call): the batch statistics and backward sums
     * before session 59. Session 59 sums a float32 row's whole groups of eight through the vector loops
     * ({@link ElementwiseKernels.FloatLoops#addEightLanes} and the two after it: the same lanes, adds and order as
     * {@link #addLanes}, so the forward's bits do not change), and the backward's {@code sum(dy)} and
     * {@code sum(dy * xhat)} of a float32 input in the {@link #LANES} lanes of the forward's statistics on every path,
     * through the vector loops too (before, each block's sums were sequential, one add at a time, latency-bound: an
     * order change of double adds, so their last bits may differ; other dtypes keep the sequential sums); the
     * channels-last kernels pass a block's rows of channels to the vector loops in one call. Either way every path and
     * thread count give the same bits.
     */
    private static boolean oldStats() {
        return Boolean.getBoolean("ember.cpu.batchNorm.oldStats");
    }

    /**
     * Whether {@code -Dember.cpu.batchNorm.oldRows=true} (read at each call): the float32 channels-last and [N, C]
     * output before session 60, a call of {@link ElementwiseKernels.FloatLoops#mulAddRow} per position (its place found
     * by a division). Session 60 passes a task's packed rows of channels (position p at {@code p * C} in input and
     * output) to {@link ElementwiseKernels.FloatLoops#mulAddRows} in one call: the same operations, the same bits.
     */
    private static boolean oldRows() {
        return Boolean.getBoolean("ember.cpu.batchNorm.oldRows");
    }

    /**
     * Whether {@code -Dember.cpu.batchNorm.oldGradRows=true} (read at each call): the float32 channels-last and [N, C]
     * input gradient before session 62, a call of {@link ElementwiseKernels.FloatLoops#batchNormGradRowFloat} per
     * position (its place found by a division). Session 62 passes a task's packed rows of channels ({@link #packedRows}
     * in input, upstream gradient and input gradient) to
     * {@link ElementwiseKernels.FloatLoops#batchNormGradRowsFloat} in one call: the same operations, the same bits.
     */
    private static boolean oldGradRows() {
        return Boolean.getBoolean("ember.cpu.batchNorm.oldGradRows");
    }

    /**
     * Whether a channels-last [N, C, L] operand of {@code count} positions holds position {@code p} (n, l in
     * (n, l) order) at {@code offset + p * C}: packed rows of channels.
     */
    private static boolean packedRows(Layout l, int channels, int len, long count) {
        return (len == 1 || l.stride(2) == channels) && (count <= len || l.stride(0) == len * channels);
    }

    /**
     * The backward sums of one channel's run of {@code n} elements in the lanes (session 59, see {@link #oldStats}):
     * with {@code j = (k0 + i) % LANES} and {@code g = ga[go + i]}, {@code acc[j] += g} and
     * {@code acc[LANES + j] += g * (xa[xo + i] - m) * r}, in increasing {@code i}; where {@code vector}, the whole
     * groups of eight from the first element at lane 0 through {@link ElementwiseKernels.FloatLoops#gradSumEightLanes}
     * (the same operations, the same bits).
     */
    private static void gradLanes(float[] xa, int xo, float[] ga, int go, int n, int k0, double m, double r,
                                  double[] acc, boolean vector) {
        int i = 0;
        if (vector) {
            for (; i < n && ((k0 + i) & (LANES - 1)) != 0; i++) {
                int j = (k0 + i) & (LANES - 1);
                double g = ga[go + i];
                acc[j] += g;
                acc[LANES + j] += g * (xa[xo + i] - m) * r;
            }
            int groups = (n - i) / LANES;
            if (groups > 0) {
                LOOPS.gradSumEightLanes(xa, xo + i, ga, go + i, groups, m, r, acc);
                i += groups * LANES;
            }
        }
        for (; i < n; i++) {
            int j = (k0 + i) & (LANES - 1);
            double g = ga[go + i];
            acc[j] += g;
            acc[LANES + j] += g * (xa[xo + i] - m) * r;
        }
    }

    /**
     * Positions per block of the batch statistics (session 55): each channel's {@code N * L} elements, counted in
     * (n, l) order, are summed a block of {@code STATS_BLOCK} elements at a time (the forward's mean and centred
     * squares in {@link #LANES} lanes, {@link #combine}d per block; the backward's {@code sum(dy)} and
     * {@code sum(dy * xhat)} in the same lanes since session 59, sequentially within the block before it: see
     * {@link #oldStats}), and the blocks' partials are added in block order from
     * zero. Every path (NCHW rows, rows of doubles, channels-last, [N, C]; vector or scalar) sums these blocks in this
     * order, so they agree bit for bit on any thread count; the channels-last kernels split the blocks over threads
     * (PyTorch's {@code batch_norm_cpu_collect_stats_channels_last_impl} splits the positions too). The block does not
     * depend on the thread count. {@code -Dember.cpu.batchNormStats.block=B} (read at each call, for measurement)
     * changes it; {@code -Dember.cpu.batchNormChannelsLast.byChannels=true} takes one block over all the elements
     * (the sums, and bits, of session 54) and the channels-last kernels' split by channel ranges before it.
     */
    private static final int STATS_BLOCK = 2048;

    /** Whether {@code -Dember.cpu.batchNormChannelsLast.byChannels=true} (read at each call): see {@link #STATS_BLOCK}. */
    private static boolean byChannels() {
        return Boolean.getBoolean("ember.cpu.batchNormChannelsLast.byChannels");
    }

    /** The elements per block of the statistics now ({@link #STATS_BLOCK}). */
    private static int statsBlock() {
        if (byChannels()) {
            return Integer.MAX_VALUE;
        }
        int block = Integer.getInteger("ember.cpu.batchNormStats.block", STATS_BLOCK);
        if (block < 1) {
            throw new IllegalArgumentException("ember.cpu.batchNormStats.block must be positive, got " + block);
        }
        return block;
    }

    /** A run of one channel's elements inside a block: row {@code n}'s positions {@code l0} to {@code l1}. */
    private interface Run {
        /** Adds the run into {@code acc}; {@code lane} is the lane of its first element, {@code k % LANES}. */
        void add(int n, int l0, int l1, int lane, double[] acc);
    }

    /**
     * One channel's totals in the blocks of {@link #STATS_BLOCK}: walks its {@code batch * len} elements in (n, l)
     * order a block at a time; per block clears {@code acc}, passes each row's run inside the block to {@code run},
     * then adds the block's partial to the totals from zero: when {@code lanes}, each set {@code s} of
     * {@link #LANES} lanes in {@code acc} combined, {@code combine(acc, s * LANES)}, to {@code totals[s]} (one set for
     * the statistics, two for session 59's backward sums), else {@code acc[j]} to {@code totals[j]}.
     */
    private static double[] blockTotals(int batch, int len, int block, boolean lanes, double[] acc, Run run) {
        long count = (long) batch * len;
        double[] totals = new double[lanes ? acc.length / LANES : acc.length];
        for (long k0 = 0; k0 < count; k0 += block) {
            long k1 = Math.min(count, k0 + block);
            java.util.Arrays.fill(acc, 0);
            for (long k = k0; k < k1; ) {
                int n = (int) (k / len);
                int l0 = (int) (k - (long) n * len);
                int l1 = (int) Math.min(len, l0 + (k1 - k));
                run.add(n, l0, l1, (int) (k & (LANES - 1)), acc);
                k += l1 - l0;
            }
            if (lanes) {
                for (int s = 0; s < totals.length; s++) {
                    totals[s] += combine(acc, s * LANES);
                }
            } else {
                for (int j = 0; j < acc.length; j++) {
                    totals[j] += acc[j];
                }
            }
        }
        return totals;
    }

    /**
     * Runs {@code body} over the blocks of {@link #STATS_BLOCK} positions of a channels-last input's {@code count}
     * positions, in parallel: each task a run of (block, channel range) pairs, the channels split into ranges of whole
     * {@link #CL_GROUP}s only when there are fewer blocks than threads. A channel's partial over a block does not
     * depend on the range it is in, so any split gives the same bits.
     */
    private static void forBlocks(int blocks, int block, int channels, long count, BlockBody body) {
        if (blocks == 0) {
            return;
        }
        int groups = (channels + CL_GROUP - 1) / CL_GROUP;
        int threads = CpuThreads.threads();
        int ranges = Math.max(1, Math.min(groups, (threads + blocks - 1) / blocks));
        int perRange = (groups + ranges - 1) / ranges;
        int units = blocks * ranges;
        long cost = Math.min(block, count) * (long) channels / ranges;
        CpuThreads.parallelFor(units, Math.min(units, CpuThreads.chunks(units, cost)), (task, u0, u1) -> {
            for (int u = u0; u < u1; u++) {
                int r = u % ranges;
                int from = r * perRange * CL_GROUP;
                int to = Math.min(channels, (r + 1) * perRange * CL_GROUP);
                if (from < to) {
                    int b = u / ranges;
                    int k0 = (int) Math.min(count, (long) b * block);
                    body.run(b, k0, (int) Math.min(count, (long) k0 + block), from, to);
                }
            }
        });
    }

    /** A block's work in {@link #forBlocks}: positions {@code k0} to {@code k1} (block {@code b}), channels {@code from} to {@code to}. */
    private interface BlockBody {
        void run(int b, int k0, int k1, int from, int to);
    }

    /** {@code out[c] = partial[c] + partial[C + c] + ...}: the blocks' partials of each channel, in block order from zero. */
    private static void addBlocks(double[] partial, int blocks, int channels, double[] out) {
        java.util.Arrays.fill(out, 0);
        for (int b = 0; b < blocks; b++) {
            for (int c = 0; c < channels; c++) {
                out[c] += partial[b * channels + c];
            }
        }
    }

    /**
     * {@code acc[(k0 + i) % LANES] += a[o + i]} for {@code i < n}, in increasing {@code i}; where {@code vector}
     * (session 59, see {@link #oldStats}), the whole groups of eight from the first element at lane 0 through
     * {@link ElementwiseKernels.FloatLoops#addEightLanes} (the same adds in the same order).
     */
    private static void addLanes(float[] a, int o, int n, int k0, double[] acc, boolean vector) {
        int i = 0;
        for (; i < n && ((k0 + i) & (LANES - 1)) != 0; i++) {
            acc[(k0 + i) & (LANES - 1)] += a[o + i];
        }
        if (vector && n - i >= LANES) {
            int groups = (n - i) / LANES;
            LOOPS.addEightLanes(a, o + i, groups, acc);
            i += groups * LANES;
        } else if (n - i >= LANES) {
            double s0 = acc[0];
            double s1 = acc[1];
            double s2 = acc[2];
            double s3 = acc[3];
            double s4 = acc[4];
            double s5 = acc[5];
            double s6 = acc[6];
            double s7 = acc[7];
            for (; i + LANES <= n; i += LANES) {
                int j = o + i;
                s0 += a[j];
                s1 += a[j + 1];
                s2 += a[j + 2];
                s3 += a[j + 3];
                s4 += a[j + 4];
                s5 += a[j + 5];
                s6 += a[j + 6];
                s7 += a[j + 7];
            }
            acc[0] = s0;
            acc[1] = s1;
            acc[2] = s2;
            acc[3] = s3;
            acc[4] = s4;
            acc[5] = s5;
            acc[6] = s6;
            acc[7] = s7;
        }
        for (; i < n; i++) {
            acc[(k0 + i) & (LANES - 1)] += a[o + i];
        }
    }

    /** {@link #addLanes(float[], int, int, int, double[], boolean)} over a row of doubles (from {@link #load}): the same lanes, the same bits. */
    private static void addLanes(double[] a, int n, int k0, double[] acc) {
        int i = 0;
        for (; i < n && ((k0 + i) & (LANES - 1)) != 0; i++) {
            acc[(k0 + i) & (LANES - 1)] += a[i];
        }
        if (n - i >= LANES) {
            double s0 = acc[0];
            double s1 = acc[1];
            double s2 = acc[2];
            double s3 = acc[3];
            double s4 = acc[4];
            double s5 = acc[5];
            double s6 = acc[6];
            double s7 = acc[7];
            for (; i + LANES <= n; i += LANES) {
                s0 += a[i];
                s1 += a[i + 1];
                s2 += a[i + 2];
                s3 += a[i + 3];
                s4 += a[i + 4];
                s5 += a[i + 5];
                s6 += a[i + 6];
                s7 += a[i + 7];
            }
            acc[0] = s0;
            acc[1] = s1;
            acc[2] = s2;
            acc[3] = s3;
            acc[4] = s4;
            acc[5] = s5;
            acc[6] = s6;
            acc[7] = s7;
        }
        for (; i < n; i++) {
            acc[(k0 + i) & (LANES - 1)] += a[i];
        }
    }

    /**
     * {@code acc[(k0 + i) % LANES] += (a[o + i] - m)^2}, in the lanes of {@link #addLanes} (where {@code vector},
     * through {@link ElementwiseKernels.FloatLoops#addSquareEightLanes} as there).
     */
    private static void addSquareLanes(float[] a, int o, int n, int k0, double m, double[] acc, boolean vector) {
        int i = 0;
        for (; i < n && ((k0 + i) & (LANES - 1)) != 0; i++) {
            double d = a[o + i] - m;
            acc[(k0 + i) & (LANES - 1)] += d * d;
        }
        if (vector && n - i >= LANES) {
            int groups = (n - i) / LANES;
            LOOPS.addSquareEightLanes(a, o + i, groups, m, acc);
            i += groups * LANES;
        } else if (n - i >= LANES) {
            double s0 = acc[0];
            double s1 = acc[1];
            double s2 = acc[2];
            double s3 = acc[3];
            double s4 = acc[4];
            double s5 = acc[5];
            double s6 = acc[6];
            double s7 = acc[7];
            for (; i + LANES <= n; i += LANES) {
                int j = o + i;
                double d0 = a[j] - m;
                double d1 = a[j + 1] - m;
                double d2 = a[j + 2] - m;
                double d3 = a[j + 3] - m;
                double d4 = a[j + 4] - m;
                double d5 = a[j + 5] - m;
                double d6 = a[j + 6] - m;
                double d7 = a[j + 7] - m;
                s0 += d0 * d0;
                s1 += d1 * d1;
                s2 += d2 * d2;
                s3 += d3 * d3;
                s4 += d4 * d4;
                s5 += d5 * d5;
                s6 += d6 * d6;
                s7 += d7 * d7;
            }
            acc[0] = s0;
            acc[1] = s1;
            acc[2] = s2;
            acc[3] = s3;
            acc[4] = s4;
            acc[5] = s5;
            acc[6] = s6;
            acc[7] = s7;
        }
        for (; i < n; i++) {
            double d = a[o + i] - m;
            acc[(k0 + i) & (LANES - 1)] += d * d;
        }
    }

    /** {@link #addSquareLanes(float[], int, int, int, double, double[], boolean)} over a row of doubles (from {@link #load}): the same lanes, the same bits. */
    private static void addSquareLanes(double[] a, int n, int k0, double m, double[] acc) {
        int i = 0;
        for (; i < n && ((k0 + i) & (LANES - 1)) != 0; i++) {
            double d = a[i] - m;
            acc[(k0 + i) & (LANES - 1)] += d * d;
        }
        if (n - i >= LANES) {
            double s0 = acc[0];
            double s1 = acc[1];
            double s2 = acc[2];
            double s3 = acc[3];
            double s4 = acc[4];
            double s5 = acc[5];
            double s6 = acc[6];
            double s7 = acc[7];
            for (; i + LANES <= n; i += LANES) {
                double d0 = a[i] - m;
                double d1 = a[i + 1] - m;
                double d2 = a[i + 2] - m;
                double d3 = a[i + 3] - m;
                double d4 = a[i + 4] - m;
                double d5 = a[i + 5] - m;
                double d6 = a[i + 6] - m;
                double d7 = a[i + 7] - m;
                s0 += d0 * d0;
                s1 += d1 * d1;
                s2 += d2 * d2;
                s3 += d3 * d3;
                s4 += d4 * d4;
                s5 += d5 * d5;
                s6 += d6 * d6;
                s7 += d7 * d7;
            }
            acc[0] = s0;
            acc[1] = s1;
            acc[2] = s2;
            acc[3] = s3;
            acc[4] = s4;
            acc[5] = s5;
            acc[6] = s6;
            acc[7] = s7;
        }
        for (; i < n; i++) {
            double d = a[i] - m;
            acc[(k0 + i) & (LANES - 1)] += d * d;
        }
    }

    /** Channels per group of the channels-last kernels' split ({@link #forChannelRanges}): a float32 vector's worth. */
    private static final int CL_GROUP = 16;

    /**
     * Runs {@code body} over ranges of the channels, at most one per thread, each a whole number of {@link #CL_GROUP}
     * channels (the last takes the rest): the channels-last kernels read every position's row of channels once per
     * range, so {@link CpuThreads#chunks}'s split (up to four ranges a thread, 8 channels each for 64) read the input
     * eight times over and left rows too short for a vector (2.7x the time of one thread at two, session 54).
     */
    private static void forChannelRanges(int channels, long count, CpuThreads.Range body) {
        int groups = (channels + CL_GROUP - 1) / CL_GROUP;
        int chunks = Math.min(CpuThreads.threads(), CpuThreads.chunks(groups, count * CL_GROUP));
        CpuThreads.parallelFor(groups, chunks,
                (task, g0, g1) -> body.run(task, g0 * CL_GROUP, Math.min(channels, g1 * CL_GROUP)));
    }

    /** Positions per block of the channels-last normalization ({@link #batchNormChannelsLast}). */
    private static final int CL_BLOCK = 64;

    /**
     * Whether a [N, C, L] operand is float32 in channels-last order (C at unit stride, then L, then N: a channels-last
     * NCHW input, or an [N, C] input, whose L is 1).
     */
    private static boolean floatChannelsLast(CpuStorage s, Layout l) {
        int c = l.size(1);
        int len = l.size(2);
        return s.dtype == DType.FLOAT32 && (c == 1 || l.stride(1) == 1) && (len == 1 || l.stride(2) == c)
                && (l.size(0) == 1 || l.stride(0) == c * len);
    }

    /**
     * {@link #batchNorm} over a float32 channels-last input ({@link #floatChannelsLast}; also [N, C], L = 1): the
     * statistics by blocks of positions over the threads ({@link #channelsLastStats}, session 55), each block reading
     * its rows of channels into lane {@code (n * L + l) % LANES} of the channel's partial sums, as PyTorch's
     * {@code batch_norm_cpu_collect_stats_channels_last_impl} reads rows of channels; per channel the blocks, lanes,
     * their order and the arithmetic are those of the other paths, so the same bits. With
     * {@code -Dember.cpu.batchNormChannelsLast.byChannels=true} each task takes a range of channels over every
     * position instead (session 54). The output ({@code ol}: [N, C, L] with
     * C at stride L, or channels-last as the input, written a row of channels at a time) gets the same
     * {@code (x - mean) scale + shift} in double. The rows of channels go through the vector loops
     * ({@link ElementwiseKernels.FloatLoops#addWidenedAt} and the two after it: the same operations, lane by lane);
     * {@code -Dember.cpu.batchNormChannelsLast.scalar=true} (read at each call) keeps the scalar loops, the path before
     * session 54.
     */
    private static void batchNormChannelsLast(CpuStorage x, Layout xl, boolean training, double eps, int batch, int len,
                                              long count, double[] w, double[] b, double[] mu, double[] is,
                                              double[] uv, CpuStorage out, Layout ol, int channels, int block,
                                              boolean fused, boolean fma) {
        float[] xa = (float[]) x.array;
        boolean f32 = fused;
        float[] oa = (float[]) out.array;
        int xs0 = xl.stride(0);
        int xs2 = xl.stride(2);
        int os0 = ol.stride(0);
        int os1 = ol.stride(1);
        int os2 = ol.stride(2);
        ElementwiseKernels.FloatLoops loops = Boolean.getBoolean("ember.cpu.batchNormChannelsLast.scalar") ? null : LOOPS;
        // a channels-last output (rows of channels) is written by ranges of positions, all channels each: split by
        // channels, two threads would write halves of the same rows, sharing the cache lines where they meet
        boolean byPositions = os1 == 1;
        boolean byChannels = byChannels();
        if (training && !byChannels) {
            channelsLastStats(xa, xl.offset(), channels, (int) count, block, eps, mu, is, uv, loops, f32,
                    loops != null && !oldStats());
        }
        if (byPositions && !byChannels) {
            writeChannelsLast(x, xl, len, count, w, b, mu, is, out, ol, channels, loops, fused, fma);
            return;
        }
        forChannelRanges(channels, count, (task, from, to) -> {
            int width = to - from;
            if (training && byChannels) {
                // session 54's statistics: this range of channels over every position (one block, the same bits)
                double[] acc = new double[LANES * width];
                for (int n = 0; n < batch; n++) {
                    for (int l = 0; l < len; l++) {
                        int base = xl.offset() + n * xs0 + l * xs2 + from;
                        int lane = ((firstLane(n, len) + l) & (LANES - 1)) * width;
                        if (loops != null) {
                            loops.addWidenedAt(xa, base, acc, lane, width);
                            continue;
                        }
                        for (int c = 0; c < width; c++) {
                            acc[lane + c] += xa[base + c];
                        }
                    }
                }
                double[] lanes = new double[LANES];
                for (int c = 0; c < width; c++) {
                    for (int k = 0; k < LANES; k++) {
                        lanes[k] = acc[k * width + c];
                    }
                    mu[from + c] = combine(lanes) / count;
                }
                java.util.Arrays.fill(acc, 0);
                double[] m = java.util.Arrays.copyOfRange(mu, from, to);
                for (int n = 0; n < batch; n++) {
                    for (int l = 0; l < len; l++) {
                        int base = xl.offset() + n * xs0 + l * xs2 + from;
                        int lane = ((firstLane(n, len) + l) & (LANES - 1)) * width;
                        if (loops != null) {
                            loops.addCentredSquaresAt(xa, base, m, acc, lane, width);
                            continue;
                        }
                        for (int c = 0; c < width; c++) {
                            double d = xa[base + c] - mu[from + c];
                            acc[lane + c] += d * d;
                        }
                    }
                }
                for (int c = 0; c < width; c++) {
                    for (int k = 0; k < LANES; k++) {
                        lanes[k] = acc[k * width + c];
                    }
                    double ss = combine(lanes);
                    varianceStats(ss, count, eps, f32, is, uv, from + c);
                }
            }
            if (byPositions) {
                return;
            }
            double[] scale = new double[width];
            double[] shift = new double[width];
            for (int c = 0; c < width; c++) {
                scale[c] = w == null ? is[from + c] : is[from + c] * w[from + c];
                shift[c] = b == null ? 0 : b[from + c];
            }
            if (fused) {
                // PyTorch's float alpha and beta (see alpha): one fused multiply-add an element
                for (int c = from; c < to; c++) {
                    float alpha = alpha(is, w, c);
                    float beta = beta(fma, mu, alpha, b, c);
                    for (int n = 0; n < batch; n++) {
                        int xo = xl.offset() + n * xs0 + c;
                        int o = ol.offset() + n * os0 + c * os1;
                        for (int l = 0; l < len; l++) {
                            oa[o + l * os2] = CpuCapability.mulAdd(fma, xa[xo + l * xs2], alpha, beta);
                        }
                    }
                }
                return;
            }
            if (len < CL_BLOCK) {
                // short rows: position by position, the writes L apart
                for (int n = 0; n < batch; n++) {
                    for (int l = 0; l < len; l++) {
                        int base = xl.offset() + n * xs0 + l * xs2 + from;
                        int o = ol.offset() + n * os0 + l * os2 + from * os1;
                        for (int c = 0; c < width; c++) {
                            oa[o + c * os1] = (float) ((xa[base + c] - mu[from + c]) * scale[c] + shift[c]);
                        }
                    }
                }
                return;
            }
            // blocks of positions, so that each channel's writes are a run of the output's row (the block's input,
            // CL_BLOCK rows of channels, stays in the L1 cache while the channels take turns)
            for (int n = 0; n < batch; n++) {
                for (int l0 = 0; l0 < len; l0 += CL_BLOCK) {
                    int l1 = Math.min(len, l0 + CL_BLOCK);
                    for (int c = 0; c < width; c++) {
                        double m = mu[from + c];
                        double sc = scale[c];
                        double sh = shift[c];
                        int xo = xl.offset() + n * xs0 + from + c;
                        int o = ol.offset() + n * os0 + (from + c) * os1;
                        for (int l = l0; l < l1; l++) {
                            oa[o + l * os2] = (float) ((xa[xo + l * xs2] - m) * sc + sh);
                        }
                    }
                }
            }
        });
        if (byPositions) {
            writeChannelsLast(x, xl, len, count, w, b, mu, is, out, ol, channels, loops, fused, fma);
        }
    }

    /** The channels-last output of {@link #batchNormChannelsLast}: by ranges of positions, all channels each. */
    private static void writeChannelsLast(CpuStorage x, Layout xl, int len, long count, double[] w, double[] b,
                                          double[] mu, double[] is, CpuStorage out, Layout ol, int channels,
                                          ElementwiseKernels.FloatLoops loops, boolean fused, boolean fma) {
        float[] xa = (float[]) x.array;
        float[] oa = (float[]) out.array;
        int xs0 = xl.stride(0);
        int xs2 = xl.stride(2);
        int os0 = ol.stride(0);
        int os2 = ol.stride(2);
        if (fused) {
            // PyTorch's float alpha and beta (see alpha), the row of channels in fused multiply-adds
            float[] alpha = new float[channels];
            float[] beta = new float[channels];
            for (int c = 0; c < channels; c++) {
                alpha[c] = alpha(is, w, c);
                beta[c] = beta(fma, mu, alpha[c], b, c);
            }
            int positions = (int) count;
            // session 60: packed rows of channels (position p at p * C in both) in one call per task (see oldRows)
            boolean packed = loops != null && (len == 1 || xs2 == channels && os2 == channels)
                    && (count <= len || xs0 == len * channels && os0 == len * channels) && !oldRows();
            CpuThreads.parallelFor(positions, CpuThreads.chunks(positions, channels), (task, from, to) -> {
                if (packed) {
                    loops.mulAddRows(fma, xa, xl.offset() + from * channels, alpha, beta, oa,
                            ol.offset() + from * channels, channels, to - from);
                    return;
                }
                for (int p = from; p < to; p++) {
                    int n = p / len;
                    int l = p - n * len;
                    int xo = xl.offset() + n * xs0 + l * xs2;
                    int o = ol.offset() + n * os0 + l * os2;
                    if (loops != null) {
                        loops.mulAddRow(fma, xa, xo, alpha, beta, oa, o, channels);
                        continue;
                    }
                    for (int c = 0; c < channels; c++) {
                        oa[o + c] = CpuCapability.mulAdd(fma, xa[xo + c], alpha[c], beta[c]);
                    }
                }
            });
            return;
        }
        double[] scale = new double[channels];
        double[] shift = new double[channels];
        for (int c = 0; c < channels; c++) {
            scale[c] = w == null ? is[c] : is[c] * w[c];
            shift[c] = b == null ? 0 : b[c];
        }
        int positions = (int) count;
        CpuThreads.parallelFor(positions, CpuThreads.chunks(positions, channels), (task, from, to) -> {
            for (int p = from; p < to; p++) {
                int n = p / len;
                int l = p - n * len;
                int xo = xl.offset() + n * xs0 + l * xs2;
                int o = ol.offset() + n * os0 + l * os2;
                if (loops != null) {
                    loops.affineRowNarrow(xa, xo, mu, scale, shift, oa, o, channels);
                    continue;
                }
                for (int c = 0; c < channels; c++) {
                    oa[o + c] = (float) ((xa[xo + c] - mu[c]) * scale[c] + shift[c]);
                }
            }
        });
    }

    /**
     * The batch statistics of a channels-last input (positions at stride C from {@code xo}) in the blocks of
     * {@link #STATS_BLOCK} positions ({@link #forBlocks}: the blocks over the threads): per block and channel the
     * lanes of the other paths ({@code k % LANES}, {@link #combine}d), the blocks' partials added in order; then the
     * centred squares the same way. Writes {@code mu}, {@code is} and {@code uv}. Where {@code ranges} (session 59, see
     * {@link #oldStats}), each block's rows go to the vector loops in one call
     * ({@link ElementwiseKernels.FloatLoops#addWidenedLanes}): the same operations, the same bits.
     */
    private static void channelsLastStats(float[] xa, int xo, int channels, int count, int block, double eps,
                                          double[] mu, double[] is, double[] uv,
                                          ElementwiseKernels.FloatLoops loops, boolean f32, boolean ranges) {
        int blocks = (int) (((long) count + block - 1) / block);
        double[] partial = new double[blocks * channels];
        for (int pass = 0; pass < 2; pass++) {
            boolean squares = pass == 1;
            forBlocks(blocks, block, channels, count, (bk, k0, k1, from, to) -> {
                int width = to - from;
                double[] acc = new double[LANES * width];
                double[] m = squares ? java.util.Arrays.copyOfRange(mu, from, to) : null;
                if (ranges) {
                    // session 59: the block's rows in one call (the same operations per row, see oldStats)
                    if (squares) {
                        loops.addCentredSquaresLanes(xa, xo + k0 * channels + from, channels, k0, k1, m, acc, width);
                    } else {
                        loops.addWidenedLanes(xa, xo + k0 * channels + from, channels, k0, k1, acc, width);
                    }
                }
                for (int k = ranges ? k1 : k0; k < k1; k++) {
                    int base = xo + k * channels + from;
                    int lane = (k & (LANES - 1)) * width;
                    if (loops == null) {
                        for (int c = 0; c < width; c++) {
                            double d = squares ? xa[base + c] - m[c] : xa[base + c];
                            acc[lane + c] += squares ? d * d : d;
                        }
                    } else if (squares) {
                        loops.addCentredSquaresAt(xa, base, m, acc, lane, width);
                    } else {
                        loops.addWidenedAt(xa, base, acc, lane, width);
                    }
                }
                double[] lanes = new double[LANES];
                for (int c = 0; c < width; c++) {
                    for (int k = 0; k < LANES; k++) {
                        lanes[k] = acc[k * width + c];
                    }
                    partial[bk * channels + from + c] = combine(lanes);
                }
            });
            if (!squares) {
                addBlocks(partial, blocks, channels, mu);
                for (int c = 0; c < channels; c++) {
                    mu[c] /= count;
                }
            } else {
                addBlocks(partial, blocks, channels, uv);
                for (int c = 0; c < channels; c++) {
                    double ss = uv[c];
                    varianceStats(ss, count, eps, f32, is, uv, c);
                }
            }
        }
    }

    /**
     * {@link #batchNormBackward} over float32 channels-last operands ({@link #floatChannelsLast}; also [N, C], L = 1):
     * the gradient sums by blocks of positions over the threads ({@link #forBlocks}, session 55; with
     * {@code -Dember.cpu.batchNormChannelsLast.byChannels=true} each task takes a range of channels over every
     * position, session 54), a row of channels at a time through the vector loops
     * ({@link ElementwiseKernels.FloatLoops#batchNormGradSums}, {@code batchNormGradRow}); per channel the sums run
     * over the positions in the blocks and order of the row path's and the arithmetic is the same, so the same bits. {@code -Dember.cpu.batchNormChannelsLast.scalar=true} takes the paths before session 54 (the rows of
     * doubles, or for [N, C] the row path's strided loops).
     */
    private static void batchNormBackwardChannelsLast(CpuStorage gy, Layout gl, CpuStorage x, Layout xl,
                                                      boolean training, CpuStorage gx, Layout gxl, int batch, int len,
                                                      long count, double[] w, double[] mu, double[] is, double[] dw,
                                                      double[] db, int channels, int block, boolean floatGrad,
                                                      boolean fma) {
        float[] xa = (float[]) x.array;
        float[] ga = (float[]) gy.array;
        float[] da = gx == null ? null : (float[]) gx.array;
        ElementwiseKernels.FloatLoops loops = LOOPS;
        boolean lanes = !oldStats();
        if (byChannels()) {
            gradSumsByChannels(gy, gl, x, xl, batch, len, count, mu, is, dw, db, channels, loops, lanes);
        } else if (lanes) {
            // session 59: each position's row of channels into lane k % LANES of the channels' partial sums, the
            // lanes combined per block (the order of the row path's gradLanes, so the same bits)
            int blocks = (int) ((count + block - 1) / block);
            double[] partialDy = new double[blocks * channels];
            double[] partialDyXhat = new double[blocks * channels];
            forBlocks(blocks, block, channels, count, (bk, k0, k1, from, to) -> {
                int width = to - from;
                double[] m = java.util.Arrays.copyOfRange(mu, from, to);
                double[] r = java.util.Arrays.copyOfRange(is, from, to);
                double[] acc = new double[2 * LANES * width];
                if (loops != null) {
                    loops.batchNormGradSumsLanes(xa, xl.offset() + k0 * channels + from, ga,
                            gl.offset() + k0 * channels + from, channels, k0, k1, m, r, acc, width);
                } else {
                    for (int k = k0; k < k1; k++) {
                        gradSumsAt(xa, xl.offset() + k * channels + from, ga, gl.offset() + k * channels + from, m, r,
                                acc, (k & (LANES - 1)) * 2 * width, width, null);
                    }
                }
                combineLanes(acc, 2 * width, 0, width, partialDy, bk * channels + from);
                combineLanes(acc, 2 * width, width, width, partialDyXhat, bk * channels + from);
            });
            addBlocks(partialDy, blocks, channels, db);
            addBlocks(partialDyXhat, blocks, channels, dw);
        } else {
            int blocks = (int) ((count + block - 1) / block);
            double[] partialDy = new double[blocks * channels];
            double[] partialDyXhat = new double[blocks * channels];
            forBlocks(blocks, block, channels, count, (bk, k0, k1, from, to) -> {
                int width = to - from;
                double[] m = java.util.Arrays.copyOfRange(mu, from, to);
                double[] r = java.util.Arrays.copyOfRange(is, from, to);
                double[] sumDy = new double[width];
                double[] sumDyXhat = new double[width];
                for (int k = k0; k < k1; k++) {
                    gradSums(xa, xl.offset() + k * channels + from, ga, gl.offset() + k * channels + from, m, r, sumDy,
                            sumDyXhat, width, loops);
                }
                System.arraycopy(sumDy, 0, partialDy, bk * channels + from, width);
                System.arraycopy(sumDyXhat, 0, partialDyXhat, bk * channels + from, width);
            });
            addBlocks(partialDy, blocks, channels, db);
            addBlocks(partialDyXhat, blocks, channels, dw);
        }
        if (da == null) {
            return;
        }
        writeGradChannelsLast(gl, xa, xl, ga, training, da, gxl, len, count, w, mu, is, dw, db, channels, loops,
                floatGrad, fma);
    }

    /** One position's row of channels into the gradient sums: {@code sumDy += g; sumDyXhat += g (x - m) r}. */
    private static void gradSums(float[] xa, int xo, float[] ga, int go, double[] m, double[] r, double[] sumDy,
                                 double[] sumDyXhat, int width, ElementwiseKernels.FloatLoops loops) {
        if (loops != null) {
            loops.batchNormGradSums(xa, xo, ga, go, m, r, sumDy, sumDyXhat, width);
            return;
        }
        for (int c = 0; c < width; c++) {
            double g = ga[go + c];
            sumDy[c] += g;
            sumDyXhat[c] += g * (xa[xo + c] - m[c]) * r[c];
        }
    }

    /**
     * {@link #gradSums} into one lane of session 59's sums: {@code sum(dy)} at {@code acc[ao + c]},
     * {@code sum(dy * xhat)} at {@code acc[ao + width + c]}, the same operations.
     */
    private static void gradSumsAt(float[] xa, int xo, float[] ga, int go, double[] m, double[] r, double[] acc,
                                   int ao, int width, ElementwiseKernels.FloatLoops loops) {
        if (loops != null) {
            loops.batchNormGradSumsAt(xa, xo, ga, go, m, r, acc, ao, width);
            return;
        }
        for (int c = 0; c < width; c++) {
            double g = ga[go + c];
            acc[ao + c] += g;
            acc[ao + width + c] += g * (xa[xo + c] - m[c]) * r[c];
        }
    }

    /**
     * {@code out[o + c] = combine(lanes of channel c)} for c below {@code width}: channel c's {@link #LANES} lanes
     * at {@code acc[k * stride + from + c]}, combined as {@link #combine}.
     */
    private static void combineLanes(double[] acc, int stride, int from, int width, double[] out, int o) {
        double[] lanes = new double[LANES];
        for (int c = 0; c < width; c++) {
            for (int k = 0; k < LANES; k++) {
                lanes[k] = acc[k * stride + from + c];
            }
            out[o + c] = combine(lanes);
        }
    }

    /**
     * Session 54's gradient sums of {@link #batchNormBackwardChannelsLast}: ranges of channels over every position
     * (in the lanes of {@link #oldStats} where {@code lanes}).
     */
    private static void gradSumsByChannels(CpuStorage gy, Layout gl, CpuStorage x, Layout xl, int batch, int len,
                                           long count, double[] mu, double[] is, double[] dw, double[] db,
                                           int channels, ElementwiseKernels.FloatLoops loops, boolean lanes) {
        float[] xa = (float[]) x.array;
        float[] ga = (float[]) gy.array;
        forChannelRanges(channels, count, (task, from, to) -> {
            int width = to - from;
            double[] m = java.util.Arrays.copyOfRange(mu, from, to);
            double[] r = java.util.Arrays.copyOfRange(is, from, to);
            double[] acc = lanes ? new double[2 * LANES * width] : null;
            double[] sumDy = new double[width];
            double[] sumDyXhat = new double[width];
            for (int n = 0; n < batch; n++) {
                for (int l = 0; l < len; l++) {
                    int xo = xl.offset() + n * xl.stride(0) + l * xl.stride(2) + from;
                    int go = gl.offset() + n * gl.stride(0) + l * gl.stride(2) + from;
                    if (lanes) {
                        gradSumsAt(xa, xo, ga, go, m, r, acc, ((firstLane(n, len) + l) & (LANES - 1)) * 2 * width,
                                width, loops);
                    } else {
                        gradSums(xa, xo, ga, go, m, r, sumDy, sumDyXhat, width, loops);
                    }
                }
            }
            if (lanes) {
                combineLanes(acc, 2 * width, width, width, dw, from);
                combineLanes(acc, 2 * width, 0, width, db, from);
                return;
            }
            System.arraycopy(sumDyXhat, 0, dw, from, width);
            System.arraycopy(sumDy, 0, db, from, width);
        });
    }

    /** The input gradient of {@link #batchNormBackwardChannelsLast}, from the sums in {@code dw} and {@code db}. */
    private static void writeGradChannelsLast(Layout gl, float[] xa, Layout xl, float[] ga, boolean training,
                                              float[] da, Layout gxl, int len, long count, double[] w, double[] mu,
                                              double[] is, double[] dw, double[] db, int channels,
                                              ElementwiseKernels.FloatLoops loops, boolean floatGrad, boolean fma) {
        if (floatGrad) {
            // float32 operands: PyTorch's float arithmetic (see gradInput), a row of channels at a time
            float[] mf = new float[channels];
            float[] kf = new float[channels];
            float[] gmf = new float[channels];
            float[] rf = new float[channels];
            float[] wf = new float[channels];
            for (int c = 0; c < channels; c++) {
                mf[c] = (float) mu[c];
                kf[c] = training ? (float) (dw[c] * is[c] / count) : 0f;
                gmf[c] = training ? (float) (db[c] / count) : 0f;
                rf[c] = (float) is[c];
                wf[c] = w == null ? 1f : (float) w[c];
            }
            int positions = (int) count;
            // session 62: packed rows of channels in one call per task (see oldGradRows)
            boolean packed = loops != null && packedRows(xl, channels, len, count) && packedRows(gl, channels, len, count)
                    && packedRows(gxl, channels, len, count) && !oldGradRows();
            CpuThreads.parallelFor(positions, CpuThreads.chunks(positions, channels), (task, from, to) -> {
                if (packed) {
                    loops.batchNormGradRowsFloat(fma, training, xa, xl.offset() + from * channels, ga,
                            gl.offset() + from * channels, mf, kf, gmf, rf, wf, da, gxl.offset() + from * channels,
                            channels, to - from);
                    return;
                }
                for (int p = from; p < to; p++) {
                    int n = p / len;
                    int l = p - n * len;
                    int xo = xl.offset() + n * xl.stride(0) + l * xl.stride(2);
                    int go = gl.offset() + n * gl.stride(0) + l * gl.stride(2);
                    int o = gxl.offset() + n * gxl.stride(0) + l * gxl.stride(2);
                    if (loops != null) {
                        loops.batchNormGradRowFloat(fma, training, xa, xo, ga, go, mf, kf, gmf, rf, wf, da, o, channels);
                        continue;
                    }
                    for (int c = 0; c < channels; c++) {
                        da[o + c] = gradInput(fma, training, xa[xo + c], ga[go + c], mf[c], kf[c], gmf[c], rf[c], wf[c]);
                    }
                }
            });
            return;
        }
        // the input gradient by ranges of positions, all channels each (split by channels, two threads would write
        // halves of the same rows, sharing the cache lines where they meet)
        double[] scale = new double[channels];
        double[] m1 = new double[channels];
        double[] m2 = new double[channels];
        for (int c = 0; c < channels; c++) {
            scale[c] = w == null ? is[c] : is[c] * w[c];
            m1[c] = training ? db[c] / count : 0;
            m2[c] = training ? dw[c] / count : 0;
        }
        int positions = (int) count;
        CpuThreads.parallelFor(positions, CpuThreads.chunks(positions, channels), (task, from, to) -> {
            for (int p = from; p < to; p++) {
                int n = p / len;
                int l = p - n * len;
                int xo = xl.offset() + n * xl.stride(0) + l * xl.stride(2);
                int go = gl.offset() + n * gl.stride(0) + l * gl.stride(2);
                int o = gxl.offset() + n * gxl.stride(0) + l * gxl.stride(2);
                if (loops != null) {
                    loops.batchNormGradRow(xa, xo, ga, go, mu, is, m1, m2, scale, da, o, channels);
                    continue;
                }
                for (int c = 0; c < channels; c++) {
                    double xhat = (xa[xo + c] - mu[c]) * is[c];
                    da[o + c] = (float) ((ga[go + c] - m1[c] - xhat * m2[c]) * scale[c]);
                }
            }
        });
    }

    /**
     * The backward of {@link #batchNorm}: in training {@code dx = (dy - mean(dy) - xhat mean(dy xhat)) invstd weight},
     * otherwise {@code dx = dy invstd weight}; {@code dweight = sum dy xhat}, {@code dbias = sum dy}.
     */
    static void batchNormBackward(CpuStorage gy, Layout gl, CpuStorage x, Layout xl, CpuStorage weight, CpuStorage mean,
                                  CpuStorage invstd, boolean training, CpuStorage gx, Layout gxl, CpuStorage gw,
                                  CpuStorage gb) {
        int batch = xl.size(0);
        int channels = xl.size(1);
        int len = xl.size(2);
        long count = (long) batch * len;
        double[] w = vector(weight, channels);
        double[] mu = vector(mean, channels);
        double[] is = vector(invstd, channels);
        double[] dw = new double[channels];
        double[] db = new double[channels];
        boolean buffers = Boolean.getBoolean("ember.cpu.batchNormBuffers");
        // a float32 input gradient in float as PyTorch's (see gradInput); -Dember.cpu.batchNorm.doubleNormalize=true:
        // in double as before session 58
        boolean floatGrad = !Boolean.getBoolean("ember.cpu.batchNorm.doubleNormalize") && x.dtype == DType.FLOAT32
                && gy.dtype == DType.FLOAT32 && gx != null && gx.dtype == DType.FLOAT32;
        boolean fma = CpuCapability.fusesMultiplyAdd(CpuCapability.value());
        int block = statsBlock();
        if (!buffers && floatChannelsLast(x, xl) && floatChannelsLast(gy, gl) && (gx == null || floatChannelsLast(gx, gxl))
                && (len == 1 || !floatRows(x, xl)) && !Boolean.getBoolean("ember.cpu.batchNormChannelsLast.scalar")) {
            batchNormBackwardChannelsLast(gy, gl, x, xl, training, gx, gxl, batch, len, count, w, mu, is, dw, db,
                    channels, block, floatGrad, fma);
        } else if (floatRows(x, xl) && floatRows(gy, gl) && (gx == null || floatRows(gx, gxl)) && !buffers) {
            float[] xa = (float[]) x.array;
            float[] ga = (float[]) gy.array;
            float[] da = gx == null ? null : (float[]) gx.array;
            boolean lanes = !oldStats();
            boolean vector = lanes && LOOPS != null;
            CpuThreads.parallelFor(channels, CpuThreads.chunks(channels, count), (task, from, to) -> {
                double[] acc = new double[lanes ? 2 * LANES : 2];
                for (int c = from; c < to; c++) {
                    double m = mu[c];
                    double r = is[c];
                    int ch = c;
                    double[] sums = lanes ? blockTotals(batch, len, block, true, acc, (n, l0, l1, lane, a) ->
                            gradLanes(xa, at(xl, n, ch) + l0, ga, at(gl, n, ch) + l0, l1 - l0, lane, m, r, a, vector))
                            : blockTotals(batch, len, block, false, acc, (n, l0, l1, lane, a) -> {
                        int xo = at(xl, n, ch);
                        int go = at(gl, n, ch);
                        for (int l = l0; l < l1; l++) {
                            double g = ga[go + l];
                            a[0] += g;
                            a[1] += g * (xa[xo + l] - m) * r;
                        }
                    });
                    double sumDy = sums[0];
                    double sumDyXhat = sums[1];
                    dw[c] = sumDyXhat;
                    db[c] = sumDy;
                    if (da == null) {
                        continue;
                    }
                    if (floatGrad) {
                        float mf = (float) m;
                        float kf = training ? (float) (sumDyXhat * r / count) : 0f;
                        float gmf = training ? (float) (sumDy / count) : 0f;
                        float rf = (float) r;
                        float wf = w == null ? 1f : (float) w[c];
                        for (int n = 0; n < batch; n++) {
                            int xo = at(xl, n, c);
                            int go = at(gl, n, c);
                            int dxo = at(gxl, n, c);
                            if (LOOPS != null) {
                                LOOPS.batchNormGradRun(fma, training, xa, xo, ga, go, mf, kf, gmf, rf, wf, da, dxo, len);
                                continue;
                            }
                            for (int l = 0; l < len; l++) {
                                da[dxo + l] = gradInput(fma, training, xa[xo + l], ga[go + l], mf, kf, gmf, rf, wf);
                            }
                        }
                        continue;
                    }
                    double scale = w == null ? r : r * w[c];
                    double m1 = training ? sumDy / count : 0;
                    double m2 = training ? sumDyXhat / count : 0;
                    for (int n = 0; n < batch; n++) {
                        int xo = at(xl, n, c);
                        int go = at(gl, n, c);
                        int dxo = at(gxl, n, c);
                        for (int l = 0; l < len; l++) {
                            double xhat = (xa[xo + l] - m) * r;
                            da[dxo + l] = (float) ((ga[go + l] - m1 - xhat * m2) * scale);
                        }
                    }
                }
            });
        } else {
            batchNormBackwardBuffered(gy, gl, x, xl, training, gx, gxl, batch, len, count, w, mu, is, dw, db, channels,
                    block, floatGrad, fma);
        }
        if (gw != null) {
            storeVector(dw, gw);
        }
        if (gb != null) {
            storeVector(db, gb);
        }
    }

    /** {@link #batchNormBackward} through rows of doubles ({@link #load}, {@link #store}): any dtype and strides. */
    private static void batchNormBackwardBuffered(CpuStorage gy, Layout gl, CpuStorage x, Layout xl, boolean training,
                                                  CpuStorage gx, Layout gxl, int batch, int len, long count, double[] w,
                                                  double[] mu, double[] is, double[] dw, double[] db, int channels,
                                                  int block, boolean floatGrad, boolean fma) {
        // the lanes of the float32 paths for a float32 input (so that every path agrees); other dtypes keep their sums
        boolean lanes = !oldStats() && x.dtype == DType.FLOAT32;
        CpuThreads.parallelFor(channels, CpuThreads.chunks(channels, count), (task, from, to) -> {
            double[] xr = new double[len];
            double[] gr = new double[len];
            double[] acc = new double[lanes ? 2 * LANES : 2];
            for (int c = from; c < to; c++) {
                int ch = c;
                double[] sums = blockTotals(batch, len, block, lanes, acc, (n, l0, l1, lane, a) -> {
                    load(x, at(xl, n, ch) + l0 * xl.stride(2), xl.stride(2), l1 - l0, xr);
                    load(gy, at(gl, n, ch) + l0 * gl.stride(2), gl.stride(2), l1 - l0, gr);
                    if (lanes) {
                        // session 59's lanes (see oldStats): the row path's gradLanes over the rows of doubles
                        for (int l = 0; l < l1 - l0; l++) {
                            int j = (lane + l) & (LANES - 1);
                            a[j] += gr[l];
                            a[LANES + j] += gr[l] * (xr[l] - mu[ch]) * is[ch];
                        }
                        return;
                    }
                    for (int l = 0; l < l1 - l0; l++) {
                        a[0] += gr[l];
                        a[1] += gr[l] * (xr[l] - mu[ch]) * is[ch];
                    }
                });
                double sumDy = sums[0];
                double sumDyXhat = sums[1];
                dw[c] = sumDyXhat;
                db[c] = sumDy;
                if (gx == null) {
                    continue;
                }
                double scale = w == null ? is[c] : is[c] * w[c];
                double m1 = training ? sumDy / count : 0;
                double m2 = training ? sumDyXhat / count : 0;
                float mf = (float) mu[c];
                float kf = training ? (float) (sumDyXhat * is[c] / count) : 0f;
                float gmf = training ? (float) (sumDy / count) : 0f;
                float rf = (float) is[c];
                float wf = w == null ? 1f : (float) w[c];
                for (int n = 0; n < batch; n++) {
                    load(x, at(xl, n, c), xl.stride(2), len, xr);
                    load(gy, at(gl, n, c), gl.stride(2), len, gr);
                    for (int l = 0; l < len; l++) {
                        if (floatGrad) {
                            // float32 operands: PyTorch's float arithmetic (see gradInput), exact in the double
                            xr[l] = gradInput(fma, training, (float) xr[l], (float) gr[l], mf, kf, gmf, rf, wf);
                            continue;
                        }
                        double xhat = (xr[l] - mu[c]) * is[c];
                        xr[l] = (gr[l] - m1 - xhat * m2) * scale;
                    }
                    store(xr, len, gx, at(gxl, n, c), gxl.stride(2));
                }
            }
        });
    }
}
