package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.backend.Layout;
import dev.ember.backend.Storage;
import jcuda.driver.CUdeviceptr;

/**
 * The CUDA backend's kernels for {@code Backend}'s "decompositions (LinalgOps)" family (linalg_kernels.cu):
 * {@code luFactor} (getrf, partial pivoting), {@code luSolve} (getrs), {@code triangularSolve} (trsm, left side),
 * {@code cholesky} (potrf, lower), {@code qr}, {@code eigh} and {@code svd} (below), float32 and float64, operands of any
 * strides.
 * The first four
 * mirror the CPU's LinalgKernels (LAPACK's reference algorithms) operation for operation, so results, pivots and info
 * codes are the CPU's bit for bit: the same pivot on ties (the first row of largest magnitude; a NaN wins), info k + 1 for the first exactly zero pivot
 * of getrf (the factorization goes on) and j + 1 for the first non-positive pivot of potrf (it stops there).
 *
 * <p>One block per matrix of the batch (a grid-stride loop over it), working in the output's memory: the
 * factorizations run their columns in sequence with the rows and columns of each step across the block; a lower solve
 * runs by columns of L with rows and right-hand sides across the block; an upper solve, to keep the CPU's order of
 * subtractions, runs each right-hand side's column in one thread (so {@code solve} with one right-hand side does its
 * back substitution in one thread). Correct for any n, but one streaming multiprocessor per matrix: an estimate (not
 * measured) for one float64 LU of n = 1024 is tens of milliseconds and of n = 4096 seconds, where cuSOLVER's blocked
 * {@code getrf} (org.bytedeco.cuda.global.cusolver through JavaCPP, a dependency already; PyTorch uses cuSOLVER or
 * MAGMA) takes milliseconds: the fast path left for a session with a GPU. Each method returns false for what its
 * kernels do not take (another type, pivots or info not int64), and {@link CudaBackend} then runs {@code Backend}'s
 * default, the CPU's kernel on host copies.
 *
 * <p>{@code qr} (geqrf then orgqr, Householder with larfg's signs) mirrors the CPU's the same way except for one
 * function: hypot is the kernel's own (from correctly rounded operations, so the device and the host emulation agree)
 * where the CPU's is Java's (fdlibm's algorithm), both within about an ulp, so a reflector's beta can differ in its last
 * bit: float32 (which rounds hypot's double result to float) came out bit for bit the CPU's in every emulated case,
 * float64 within 1.3e-15 relative (a few ulps). On a rank-deficient matrix whose reduction leaves rounding residue that
 * last bit can decide between an exact zero column and a residue one, and Q's columns past the rank then differ
 * entirely (both are valid bases). Its work matrix and taus live in a workspace of B (m n + min(m, n)) elements; the
 * reflectors run one thread per trailing column (their dot products in the CPU's row order), so a tall-skinny matrix
 * uses few threads.
 *
 * <p>{@code eigh} runs the CPU's cyclic Jacobi (in double for both types, as the CPU): each rotation's scalars on one
 * thread, its rows and the vectors' rows across the block, two barriers per pair of a sweep, so it is slow for large n
 * (about 10 sweeps of n^2 / 2 rotations, each an estimated microsecond or two of dependent loads and barriers: seconds
 * at n = 500, not measured; cuSOLVER's {@code syevd} is the fast path). Its hypot is the kernel's too, so a rotation can differ from the CPU's in the last
 * bit: float32 came out bit for bit in every emulated case, float64 values and vectors within 5.5e-15 of the CPU's,
 * except the vectors of nearly equal eigenvalues, which are determined only to eps over the gap (any two
 * implementations differ there). Its work matrix, the rotations' product and the order live in a float64 workspace.
 *
 * <p>{@code svd} runs the CPU's one-sided (Hestenes) Jacobi in double for both types: the work matrix A (or A^T when
 * wide) scaled by a power of two, pairs of columns rotated in the CPU's order (each pair's three sums in row order and
 * its rotation on one thread, the rows and the rotations' product across the block), sweeps until none rotates, the
 * column norms sorted descending (stable), the left vectors the columns over their norms completed by the CPU's
 * Householder QR (geqrf then orgqr) where values are zero or the full factor wants more columns; info -4 and NaN
 * outputs for a NaN, NaN outputs for an infinity. Its hypot is the kernel's too: float32 came out bit for bit in every
 * emulated case, float64 within 5.5e-15 of the CPU's. Like eigh it is serial within a pair (one thread sums each pair's
 * rows): slow for large matrices; cuSOLVER's {@code gesvdj} is the fast path. Its work lives in a float64 workspace of
 * B (rows cols + 2 cols), plus B (cols^2 + 2 rows lcols + cols + rows cols) with the vectors.
 *
 * <p>LinalgKernelsEmulationTest replays these launches on the host against the CPU's kernels; CudaLinalgKernelsTest
 * compares with the CPU on a GPU. None of it has run on a GPU yet.
 */
