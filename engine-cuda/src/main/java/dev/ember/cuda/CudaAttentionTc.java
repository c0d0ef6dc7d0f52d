package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.backend.Layout;
import dev.ember.backend.Storage;
import jcuda.driver.CUdeviceptr;

/**
 * The fused attention on the tensor cores for float16 and bfloat16 (attn_tc_kernels.cu, issues 18 and 15):
 * FlashAttention-2's forward on {@code mma.sync.aligned.m16n8k16} (S = Q K^T and O += P V on the tensor cores, float32
 * accumulators, the online softmax in float32 registers, P rounded to the input type for the second product, causal
 * key tiles past a block's last row skipped, an additive mask of float32 or of the input type added to S, grouped-query
 * heads by head index, a float32 logsumexp), for head dimensions up to 128 ({@code _d64} for up to 64, {@code _d128}
 * for up to 128; smaller ones zero-padded) and operands of any strides.
 *
 * <p>The entry points take {@code Backend}'s attention arguments after a launcher and whether the tensor cores are
 * {@linkplain CudaTensorCores#available() available} (enabled and sm_80+), and return false, launching nothing, where
 * they do not apply (the tensor cores off, a type other than float16/bfloat16, a logsumexp that is not float32, a mask
 * of another type, a head dimension over 128, a grid past the limits): the caller then runs its other path. The backward
 * ({@link #attentionBackward}) is FlashAttention-2's: each block owns 64 keys (dK, dV in registers, written once) and
 * recomputes P from the logsumexp; dQ is added into a float32 accumulator with atomics (not deterministic: see there).
 * Dropout (Backend's dropout arguments) runs inside both, the mask of the inputs' half type regenerated from Philox.
 *
 * <p>Never run on a GPU: checked by TcAttentionEmulationTest (the .cu on the host, the mma as a warp collective) and
 * CudaAttentionHalfTest's launch records; its GPU parity cases skip without a GPU.
 */
final class CudaAttentionTc {
    /** Threads of a block: 4 warps of 16 query rows. */
    static final int THREADS = 128;
    /** Query rows of a block. */
    static final int ROWS = 64;
    /** The largest head dimension (of queries and keys, and of values). */
    static final int MAX_HEAD_DIM = 128;
    private static final int MAX_GRID_YZ = 65535;

    /** Threads of a block of the backward's row kernels (prep, dq). */
    static final int ROW_THREADS = 256;
    /** The most blocks of the backward's grid-stride row kernels. */
    static final int MAX_ROW_BLOCKS = 4096;
    /** The op name of the alert of the backward's atomic dQ (PyTorch's flash attention backward warns likewise). */
    static final String BACKWARD_OP = "_flash_attention_backward";

    /** How the kernels reach the device: CudaBackend's launch and allocation, or a test's recorder. */
    interface Launcher {
        /** Launches {@code kernel} on a gx x gy x gz grid of blocks of {@code threads} threads. */
        void launchTc(String kernel, int gx, int gy, int gz, int threads, Object shape, Object... args);

        /** A device storage of {@code numel} elements of {@code dtype} (uninitialized), closed by the caller. */
        Storage allocate(DType dtype, long numel);
    }

    private CudaAttentionTc() {
    }

    /** The kernel instance for head dimensions {@code e} and {@code ev}: 64, 128, or 0 (none). */
    static int instance(int e, int ev) {
        int d = Math.max(e, ev);
        return d < 1 ? 0 : d <= 64 ? 64 : d <= MAX_HEAD_DIM ? 128 : 0;
    }

    /** The kernels' type suffix: "bf16", "f16", or null. */
    static String suffix(DType t) {
        return t == DType.BFLOAT16 ? "bf16" : t == DType.FLOAT16 ? "f16" : null;
    }

    /** The kernels' struct TcAttnGeo (nn.cu's AttnGeo field for field); maskType 0 none, 1 float32, 2 the half type. */
    static int[] geo(Layout q, Layout k, Layout v, Layout o, Layout lse, Layout m, int maskType, boolean causal,
                     Layout go, Layout gq, Layout gk, Layout gv) {
        return CudaNnKernels.attnGeo(q, k, v, o, lse, m, maskType, causal, go, gq, gk, gv);
    }

