package dev.ember;

/**
 * Host kernels for complex {@code torch.linalg}: the LU factorization with partial pivoting (LAPACK's {@code zgetf2}:
 * the pivot is the first entry of largest {@code |re| + |im|}, as {@code izamax}'s {@code cabs1}), its solve
 * ({@code zgetrs}, no transpose), the determinant and {@code slogdet} read off its diagonal (PyTorch's
 * {@code _linalg_det} and {@code _linalg_slogdet}), the Cholesky factorization ({@code zpotf2}), the triangular solve
 * ({@code ztrsm}'s substitution), the Householder QR ({@code zgeqr2}, {@code zung2r}) and the Hermitian eigenproblem
 * (cyclic Jacobi). As for {@link EigSolver} (PyTorch runs complex LAPACK on the CPU), the data is copied to the host,
 * computed in double precision and copied back to the input's device and type; the functions take and return tensors
 * without history ({@code [B, m, n]} batches), and {@link LinalgDecompositions} dispatches its raw kernels here for
 * complex types, recording the nodes itself.
 */
final class ComplexLinalg {
    private ComplexLinalg() {
    }

    /** The interleaved (re, im) values of a complex tensor, row-major. */
    static double[] host(Tensor z) {
        try (GradMode off = Ember.noGrad()) {
            return z.contiguous().viewAsReal().contiguous().toDoubleArray();
        }
    }

    /** A fresh complex tensor of interleaved values, of a type and device, without history. */
    static Tensor complexOf(double[] pairs, int[] shape, DType type, Device device) {
        int n = pairs.length / 2;
        double[] re = new double[n];
        double[] im = new double[n];
        for (int i = 0; i < n; i++) {
            re[i] = pairs[2 * i];
            im[i] = pairs[2 * i + 1];
        }
        try (GradMode off = Ember.noGrad()) {
            Tensor z = Tensor.complex(Creation.fromFlat(re, shape, DType.FLOAT64, Device.CPU),
                    Creation.fromFlat(im, shape, DType.FLOAT64, Device.CPU));
            return z.to(type).to(device).contiguous();
        }
    }

    /** {@code (a + bi) / (c + di)} by Smith's algorithm ({@link EigSolver#div}); by zero, infinities (or NaN for 0 / 0). */
    static double[] div(double a, double b, double c, double d) {
        if (c == 0 && d == 0) {
            return new double[] {a / 0.0, b / 0.0};
        }
        return EigSolver.div(a, b, c, d);
    }

    /** Swaps rows r1 and r2 of the {@code width}-column interleaved matrix at pair offset {@code off}. */
    private static void swapRows(double[] x, int off, int width, int r1, int r2) {
        for (int k = 0; k < width; k++) {
            int p = 2 * (off + r1 * width + k);
            int q = 2 * (off + r2 * width + k);
            double t0 = x[p];
            double t1 = x[p + 1];
            x[p] = x[q];
            x[p + 1] = x[q + 1];
            x[q] = t0;
            x[q + 1] = t1;
        }
    }

    /**
     * LU of one n-by-n matrix in place ({@code a} interleaved, at offset {@code off} pairs), pivots (1-based) into
     * {@code piv} at {@code po}: LAPACK's info (0, or the 1-based index of the first exactly zero pivot).
     */
    static int luInPlace(double[] a, int off, int n, long[] piv, int po) {
        int info = 0;
        for (int j = 0; j < n; j++) {
            int p = j;
            double best = -1;
            for (int i = j; i < n; i++) {
                int q = 2 * (off + i * n + j);
                double v = Math.abs(a[q]) + Math.abs(a[q + 1]);
                if (v > best || Double.isNaN(v) && best < 0) {
                    best = v;
                    p = i;
                }
            }
            piv[po + j] = p + 1;
            int d = 2 * (off + p * n + j);
            if (a[d] != 0 || a[d + 1] != 0) {
                if (p != j) {
                    swapRows(a, off, n, j, p);
                }
                int jj = 2 * (off + j * n + j);
                for (int i = j + 1; i < n; i++) {
                    int q = 2 * (off + i * n + j);
                    double[] r = div(a[q], a[q + 1], a[jj], a[jj + 1]);
                    a[q] = r[0];
                    a[q + 1] = r[1];
                }
            } else if (info == 0) {
                info = j + 1;
            }
            for (int i = j + 1; i < n; i++) {
                int q = 2 * (off + i * n + j);
                double lr = a[q];
                double li = a[q + 1];
                if (lr == 0 && li == 0) {
                    continue;
                }
                for (int k = j + 1; k < n; k++) {
                    int u = 2 * (off + j * n + k);
                    int x = 2 * (off + i * n + k);
                    a[x] -= lr * a[u] - li * a[u + 1];
                    a[x + 1] -= lr * a[u + 1] + li * a[u];
                }
            }
        }
        return info;
    }

