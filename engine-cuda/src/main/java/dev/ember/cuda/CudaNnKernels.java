package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.backend.AttentionDropout;
import dev.ember.backend.Layout;
import dev.ember.backend.Storage;
import jcuda.driver.CUdeviceptr;

/**
 * The CUDA backend's normalization and attention kernels (nn.cu): {@code Backend}'s "normalization (NormOps)" and
 * "attention (AttentionOps)" families on the device, mirroring the CPU's NormKernels and AttentionKernels. Each method
 * returns false for a case its kernels do not cover (a type other than float32 or float64, an attention head dimension
 * above {@link #MAX_HEAD_DIM}), and {@link CudaBackend} then runs {@code Backend}'s default (the CPU's kernel on host
 * copies).
 *
 * <ul>
 *   <li>Layer norm and RMS norm: one block per row, the statistics in double with two passes (the sum, then the centred
 *       sum of squares) as the CPU computes them; the backward's input gradient one block per row, and the weight and
 *       bias gradients in two kernels over columns (partial sums over fixed groups of rows, then the groups in order),
 *       so no atomics and the same bits on every run.</li>
 *   <li>Attention: FlashAttention's algorithm. The forward gives a block 32 (float32) or 16 (float64) query rows of one
 *       (batch, head) and meets the keys in tiles in shared memory with an online softmax, writing the output and each
 *       row's logsumexp. The backward computes {@code D = rowsum(dO * O)}, then dQ with a block per query tile looping
 *       over the key tiles, and dK and dV with a block per key tile looping over the query heads that read it and
 *       their query tiles, recomputing the probabilities from the logsumexp: each gradient element is summed by the
 *       threads that own it (no atomics, deterministic). Memory beyond the operands: {@code D}, B * H * L doubles.
 *       Plain FP32 (float64 in double) arithmetic, no tensor cores. Dropout runs inside the three kernels: the keep
 *       mask ({@link AttentionDropout}) is regenerated from Philox where each kernel needs it, never stored.</li>
 *   <li>Group norm and batch norm: the statistics in double with two passes as the CPU; group norm's forward and input
 *       gradient one block per (sample, group), its weight and bias gradients one block per channel; batch norm's
 *       forward and backward one block per channel (block sums in a fixed order, no atomics).</li>
 * </ul>
 */
final class CudaNnKernels {
    /** The largest head dimension (of queries and keys, and of values) the attention kernels take. */
    static final int MAX_HEAD_DIM = 128;
    /** Threads of an attention block (the kernels assume it). */
    private static final int ATTN_THREADS = 128;
    private static final int THREADS = 256;
    private static final int MAX_BLOCKS = 65535;

    /** How the kernels reach the device: {@link CudaBackend}'s launch and allocator, or a test's recorder. */
    interface Device {
        /** Launches {@code kernel} on a 1-D grid of {@code blocks} blocks of {@code threads} threads. */
        void launchNn(String kernel, int blocks, int threads, Object shape, Object... args);

        /** A device storage of {@code numel} elements of {@code dtype}. */
        Storage allocate(DType dtype, long numel);
    }

    private final Device cuda;

    CudaNnKernels(Device cuda) {
        this.cuda = cuda;
    }

    private static boolean floating(Storage s) {
        return s.dtype() == DType.FLOAT32 || s.dtype() == DType.FLOAT64;
    }

    private static String suffix(Storage s) {
        return s.dtype() == DType.FLOAT32 ? "f32" : "f64";
    }

    /** The device pointer of a storage, or a null pointer for null (the kernels test it). */
    private static CUdeviceptr ptr(Storage s) {
        return s == null ? new CUdeviceptr() : ((CudaStorage) s).ptr;
    }

    // ------------------------------------------------------------------ layer norm and RMS norm

    /** The kernels' struct RowGeo: sizes, then {row stride, column stride, offset} of x, gradOut/out, gradInput. */
    private static int[] rowGeo(Layout x, Layout g, Layout d) {
        return new int[] {x.size(0), x.size(1), x.stride(0), x.stride(1), x.offset(),
            g == null ? 0 : g.stride(0), g == null ? 0 : g.stride(1), g == null ? 0 : g.offset(),
            d == null ? 0 : d.stride(0), d == null ? 0 : d.stride(1), d == null ? 0 : d.offset()};
    }

    /** Threads of a row block: the row's length rounded up to a warp, 32 to 256. */
    private static int rowThreads(int n) {
        return Math.min(THREADS, Math.max(32, (n + 31) / 32 * 32));
    }