final class CudaLinalgKernels {
    /** Threads of a block at most (linalg_kernels.cu's LA_MAX_THREADS: the pivot search's scratch). */
    static final int MAX_THREADS = 256;
    private static final int MAX_BLOCKS = 65535;

    /** How the kernels reach the device: {@link CudaBackend}'s launch, or a test's recorder. */
    interface Device {
        /** Launches {@code kernel} on a 1-D grid of {@code blocks} blocks of {@code threads} threads. */
        void launch(String kernel, int blocks, int threads, Object shape, Object... args);

        /** A device storage of {@code numel} elements (contents undefined), for a workspace. */
        Storage allocate(DType dtype, long numel);
    }

    private final Device cuda;

    CudaLinalgKernels(Device cuda) {
        this.cuda = cuda;
    }

    private static boolean floating(Storage s) {
        return s.dtype() == DType.FLOAT32 || s.dtype() == DType.FLOAT64;
    }

    private static String suffix(Storage s) {
        return s.dtype() == DType.FLOAT32 ? "f32" : "f64";
    }

    private static CUdeviceptr ptr(Storage s) {
        return ((CudaStorage) s).ptr;
    }

    /**
     * The kernels' struct LaGeo: the batch, n, k, then for each operand ([B, rows, cols], [B, n] or [B]) its three
     * strides (zero past its rank) and its offset.
     */
    static int[] geo(int batch, int n, int k, Layout... operands) {
        int[] g = new int[3 + 16];
        g[0] = batch;
        g[1] = n;
        g[2] = k;
        for (int o = 0; o < operands.length; o++) {
            Layout l = operands[o];
            for (int d = 0; d < 3 && d < l.rank(); d++) {
                g[3 + 4 * o + d] = l.stride(d);
            }
            g[3 + 4 * o + 3] = l.offset();
        }
        return g;
    }

    private static int blocks(int batch) {
        return Math.min(batch, MAX_BLOCKS);
    }

    /** Threads for a step's work of about {@code work} elements: a multiple of 32 from 32 to {@link #MAX_THREADS}. */
    static int threads(long work) {
        long t = (work + 31) / 32 * 32;
        return (int) Math.max(32, Math.min(MAX_THREADS, t));
    }

    /** {@code Backend.luFactor}; false: not taken. */
    boolean luFactor(Storage a, Layout aLayout, Storage lu, Layout luLayout, Storage pivots, Layout pivotsLayout,
                     Storage info, Layout infoLayout) {
        if (!floating(a) || lu.dtype() != a.dtype() || pivots.dtype() != DType.INT64 || info.dtype() != DType.INT64) {
            return false;
        }
        int batch = aLayout.size(0);
        int n = aLayout.size(1);
        if (batch == 0) {
            return true;
        }
        cuda.launch("la_lu_factor_" + suffix(a), blocks(batch), threads((long) n * n / 2), aLayout.shape(),
                geo(batch, n, 0, aLayout, luLayout, pivotsLayout, infoLayout), ptr(a), ptr(lu), ptr(pivots), ptr(info));
        return true;
    }

    /** {@code Backend.luSolve}; false: not taken. */
    boolean luSolve(Storage lu, Layout luLayout, Storage pivots, Layout pivotsLayout, Storage b, Layout bLayout,
                    Storage x, Layout xLayout) {
        if (!floating(lu) || b.dtype() != lu.dtype() || x.dtype() != lu.dtype() || pivots.dtype() != DType.INT64) {
            return false;
        }
        int batch = luLayout.size(0);
        int n = luLayout.size(1);
        int k = bLayout.size(2);
        if (batch == 0 || n == 0 || k == 0) {
            return true;
        }
        cuda.launch("la_lu_solve_" + suffix(lu), blocks(batch), threads((long) n * k / 2), luLayout.shape(),
                geo(batch, n, k, luLayout, pivotsLayout, bLayout, xLayout), ptr(lu), ptr(pivots), ptr(b), ptr(x));
        return true;
    }

    /** {@code Backend.triangularSolve}; false: not taken. */
    boolean triangularSolve(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage x, Layout xLayout,
                            boolean upper, boolean unitriangular) {
        if (!floating(a) || b.dtype() != a.dtype() || x.dtype() != a.dtype()) {
            return false;
        }
        int batch = aLayout.size(0);
        int n = aLayout.size(1);
        int k = bLayout.size(2);
        if (batch == 0 || n == 0 || k == 0) {
            return true;
        }
        cuda.launch("la_tri_solve_" + suffix(a), blocks(batch), threads((long) n * k / 2), aLayout.shape(),
                geo(batch, n, k, aLayout, bLayout, xLayout), upper ? 1 : 0, unitriangular ? 1 : 0, ptr(a), ptr(b),
                ptr(x));
        return true;
    }