    /**
     * Solves {@code A X = B} in place in {@code b} (n-by-k at pair offset {@code bo}) from A's LU (at {@code lo}) and
     * pivots (at {@code po}); {@code perturb} replaces an exactly zero pivot by machine epsilon {@code eps}.
     */
    static void luSolveInPlace(double[] lu, int lo, long[] piv, int po, double[] b, int bo, int n, int k, boolean perturb,
            double eps) {
        for (int j = 0; j < n; j++) {
            int p = (int) piv[po + j] - 1;
            if (p != j) {
                swapRows(b, bo, k, j, p);
            }
        }
        substitute(lu, lo, b, bo, n, k, false, true, false, 0);
        substitute(lu, lo, b, bo, n, k, true, false, perturb, eps);
    }

    /** {@link LinalgDecompositions#luRaw} for a complex [B, n, n] tensor: {lu, pivots (int64), info (int64)}. */
    static Tensor[] luRaw(Tensor a3) {
        int b = a3.shape[0];
        int n = a3.shape[1];
        if (a3.device.isMeta()) { // the meta kernel: the factors' shapes, nothing factored
            return new Tensor[] {Creation.empty(a3.shape.clone(), a3.dtype, a3.device),
                Creation.empty(new int[] {b, n}, DType.INT64, a3.device), Creation.empty(new int[] {b}, DType.INT64, a3.device)};
        }
        double[] a = host(a3);
        long[] piv = new long[b * n];
        long[] info = new long[b];
        for (int i = 0; i < b; i++) {
            info[i] = luInPlace(a, i * n * n, n, piv, i * n);
        }
        try (GradMode off = Ember.noGrad()) {
            return new Tensor[] {complexOf(a, a3.shape.clone(), a3.dtype, a3.device),
                Creation.fromFlat(piv, new int[] {b, n}, DType.INT64, Device.CPU).to(a3.device),
                Creation.fromFlat(info, new int[] {b}, DType.INT64, Device.CPU).to(a3.device)};
        }
    }

    /** {@link LinalgDecompositions#luSolveRaw} for complex LU factors [B, n, n] and right sides b3 [B, n, k]. */
    static Tensor luSolveRaw(Tensor lu, Tensor piv, Tensor b3) {
        if (lu.device.isMeta()) {
            return Creation.empty(b3.shape.clone(), lu.dtype, lu.device); // the meta kernel: X's shape
        }
        return luSolve(host(lu), piv.toLongArray(), b3, lu.dtype, false);
    }

    /** X with {@code A X = B} for complex a3 [B, n, n] and b3 [B, n, k], a zero pivot replaced by eps when perturb. */
    static Tensor solveRaw(Tensor a3, Tensor b3, boolean perturb) {
        int b = a3.shape[0];
        int n = a3.shape[1];
        if (a3.device.isMeta()) {
            return Creation.empty(b3.shape.clone(), a3.dtype, a3.device); // the meta kernel: X's shape
        }
        double[] a = host(a3);
        long[] piv = new long[b * n];
        for (int i = 0; i < b; i++) {
            luInPlace(a, i * n * n, n, piv, i * n);
        }
        return luSolve(a, piv, b3, a3.dtype, perturb);
    }

    private static Tensor luSolve(double[] lu, long[] piv, Tensor b3, DType type, boolean perturb) {
        int b = b3.shape[0];
        int n = b3.shape[1];
        int k = b3.shape[2];
        double[] x = host(b3);
        double eps = type == DType.COMPLEX64 ? Math.ulp(1.0f) : Math.ulp(1.0);
        for (int i = 0; i < b && n > 0; i++) {
            luSolveInPlace(lu, i * n * n, piv, i * n, x, i * n * k, n, k, perturb, eps);
        }
        return complexOf(x, b3.shape.clone(), type, b3.device);
    }