    /** Layer norm ({@code rms} false) or RMS norm of the rows of an [M, N] layout; false when not covered. */
    boolean rowNorm(boolean rms, Storage x, Layout xLayout, Storage weight, Storage bias, double eps, Storage out,
                    Layout outLayout, Storage mean, Storage rstd) {
        if (!floating(x)) {
            return false;
        }
        int m = xLayout.size(0);
        int n = xLayout.size(1);
        if (m == 0 || n == 0) {
            return true;
        }
        cuda.launchNn("rownorm_" + suffix(x), Math.min(m, MAX_BLOCKS), rowThreads(n), xLayout.shape(), rms ? 1 : 0,
                rowGeo(xLayout, outLayout, null), ptr(x), ptr(weight), ptr(bias), eps, ptr(out), ptr(rms ? null : mean),
                ptr(rstd));
        return true;
    }

    /**
     * The backward of layer norm ({@code rms} false) or RMS norm: the input gradient (when {@code gradInput} is not
     * null) one block per row, the weight and bias gradients (each when not null) in two column passes.
     */
    boolean rowNormBackward(boolean rms, Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, Storage mean,
                            Storage rstd, Storage weight, Storage gradInput, Layout gradInputLayout, Storage gradWeight,
                            Storage gradBias) {
        if (!floating(x)) {
            return false;
        }
        int m = xLayout.size(0);
        int n = xLayout.size(1);
        if (n == 0) {
            return true;
        }
        String sfx = suffix(x);
        int[] geo = rowGeo(xLayout, gradOutLayout, gradInputLayout);
        Storage meanOrNull = rms ? null : mean;
        if (gradInput != null && m > 0) {
            cuda.launchNn("rownorm_back_" + sfx, Math.min(m, MAX_BLOCKS), rowThreads(n), xLayout.shape(), rms ? 1 : 0, geo,
                    ptr(gradOut), ptr(x), ptr(meanOrNull), ptr(rstd), ptr(weight), ptr(gradInput));
        }
        if (gradWeight == null && gradBias == null) {
            return true;
        }
        int[] split = rowSplit(m, n);
        int rowsPer = split[0];
        int parts = split[1];
        long partial = (long) parts * n;
        try (Storage pw = gradWeight == null ? null : cuda.allocate(DType.FLOAT64, partial);
             Storage pb = gradBias == null ? null : cuda.allocate(DType.FLOAT64, partial)) {
            if (m > 0) {
                int blocks = (int) Math.max(1, Math.min(MAX_BLOCKS, (partial + THREADS - 1) / THREADS));
                cuda.launchNn("rownorm_param_partial_" + sfx, blocks, THREADS, xLayout.shape(), rms ? 1 : 0, geo, rowsPer,
                        parts, ptr(gradOut), ptr(x), ptr(meanOrNull), ptr(rstd), ptr(pw), ptr(pb));
            }
            cuda.launchNn("nn_column_total_" + sfx, Math.max(1, Math.min(MAX_BLOCKS, (n + THREADS - 1) / THREADS)),
                    THREADS, xLayout.shape(), m > 0 ? parts : 0, n, ptr(pw), ptr(pb), ptr(gradWeight), ptr(gradBias));
        }
        return true;
    }

    /**
     * How the weight and bias gradients split the rows: {rows per part, parts}, so that parts times columns is about
     * 64K threads (at least 8 rows a part, one part when there are no rows). It depends on the sizes only, so the sums
     * are the same on every run.
     */
    static int[] rowSplit(int m, int n) {
        if (m == 0) {
            return new int[] {1, 1};
        }
        long want = Math.max(1, (65536L + n - 1) / n);
        long parts = Math.max(1, Math.min(want, (m + 7L) / 8));
        int rowsPer = (int) ((m + parts - 1) / parts);
        return new int[] {rowsPer, (m + rowsPer - 1) / rowsPer};
    }

    // ------------------------------------------------------------------ group norm and batch norm

    /** The kernels' struct NclGeo: sizes, then {three strides, offset} of x, gradOut/out and gradInput ([N, C, L]). */
    private static int[] nclGeo(Layout x, Layout g, Layout d) {
        int[] geo = new int[3 + 3 * 4];
        geo[0] = x.size(0);
        geo[1] = x.size(1);
        geo[2] = x.size(2);
        int at = 3;
        for (Layout l : new Layout[] {x, g, d}) {
            if (l != null) {
                geo[at] = l.stride(0);
                geo[at + 1] = l.stride(1);
                geo[at + 2] = l.stride(2);
                geo[at + 3] = l.offset();
            }
            at += 4;
        }
        return geo;
    }

