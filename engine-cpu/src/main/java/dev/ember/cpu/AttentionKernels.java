package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.backend.AttentionDropout;
import dev.ember.backend.Layout;

import java.util.Arrays;

/**
 * The attention kernels of the CPU backend ({@code Backend}'s attention family): FlashAttention's blocked forward and
 * backward. A task takes a block of {@link #Q_BLOCK} query rows of one (batch, head) and meets the keys
 * {@link #KV_BLOCK} at a time: the tile of scores is one GEMM ({@code Q K^T}, the project's blocked float GEMM for
 * float32), each row's running maximum and sum are updated (the online softmax), the tile becomes probabilities and a
 * second GEMM adds {@code P V} to the row block's output accumulator, rescaled whenever a row's maximum grows. So a
 * thread holds one {@code Q_BLOCK x KV_BLOCK} tile of the score matrix, never the matrix. The backward task takes one
 * (batch, key/value head) with every query head that reads it, recomputes each tile's probabilities from the rows'
 * logsumexp ({@code P = exp(S - lse)}), and accumulates {@code dV += P^T dO}, {@code dS = P (dO V^T - rowsum(dO O))},
 * {@code dQ += dS K}, {@code dK += dS^T Q}: the key and value gradients of a head live in the task (linear in the
 * sequence length), so no two tasks write the same element and the results do not depend on thread timing.
 *
 * <p>Dropout ({@link Dropout}) multiplies each tile's probabilities by the keep factors of {@link AttentionDropout}
 * regenerated from Philox for the tile's elements (no mask is stored): the forward before the {@code P V} product (the
 * running sum and logsumexp stay those of the undropped probabilities), the backward in {@code dV += (P M')^T dO} and
 * {@code dS = P (dP M' - D)}, where {@code D = rowsum(dO O)} of the dropped output.
 *
 * <p>Softmax statistics are kept in double. Float32 tiles and accumulators are float (as PyTorch's CPU kernel keeps
 * them), float64 ones double. Operands may have any strides; the mask may be broadcast (stride 0).
 */
final class AttentionKernels {
    /** Query rows of one task's tile. */
    static final int Q_BLOCK = 64;
    /** Keys of one tile. */
    static final int KV_BLOCK = 256;

    private AttentionKernels() {
    }

    /**
     * The dropout of one call: the keep factors of {@link AttentionDropout} for the attention weights of type
     * {@code type} (the query's, before any widening), or {@link #NONE}.
     */
    static final class Dropout {
        /** No dropout. */
        static final Dropout NONE = new Dropout(DType.FLOAT32, 0, 0, 0);
        final boolean on;
        final DType type;
        final double threshold;
        final double scale;
        final long seed;
        final long offset;

        private Dropout(DType type, double p, long seed, long offset) {
            this.on = p > 0;
            this.type = type;
            this.threshold = AttentionDropout.threshold(type, p);
            this.scale = AttentionDropout.scale(type, p);
            this.seed = seed;
            this.offset = offset;
        }

        /** The dropout of probability {@code p} (0: none) for weights of type {@code type}. */
        static Dropout of(DType type, double p, long seed, long offset) {
            return p > 0 ? new Dropout(type, p, seed, offset) : NONE;
        }

        /** The factor of weight {@code idx}: the scale when kept, 0 when dropped. */
        double factor(long idx, int[] words) {
            return AttentionDropout.factor(type, seed, offset, idx, threshold, scale, words);
        }
    }

    /** The sizes and strides of one call, read once from the layouts ([B, H, L, E] and so on). */
    private static final class Geometry {
        final int batch;
        final int heads;
        final int kvHeads;
        final int group;
        final int l;
        final int s;
        final int e;
        final int ev;
        final Layout ql;
        final Layout kl;
        final Layout vl;
        final Layout ml;
        final double scale;
        final boolean causal;
        final float[] maskF;
        final double[] maskD;
        final Dropout drop;

        Geometry(Layout ql, Layout kl, Layout vl, CpuStorage mask, Layout ml, boolean causal, double scale,
                 Dropout drop) {
            this.drop = drop;
            this.batch = ql.size(0);
            this.heads = ql.size(1);
            this.kvHeads = kl.size(1);
            this.group = heads / kvHeads;
            this.l = ql.size(2);
            this.s = kl.size(2);
            this.e = ql.size(3);
            this.ev = vl.size(3);
            this.ql = ql;
            this.kl = kl;
            this.vl = vl;
            this.ml = mask == null ? null : ml;
            this.scale = scale;
            this.causal = causal;
            this.maskF = mask != null && mask.dtype == DType.FLOAT32 ? (float[]) mask.array : null;
            this.maskD = mask != null && mask.dtype == DType.FLOAT64 ? (double[]) mask.array : null;
        }