    /** The parity sign of LU pivots of matrix i. */
    private static int parity(long[] piv, int i, int n) {
        int s = 1;
        for (int j = 0; j < n; j++) {
            if (piv[i * n + j] != j + 1) {
                s = -s;
            }
        }
        return s;
    }

    /** The determinants of a complex [B, n, n] tensor ([B], its type): the product of U's diagonal, times the pivots' sign. */
    static Tensor det(Tensor a3) {
        int b = a3.shape[0];
        int n = a3.shape[1];
        if (a3.device.isMeta()) {
            return Creation.empty(new int[] {b}, a3.dtype, a3.device); // the meta kernel: the determinants' shape
        }
        double[] a = host(a3);
        long[] piv = new long[b * n];
        double[] out = new double[2 * b];
        for (int i = 0; i < b; i++) {
            luInPlace(a, i * n * n, n, piv, i * n);
            double pr = 1;
            double pi = 0;
            for (int j = 0; j < n; j++) {
                int d = 2 * (i * n * n + j * n + j);
                double r = pr * a[d] - pi * a[d + 1];
                pi = pr * a[d + 1] + pi * a[d];
                pr = r;
            }
            int s = parity(piv, i, n);
            out[2 * i] = s * pr;
            out[2 * i + 1] = s * pi;
        }
        return complexOf(out, new int[] {b}, a3.dtype, a3.device);
    }

    /**
     * {@code slogdet} of a complex [B, n, n] tensor: {sign [B] (its type: the product of {@code sgn} of U's diagonal
     * times the pivots' sign, 0 for a singular matrix), logabsdet [B] (the real type: the sum of {@code log |u_jj|})}.
     */
    static Tensor[] slogdet(Tensor a3) {
        int b = a3.shape[0];
        int n = a3.shape[1];
        if (a3.device.isMeta()) { // the meta kernel: the sign in a3's type, logabsdet in the real type
            return new Tensor[] {Creation.empty(new int[] {b}, a3.dtype, a3.device),
                Creation.empty(new int[] {b}, a3.dtype.toReal(), a3.device)};
        }
        double[] a = host(a3);
        long[] piv = new long[b * n];
        double[] sign = new double[2 * b];
        double[] logabs = new double[b];
        for (int i = 0; i < b; i++) {
            luInPlace(a, i * n * n, n, piv, i * n);
            double pr = parity(piv, i, n);
            double pi = 0;
            double la = 0;
            for (int j = 0; j < n; j++) {
                int d = 2 * (i * n * n + j * n + j);
                double m = Math.hypot(a[d], a[d + 1]);
                double ur = m == 0 ? 0 : a[d] / m;
                double ui = m == 0 ? 0 : a[d + 1] / m;
                double r = pr * ur - pi * ui;
                pi = pr * ui + pi * ur;
                pr = r;
                la += Math.log(m);
            }
            sign[2 * i] = pr;
            sign[2 * i + 1] = pi;
            logabs[i] = la;
        }
        try (GradMode off = Ember.noGrad()) {
            return new Tensor[] {complexOf(sign, new int[] {b}, a3.dtype, a3.device),
                Creation.fromFlat(logabs, new int[] {b}, DType.FLOAT64, Device.CPU).to(a3.dtype.toReal()).to(a3.device)};
        }
    }