    /** Group norm of an [N, C, L] layout; false when not covered. */
    boolean groupNorm(Storage x, Layout xLayout, int groups, Storage weight, Storage bias, double eps, Storage out,
                      Layout outLayout, Storage mean, Storage rstd) {
        if (!floating(x)) {
            return false;
        }
        long items = (long) xLayout.size(0) * groups;
        if (items == 0) {
            return true;
        }
        cuda.launchNn("groupnorm_" + suffix(x), (int) Math.min(items, MAX_BLOCKS), THREADS, xLayout.shape(),
                nclGeo(xLayout, outLayout, null), groups, ptr(x), ptr(weight), ptr(bias), eps, ptr(out), ptr(mean),
                ptr(rstd));
        return true;
    }

    /** The backward of group norm: the input gradient per (sample, group), the parameter gradients per channel. */
    boolean groupNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, int groups, Storage mean,
                              Storage rstd, Storage weight, Storage gradInput, Layout gradInputLayout, Storage gradWeight,
                              Storage gradBias) {
        if (!floating(x)) {
            return false;
        }
        int[] geo = nclGeo(xLayout, gradOutLayout, gradInputLayout);
        String sfx = suffix(x);
        long items = (long) xLayout.size(0) * groups;
        if (gradInput != null && items > 0) {
            cuda.launchNn("groupnorm_back_" + sfx, (int) Math.min(items, MAX_BLOCKS), THREADS, xLayout.shape(), geo,
                    groups, ptr(gradOut), ptr(x), ptr(mean), ptr(rstd), ptr(weight), ptr(gradInput));
        }
        int c = xLayout.size(1);
        if ((gradWeight != null || gradBias != null) && c > 0) {
            cuda.launchNn("groupnorm_param_" + sfx, Math.min(c, MAX_BLOCKS), THREADS, xLayout.shape(), geo, groups,
                    ptr(gradOut), ptr(x), ptr(mean), ptr(rstd), ptr(gradWeight), ptr(gradBias));
        }
        return true;
    }

    /** Batch norm of an [N, C, L] layout, one block per channel; false when not covered. */
    boolean batchNorm(Storage x, Layout xLayout, Storage weight, Storage bias, boolean training, double eps, Storage mean,
                      Storage invstd, Storage unbiasedVar, Storage out, Layout outLayout) {
        if (!floating(x)) {
            return false;
        }
        int c = xLayout.size(1);
        if (c == 0) {
            return true;
        }
        cuda.launchNn("batchnorm_" + suffix(x), Math.min(c, MAX_BLOCKS), THREADS, xLayout.shape(),
                nclGeo(xLayout, outLayout, null), ptr(x), ptr(weight), ptr(bias), training ? 1 : 0, eps, ptr(mean),
                ptr(invstd), ptr(unbiasedVar), ptr(out));
        return true;
    }

    /** The backward of batch norm, one block per channel; false when not covered. */
    boolean batchNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, Storage weight,
                              Storage mean, Storage invstd, boolean training, Storage gradInput, Layout gradInputLayout,
                              Storage gradWeight, Storage gradBias) {
        if (!floating(x)) {
            return false;
        }
        int c = xLayout.size(1);
        if (c == 0) {
            return true;
        }
        cuda.launchNn("batchnorm_back_" + suffix(x), Math.min(c, MAX_BLOCKS), THREADS, xLayout.shape(),
                nclGeo(xLayout, gradOutLayout, gradInput == null ? null : gradInputLayout), ptr(gradOut), ptr(x),
                ptr(weight), ptr(mean), ptr(invstd), training ? 1 : 0, ptr(gradInput), ptr(gradWeight), ptr(gradBias));
        return true;
    }

    // ------------------------------------------------------------------ attention

    /** The instance of the attention kernels for head dimensions {@code e} and {@code ev}: 64, 128, or 0 (none). */
    static int headDimInstance(int e, int ev) {
        int d = Math.max(e, ev);
        return d <= 64 ? 64 : d <= MAX_HEAD_DIM ? 128 : 0;
    }

    /** Lanes per row of the forward kernel (nn.cu's NN_ATTN instances). */
    private static int forwardLanes(DType t) {
        return t == DType.FLOAT32 ? 4 : 8;
    }

    /** Lanes per row of the backward kernels (nn.cu's NN_ATTN instances). */
    private static int backwardLanes(DType t, int dmax) {
        return t == DType.FLOAT32 && dmax == 64 ? 4 : 8;
    }

    private static int[] l5(Layout l) {
        return l == null ? new int[5] : new int[] {l.stride(0), l.stride(1), l.stride(2), l.stride(3), l.offset()};
    }

    /** nn.cu's code of the mask's type: 0 none, 1 float32, 2 float64. */
    private static int maskType(Storage mask) {
        return mask == null ? 0 : mask.dtype() == DType.FLOAT32 ? 1 : 2;
    }

    /**
     * The kernels' struct AttnGeo (ints only, in its order), which attn_tc_kernels.cu's TcAttnGeo repeats field for
     * field; {@code maskType} 0 for no mask, else the kernel family's code of the mask's type.
     */
    static int[] attnGeo(Layout q, Layout k, Layout v, Layout o, Layout lse, Layout m, int maskType, boolean causal,
                         Layout go, Layout gq, Layout gk, Layout gv) {
        int[] g = new int[8 + 4 * 5 + 4 + 5 + 2 + 4 * 5];
        int h = q.size(1);
        int hk = k.size(1);
        int[] head = {q.size(0), h, hk, q.size(2), k.size(2), q.size(3), v.size(3), h / hk};
        System.arraycopy(head, 0, g, 0, 8);
        int at = 8;
        for (Layout l : new Layout[] {q, k, v, o}) {
            System.arraycopy(l5(l), 0, g, at, 5);
            at += 5;
        }
        g[at++] = lse.stride(0);
        g[at++] = lse.stride(1);
        g[at++] = lse.stride(2);
        g[at++] = lse.offset();
        System.arraycopy(l5(maskType == 0 ? null : m), 0, g, at, 5);
        at += 5;
        g[at++] = maskType;
        g[at++] = causal ? 1 : 0;
        for (Layout l : new Layout[] {go, gq, gk, gv}) {
            System.arraycopy(l5(l), 0, g, at, 5);
            at += 5;
        }
        return g;
    }

    /** Whether the kernels take these operands: float32 or float64, a float mask or none, head dimensions covered. */
    private static boolean covered(Storage q, Layout qLayout, Layout vLayout, Storage mask) {
        return floating(q) && (mask == null || floating(mask))
                && headDimInstance(qLayout.size(3), vLayout.size(3)) != 0;
    }

    /** Blocks of {@code rowsPerBlock} rows over {@code rows} rows of each of {@code planes} planes, or -1 past int. */
    private static int blocks(long planes, int rows, int rowsPerBlock) {
        long b = planes * ((rows + rowsPerBlock - 1) / rowsPerBlock);
        return b > Integer.MAX_VALUE ? -1 : (int) b;
    }

    /**
     * The dropout arguments of the attention kernels ({@code dropThr, dropScale, dropSeed, dropOffset, dropKind}) for
     * probability {@code p} (0: none, kind 0) on weights of type {@code weights} (the query's type before any widening).
     */
    static Object[] dropArgs(DType weights, double p, long seed, long offset) {
        if (!(p > 0)) {
            return new Object[] {0.0, 1.0, 0L, 0L, 0};
        }
        return new Object[] {AttentionDropout.threshold(weights, p), AttentionDropout.scale(weights, p), seed, offset,
            AttentionDropout.kind(weights)};
    }

    /** Whether the kernels' head dimension instances take these layouts (the other conditions are the types). */
    static boolean headDimsCovered(Layout qLayout, Layout vLayout) {
        return headDimInstance(qLayout.size(3), vLayout.size(3)) != 0;
    }

    /** The fused attention forward without dropout; false when not covered. */
    boolean attention(Storage q, Layout qLayout, Storage k, Layout kLayout, Storage v, Layout vLayout, Storage mask,
                      Layout maskLayout, boolean causal, double scale, Storage out, Layout outLayout, Storage lse,
                      Layout lseLayout) {
        return attention(q, qLayout, k, kLayout, v, vLayout, mask, maskLayout, causal, scale, dropArgs(q.dtype(), 0, 0, 0),
                out, outLayout, lse, lseLayout);
    }

    /** The fused attention forward with the dropout arguments of {@link #dropArgs}; false when not covered. */
    boolean attention(Storage q, Layout qLayout, Storage k, Layout kLayout, Storage v, Layout vLayout, Storage mask,
                      Layout maskLayout, boolean causal, double scale, Object[] drop, Storage out, Layout outLayout,
                      Storage lse, Layout lseLayout) {
        if (!covered(q, qLayout, vLayout, mask)) {
            return false;
        }
        int dmax = headDimInstance(qLayout.size(3), vLayout.size(3));
        int rowsPerBlock = ATTN_THREADS / forwardLanes(q.dtype());
        int blocks = blocks((long) qLayout.size(0) * qLayout.size(1), qLayout.size(2), rowsPerBlock);
        if (blocks < 0) {
            return false;
        }
        if (blocks == 0 || kLayout.size(2) == 0) {
            return blocks == 0;
        }
        int[] geo = attnGeo(qLayout, kLayout, vLayout, outLayout, lseLayout, maskLayout, maskType(mask), causal, null,
                null, null, null);
        cuda.launchNn("attn_fwd_" + suffix(q) + "_d" + dmax, blocks, ATTN_THREADS, qLayout.shape(), geo, scale, drop[0],
                drop[1], drop[2], drop[3], drop[4], ptr(q), ptr(k), ptr(v), ptr(mask), ptr(out), ptr(lse));
        return true;
    }

    /** The fused attention backward without dropout; false when not covered. */
    boolean attentionBackward(Storage gradOut, Layout gradOutLayout, Storage q, Layout qLayout, Storage k, Layout kLayout,
                              Storage v, Layout vLayout, Storage mask, Layout maskLayout, boolean causal, double scale,
                              Storage out, Layout outLayout, Storage lse, Layout lseLayout, Storage gradQ,
                              Layout gradQLayout, Storage gradK, Layout gradKLayout, Storage gradV, Layout gradVLayout) {
        return attentionBackward(gradOut, gradOutLayout, q, qLayout, k, kLayout, v, vLayout, mask, maskLayout, causal,
                scale, dropArgs(q.dtype(), 0, 0, 0), out, outLayout, lse, lseLayout, gradQ, gradQLayout, gradK,
                gradKLayout, gradV, gradVLayout);
    }

    /** The fused attention backward with the forward's dropout arguments ({@link #dropArgs}); false when not covered. */
    boolean attentionBackward(Storage gradOut, Layout gradOutLayout, Storage q, Layout qLayout, Storage k, Layout kLayout,
                              Storage v, Layout vLayout, Storage mask, Layout maskLayout, boolean causal, double scale,
                              Object[] drop, Storage out, Layout outLayout, Storage lse, Layout lseLayout, Storage gradQ,
                              Layout gradQLayout, Storage gradK, Layout gradKLayout, Storage gradV, Layout gradVLayout) {
        if (!covered(q, qLayout, vLayout, mask)) {
            return false;
        }
        DType t = q.dtype();
        int dmax = headDimInstance(qLayout.size(3), vLayout.size(3));
        int rowsPerBlock = ATTN_THREADS / backwardLanes(t, dmax);
        int b = qLayout.size(0);
        int l = qLayout.size(2);
        int s = kLayout.size(2);
        int dqBlocks = blocks((long) b * qLayout.size(1), l, rowsPerBlock);
        int dkvBlocks = blocks((long) b * kLayout.size(1), s, rowsPerBlock);
        long rows = (long) b * qLayout.size(1) * l;
        if (dqBlocks < 0 || dkvBlocks < 0 || rows > Integer.MAX_VALUE) {
            return false;
        }
        if (l == 0 || s == 0) {
            return false; // the SPI promises L, S >= 1; the default writes whatever gradients such a call has
        }
        int[] geo = attnGeo(qLayout, kLayout, vLayout, outLayout, lseLayout, maskLayout, maskType(mask), causal,
                gradOutLayout, gradQLayout, gradKLayout, gradVLayout);
        String sfx = suffix(q);
        try (Storage delta = cuda.allocate(DType.FLOAT64, Math.max(1, rows))) {
            if (rows > 0) {
                cuda.launchNn("attn_delta_" + sfx, (int) Math.max(1, Math.min(MAX_BLOCKS, (rows + THREADS - 1) / THREADS)),
                        THREADS, qLayout.shape(), geo, ptr(gradOut), ptr(out), ptr(delta));
            }
            if (dqBlocks > 0) {
                cuda.launchNn("attn_bwd_dq_" + sfx + "_d" + dmax, dqBlocks, ATTN_THREADS, qLayout.shape(), geo, scale,
                        drop[0], drop[1], drop[2], drop[3], drop[4], ptr(gradOut), ptr(q), ptr(k), ptr(v), ptr(mask), ptr(lse), ptr(delta), ptr(gradQ));
            }
            if (dkvBlocks > 0) {
                cuda.launchNn("attn_bwd_dkv_" + sfx + "_d" + dmax, dkvBlocks, ATTN_THREADS, kLayout.shape(), geo, scale,
                        drop[0], drop[1], drop[2], drop[3], drop[4], ptr(gradOut), ptr(q), ptr(k), ptr(v), ptr(mask), ptr(lse), ptr(delta), ptr(gradK), ptr(gradV));
            }
        }
        return true;
    }
}
