package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.backend.Layout;

import java.util.ArrayList;
import java.util.List;

/**
 * Matrix decompositions for batches of small and medium matrices, after LAPACK's reference algorithms: LU with partial
 * pivoting ({@code getrf}/{@code getrs}), Cholesky ({@code potrf}), Householder QR ({@code geqrf}/{@code orgqr}, with
 * {@code larfg}'s signs) and triangular solves ({@code trsm}). Each matrix is copied into a double working array
 * (row-major, or column-major where the algorithm walks columns), so inputs may have any strides; float32 is computed in
 * float32 arithmetic (every operation's double result rounded to float, which for +, -, *, / and sqrt is exactly the
 * float operation), so a matrix singular in float32 arithmetic has LAPACK's exact zero pivot. Matrices of a batch run in
 * parallel.
 */
final class LinalgKernels {
    private LinalgKernels() {
    }

    /** Work below which a batch runs on the calling thread (multiply-adds). */
    private static final long PARALLEL_WORK = 1L << 16;

    /** Runs {@code body} for batch elements {@code 0..batch-1}, in parallel chunks when the work pays for it. */
    private static void forBatch(int batch, long workPerMatrix, BatchBody body) {
        int threads = CpuThreads.THREADS;
        if (batch <= 1 || threads < 2 || (long) batch * workPerMatrix < PARALLEL_WORK) {
            body.run(0, batch);
            return;
        }
        int chunks = Math.min(batch, threads);
        List<Runnable> tasks = new ArrayList<>(chunks);
        for (int c = 0; c < chunks; c++) {
            int from = (int) ((long) batch * c / chunks);
            int to = (int) ((long) batch * (c + 1) / chunks);
            tasks.add(() -> body.run(from, to));
        }
        CpuThreads.invokeAll(tasks);
    }

    /** {@code x} rounded to float32 when computing in float32: one float operation's result. */
    private static double rd(double x, boolean f32) {
        return f32 ? (float) x : x;
    }

    @FunctionalInterface
    private interface BatchBody {
        void run(int from, int to);
    }

