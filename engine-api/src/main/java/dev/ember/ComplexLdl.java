package dev.ember;

/**
 * Host kernels of the complex {@code linalg.ldl_factor_ex} and {@code ldl_solve}: LAPACK's unblocked Bunch-Kaufman
 * factorizations with {@code uplo = 'L'}, {@code zsytf2} ({@code A = P L D L^T P^T} of a complex symmetric A, pivots
 * chosen by {@code cabs1 = |re| + |im|} as {@code izamax}) and {@code zhetf2} ({@code A = P L D L^H P^T} of a Hermitian
 * A: its diagonal read as real, D's 1-by-1 blocks real), and their solves {@code zsytrs} and {@code zhetrs}, step for
 * step, so that LD and the pivots equal PyTorch's (sytrf/hetrf run these for matrices smaller than their block size).
 * Matrices are row-major interleaved (re, im) pairs, element (i, j) of the n-by-n matrix at pair offset {@code off} at
 * {@code 2 (off + i n + j)}; only the lower triangle is read and written.
 */
final class ComplexLdl {
    private ComplexLdl() {
    }

    /** Bunch-Kaufman's threshold, (1 + sqrt(17)) / 8, as LAPACK's. */
    private static final double ALPHA = (1 + Math.sqrt(17.0)) / 8;

    private static double cabs1(double[] a, int p) {
        return Math.abs(a[p]) + Math.abs(a[p + 1]);
    }

    /** izamax over pairs p0, p0 + step, ... (count of them): the first of the largest cabs1, as an ordinal. */
    private static int izamax(double[] a, int p0, int step, int count) {
        int best = 0;
        double max = cabs1(a, p0);
        for (int i = 1; i < count; i++) {
            double v = cabs1(a, p0 + i * step);
            if (v > max) {
                max = v;
                best = i;
            }
        }
        return best;
    }

    private static void swap(double[] a, int p, int q) {
        double t0 = a[p];
        double t1 = a[p + 1];
        a[p] = a[q];
        a[p + 1] = a[q + 1];
        a[q] = t0;
        a[q + 1] = t1;
    }

    /**
     * zsytf2 ({@code hermitian} false) or zhetf2 (true) with {@code uplo = 'L'} on the matrix at pair offset {@code off}:
     * 1-based pivots at {@code pOff} (negative for a 2-by-2 block), LAPACK's info returned.
     */
    static int factorLower(double[] a, int off, int n, int[] ipiv, int pOff, boolean hermitian) {
        int info = 0;
        int k = 0;
        while (k < n) {
            int kstep = 1;
            int kp;
            int pkk = 2 * (off + k * n + k);
            double absakk = hermitian ? Math.abs(a[pkk]) : cabs1(a, pkk);
            int imax = k;
            double colmax = 0;
            if (k < n - 1) {
                imax = k + 1 + izamax(a, 2 * (off + (k + 1) * n + k), 2 * n, n - k - 1);
                colmax = cabs1(a, 2 * (off + imax * n + k));
            }
            if (Math.max(absakk, colmax) == 0 || Double.isNaN(absakk)) {
                if (info == 0) {
                    info = k + 1;
                }
                kp = k;
                if (hermitian) {
                    a[pkk + 1] = 0;
                }
            } else {
                if (absakk >= ALPHA * colmax) {
                    kp = k;
                } else {
                    // the largest off-diagonal element of row imax: its columns k..imax-1, then column imax below it
                    int jmax = k + izamax(a, 2 * (off + imax * n + k), 2, imax - k);
                    double rowmax = cabs1(a, 2 * (off + imax * n + jmax));
                    if (imax < n - 1) {
                        jmax = imax + 1 + izamax(a, 2 * (off + (imax + 1) * n + imax), 2 * n, n - imax - 1);
                        rowmax = Math.max(rowmax, cabs1(a, 2 * (off + jmax * n + imax)));
                    }
                    int pii = 2 * (off + imax * n + imax);
                    if (absakk >= ALPHA * colmax * (colmax / rowmax)) {
                        kp = k;
                    } else if ((hermitian ? Math.abs(a[pii]) : cabs1(a, pii)) >= ALPHA * rowmax) {
                        kp = imax;
                    } else {
                        kp = imax;
                        kstep = 2;
                    }
                }
                int kk = k + kstep - 1;
                int pkkkk = 2 * (off + kk * n + kk);
                if (kp != kk) {
                    // interchange rows and columns kk and kp of the trailing lower triangle
                    for (int i = kp + 1; i < n; i++) {
                        swap(a, 2 * (off + i * n + kk), 2 * (off + i * n + kp));
                    }
                    for (int j = kk + 1; j < kp; j++) {
                        int p = 2 * (off + j * n + kk);
                        int q = 2 * (off + kp * n + j);
                        swap(a, p, q);
                        if (hermitian) {
                            a[p + 1] = -a[p + 1];
                            a[q + 1] = -a[q + 1];
                        }
                    }
                    int ppk = 2 * (off + kp * n + kk);
                    if (hermitian) {
                        a[ppk + 1] = -a[ppk + 1];
                    }
                    swap(a, pkkkk, 2 * (off + kp * n + kp));
                    if (hermitian) {
                        a[pkkkk + 1] = 0;
                        a[2 * (off + kp * n + kp) + 1] = 0;
                    }
                    if (kstep == 2) {
                        if (hermitian) {
                            a[pkk + 1] = 0;
                        }
                        swap(a, 2 * (off + (k + 1) * n + k), 2 * (off + kp * n + k));
                    }
                } else if (hermitian) {
                    a[pkk + 1] = 0;
                    if (kstep == 2) {
                        a[2 * (off + (k + 1) * n + k + 1) + 1] = 0;
                    }
                }
                if (kstep == 1) {
                    if (k < n - 1) {
                        rankOne(a, off, n, k, hermitian);
                    }
                } else if (k < n - 2) {
                    rankTwo(a, off, n, k, hermitian);
                }
            }
            if (kstep == 1) {
                ipiv[pOff + k] = kp + 1;
            } else {
                ipiv[pOff + k] = -(kp + 1);
                ipiv[pOff + k + 1] = -(kp + 1);
            }
            k += kstep;
        }
        return info;
    }