    /**
     * The Cholesky factors L (A = L L^H, lower triangle, zeros above) of the Hermitian matrices whose lower triangles
     * are a3's [B, n, n] (LAPACK's {@code zpotf2}: the diagonal's imaginary parts ignored): {L, info (int64 [B]: 0, or
     * the order of the first leading minor that is not positive-definite, where zpotf2 stops)}.
     */
    static Tensor[] cholesky(Tensor a3) {
        int b = a3.shape[0];
        int n = a3.shape[1];
        if (a3.device.isMeta()) { // the meta kernel: L's shape and a meta info, nothing factored
            return new Tensor[] {Creation.empty(a3.shape.clone(), a3.dtype, a3.device),
                Creation.empty(new int[] {b}, DType.INT64, a3.device)};
        }
        double[] a = host(a3);
        double[] l = new double[a.length];
        long[] info = new long[b];
        for (int m = 0; m < b; m++) {
            int o = m * n * n;
            for (int j = 0; j < n && info[m] == 0; j++) {
                double ajj = a[2 * (o + j * n + j)];
                for (int k = 0; k < j; k++) {
                    int q = 2 * (o + j * n + k);
                    ajj -= l[q] * l[q] + l[q + 1] * l[q + 1];
                }
                if (!(ajj > 0)) {
                    // zpotf2 stops: the diagonal entry holds ajj, the columns from j on keep A's lower triangle
                    info[m] = j + 1;
                    for (int c = j; c < n; c++) {
                        for (int i = c; i < n; i++) {
                            int x = 2 * (o + i * n + c);
                            l[x] = a[x];
                            l[x + 1] = a[x + 1];
                        }
                    }
                    l[2 * (o + j * n + j)] = ajj;
                    l[2 * (o + j * n + j) + 1] = 0;
                    break;
                }
                double d = Math.sqrt(ajj);
                l[2 * (o + j * n + j)] = d;
                for (int i = j + 1; i < n; i++) {
                    int x = 2 * (o + i * n + j);
                    double sr = a[x];
                    double si = a[x + 1];
                    for (int k = 0; k < j; k++) {
                        int p = 2 * (o + i * n + k);
                        int q = 2 * (o + j * n + k);
                        // L[i][k] conj(L[j][k])
                        sr -= l[p] * l[q] + l[p + 1] * l[q + 1];
                        si -= l[p + 1] * l[q] - l[p] * l[q + 1];
                    }
                    l[x] = sr / d;
                    l[x + 1] = si / d;
                }
            }
        }
        try (GradMode off = Ember.noGrad()) {
            return new Tensor[] {complexOf(l, a3.shape.clone(), a3.dtype, a3.device),
                Creation.fromFlat(info, new int[] {b}, DType.INT64, Device.CPU).to(a3.device)};
        }
    }

    /**
     * X with {@code A X = B} for triangular complex a3 [B, n, n] (its upper or lower triangle read, a unit diagonal
     * assumed when {@code unit}) and b3 [B, n, k] ({@code ztrsm}'s substitution; a zero diagonal gives infinities or NaN).
     */
    static Tensor triSolve(Tensor a3, Tensor b3, boolean upper, boolean unit) {
        int b = b3.shape[0];
        int n = b3.shape[1];
        int k = b3.shape[2];
        if (a3.device.isMeta()) {
            return Creation.empty(b3.shape.clone(), a3.dtype, a3.device); // the meta kernel: X's shape
        }
        double[] a = host(a3);
        double[] x = host(b3);
        for (int m = 0; m < b; m++) {
            substitute(a, m * n * n, x, m * n * k, n, k, upper, unit, false, 0);
        }
        return complexOf(x, b3.shape.clone(), b3.dtype, b3.device);
    }

    /**
     * Forward ({@code upper} false) or back substitution in place: x (n-by-k at pair offset xo) becomes T^-1 x for the
     * triangle of a (n-by-n at ao), a unit diagonal assumed when {@code unit}, an exactly zero diagonal entry replaced
     * by {@code eps} when {@code perturb}.
     */
    private static void substitute(double[] a, int ao, double[] x, int xo, int n, int k, boolean upper, boolean unit,
            boolean perturb, double eps) {
        for (int c = 0; c < k; c++) {
            for (int t = 0; t < n; t++) {
                int i = upper ? n - 1 - t : t;
                int y = 2 * (xo + i * k + c);
                double sr = x[y];
                double si = x[y + 1];
                for (int j = upper ? i + 1 : 0; j < (upper ? n : i); j++) {
                    int p = 2 * (ao + i * n + j);
                    int q = 2 * (xo + j * k + c);
                    sr -= a[p] * x[q] - a[p + 1] * x[q + 1];
                    si -= a[p] * x[q + 1] + a[p + 1] * x[q];
                }
                if (unit) {
                    x[y] = sr;
                    x[y + 1] = si;
                } else {
                    int d = 2 * (ao + i * n + i);
                    double dr = a[d];
                    double di = a[d + 1];
                    if (perturb && dr == 0 && di == 0) {
                        dr = eps;
                    }
                    double[] r = div(sr, si, dr, di);
                    x[y] = r[0];
                    x[y + 1] = r[1];
                }
            }
        }
    }