    /** Copies matrix {@code b} of a [B, rows, cols] layout into {@code w}, row-major (or column-major). */
    private static void load(CpuStorage s, Layout l, int b, double[] w, boolean columnMajor) {
        int rows = l.size(1);
        int cols = l.size(2);
        int base = l.offset() + b * l.stride(0);
        int sr = l.stride(1);
        int sc = l.stride(2);
        if (s.dtype == DType.FLOAT64) {
            double[] a = (double[]) s.array;
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    w[columnMajor ? j * rows + i : i * cols + j] = a[base + i * sr + j * sc];
                }
            }
        } else {
            float[] a = (float[]) s.array;
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    w[columnMajor ? j * rows + i : i * cols + j] = a[base + i * sr + j * sc];
                }
            }
        }
    }

    /** Writes {@code w} (row-major, or column-major) into matrix {@code b} of a [B, rows, cols] layout. */
    private static void store(double[] w, boolean columnMajor, CpuStorage s, Layout l, int b) {
        int rows = l.size(1);
        int cols = l.size(2);
        int base = l.offset() + b * l.stride(0);
        int sr = l.stride(1);
        int sc = l.stride(2);
        if (s.dtype == DType.FLOAT64) {
            double[] a = (double[]) s.array;
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    a[base + i * sr + j * sc] = w[columnMajor ? j * rows + i : i * cols + j];
                }
            }
        } else {
            float[] a = (float[]) s.array;
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    a[base + i * sr + j * sc] = (float) w[columnMajor ? j * rows + i : i * cols + j];
                }
            }
        }
    }

    private static void setLong(CpuStorage s, Layout l, int b, int i, long v) {
        int at = l.offset() + b * l.stride(0) + (l.rank() > 1 ? i * l.stride(1) : 0);
        ((long[]) s.array)[at] = v;
    }

    private static long getLong(CpuStorage s, Layout l, int b, int i) {
        return ((long[]) s.array)[l.offset() + b * l.stride(0) + i * l.stride(1)];
    }

    // ------------------------------------------------------------------ LU

    static void luFactor(CpuStorage a, Layout la, CpuStorage lu, Layout llu, CpuStorage piv, Layout lp, CpuStorage info,
                         Layout li) {
        int batch = la.size(0);
        int n = la.size(1);
        boolean f32 = a.dtype == DType.FLOAT32;
        forBatch(batch, (long) n * n * n / 3 + 1, (from, to) -> {
            double[] w = new double[n * n];
            int[] p = new int[n];
            for (int b = from; b < to; b++) {
                load(a, la, b, w, false);
                int bad = factor(w, n, p, f32);
                store(w, false, lu, llu, b);
                for (int i = 0; i < n; i++) {
                    setLong(piv, lp, b, i, p[i] + 1);
                }
                setLong(info, li, b, 0, bad);
            }
        });
    }

    /**
     * In-place LU of a row-major n-by-n matrix with partial pivoting (the first largest magnitude wins, as
     * {@code idamax}); {@code p[k]} is the row exchanged with row k. The multipliers are scaled by the pivot's
     * reciprocal, as {@code getrf2}. Returns 0, or k + 1 for the first zero pivot.
     */
    private static int factor(double[] w, int n, int[] p, boolean f32) {
        double sfmin = f32 ? Float.MIN_NORMAL : Double.MIN_NORMAL;
        int info = 0;
        for (int k = 0; k < n; k++) {
            int pivot = k;
            double best = Math.abs(w[k * n + k]);
            for (int i = k + 1; i < n; i++) {
                double v = Math.abs(w[i * n + k]);
                if (v > best || (Double.isNaN(v) && !Double.isNaN(best))) {
                    best = v;
                    pivot = i;
                }
            }
            p[k] = pivot;
            double d = w[pivot * n + k];
            if (d != 0) {
                if (pivot != k) {
                    int rk = k * n;
                    int rp = pivot * n;
                    for (int j = 0; j < n; j++) {
                        double t = w[rk + j];
                        w[rk + j] = w[rp + j];
                        w[rp + j] = t;
                    }
                }
                if (Math.abs(d) >= sfmin) {
                    double inv = rd(1 / d, f32);
                    for (int i = k + 1; i < n; i++) {
                        w[i * n + k] = rd(w[i * n + k] * inv, f32);
                    }
                } else {
                    for (int i = k + 1; i < n; i++) {
                        w[i * n + k] = rd(w[i * n + k] / d, f32);
                    }
                }
            } else if (info == 0) {
                info = k + 1;
            }
            // rank-one update of the trailing block, a contiguous row at a time
            int rk = k * n;
            for (int i = k + 1; i < n; i++) {
                int ri = i * n;
                double l = w[ri + k];
                if (l == 0) {
                    continue;
                }
                if (f32) {
                    for (int j = k + 1; j < n; j++) {
                        w[ri + j] = (float) (w[ri + j] - (float) (l * w[rk + j]));
                    }
                } else {
                    for (int j = k + 1; j < n; j++) {
                        w[ri + j] -= l * w[rk + j];
                    }
                }
            }
        }
        return info;
    }

    static void luSolve(CpuStorage lu, Layout llu, CpuStorage piv, Layout lp, CpuStorage bs, Layout lb, CpuStorage x,
                        Layout lx) {
        int batch = llu.size(0);
        int n = llu.size(1);
        int k = lb.size(2);
        boolean f32 = lu.dtype == DType.FLOAT32;
        forBatch(batch, (long) n * n * (k + 1), (from, to) -> {
            double[] w = new double[n * n];
            double[] rhs = new double[n * k];
            for (int b = from; b < to; b++) {
                load(lu, llu, b, w, false);
                load(bs, lb, b, rhs, false);
                for (int i = 0; i < n; i++) {
                    int r = (int) getLong(piv, lp, b, i) - 1;
                    if (r != i) {
                        for (int j = 0; j < k; j++) {
                            double t = rhs[i * k + j];
                            rhs[i * k + j] = rhs[r * k + j];
                            rhs[r * k + j] = t;
                        }
                    }
                }
                lowerSolve(w, n, rhs, k, true, f32);
                upperSolve(w, n, rhs, k, false, f32);
                store(rhs, false, x, lx, b);
            }
        });
    }

    /** {@code rhs = L^-1 rhs} for the lower triangle of row-major {@code w} (rhs row-major n-by-k). */
    private static void lowerSolve(double[] w, int n, double[] rhs, int k, boolean unit, boolean f32) {
        for (int i = 0; i < n; i++) {
            int ri = i * k;
            for (int m = 0; m < i; m++) {
                double l = w[i * n + m];
                if (l == 0) {
                    continue;
                }
                int rm = m * k;
                for (int j = 0; j < k; j++) {
                    rhs[ri + j] = rd(rhs[ri + j] - rd(l * rhs[rm + j], f32), f32);
                }
            }
            if (!unit) {
                double d = w[i * n + i];
                for (int j = 0; j < k; j++) {
                    rhs[ri + j] = rd(rhs[ri + j] / d, f32);
                }
            }
        }
    }

    /** {@code rhs = U^-1 rhs} for the upper triangle of row-major {@code w}. */
    private static void upperSolve(double[] w, int n, double[] rhs, int k, boolean unit, boolean f32) {
        for (int i = n - 1; i >= 0; i--) {
            int ri = i * k;
            for (int m = i + 1; m < n; m++) {
                double u = w[i * n + m];
                if (u == 0) {
                    continue;
                }
                int rm = m * k;
                for (int j = 0; j < k; j++) {
                    rhs[ri + j] = rd(rhs[ri + j] - rd(u * rhs[rm + j], f32), f32);
                }
            }
            if (!unit) {
                double d = w[i * n + i];
                for (int j = 0; j < k; j++) {
                    rhs[ri + j] = rd(rhs[ri + j] / d, f32);
                }
            }
        }
    }

    static void triangularSolve(CpuStorage a, Layout la, CpuStorage bs, Layout lb, CpuStorage x, Layout lx, boolean upper,
                                boolean unit) {
        int batch = la.size(0);
        int n = la.size(1);
        int k = lb.size(2);
        boolean f32 = a.dtype == DType.FLOAT32;
        forBatch(batch, (long) n * n * k / 2 + 1, (from, to) -> {
            double[] w = new double[n * n];
            double[] rhs = new double[n * k];
            for (int b = from; b < to; b++) {
                load(a, la, b, w, false);
                load(bs, lb, b, rhs, false);
                if (upper) {
                    upperSolve(w, n, rhs, k, unit, f32);
                } else {
                    lowerSolve(w, n, rhs, k, unit, f32);
                }
                store(rhs, false, x, lx, b);
            }
        });
    }

    // ------------------------------------------------------------------ Cholesky

    static void cholesky(CpuStorage a, Layout la, CpuStorage l, Layout ll, CpuStorage info, Layout li) {
        int batch = la.size(0);
        int n = la.size(1);
        boolean f32 = a.dtype == DType.FLOAT32;
        forBatch(batch, (long) n * n * n / 6 + 1, (from, to) -> {
            double[] w = new double[n * n];
            for (int b = from; b < to; b++) {
                load(a, la, b, w, false);
                int bad = 0;
                for (int j = 0; j < n && bad == 0; j++) {
                    int rj = j * n;
                    double d = w[rj + j];
                    for (int m = 0; m < j; m++) {
                        d = rd(d - rd(w[rj + m] * w[rj + m], f32), f32);
                    }
                    if (d <= 0) { // NaN goes on, as PyTorch's LAPACK does
                        bad = j + 1;
                        w[rj + j] = d;
                        break;
                    }
                    double ljj = rd(Math.sqrt(d), f32);
                    w[rj + j] = ljj;
                    for (int i = j + 1; i < n; i++) {
                        int ri = i * n;
                        double s = w[ri + j];
                        for (int m = 0; m < j; m++) {
                            s = rd(s - rd(w[ri + m] * w[rj + m], f32), f32);
                        }
                        w[ri + j] = rd(s / ljj, f32);
                    }
                }
                for (int i = 0; i < n; i++) {
                    for (int j = i + 1; j < n; j++) {
                        w[i * n + j] = 0;
                    }
                }
                store(w, false, l, ll, b);
                setLong(info, li, b, 0, bad);
            }
        });
    }

    // ------------------------------------------------------------------ QR

    static void qr(CpuStorage a, Layout la, CpuStorage q, Layout lq, CpuStorage r, Layout lr) {
        int batch = la.size(0);
        int m = la.size(1);
        int n = la.size(2);
        int k = Math.min(m, n);
        int rows = lr.size(1);
        boolean f32 = a.dtype == DType.FLOAT32;
        forBatch(batch, (long) m * n * k + 1, (from, to) -> {
            double[] w = new double[m * n]; // column-major: column j at j * m
            double[] tau = new double[k];
            double[] rw = new double[rows * n];
            double[] qw = q == null ? null : new double[m * rows];
            for (int b = from; b < to; b++) {
                load(a, la, b, w, true);
                householder(w, m, n, tau, f32);
                java.util.Arrays.fill(rw, 0);
                for (int j = 0; j < n; j++) {
                    for (int i = 0; i <= Math.min(j, k - 1); i++) {
                        rw[i * n + j] = w[j * m + i];
                    }
                }
                store(rw, false, r, lr, b);
                if (qw != null) {
                    formQ(w, m, k, tau, qw, rows, f32);
                    store(qw, true, q, lq, b);
                }
            }
        });
    }

    /** geqrf on a column-major m-by-n matrix: R on and above the diagonal, the reflectors' tails below, taus apart. */
    private static void householder(double[] w, int m, int n, double[] tau, boolean f32) {
        int k = Math.min(m, n);
        for (int j = 0; j < k; j++) {
            int cj = j * m;
            double alpha = w[cj + j];
            double xnorm = 0;
            double scale = 0;
            for (int i = j + 1; i < m; i++) {
                scale = Math.max(scale, Math.abs(w[cj + i]));
            }
            if (scale > 0) {
                double ss = 0;
                for (int i = j + 1; i < m; i++) {
                    double t = w[cj + i] / scale;
                    ss += t * t;
                }
                xnorm = rd(scale * Math.sqrt(ss), f32);
            }
            if (xnorm == 0) {
                tau[j] = 0; // H = I: the column is already reduced (larfg)
                continue;
            }
            double beta = -Math.copySign(rd(Math.hypot(alpha, xnorm), f32), alpha);
            tau[j] = rd(rd(beta - alpha, f32) / beta, f32);
            double inv = rd(1 / rd(alpha - beta, f32), f32);
            for (int i = j + 1; i < m; i++) {
                w[cj + i] = rd(w[cj + i] * inv, f32);
            }
            w[cj + j] = beta;
            // apply H = I - tau v v^T (v = [1, w[j+1..m)]) to the trailing columns
            for (int c = j + 1; c < n; c++) {
                int cc = c * m;
                double dot = w[cc + j];
                for (int i = j + 1; i < m; i++) {
                    dot = rd(dot + rd(w[cj + i] * w[cc + i], f32), f32);
                }
                double f = rd(tau[j] * dot, f32);
                w[cc + j] = rd(w[cc + j] - f, f32);
                for (int i = j + 1; i < m; i++) {
                    w[cc + i] = rd(w[cc + i] - rd(f * w[cj + i], f32), f32);
                }
            }
        }
    }

    /** orgqr: the first {@code cols} columns of H_0 ... H_{k-1}, column-major m-by-cols in {@code qw}. */
    private static void formQ(double[] w, int m, int k, double[] tau, double[] qw, int cols, boolean f32) {
        java.util.Arrays.fill(qw, 0);
        for (int i = 0; i < cols; i++) {
            qw[i * m + i] = 1;
        }
        for (int j = k - 1; j >= 0; j--) {
            if (tau[j] == 0) {
                continue;
            }
            int cj = j * m;
            for (int c = 0; c < cols; c++) {
                int cc = c * m;
                double dot = qw[cc + j];
                for (int i = j + 1; i < m; i++) {
                    dot = rd(dot + rd(w[cj + i] * qw[cc + i], f32), f32);
                }
                if (dot == 0) {
                    continue;
                }
                double f = rd(tau[j] * dot, f32);
                qw[cc + j] = rd(qw[cc + j] - f, f32);
                for (int i = j + 1; i < m; i++) {
                    qw[cc + i] = rd(qw[cc + i] - rd(f * w[cj + i], f32), f32);
                }
            }
        }
    }
}