    /**
     * The 1-by-1 step: {@code A22 -= x x^T / d} (zsyr's order) or {@code A22 -= x x^H / d} (zher's, d real, the
     * diagonal kept real), then {@code x /= d}, x = column k below the diagonal.
     */
    private static void rankOne(double[] a, int off, int n, int k, boolean hermitian) {
        int pkk = 2 * (off + k * n + k);
        double rr;
        double ri;
        if (hermitian) {
            rr = 1 / a[pkk];
            ri = 0;
        } else {
            double[] r = ComplexLinalg.div(1, 0, a[pkk], a[pkk + 1]);
            rr = r[0];
            ri = r[1];
        }
        for (int j = k + 1; j < n; j++) {
            int px = 2 * (off + j * n + k);
            double xr = a[px];
            double xi = hermitian ? -a[px + 1] : a[px + 1]; // conj(x_j) for zher
            int pjj = 2 * (off + j * n + j);
            if (xr != 0 || xi != 0) {
                // temp = -r x_j (zsyr) or -r conj(x_j) (zher)
                double tr = -(rr * xr - ri * xi);
                double ti = -(rr * xi + ri * xr);
                int from = j;
                if (hermitian) {
                    // A(j, j) = Re(A(j, j)) + Re(temp x_j)
                    a[pjj] = a[pjj] + (tr * a[px] - ti * a[px + 1]);
                    a[pjj + 1] = 0;
                    from = j + 1;
                }
                for (int i = from; i < n; i++) {
                    int pi = 2 * (off + i * n + k);
                    int pij = 2 * (off + i * n + j);
                    a[pij] += a[pi] * tr - a[pi + 1] * ti;
                    a[pij + 1] += a[pi] * ti + a[pi + 1] * tr;
                }
            } else if (hermitian) {
                a[pjj + 1] = 0;
            }
        }
        for (int i = k + 1; i < n; i++) {
            int pi = 2 * (off + i * n + k);
            double xr = a[pi];
            a[pi] = xr * rr - a[pi + 1] * ri;
            a[pi + 1] = xr * ri + a[pi + 1] * rr;
        }
    }

