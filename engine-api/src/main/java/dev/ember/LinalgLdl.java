package dev.ember;

import java.util.Arrays;

/**
 * {@code torch.linalg.ldl_factor_ex}, {@code ldl_factor} and {@code ldl_solve}: the Bunch-Kaufman factorization
 * {@code A = P L D L^T P^T} of a symmetric matrix (its lower triangle read) and the solve with it, as LAPACK's
 * {@code sytf2}/{@code sytrs} with {@code uplo = 'L'} compute them (so LD and the pivots equal PyTorch's), in float64
 * on the host as {@link LinalgCompat#geqrf} does; complex types through {@link ComplexLdl} (zsytf2/zsytrs, or
 * zhetf2/zhetrs with {@code hermitian}: {@code A = P L D L^H P^T}); {@code hermitian} changes nothing for real types.
 * PyTorch registers no derivative for either: their results carry a NotImplemented node whose backward raises.
 */
final class LinalgLdl {
    private LinalgLdl() {
    }

    /** Bunch-Kaufman's threshold, (1 + sqrt(17)) / 8, as LAPACK's. */
    private static final double ALPHA = (1 + Math.sqrt(17.0)) / 8;

    /**
     * {@code torch.linalg.ldl_factor_ex(A, hermitian, check_errors)}: LD (L below the diagonal, D's 1-by-1 and 2-by-2
     * blocks on and next to it, zeros above), the 1-based pivots of LAPACK (negative for a 2-by-2 block), int32, and
     * info (the first zero pivot, 1-based, or 0), int32.
     */
    static LdlFactorExResult factorEx(Tensor a, boolean hermitian, boolean checkErrors, String api) {
        String fn = "torch.linalg.ldl_factor_ex";
        if (a.dim() < 2) {
            throw new IllegalArgumentException(fn + ": The input tensor A must have at least 2 dimensions.");
        }
        LinalgDecompositions.checkSquare(a, fn, "A");
        LinalgDecompositions.checkFloatingOrComplex(a, fn);
        if (a.dtype.isReducedFloatingPoint()) {
            throw Refusals.notImplemented("ldl_factor_kernel_cpu", a.dtype);
        }
        int n = a.size(-1);
        int batches = LinalgDecompositions.batchOf(a.shape);
        boolean complex = a.isComplex();
        if (a.device.isMeta()) {
            // the meta kernel: LD of A's shape, int32 pivots and info, nothing factored or checked
            Tensor ld = ArithmeticOps.record(Creation.empty(a.shape.clone(), a.dtype, a.device), "NotImplemented",
                    new Tensor[] {a}, node -> g -> {
                        throw new IllegalStateException("derivative for aten::linalg_ldl_factor_ex is not implemented");
                    });
            return new LdlFactorExResult(ld, Creation.empty(Arrays.copyOf(a.shape, a.dim() - 1), DType.INT32, a.device),
                    Creation.empty(LinalgDecompositions.batchShape(a), DType.INT32, a.device));
        }
        double[] x = complex ? ComplexLinalg.host(a) : a.contiguous().toDoubleArray();
        int w = complex ? 2 : 1; // doubles per element
        int[] pivots = new int[batches * n];
        int[] info = new int[batches];
        for (int b = 0; b < batches; b++) {
            info[b] = complex ? ComplexLdl.factorLower(x, b * n * n, n, pivots, b * n, hermitian)
                    : sytf2Lower(x, b * n * n, n, pivots, b * n);
            // LAPACK leaves the upper triangle as it was; PyTorch zeroes it
            for (int i = 0; i < n; i++) {
                Arrays.fill(x, w * (b * n * n + i * n + i + 1), w * (b * n * n + (i + 1) * n), 0.0);
            }
        }
        int[] batch = LinalgDecompositions.batchShape(a);
        int[] pivShape = Arrays.copyOf(a.shape, a.dim() - 1);
        Tensor ld = complex ? ComplexLinalg.complexOf(x, a.shape.clone(), a.dtype, a.device)
                : Creation.fromFlat(x, a.shape.clone(), DType.FLOAT64, Device.CPU).to(a.dtype).to(a.device);
        Tensor piv = Creation.fromFlat(pivots, pivShape, DType.INT32, Device.CPU).to(a.device);
        Tensor inf = Creation.fromFlat(info, batch, DType.INT32, Device.CPU).to(a.device);
        if (checkErrors) {
            checkInfo(info, api);
        }
        ld = ArithmeticOps.record(ld, "NotImplemented", new Tensor[] {a}, node -> g -> {
            throw new IllegalStateException("derivative for aten::linalg_ldl_factor_ex is not implemented");
        });
        return new LdlFactorExResult(ld, piv, inf);
    }

