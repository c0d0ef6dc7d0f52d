package dev.ember;

/**
 * The host kernels of {@code torch.linalg.eig}: eigenvalues and right eigenvectors of one general square matrix in double
 * precision, by the steps of LAPACK's {@code dgeev} (real input) and {@code zgeev} (complex input), so the eigenvalues
 * come out in the order LAPACK's Schur form leaves them and the eigenvectors with its normalization:
 * <ol>
 * <li>balancing ({@code gebal}, job 'B'): permutations that isolate eigenvalues, then power-of-two scalings that even out
 * row and column norms;</li>
 * <li>Householder reduction to upper Hessenberg form ({@code gehd2}) and the product of its reflectors ({@code orghr});</li>
 * <li>the small-matrix QR algorithm of {@code lahqr} on the Hessenberg matrix, accumulating the Schur vectors: Francis
 * double shifts for a real matrix (ending in real Schur form, its 2-by-2 blocks standardized as {@code dlanv2} does),
 * single Wilkinson shifts for a complex one; Ahues and Tisseur's deflation test, exceptional shifts every tenth
 * iteration without a deflation, and at most 30 iterations per eigenvalue before giving up (info &gt; 0);</li>
 * <li>eigenvectors of the (quasi-)triangular factor by back substitution ({@code trevc}), multiplied by the Schur
 * vectors, the balancing undone ({@code gebak});</li>
 * <li>each eigenvector scaled to unit 2-norm and turned so that its largest component is real (for a real matrix's
 * complex pair, by {@code dlartg}'s rotation, so the pair's vectors are conjugate).</li>
 * </ol>
 * Matrices are row-major {@code n * n} double arrays (complex ones as separate real and imaginary arrays). LAPACK uses
 * {@code dlaqr0} (aggressive early deflation) from n = 75 on; this class keeps {@code lahqr} for every size, so the order
 * of the eigenvalues of larger matrices may differ from LAPACK's (their values and vectors do not).
 */
final class EigSolver {
    private EigSolver() {
    }

    /** LAPACK's dlamch('S'), ('P') and ('E'). */
    private static final double SAFMIN = Double.MIN_NORMAL;
    private static final double ULP = Math.ulp(1.0);
    private static final double EPS = ULP / 2;
    /** The exceptional shift's weights and period ({@code lahqr}'s DAT1, DAT2, KEXSH). */
    private static final double DAT1 = 0.75;
    private static final double DAT2 = -0.4375;
    private static final int KEXSH = 10;

    /** The eigen decomposition of one matrix: values and (when asked for) vectors as columns, complex; info 0 or the failed index. */
    static final class Result {
        final double[] wr;
        final double[] wi;
        final double[] vr;
        final double[] vi;
        int info;

        Result(int n, boolean vectors) {
            wr = new double[n];
            wi = new double[n];
            vr = vectors ? new double[n * n] : null;
            vi = vectors ? new double[n * n] : null;
        }
    }

    // ------------------------------------------------------------------ real input (dgeev)