    /** The 2-by-2 step: {@code A22 -= [x y] D^{-1} [x y]^T} (^H for hermitian), [x y] D^{-1} stored as L's columns. */
    private static void rankTwo(double[] a, int off, int n, int k, boolean hermitian) {
        int p21 = 2 * (off + (k + 1) * n + k);
        int p11 = 2 * (off + (k + 1) * n + k + 1);
        int p00 = 2 * (off + k * n + k);
        if (hermitian) {
            double d = Math.hypot(a[p21], a[p21 + 1]);
            double d11 = a[p11] / d;
            double d22 = a[p00] / d;
            double tt = 1 / (d11 * d22 - 1);
            double d21r = a[p21] / d;
            double d21i = a[p21 + 1] / d;
            d = tt / d;
            for (int j = k + 2; j < n; j++) {
                int pk = 2 * (off + j * n + k);
                int pk1 = pk + 2;
                // wk = d (d11 A(j, k) - d21 A(j, k+1)); wkp1 = d (d22 A(j, k+1) - conj(d21) A(j, k))
                double wkr = d * (d11 * a[pk] - (d21r * a[pk1] - d21i * a[pk1 + 1]));
                double wki = d * (d11 * a[pk + 1] - (d21r * a[pk1 + 1] + d21i * a[pk1]));
                double w1r = d * (d22 * a[pk1] - (d21r * a[pk] + d21i * a[pk + 1]));
                double w1i = d * (d22 * a[pk1 + 1] - (d21r * a[pk + 1] - d21i * a[pk]));
                for (int i = j; i < n; i++) {
                    int pik = 2 * (off + i * n + k);
                    int pik1 = pik + 2;
                    int pij = 2 * (off + i * n + j);
                    // A(i, j) -= A(i, k) conj(wk) + A(i, k+1) conj(wkp1)
                    a[pij] = a[pij] - (a[pik] * wkr + a[pik + 1] * wki) - (a[pik1] * w1r + a[pik1 + 1] * w1i);
                    a[pij + 1] = a[pij + 1] - (a[pik + 1] * wkr - a[pik] * wki) - (a[pik1 + 1] * w1r - a[pik1] * w1i);
                }
                a[pk] = wkr;
                a[pk + 1] = wki;
                a[pk1] = w1r;
                a[pk1 + 1] = w1i;
                a[2 * (off + j * n + j) + 1] = 0;
            }
            return;
        }
        double[] d11 = ComplexLinalg.div(a[p11], a[p11 + 1], a[p21], a[p21 + 1]);
        double[] d22 = ComplexLinalg.div(a[p00], a[p00 + 1], a[p21], a[p21 + 1]);
        double[] t = ComplexLinalg.div(1, 0, d11[0] * d22[0] - d11[1] * d22[1] - 1, d11[0] * d22[1] + d11[1] * d22[0]);
        double[] d21 = ComplexLinalg.div(t[0], t[1], a[p21], a[p21 + 1]);
        for (int j = k + 2; j < n; j++) {
            int pk = 2 * (off + j * n + k);
            int pk1 = pk + 2;
            // wk = d21 (d11 A(j, k) - A(j, k+1)); wkp1 = d21 (d22 A(j, k+1) - A(j, k))
            double ur = d11[0] * a[pk] - d11[1] * a[pk + 1] - a[pk1];
            double ui = d11[0] * a[pk + 1] + d11[1] * a[pk] - a[pk1 + 1];
            double vr = d22[0] * a[pk1] - d22[1] * a[pk1 + 1] - a[pk];
            double vi = d22[0] * a[pk1 + 1] + d22[1] * a[pk1] - a[pk + 1];
            double wkr = d21[0] * ur - d21[1] * ui;
            double wki = d21[0] * ui + d21[1] * ur;
            double w1r = d21[0] * vr - d21[1] * vi;
            double w1i = d21[0] * vi + d21[1] * vr;
            for (int i = j; i < n; i++) {
                int pik = 2 * (off + i * n + k);
                int pik1 = pik + 2;
                int pij = 2 * (off + i * n + j);
                a[pij] = a[pij] - (a[pik] * wkr - a[pik + 1] * wki) - (a[pik1] * w1r - a[pik1 + 1] * w1i);
                a[pij + 1] = a[pij + 1] - (a[pik] * wki + a[pik + 1] * wkr) - (a[pik1] * w1i + a[pik1 + 1] * w1r);
            }
            a[pk] = wkr;
            a[pk + 1] = wki;
            a[pk1] = w1r;
            a[pk1 + 1] = w1i;
        }
    }