    private static CUdeviceptr ptr(Storage s) {
        return s == null ? new CUdeviceptr() : ((CudaStorage) s).ptr;
    }

    /**
     * {@code Backend.attention} on the tensor cores, or false (nothing launched) where the kernels do not apply: see the
     * class Javadoc. {@code available}: {@link CudaTensorCores#available()}.
     */
    static boolean attention(Launcher device, boolean available, Storage q, Layout qLayout, Storage k, Layout kLayout,
                             Storage v, Layout vLayout, Storage mask, Layout maskLayout, boolean causal, double scale,
                             Storage out, Layout outLayout, Storage lse, Layout lseLayout) {
        return attention(device, available, q, qLayout, k, kLayout, v, vLayout, mask, maskLayout, causal, scale, 0, 0, 0,
                out, outLayout, lse, lseLayout);
    }

    /**
     * {@link #attention(Launcher, boolean, Storage, Layout, Storage, Layout, Storage, Layout, Storage, Layout, boolean,
     * double, Storage, Layout, Storage, Layout)} with dropout (Backend's arguments; the mask of the inputs' half type).
     */
    static boolean attention(Launcher device, boolean available, Storage q, Layout qLayout, Storage k, Layout kLayout,
                             Storage v, Layout vLayout, Storage mask, Layout maskLayout, boolean causal, double scale,
                             double dropoutP, long dropoutSeed, long dropoutOffset, Storage out, Layout outLayout,
                             Storage lse, Layout lseLayout) {
        if (!available) {
            return false;
        }
        return forward(device, q.dtype(), k.dtype(), v.dtype(), mask == null ? null : mask.dtype(), out.dtype(),
                lse.dtype(), qLayout, kLayout, vLayout, maskLayout, causal, scale,
                CudaNnKernels.dropArgs(q.dtype(), dropoutP, dropoutSeed, dropoutOffset), outLayout, lseLayout, ptr(q),
                ptr(k), ptr(v), ptr(mask), ptr(out), ptr(lse));
    }

    /** The forward's choice and launch from the operands' types and layouts (the recorder tests call it directly). */
    static boolean forward(Launcher device, DType qt, DType kt, DType vt, DType maskType, DType outType, DType lseType,
                           Layout qLayout, Layout kLayout, Layout vLayout, Layout maskLayout, boolean causal,
                           double scale, Layout outLayout, Layout lseLayout, CUdeviceptr pq, CUdeviceptr pk,
                           CUdeviceptr pv, CUdeviceptr pm, CUdeviceptr po, CUdeviceptr pl) {
        return forward(device, qt, kt, vt, maskType, outType, lseType, qLayout, kLayout, vLayout, maskLayout, causal, scale,
                CudaNnKernels.dropArgs(qt, 0, 0, 0), outLayout, lseLayout, pq, pk, pv, pm, po, pl);
    }

    /** {@link #forward} with the dropout arguments of {@link CudaNnKernels#dropArgs} (the kernels' five). */
    static boolean forward(Launcher device, DType qt, DType kt, DType vt, DType maskType, DType outType, DType lseType,
                           Layout qLayout, Layout kLayout, Layout vLayout, Layout maskLayout, boolean causal,
                           double scale, Object[] drop, Layout outLayout, Layout lseLayout, CUdeviceptr pq,
                           CUdeviceptr pk, CUdeviceptr pv, CUdeviceptr pm, CUdeviceptr po, CUdeviceptr pl) {
        String sfx = suffix(qt);
        if (sfx == null || kt != qt || vt != qt || outType != qt || lseType != DType.FLOAT32) {
            return false;
        }
        int mt = maskType == null ? 0 : maskType == DType.FLOAT32 ? 1 : maskType == qt ? 2 : -1;
        if (mt < 0) {
            return false;
        }
        int d = instance(qLayout.size(3), vLayout.size(3));
        int b = qLayout.size(0);
        int h = qLayout.size(1);
        int hk = kLayout.size(1);
        int l = qLayout.size(2);
        int s = kLayout.size(2);
        if (d == 0 || b < 1 || h < 1 || hk < 1 || h % hk != 0 || l < 1 || s < 1 || b > MAX_GRID_YZ || h > MAX_GRID_YZ) {
            return false;
        }
        int gx = (l + ROWS - 1) / ROWS;
        int[] g = geo(qLayout, kLayout, vLayout, outLayout, lseLayout, maskLayout, mt, causal, null, null, null, null);
        device.launchTc("tcattn_fwd_" + sfx + "_d" + d, gx, h, b, THREADS, qLayout.shape(), g, scale, drop[0], drop[1],
                drop[2], drop[3], drop[4], pq, pk, pv, pm, po, pl);
        return true;
    }

