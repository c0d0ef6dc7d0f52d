package dev.ember;

import java.util.Arrays;

/**
 * The host kernel of complex {@code torch.linalg.svd}: one-sided (Hestenes) Jacobi on the columns of A (of
 * {@code A^H} when A is wide), in double precision as {@link ComplexLinalg}'s kernels (complex64 rounded once at the
 * end). Each rotation of a column pair (p, q) is the unitary {@code [[c, s e^{i phi}], [-s e^{-i phi}, c]]} with
 * {@code e^{i phi}} the phase of {@code w_p^H w_q}, which makes the pair orthogonal; the sweeps stop when every pair
 * is orthogonal to {@code sqrt(rows) eps} of its norms. The singular values are the columns' norms, descending; the
 * left vectors the normalized columns, completed (rank-deficient or full_matrices) by the unit vectors orthogonalized
 * against them; the right vectors the accumulated rotations. Singular vectors are unique only up to a unit factor per
 * pair (LAPACK's phases are not reproduced), which is why PyTorch's svd_backward asks for phase-invariant losses.
 */
final class ComplexSvd {
    private ComplexSvd() {
    }

    /** Sweeps after which the iterations stop even if not converged (they converge quadratically: ~10 suffice). */
    private static final int MAX_SWEEPS = 60;