    /** {@code dgeev(jobvl = 'N', jobvr = vectors ? 'V' : 'N')} on a copy of {@code a0}. */
    static Result real(double[] a0, int n, boolean vectors) {
        Result res = new Result(n, vectors);
        if (n == 0) {
            return res;
        }
        double[] a = a0.clone();
        double anrm = 0;
        for (double x : a) {
            anrm = Math.max(anrm, Math.abs(x));
        }
        double smlnum = Math.sqrt(SAFMIN) / ULP;
        double bignum = 1 / smlnum;
        double cscale = anrm > 0 && anrm < smlnum ? smlnum : anrm > bignum ? bignum : 0;
        if (cscale != 0) {
            scaleBy(a, cscale / anrm);
        }
        double[] scale = new double[n];
        int[] lohi = balance(a, null, n, scale);
        int ilo = lohi[0];
        int ihi = lohi[1];
        double[] tau = new double[n];
        hessenberg(a, null, n, ilo, ihi, tau, null);
        double[] z = vectors ? formQ(a, null, n, ilo, ihi, tau, null)[0] : null;
        double[] wr = res.wr;
        double[] wi = res.wi;
        for (int i = 0; i < n; i++) {
            if (i < ilo || i > ihi) {
                wr[i] = a[i * n + i];
            }
        }
        int info = ilo == ihi ? 0 : lahqrReal(a, n, ilo, ihi, wr, wi, z);
        if (ilo == ihi) {
            wr[ilo] = a[ilo * n + ilo];
        }
        res.info = info;
        if (cscale != 0) {
            for (int i = info; i < n; i++) {
                wr[i] *= anrm / cscale;
                wi[i] *= anrm / cscale;
            }
        }
        if (info > 0 || !vectors) {
            return res;
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i - 1; j++) {
                a[i * n + j] = 0;
            }
        }
        trevcReal(a, n, z);
        backTransform(z, null, n, ilo, ihi, scale);
        // normalize, and turn a pair's largest component real (dgeev's final loop)
        double[] vr = res.vr;
        double[] vi = res.vi;
        for (int j = 0; j < n; j++) {
            if (wi[j] == 0) {
                double nrm = 0;
                for (int k = 0; k < n; k++) {
                    nrm = Math.hypot(nrm, z[k * n + j]);
                }
                for (int k = 0; k < n; k++) {
                    vr[k * n + j] = z[k * n + j] / nrm;
                }
            } else if (wi[j] > 0 && j + 1 < n) {
                double n1 = 0;
                double n2 = 0;
                for (int k = 0; k < n; k++) {
                    n1 = Math.hypot(n1, z[k * n + j]);
                    n2 = Math.hypot(n2, z[k * n + j + 1]);
                }
                double scl = 1 / Math.hypot(n1, n2);
                int kmax = 0;
                double best = -1;
                for (int k = 0; k < n; k++) {
                    z[k * n + j] *= scl;
                    z[k * n + j + 1] *= scl;
                    double m = z[k * n + j] * z[k * n + j] + z[k * n + j + 1] * z[k * n + j + 1];
                    if (m > best) {
                        best = m;
                        kmax = k;
                    }
                }
                double f = z[kmax * n + j];
                double g = z[kmax * n + j + 1];
                double[] csr = lartg(f, g);
                for (int k = 0; k < n; k++) {
                    double x = z[k * n + j];
                    double y = z[k * n + j + 1];
                    vr[k * n + j] = csr[0] * x + csr[1] * y;
                    vi[k * n + j] = csr[0] * y - csr[1] * x;
                }
                vi[kmax * n + j] = 0;
                for (int k = 0; k < n; k++) {
                    vr[k * n + j + 1] = vr[k * n + j];
                    vi[k * n + j + 1] = -vi[k * n + j];
                }
                j++;
            }
        }
        return res;
    }

    /** {@code dlartg} (LAPACK 3.10's): c, s and r with c f + s g = r, c non-negative and r of f's sign. */
    private static double[] lartg(double f, double g) {
        if (g == 0) {
            return new double[] {1, 0, f};
        }
        if (f == 0) {
            return new double[] {0, Math.signum(g), Math.abs(g)};
        }
        double d = Math.hypot(f, g);
        double r = Math.copySign(d, f);
        return new double[] {Math.abs(f) / d, g / r, r};
    }

    private static void scaleBy(double[] a, double s) {
        for (int i = 0; i < a.length; i++) {
            a[i] *= s;
        }
    }

    /**
     * {@code dgebal}/{@code zgebal} with job 'B' on {@code (ar, ai)} (ai null for a real matrix): returns {ilo, ihi}
     * (0-based, inclusive); {@code scale} receives the permutation's indices outside them and the scalings inside.
     */
    static int[] balance(double[] ar, double[] ai, int n, double[] scale) {
        int k = 0;
        int l = n - 1;
        // rows isolating an eigenvalue, pushed down
        boolean again = true;
        while (again) {
            again = false;
            for (int j = l; j >= 0; j--) {
                boolean zero = true;
                for (int i = 0; i <= l && zero; i++) {
                    zero = i == j || (ar[j * n + i] == 0 && (ai == null || ai[j * n + i] == 0));
                }
                if (zero) {
                    scale[l] = j;
                    exchange(ar, ai, n, j, l, k, l);
                    if (l == 0) {
                        return new int[] {k, l};
                    }
                    l--;
                    again = true;
                    break;
                }
            }
        }
        // columns isolating an eigenvalue, pushed left
        again = true;
        while (again) {
            again = false;
            for (int j = k; j <= l; j++) {
                boolean zero = true;
                for (int i = k; i <= l && zero; i++) {
                    zero = i == j || (ar[i * n + j] == 0 && (ai == null || ai[i * n + j] == 0));
                }
                if (zero) {
                    scale[k] = j;
                    exchange(ar, ai, n, j, k, k, l);
                    k++;
                    again = true;
                    break;
                }
            }
        }
        for (int i = k; i <= l; i++) {
            scale[i] = 1;
        }
        double sfmin1 = SAFMIN / ULP;
        double sfmax1 = 1 / sfmin1;
        double sfmin2 = sfmin1 * 2;
        double sfmax2 = 1 / sfmin2;
        boolean noconv = true;
        while (noconv) {
            noconv = false;
            for (int i = k; i <= l; i++) {
                double c = 0;
                double r = 0;
                for (int t = k; t <= l; t++) {
                    c = Math.hypot(c, abs(ar, ai, t * n + i));
                    r = Math.hypot(r, abs(ar, ai, i * n + t));
                }
                double ca = abs(ar, ai, amax(ar, ai, 0, l + 1, n, i * 1, true));
                double ra = abs(ar, ai, amax(ar, ai, k, n, 1, i * n, false));
                if (c == 0 || r == 0) {
                    continue;
                }
                if (Double.isNaN(c + ca + r + ra)) {
                    return new int[] {k, l}; // not reached: callers pass finite matrices
                }
                double g = r / 2;
                double f = 1;
                double s = c + r;
                while (!(c >= g || Math.max(f, Math.max(c, ca)) >= sfmax2 || Math.min(r, Math.min(g, ra)) <= sfmin2)) {
                    f *= 2;
                    c *= 2;
                    ca *= 2;
                    r /= 2;
                    g /= 2;
                    ra /= 2;
                }
                g = c / 2;
                while (!(g < r || Math.max(r, ra) >= sfmax2 || Math.min(Math.min(f, c), Math.min(g, ca)) <= sfmin2)) {
                    f /= 2;
                    c /= 2;
                    g /= 2;
                    ca /= 2;
                    r *= 2;
                    ra *= 2;
                }
                if (c + r >= 0.95 * s) {
                    continue;
                }
                if (f < 1 && scale[i] < 1 && f * scale[i] <= sfmin1) {
                    continue;
                }
                if (f > 1 && scale[i] > 1 && scale[i] >= sfmax1 / f) {
                    continue;
                }
                scale[i] *= f;
                noconv = true;
                for (int t = k; t < n; t++) {
                    ar[i * n + t] /= f;
                    if (ai != null) {
                        ai[i * n + t] /= f;
                    }
                }
                for (int t = 0; t <= l; t++) {
                    ar[t * n + i] *= f;
                    if (ai != null) {
                        ai[t * n + i] *= f;
                    }
                }
            }
        }
        return new int[] {k, l};
    }

    private static double abs(double[] ar, double[] ai, int p) {
        return ai == null ? Math.abs(ar[p]) : Math.hypot(ar[p], ai[p]);
    }

    /**
     * {@code idamax}/{@code izamax} (the first largest |re| + |im|) over a column's rows {@code from..to-1}
     * ({@code column}; {@code base} the column index) or a row's columns ({@code base} the row's start); returns the
     * element's index in the array.
     */
    private static int amax(double[] ar, double[] ai, int from, int to, int n, int base, boolean column) {
        int best = -1;
        double bv = -1;
        for (int t = from; t < to; t++) {
            int p = column ? t * n + base : base + t;
            double v = Math.abs(ar[p]) + (ai == null ? 0 : Math.abs(ai[p]));
            if (v > bv) {
                bv = v;
                best = p;
            }
        }
        return best;
    }

    /** gebal's exchange of index j with m: columns over rows 0..l, rows over columns k..n-1. */
    private static void exchange(double[] ar, double[] ai, int n, int j, int m, int k, int l) {
        if (j == m) {
            return;
        }
        for (double[] x : ai == null ? new double[][] {ar} : new double[][] {ar, ai}) {
            for (int i = 0; i <= l; i++) {
                double t = x[i * n + j];
                x[i * n + j] = x[i * n + m];
                x[i * n + m] = t;
            }
            for (int c = k; c < n; c++) {
                double t = x[j * n + c];
                x[j * n + c] = x[m * n + c];
                x[m * n + c] = t;
            }
        }
    }

    /** {@code gebak('B', 'R')}: the eigenvectors' rows scaled back, then the permutations undone. */
    private static void backTransform(double[] vr, double[] vi, int n, int ilo, int ihi, double[] scale) {
        // no scaling was done when balancing isolated every eigenvalue (scale holds only the permutation then)
        for (int i = ilo; i <= ihi && ilo != ihi; i++) {
            for (int c = 0; c < n; c++) {
                vr[i * n + c] *= scale[i];
                if (vi != null) {
                    vi[i * n + c] *= scale[i];
                }
            }
        }
        for (int ii = 0; ii < n; ii++) {
            int i = ii;
            if (i >= ilo && i <= ihi) {
                continue;
            }
            if (i < ilo) {
                i = ilo - 1 - ii;
            }
            int k = (int) scale[i];
            if (k == i) {
                continue;
            }
            for (double[] x : vi == null ? new double[][] {vr} : new double[][] {vr, vi}) {
                for (int c = 0; c < n; c++) {
                    double t = x[i * n + c];
                    x[i * n + c] = x[k * n + c];
                    x[k * n + c] = t;
                }
            }
        }
    }

    /**
     * {@code dlarfg}/{@code zlarfg} on {@code alpha = (x[0], xi[0])} and the tail {@code x[1..m-1]} (xi null when real):
     * overwrites alpha with beta (real) and the tail with v's tail (v[0] = 1); returns tau (re, im).
     */
    private static double[] larfg(int m, double[] x, double[] xi) {
        if (m <= 0 || (xi == null && m <= 1)) {
            return new double[] {0, 0};
        }
        double xnorm = 0;
        for (int t = 1; t < m; t++) {
            xnorm = Math.hypot(xnorm, xi == null ? x[t] : Math.hypot(x[t], xi[t]));
        }
        double alphr = x[0];
        double alphi = xi == null ? 0 : xi[0];
        if (xnorm == 0 && alphi == 0) {
            return new double[] {0, 0};
        }
        double beta = -Math.copySign(Math.hypot(Math.hypot(alphr, alphi), xnorm), alphr);
        double rsafmn = EPS / SAFMIN;
        int knt = 0;
        if (Math.abs(beta) < SAFMIN / EPS) {
            do {
                knt++;
                for (int t = 1; t < m; t++) {
                    x[t] *= rsafmn;
                    if (xi != null) {
                        xi[t] *= rsafmn;
                    }
                }
                beta *= rsafmn;
                alphr *= rsafmn;
                alphi *= rsafmn;
            } while (Math.abs(beta) < SAFMIN / EPS && knt < 20);
            xnorm = 0;
            for (int t = 1; t < m; t++) {
                xnorm = Math.hypot(xnorm, xi == null ? x[t] : Math.hypot(x[t], xi[t]));
            }
            beta = -Math.copySign(Math.hypot(Math.hypot(alphr, alphi), xnorm), alphr);
        }
        double[] tau = {(beta - alphr) / beta, -alphi / beta};
        // the tail times 1 / (alpha - beta)
        double[] inv = div(1, 0, alphr - beta, alphi);
        for (int t = 1; t < m; t++) {
            if (xi == null) {
                x[t] *= inv[0];
            } else {
                double re = x[t] * inv[0] - xi[t] * inv[1];
                double im = x[t] * inv[1] + xi[t] * inv[0];
                x[t] = re;
                xi[t] = im;
            }
        }
        for (int j = 0; j < knt; j++) {
            beta *= SAFMIN / EPS;
        }
        x[0] = beta;
        if (xi != null) {
            xi[0] = 0;
        }
        return tau;
    }

    /** The complex quotient (a + bi) / (c + di), Smith's algorithm (zladiv's role). */
    static double[] div(double a, double b, double c, double d) {
        if (Math.abs(d) <= Math.abs(c)) {
            double r = d / c;
            double den = c + d * r;
            return new double[] {(a + b * r) / den, (b - a * r) / den};
        }
        double r = c / d;
        double den = c * r + d;
        return new double[] {(a * r + b) / den, (b * r - a) / den};
    }

    /**
     * {@code gehd2}/{@code zgehd2}: reduces rows and columns ilo..ihi of {@code (ar, ai)} to upper Hessenberg form by
     * Householder reflectors H(i) = I - tau v v^H, kept below the subdiagonal with their tau in {@code (tr, ti)}.
     */
    static void hessenberg(double[] ar, double[] ai, int n, int ilo, int ihi, double[] tr, double[] ti) {
        boolean cx = ai != null;
        double[] vr = new double[n];
        double[] vi = cx ? new double[n] : null;
        for (int i = ilo; i < ihi; i++) {
            int m = ihi - i;
            for (int t = 0; t < m; t++) {
                vr[t] = ar[(i + 1 + t) * n + i];
                if (cx) {
                    vi[t] = ai[(i + 1 + t) * n + i];
                }
            }
            double[] tau = larfg(m, vr, vi);
            double betaR = vr[0];
            vr[0] = 1;
            if (cx) {
                vi[0] = 0;
            }
            tr[i] = tau[0];
            if (cx) {
                ti[i] = tau[1];
            }
            // A(0..ihi, i+1..ihi) := A (I - tau v v^H)
            applyRight(ar, ai, n, 0, ihi, i + 1, m, vr, vi, tau[0], tau[1]);
            // A(i+1..ihi, i+1..n-1) := (I - conj(tau) v v^H) A
            applyLeft(ar, ai, n, i + 1, m, i + 1, n - 1, vr, vi, tau[0], -tau[1]);
            ar[(i + 1) * n + i] = betaR;
            if (cx) {
                ai[(i + 1) * n + i] = 0;
            }
            for (int t = 1; t < m; t++) {
                ar[(i + 1 + t) * n + i] = vr[t];
                if (cx) {
                    ai[(i + 1 + t) * n + i] = vi[t];
                }
            }
        }
    }

    /** Rows r0..r1 of columns c0..c0+m-1: C := C - tau (C v) v^H. */
    private static void applyRight(double[] ar, double[] ai, int n, int r0, int r1, int c0, int m, double[] vr, double[] vi,
                                   double taur, double taui) {
        if (taur == 0 && taui == 0) {
            return;
        }
        for (int r = r0; r <= r1; r++) {
            double sr = 0;
            double si = 0;
            for (int t = 0; t < m; t++) {
                int p = r * n + c0 + t;
                if (ai == null) {
                    sr += ar[p] * vr[t];
                } else {
                    sr += ar[p] * vr[t] - ai[p] * vi[t];
                    si += ar[p] * vi[t] + ai[p] * vr[t];
                }
            }
            // w = tau * s
            double wr = taur * sr - taui * si;
            double wi = taur * si + taui * sr;
            for (int t = 0; t < m; t++) {
                int p = r * n + c0 + t;
                if (ai == null) {
                    ar[p] -= wr * vr[t];
                } else {
                    // w * conj(v)
                    ar[p] -= wr * vr[t] + wi * vi[t];
                    ai[p] -= wi * vr[t] - wr * vi[t];
                }
            }
        }
    }

    /** Rows r0..r0+m-1 of columns c0..c1: C := C - tau v (v^H C). */
    private static void applyLeft(double[] ar, double[] ai, int n, int r0, int m, int c0, int c1, double[] vr, double[] vi,
                                  double taur, double taui) {
        if (taur == 0 && taui == 0) {
            return;
        }
        for (int c = c0; c <= c1; c++) {
            double sr = 0;
            double si = 0;
            for (int t = 0; t < m; t++) {
                int p = (r0 + t) * n + c;
                if (ai == null) {
                    sr += vr[t] * ar[p];
                } else {
                    // conj(v) * C
                    sr += vr[t] * ar[p] + vi[t] * ai[p];
                    si += vr[t] * ai[p] - vi[t] * ar[p];
                }
            }
            double wr = taur * sr - taui * si;
            double wi = taur * si + taui * sr;
            for (int t = 0; t < m; t++) {
                int p = (r0 + t) * n + c;
                if (ai == null) {
                    ar[p] -= vr[t] * wr;
                } else {
                    ar[p] -= vr[t] * wr - vi[t] * wi;
                    ai[p] -= vr[t] * wi + vi[t] * wr;
                }
            }
        }
    }

    /** {@code orghr}/{@code unghr}: Q = H(ilo) ... H(ihi-1) from the reflectors {@link #hessenberg} left in {@code a}. */
    static double[][] formQ(double[] ar, double[] ai, int n, int ilo, int ihi, double[] tr, double[] ti) {
        boolean cx = ai != null;
        double[] qr = new double[n * n];
        double[] qi = cx ? new double[n * n] : null;
        for (int i = 0; i < n; i++) {
            qr[i * n + i] = 1;
        }
        double[] vr = new double[n];
        double[] vi = cx ? new double[n] : null;
        for (int i = ihi - 1; i >= ilo; i--) {
            int m = ihi - i;
            vr[0] = 1;
            if (cx) {
                vi[0] = 0;
            }
            for (int t = 1; t < m; t++) {
                vr[t] = ar[(i + 1 + t) * n + i];
                if (cx) {
                    vi[t] = ai[(i + 1 + t) * n + i];
                }
            }
            applyLeft(qr, qi, n, i + 1, m, i + 1, ihi, vr, vi, tr[i], cx ? ti[i] : 0);
        }
        return new double[][] {qr, qi};
    }

    /**
     * {@code dlahqr} with wantt and wantz: the double-shift QR algorithm on rows and columns ilo..ihi of the Hessenberg
     * {@code h}, leaving the real Schur form in {@code h}, the eigenvalues in (wr, wi) (a complex pair's positive
     * imaginary part first), the Schur vectors accumulated into {@code z} (null for none). Returns 0, or 1 + the index of
     * the eigenvalue that failed to converge.
     */
    private static int lahqrReal(double[] h, int n, int ilo, int ihi, double[] wr, double[] wi, double[] z) {
        clearTrash(h, n, ilo, ihi);
        int nh = ihi - ilo + 1;
        double smlnum = SAFMIN * (nh / ULP);
        int i1 = 0;
        int i2 = n - 1;
        int itmax = 30 * Math.max(10, nh);
        int kdefl = 0;
        int i = ihi;
        double[] v = new double[3];
        while (i >= ilo) {
            int l = ilo;
            boolean converged = false;
            for (int its = 0; its <= itmax; its++) {
                int k;
                for (k = i; k > l; k--) {
                    double hkk1 = Math.abs(h[k * n + k - 1]);
                    if (hkk1 <= smlnum) {
                        break;
                    }
                    double tst = Math.abs(h[(k - 1) * n + k - 1]) + Math.abs(h[k * n + k]);
                    if (tst == 0) {
                        if (k - 2 >= ilo) {
                            tst += Math.abs(h[(k - 1) * n + k - 2]);
                        }
                        if (k + 1 <= ihi) {
                            tst += Math.abs(h[(k + 1) * n + k]);
                        }
                    }
                    if (hkk1 <= ULP * tst && negligible(hkk1, Math.abs(h[(k - 1) * n + k]), Math.abs(h[k * n + k]),
                            Math.abs(h[(k - 1) * n + k - 1] - h[k * n + k]), smlnum)) {
                        break;
                    }
                }
                l = k;
                if (l > ilo) {
                    h[l * n + l - 1] = 0;
                }
                if (l >= i - 1) {
                    converged = true;
                    break;
                }
                kdefl++;
                double h11;
                double h12;
                double h21;
                double h22;
                if (kdefl % (2 * KEXSH) == 0) {
                    double s = Math.abs(h[i * n + i - 1]) + Math.abs(h[(i - 1) * n + i - 2]);
                    h11 = DAT1 * s + h[i * n + i];
                    h12 = DAT2 * s;
                    h21 = s;
                    h22 = h11;
                } else if (kdefl % KEXSH == 0) {
                    double s = Math.abs(h[(l + 1) * n + l]) + Math.abs(h[(l + 2) * n + l + 1]);
                    h11 = DAT1 * s + h[l * n + l];
                    h12 = DAT2 * s;
                    h21 = s;
                    h22 = h11;
                } else {
                    h11 = h[(i - 1) * n + i - 1];
                    h21 = h[i * n + i - 1];
                    h12 = h[(i - 1) * n + i];
                    h22 = h[i * n + i];
                }
                double s = Math.abs(h11) + Math.abs(h12) + Math.abs(h21) + Math.abs(h22);
                double rt1r;
                double rt1i;
                double rt2r;
                double rt2i;
                if (s == 0) {
                    rt1r = 0;
                    rt1i = 0;
                    rt2r = 0;
                    rt2i = 0;
                } else {
                    h11 /= s;
                    h21 /= s;
                    h12 /= s;
                    h22 /= s;
                    double tr = (h11 + h22) / 2;
                    double det = (h11 - tr) * (h22 - tr) - h12 * h21;
                    double rtdisc = Math.sqrt(Math.abs(det));
                    if (det >= 0) {
                        rt1r = tr * s;
                        rt2r = rt1r;
                        rt1i = rtdisc * s;
                        rt2i = -rt1i;
                    } else {
                        rt1r = tr + rtdisc;
                        rt2r = tr - rtdisc;
                        if (Math.abs(rt1r - h22) <= Math.abs(rt2r - h22)) {
                            rt1r *= s;
                            rt2r = rt1r;
                        } else {
                            rt2r *= s;
                            rt1r = rt2r;
                        }
                        rt1i = 0;
                        rt2i = 0;
                    }
                }
                // two consecutive small subdiagonal elements
                int m;
                for (m = i - 2; ; m--) {
                    double h21s = h[(m + 1) * n + m];
                    double sm = Math.abs(h[m * n + m] - rt2r) + Math.abs(rt2i) + Math.abs(h21s);
                    h21s = h[(m + 1) * n + m] / sm;
                    v[0] = h21s * h[m * n + m + 1] + (h[m * n + m] - rt1r) * ((h[m * n + m] - rt2r) / sm)
                            - rt1i * (rt2i / sm);
                    v[1] = h21s * (h[m * n + m] + h[(m + 1) * n + m + 1] - rt1r - rt2r);
                    v[2] = h21s * h[(m + 2) * n + m + 1];
                    sm = Math.abs(v[0]) + Math.abs(v[1]) + Math.abs(v[2]);
                    v[0] /= sm;
                    v[1] /= sm;
                    v[2] /= sm;
                    if (m == l) {
                        break;
                    }
                    double h00 = Math.abs(h[m * n + m - 1]) * (Math.abs(v[1]) + Math.abs(v[2]));
                    double h01 = Math.abs(v[0]) * (Math.abs(h[(m - 1) * n + m - 1]) + Math.abs(h[m * n + m])
                            + Math.abs(h[(m + 1) * n + m + 1]));
                    if (h00 <= ULP * h01) {
                        break;
                    }
                }
                // the double-shift QR step
                for (k = m; k <= i - 1; k++) {
                    int nr = Math.min(3, i - k + 1);
                    if (k > m) {
                        for (int t = 0; t < nr; t++) {
                            v[t] = h[(k + t) * n + k - 1];
                        }
                    }
                    double t1 = larfg(nr, v, null)[0];
                    if (k > m) {
                        h[k * n + k - 1] = v[0];
                        h[(k + 1) * n + k - 1] = 0;
                        if (k < i - 1) {
                            h[(k + 2) * n + k - 1] = 0;
                        }
                    } else if (m > l) {
                        h[k * n + k - 1] *= 1 - t1;
                    }
                    double v2 = v[1];
                    double t2 = t1 * v2;
                    if (nr == 3) {
                        double v3 = v[2];
                        double t3 = t1 * v3;
                        for (int j = k; j <= i2; j++) {
                            double sum = h[k * n + j] + v2 * h[(k + 1) * n + j] + v3 * h[(k + 2) * n + j];
                            h[k * n + j] -= sum * t1;
                            h[(k + 1) * n + j] -= sum * t2;
                            h[(k + 2) * n + j] -= sum * t3;
                        }
                        for (int j = i1; j <= Math.min(k + 3, i); j++) {
                            double sum = h[j * n + k] + v2 * h[j * n + k + 1] + v3 * h[j * n + k + 2];
                            h[j * n + k] -= sum * t1;
                            h[j * n + k + 1] -= sum * t2;
                            h[j * n + k + 2] -= sum * t3;
                        }
                        if (z != null) {
                            for (int j = 0; j < n; j++) {
                                double sum = z[j * n + k] + v2 * z[j * n + k + 1] + v3 * z[j * n + k + 2];
                                z[j * n + k] -= sum * t1;
                                z[j * n + k + 1] -= sum * t2;
                                z[j * n + k + 2] -= sum * t3;
                            }
                        }
                    } else if (nr == 2) {
                        for (int j = k; j <= i2; j++) {
                            double sum = h[k * n + j] + v2 * h[(k + 1) * n + j];
                            h[k * n + j] -= sum * t1;
                            h[(k + 1) * n + j] -= sum * t2;
                        }
                        for (int j = i1; j <= i; j++) {
                            double sum = h[j * n + k] + v2 * h[j * n + k + 1];
                            h[j * n + k] -= sum * t1;
                            h[j * n + k + 1] -= sum * t2;
                        }
                        if (z != null) {
                            for (int j = 0; j < n; j++) {
                                double sum = z[j * n + k] + v2 * z[j * n + k + 1];
                                z[j * n + k] -= sum * t1;
                                z[j * n + k + 1] -= sum * t2;
                            }
                        }
                    }
                }
            }
            if (!converged) {
                return i + 1;
            }
            if (l == i) {
                wr[i] = h[i * n + i];
                wi[i] = 0;
            } else if (l == i - 1) {
                double[] r = lanv2(h[(i - 1) * n + i - 1], h[(i - 1) * n + i], h[i * n + i - 1], h[i * n + i]);
                h[(i - 1) * n + i - 1] = r[0];
                h[(i - 1) * n + i] = r[1];
                h[i * n + i - 1] = r[2];
                h[i * n + i] = r[3];
                wr[i - 1] = r[4];
                wi[i - 1] = r[5];
                wr[i] = r[6];
                wi[i] = r[7];
                double cs = r[8];
                double sn = r[9];
                for (int j = i + 1; j <= i2; j++) {
                    double x = h[(i - 1) * n + j];
                    double y = h[i * n + j];
                    h[(i - 1) * n + j] = cs * x + sn * y;
                    h[i * n + j] = cs * y - sn * x;
                }
                for (int j = i1; j <= i - 2; j++) {
                    double x = h[j * n + i - 1];
                    double y = h[j * n + i];
                    h[j * n + i - 1] = cs * x + sn * y;
                    h[j * n + i] = cs * y - sn * x;
                }
                if (z != null) {
                    for (int j = 0; j < n; j++) {
                        double x = z[j * n + i - 1];
                        double y = z[j * n + i];
                        z[j * n + i - 1] = cs * x + sn * y;
                        z[j * n + i] = cs * y - sn * x;
                    }
                }
            }
            kdefl = 0;
            i = l - 1;
        }
        return 0;
    }

    /** lahqr's "clear out the trash": the second and third subdiagonals of the active block, which the bulges use. */
    private static void clearTrash(double[] h, int n, int ilo, int ihi) {
        for (int j = ilo; j <= ihi - 3; j++) {
            h[(j + 2) * n + j] = 0;
            h[(j + 3) * n + j] = 0;
        }
        if (ilo <= ihi - 2) {
            h[ihi * n + ihi - 2] = 0;
        }
    }

    /**
     * Ahues and Tisseur's conservative deflation test of lahqr: the subdiagonal entry (magnitude {@code sub}) is
     * negligible given the superdiagonal one ({@code sup}), the lower diagonal entry ({@code diag}) and the diagonal
     * entries' difference ({@code gap}).
     */
    private static boolean negligible(double sub, double sup, double diag, double gap, double smlnum) {
        double ab = Math.max(sub, sup);
        double ba = Math.min(sub, sup);
        double aa = Math.max(diag, gap);
        double bb = Math.min(diag, gap);
        double s = aa + ab;
        return ba * (ab / s) <= Math.max(smlnum, ULP * (bb * (aa / s)));
    }

    /**
     * {@code dlanv2}: the Schur factorization of a real 2-by-2 block in standard form; returns {a, b, c, d, rt1r, rt1i,
     * rt2r, rt2i, cs, sn}.
     */
    private static double[] lanv2(double a, double b, double c, double d) {
        double multpl = 4;
        double safmn2 = Math.pow(2, (int) (Math.log(SAFMIN / ULP) / Math.log(2) / 2));
        double safmx2 = 1 / safmn2;
        double cs;
        double sn;
        if (c == 0) {
            cs = 1;
            sn = 0;
        } else if (b == 0) {
            cs = 0;
            sn = 1;
            double temp = d;
            d = a;
            a = temp;
            b = -c;
            c = 0;
        } else if (a - d == 0 && Math.signum(b) != Math.signum(c)) {
            cs = 1;
            sn = 0;
        } else {
            double temp = a - d;
            double p = 0.5 * temp;
            double bcmax = Math.max(Math.abs(b), Math.abs(c));
            double bcmis = Math.min(Math.abs(b), Math.abs(c)) * Math.copySign(1, b) * Math.copySign(1, c);
            double scale = Math.max(Math.abs(p), bcmax);
            double z = (p / scale) * p + (bcmax / scale) * bcmis;
            if (z >= multpl * ULP) {
                z = p + Math.copySign(Math.sqrt(scale) * Math.sqrt(z), p);
                a = d + z;
                d = d - (bcmax / z) * bcmis;
                double tau = Math.hypot(c, z);
                cs = z / tau;
                sn = c / tau;
                b = b - c;
                c = 0;
            } else {
                int count = 0;
                double sigma = b + c;
                while (true) {
                    count++;
                    scale = Math.max(Math.abs(temp), Math.abs(sigma));
                    if (scale >= safmx2) {
                        sigma *= safmn2;
                        temp *= safmn2;
                        if (count <= 20) {
                            continue;
                        }
                    }
                    if (scale <= safmn2) {
                        sigma *= safmx2;
                        temp *= safmx2;
                        if (count <= 20) {
                            continue;
                        }
                    }
                    break;
                }
                p = 0.5 * temp;
                double tau = Math.hypot(sigma, temp);
                cs = Math.sqrt(0.5 * (1 + Math.abs(sigma) / tau));
                sn = -(p / (tau * cs)) * Math.copySign(1, sigma);
                double aa = a * cs + b * sn;
                double bb = -a * sn + b * cs;
                double cc = c * cs + d * sn;
                double dd = -c * sn + d * cs;
                a = aa * cs + cc * sn;
                b = bb * cs + dd * sn;
                c = -aa * sn + cc * cs;
                d = -bb * sn + dd * cs;
                temp = 0.5 * (a + d);
                a = temp;
                d = temp;
                if (c != 0) {
                    if (b != 0) {
                        if (Math.copySign(1, b) == Math.copySign(1, c)) {
                            double sab = Math.sqrt(Math.abs(b));
                            double sac = Math.sqrt(Math.abs(c));
                            p = Math.copySign(sab * sac, c);
                            tau = 1 / Math.sqrt(Math.abs(b + c));
                            a = temp + p;
                            d = temp - p;
                            b = b - c;
                            c = 0;
                            double cs1 = sab * tau;
                            double sn1 = sac * tau;
                            temp = cs * cs1 - sn * sn1;
                            sn = cs * sn1 + sn * cs1;
                            cs = temp;
                        }
                    } else {
                        b = -c;
                        c = 0;
                        temp = cs;
                        cs = -sn;
                        sn = temp;
                    }
                }
            }
        }
        double rt1i = 0;
        double rt2i = 0;
        if (c != 0) {
            rt1i = Math.sqrt(Math.abs(b)) * Math.sqrt(Math.abs(c));
            rt2i = -rt1i;
        }
        return new double[] {a, b, c, d, a, rt1i, d, rt2i, cs, sn};
    }

    /**
     * {@code dtrevc3} (right eigenvectors, back-transformed): for each eigenvalue of the real Schur form {@code t}, the
     * solution of the quasi-triangular system by back substitution (small pivots replaced by smin, as dlaln2), times
     * the Schur vectors: {@code z}'s columns become the eigenvectors (a complex pair's real part in its first column, its
     * imaginary part in its second).
     */
    private static void trevcReal(double[] t, int n, double[] z) {
        double[] out = new double[n * n];
        double[] xr = new double[n];
        double[] xi = new double[n];
        double smlnum = SAFMIN * (n / ULP);
        for (int ki = n - 1; ki >= 0; ki--) {
            boolean pair = ki > 0 && t[ki * n + ki - 1] != 0;
            double wr = t[ki * n + ki];
            double wi = 0;
            java.util.Arrays.fill(xr, 0);
            java.util.Arrays.fill(xi, 0);
            int top;
            if (!pair) {
                xr[ki] = 1;
                for (int k = 0; k < ki; k++) {
                    xr[k] = -t[k * n + ki];
                }
                top = ki - 1;
            } else {
                wi = Math.sqrt(Math.abs(t[ki * n + ki - 1])) * Math.sqrt(Math.abs(t[(ki - 1) * n + ki]));
                if (Math.abs(t[(ki - 1) * n + ki]) >= Math.abs(t[ki * n + ki - 1])) {
                    xr[ki - 1] = 1;
                    xi[ki] = wi / t[(ki - 1) * n + ki];
                } else {
                    xr[ki - 1] = -wi / t[ki * n + ki - 1];
                    xi[ki] = 1;
                }
                for (int k = 0; k < ki - 1; k++) {
                    xr[k] = -xr[ki - 1] * t[k * n + ki - 1];
                    xi[k] = -xi[ki] * t[k * n + ki];
                }
                top = ki - 2;
            }
            double smin = Math.max(ULP * (Math.abs(wr) + Math.abs(wi)), smlnum);
            for (int j = top; j >= 0; j--) {
                if (j > 0 && t[j * n + j - 1] != 0) {
                    // a 2-by-2 block, rows j-1 and j
                    double[] s = solve2(t[(j - 1) * n + j - 1] - wr, t[(j - 1) * n + j], t[j * n + j - 1],
                            t[j * n + j] - wr, -wi, xr[j - 1], xi[j - 1], xr[j], xi[j], smin);
                    xr[j - 1] = s[0];
                    xi[j - 1] = s[1];
                    xr[j] = s[2];
                    xi[j] = s[3];
                    for (int k = 0; k < j - 1; k++) {
                        xr[k] -= s[0] * t[k * n + j - 1] + s[2] * t[k * n + j];
                        xi[k] -= s[1] * t[k * n + j - 1] + s[3] * t[k * n + j];
                    }
                    j--;
                } else {
                    double dr = t[j * n + j] - wr;
                    double di = -wi;
                    if (Math.abs(dr) + Math.abs(di) < smin) {
                        dr = smin;
                        di = 0;
                    }
                    double[] q = div(xr[j], xi[j], dr, di);
                    xr[j] = q[0];
                    xi[j] = q[1];
                    for (int k = 0; k < j; k++) {
                        xr[k] -= q[0] * t[k * n + j];
                        xi[k] -= q[1] * t[k * n + j];
                    }
                }
            }
            // back-transform: the columns of z times x (x is 0 below its block)
            int last = ki;
            for (int r = 0; r < n; r++) {
                double sr = 0;
                double si = 0;
                for (int k = 0; k <= last; k++) {
                    sr += z[r * n + k] * xr[k];
                    si += z[r * n + k] * xi[k];
                }
                if (pair) {
                    out[r * n + ki - 1] = sr;
                    out[r * n + ki] = si;
                } else {
                    out[r * n + ki] = sr;
                }
            }
            if (pair) {
                ki--;
            }
        }
        System.arraycopy(out, 0, z, 0, n * n);
    }

    /**
     * Solves the complex 2-by-2 system [[a, b], [c, d]] + i w I times x = rhs (rhs (r1 + i s1, r2 + i s2)) by
     * Cramer's rule, a determinant below smin (relative) replaced by smin; returns {x1r, x1i, x2r, x2i}.
     */
    private static double[] solve2(double a, double b, double c, double d, double w, double r1, double s1, double r2,
                                   double s2, double smin) {
        // det = (a + iw)(d + iw) - b c
        double detr = a * d - w * w - b * c;
        double deti = w * (a + d);
        if (Math.abs(detr) + Math.abs(deti) < smin * smin) {
            detr = smin * smin;
            deti = 0;
        }
        // x1 = ((d + iw) rhs1 - b rhs2) / det, x2 = ((a + iw) rhs2 - c rhs1) / det
        double n1r = d * r1 - w * s1 - b * r2;
        double n1i = d * s1 + w * r1 - b * s2;
        double n2r = a * r2 - w * s2 - c * r1;
        double n2i = a * s2 + w * r2 - c * s1;
        double[] x1 = div(n1r, n1i, detr, deti);
        double[] x2 = div(n2r, n2i, detr, deti);
        return new double[] {x1[0], x1[1], x2[0], x2[1]};
    }

    // ------------------------------------------------------------------ complex input (zgeev)

    /** {@code zgeev(jobvl = 'N', jobvr = vectors ? 'V' : 'N')} on a copy of {@code (ar0, ai0)}. */
    static Result complex(double[] ar0, double[] ai0, int n, boolean vectors) {
        Result res = new Result(n, vectors);
        if (n == 0) {
            return res;
        }
        double[] ar = ar0.clone();
        double[] ai = ai0.clone();
        double anrm = 0;
        for (int p = 0; p < n * n; p++) {
            anrm = Math.max(anrm, Math.hypot(ar[p], ai[p]));
        }
        double smlnum = Math.sqrt(SAFMIN) / ULP;
        double bignum = 1 / smlnum;
        double cscale = anrm > 0 && anrm < smlnum ? smlnum : anrm > bignum ? bignum : 0;
        if (cscale != 0) {
            scaleBy(ar, cscale / anrm);
            scaleBy(ai, cscale / anrm);
        }
        double[] scale = new double[n];
        int[] lohi = balance(ar, ai, n, scale);
        int ilo = lohi[0];
        int ihi = lohi[1];
        double[] tr = new double[n];
        double[] ti = new double[n];
        hessenberg(ar, ai, n, ilo, ihi, tr, ti);
        double[][] q = vectors ? formQ(ar, ai, n, ilo, ihi, tr, ti) : new double[2][];
        double[] zr = q[0];
        double[] zi = q[1];
        double[] wr = res.wr;
        double[] wi = res.wi;
        for (int i = 0; i < n; i++) {
            if (i < ilo || i > ihi) {
                wr[i] = ar[i * n + i];
                wi[i] = ai[i * n + i];
            }
        }
        int info = 0;
        if (ilo == ihi) {
            wr[ilo] = ar[ilo * n + ilo];
            wi[ilo] = ai[ilo * n + ilo];
        } else {
            info = lahqrComplex(ar, ai, n, ilo, ihi, wr, wi, zr, zi);
        }
        res.info = info;
        if (cscale != 0) {
            for (int i = info; i < n; i++) {
                wr[i] *= anrm / cscale;
                wi[i] *= anrm / cscale;
            }
        }
        if (info > 0 || !vectors) {
            return res;
        }
        trevcComplex(ar, ai, n, zr, zi);
        backTransform(zr, zi, n, ilo, ihi, scale);
        double[] vr = res.vr;
        double[] vi = res.vi;
        for (int j = 0; j < n; j++) {
            double nrm = 0;
            for (int k = 0; k < n; k++) {
                nrm = Math.hypot(nrm, Math.hypot(zr[k * n + j], zi[k * n + j]));
            }
            int kmax = 0;
            double best = -1;
            for (int k = 0; k < n; k++) {
                zr[k * n + j] /= nrm;
                zi[k * n + j] /= nrm;
                double m = zr[k * n + j] * zr[k * n + j] + zi[k * n + j] * zi[k * n + j];
                if (m > best) {
                    best = m;
                    kmax = k;
                }
            }
            double sq = Math.sqrt(best);
            double cr = zr[kmax * n + j] / sq;
            double ci = -zi[kmax * n + j] / sq;
            for (int k = 0; k < n; k++) {
                double x = zr[k * n + j];
                double y = zi[k * n + j];
                vr[k * n + j] = x * cr - y * ci;
                vi[k * n + j] = x * ci + y * cr;
            }
            vi[kmax * n + j] = 0;
        }
        return res;
    }

    private static double cabs1(double re, double im) {
        return Math.abs(re) + Math.abs(im);
    }

    /** The principal square root of re + i im. */
    private static double[] csqrt(double re, double im) {
        double r = Math.hypot(re, im);
        if (r == 0) {
            return new double[] {0, im};
        }
        double t = Math.sqrt((r + Math.abs(re)) / 2);
        if (re >= 0) {
            return new double[] {t, im / (2 * t)};
        }
        return new double[] {Math.abs(im) / (2 * t), Math.copySign(t, im)};
    }

    /** Multiplies row {@code row}'s columns c0..c1 (or, {@code column}, column row's rows c0..c1) by (sr + i si). */
    private static void scal(double[] hr, double[] hi, int n, int line, int c0, int c1, boolean column, double sr, double si) {
        for (int c = c0; c <= c1; c++) {
            int p = column ? c * n + line : line * n + c;
            double x = hr[p];
            double y = hi[p];
            hr[p] = x * sr - y * si;
            hi[p] = x * si + y * sr;
        }
    }

    /**
     * {@code zlahqr} with wantt and wantz: the single-shift complex QR algorithm (Wilkinson shifts) on rows and columns
     * ilo..ihi of the Hessenberg {@code (hr, hi)}, leaving the Schur form, the eigenvalues in (wr, wi), the Schur
     * vectors accumulated into (zr, zi) (null for none). Returns 0, or 1 + the index that failed to converge.
     */
    private static int lahqrComplex(double[] hr, double[] hi, int n, int ilo, int ihi, double[] wr, double[] wi,
                                    double[] zr, double[] zi) {
        clearTrash(hr, n, ilo, ihi);
        clearTrash(hi, n, ilo, ihi);
        int jlo = 0;
        int jhi = n - 1;
        // real subdiagonal entries
        for (int i = ilo + 1; i <= ihi; i++) {
            int p = i * n + i - 1;
            if (hi[p] != 0) {
                double c1 = cabs1(hr[p], hi[p]);
                double scr = hr[p] / c1;
                double sci = hi[p] / c1;
                double a = Math.hypot(scr, sci);
                scr /= a;
                sci = -sci / a;
                hr[p] = Math.hypot(hr[p], hi[p]);
                hi[p] = 0;
                scal(hr, hi, n, i, i, jhi, false, scr, sci);
                scal(hr, hi, n, i, jlo, Math.min(jhi, i + 1), true, scr, -sci);
                if (zr != null) {
                    scal(zr, zi, n, i, 0, n - 1, true, scr, -sci);
                }
            }
        }
        int nh = ihi - ilo + 1;
        double smlnum = SAFMIN * (nh / ULP);
        int i1 = 0;
        int i2 = n - 1;
        int itmax = 30 * Math.max(10, nh);
        int kdefl = 0;
        int i = ihi;
        double[] vr = new double[2];
        double[] vim = new double[2];
        while (i >= ilo) {
            int l = ilo;
            boolean converged = false;
            for (int its = 0; its <= itmax; its++) {
                int k;
                for (k = i; k > l; k--) {
                    int p = k * n + k - 1;
                    if (cabs1(hr[p], hi[p]) <= smlnum) {
                        break;
                    }
                    double tst = cabs1(hr[(k - 1) * n + k - 1], hi[(k - 1) * n + k - 1]) + cabs1(hr[k * n + k], hi[k * n + k]);
                    if (tst == 0) {
                        if (k - 2 >= ilo) {
                            tst += Math.abs(hr[(k - 1) * n + k - 2]);
                        }
                        if (k + 1 <= ihi) {
                            tst += Math.abs(hr[(k + 1) * n + k]);
                        }
                    }
                    if (Math.abs(hr[p]) <= ULP * tst && negligible(cabs1(hr[p], hi[p]),
                            cabs1(hr[(k - 1) * n + k], hi[(k - 1) * n + k]), cabs1(hr[k * n + k], hi[k * n + k]),
                            cabs1(hr[(k - 1) * n + k - 1] - hr[k * n + k], hi[(k - 1) * n + k - 1] - hi[k * n + k]), smlnum)) {
                        break;
                    }
                }
                l = k;
                if (l > ilo) {
                    hr[l * n + l - 1] = 0;
                    hi[l * n + l - 1] = 0;
                }
                if (l >= i) {
                    converged = true;
                    break;
                }
                kdefl++;
                double tr;
                double tim;
                if (kdefl % (2 * KEXSH) == 0) {
                    double s = DAT1 * Math.abs(hr[i * n + i - 1]);
                    tr = s + hr[i * n + i];
                    tim = hi[i * n + i];
                } else if (kdefl % KEXSH == 0) {
                    double s = DAT1 * Math.abs(hr[(l + 1) * n + l]);
                    tr = s + hr[l * n + l];
                    tim = hi[l * n + l];
                } else {
                    tr = hr[i * n + i];
                    tim = hi[i * n + i];
                    double[] s1 = csqrt(hr[(i - 1) * n + i], hi[(i - 1) * n + i]);
                    double[] s2 = csqrt(hr[i * n + i - 1], hi[i * n + i - 1]);
                    double ur = s1[0] * s2[0] - s1[1] * s2[1];
                    double ui = s1[0] * s2[1] + s1[1] * s2[0];
                    double s = cabs1(ur, ui);
                    if (s != 0) {
                        double xr = 0.5 * (hr[(i - 1) * n + i - 1] - tr);
                        double xi = 0.5 * (hi[(i - 1) * n + i - 1] - tim);
                        double sx = cabs1(xr, xi);
                        s = Math.max(s, sx);
                        // y = s sqrt((x/s)^2 + (u/s)^2)
                        double axr = xr / s;
                        double axi = xi / s;
                        double aur = ur / s;
                        double aui = ui / s;
                        double[] y = csqrt(axr * axr - axi * axi + aur * aur - aui * aui, 2 * axr * axi + 2 * aur * aui);
                        double yr = s * y[0];
                        double yi = s * y[1];
                        if (sx > 0 && (xr / sx) * yr + (xi / sx) * yi < 0) {
                            yr = -yr;
                            yi = -yi;
                        }
                        double[] q = div(ur, ui, xr + yr, xi + yi);
                        tr -= ur * q[0] - ui * q[1];
                        tim -= ur * q[1] + ui * q[0];
                    }
                }
                // two consecutive small subdiagonal elements
                int m;
                for (m = i - 1; ; m--) {
                    double h11r = hr[m * n + m];
                    double h11i = hi[m * n + m];
                    double h22r = hr[(m + 1) * n + m + 1];
                    double h22i = hi[(m + 1) * n + m + 1];
                    double h11sr = h11r - tr;
                    double h11si = h11i - tim;
                    double h21 = hr[(m + 1) * n + m];
                    double s = cabs1(h11sr, h11si) + Math.abs(h21);
                    h11sr /= s;
                    h11si /= s;
                    h21 /= s;
                    vr[0] = h11sr;
                    vim[0] = h11si;
                    vr[1] = h21;
                    vim[1] = 0;
                    if (m == l) {
                        break;
                    }
                    double h10 = hr[m * n + m - 1];
                    if (Math.abs(h10) * Math.abs(h21) <= ULP * (cabs1(h11sr, h11si) * (cabs1(h11r, h11i) + cabs1(h22r, h22i)))) {
                        break;
                    }
                }
                // the single-shift QR step
                for (k = m; k <= i - 1; k++) {
                    if (k > m) {
                        vr[0] = hr[k * n + k - 1];
                        vim[0] = hi[k * n + k - 1];
                        vr[1] = hr[(k + 1) * n + k - 1];
                        vim[1] = hi[(k + 1) * n + k - 1];
                    }
                    double[] t1 = larfg(2, vr, vim);
                    if (k > m) {
                        hr[k * n + k - 1] = vr[0];
                        hi[k * n + k - 1] = vim[0];
                        hr[(k + 1) * n + k - 1] = 0;
                        hi[(k + 1) * n + k - 1] = 0;
                    }
                    double v2r = vr[1];
                    double v2i = vim[1];
                    double t2 = t1[0] * v2r - t1[1] * v2i;
                    for (int j = k; j <= i2; j++) {
                        int p1 = k * n + j;
                        int p2 = (k + 1) * n + j;
                        // sum = conj(t1) h(k, j) + t2 h(k+1, j)
                        double sr = t1[0] * hr[p1] + t1[1] * hi[p1] + t2 * hr[p2];
                        double si = t1[0] * hi[p1] - t1[1] * hr[p1] + t2 * hi[p2];
                        hr[p1] -= sr;
                        hi[p1] -= si;
                        hr[p2] -= sr * v2r - si * v2i;
                        hi[p2] -= sr * v2i + si * v2r;
                    }
                    for (int j = i1; j <= Math.min(k + 2, i); j++) {
                        int p1 = j * n + k;
                        int p2 = j * n + k + 1;
                        // sum = t1 h(j, k) + t2 h(j, k+1)
                        double sr = t1[0] * hr[p1] - t1[1] * hi[p1] + t2 * hr[p2];
                        double si = t1[0] * hi[p1] + t1[1] * hr[p1] + t2 * hi[p2];
                        hr[p1] -= sr;
                        hi[p1] -= si;
                        // sum * conj(v2)
                        hr[p2] -= sr * v2r + si * v2i;
                        hi[p2] -= si * v2r - sr * v2i;
                    }
                    if (zr != null) {
                        for (int j = 0; j < n; j++) {
                            int p1 = j * n + k;
                            int p2 = j * n + k + 1;
                            double sr = t1[0] * zr[p1] - t1[1] * zi[p1] + t2 * zr[p2];
                            double si = t1[0] * zi[p1] + t1[1] * zr[p1] + t2 * zi[p2];
                            zr[p1] -= sr;
                            zi[p1] -= si;
                            zr[p2] -= sr * v2r + si * v2i;
                            zi[p2] -= si * v2r - sr * v2i;
                        }
                    }
                    if (k == m && m > l) {
                        // keep h(m, m-1) real: extra scaling
                        double tmr = 1 - t1[0];
                        double tmi = -t1[1];
                        double a = Math.hypot(tmr, tmi);
                        tmr /= a;
                        tmi /= a;
                        scal(hr, hi, n, m + 1, m, m, false, tmr, -tmi);
                        if (m + 2 <= i) {
                            scal(hr, hi, n, m + 2, m + 1, m + 1, false, tmr, tmi);
                        }
                        for (int j = m; j <= i; j++) {
                            if (j != m + 1) {
                                if (i2 > j) {
                                    scal(hr, hi, n, j, j + 1, i2, false, tmr, tmi);
                                }
                                scal(hr, hi, n, j, i1, j - 1, true, tmr, -tmi);
                                if (zr != null) {
                                    scal(zr, zi, n, j, 0, n - 1, true, tmr, -tmi);
                                }
                            }
                        }
                    }
                }
                // h(i, i-1) real
                int p = i * n + i - 1;
                if (hi[p] != 0) {
                    double rtemp = Math.hypot(hr[p], hi[p]);
                    double tmr = hr[p] / rtemp;
                    double tmi = hi[p] / rtemp;
                    hr[p] = rtemp;
                    hi[p] = 0;
                    if (i2 > i) {
                        scal(hr, hi, n, i, i + 1, i2, false, tmr, -tmi);
                    }
                    scal(hr, hi, n, i, i1, i - 1, true, tmr, tmi);
                    if (zr != null) {
                        scal(zr, zi, n, i, 0, n - 1, true, tmr, tmi);
                    }
                }
            }
            if (!converged) {
                return i + 1;
            }
            wr[i] = hr[i * n + i];
            wi[i] = hi[i * n + i];
            kdefl = 0;
            i = l - 1;
        }
        return 0;
    }

    /**
     * {@code ztrevc3} (right eigenvectors, back-transformed): for each diagonal entry of the upper triangular Schur form,
     * back substitution (small pivots replaced by smin), times the Schur vectors, which (zr, zi) become.
     */
    private static void trevcComplex(double[] tr, double[] ti, int n, double[] zr, double[] zi) {
        double[] outR = new double[n * n];
        double[] outI = new double[n * n];
        double[] xr = new double[n];
        double[] xi = new double[n];
        double smlnum = SAFMIN * (n / ULP);
        for (int ki = n - 1; ki >= 0; ki--) {
            double lr = tr[ki * n + ki];
            double li = ti[ki * n + ki];
            double smin = Math.max(ULP * cabs1(lr, li), smlnum);
            java.util.Arrays.fill(xr, 0);
            java.util.Arrays.fill(xi, 0);
            xr[ki] = 1;
            for (int k = 0; k < ki; k++) {
                xr[k] = -tr[k * n + ki];
                xi[k] = -ti[k * n + ki];
            }
            for (int j = ki - 1; j >= 0; j--) {
                double dr = tr[j * n + j] - lr;
                double di = ti[j * n + j] - li;
                if (cabs1(dr, di) < smin) {
                    dr = smin;
                    di = 0;
                }
                double[] q = div(xr[j], xi[j], dr, di);
                xr[j] = q[0];
                xi[j] = q[1];
                for (int k = 0; k < j; k++) {
                    int p = k * n + j;
                    xr[k] -= q[0] * tr[p] - q[1] * ti[p];
                    xi[k] -= q[0] * ti[p] + q[1] * tr[p];
                }
            }
            for (int r = 0; r < n; r++) {
                double sr = 0;
                double si = 0;
                for (int k = 0; k <= ki; k++) {
                    int p = r * n + k;
                    sr += zr[p] * xr[k] - zi[p] * xi[k];
                    si += zr[p] * xi[k] + zi[p] * xr[k];
                }
                outR[r * n + ki] = sr;
                outI[r * n + ki] = si;
            }
        }
        System.arraycopy(outR, 0, zr, 0, n * n);
        System.arraycopy(outI, 0, zi, 0, n * n);
    }
}