    /**
     * {@code Backend.attentionBackward} on the tensor cores, or false (nothing launched) where the kernels do not apply
     * (as {@link #attention}, and gradients of another type than the inputs', and with
     * {@code Ember.useDeterministicAlgorithms(true)} not in warn-only mode: dQ is added with float atomics, so the
     * caller's deterministic path runs instead, as PyTorch's flash backward then takes its deterministic one). In
     * warn-only mode it alerts ({@link #BACKWARD_OP}) and runs. Three launches: tcattn_bwd_prep (delta = rowsum(dO O) and
     * the float32 dQ accumulator zeroed), tcattn_bwd (dK, dV, and dQ by atomics), tcattn_bwd_dq (dQ rounded through its
     * layout); two float32 scratch storages, B H L and B H L E elements.
     */
    static boolean attentionBackward(Launcher device, boolean available, Storage gradOut, Layout gradOutLayout, Storage q,
                                     Layout qLayout, Storage k, Layout kLayout, Storage v, Layout vLayout, Storage mask,
                                     Layout maskLayout, boolean causal, double scale, Storage out, Layout outLayout,
                                     Storage lse, Layout lseLayout, Storage gradQ, Layout gradQLayout, Storage gradK,
                                     Layout gradKLayout, Storage gradV, Layout gradVLayout) {
        return attentionBackward(device, available, gradOut, gradOutLayout, q, qLayout, k, kLayout, v, vLayout, mask,
                maskLayout, causal, scale, 0, 0, 0, out, outLayout, lse, lseLayout, gradQ, gradQLayout, gradK,
                gradKLayout, gradV, gradVLayout);
    }

    /** {@link #attentionBackward} with the forward's dropout (Backend's arguments). */
    static boolean attentionBackward(Launcher device, boolean available, Storage gradOut, Layout gradOutLayout, Storage q,
                                     Layout qLayout, Storage k, Layout kLayout, Storage v, Layout vLayout, Storage mask,
                                     Layout maskLayout, boolean causal, double scale, double dropoutP, long dropoutSeed,
                                     long dropoutOffset, Storage out, Layout outLayout, Storage lse, Layout lseLayout,
                                     Storage gradQ, Layout gradQLayout, Storage gradK, Layout gradKLayout, Storage gradV,
                                     Layout gradVLayout) {
        if (!available) {
            return false;
        }
        DType t = q.dtype();
        for (Storage s : new Storage[] {gradOut, out, gradQ, gradK, gradV}) {
            if (s.dtype() != t) {
                return false;
            }
        }
        return backward(device, t, k.dtype(), v.dtype(), mask == null ? null : mask.dtype(), lse.dtype(), gradOutLayout,
                qLayout, kLayout, vLayout, maskLayout, causal, scale,
                CudaNnKernels.dropArgs(t, dropoutP, dropoutSeed, dropoutOffset), outLayout, lseLayout, gradQLayout,
                gradKLayout, gradVLayout, ptr(gradOut), ptr(q), ptr(k), ptr(v), ptr(mask), ptr(out), ptr(lse), ptr(gradQ), ptr(gradK),
                ptr(gradV));
    }