    /**
     * zsytrs ({@code hermitian} false) or zhetrs (true) with {@code uplo = 'L'}: the n-by-k right-hand sides at pair
     * offset {@code bOff} (row-major) overwritten by the solution, from the factor at {@code aOff} and the pivots at
     * {@code pOff}.
     */
    static void solveLower(double[] a, int aOff, int n, long[] ipiv, int pOff, double[] b, int bOff, int k,
            boolean hermitian) {
        // L D Y = P^T B, forward through the blocks
        int c = 0;
        while (c < n) {
            if (ipiv[pOff + c] > 0) {
                swapRows(b, bOff, k, c, (int) ipiv[pOff + c] - 1);
                eliminate(a, aOff, n, c, c, b, bOff, k);
                int pcc = 2 * (aOff + c * n + c);
                double[] inv = hermitian ? new double[] {1 / a[pcc], 0} : ComplexLinalg.div(1, 0, a[pcc], a[pcc + 1]);
                for (int j = 0; j < k; j++) {
                    int pb = 2 * (bOff + c * k + j);
                    double br = b[pb];
                    b[pb] = br * inv[0] - b[pb + 1] * inv[1];
                    b[pb + 1] = br * inv[1] + b[pb + 1] * inv[0];
                }
                c++;
            } else {
                swapRows(b, bOff, k, c + 1, (int) -ipiv[pOff + c] - 1);
                eliminate(a, aOff, n, c + 1, c, b, bOff, k);
                eliminate(a, aOff, n, c + 1, c + 1, b, bOff, k);
                int p21 = 2 * (aOff + (c + 1) * n + c);
                double er = a[p21];
                double ei = a[p21 + 1];
                double fi = hermitian ? -ei : ei; // akm1k, conjugated where zhetrs divides by its conjugate
                int p00 = 2 * (aOff + c * n + c);
                int p11 = 2 * (aOff + (c + 1) * n + c + 1);
                double[] akm1 = ComplexLinalg.div(a[p00], a[p00 + 1], er, fi);
                double[] ak = ComplexLinalg.div(a[p11], a[p11 + 1], er, ei);
                double dr = akm1[0] * ak[0] - akm1[1] * ak[1] - 1;
                double di = akm1[0] * ak[1] + akm1[1] * ak[0];
                for (int j = 0; j < k; j++) {
                    int pb0 = 2 * (bOff + c * k + j);
                    int pb1 = 2 * (bOff + (c + 1) * k + j);
                    double[] bkm1 = ComplexLinalg.div(b[pb0], b[pb0 + 1], er, fi);
                    double[] bk = ComplexLinalg.div(b[pb1], b[pb1 + 1], er, ei);
                    double[] x0 = ComplexLinalg.div(ak[0] * bkm1[0] - ak[1] * bkm1[1] - bk[0],
                            ak[0] * bkm1[1] + ak[1] * bkm1[0] - bk[1], dr, di);
                    double[] x1 = ComplexLinalg.div(akm1[0] * bk[0] - akm1[1] * bk[1] - bkm1[0],
                            akm1[0] * bk[1] + akm1[1] * bk[0] - bkm1[1], dr, di);
                    b[pb0] = x0[0];
                    b[pb0 + 1] = x0[1];
                    b[pb1] = x1[0];
                    b[pb1 + 1] = x1[1];
                }
                c += 2;
            }
        }
        // L^T X = Y (L^H for hermitian), backward through the blocks, undoing the interchanges
        c = n - 1;
        while (c >= 0) {
            boolean single = ipiv[pOff + c] > 0;
            substitute(a, aOff, n, c, c, b, bOff, k, hermitian);
            if (!single) {
                substitute(a, aOff, n, c, c - 1, b, bOff, k, hermitian);
            }
            swapRows(b, bOff, k, c, (int) Math.abs(ipiv[pOff + c]) - 1);
            c -= single ? 1 : 2;
        }
    }

    /** zgeru's {@code B(below + 1:n, :) -= A(below + 1:n, col) B(col, :)}. */
    private static void eliminate(double[] a, int aOff, int n, int below, int col, double[] b, int bOff, int k) {
        for (int i = below + 1; i < n; i++) {
            int pl = 2 * (aOff + i * n + col);
            double lr = a[pl];
            double li = a[pl + 1];
            for (int j = 0; j < k; j++) {
                int ps = 2 * (bOff + col * k + j);
                int pd = 2 * (bOff + i * k + j);
                b[pd] -= lr * b[ps] - li * b[ps + 1];
                b[pd + 1] -= lr * b[ps + 1] + li * b[ps];
            }
        }
    }

    /** {@code B(row, :) -= sum over i > c of op(A(i, col)) B(i, :)}, op the conjugate for hermitian (zgemv's step). */
    private static void substitute(double[] a, int aOff, int n, int c, int col, double[] b, int bOff, int k,
            boolean hermitian) {
        for (int j = 0; j < k; j++) {
            double sr = 0;
            double si = 0;
            for (int i = c + 1; i < n; i++) {
                int pl = 2 * (aOff + i * n + col);
                double lr = a[pl];
                double li = hermitian ? -a[pl + 1] : a[pl + 1];
                int pb = 2 * (bOff + i * k + j);
                sr += lr * b[pb] - li * b[pb + 1];
                si += lr * b[pb + 1] + li * b[pb];
            }
            int pd = 2 * (bOff + col * k + j);
            b[pd] -= sr;
            b[pd + 1] -= si;
        }
    }

    private static void swapRows(double[] b, int off, int k, int r1, int r2) {
        if (r1 == r2) {
            return;
        }
        for (int j = 0; j < k; j++) {
            swap(b, 2 * (off + r1 * k + j), 2 * (off + r2 * k + j));
        }
    }
}