    /**
     * Eigenvalues (ascending, the real type, [B, n]) and unit eigenvectors (columns, a3's type, [B, n, n]; null unless
     * {@code vectors}) of the Hermitian matrices whose lower ({@code upper} false) or upper triangles are a3's, the
     * diagonal's imaginary parts ignored as LAPACK's {@code zheevd}: cyclic complex Jacobi rotations in double until the
     * off-diagonal part is below {@code eps^2} of the matrix's norm (each eigenvector's phase is the rotations', not
     * LAPACK's: eigenvectors are defined up to a unit factor).
     */
    static Tensor[] eigh(Tensor a3, boolean upper, boolean vectors) {
        int b = a3.shape[0];
        int n = a3.shape[1];
        if (a3.device.isMeta()) { // the meta kernel: real eigenvalues and complex vectors of their shapes
            return new Tensor[] {Creation.empty(new int[] {b, n}, a3.dtype.toReal(), a3.device),
                vectors ? Creation.empty(a3.shape.clone(), a3.dtype, a3.device) : null};
        }
        double[] a = host(a3);
        double[] w = new double[b * n];
        double[] v = new double[2 * b * n * n];
        for (int m = 0; m < b; m++) {
            int o = 2 * m * n * n;
            double[] h = new double[2 * n * n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    boolean stored = upper ? j >= i : j <= i;
                    int src = o + 2 * (stored ? i * n + j : j * n + i);
                    h[2 * (i * n + j)] = a[src];
                    h[2 * (i * n + j) + 1] = i == j ? 0 : stored ? a[src + 1] : -a[src + 1];
                }
            }
            double[] z = new double[2 * n * n];
            for (int i = 0; i < n; i++) {
                z[2 * (i * n + i)] = 1;
            }
            jacobi(h, z, n);
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, (x, y) -> Double.compare(h[2 * (x * n + x)], h[2 * (y * n + y)]));
            for (int k = 0; k < n; k++) {
                int c = order[k];
                w[m * n + k] = h[2 * (c * n + c)];
                for (int i = 0; i < n; i++) {
                    v[o + 2 * (i * n + k)] = z[2 * (i * n + c)];
                    v[o + 2 * (i * n + k) + 1] = z[2 * (i * n + c) + 1];
                }
            }
        }
        try (GradMode off = Ember.noGrad()) {
            Tensor l = Creation.fromFlat(w, new int[] {b, n}, DType.FLOAT64, Device.CPU).to(a3.dtype.toReal()).to(a3.device);
            return new Tensor[] {l, vectors ? complexOf(v, a3.shape.clone(), a3.dtype, a3.device) : null};
        }
    }

    /** Cyclic Jacobi on a Hermitian h (interleaved, n-by-n), accumulating the rotations into z's columns. */
    private static void jacobi(double[] h, double[] z, int n) {
        double total = 0;
        for (double x : h) {
            total += x * x;
        }
        double tol = total * Math.ulp(1.0) * Math.ulp(1.0);
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    off += h[2 * (p * n + q)] * h[2 * (p * n + q)] + h[2 * (p * n + q) + 1] * h[2 * (p * n + q) + 1];
                }
            }
            if (!(off > tol)) {
                return;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    rotate(h, z, n, p, q);
                }
            }
        }
    }

    /** One Jacobi rotation zeroing h[p][q]: {@code h = U^H h U}, {@code z = z U}, U = diag(1, e^{-i phi}) R(c, s). */
    private static void rotate(double[] h, double[] z, int n, int p, int q) {
        double re = h[2 * (p * n + q)];
        double im = h[2 * (p * n + q) + 1];
        double r = Math.hypot(re, im);
        if (r == 0) {
            return;
        }
        double app = h[2 * (p * n + p)];
        double aqq = h[2 * (q * n + q)];
        double tau = (aqq - app) / (2 * r);
        double t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        double c = 1 / Math.sqrt(1 + t * t);
        double s = t * c;
        // e^{-i phi} = conj(a_pq) / r
        double er = re / r;
        double ei = -im / r;
        // U = [[c, s], [-s e, c e]] on (p, q)
        double[] u = {c, 0, s, 0, -s * er, -s * ei, c * er, c * ei};
        applyColumns(h, n, n, p, q, u);
        applyColumns(z, n, n, p, q, u);
        // rows: h = U^H h
        for (int j = 0; j < n; j++) {
            mix(h, 2 * (p * n + j), 2 * (q * n + j), u, true);
        }
        h[2 * (p * n + q)] = 0;
        h[2 * (p * n + q) + 1] = 0;
        h[2 * (q * n + p)] = 0;
        h[2 * (q * n + p) + 1] = 0;
        h[2 * (p * n + p) + 1] = 0;
        h[2 * (q * n + q) + 1] = 0;
    }

    /** Columns p and q of an m-by-n interleaved matrix times the 2-by-2 u ({u_pp, u_pq, u_qp, u_qq} interleaved). */
    private static void applyColumns(double[] x, int m, int n, int p, int q, double[] u) {
        for (int i = 0; i < m; i++) {
            mix(x, 2 * (i * n + p), 2 * (i * n + q), u, false);
        }
    }

    /**
     * The complex pair (x_a, x_b) replaced by {@code (x_a u_pp + x_b u_qp, x_a u_pq + x_b u_qq)}, u's entries conjugated
     * when {@code conj} (a column pair times u, or, conjugated, a row pair times U^H).
     */
    private static void mix(double[] x, int a, int b, double[] u, boolean conj) {
        double s = conj ? -1 : 1;
        double ar = x[a];
        double ai = x[a + 1];
        double br = x[b];
        double bi = x[b + 1];
        x[a] = ar * u[0] - ai * s * u[1] + br * u[4] - bi * s * u[5];
        x[a + 1] = ar * s * u[1] + ai * u[0] + br * s * u[5] + bi * u[4];
        x[b] = ar * u[2] - ai * s * u[3] + br * u[6] - bi * s * u[7];
        x[b + 1] = ar * s * u[3] + ai * u[2] + br * s * u[7] + bi * u[6];
    }

    /**
     * QR of complex a3 [B, m, n] by Householder reflectors as LAPACK's {@code zgeqr2} ({@code zlarfg}: R's diagonal real,
     * of the sign opposite to the pivot's real part) and {@code zung2r} (Q = H(1) ... H(k)): {Q [B, m, rows] (null
     * unless computeQ), R [B, rows, n]}, rows = min(m, n) when reduced, else m.
     */
    static Tensor[] qr(Tensor a3, boolean computeQ, boolean reduced) {
        int b = a3.shape[0];
        int m = a3.shape[1];
        int n = a3.shape[2];
        int k = Math.min(m, n);
        int rows = reduced ? k : m;
        if (a3.device.isMeta()) { // the meta kernel: Q's and R's shapes, nothing decomposed
            return new Tensor[] {computeQ ? Creation.empty(new int[] {b, m, rows}, a3.dtype, a3.device) : null,
                Creation.empty(new int[] {b, rows, n}, a3.dtype, a3.device)};
        }
        double[] a = host(a3);
        double[] q = new double[2 * b * m * rows];
        double[] r = new double[2 * b * rows * n];
        double[] tau = new double[2 * k];
        for (int t = 0; t < b; t++) {
            int o = t * m * n;
            for (int i = 0; i < k; i++) {
                householder(a, o, m, n, i, tau);
                // A(i:m, i+1:n) = H(i)^H A(i:m, i+1:n)
                reflect(a, o, n, i, m, i + 1, n, tau[2 * i], -tau[2 * i + 1], i);
            }
            for (int i = 0; i < rows; i++) {
                for (int j = i; j < n; j++) {
                    r[2 * (t * rows * n + i * n + j)] = a[2 * (o + i * n + j)];
                    r[2 * (t * rows * n + i * n + j) + 1] = a[2 * (o + i * n + j) + 1];
                }
            }
            if (computeQ) {
                int qo = t * m * rows;
                double[] qt = new double[2 * m * rows];
                for (int i = 0; i < rows; i++) {
                    qt[2 * (i * rows + i)] = 1;
                }
                for (int i = k - 1; i >= 0; i--) {
                    // the reflector's vector is column i of a below the diagonal: copy it next to Q's
                    reflectWith(qt, rows, a, o, n, i, m, tau[2 * i], tau[2 * i + 1]);
                }
                System.arraycopy(qt, 0, q, 2 * qo, qt.length);
            }
        }
        try (GradMode off = Ember.noGrad()) {
            return new Tensor[] {computeQ ? complexOf(q, new int[] {b, m, rows}, a3.dtype, a3.device) : null,
                complexOf(r, new int[] {b, rows, n}, a3.dtype, a3.device)};
        }
    }

    /**
     * {@code torch.geqrf} of complex a3 [B, m, n]: LAPACK's {@code zgeqr2} ({@link #householder}'s {@code zlarfg} on
     * each column, then {@code H(i)^H} applied to the columns to its right), {A [B, m, n] (R on and above the
     * diagonal, its diagonal real; the reflectors' vectors below it), tau [B, min(m, n)]} with {@code H(i) = I - tau_i
     * v_i v_i^H}.
     */
    static Tensor[] geqrf(Tensor a3) {
        int b = a3.shape[0];
        int m = a3.shape[1];
        int n = a3.shape[2];
        int k = Math.min(m, n);
        double[] a = host(a3);
        double[] taus = new double[2 * b * k];
        double[] tau = new double[2 * k];
        for (int t = 0; t < b; t++) {
            int o = t * m * n;
            for (int i = 0; i < k; i++) {
                householder(a, o, m, n, i, tau);
                reflect(a, o, n, i, m, i + 1, n, tau[2 * i], -tau[2 * i + 1], i);
            }
            System.arraycopy(tau, 0, taus, 2 * t * k, 2 * k);
        }
        try (GradMode off = Ember.noGrad()) {
            return new Tensor[] {complexOf(a, new int[] {b, m, n}, a3.dtype, a3.device),
                complexOf(taus, new int[] {b, k}, a3.dtype, a3.device)};
        }
    }

    /** {@code zlarfg} on column i of a (rows i..m-1): beta on the diagonal, v below it (v_0 = 1 implied), tau[i]. */
    private static void householder(double[] a, int o, int m, int n, int i, double[] tau) {
        int d = 2 * (o + i * n + i);
        double alphr = a[d];
        double alphi = a[d + 1];
        double xnorm = 0;
        for (int row = i + 1; row < m; row++) {
            int x = 2 * (o + row * n + i);
            xnorm = Math.hypot(xnorm, Math.hypot(a[x], a[x + 1]));
        }
        if (xnorm == 0 && alphi == 0) {
            tau[2 * i] = 0;
            tau[2 * i + 1] = 0;
            return;
        }
        double beta = -Math.copySign(Math.hypot(Math.hypot(alphr, alphi), xnorm), alphr);
        tau[2 * i] = (beta - alphr) / beta;
        tau[2 * i + 1] = -alphi / beta;
        double[] scale = div(1, 0, alphr - beta, alphi);
        for (int row = i + 1; row < m; row++) {
            int x = 2 * (o + row * n + i);
            double xr = a[x];
            a[x] = xr * scale[0] - a[x + 1] * scale[1];
            a[x + 1] = xr * scale[1] + a[x + 1] * scale[0];
        }
        a[d] = beta;
        a[d + 1] = 0;
    }

    /**
     * {@code x(r0:m, c0:c1) = (I - t v v^H) x(r0:m, c0:c1)}, t = (tr, ti), v = column vc of x below row r0 with v_0 = 1
     * ({@code zlarf} from the left; x has n columns at pair offset o).
     */
    private static void reflect(double[] x, int o, int n, int r0, int m, int c0, int c1, double tr, double ti, int vc) {
        reflectWith(x, n, x, o, n, vc, m, tr, ti, r0, c0, c1, o);
    }

    /** Q(i:m, i:rows) = H(i) Q(i:m, i:rows) for the reflector in column i of a (zung2r's step). */
    private static void reflectWith(double[] qt, int rows, double[] a, int o, int n, int i, int m, double tr, double ti) {
        reflectWith(qt, rows, a, o, n, i, m, tr, ti, i, i, rows, 0);
    }

    private static void reflectWith(double[] x, int xn, double[] a, int o, int n, int vc, int m, double tr, double ti,
            int r0, int c0, int c1, int xo) {
        for (int j = c0; j < c1; j++) {
            // w = v^H x(:, j)
            int top = 2 * (xo + r0 * xn + j);
            double wr = x[top];
            double wi = x[top + 1];
            for (int row = r0 + 1; row < m; row++) {
                int v = 2 * (o + row * n + vc);
                int y = 2 * (xo + row * xn + j);
                wr += a[v] * x[y] + a[v + 1] * x[y + 1];
                wi += a[v] * x[y + 1] - a[v + 1] * x[y];
            }
            // x(:, j) -= t w v
            double sr = tr * wr - ti * wi;
            double si = tr * wi + ti * wr;
            x[top] -= sr;
            x[top + 1] -= si;
            for (int row = r0 + 1; row < m; row++) {
                int v = 2 * (o + row * n + vc);
                int y = 2 * (xo + row * xn + j);
                x[y] -= sr * a[v] - si * a[v + 1];
                x[y + 1] -= sr * a[v + 1] + si * a[v];
            }
        }
    }
}