        /** The index of weight (b, h, i, 0) in the [B, H, L, S] attention weights (the dropout mask's numbering). */
        long weightRow(int b, int h, int i) {
            return (((long) b * heads + h) * l + i) * s;
        }

        /**
         * Dropout of row {@code i} (head {@code h}, batch {@code b}) of a float tile of probabilities {@code x[xo ..
         * xo + n)} for keys from {@code n0}: each multiplied by its keep factor (zeros stay zeros: no draw needed).
         */
        void dropRow(float[] x, int xo, int n, int b, int h, int i, int n0, int[] words) {
            long base = weightRow(b, h, i) + n0;
            for (int c = 0; c < n; c++) {
                if (x[xo + c] != 0) {
                    x[xo + c] *= (float) drop.factor(base + c, words);
                }
            }
        }

        /** {@link #dropRow(float[], int, int, int, int, int, int, int[])} for a double tile. */
        void dropRow(double[] x, int xo, int n, int b, int h, int i, int n0, int[] words) {
            long base = weightRow(b, h, i) + n0;
            for (int c = 0; c < n; c++) {
                if (x[xo + c] != 0) {
                    x[xo + c] *= drop.factor(base + c, words);
                }
            }
        }

        /** The keep factors of row {@code i}'s keys {@code n0 .. n0 + n} into {@code f[fo ..]}, as floats. */
        void factors(float[] f, int fo, int n, int b, int h, int i, int n0, int[] words) {
            long base = weightRow(b, h, i) + n0;
            for (int c = 0; c < n; c++) {
                f[fo + c] = (float) drop.factor(base + c, words);
            }
        }

        /** {@link #factors(float[], int, int, int, int, int, int, int[])} as doubles. */
        void factors(double[] f, int fo, int n, int b, int h, int i, int n0, int[] words) {
            long base = weightRow(b, h, i) + n0;
            for (int c = 0; c < n; c++) {
                f[fo + c] = drop.factor(base + c, words);
            }
        }

        /** Offset of row {@code i} of head {@code h} of batch {@code b} in a [B, H, rows, cols] layout. */
        static int row(Layout t, int b, int h, int i) {
            return t.offset() + b * t.stride(0) + h * t.stride(1) + i * t.stride(2);
        }

        /** How many of the {@code n} keys of the tile from {@code n0} query row {@code i} sees (0 to n). */
        int limit(int i, int n0, int n) {
            return Math.max(0, Math.min(n, keys(i) - n0));
        }

        /** The keys query row {@code i} sees: all, or those up to {@code i} when causal. */
        int keys(int i) {
            return causal ? Math.min(i + 1, s) : s;
        }

