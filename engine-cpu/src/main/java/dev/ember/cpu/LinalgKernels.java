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
        int threads = CpuThreads.threads();
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
                    // a_jj minus the row's dot product, summed first (OpenBLAS's potf2: DOT, then one subtraction)
                    double dot = 0;
                    for (int m = 0; m < j; m++) {
                        dot = rd(dot + rd(w[rj + m] * w[rj + m], f32), f32);
                    }
                    double d = rd(w[rj + j] - dot, f32);
                    if (d <= 0) { // NaN goes on, as PyTorch's LAPACK does
                        bad = j + 1;
                        w[rj + j] = d;
                        break;
                    }
                    double ljj = rd(Math.sqrt(d), f32);
                    w[rj + j] = ljj;
                    // the column below: a_ij minus the summed products (GEMV), then scaled by 1 / l_jj (SCAL with
                    // the reciprocal, not a division)
                    double inv = rd(1 / ljj, f32);
                    for (int i = j + 1; i < n; i++) {
                        int ri = i * n;
                        double p = 0;
                        for (int m = 0; m < j; m++) {
                            p = rd(p + rd(w[ri + m] * w[rj + m], f32), f32);
                        }
                        w[ri + j] = rd(rd(w[ri + j] - p, f32) * inv, f32);
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

    // ------------------------------------------------------------------ SVD (one-sided Jacobi)

    /** Sweeps after which the Jacobi iterations stop even if not converged (they converge quadratically: ~10 suffice). */
    private static final int MAX_SWEEPS = 60;

    /**
     * Singular value decompositions of a batch [B, m, n]: {@code s} [B, k] (k = min(m, n)) descending; {@code u}
     * [B, m, ucols] and {@code vh} [B, vrows, n] (both null for the values only); {@code info} [B] 0, or -4 for a matrix
     * with a NaN (LAPACK 3.10's {@code gesdd} code; every output NaN then). An infinite element without NaN gives NaN
     * values and vectors. Computed in double for float32 too (one rounding at the end).
     */
    static void svd(CpuStorage a, Layout la, CpuStorage u, Layout lu, CpuStorage s, Layout ls, CpuStorage vh, Layout lvh,
                    CpuStorage info, Layout li) {
        int batch = la.size(0);
        int m = la.size(1);
        int n = la.size(2);
        boolean vectors = u != null;
        boolean wide = m < n;
        int rows = Math.max(m, n); // the work matrix is A, or A^T when wide: rows x cols, rows >= cols
        int cols = Math.min(m, n);
        // left vectors of the work matrix: U (tall) or V (wide); its right vectors (cols x cols) the other side
        int lcols = !vectors ? 0 : wide ? lvh.size(1) : lu.size(2);
        forBatch(batch, 8L * rows * cols * cols + 1, (from, to) -> {
            double[] am = new double[m * n];
            double[] w = new double[rows * cols]; // column-major
            double[] v = vectors ? new double[cols * cols] : null; // column-major
            double[] sv = new double[cols];
            int[] order = new int[cols];
            double[] left = vectors ? new double[rows * lcols] : null; // column-major
            double[] tau = vectors ? new double[cols] : null;
            double[] qw = vectors ? new double[rows * lcols] : null;
            double[] out = new double[Math.max(1, Math.max(m, n) * Math.max(m, n))];
            for (int b = from; b < to; b++) {
                load(a, la, b, am, false);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        // column c of the work matrix: column j of A (tall) or row i of A (wide)
                        if (wide) {
                            w[i * rows + j] = am[i * n + j];
                        } else {
                            w[j * rows + i] = am[i * n + j];
                        }
                    }
                }
                int code = jacobiSvd(w, rows, cols, v, sv, order);
                setLong(info, li, b, 0, code);
                // values
                for (int j = 0; j < cols; j++) {
                    out[j] = sv[j];
                }
                storeVector(out, cols, s, ls, b);
                if (!vectors) {
                    continue;
                }
                leftVectors(w, rows, cols, sv, order, lcols, left, tau, qw);
                boolean nan = Double.isNaN(cols > 0 ? sv[0] : 0);
                // the right vectors, reordered: column j of v is v's column order[j]
                // U (m x ucols) and Vh (vrows x n)
                if (!wide) {
                    // U = left (m x lcols), Vh = V^T (cols x n), V's columns in order
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < lcols; j++) {
                            out[i * lcols + j] = nan ? Double.NaN : left[j * rows + i];
                        }
                    }
                    store(out, false, u, lu, b);
                    for (int i = 0; i < cols; i++) {
                        int c = order[i];
                        for (int j = 0; j < n; j++) {
                            out[i * n + j] = nan ? Double.NaN : v[c * cols + j];
                        }
                    }
                    store(out, false, vh, lvh, b);
                } else {
                    // A^T = L S R^T: U = R (m x m), Vh = L^T (lcols x n)
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < cols; j++) {
                            out[i * cols + j] = nan ? Double.NaN : v[order[j] * cols + i];
                        }
                    }
                    store(out, false, u, lu, b);
                    for (int i = 0; i < lcols; i++) {
                        for (int j = 0; j < n; j++) {
                            out[i * n + j] = nan ? Double.NaN : left[i * rows + j];
                        }
                    }
                    store(out, false, vh, lvh, b);
                }
            }
        });
    }

    /** Writes {@code count} values into row {@code b} of a [B, count] layout. */
    private static void storeVector(double[] x, int count, CpuStorage s, Layout l, int b) {
        int base = l.offset() + b * l.stride(0);
        int st = l.stride(1);
        if (s.dtype == DType.FLOAT64) {
            double[] d = (double[]) s.array;
            for (int i = 0; i < count; i++) {
                d[base + i * st] = x[i];
            }
        } else {
            float[] d = (float[]) s.array;
            for (int i = 0; i < count; i++) {
                d[base + i * st] = (float) x[i];
            }
        }
    }

    /**
     * One-sided (Hestenes) Jacobi on a column-major rows x cols matrix {@code w} (rows {@code >=} cols): rotates pairs of
     * columns until every pair is orthogonal to working precision, so that {@code w = U S} and the rotations' product is V
     * (accumulated into {@code v}, column-major cols x cols, when not null). {@code sv} receives the column norms sorted
     * descending and {@code order} their columns. The matrix is first scaled by a power of two to a largest magnitude near
     * one (exactly, with no overflow or underflow in the squared norms). Returns 0, or -4 when {@code w} has a NaN (all
     * values NaN then); an infinity without NaN gives NaN values.
     */
    private static int jacobiSvd(double[] w, int rows, int cols, double[] v, double[] sv, int[] order) {
        int total = rows * cols;
        double amax = 0;
        boolean nan = false;
        for (int i = 0; i < total; i++) {
            double x = w[i];
            if (Double.isNaN(x)) {
                nan = true;
            }
            amax = Math.max(amax, Math.abs(x));
        }
        if (v != null) {
            java.util.Arrays.fill(v, 0, cols * cols, 0);
            for (int i = 0; i < cols; i++) {
                v[i * cols + i] = 1;
            }
        }
        for (int i = 0; i < cols; i++) {
            order[i] = i;
        }
        if (nan || Double.isInfinite(amax)) {
            java.util.Arrays.fill(sv, 0, cols, Double.NaN);
            return nan ? -4 : 0;
        }
        if (amax == 0) {
            java.util.Arrays.fill(sv, 0, cols, 0);
            return 0;
        }
        // a power of two: exact, and a denormal largest element is scaled up without overflow
        double up = Math.scalb(1.0, -Math.getExponent(amax));
        for (int i = 0; i < total; i++) {
            w[i] *= up;
        }
        double tol = Math.sqrt(rows) * Math.ulp(1.0);
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            boolean rotated = false;
            for (int p = 0; p < cols - 1; p++) {
                int cp = p * rows;
                for (int q = p + 1; q < cols; q++) {
                    int cq = q * rows;
                    double alpha = 0;
                    double beta = 0;
                    double gamma = 0;
                    for (int i = 0; i < rows; i++) {
                        double x = w[cp + i];
                        double y = w[cq + i];
                        alpha += x * x;
                        beta += y * y;
                        gamma += x * y;
                    }
                    if (gamma == 0 || Math.abs(gamma) <= tol * Math.sqrt(alpha) * Math.sqrt(beta)) {
                        continue;
                    }
                    rotated = true;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.copySign(1.0, zeta) / (Math.abs(zeta) + Math.hypot(1.0, zeta));
                    double c = 1 / Math.sqrt(1 + t * t);
                    double sn = c * t;
                    for (int i = 0; i < rows; i++) {
                        double x = w[cp + i];
                        double y = w[cq + i];
                        w[cp + i] = c * x - sn * y;
                        w[cq + i] = sn * x + c * y;
                    }
                    if (v != null) {
                        int vp = p * cols;
                        int vq = q * cols;
                        for (int i = 0; i < cols; i++) {
                            double x = v[vp + i];
                            double y = v[vq + i];
                            v[vp + i] = c * x - sn * y;
                            v[vq + i] = sn * x + c * y;
                        }
                    }
                }
            }
            if (!rotated) {
                break;
            }
        }
        double[] norms = new double[cols];
        for (int j = 0; j < cols; j++) {
            double ss = 0;
            int cj = j * rows;
            for (int i = 0; i < rows; i++) {
                ss += w[cj + i] * w[cj + i];
            }
            norms[j] = Math.sqrt(ss);
        }
        // descending, ties in column order (insertion sort: cols is small next to the sweeps' work)
        for (int i = 1; i < cols; i++) {
            int c = order[i];
            int k = i - 1;
            while (k >= 0 && norms[order[k]] < norms[c]) {
                order[k + 1] = order[k];
                k--;
            }
            order[k + 1] = c;
        }
        for (int j = 0; j < cols; j++) {
            sv[j] = norms[order[j]] / up;
        }
        return 0;
    }

    /**
     * The left singular vectors (column-major rows x lcols) from Jacobi's converged {@code w}: column j is w's column
     * {@code order[j]} over its norm, for the non-zero values; the rest (zero values, and the full factor's extra columns)
     * complete them to an orthonormal basis through Householder QR of the columns found (the Q of {@code geqrf}'s
     * reflectors, as {@code orgqr}).
     */
    private static void leftVectors(double[] w, int rows, int cols, double[] sv, int[] order, int lcols, double[] left,
                                    double[] tau, double[] qw) {
        java.util.Arrays.fill(left, 0, rows * lcols, 0);
        if (cols > 0 && Double.isNaN(sv[0])) {
            return;
        }
        int r = 0;
        for (int j = 0; j < cols; j++) {
            int cj = order[j] * rows;
            double ss = 0;
            for (int i = 0; i < rows; i++) {
                ss += w[cj + i] * w[cj + i];
            }
            double norm = Math.sqrt(ss);
            if (!(norm > 1e-290)) {
                break; // sorted: the rest are zero too
            }
            for (int i = 0; i < rows; i++) {
                left[j * rows + i] = w[cj + i] / norm;
            }
            r++;
        }
        if (r == lcols) {
            return;
        }
        // Householder QR of the r orthonormal columns found; Q's columns r..lcols-1 span their complement
        double[] h = java.util.Arrays.copyOf(left, rows * r);
        householder(h, rows, r, tau, false);
        formQ(h, rows, r, tau, qw, lcols, false);
        for (int j = r; j < lcols; j++) {
            System.arraycopy(qw, j * rows, left, j * rows, rows);
        }
    }

    // ------------------------------------------------------------------ symmetric eigenvalues (cyclic Jacobi)

    /**
     * Eigenvalues (ascending, {@code w} [B, n]) and, when {@code v} is not null, orthonormal eigenvectors (the columns of
     * {@code v} [B, n, n]) of a batch of symmetric matrices {@code a} [B, n, n] given by their lower triangle (the upper
     * when {@code upper}). A non-finite element in that triangle makes every output NaN. Computed in double for float32
     * too.
     */
    static void eigh(CpuStorage a, Layout la, boolean upper, CpuStorage w, Layout lw, CpuStorage v, Layout lv) {
        int batch = la.size(0);
        int n = la.size(1);
        forBatch(batch, 8L * n * n * n + 1, (from, to) -> {
            double[] m = new double[n * n];
            double[] vec = v == null ? null : new double[n * n];
            double[] vals = new double[n];
            int[] order = new int[n];
            double[] out = new double[n * n];
            for (int b = from; b < to; b++) {
                load(a, la, b, m, false);
                boolean finite = true;
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < i; j++) {
                        // the triangle read, mirrored
                        double x = upper ? m[j * n + i] : m[i * n + j];
                        m[i * n + j] = x;
                        m[j * n + i] = x;
                    }
                }
                for (int i = 0; i < n * n; i++) {
                    finite &= Double.isFinite(m[i]);
                }
                if (!finite) {
                    java.util.Arrays.fill(vals, Double.NaN);
                    if (vec != null) {
                        java.util.Arrays.fill(out, Double.NaN);
                    }
                } else {
                    jacobiEigen(m, n, vec, vals, order);
                    if (vec != null) {
                        for (int i = 0; i < n; i++) {
                            for (int j = 0; j < n; j++) {
                                out[i * n + j] = vec[i * n + order[j]];
                            }
                        }
                    }
                }
                storeVector(vals, n, w, lw, b);
                if (vec != null) {
                    store(out, false, v, lv, b);
                }
            }
        });
    }

    /**
     * Cyclic Jacobi on a symmetric row-major n-by-n {@code m} (destroyed): rotations zero each off-diagonal pair in turn
     * until all are negligible next to their diagonal entries (or {@link #MAX_SWEEPS} sweeps), after scaling the matrix
     * by a power of two to a largest magnitude near one. {@code vals} receives the eigenvalues ascending (ties in diagonal
     * order), {@code order} the column of {@code vec} (row-major, the rotations' product; null for the values only)
     * holding each one's vector.
     */
    private static void jacobiEigen(double[] m, int n, double[] vec, double[] vals, int[] order) {
        double amax = 0;
        for (int i = 0; i < n * n; i++) {
            amax = Math.max(amax, Math.abs(m[i]));
        }
        if (vec != null) {
            java.util.Arrays.fill(vec, 0);
            for (int i = 0; i < n; i++) {
                vec[i * n + i] = 1;
            }
        }
        // a power of two: exact, and a denormal largest element is scaled up without overflow
        double up = amax > 0 ? Math.scalb(1.0, -Math.getExponent(amax)) : 1;
        for (int i = 0; i < n * n; i++) {
            m[i] *= up;
        }
        double eps = Math.ulp(1.0);
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            boolean rotated = false;
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    double apq = m[p * n + q];
                    double app = m[p * n + p];
                    double aqq = m[q * n + q];
                    if (apq == 0 || Math.abs(apq) <= eps * Math.sqrt(Math.abs(app) * Math.abs(aqq))
                            || Math.abs(apq) < Double.MIN_NORMAL) {
                        continue;
                    }
                    rotated = true;
                    double theta = (aqq - app) / (2 * apq);
                    double t = Math.copySign(1.0, theta) / (Math.abs(theta) + Math.hypot(1.0, theta));
                    double c = 1 / Math.sqrt(1 + t * t);
                    double sn = t * c;
                    m[p * n + p] = app - t * apq;
                    m[q * n + q] = aqq + t * apq;
                    m[p * n + q] = 0;
                    m[q * n + p] = 0;
                    for (int r = 0; r < n; r++) {
                        if (r == p || r == q) {
                            continue;
                        }
                        double arp = m[r * n + p];
                        double arq = m[r * n + q];
                        double np = c * arp - sn * arq;
                        double nq = sn * arp + c * arq;
                        m[r * n + p] = np;
                        m[p * n + r] = np;
                        m[r * n + q] = nq;
                        m[q * n + r] = nq;
                    }
                    if (vec != null) {
                        for (int r = 0; r < n; r++) {
                            double vp = vec[r * n + p];
                            double vq = vec[r * n + q];
                            vec[r * n + p] = c * vp - sn * vq;
                            vec[r * n + q] = sn * vp + c * vq;
                        }
                    }
                }
            }
            if (!rotated) {
                break;
            }
        }
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = 1; i < n; i++) {
            int c = order[i];
            int k = i - 1;
            while (k >= 0 && m[order[k] * n + order[k]] > m[c * n + c]) {
                order[k + 1] = order[k];
                k--;
            }
            order[k + 1] = c;
        }
        for (int i = 0; i < n; i++) {
            vals[i] = m[order[i] * n + order[i]] / up;
        }
    }
}