    /** {@code Backend.qr}; false: not taken. */
    boolean qr(Storage a, Layout aLayout, Storage q, Layout qLayout, Storage r, Layout rLayout) {
        if (!floating(a) || r.dtype() != a.dtype() || (q != null && q.dtype() != a.dtype())) {
            return false;
        }
        int batch = aLayout.size(0);
        int m = aLayout.size(1);
        int n = aLayout.size(2);
        int k = Math.min(m, n);
        int rows = rLayout.size(1);
        if (batch == 0) {
            return true;
        }
        long work = (long) batch * ((long) m * n + k);
        try (Storage ws = cuda.allocate(a.dtype(), Math.max(1, work))) {
            cuda.launch("la_qr_" + suffix(a), blocks(batch), threads(Math.max(n, rows)), aLayout.shape(),
                    geo(batch, m, n, aLayout, q == null ? rLayout : qLayout, rLayout), rows, q == null ? 0 : 1, ptr(a),
                    q == null ? new CUdeviceptr() : ptr(q), ptr(r), ptr(ws));
        }
        return true;
    }

    /** {@code Backend.eigh}; false: not taken. */
    boolean eigh(Storage a, Layout aLayout, boolean upper, Storage w, Layout wLayout, Storage v, Layout vLayout) {
        if (!floating(a) || w.dtype() != a.dtype() || (v != null && v.dtype() != a.dtype())) {
            return false;
        }
        int batch = aLayout.size(0);
        int n = aLayout.size(1);
        if (batch == 0 || n == 0) {
            return true;
        }
        long work = (long) batch * ((long) n * n * (v == null ? 1 : 2) + n);
        try (Storage ws = cuda.allocate(DType.FLOAT64, work)) {
            cuda.launch("la_eigh_" + suffix(a), blocks(batch), threads(n), aLayout.shape(),
                    geo(batch, n, 0, aLayout, wLayout, v == null ? aLayout : vLayout), upper ? 1 : 0, v == null ? 0 : 1,
                    ptr(a), ptr(w), v == null ? new CUdeviceptr() : ptr(v), ptr(ws));
        }
        return true;
    }

    /** {@code Backend.svd}; false: not taken. */
    boolean svd(Storage a, Layout aLayout, Storage u, Layout uLayout, Storage s, Layout sLayout, Storage vh,
                Layout vhLayout, Storage info, Layout infoLayout) {
        boolean vectors = u != null;
        if (!floating(a) || s.dtype() != a.dtype() || info.dtype() != DType.INT64 || vectors != (vh != null)
                || (vectors && (u.dtype() != a.dtype() || vh.dtype() != a.dtype()))) {
            return false;
        }
        int batch = aLayout.size(0);
        int m = aLayout.size(1);
        int n = aLayout.size(2);
        if (batch == 0) {
            return true;
        }
        boolean wide = m < n;
        int rows = Math.max(m, n);
        int cols = Math.min(m, n);
        int lcols = !vectors ? 0 : wide ? vhLayout.size(1) : uLayout.size(2);
        // linalg_kernels.cu's laSvdWork, per matrix
        long per = (long) rows * cols + 2L * cols
                + (vectors ? (long) cols * cols + 2L * rows * lcols + cols + (long) rows * cols : 0);
        try (Storage ws = cuda.allocate(DType.FLOAT64, Math.max(1, batch * per))) {
            cuda.launch("la_svd_" + suffix(a), blocks(batch), threads(rows), aLayout.shape(),
                    geo(batch, m, n, aLayout, vectors ? uLayout : sLayout, sLayout, vectors ? vhLayout : sLayout),
                    lcols, vectors ? 1 : 0, infoLayout.stride(0), infoLayout.offset(), ptr(a),
                    vectors ? ptr(u) : new CUdeviceptr(), ptr(s), vectors ? ptr(vh) : new CUdeviceptr(), ptr(info),
                    ptr(ws));
        }
        return true;
    }

    /** {@code Backend.cholesky}; false: not taken. */
    boolean cholesky(Storage a, Layout aLayout, Storage l, Layout lLayout, Storage info, Layout infoLayout) {
        if (!floating(a) || l.dtype() != a.dtype() || info.dtype() != DType.INT64) {
            return false;
        }
        int batch = aLayout.size(0);
        int n = aLayout.size(1);
        if (batch == 0) {
            return true;
        }
        cuda.launch("la_cholesky_" + suffix(a), blocks(batch), threads(n), aLayout.shape(),
                geo(batch, n, 0, aLayout, lLayout, infoLayout), ptr(a), ptr(l), ptr(info));
        return true;
    }
}