        /**
         * Row {@code r} of a tile of raw dot products ({@code x[xo .. xo + n)}, keys {@code n0 ..}) as scores: scaled,
         * plus the mask, {@code -inf} past the causal limit of query row {@code i}.
         */
        void scores(double[] x, int xo, int n, int b, int h, int i, int n0) {
            int limit = keys(i) - n0;
            for (int c = 0; c < n; c++) {
                x[xo + c] = c >= limit ? Double.NEGATIVE_INFINITY : x[xo + c] * scale;
            }
            if (ml != null) {
                int mo = row(ml, b, h, i) + n0 * ml.stride(3);
                int ms = ml.stride(3);
                if (maskF != null) {
                    for (int c = 0; c < n; c++) {
                        x[xo + c] += maskF[mo + c * ms];
                    }
                } else {
                    for (int c = 0; c < n; c++) {
                        x[xo + c] += maskD[mo + c * ms];
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ the softmax of one row

    /**
     * The online softmax's step for one row of scores {@code x[xo .. xo + n)}: turns them into {@code exp(x - max)}
     * with the row's new running maximum, folds their sum into {@code sum[r]} and returns the factor by which the row's
     * output so far must be scaled ({@code exp(oldMax - newMax)}). A row whose scores are all {@code -inf} so far is
     * left at zeros and returns 1.
     */
    private static double onlineRow(double[] x, int xo, int n, double[] max, double[] sum, int r) {
        double m = max[r];
        for (int c = 0; c < n; c++) {
            double v = x[xo + c];
            if (v > m || v != v) {
                m = v;
            }
        }
        if (m == Double.NEGATIVE_INFINITY) {
            Arrays.fill(x, xo, xo + n, 0.0);
            return 1;
        }
        double total = 0;
        for (int c = 0; c < n; c++) {
            double p = Math.exp(x[xo + c] - m);
            x[xo + c] = p;
            total += p;
        }
        double alpha = Math.exp(max[r] - m);
        sum[r] = sum[r] * alpha + total;
        max[r] = m;
        return alpha;
    }

    private static final ElementwiseKernels.FloatLoops LOOPS = ElementwiseKernels.loops();

    /**
     * {@link #onlineRow} for a float32 tile row without a mask, in float and on the vector loops (PyTorch's CPU kernel
     * keeps its tiles in float too): the raw dot products {@code x[xo .. xo + n)} are scaled, the first {@code limit}
     * (the keys the row sees) become {@code exp(x - max)}, the rest 0.
     */
    private static double onlineRowFloat(float[] x, int xo, int n, int limit, float scale, double[] max, double[] sum,
                                         int r) {
        float tileMax = Float.NEGATIVE_INFINITY;
        if (LOOPS != null) {
            LOOPS.scale(x, xo, limit, scale);
            tileMax = LOOPS.max(x, xo, limit);
        } else {
            for (int c = 0; c < limit; c++) {
                x[xo + c] *= scale;
                tileMax = Math.max(tileMax, x[xo + c]);
            }
        }
        return expRowFloat(x, xo, n, limit, tileMax, max, sum, r);
    }

    /**
     * {@link #onlineRowFloat} for a row with a float32 mask ({@code g.maskF}): the scores are {@code x * scale + mask}
     * in float, as PyTorch's CPU flash-attention kernel computes them ({@code _scale_attn_mask_fusion_kernel}), the keys
     * past the causal limit left out; then the row's maximum (NaN wins) and {@code exp(x - max)} on the vector loops.
     * The double path ({@link Geometry#scores}, {@link #onlineRow}) took about 200 us of a 1.2-ms transformer layer pair
     * at batch 1 with a key padding mask (RESULTS.md, session 39).
     */
    private static double onlineRowFloatMasked(Geometry g, float[] x, int xo, int n, int b, int h, int i, int n0,
                                               double[] max, double[] sum, int r) {
        int limit = g.limit(i, n0, n);
        float scale = (float) g.scale;
        float[] mask = g.maskF;
        int mo = Geometry.row(g.ml, b, h, i) + n0 * g.ml.stride(3);
        int ms = g.ml.stride(3);
        float tileMax = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < limit; c++) {
            float v = x[xo + c] * scale + mask[mo + c * ms];
            x[xo + c] = v;
            if (v > tileMax || v != v) {
                tileMax = v;
            }
        }
        return expRowFloat(x, xo, n, limit, tileMax, max, sum, r);
    }

    /**
     * The end of {@link #onlineRowFloat}'s step: the scores {@code x[xo .. xo + limit)} (maximum {@code tileMax}) become
     * {@code exp(x - max)} with the row's new running maximum, the rest of the {@code n} 0; their sum is folded into
     * {@code sum[r]}; returns the factor for the row's output so far (1 for a row whose scores are all -inf so far).
     */
    private static double expRowFloat(float[] x, int xo, int n, int limit, float tileMax, double[] max, double[] sum,
                                      int r) {
        double m = Math.max(max[r], tileMax); // NaN wins, as in onlineRow
        if (m == Double.NEGATIVE_INFINITY) {
            Arrays.fill(x, xo, xo + n, 0f);
            return 1;
        }
        double total = expSum(x, xo, limit, 1f, (float) m);
        Arrays.fill(x, xo + limit, xo + n, 0f);
        double alpha = Math.exp(max[r] - m);
        sum[r] = sum[r] * alpha + total;
        max[r] = m;
        return alpha;
    }

    /** {@code x = exp(x * scale - shift)} over {@code n} floats, returning their sum. */
    private static float expSum(float[] x, int xo, int n, float scale, float shift) {
        if (LOOPS != null) {
            return LOOPS.expSum(x, xo, n, scale, shift);
        }
        float total = 0;
        for (int c = 0; c < n; c++) {
            float e = ElementwiseKernels.expFloat(Math.fma(x[xo + c], scale, -shift));
            x[xo + c] = e;
            total += e;
        }
        return total;
    }

    /** {@code exp(x - lse)}: a row's probabilities recomputed from its scores and logsumexp. */
    private static void probabilities(double[] x, int xo, int n, double lse) {
        for (int c = 0; c < n; c++) {
            x[xo + c] = Math.exp(x[xo + c] - lse);
        }
    }

    /** PyTorch's final statistics: a row of no allowed key gets maximum 0 and sum 1 (output 0, logsumexp 0). */
    private static double finalMax(double m) {
        return m == Double.NEGATIVE_INFINITY ? 0 : m;
    }

    private static double finalSum(double s) {
        return s == 0 ? 1 : s;
    }

    // ------------------------------------------------------------------ tasks

    /** A loop body over the items {@code [from, to)}. */
    private interface Range {
        void run(int from, int to);
    }

    /** Runs {@code body} over {@code count} items of about {@code cost} multiply-adds each, in parallel when it pays. */
    private static void parallel(int count, long cost, Range body) {
        long total = count * Math.max(1, cost);
        int chunks = CpuThreads.threads() < 2 || count < 2 || total < 4L * StridedLoop.PARALLEL_GRAIN ? 1
                : (int) Math.min(count, CpuThreads.threads() * 4L);
        CpuThreads.parallelFor(count, chunks, (task, from, to) -> body.run(from, to));
    }

    /** {@code C (+)= A B} on doubles, any strides (the float64 tiles' GEMM; float32 tiles use {@link Gemm#sgemm}). */
    private static void dgemm(int m, int n, int k, double[] a, int ao, int ars, int acs, double[] b, int bo, int brs,
                              int bcs, double[] c, int co, int crs, int ccs, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            int ci = co + i * crs;
            if (!accumulate) {
                for (int j = 0; j < n; j++) {
                    c[ci + j * ccs] = 0;
                }
            }
            for (int p = 0; p < k; p++) {
                double av = a[ao + i * ars + p * acs];
                int bp = bo + p * brs;
                if (bcs == 1 && ccs == 1) {
                    for (int j = 0; j < n; j++) {
                        c[ci + j] += av * b[bp + j];
                    }
                } else {
                    for (int j = 0; j < n; j++) {
                        c[ci + j * ccs] += av * b[bp + j * bcs];
                    }
                }
            }
        }
    }

    private static void sgemm(int m, int n, int k, float[] a, int ao, int ars, int acs, float[] b, int bo, int brs,
                              int bcs, float[] c, int co, int crs, int ccs, boolean accumulate) {
        Gemm.sgemm(MicroKernels.get(), m, n, k, a, ao, ars, acs, b, bo, brs, bcs, c, co, crs, ccs, accumulate);
    }

    // ------------------------------------------------------------------ forward

    /** The forward: {@code out} ([B, H, L, Ev]) and {@code lse} ([B, H, L]); see the class comment. */
    static void forward(CpuStorage q, Layout ql, CpuStorage k, Layout kl, CpuStorage v, Layout vl, CpuStorage mask,
                        Layout ml, boolean causal, double scale, Dropout drop, CpuStorage out, Layout ol, CpuStorage lse,
                        Layout ll) {
        Geometry g = new Geometry(ql, kl, vl, mask, ml, causal, scale, drop);
        int blocks = (g.l + Q_BLOCK - 1) / Q_BLOCK;
        int units = g.batch * g.heads * blocks;
        if (units == 0) {
            return;
        }
        long cost = (long) Math.min(Q_BLOCK, g.l) * g.s * (g.e + g.ev);
        boolean single = q.dtype == DType.FLOAT32;
        parallel(units, cost, (from, to) -> {
            int qb = Math.min(Q_BLOCK, g.l);
            int kb = Math.min(KV_BLOCK, g.s);
            double[] max = new double[qb];
            double[] sum = new double[qb];
            double[] row = new double[kb];
            float[] sf = single ? new float[qb * kb] : null;
            float[] of = single ? new float[qb * g.ev] : null;
            double[] sd = single ? null : new double[qb * kb];
            double[] od = single ? null : new double[qb * g.ev];
            int[] words = new int[4];
            for (int u = from; u < to; u++) {
                int blk = u % blocks;
                int h = (u / blocks) % g.heads;
                int b = u / blocks / g.heads;
                if (single) {
                    forwardFloat(g, b, h, blk * Q_BLOCK, (float[]) q.array, (float[]) k.array, (float[]) v.array,
                            (float[]) out.array, ol, lse, ll, max, sum, row, sf, of, words);
                } else {
                    forwardDouble(g, b, h, blk * Q_BLOCK, (double[]) q.array, (double[]) k.array, (double[]) v.array,
                            (double[]) out.array, ol, lse, ll, max, sum, sd, od, words);
                }
            }
        });
    }

    private static void forwardFloat(Geometry g, int b, int h, int m0, float[] q, float[] k, float[] v, float[] out,
                                     Layout ol, CpuStorage lse, Layout ll, double[] max, double[] sum, double[] row,
                                     float[] s, float[] o, int[] words) {
        int qbs = Math.min(Q_BLOCK, g.l - m0);
        int hk = h / g.group;
        Arrays.fill(max, 0, qbs, Double.NEGATIVE_INFINITY);
        Arrays.fill(sum, 0, qbs, 0.0);
        int qo = Geometry.row(g.ql, b, h, m0);
        int numKeys = g.keys(m0 + qbs - 1);
        for (int n0 = 0; n0 < numKeys; n0 += KV_BLOCK) {
            int kbs = Math.min(KV_BLOCK, numKeys - n0); // keys past numKeys are masked for every row of the block
            int ko = Geometry.row(g.kl, b, hk, n0);
            int vo = Geometry.row(g.vl, b, hk, n0);
            // S = Q K^T
            sgemm(qbs, kbs, g.e, q, qo, g.ql.stride(2), g.ql.stride(3), k, ko, g.kl.stride(3), g.kl.stride(2), s, 0, kbs,
                    1, false);
            for (int r = 0; r < qbs; r++) {
                int so = r * kbs;
                double alpha;
                if (g.ml == null) {
                    alpha = onlineRowFloat(s, so, kbs, g.limit(m0 + r, n0, kbs), (float) g.scale, max, sum, r);
                } else if (g.maskF != null) {
                    alpha = onlineRowFloatMasked(g, s, so, kbs, b, h, m0 + r, n0, max, sum, r);
                } else {
                    for (int c = 0; c < kbs; c++) {
                        row[c] = s[so + c];
                    }
                    g.scores(row, 0, kbs, b, h, m0 + r, n0);
                    alpha = onlineRow(row, 0, kbs, max, sum, r);
                    for (int c = 0; c < kbs; c++) {
                        s[so + c] = (float) row[c];
                    }
                }
                if (g.drop.on) {
                    g.dropRow(s, so, kbs, b, h, m0 + r, n0, words);
                }
                if (n0 > 0 && alpha != 1) {
                    float fa = (float) alpha;
                    for (int c = 0, oo = r * g.ev; c < g.ev; c++) {
                        o[oo + c] *= fa;
                    }
                }
            }
            // O (+)= P V
            sgemm(qbs, g.ev, kbs, s, 0, kbs, 1, v, vo, g.vl.stride(2), g.vl.stride(3), o, 0, g.ev, 1, n0 > 0);
        }
        for (int r = 0; r < qbs; r++) {
            double sm = finalSum(sum[r]);
            double inv = 1 / sm;
            int dst = Geometry.row(ol, b, h, m0 + r);
            for (int c = 0; c < g.ev; c++) {
                out[dst + c * ol.stride(3)] = (float) (o[r * g.ev + c] * inv);
            }
            lse.setDouble(ll.offset() + b * ll.stride(0) + h * ll.stride(1) + (m0 + r) * ll.stride(2),
                    finalMax(max[r]) + Math.log(sm));
        }
    }

    private static void forwardDouble(Geometry g, int b, int h, int m0, double[] q, double[] k, double[] v,
                                      double[] out, Layout ol, CpuStorage lse, Layout ll, double[] max, double[] sum,
                                      double[] s, double[] o, int[] words) {
        int qbs = Math.min(Q_BLOCK, g.l - m0);
        int hk = h / g.group;
        Arrays.fill(max, 0, qbs, Double.NEGATIVE_INFINITY);
        Arrays.fill(sum, 0, qbs, 0.0);
        int qo = Geometry.row(g.ql, b, h, m0);
        int numKeys = g.keys(m0 + qbs - 1);
        for (int n0 = 0; n0 < numKeys; n0 += KV_BLOCK) {
            int kbs = Math.min(KV_BLOCK, numKeys - n0);
            int ko = Geometry.row(g.kl, b, hk, n0);
            int vo = Geometry.row(g.vl, b, hk, n0);
            dgemm(qbs, kbs, g.e, q, qo, g.ql.stride(2), g.ql.stride(3), k, ko, g.kl.stride(3), g.kl.stride(2), s, 0, kbs,
                    1, false);
            for (int r = 0; r < qbs; r++) {
                g.scores(s, r * kbs, kbs, b, h, m0 + r, n0);
                double alpha = onlineRow(s, r * kbs, kbs, max, sum, r);
                if (g.drop.on) {
                    g.dropRow(s, r * kbs, kbs, b, h, m0 + r, n0, words);
                }
                if (n0 > 0 && alpha != 1) {
                    for (int c = 0, oo = r * g.ev; c < g.ev; c++) {
                        o[oo + c] *= alpha;
                    }
                }
            }
            dgemm(qbs, g.ev, kbs, s, 0, kbs, 1, v, vo, g.vl.stride(2), g.vl.stride(3), o, 0, g.ev, 1, n0 > 0);
        }
        for (int r = 0; r < qbs; r++) {
            double sm = finalSum(sum[r]);
            int dst = Geometry.row(ol, b, h, m0 + r);
            for (int c = 0; c < g.ev; c++) {
                out[dst + c * ol.stride(3)] = o[r * g.ev + c] / sm;
            }
            lse.setDouble(ll.offset() + b * ll.stride(0) + h * ll.stride(1) + (m0 + r) * ll.stride(2),
                    finalMax(max[r]) + Math.log(sm));
        }
    }

    // ------------------------------------------------------------------ backward

    /**
     * {@code dst[at + c * stride] = src[so + c] * scale} for {@code c < n}, the product in double and stored as
     * {@link CpuStorage#setDouble} rounds it; a float32 tile into a float32 gradient without the per-element dtype
     * switch (which was 7% of a GPT training step's samples).
     */
    private static void storeRow(Object src, int so, double scale, CpuStorage dst, int at, int stride, int n) {
        if (src instanceof float[] && dst.dtype == DType.FLOAT32) {
            float[] s = (float[]) src;
            float[] o = (float[]) dst.array;
            for (int c = 0; c < n; c++) {
                o[at + c * stride] = (float) (s[so + c] * scale);
            }
            return;
        }
        for (int c = 0; c < n; c++) {
            double val = src instanceof float[] ? ((float[]) src)[so + c] : ((double[]) src)[so + c];
            dst.setDouble(at + c * stride, val * scale);
        }
    }

    /** The backward: {@code gq}, {@code gk}, {@code gv} overwritten through their layouts; see the class comment. */
    static void backward(CpuStorage go, Layout gol, CpuStorage q, Layout ql, CpuStorage k, Layout kl, CpuStorage v,
                         Layout vl, CpuStorage mask, Layout ml, boolean causal, double scale, Dropout drop,
                         CpuStorage out, Layout ol, CpuStorage lse, Layout ll, CpuStorage gq, Layout gql, CpuStorage gk,
                         Layout gkl, CpuStorage gv, Layout gvl) {
        Geometry g = new Geometry(ql, kl, vl, mask, ml, causal, scale, drop);
        int units = g.batch * g.kvHeads;
        if (units == 0) {
            return;
        }
        long cost = (long) g.group * g.l * g.s * (2L * g.e + 2L * g.ev);
        boolean single = q.dtype == DType.FLOAT32;
        parallel(units, cost, (from, to) -> {
            int qb = Math.min(Q_BLOCK, g.l);
            int kb = Math.min(KV_BLOCK, g.s);
            double[] row = new double[kb];
            double[] d = new double[qb];
            double[] lrow = new double[qb];
            Object p = single ? new float[qb * kb] : new double[qb * kb];
            Object dp = single ? new float[qb * kb] : new double[qb * kb];
            Object dq = single ? new float[qb * g.e] : new double[qb * g.e];
            Object dk = single ? new float[g.s * g.e] : new double[g.s * g.e];
            Object dv = single ? new float[g.s * g.ev] : new double[g.s * g.ev];
            // with dropout: the tile's keep factors M' and the dropped probabilities P M'
            Object fm = !drop.on ? null : single ? new float[qb * kb] : new double[qb * kb];
            Object pd = !drop.on ? null : single ? new float[qb * kb] : new double[qb * kb];
            int[] words = new int[4];
            for (int u = from; u < to; u++) {
                int hk = u % g.kvHeads;
                int b = u / g.kvHeads;
                if (single) {
                    Arrays.fill((float[]) dk, 0f);
                    Arrays.fill((float[]) dv, 0f);
                } else {
                    Arrays.fill((double[]) dk, 0.0);
                    Arrays.fill((double[]) dv, 0.0);
                }
                for (int h = hk * g.group; h < (hk + 1) * g.group; h++) {
                    for (int m0 = 0; m0 < g.l; m0 += Q_BLOCK) {
                        int qbs = Math.min(Q_BLOCK, g.l - m0);
                        for (int r = 0; r < qbs; r++) {
                            int i = m0 + r;
                            d[r] = dot(go, Geometry.row(gol, b, h, i), gol.stride(3), out, Geometry.row(ol, b, h, i),
                                    ol.stride(3), g.ev);
                            lrow[r] = lse.getDouble(ll.offset() + b * ll.stride(0) + h * ll.stride(1) + i * ll.stride(2));
                        }
                        if (single) {
                            backwardFloat(g, b, h, m0, qbs, (float[]) go.array, gol, (float[]) q.array, (float[]) k.array,
                                    (float[]) v.array, d, lrow, row, (float[]) p, (float[]) dp, (float[]) dq, (float[]) dk,
                                    (float[]) dv, (float[]) fm, (float[]) pd, words);
                        } else {
                            backwardDouble(g, b, h, m0, qbs, (double[]) go.array, gol, (double[]) q.array,
                                    (double[]) k.array, (double[]) v.array, d, lrow, (double[]) p, (double[]) dp,
                                    (double[]) dq, (double[]) dk, (double[]) dv, (double[]) fm, (double[]) pd, words);
                        }
                        // dQ = scale dS K, for this block's rows
                        for (int r = 0; r < qbs; r++) {
                            storeRow(dq, r * g.e, scale, gq, Geometry.row(gql, b, h, m0 + r), gql.stride(3), g.e);
                        }
                    }
                }
                // dK = scale dS^T Q and dV = P^T dO, summed over the heads that read this key/value head
                for (int j = 0; j < g.s; j++) {
                    storeRow(dk, j * g.e, scale, gk, Geometry.row(gkl, b, hk, j), gkl.stride(3), g.e);
                    storeRow(dv, j * g.ev, 1.0, gv, Geometry.row(gvl, b, hk, j), gvl.stride(3), g.ev);
                }
            }
        });
    }

    /** {@code sum_c a[ao + c as] b[bo + c bs]} in double. */
    private static double dot(CpuStorage a, int ao, int as, CpuStorage b, int bo, int bs, int n) {
        double t = 0;
        if (a.dtype == DType.FLOAT32) {
            float[] x = (float[]) a.array;
            float[] y = (float[]) b.array;
            for (int c = 0; c < n; c++) {
                t += (double) x[ao + c * as] * y[bo + c * bs];
            }
        } else {
            double[] x = (double[]) a.array;
            double[] y = (double[]) b.array;
            for (int c = 0; c < n; c++) {
                t += x[ao + c * as] * y[bo + c * bs];
            }
        }
        return t;
    }

    /**
     * One block of {@code qbs} query rows from {@code m0} of head {@code h} against every key it sees: fills {@code dq}
     * (unscaled) and adds to {@code dk} (unscaled) and {@code dv}.
     */
    private static void backwardFloat(Geometry g, int b, int h, int m0, int qbs, float[] go, Layout gol, float[] q,
                                      float[] k, float[] v, double[] d, double[] lse, double[] row, float[] p, float[] dp,
                                      float[] dq, float[] dk, float[] dv, float[] fm, float[] pd, int[] words) {
        int hk = h / g.group;
        int qo = Geometry.row(g.ql, b, h, m0);
        int goo = Geometry.row(gol, b, h, m0);
        int numKeys = g.keys(m0 + qbs - 1);
        for (int n0 = 0; n0 < numKeys; n0 += KV_BLOCK) {
            int kbs = Math.min(KV_BLOCK, numKeys - n0);
            int ko = Geometry.row(g.kl, b, hk, n0);
            int vo = Geometry.row(g.vl, b, hk, n0);
            sgemm(qbs, kbs, g.e, q, qo, g.ql.stride(2), g.ql.stride(3), k, ko, g.kl.stride(3), g.kl.stride(2), p, 0, kbs,
                    1, false);
            for (int r = 0; r < qbs; r++) {
                int po = r * kbs;
                if (g.ml == null) {
                    int limit = g.limit(m0 + r, n0, kbs);
                    expSum(p, po, limit, (float) g.scale, (float) lse[r]);
                    Arrays.fill(p, po + limit, po + kbs, 0f);
                    continue;
                }
                for (int c = 0; c < kbs; c++) {
                    row[c] = p[po + c];
                }
                g.scores(row, 0, kbs, b, h, m0 + r, n0);
                probabilities(row, 0, kbs, lse[r]);
                for (int c = 0; c < kbs; c++) {
                    p[po + c] = (float) row[c];
                }
            }
            float[] pv = p;
            if (g.drop.on) {
                for (int r = 0; r < qbs; r++) {
                    g.factors(fm, r * kbs, kbs, b, h, m0 + r, n0, words);
                }
                for (int o = 0; o < qbs * kbs; o++) {
                    pd[o] = p[o] * fm[o];
                }
                pv = pd;
            }
            // dV += P^T dO (P M' with dropout)
            sgemm(kbs, g.ev, qbs, pv, 0, 1, kbs, go, goo, gol.stride(2), gol.stride(3), dv, n0 * g.ev, g.ev, 1, true);
            // dP = dO V^T (times M' with dropout), then dS = P (dP - D)
            sgemm(qbs, kbs, g.ev, go, goo, gol.stride(2), gol.stride(3), v, vo, g.vl.stride(3), g.vl.stride(2), dp, 0, kbs,
                    1, false);
            for (int r = 0; r < qbs; r++) {
                float dr = (float) d[r];
                if (g.drop.on) {
                    for (int c = 0, o = r * kbs; c < kbs; c++) {
                        dp[o + c] = p[o + c] * (dp[o + c] * fm[o + c] - dr);
                    }
                } else {
                    for (int c = 0, o = r * kbs; c < kbs; c++) {
                        dp[o + c] = p[o + c] * (dp[o + c] - dr);
                    }
                }
            }
            // dQ (+)= dS K and dK += dS^T Q
            sgemm(qbs, g.e, kbs, dp, 0, kbs, 1, k, ko, g.kl.stride(2), g.kl.stride(3), dq, 0, g.e, 1, n0 > 0);
            sgemm(kbs, g.e, qbs, dp, 0, 1, kbs, q, qo, g.ql.stride(2), g.ql.stride(3), dk, n0 * g.e, g.e, 1, true);
        }
    }

    private static void backwardDouble(Geometry g, int b, int h, int m0, int qbs, double[] go, Layout gol, double[] q,
                                       double[] k, double[] v, double[] d, double[] lse, double[] p, double[] dp,
                                       double[] dq, double[] dk, double[] dv, double[] fm, double[] pd,
                                       int[] words) {
        int hk = h / g.group;
        int qo = Geometry.row(g.ql, b, h, m0);
        int goo = Geometry.row(gol, b, h, m0);
        int numKeys = g.keys(m0 + qbs - 1);
        for (int n0 = 0; n0 < numKeys; n0 += KV_BLOCK) {
            int kbs = Math.min(KV_BLOCK, numKeys - n0);
            int ko = Geometry.row(g.kl, b, hk, n0);
            int vo = Geometry.row(g.vl, b, hk, n0);
            dgemm(qbs, kbs, g.e, q, qo, g.ql.stride(2), g.ql.stride(3), k, ko, g.kl.stride(3), g.kl.stride(2), p, 0, kbs,
                    1, false);
            for (int r = 0; r < qbs; r++) {
                g.scores(p, r * kbs, kbs, b, h, m0 + r, n0);
                probabilities(p, r * kbs, kbs, lse[r]);
            }
            double[] pv = p;
            if (g.drop.on) {
                for (int r = 0; r < qbs; r++) {
                    g.factors(fm, r * kbs, kbs, b, h, m0 + r, n0, words);
                }
                for (int o = 0; o < qbs * kbs; o++) {
                    pd[o] = p[o] * fm[o];
                }
                pv = pd;
            }
            dgemm(kbs, g.ev, qbs, pv, 0, 1, kbs, go, goo, gol.stride(2), gol.stride(3), dv, n0 * g.ev, g.ev, 1, true);
            dgemm(qbs, kbs, g.ev, go, goo, gol.stride(2), gol.stride(3), v, vo, g.vl.stride(3), g.vl.stride(2), dp, 0, kbs,
                    1, false);
            for (int r = 0; r < qbs; r++) {
                double dr = d[r];
                if (g.drop.on) {
                    for (int c = 0, o = r * kbs; c < kbs; c++) {
                        dp[o + c] = p[o + c] * (dp[o + c] * fm[o + c] - dr);
                    }
                } else {
                    for (int c = 0, o = r * kbs; c < kbs; c++) {
                        dp[o + c] = p[o + c] * (dp[o + c] - dr);
                    }
                }
            }
            dgemm(qbs, g.e, kbs, dp, 0, kbs, 1, k, ko, g.kl.stride(2), g.kl.stride(3), dq, 0, g.e, 1, n0 > 0);
            dgemm(kbs, g.e, qbs, dp, 0, 1, kbs, q, qo, g.ql.stride(2), g.ql.stride(3), dk, n0 * g.e, g.e, 1, true);
        }
    }
}