    /** The backward's choice and launches from the operands' types and layouts (the recorder tests call it directly). */
    static boolean backward(Launcher device, DType qt, DType kt, DType vt, DType maskType, DType lseType,
                            Layout gradOutLayout, Layout qLayout, Layout kLayout, Layout vLayout, Layout maskLayout,
                            boolean causal, double scale, Layout outLayout, Layout lseLayout, Layout gradQLayout,
                            Layout gradKLayout, Layout gradVLayout, CUdeviceptr pgo, CUdeviceptr pq, CUdeviceptr pk,
                            CUdeviceptr pv, CUdeviceptr pm, CUdeviceptr po, CUdeviceptr pl, CUdeviceptr pgq,
                            CUdeviceptr pgk, CUdeviceptr pgv) {
        return backward(device, qt, kt, vt, maskType, lseType, gradOutLayout, qLayout, kLayout, vLayout, maskLayout, causal,
                scale, CudaNnKernels.dropArgs(qt, 0, 0, 0), outLayout, lseLayout, gradQLayout, gradKLayout, gradVLayout,
                pgo, pq, pk, pv, pm, po, pl, pgq, pgk, pgv);
    }

    /** {@link #backward} with the forward's dropout arguments ({@link CudaNnKernels#dropArgs}). */
    static boolean backward(Launcher device, DType qt, DType kt, DType vt, DType maskType, DType lseType,
                            Layout gradOutLayout, Layout qLayout, Layout kLayout, Layout vLayout, Layout maskLayout,
                            boolean causal, double scale, Object[] drop, Layout outLayout, Layout lseLayout,
                            Layout gradQLayout, Layout gradKLayout, Layout gradVLayout, CUdeviceptr pgo, CUdeviceptr pq,
                            CUdeviceptr pk, CUdeviceptr pv, CUdeviceptr pm, CUdeviceptr po, CUdeviceptr pl,
                            CUdeviceptr pgq, CUdeviceptr pgk, CUdeviceptr pgv) {
        String sfx = suffix(qt);
        if (sfx == null || kt != qt || vt != qt || lseType != DType.FLOAT32) {
            return false;
        }
        int mt = maskType == null ? 0 : maskType == DType.FLOAT32 ? 1 : maskType == qt ? 2 : -1;
        int d = instance(qLayout.size(3), vLayout.size(3));
        int b = qLayout.size(0);
        int h = qLayout.size(1);
        int hk = kLayout.size(1);
        int l = qLayout.size(2);
        int s = kLayout.size(2);
        int e = qLayout.size(3);
        if (mt < 0 || d == 0 || b < 1 || h < 1 || hk < 1 || h % hk != 0 || l < 1 || s < 1 || b > MAX_GRID_YZ
                || hk > MAX_GRID_YZ) {
            return false;
        }
        if (dev.ember.Determinism.isEnabled()) {
            if (!dev.ember.Determinism.isWarnOnly()) {
                return false; // the caller's deterministic path
            }
            dev.ember.Determinism.alertNotDeterministic(BACKWARD_OP);
        }
        long rows = (long) b * h * l;
        int[] g = geo(qLayout, kLayout, vLayout, outLayout, lseLayout, maskLayout, mt, causal, gradOutLayout,
                gradQLayout, gradKLayout, gradVLayout);
        try (Storage delta = device.allocate(DType.FLOAT32, rows); Storage acc = device.allocate(DType.FLOAT32, rows * e)) {
            CUdeviceptr pd = ptr(delta);
            CUdeviceptr pa = ptr(acc);
            int[] shape = qLayout.shape();
            device.launchTc("tcattn_bwd_prep_" + sfx, rowBlocks(rows), 1, 1, ROW_THREADS, shape, g, pgo, po, pd, pa);
            device.launchTc("tcattn_bwd_" + sfx + "_d" + d, (s + ROWS - 1) / ROWS, hk, b, THREADS, shape, g, scale,
                    drop[0], drop[1], drop[2], drop[3], drop[4], pgo, pq, pk, pv, pm, pl, pd, pa, pgk, pgv);
            device.launchTc("tcattn_bwd_dq_" + sfx, rowBlocks(rows * e), 1, 1, ROW_THREADS, shape, g, scale, pa, pgq);
        }
        return true;
    }

    /** Blocks of a grid-stride kernel over {@code n} items. */
    private static int rowBlocks(long n) {
        return (int) Math.max(1, Math.min(MAX_ROW_BLOCKS, (n + ROW_THREADS - 1) / ROW_THREADS));
    }
}