    /**
     * The SVDs of complex a3 [B, m, n]: {U [B, m, ucols] (null unless computeUv), S [B, k] (the real type), Vh [B, vrows,
     * n] (null unless computeUv), info [B] (int64: 0, or -4 for a matrix with a NaN, LAPACK 3.10's gesdd code)}, with
     * k = min(m, n), ucols and vrows m and n when fullMatrices, else k. An infinite element without NaN gives NaN.
     */
    static Tensor[] svd(Tensor a3, boolean fullMatrices, boolean computeUv) {
        int b = a3.shape[0];
        int m = a3.shape[1];
        int n = a3.shape[2];
        int k = Math.min(m, n);
        boolean wide = m < n;
        int rows = Math.max(m, n);
        int ucols = fullMatrices ? m : k;
        int vrows = fullMatrices ? n : k;
        // the work matrix's left vectors: U (tall) or V (wide), with as many columns as that side needs
        int lcols = wide ? vrows : ucols;
        if (a3.device.isMeta()) {
            // the meta kernel: the factors' shapes and types, nothing decomposed
            Tensor sv = Creation.empty(new int[] {b, k}, a3.dtype.toReal(), a3.device);
            Tensor in = Creation.empty(new int[] {b}, DType.INT64, a3.device);
            return computeUv ? new Tensor[] {Creation.empty(new int[] {b, m, ucols}, a3.dtype, a3.device), sv,
                Creation.empty(new int[] {b, vrows, n}, a3.dtype, a3.device), in} : new Tensor[] {null, sv, null, in};
        }
        double[] a = ComplexLinalg.host(a3);
        double[] s = new double[b * k];
        double[] u = computeUv ? new double[2 * b * m * ucols] : null;
        double[] vh = computeUv ? new double[2 * b * vrows * n] : null;
        long[] info = new long[b];
        for (int t = 0; t < b; t++) {
            int o = 2 * t * m * n;
            // column c of the work matrix: column c of A (tall), or of A^H (conj of row c of A) when wide
            double[] w = new double[2 * rows * k];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    int src = o + 2 * (i * n + j);
                    int dst = 2 * (wide ? i * rows + j : j * rows + i);
                    w[dst] = a[src];
                    w[dst + 1] = wide ? -a[src + 1] : a[src + 1];
                }
            }
            double[] v = new double[2 * k * k];
            for (int i = 0; i < k; i++) {
                v[2 * (i * k + i)] = 1;
            }
            double[] sv = new double[k];
            int[] order = new int[k];
            info[t] = jacobi(w, rows, k, v, sv, order);
            for (int j = 0; j < k; j++) {
                s[t * k + j] = sv[j];
            }
            if (!computeUv) {
                continue;
            }
            boolean nan = k > 0 && Double.isNaN(sv[0]);
            double[] left = leftVectors(w, rows, k, order, lcols, nan);
            // right vectors of the work matrix: column j is v's column order[j]
            int uo = 2 * t * m * ucols;
            int vo = 2 * t * vrows * n;
            for (int i = 0; i < (wide ? m : n); i++) {
                for (int j = 0; j < k; j++) {
                    int src = 2 * (order[j] * k + i);
                    double re = nan ? Double.NaN : v[src];
                    double im = nan ? Double.NaN : v[src + 1];
                    if (wide) {
                        // A = R S L^H: U = R
                        u[uo + 2 * (i * ucols + j)] = re;
                        u[uo + 2 * (i * ucols + j) + 1] = im;
                    } else {
                        // Vh = V^H: Vh[j][i] = conj(V[i][j])
                        vh[vo + 2 * (j * n + i)] = re;
                        vh[vo + 2 * (j * n + i) + 1] = -im;
                    }
                }
            }
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < lcols; j++) {
                    double re = left[2 * (j * rows + i)];
                    double im = left[2 * (j * rows + i) + 1];
                    if (wide) {
                        // Vh = L^H: Vh[j][i] = conj(L[i][j])
                        vh[vo + 2 * (j * n + i)] = re;
                        vh[vo + 2 * (j * n + i) + 1] = -im;
                    } else {
                        u[uo + 2 * (i * ucols + j)] = re;
                        u[uo + 2 * (i * ucols + j) + 1] = im;
                    }
                }
            }
        }
        try (GradMode off = Ember.noGrad()) {
            Tensor sv = Creation.fromFlat(s, new int[] {b, k}, DType.FLOAT64, Device.CPU).to(a3.dtype.toReal())
                    .to(a3.device);
            Tensor in = Creation.fromFlat(info, new int[] {b}, DType.INT64, Device.CPU).to(a3.device);
            if (!computeUv) {
                return new Tensor[] {null, sv, null, in};
            }
            return new Tensor[] {ComplexLinalg.complexOf(u, new int[] {b, m, ucols}, a3.dtype, a3.device), sv,
                ComplexLinalg.complexOf(vh, new int[] {b, vrows, n}, a3.dtype, a3.device), in};
        }
    }

    /**
     * One-sided Jacobi on w (rows x cols, column-major interleaved, rows at least cols), the rotations accumulated into
     * v (cols x cols, column-major): sv receives the singular values descending and order the columns they came from.
     * Returns -4 for a NaN (sv all NaN), also NaN for an infinity (returning 0).
     */
    private static int jacobi(double[] w, int rows, int cols, double[] v, double[] sv, int[] order) {
        double amax = 0;
        boolean nan = false;
        for (double x : w) {
            nan |= Double.isNaN(x);
            amax = Math.max(amax, Math.abs(x));
        }
        for (int i = 0; i < cols; i++) {
            order[i] = i;
        }
        if (nan || Double.isInfinite(amax)) {
            Arrays.fill(sv, Double.NaN);
            return nan ? -4 : 0;
        }
        if (amax == 0) {
            return 0;
        }
        // a power of two: exact, so a denormal largest element is scaled up without overflow or rounding
        double up = Math.scalb(1.0, -Math.getExponent(amax));
        for (int i = 0; i < w.length; i++) {
            w[i] *= up;
        }
        double tol = Math.sqrt(rows) * Math.ulp(1.0);
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            boolean rotated = false;
            for (int p = 0; p < cols - 1; p++) {
                for (int q = p + 1; q < cols; q++) {
                    rotated |= rotate(w, rows, v, cols, p, q, tol);
                }
            }
            if (!rotated) {
                break;
            }
        }
        double[] norms = new double[cols];
        for (int c = 0; c < cols; c++) {
            norms[c] = norm(w, c * rows, rows);
        }
        Integer[] idx = new Integer[cols];
        for (int i = 0; i < cols; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (x, y) -> Double.compare(norms[y], norms[x]));
        for (int j = 0; j < cols; j++) {
            order[j] = idx[j];
            sv[j] = norms[idx[j]] / up;
        }
        // the left vectors are read from w, normalized: its scale does not matter any more
        return 0;
    }

    /** The 2-norm of the complex vector of {@code len} pairs at pair offset {@code off}. */
    private static double norm(double[] x, int off, int len) {
        double ss = 0;
        for (int i = 0; i < len; i++) {
            double re = x[2 * (off + i)];
            double im = x[2 * (off + i) + 1];
            ss += re * re + im * im;
        }
        return Math.sqrt(ss);
    }

    /**
     * Orthogonalizes columns p and q of w (and rotates v's alike) unless they already are to {@code tol}; returns
     * whether it rotated.
     */
    private static boolean rotate(double[] w, int rows, double[] v, int cols, int p, int q, double tol) {
        double alpha = 0;
        double beta = 0;
        double gr = 0;
        double gi = 0;
        for (int i = 0; i < rows; i++) {
            int x = 2 * (p * rows + i);
            int y = 2 * (q * rows + i);
            alpha += w[x] * w[x] + w[x + 1] * w[x + 1];
            beta += w[y] * w[y] + w[y + 1] * w[y + 1];
            // conj(w_p) w_q
            gr += w[x] * w[y] + w[x + 1] * w[y + 1];
            gi += w[x] * w[y + 1] - w[x + 1] * w[y];
        }
        double g = Math.hypot(gr, gi);
        if (g == 0 || g <= tol * Math.sqrt(alpha) * Math.sqrt(beta)) {
            return false;
        }
        double zeta = (beta - alpha) / (2 * g);
        double t = Math.copySign(1.0, zeta) / (Math.abs(zeta) + Math.hypot(1.0, zeta));
        double c = 1 / Math.sqrt(1 + t * t);
        double sn = c * t;
        // e^{i phi} = gamma / |gamma|: new p = c p - s e^{-i phi} q, new q = s e^{i phi} p + c q
        double er = gr / g;
        double ei = gi / g;
        mix(w, rows, p, q, c, sn, er, ei);
        mix(v, cols, p, q, c, sn, er, ei);
        return true;
    }

    /** Columns p and q (of {@code len} pairs each) of x times the rotation of {@link #rotate}. */
    private static void mix(double[] x, int len, int p, int q, double c, double sn, double er, double ei) {
        for (int i = 0; i < len; i++) {
            int a = 2 * (p * len + i);
            int b = 2 * (q * len + i);
            double pr = x[a];
            double pi = x[a + 1];
            double qr = x[b];
            double qi = x[b + 1];
            // e^{-i phi} q = (er - i ei)(qr + i qi); e^{i phi} p = (er + i ei)(pr + i pi)
            x[a] = c * pr - sn * (er * qr + ei * qi);
            x[a + 1] = c * pi - sn * (er * qi - ei * qr);
            x[b] = sn * (er * pr - ei * pi) + c * qr;
            x[b + 1] = sn * (er * pi + ei * pr) + c * qi;
        }
    }

    /**
     * The first lcols left singular vectors (rows x lcols, column-major interleaved): the columns of w in {@code order},
     * normalized, while their norms are not negligible; then unit vectors orthogonalized (twice) against those found,
     * each time the one that keeps the most of its length, so the columns are orthonormal whatever the rank.
     */
    private static double[] leftVectors(double[] w, int rows, int cols, int[] order, int lcols, boolean nan) {
        double[] left = new double[2 * rows * lcols];
        if (nan) {
            Arrays.fill(left, Double.NaN);
            return left;
        }
        int r = 0;
        for (int j = 0; j < cols; j++) {
            int c = order[j];
            double nrm = norm(w, c * rows, rows);
            if (!(nrm > 1e-290)) {
                break; // sorted: the rest are negligible too
            }
            for (int i = 0; i < rows; i++) {
                left[2 * (j * rows + i)] = w[2 * (c * rows + i)] / nrm;
                left[2 * (j * rows + i) + 1] = w[2 * (c * rows + i) + 1] / nrm;
            }
            r++;
        }
        double[] e = new double[2 * rows];
        double[] best = new double[2 * rows];
        for (int j = r; j < lcols; j++) {
            double bestNorm = -1;
            for (int unit = 0; unit < rows; unit++) {
                Arrays.fill(e, 0);
                e[2 * unit] = 1;
                for (int pass = 0; pass < 2; pass++) {
                    orthogonalize(e, left, rows, j);
                }
                double nrm = norm(e, 0, rows);
                if (nrm > bestNorm) {
                    bestNorm = nrm;
                    System.arraycopy(e, 0, best, 0, e.length);
                }
            }
            for (int pass = 0; pass < 2; pass++) {
                orthogonalize(best, left, rows, j);
            }
            double nrm = norm(best, 0, rows);
            for (int i = 0; i < 2 * rows; i++) {
                left[2 * j * rows + i] = best[i] / nrm;
            }
        }
        return left;
    }

    /** {@code e -= Q (Q^H e)} for Q the first {@code cols} columns of q (rows x ..., column-major interleaved). */
    private static void orthogonalize(double[] e, double[] q, int rows, int cols) {
        for (int c = 0; c < cols; c++) {
            double dr = 0;
            double di = 0;
            for (int i = 0; i < rows; i++) {
                int x = 2 * (c * rows + i);
                dr += q[x] * e[2 * i] + q[x + 1] * e[2 * i + 1];
                di += q[x] * e[2 * i + 1] - q[x + 1] * e[2 * i];
            }
            for (int i = 0; i < rows; i++) {
                int x = 2 * (c * rows + i);
                e[2 * i] -= dr * q[x] - di * q[x + 1];
                e[2 * i + 1] -= dr * q[x + 1] + di * q[x];
            }
        }
    }
}