    /**
     * PyTorch's {@code _linalg_check_errors} for an LDL info: it has no branch for this function, so a singular
     * matrix fails its internal assertion, whose message this is (without the assertion's preamble).
     */
    private static void checkInfo(int[] info, String api) {
        for (int code : info) {
            if (code != 0) {
                throw new IllegalArgumentException(api + ": Unknown error code: " + code + ".");
            }
        }
    }

    /**
     * LAPACK's dsytf2 with {@code uplo = 'L'} on the row-major n-by-n matrix at {@code off} (element (i, j) at
     * {@code off + i n + j}; only the lower triangle is read and written): Bunch-Kaufman's partial pivoting with
     * threshold {@link #ALPHA}, 1-based pivots written at {@code pOff}. Returns info.
     */
    static int sytf2Lower(double[] a, int off, int n, int[] ipiv, int pOff) {
        int info = 0;
        int k = 0;
        while (k < n) {
            int kstep = 1;
            int kp;
            double absakk = Math.abs(a[off + k * n + k]);
            int imax = k;
            double colmax = 0;
            if (k < n - 1) {
                imax = argAbsMaxColumn(a, off, n, k + 1, k);
                colmax = Math.abs(a[off + imax * n + k]);
            }
            if (Math.max(absakk, colmax) == 0 || Double.isNaN(absakk)) {
                // column k is zero (or a NaN): record it and go on, as LAPACK
                if (info == 0) {
                    info = k + 1;
                }
                kp = k;
            } else {
                if (absakk >= ALPHA * colmax) {
                    kp = k;
                } else {
                    // the largest off-diagonal element of row imax: its columns k..imax-1, then column imax below it
                    int jmax = k;
                    for (int j = k + 1; j < imax; j++) {
                        if (Math.abs(a[off + imax * n + j]) > Math.abs(a[off + imax * n + jmax])) {
                            jmax = j;
                        }
                    }
                    double rowmax = Math.abs(a[off + imax * n + jmax]);
                    if (imax < n - 1) {
                        jmax = argAbsMaxColumn(a, off, n, imax + 1, imax);
                        rowmax = Math.max(rowmax, Math.abs(a[off + jmax * n + imax]));
                    }
                    if (absakk >= ALPHA * colmax * (colmax / rowmax)) {
                        kp = k;
                    } else if (Math.abs(a[off + imax * n + imax]) >= ALPHA * rowmax) {
                        kp = imax;
                    } else {
                        kp = imax;
                        kstep = 2;
                    }
                }
                int kk = k + kstep - 1;
                if (kp != kk) {
                    // interchange rows and columns kk and kp of the trailing lower triangle
                    for (int i = kp + 1; i < n; i++) {
                        swap(a, off + i * n + kk, off + i * n + kp);
                    }
                    for (int j = kk + 1; j < kp; j++) {
                        swap(a, off + j * n + kk, off + kp * n + j);
                    }
                    swap(a, off + kk * n + kk, off + kp * n + kp);
                    if (kstep == 2) {
                        swap(a, off + (k + 1) * n + k, off + kp * n + k);
                    }
                }
                if (kstep == 1) {
                    if (k < n - 1) {
                        // A22 -= x x^T / d11 (dsyr's order), then x /= d11
                        double d11 = 1 / a[off + k * n + k];
                        for (int j = k + 1; j < n; j++) {
                            double xj = a[off + j * n + k];
                            if (xj != 0) {
                                double temp = -d11 * xj;
                                for (int i = j; i < n; i++) {
                                    a[off + i * n + j] += a[off + i * n + k] * temp;
                                }
                            }
                        }
                        for (int i = k + 1; i < n; i++) {
                            a[off + i * n + k] *= d11;
                        }
                    }
                } else if (k < n - 2) {
                    // A22 -= [x y] D^{-1} [x y]^T for the 2-by-2 block D, and [x y] D^{-1} stored as L's two columns
                    double d21 = a[off + (k + 1) * n + k];
                    double d11 = a[off + (k + 1) * n + k + 1] / d21;
                    double d22 = a[off + k * n + k] / d21;
                    double t = 1 / (d11 * d22 - 1);
                    d21 = t / d21;
                    for (int j = k + 2; j < n; j++) {
                        double wk = d21 * (d11 * a[off + j * n + k] - a[off + j * n + k + 1]);
                        double wkp1 = d21 * (d22 * a[off + j * n + k + 1] - a[off + j * n + k]);
                        for (int i = j; i < n; i++) {
                            a[off + i * n + j] = a[off + i * n + j] - a[off + i * n + k] * wk - a[off + i * n + k + 1] * wkp1;
                        }
                        a[off + j * n + k] = wk;
                        a[off + j * n + k + 1] = wkp1;
                    }
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

    /** idamax down column {@code col} from row {@code from}: the first row of the largest absolute value. */
    private static int argAbsMaxColumn(double[] a, int off, int n, int from, int col) {
        int best = from;
        double max = Math.abs(a[off + from * n + col]);
        for (int i = from + 1; i < n; i++) {
            double v = Math.abs(a[off + i * n + col]);
            if (v > max) {
                max = v;
                best = i;
            }
        }
        return best;
    }

    private static void swap(double[] a, int i, int j) {
        double t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

    /**
     * {@code torch.linalg.ldl_solve(LD, pivots, B, hermitian)}: X with {@code A X = B} from {@link #factorEx}'s LD and
     * pivots (LAPACK's sytrs, {@code uplo = 'L'}), batches broadcast; the result has B's dtype and the broadcast shape.
     * PyTorch reads pivots unchecked; here a pivot that is not one {@link #factorEx} could write is refused. Complex
     * LD: zsytrs, or zhetrs with {@code hermitian}.
     */
    static Tensor solve(Tensor ld, Tensor pivots, Tensor b, boolean hermitian) {
        String fn = "torch.linalg.ldl_solve";
        LinalgDecompositions.checkSquare(ld, fn, "A");
        LinalgDecompositions.checkFloatingOrComplex(ld, fn);
        // (B.size(-2) of a 1-D B: PyTorch's IndexError, before its own check of B's dimensions)
        LinalgDecompositions.linearSolveCheckInputs(b, ld, fn);
        int n = ld.size(-1);
        if (b.dim() < 2) {
            throw new IllegalArgumentException(fn + ": Expected B to have at least 2 dimensions, but it has " + b.dim()
                    + " dimensions instead");
        }
        int[] pivShape = Arrays.copyOf(ld.shape, ld.dim() - 1);
        if (!Arrays.equals(pivShape, pivots.shape)) {
            throw new IllegalArgumentException(fn + ": Expected LD.shape[:-1] and pivots.shape to be the same, but got "
                    + "pivots with shape " + Shapes.str(pivots.shape) + " instead");
        }
        if (pivots.dtype.isFloatingPoint() || pivots.dtype == DType.BOOL) {
            throw new IllegalArgumentException(fn + ": Expected pivots to be integers. Got " + Format.scalarType(pivots.dtype));
        }
        if (ld.dtype != b.dtype) {
            throw new IllegalArgumentException(fn + ": LD dtype" + Format.scalarType(ld.dtype) + " does not match b dtype "
                    + Format.scalarType(b.dtype));
        }
        if (ld.dtype.isReducedFloatingPoint()) {
            throw Refusals.notImplemented("ldl_solve_kernel_cpu", ld.dtype);
        }
        ArithmeticOps.checkSameDevice(ld, pivots);
        int[] batch = Shapes.broadcast(LinalgDecompositions.batchShape(b), LinalgDecompositions.batchShape(ld));
        int k = b.size(-1);
        int[] outShape = LinalgDecompositions.withMatrix(batch, n, k);
        int[] pivBatchShape = Arrays.copyOf(batch, batch.length + 1);
        pivBatchShape[batch.length] = n;
        double[] x;
        double[] a;
        long[] piv;
        boolean complex = ld.isComplex();
        try (GradMode off = Ember.noGrad()) {
            Tensor bx = b.expand(outShape);
            Tensor ax = ld.expand(LinalgDecompositions.withMatrix(batch, n, n));
            x = complex ? ComplexLinalg.host(bx) : bx.contiguous().toDoubleArray();
            a = complex ? ComplexLinalg.host(ax) : ax.contiguous().toDoubleArray();
            piv = pivots.expand(pivBatchShape).contiguous().toLongArray();
        }
        int batches = LinalgDecompositions.batchOf(outShape);
        for (int m = 0; m < batches; m++) {
            checkPivots(piv, m * n, n, fn);
        }
        for (int m = 0; m < batches; m++) {
            if (complex) {
                ComplexLdl.solveLower(a, m * n * n, n, piv, m * n, x, m * n * k, k, hermitian);
            } else {
                sytrsLower(a, m * n * n, n, piv, m * n, x, m * n * k, k);
            }
        }
        Tensor out = complex ? ComplexLinalg.complexOf(x, outShape, b.dtype, b.device)
                : Creation.fromFlat(x, outShape, DType.FLOAT64, Device.CPU).to(b.dtype).to(b.device);
        return ArithmeticOps.record(out, "NotImplemented", new Tensor[] {ld, b}, node -> g -> {
            throw new IllegalStateException("derivative for aten::linalg_ldl_solve is not implemented");
        });
    }

    /** Pivots as {@link #sytf2Lower} writes them: each in [1, n] or [-n, -1], a negative one paired with its twin. */
    private static void checkPivots(long[] piv, int off, int n, String fn) {
        for (int k = 0; k < n; k++) {
            long p = piv[off + k];
            boolean ok = p >= 1 && p <= n;
            if (p < 0 && p >= -n) {
                ok = k + 1 < n && piv[off + k + 1] == p && -p >= k + 2;
                if (ok) {
                    k++;
                }
            }
            if (!ok) {
                throw new IllegalArgumentException(fn + ": pivots[" + k + "] = " + p + " is not a pivot of an LDL "
                        + "factorization of a " + n + " by " + n + " matrix");
            }
        }
    }

    /**
     * LAPACK's dsytrs with {@code uplo = 'L'}: the n-by-k right-hand sides at {@code xOff} (row-major) overwritten by
     * the solution, from the factor at {@code aOff} and the pivots at {@code pOff}.
     */
    private static void sytrsLower(double[] a, int aOff, int n, long[] ipiv, int pOff, double[] b, int bOff, int k) {
        // L D Y = P^T B, forward through the blocks
        int c = 0;
        while (c < n) {
            if (ipiv[pOff + c] > 0) {
                int kp = (int) ipiv[pOff + c] - 1;
                swapRows(b, bOff, k, c, kp);
                for (int i = c + 1; i < n; i++) {
                    double l = a[aOff + i * n + c];
                    for (int j = 0; j < k; j++) {
                        b[bOff + i * k + j] -= l * b[bOff + c * k + j];
                    }
                }
                double inv = 1 / a[aOff + c * n + c];
                for (int j = 0; j < k; j++) {
                    b[bOff + c * k + j] *= inv;
                }
                c++;
            } else {
                int kp = (int) -ipiv[pOff + c] - 1;
                swapRows(b, bOff, k, c + 1, kp);
                for (int i = c + 2; i < n; i++) {
                    double l0 = a[aOff + i * n + c];
                    double l1 = a[aOff + i * n + c + 1];
                    for (int j = 0; j < k; j++) {
                        b[bOff + i * k + j] -= l0 * b[bOff + c * k + j];
                    }
                    for (int j = 0; j < k; j++) {
                        b[bOff + i * k + j] -= l1 * b[bOff + (c + 1) * k + j];
                    }
                }
                double akm1k = a[aOff + (c + 1) * n + c];
                double akm1 = a[aOff + c * n + c] / akm1k;
                double ak = a[aOff + (c + 1) * n + c + 1] / akm1k;
                double denom = akm1 * ak - 1;
                for (int j = 0; j < k; j++) {
                    double bkm1 = b[bOff + c * k + j] / akm1k;
                    double bk = b[bOff + (c + 1) * k + j] / akm1k;
                    b[bOff + c * k + j] = (ak * bkm1 - bk) / denom;
                    b[bOff + (c + 1) * k + j] = (akm1 * bk - bkm1) / denom;
                }
                c += 2;
            }
        }
        // L^T X = Y, backward through the blocks, undoing the interchanges
        c = n - 1;
        while (c >= 0) {
            boolean single = ipiv[pOff + c] > 0;
            for (int j = 0; j < k; j++) {
                double s = 0;
                for (int i = c + 1; i < n; i++) {
                    s += b[bOff + i * k + j] * a[aOff + i * n + c];
                }
                b[bOff + c * k + j] -= s;
            }
            if (!single) {
                for (int j = 0; j < k; j++) {
                    double s = 0;
                    for (int i = c + 1; i < n; i++) {
                        s += b[bOff + i * k + j] * a[aOff + i * n + c - 1];
                    }
                    b[bOff + (c - 1) * k + j] -= s;
                }
            }
            int kp = (int) Math.abs(ipiv[pOff + c]) - 1;
            swapRows(b, bOff, k, c, kp);
            c -= single ? 1 : 2;
        }
    }

    private static void swapRows(double[] b, int off, int k, int r1, int r2) {
        if (r1 == r2) {
            return;
        }
        for (int j = 0; j < k; j++) {
            swap(b, off + r1 * k + j, off + r2 * k + j);
        }
    }
}
