package dev.ember;

import dev.ember.backend.Layout;
import dev.ember.backend.ReduceOp;

import java.util.Arrays;

/**
 * {@code torch.linalg}'s decompositions and solvers on batches of matrices ({@code [..., m, n]}), float32 and float64
 * (and complex64 / complex128 through the host kernels of {@link ComplexLinalg} and {@link ComplexSvd}):
 * {@code inv}, {@code solve}, {@code det}, {@code slogdet}, {@code cholesky}, {@code qr}, {@code lstsq}, {@code svd},
 * {@code svdvals}, {@code eigh}, {@code eigvalsh}, {@code pinv}, and the triangular solve their backward formulas use;
 * {@code cond} and {@code matrix_rank} as PyTorch composes them from svdvals, eigvalsh, inv and matrix norms. The factorizations are the backend's kernels (the {@code decompositions}
 * family of the SPI); each op records the one node PyTorch 2.x records, with the backward formula of its
 * derivatives.yaml written in Ember ops (so it runs on any device and, where PyTorch's is, is differentiable again).
 * Errors carry PyTorch's words, singular and non-positive-definite inputs included ({@link LinAlgError}).
 */
final class LinalgDecompositions {
    private LinalgDecompositions() {
    }

    // ------------------------------------------------------------------ checks

    /** {@code checkIsMatrix}: at least two dimensions. */
    static void checkMatrix(Tensor a, String fn, String name) {
        if (a.dim() < 2) {
            throw new IllegalArgumentException(fn + ": The input tensor " + name + " must have at least 2 dimensions.");
        }
    }

    /** {@code squareCheckInputs}: a batch of square matrices. */
    static void checkSquare(Tensor a, String fn, String name) {
        checkMatrix(a, fn, name);
        int m = a.size(-2);
        int n = a.size(-1);
        if (m != n) {
            throw new IllegalArgumentException(fn + ": " + name + " must be batches of square matrices, but they are " + m
                    + " by " + n + " matrices");
        }
    }

    /**
     * PyTorch's {@code linearSolveCheckInputs(b, A, name)}: one device, one dtype, square matrices A whose size is b's
     * number of rows.
     */
    static void linearSolveCheckInputs(Tensor b, Tensor a, String name) {
        ArithmeticOps.checkSameDevice(b, a);
        if (b.dtype != a.dtype) {
            throw new IllegalArgumentException("Expected b and A to have the same dtype, but found b of type "
                    + Format.scalarType(b.dtype) + " and A of type " + Format.scalarType(a.dtype) + " instead.");
        }
        int n = a.size(-1);
        if (a.size(-2) != n) {
            throw new IllegalArgumentException("A must be batches of square matrices, but they are " + a.size(-2) + " by "
                    + n + " matrices");
        }
        if (b.size(-2) != n) {
            throw new IllegalArgumentException("Incompatible matrix sizes for " + name + ": each A matrix is " + n + " by " + n
                    + " but each b matrix is " + b.size(-2) + " by " + b.size(-1));
        }
    }

    /** PyTorch's {@code checkFloatingOrComplex}, for the functions that take complex inputs. */
    static void checkFloatingOrComplex(Tensor a, String fn) {
        if (!a.dtype.isFloatingPoint() && !a.dtype.isComplex()) {
            throw new IllegalArgumentException(fn + ": Expected a floating point or complex tensor as input. Got "
                    + Format.scalarType(a.dtype));
        }
    }

    /**
     * {@link #checkFloating}, and PyTorch's {@code checkFloatingOrComplex(A, fn, allow_low_precision_dtypes=false)}:
     * float16 and bfloat16 refused by name (inv, slogdet, logdet), before any kernel's "not implemented".
     */
    static void checkFloatingFull(Tensor a, String fn) {
        checkFloatingOrComplex(a, fn);
        if (a.dtype.isReducedFloatingPoint()) {
            throw new IllegalArgumentException(fn + ": Low precision dtypes not supported. Got " + Format.scalarType(a.dtype));
        }
    }

    /**
     * PyTorch's {@code _linalg_check_errors}: the first batch element whose info is not zero, with "(Batch element i): "
     * when the input has batch dimensions. A meta info has no codes to read: nothing is checked (PyTorch's meta
     * {@code _linalg_check_errors} is a no-op).
     */
    static void checkInfo(Tensor info, String api, boolean batched, java.util.function.LongFunction<String> why) {
        if (info.numel() == 0 || info.device.isMeta()) {
            return;
        }
        long[] codes = info.toLongArray();
        for (int i = 0; i < codes.length; i++) {
            if (codes[i] != 0) {
                throw new LinAlgError(api + ": " + (batched ? "(Batch element " + i + "): " : "") + why.apply(codes[i]));
            }
        }
    }

    // ------------------------------------------------------------------ batches and raw kernels (no history)

    /** The product of all but the last two sizes. */
    static int batchOf(int[] shape) {
        long b = 1;
        for (int i = 0; i < shape.length - 2; i++) {
            b *= shape[i];
        }
        return Shapes.toSize(b, "the batch of " + Shapes.str(shape));
    }

    /** {@code t} as a [B, rows, cols] tensor (a view where the strides allow, else a copy), without history. */
    static Tensor batch3(Tensor t) {
        try (GradMode off = Ember.noGrad()) {
            return t.reshape(batchOf(t.shape), t.size(-2), t.size(-1));
        }
    }

    static int[] withMatrix(int[] batch, int rows, int cols) {
        int[] s = Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = rows;
        s[batch.length + 1] = cols;
        return s;
    }

    static int[] batchShape(Tensor t) {
        return Arrays.copyOf(t.shape, t.dim() - 2);
    }

    /** LU factors of a [B, n, n] tensor: lu [B, n, n], pivots [B, n], info [B]. */
    static Tensor[] luRaw(Tensor a3) {
        if (a3.dtype.isComplex()) {
            return ComplexLinalg.luRaw(a3);
        }
        int b = a3.shape[0];
        int n = a3.shape[1];
        Tensor lu = Creation.empty(new int[] {b, n, n}, a3.dtype, a3.device);
        Tensor piv = Creation.empty(new int[] {b, n}, DType.INT64, a3.device);
        Tensor info = Creation.empty(new int[] {b}, DType.INT64, a3.device);
        if (n == 0) {
            // 0 x 0 matrices: no kernel (PyTorch's lu_factor_ex returns before dispatching, so float16 passes), info 0
            info = Creation.zeros(new int[] {b}, DType.INT64, a3.device);
        } else if (b > 0) {
            a3.backend.luFactor(a3.storage(), a3.layout, lu.storage(), lu.layout, piv.storage(), piv.layout, info.storage(),
                    info.layout);
        }
        return new Tensor[] {lu, piv, info};
    }

    /** X with A X = B from LU factors; b3 [B, n, k]. */
    static Tensor luSolveRaw(Tensor lu, Tensor piv, Tensor b3) {
        if (lu.dtype.isComplex()) {
            return ComplexLinalg.luSolveRaw(lu, piv, b3);
        }
        Tensor x = Creation.empty(b3.shape, lu.dtype, lu.device);
        if (x.numel() > 0) {
            lu.backend.luSolve(lu.storage(), lu.layout, piv.storage(), piv.layout, b3.storage(), b3.layout, x.storage(),
                    x.layout);
        }
        return x;
    }

    /** X with A X = B for triangular a3 [B, n, n] and b3 [B, n, k]. */
    private static Tensor triSolveRaw(Tensor a3, Tensor b3, boolean upper, boolean unit) {
        if (b3.dtype.isComplex()) {
            return ComplexLinalg.triSolve(a3, b3, upper, unit);
        }
        Tensor x = Creation.empty(b3.shape, b3.dtype, b3.device);
        if (x.numel() > 0) {
            a3.backend.triangularSolve(a3.storage(), a3.layout, b3.storage(), b3.layout, x.storage(), x.layout, upper, unit);
        }
        return x;
    }

    /** The n-by-n identity of a type on a device. */
    static Tensor eye(int n, DType dtype, Device device) {
        if (dtype.isComplex()) {
            return eye(n, dtype.toReal(), device).to(dtype);
        }
        Tensor t = Creation.zeros(new int[] {n, n}, dtype, device);
        if (n > 0) {
            t.backend.fill(t.storage(), new Layout(new int[] {n}, new int[] {n + 1}, 0), 1);
        }
        return t;
    }

    /** The diagonals of a [..., n, n] tensor, a [..., n] view without history. */
    private static Tensor diagonalView(Tensor t) {
        try (GradMode off = Ember.noGrad()) {
            return Einsum.diagonal(t, t.dim() - 2, t.dim() - 1);
        }
    }

    /** {@code tril(x, k)} (or {@code triu}) of the last two dimensions, as a where against a constant mask. */
    static Tensor triangle(Tensor x, int k, boolean lower) {
        int m = x.size(-2);
        int n = x.size(-1);
        boolean[] keep = new boolean[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                keep[i * n + j] = lower ? j - i <= k : j - i >= k;
            }
        }
        Tensor mask = Creation.fromFlat(keep, new int[] {m, n}, DType.BOOL, Device.CPU).to(x.device);
        return ArithmeticOps.where(mask, x, Creation.wrap(0.0));
    }

    // ------------------------------------------------------------------ inv

    static Tensor inv(Tensor a) {
        if (Autocast.on()) return Autocast.apply("linalg_inv", t -> inv(t[0]), a);
        return invEx(a, null);
    }

    static String singularInverse(long k) {
        return "The diagonal element " + k + " is zero, the inversion could not be completed because the input matrix "
                + "is singular.";
    }

    /**
     * {@code torch.linalg.inv_ex(A, check_errors=)}: the inverse (as 2.x, the LU solve of A X = I) and the int32 info
     * of each matrix's LU factorization; {@code checkErrors} raises PyTorch's "linalg.inv_ex: ..." for the first
     * singular matrix.
     */
    static InvExResult invEx(Tensor a, boolean checkErrors) {
        if (Autocast.on()) return Autocast.apply("linalg_inv_ex", t -> invEx(t[0], checkErrors), a);
        Tensor[] info = new Tensor[1];
        Tensor inverse = invEx(a, info);
        Tensor info32 = info[0].to(DType.INT32);
        if (checkErrors) {
            checkInfo(info32, "linalg.inv_ex", a.dim() > 2, LinalgDecompositions::singularInverse);
        }
        return new InvExResult(inverse, info32);
    }

    /**
     * {@code linalg.inv_ex}: with {@code info} null, a singular matrix is a {@link LinAlgError} ({@code linalg.inv});
     * otherwise info[0] receives LAPACK's info per matrix (batch shape, int64) and the inverse of a singular one is
     * whatever the LU solve gives.
     */
    private static Tensor invEx(Tensor a, Tensor[] info) {
        checkSquare(a, "linalg.inv", "A");
        checkFloatingFull(a, "linalg.inv");
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor a3 = batch3(a);
            int n = a3.shape[1];
            Tensor[] f = luRaw(a3);
            // 2.x's inv is _linalg_solve_ex(A, I), whose info is that of A^T's LU for a real contiguous A
            Tensor pivoted = factorsTransposed(a) ? a.mT() : a;
            Tensor own = pytorchInfo(f[2].view(batchShape(a)), pivoted, pivoted == a);
            if (info == null) {
                checkInfo(own, "linalg.inv", a.dim() > 2, LinalgDecompositions::singularInverse);
            } else {
                info[0] = own;
            }
            Tensor id = eye(n, a.dtype, a.device).expand(a3.shape[0], n, n);
            out = LinalgOps.fortranOnMeta(LinalgOps.fresh(luSolveRaw(f[0], f[1], id), a.shape));
        }
        return ArithmeticOps.record(out, "LinalgInvExBackward0", new Tensor[] {a}, node -> {
            SavedTensor so = node.saveOutput(out);
            return g -> {
                // -inverse^H @ (grad @ inverse^H)
                Tensor invH = so.get().mH();
                return new Tensor[] {invH.matmul(g.matmul(invH)).neg()};
            };
        });
    }

    // ------------------------------------------------------------------ solve

    /** {@code linalg_solve_is_vector_rhs}: B is a vector, or a batch of vectors shaped as A without its last dimension. */
    private static boolean isVectorRhs(Tensor a, Tensor b) {
        return b.dim() == 1 || (a.dim() - 1 == b.dim() && Arrays.equals(b.shape, Arrays.copyOf(a.shape, a.dim() - 1)));
    }

    static Tensor solve(Tensor a, Tensor b) {
        return solveEx(a, b, true, true, "torch.linalg.solve")[0];
    }

    /**
     * {@code linalg.solve_ex(A, B, left, check_errors)} ({@code linalg.solve} with {@code check_errors}): {X, info}, X
     * with {@code A X = B} ({@code left}) or {@code X A = B}, batches broadcast, one {@code LinalgSolveExBackward0}
     * node; info is LAPACK's per matrix of the broadcast batch (int32: 0, or the first zero pivot's 1-based index).
     * Without {@code checkErrors} a singular A gives whatever the LU solve gives (infinities or NaN) and its info.
     */
    static Tensor[] solveEx(Tensor a, Tensor b, boolean left, boolean checkErrors, String api) {
        // linalg_solve is on the CPU list (float32), linalg_solve_ex on none
        if (Autocast.on()) return Autocast.apply(api.equals("torch.linalg.solve") ? "linalg_solve" : "linalg_solve_ex",
                t -> solveEx(t[0], t[1], left, checkErrors, api), a, b);
        ArithmeticOps.checkSameDevice(a, b);
        checkFloatingOrComplex(a, "linalg.solve");
        if (a.dtype != b.dtype) {
            throw new IllegalArgumentException("linalg.solve: Expected A and B to have the same dtype, but found A of type "
                    + Format.scalarType(a.dtype) + " and B of type " + Format.scalarType(b.dtype) + " instead");
        }
        boolean vector = isVectorRhs(a, b);
        Tensor bm;
        try (GradMode off = Ember.noGrad()) {
            bm = vector ? b.unsqueeze(left ? -1 : -2) : b;
        }
        checkSquare(a, "linalg.solve", "A");
        checkMatrix(bm, "linalg.solve", "B");
        if (left ? a.size(-2) != bm.size(-2) : a.size(-1) != bm.size(-1)) {
            throw new IllegalArgumentException("linalg.solve: Incompatible shapes of A and B for the equation "
                    + (left ? "AX = B" : "XA = B") + " (" + a.size(-2) + "x" + a.size(-1) + " and " + bm.size(-2) + "x"
                    + bm.size(-1) + ")");
        }
        Tensor[] info = new Tensor[1];
        Tensor x;
        // the matrix whose LU 2.x's _linalg_solve_ex factors (its info and its errors): A^T for a real contiguous A
        Tensor pivoted = factorsTransposed(a) ? a.mT() : a;
        if (left) {
            x = solveMatrices(a, bm, api, checkErrors, info, pivoted, pivoted == a);
        } else {
            // X A = B as A^T X^T = B^T
            Tensor xt = solveMatrices(a.mT(), bm.mT(), api, checkErrors, info, pivoted, pivoted != a);
            try (GradMode off = Ember.noGrad()) {
                x = LinalgOps.fresh(xt.mT().contiguous(), withMatrix(batchShape(xt), xt.size(-1), xt.size(-2)));
            }
        }
        int unsqueezed = left ? -1 : -2;
        int[] vs = Arrays.copyOf(x.shape, x.dim() - 1);
        vs[vs.length - 1] = x.size(left ? -2 : -1);
        Tensor out = vector ? LinalgOps.fresh(x, vs) : LinalgOps.fortranOnMeta(x);
        ArithmeticOps.record(out, "LinalgSolveExBackward0", new Tensor[] {a, b}, node -> {
            SavedTensor sa = node.save(a);
            // the result saved whatever needs a gradient, as PyTorch's node saves its outputs (an in-place change of
            // it is refused by the backward even where only B's gradient is computed)
            SavedTensor sx = node.saveOutput(out);
            return g -> {
                // left: gB = A^{-H} gX, gA = -gB X^H; right: gB = gX A^{-H}, gA = -X^H gB
                Tensor gm = vector ? g.unsqueeze(unsqueezed) : g;
                Tensor gb = left ? solveAnyBatch(sa.get().mH(), gm) : solveAnyBatch(sa.get(), gm.mH()).mH();
                Tensor ga = null;
                if (node.computes(0, sx)) {
                    Tensor xm = vector ? sx.get().unsqueeze(unsqueezed) : sx.get();
                    ga = (left ? gb.matmul(xm.mH()) : xm.mH().matmul(gb)).neg();
                }
                return new Tensor[] {ga, node.needsInputGrad(1) ? (vector ? gb.squeeze(unsqueezed) : gb) : null};
            };
        });
        return new Tensor[] {out, info[0]};
    }

    /** A X = B for matrices B ([..., n, k]), differentiable: the backward formulas' {@code linalg.solve}. */
    private static Tensor solveAnyBatch(Tensor a, Tensor bm) {
        Tensor x = solveMatrices(a, bm, "torch.linalg.solve", true, new Tensor[1], a, true);
        return ArithmeticOps.record(x, "LinalgSolveExBackward0", new Tensor[] {a, bm}, node -> {
            SavedTensor sa = node.save(a);
            SavedTensor sx = node.saveOutput(x); // saved whatever needs a gradient, as PyTorch's outputs
            return g -> {
                Tensor gb = solveAnyBatch(sa.get().mH(), g);
                return new Tensor[] {!node.computes(0, sx) ? null : gb.matmul(sx.get().mH()).neg(), node.needsInputGrad(1) ? gb : null};
            };
        });
    }

    /**
     * X with A X = B, batch dimensions broadcast, without history; a singular A is a {@link LinAlgError} when
     * {@code check}; {@code info[0]} receives LAPACK's info per matrix of A's own batch (int32, PyTorch's shape), that
     * of {@code pivoted}'s LU (the matrix 2.x factors: A or its transpose; {@code pivotedIsA} where it is {@code a}).
     */
    private static Tensor solveMatrices(Tensor a, Tensor bm, String api, boolean check, Tensor[] info, Tensor pivoted,
                                        boolean pivotedIsA) {
        try (GradMode off = Ember.noGrad()) {
            int n = a.size(-1);
            int k = bm.size(-1);
            int[] batch = Shapes.broadcast(batchShape(bm), batchShape(a));
            int bs = batchOf(withMatrix(batch, n, k));
            Tensor a3 = a.expand(withMatrix(batch, n, n)).reshape(bs, n, n);
            Tensor b3 = bm.expand(withMatrix(batch, n, k)).reshape(bs, n, k);
            Tensor[] f = luRaw(a3);
            // A's own batch: the broadcast copies of a matrix have the same info (an empty broadcast batch of a
            // non-empty A, B's batch being 0, still factors A, as PyTorch's lu_factor_ex of A does)
            Tensor own;
            if (bs == 0 && batchOf(a.shape) > 0) {
                own = luRaw(batch3(a))[2].view(batchShape(a));
            } else {
                own = f[2].view(batch);
                int lead = batch.length - (a.dim() - 2);
                for (int d = 0; d < batch.length; d++) {
                    if (d < lead || a.size(d - lead) == 1) {
                        own = own.narrow(d, 0, 1);
                    }
                }
                own = own.reshape(batchShape(a));
            }
            own = pytorchInfo(own, pivoted, pivotedIsA);
            if (check) {
                // "(Batch element i): " by A's own batch (PyTorch's A.dim() == 2), not B's broadcast one
                checkInfo(own, api, a.dim() > 2, c -> "The solver failed because the input matrix is singular.");
            }
            info[0] = own.to(DType.INT32);
            return LinalgOps.fresh(luSolveRaw(f[0], f[1], b3), withMatrix(batch, n, k));
        }
    }

    /**
     * Whether 2.x's {@code _linalg_solve_ex} (so linalg.solve, solve_ex, inv, inv_ex) factors {@code A^T} rather than
     * A: {@code use_A_T = A.is_contiguous() && !A.is_complex()}.
     */
    private static boolean factorsTransposed(Tensor a) {
        return a.isContiguous() && !a.dtype.isComplex();
    }

    /**
     * The info PyTorch reports: {@code info} (Ember's LU of A, A's batch shape) where {@code pivotedIsA}; otherwise
     * that of {@code pivoted}'s LU (A^T, see {@link #factorsTransposed}), factored only where A's LU met a zero pivot
     * (both are singular in exact arithmetic; their first zero pivots can differ), so a regular matrix costs one
     * factorization.
     */
    private static Tensor pytorchInfo(Tensor info, Tensor pivoted, boolean pivotedIsA) {
        if (pivotedIsA || info.numel() == 0 || info.device.isMeta()) {
            return info;
        }
        boolean any = false;
        for (long c : info.toLongArray()) {
            any |= c != 0;
        }
        if (!any) {
            return info;
        }
        return luRaw(batch3(pivoted))[2].view(info.shape);
    }

    /**
     * {@code A^{-1} B} where a zero pivot of A's LU is replaced by machine epsilon (PyTorch's first-order determinant
     * backward for singular inputs), without history or error.
     */
    private static Tensor solvePerturbed(Tensor a, Tensor bm) {
        try (GradMode off = Ember.noGrad()) {
            int n = a.size(-1);
            int k = bm.size(-1);
            int[] batch = Shapes.broadcast(batchShape(bm), batchShape(a));
            int bs = batchOf(withMatrix(batch, n, k));
            Tensor a3 = a.expand(withMatrix(batch, n, n)).reshape(bs, n, n);
            Tensor b3 = bm.expand(withMatrix(batch, n, k)).reshape(bs, n, k);
            if (a.dtype.isComplex()) {
                return ComplexLinalg.solveRaw(a3, b3, true).view(withMatrix(batch, n, k));
            }
            Tensor[] f = luRaw(a3);
            Tensor diag = diagonalView(f[0]);
            double eps = a.dtype == DType.FLOAT32 ? Math.ulp(1.0f) : Math.ulp(1.0);
            Tensor fixed = ArithmeticOps.where(diag.eq(0.0), Creation.wrap(eps), diag);
            diag.backend.copy(fixed.storage(), fixed.layout, diag.storage(), diag.layout);
            return luSolveRaw(f[0], f[1], b3).view(withMatrix(batch, n, k));
        }
    }

    // ------------------------------------------------------------------ det and slogdet

    /**
     * The LU factors of A for a determinant, as PyTorch's {@code _linalg_det}: of A^T when A is contiguous (the same
     * determinant, and the layout LAPACK wants), else of A.
     */
    private static Tensor[] detFactors(Tensor a) {
        Tensor a3 = batch3(a);
        try (GradMode off = Ember.noGrad()) {
            return luRaw(a.isContiguous() ? a3.mT() : a3);
        }
    }

    /** The sign of each batch element's row permutation, from its pivots, as a [B] tensor of {@code dtype}. */
    private static Tensor permutationSign(Tensor piv, DType dtype) {
        int b = piv.shape[0];
        int n = piv.shape[1];
        if (piv.device.isMeta()) {
            return Creation.empty(new int[] {b}, dtype, piv.device); // no pivots to count: the sign's shape only
        }
        long[] p = piv.toLongArray();
        double[] s = new double[b];
        for (int i = 0; i < b; i++) {
            int swaps = 0;
            for (int j = 0; j < n; j++) {
                if (p[i * n + j] != j + 1) {
                    swaps++;
                }
            }
            s[i] = swaps % 2 == 0 ? 1 : -1;
        }
        return Creation.fromFlat(s, new int[] {b}, DType.FLOAT64, Device.CPU).to(dtype).to(piv.device);
    }

    /** The product along the last dimension, without history. */
    private static Tensor prodLast(Tensor t) {
        boolean[] mask = new boolean[t.dim()];
        mask[t.dim() - 1] = true;
        return ReductionOps.reduceKernel(ReduceOp.PROD, t, mask, false, t.dtype);
    }

    static Tensor det(Tensor a) {
        checkSquare(a, "linalg.det", "A");
        checkFloatingOrComplex(a, "linalg.det");
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            if (a.dtype.isComplex()) {
                // _linalg_det factors A itself for complex types
                out = LinalgOps.fresh(ComplexLinalg.det(batch3(a)), batchShape(a));
            } else {
                Tensor[] f = detFactors(a);
            Tensor diag = diagonalView(f[0]);
            out = LinalgOps.fresh(prodLast(diag).mul(permutationSign(f[1], a.dtype)), batchShape(a));
            }
        }
        return ArithmeticOps.record(out, "LinalgDetBackward0", new Tensor[] {a}, node -> {
            SavedTensor sa = node.save(a);
            SavedTensor sd = node.saveOutput(out);
            return g -> new Tensor[] {detBackward(g, sd.get(), sa.get())};
        });
    }

    /**
     * PyTorch 2.x's {@code linalg_det_backward}: {@code (grad * det) A^{-T}}. Without grad mode (a first derivative) it
     * is one solve with A's LU, whose zero pivots are replaced by epsilon, so a singular A gets the gradient
     * {@code grad * det = 0} times a finite matrix, as PyTorch's. With grad mode (create_graph) it is differentiable:
     * {@code linalg.solve(A^T, d)} for the matrices with {@code |det| >= 100 eps}, and for the others (singular or
     * nearly) the adjugate through an SVD ({@link #detBackwardSingular}), PyTorch's masked_fmap choice per batch element.
     */
    private static Tensor detBackward(Tensor g, Tensor det, Tensor a) {
        int n = a.size(-1);
        if (a.numel() == 0) {
            return null; // no gradient (linalg_det_backward's undefined one): A's .grad stays None, as PyTorch's
        }
        Tensor d = g.mul(det.conj()).unsqueeze(-1).unsqueeze(-1).mul(eye(n, a.dtype, a.device));
        if (!GradMode.isEnabled()) {
            try (GradMode off = Ember.noGrad()) {
                return solvePerturbed(a.mH(), d);
            }
        }
        double eps = a.dtype == DType.FLOAT32 ? Math.ulp(1.0f) : Math.ulp(1.0);
        Tensor mask;
        boolean any = false;
        boolean all = true;
        try (GradMode off = Ember.noGrad()) {
            mask = det.abs().lt(100 * eps);
            for (boolean b : mask.toBooleanArray()) {
                any |= b;
                all &= b;
            }
        }
        if (!any) {
            return solveAnyBatch(a.mH(), d);
        }
        if (all) {
            return detBackwardSingular(a, g);
        }
        Index[] singular = {Index.of(mask)};
        Index[] regular = {Index.of(mask.logicalNot())};
        Tensor gs = detBackwardSingular(a.index(singular), g.index(singular));
        Tensor gr = solveAnyBatch(a.index(regular).mH(), d.index(regular));
        return a.detach().zerosLike().indexPut(singular, gs, false).indexPut(regular, gr, false);
    }

    /**
     * The gradient of det at a singular (or nearly singular) A, differentiable: with {@code A = U S V^H},
     * {@code U diag(D) V^H} where {@code D_i = grad conj(det(U) det(V^H)) prod_{j != i} S_j} (the adjugate's transpose; PyTorch
     * computes the products of the other singular values with prod_safe_zeros_backward's exclusive cumulative products,
     * Ember with a product over each row of S with its own entry replaced by 1: the same values, another rounding).
     */
    private static Tensor detBackwardSingular(Tensor a, Tensor g) {
        SvdResult usv = svd(a, false);
        Tensor u = usv.U();
        Tensor s = usv.S();
        Tensor vh = usv.Vh();
        int n = s.size(-1);
        Tensor alpha = det(u).mul(det(vh)).conj().mul(g).unsqueeze(-1);
        Tensor dd = alpha;
        if (n > 1) {
            Tensor others = ArithmeticOps.where(eye(n, DType.BOOL, a.device), Creation.wrap(1.0),
                    s.unsqueeze(-2).expand(withMatrix(batchShape(a), n, n)));
            dd = alpha.mul(others.prod(-1, false));
        }
        return u.mul(dd.unsqueeze(-2)).matmul(vh);
    }


    /**
     * {@code logdet}: PyTorch 2.x's composition over {@code linalg_slogdet}, {@code where(sign == -1, nan, logabsdet)}
     * ({@code WhereBackward0}): NaN for a negative determinant, -inf for a singular matrix; for a complex matrix
     * {@code sign.log() + logabsdet} ({@code AddBackward0}).
     */
    static Tensor logdet(Tensor a) {
        checkSquare(a, "logdet", "A");
        checkFloatingFull(a, "logdet");
        SlogdetResult r = slogdet(a);
        if (a.dtype.isComplex()) {
            // 2.x's complex branch: sign.log() + logabsdet
            return r.sign().log().add(r.logabsdet());
        }
        return Tensor.where(r.sign().eq(-1.0), Creation.wrap(Double.NaN), r.logabsdet());
    }

    /**
     * {@code linalg.matrix_power}: PyTorch's composition: {@code n = 0} the identity copied into a clone (so the result
     * is in the graph), 1 a clone, -1 the inverse, negative powers through the inverse, 2 and 3 direct products, larger
     * ones by binary decomposition (the same products in the same order, so the same rounding).
     */
    static Tensor matrixPower(Tensor a, int n) {
        checkSquare(a, "linalg.matrix_power", "A");
        if (n == 0) {
            // matrix_power's clone(at::MemoryFormat::Contiguous)
            return ViewOps.cloneContiguous(a).copy_(Tensor.eye(a.size(-2), a.size(-2), a.dtype).to(a.device));
        }
        if (n == 1) {
            return ViewOps.cloneContiguous(a);
        }
        if (n == -1) {
            return inv(a);
        }
        Tensor base = n < 0 ? inv(a) : a;
        long k = Math.abs((long) n);
        if (k == 2) {
            return base.matmul(base);
        }
        if (k == 3) {
            return base.matmul(base).matmul(base);
        }
        Tensor z = null;
        Tensor result = null;
        while (k > 0) {
            long bit = k % 2;
            k /= 2;
            z = z == null ? base : z.matmul(z);
            if (bit == 1) {
                result = result == null ? z : result.matmul(z);
            }
        }
        return result;
    }

    static SlogdetResult slogdet(Tensor a) {
        checkSquare(a, "linalg.slogdet", "A");
        checkFloatingFull(a, "linalg.slogdet");
        Tensor sign;
        Tensor logabsdet;
        if (a.dtype.isComplex()) {
            return complexSlogdet(a);
        }
        try (GradMode off = Ember.noGrad()) {
            Tensor[] f = detFactors(a);
            Tensor diag = diagonalView(f[0]);
            sign = LinalgOps.fresh(prodLast(diag.sign()).mul(permutationSign(f[1], a.dtype)), batchShape(a));
            logabsdet = LinalgOps.fresh(diag.abs().log().sum(new int[] {-1}, false), batchShape(a));
        }
        // the sign's gradient is zero for real inputs (slogdet_backward ignores grad_sign): its node gives none
        ArithmeticOps.record(sign, "LinalgSlogdetBackward0", new Tensor[] {a}, node -> g -> new Tensor[] {null});
        ArithmeticOps.record(logabsdet, "LinalgSlogdetBackward0", new Tensor[] {a}, node -> {
            SavedTensor sa = node.save(a);
            return g -> {
                // grad_logabsdet A^{-H}: a solve with A's LU (first order), linalg.solve(A^H, diag(g)) with grad mode
                Tensor x = sa.get();
                Tensor d = g.unsqueeze(-1).unsqueeze(-1).mul(eye(x.size(-1), x.dtype, x.device));
                if (!GradMode.isEnabled()) {
                    return new Tensor[] {solvePerturbedNoFix(x.mT(), d)};
                }
                return new Tensor[] {solveAnyBatch(x.mT(), d)};
            };
        });
        return new SlogdetResult(sign, logabsdet);
    }

    /**
     * {@code slogdet} of a complex A: sign (A's type) and logabsdet (the real type), each with its LinalgSlogdetBackward0
     * node, PyTorch's {@code slogdet_backward} split by output (the sum is the one node's): logabsdet's
     * {@code A^{-H} diag(g)}, sign's {@code A^{-H} diag(i Im(conj(sign) g))}, through A's LU (first order) or
     * {@code linalg.solve(A^H, .)} with grad mode.
     */
    private static SlogdetResult complexSlogdet(Tensor a) {
        Tensor sign;
        Tensor logabsdet;
        try (GradMode off = Ember.noGrad()) {
            Tensor[] sl = ComplexLinalg.slogdet(batch3(a));
            sign = LinalgOps.fresh(sl[0], batchShape(a));
            logabsdet = LinalgOps.fresh(sl[1], batchShape(a));
        }
        ArithmeticOps.record(sign, "LinalgSlogdetBackward0", new Tensor[] {a}, node -> {
            SavedTensor sa = node.save(a);
            SavedTensor ss = node.saveOutput(sign);
            return g -> {
                Tensor im = ss.get().conj().mul(g).imag();
                return new Tensor[] {slogdetSolve(sa.get(), Tensor.complex(im.zerosLike(), im))};
            };
        });
        ArithmeticOps.record(logabsdet, "LinalgSlogdetBackward0", new Tensor[] {a}, node -> {
            SavedTensor sa = node.save(a);
            return g -> new Tensor[] {slogdetSolve(sa.get(), g.to(a.dtype))};
        });
        return new SlogdetResult(sign, logabsdet);
    }

    /** {@code A^{-H} diag(g)}: a solve with A's LU (first order), {@code linalg.solve(A^H, diag(g))} with grad mode. */
    private static Tensor slogdetSolve(Tensor x, Tensor g) {
        Tensor d = g.unsqueeze(-1).unsqueeze(-1).mul(eye(x.size(-1), x.dtype, x.device));
        if (!GradMode.isEnabled()) {
            return solvePerturbedNoFix(x.mH(), d);
        }
        return solveAnyBatch(x.mH(), d);
    }

    /** {@code A^{-1} B} through A's LU without an error for a zero pivot (infinities or NaN then), without history. */
    private static Tensor solvePerturbedNoFix(Tensor a, Tensor bm) {
        try (GradMode off = Ember.noGrad()) {
            int n = a.size(-1);
            int k = bm.size(-1);
            int[] batch = Shapes.broadcast(batchShape(bm), batchShape(a));
            int bs = batchOf(withMatrix(batch, n, k));
            Tensor a3 = a.expand(withMatrix(batch, n, n)).reshape(bs, n, n);
            Tensor b3 = bm.expand(withMatrix(batch, n, k)).reshape(bs, n, k);
            Tensor[] f = luRaw(a3);
            return luSolveRaw(f[0], f[1], b3).view(withMatrix(batch, n, k));
        }
    }

    // ------------------------------------------------------------------ cholesky

    static Tensor cholesky(Tensor a, boolean upper) {
        return choleskyEx(a, upper, "linalg.cholesky")[0];
    }

    /**
     * The deprecated {@code torch.cholesky(A, upper)}: {@code linalg.cholesky}'s factor, with its own name in the
     * messages ("cholesky: ...", "cholesky_cpu" for a type without a kernel) and its own node, CholeskyBackward0.
     */
    static Tensor choleskyDeprecated(Tensor a, boolean upper) {
        checkSquare(a, "cholesky", "A");
        if (!a.dtype.isFloatingPoint() && !a.dtype.isComplex()) {
            throw Refusals.notImplemented("cholesky_cpu", a.dtype);
        }
        return choleskyEx(a, upper, "cholesky", "CholeskyBackward0")[0];
    }

    /**
     * {@code torch.linalg.cholesky_ex(A, upper=, check_errors=)}: the factor and the int32 info of each matrix;
     * {@code checkErrors} raises PyTorch's "linalg.cholesky_ex: ..." for the first matrix that is not positive-definite.
     */
    static CholeskyExResult choleskyEx(Tensor a, boolean upper, boolean checkErrors) {
        Tensor[] li = choleskyEx(a, upper, checkErrors ? "linalg.cholesky_ex" : null);
        return new CholeskyExResult(li[0], li[1].to(DType.INT32));
    }

    private static String notPositiveDefinite(long k) {
        return "The factorization could not be completed because the input is not positive-definite (the leading minor "
                + "of order " + k + " is not positive-definite).";
    }

    /** The factor and the int64 info (the batch shape); a non-zero info raises a {@link LinAlgError} named {@code api} unless it is null. */
    private static Tensor[] choleskyEx(Tensor a, boolean upper, String api) {
        return choleskyEx(a, upper, api, "LinalgCholeskyExBackward0");
    }

    private static Tensor[] choleskyEx(Tensor a, boolean upper, String api, String nodeName) {
        // cholesky, linalg_cholesky and linalg_cholesky_ex are all on the CPU list (float32)
        if (Autocast.on()) return Autocast.apply("cholesky".equals(api) ? "cholesky" : "linalg.cholesky".equals(api)
                ? "linalg_cholesky" : "linalg_cholesky_ex", t -> choleskyEx(t[0], upper, api, nodeName), a);
        checkSquare(a, "linalg.cholesky", "A");
        checkFloatingOrComplex(a, "linalg.cholesky");
        Tensor out;
        Tensor info;
        try (GradMode off = Ember.noGrad()) {
            Tensor a3 = batch3(a);
            // upper reads A's upper triangle: the lower one of A^H, whose factor L gives U = L^H
            Tensor src = upper ? a3.mH() : a3;
            Tensor l;
            if (a.dtype.isComplex()) {
                Tensor[] li = ComplexLinalg.cholesky(src);
                l = li[0];
                info = li[1];
            } else {
                l = Creation.empty(a3.shape, a.dtype, a.device);
                info = Creation.zeros(new int[] {a3.shape[0]}, DType.INT64, a.device);
                if (a3.shape[0] > 0) {
                    a.backend.cholesky(src.storage(), src.layout, l.storage(), l.layout, info.storage(), info.layout);
                }
            }
            if (api != null) {
                checkInfo(info, api, a.dim() > 2, LinalgDecompositions::notPositiveDefinite);
            }
            out = LinalgOps.fortranOnMeta(LinalgOps.fresh(upper ? l.mH().contiguous() : l, a.shape));
            info = info.view(batchShape(a));
        }
        return new Tensor[] {ArithmeticOps.record(out, nodeName, new Tensor[] {a}, node -> {
            SavedTensor sl = node.saveOutput(out);
            return g -> new Tensor[] {choleskyBackward(g, upper, sl.get())};
        }), info};
    }

    /** {@code cholesky_backward} (Iain Murray, arXiv 1602.07527), as PyTorch 2.x writes it. */
    private static Tensor choleskyBackward(Tensor gL, boolean upper, Tensor l) {
        if (upper) {
            l = l.mH();
            gL = gL.mH();
        }
        Tensor gA = triangle(l.mH().matmul(gL), 0, true);
        gA = gA.add(triangle(gA, -1, true).mH()).mul(0.5);
        gA = solveTriangular(l.mH(), gA, true, true, false);
        return solveTriangular(l, gA, false, false, false);
    }

    // ------------------------------------------------------------------ triangular solve

    /**
     * {@code torch.linalg.solve_triangular(A, B, upper, left, unitriangular)}: X with {@code A X = B} (left) or
     * {@code X A = B}, batch dimensions broadcast; one {@code LinalgSolveTriangularBackward0} node.
     */
    static Tensor solveTriangular(Tensor a, Tensor b, boolean upper, boolean left, boolean unitriangular) {
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            // X A = B is A^T X^T = B^T with the other triangle
            Tensor am = left ? a : a.mT();
            Tensor bm = left ? b : b.mT();
            boolean up = left == upper;
            int n = am.size(-1);
            int k = bm.size(-1);
            int[] batch = Shapes.broadcast(batchShape(bm), batchShape(am));
            int bs = batchOf(withMatrix(batch, n, k));
            Tensor a3 = am.expand(withMatrix(batch, n, n)).reshape(bs, n, n);
            Tensor b3 = bm.expand(withMatrix(batch, n, k)).reshape(bs, n, k);
            Tensor x = LinalgOps.fresh(triSolveRaw(a3, b3, up, unitriangular), withMatrix(batch, n, k));
            out = left ? x : x.mT().contiguous();
        }
        return ArithmeticOps.record(out, "LinalgSolveTriangularBackward0", new Tensor[] {a, b}, node -> {
            SavedTensor sa = node.save(a);
            SavedTensor sx = node.saveOutput(out); // saved whatever needs a gradient, as PyTorch's outputs
            return g -> {
                Tensor gb = solveTriangular(sa.get().mH(), g, !upper, left, unitriangular);
                Tensor ga = null;
                if (node.computes(0, sx)) {
                    Tensor x = sx.get();
                    ga = (left ? gb.matmul(x.mH()) : x.mH().matmul(gb)).neg();
                    ga = triangle(ga, upper ? (unitriangular ? 1 : 0) : (unitriangular ? -1 : 0), !upper);
                }
                return new Tensor[] {ga, node.needsInputGrad(1) ? gb : null};
            };
        });
    }

    // ------------------------------------------------------------------ qr

    static QrResult qr(Tensor a, String mode) {
        if (Autocast.on()) return Autocast.apply("linalg_qr", t -> qr(t[0], mode), a);
        checkMatrix(a, "linalg.qr", "A");
        checkFloatingOrComplex(a, "linalg.qr");
        boolean computeQ;
        boolean reduced;
        switch (mode) {
            case "reduced": computeQ = true; reduced = true; break;
            case "complete": computeQ = true; reduced = false; break;
            case "r": computeQ = false; reduced = true; break;
            default:
                throw new IllegalArgumentException("qr received unrecognized mode '" + mode
                        + "' but expected one of 'reduced' (default), 'r', or 'complete'");
        }
        int m = a.size(-2);
        int n = a.size(-1);
        int k = Math.min(m, n);
        int rows = reduced ? k : m;
        int[] batch = batchShape(a);
        Tensor q;
        Tensor r;
        try (GradMode off = Ember.noGrad()) {
            Tensor a3 = batch3(a);
            int bs = a3.shape[0];
            Tensor q3 = computeQ ? Creation.empty(new int[] {bs, m, rows}, a.dtype, a.device) : null;
            Tensor r3 = Creation.empty(new int[] {bs, rows, n}, a.dtype, a.device);
            if (a.dtype.isComplex()) {
                Tensor[] qr = ComplexLinalg.qr(a3, computeQ, reduced);
                q3 = qr[0];
                r3 = qr[1];
            } else if (bs > 0 && (m > 0 || n > 0)) {
                if (m == 0 || n == 0) {
                    // nothing to factor: R is empty, Q empty or (complete, no columns) the identity
                    if (q3 != null && q3.numel() > 0) {
                        Tensor id = eye(m, a.dtype, a.device).expand(bs, m, m);
                        q3.backend.copy(id.storage(), id.layout, q3.storage(), q3.layout);
                    }
                } else {
                    a.backend.qr(a3.storage(), a3.layout, q3 == null ? null : q3.storage(), q3 == null ? null : q3.layout,
                            r3.storage(), r3.layout);
                }
            }
            q = q3 == null ? Creation.empty(new int[] {0}, a.dtype, a.device)
                    : LinalgOps.fortranOnMeta(LinalgOps.fresh(q3, withMatrix(batch, m, rows)));
            r = LinalgOps.fortranOnMeta(LinalgOps.fresh(r3, withMatrix(batch, rows, n)));
        }
        Tensor[] outs = computeQ ? new Tensor[] {q, r} : new Tensor[] {r};
        MultiOutput.record("LinalgQrBackward0", new Tensor[] {a}, outs, node -> {
            SavedTensor sq = computeQ ? node.saveOutput(q) : null;
            SavedTensor sr = node.saveOutput(r);
            return grads -> {
                if (!computeQ) {
                    throw new IllegalArgumentException("The derivative of linalg.qr depends on Q, which is not computed when "
                            + "mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to differentiate through "
                            + "linalg.qr.");
                }
                if (!reduced && m > n) {
                    throw new IllegalArgumentException("The QR decomposition is not differentiable when mode='complete' and "
                            + "nrows > ncols.");
                }
                return new Tensor[] {qrBackward(grads[0], grads[1], sq.get(), sr.get(), m, n)};
            };
        });
        return new QrResult(q, r);
    }

    /**
     * {@code linalg_qr_backward} of PyTorch 2.x; a null gradient is PyTorch's undefined one (no gradient reached that
     * output; not both are null), whose terms are left out as PyTorch's {@code defined()} tests do.
     */
    private static Tensor qrBackward(Tensor gQ, Tensor gR, Tensor q, Tensor r, int m, int n) {
        Tensor gA;
        if (gQ != null) {
            Tensor qhgQ = q.mH().matmul(gQ);
            gA = gR != null ? gR.matmul(r.mH()).sub(qhgQ) : qhgQ.neg();
        } else {
            gA = gR.matmul(r.mH());
        }
        if (m >= n) {
            // gA = (gQ + Q syminvadj(triu(gR R^H - Q^H gQ))) R^{-H}
            Tensor t = triangle(gA, 0, false);
            Tensor sym = t.add(t.mH());
            Tensor half = halveDiagonal(sym);
            gA = q.matmul(half);
            if (gQ != null) {
                gA = gA.add(gQ);
            }
            return solveTriangular(r.mH(), gA, false, false, false);
        }
        // m < n: Q trilImInvAdjSkew(-gA) (tril(X - X^H) for a real X), solved against R's leading square block, then Q gR
        Tensor x = gA.neg();
        // (for a complex X the diagonal keeps i Im(x_ii): X - X^H's, halved; zero for a real X)
        gA = q.matmul(halveDiagonal(triangle(x.sub(x.mH()), 0, true)));
        gA = solveTriangular(r.narrow(-1, 0, m).mH(), gA, false, false, false);
        int[] zerosShape = r.shape();
        zerosShape[zerosShape.length - 1] = n - m;
        gA = Tensor.cat(java.util.List.of(gA, Creation.zeros(zerosShape, gA.dtype, gA.device)), -1);
        return gR != null ? gA.add(q.matmul(gR)) : gA;
    }

    /** {@code x} with its diagonal (last two dimensions) halved: {@code x * (1 - I/2)}. */
    private static Tensor halveDiagonal(Tensor x) {
        int n = x.size(-1);
        Tensor factor = eye(n, x.dtype, x.device).mul(-0.5).add(1.0);
        return x.mul(factor);
    }

    // ------------------------------------------------------------------ lstsq

    /** {@code torch.linalg.lstsq(A, B).solution} with the default driver and rcond. */
    static Tensor lstsq(Tensor a, Tensor b) {
        return lstsq(a, b, null, null).solution();
    }

    /**
     * PyTorch's {@code get_default_lstsq_driver}: the name lower-cased and checked (gels, gelsy, gelsd, gelss on the
     * CPU; only gels elsewhere, as PyTorch's CUDA); null is gelsy on the CPU, gels elsewhere.
     */
    private static String lstsqDriver(String driver, Tensor a) {
        boolean cpu = a.device.isCpu();
        if (driver == null) {
            return cpu ? "gelsy" : "gels";
        }
        String d = driver.toLowerCase(java.util.Locale.ROOT);
        if (cpu && !(d.equals("gels") || d.equals("gelsy") || d.equals("gelsd") || d.equals("gelss"))) {
            throw new IllegalArgumentException("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, "
                    + "gelsd, gelss)");
        }
        if (!cpu && !d.equals("gels")) {
            throw new IllegalArgumentException("torch.linalg.lstsq: `driver` other than `gels` is not supported on CUDA");
        }
        return d;
    }

    /**
     * {@code torch.linalg.lstsq(A, B, rcond, driver)}, real or complex, batches broadcast: gels by QR (A full rank: an
     * exactly zero diagonal entry of R is PyTorch's error); gelsy, gelsd and gelss through the SVD: the minimum-norm
     * solution {@code V diag(1/S where S > rcond * S_max, else 0) U^H B}, the rank that count (gelsy's too, which LAPACK
     * decides by the condition of its pivoted QR's R: the same rank unless a singular value sits at the threshold), the
     * singular values for gelsd and gelss; rcond null is {@code eps * max(m, n)}, negative is eps. Residuals as
     * PyTorch's ({@link LstsqResult}). One LinalgLstsqBackward0 node on the solution, PyTorch 2.x's backward through
     * {@code pinv(A)}.
     */
    static LstsqResult lstsq(Tensor a, Tensor b, Double rcond, String driver) {
        if (Autocast.on()) return Autocast.apply("linalg_lstsq", t -> lstsq(t[0], t[1], rcond, driver), a, b);
        // PyTorch 2.x registers no meta linalg_lstsq (its residuals' shape depends on the rank, which is data)
        MetaOps.refuseDataDependent("aten::linalg_lstsq", a, b);
        ArithmeticOps.checkSameDevice(a, b);
        if (a.dim() < 2) {
            throw new IllegalArgumentException("torch.linalg.lstsq: input must have at least 2 dimensions.");
        }
        if (b.dim() < 1) {
            throw new IllegalArgumentException("torch.linalg.lstsq: other must have at least 1 dimension.");
        }
        if (a.dtype != b.dtype) {
            throw new IllegalArgumentException("torch.linalg.lstsq: Expected input and other to have the same dtype, but got "
                    + "input's dtype " + Format.scalarType(a.dtype) + " and other's dtype " + Format.scalarType(b.dtype));
        }
        int diff = a.dim() - b.dim();
        if (!(0 <= diff && diff <= 1)) {
            throw new IllegalArgumentException("torch.linalg.lstsq: input.dim() must be greater or equal to other.dim() and "
                    + "(input.dim() - other.dim()) <= 1");
        }
        boolean vector = diff == 1;
        Tensor bm;
        try (GradMode off = Ember.noGrad()) {
            bm = vector ? b.unsqueeze(-1) : b;
        }
        if (a.size(-2) != bm.size(-2)) {
            throw new IllegalArgumentException(vector ? "torch.linalg.lstsq: input.size(-2) should match other.size(-1)"
                    : "torch.linalg.lstsq: input.size(-2) should match other.size(-2)");
        }
        String drv = lstsqDriver(driver, a);
        if (!a.dtype.isFloatingPoint() && !a.dtype.isComplex() || a.dtype.isReducedFloatingPoint() && rcond == null) {
            throw new IllegalArgumentException("This function doesn't handle types other than float and double");
        }
        if (a.dtype.isReducedFloatingPoint() && a.device.isCpu()) { // _get_epsilon passed: the kernel has none
            throw Refusals.notImplemented("linalg_lstsq", a.device, a.dtype);
        }
        DType real = a.dtype.isComplex() ? a.dtype.toReal() : a.dtype;
        double eps = real == DType.FLOAT32 ? Math.ulp(1.0f) : Math.ulp(1.0);
        int m = a.size(-2);
        int n = a.size(-1);
        int k = bm.size(-1);
        int[] batch = Shapes.broadcast(batchShape(a), batchShape(bm));
        double rc = rcond == null ? eps * Math.max(m, n) : rcond < 0 ? eps : rcond;
        Tensor out;
        Tensor residuals;
        Tensor rank;
        Tensor singular;
        try (GradMode off = Ember.noGrad()) {
            Tensor ae = a.expand(withMatrix(batch, m, n));
            Tensor be = bm.expand(withMatrix(batch, m, k));
            Tensor x;
            rank = Creation.empty(new int[] {0}, DType.INT64, a.device);
            singular = Creation.empty(new int[] {0}, real, a.device);
            if (drv.equals("gels")) {
                x = lstsqQr(ae, be, batch.length > 0);
            } else if (m == 0 || n == 0) {
                x = Creation.zeros(withMatrix(batch, n, k), a.dtype, a.device);
                rank = Creation.zeros(batch, DType.INT64, a.device);
                if (!drv.equals("gelsy")) {
                    singular = Creation.zeros(Arrays.copyOf(batch, batch.length + 1), real, a.device);
                }
            } else {
                Tensor[] usv = svdRaw(ae, false, true);
                Tensor s = usv[1];
                Tensor keep = s.gt(s.narrow(-1, 0, 1).mul(rc));
                Tensor sInv = ArithmeticOps.where(keep, s.reciprocal(), Creation.wrap(0.0));
                x = usv[2].mH().mul(sInv.unsqueeze(-2)).matmul(usv[0].mH().matmul(be));
                rank = keep.sum(new int[] {-1}, false).to(DType.INT64);
                if (!drv.equals("gelsy")) {
                    singular = s;
                }
            }
            boolean fullRank = drv.equals("gels");
            if (!fullRank && !drv.equals("gelsy")) {
                fullRank = !rank.ne((long) n).any();
            }
            residuals = m > n && fullRank
                ? ae.matmul(x).sub(be).abs().pow(2L).sum(new int[] {-2}, false).to(real).contiguous()
                : Creation.empty(new int[] {0}, real, a.device);
            out = LinalgOps.fresh(x.contiguous(), vector ? Arrays.copyOf(x.shape, x.dim() - 1) : x.shape);
        }
        Tensor solution = ArithmeticOps.record(out, "LinalgLstsqBackward0", new Tensor[] {a, b}, node -> {
            SavedTensor sa = node.save(a);
            SavedTensor sb = node.needsInputGrad(0) ? node.save(b) : null;
            return g -> {
                // linalg_lstsq_backward: through linalg.pinv(A), as PyTorch 2.x
                Tensor x = sa.get();
                Tensor gm = vector ? g.unsqueeze(-1) : g;
                Tensor pinv = pinv(x, null, null, false);
                Tensor ga = null;
                if (sb != null) {
                    Tensor bb = vector ? sb.get().unsqueeze(-1) : sb.get();
                    ga = pinvBackward(gm.matmul(bb.mH()), pinv, x);
                }
                Tensor gb = null;
                if (node.needsInputGrad(1)) {
                    gb = pinv.mH().matmul(gm);
                    gb = vector ? gb.squeeze(-1) : gb;
                }
                return new Tensor[] {ga, gb};
            };
        });
        return new LstsqResult(solution, residuals, rank, singular);
    }

    /**
     * gels: X = R^{-1} Q^H B from A = Q R (the least-norm {@code Q R^{-H} B} from A^H = Q R when wide), without history;
     * an exactly zero diagonal entry of R is PyTorch's error for a matrix without full rank (LAPACK's info).
     */
    private static Tensor lstsqQr(Tensor ae, Tensor be, boolean batched) {
        boolean tall = ae.size(-2) >= ae.size(-1);
        QrResult f = qr(tall ? ae : ae.mH(), "reduced");
        Tensor r = f.R();
        if (r.numel() > 0) {
            int k = r.size(-1);
            Tensor zero = r.diagonal(0, -2, -1).eq(0L);
            Tensor first = zero.to(DType.INT64).argmax(-1, false).add(1L);
            Tensor info = ArithmeticOps.where(zero.any(-1), first, Creation.wrap(0L)).reshape(-1);
            checkInfo(info, "torch.linalg.lstsq", batched, c -> "The least squares solution could not be computed because "
                    + "the input matrix does not have full rank (error code: " + c + ").");
            if (k == 0) {
                return Creation.zeros(withMatrix(batchShape(ae), ae.size(-1), be.size(-1)), ae.dtype, ae.device);
            }
        }
        return tall ? solveTriangular(r, f.Q().mH().matmul(be), true, true, false)
            : f.Q().matmul(solveTriangular(r.mH(), be, false, true, false));
    }

    /** {@code pinv_backward} of PyTorch 2.x. */
    private static Tensor pinvBackward(Tensor grad, Tensor pinvA, Tensor a) {
        int m = a.size(-2);
        int n = a.size(-1);
        Tensor pinvAh = pinvA.mH();
        Tensor gradh = grad.mH();
        if (m <= n) {
            Tensor k = gradh.matmul(pinvA);
            Tensor kPinvAh = k.matmul(pinvAh);
            return pinvA.matmul(k).mH().neg().add(kPinvAh).sub(a.matmul(pinvA).matmul(kPinvAh))
                    .add(pinvAh.matmul(pinvA).matmul(gradh.sub(k.matmul(a))));
        }
        Tensor k = pinvA.matmul(gradh);
        Tensor pinvAhK = pinvAh.matmul(k);
        return k.matmul(pinvA).mH().neg().add(gradh.sub(a.matmul(k)).matmul(pinvA).matmul(pinvAh)).add(pinvAhK)
                .sub(pinvAhK.matmul(pinvA).matmul(a));
    }

    // ------------------------------------------------------------------ svd and svdvals

    /** The checks of PyTorch's {@code _linalg_svd} (svdvals' errors say "linalg.svd" too). */
    private static void checkSvd(Tensor a) {
        checkMatrix(a, "linalg.svd", "A");
        checkFloatingOrComplex(a, "linalg.svd");
        // PyTorch's CPU kernel has no float16/bfloat16 (its dispatch refuses them by name; Ember's kernel would fail on
        // the storage type)
        if (a.dtype.isReducedFloatingPoint() && a.device.isCpu()) {
            throw Refusals.notImplemented("linalg_svd", a.device, a.dtype);
        }
    }

    /**
     * The kernel: [U, S, Vh] of {@code a} (U and Vh null when {@code computeUv} is false), without history; a matrix with a
     * NaN is a {@link LinAlgError} as PyTorch's (LAPACK 3.10's gesdd reports it).
     */
    private static Tensor[] svdRaw(Tensor a, boolean fullMatrices, boolean computeUv) {
        int m = a.size(-2);
        int n = a.size(-1);
        int k = Math.min(m, n);
        int[] batch = batchShape(a);
        try (GradMode off = Ember.noGrad()) {
            Tensor a3 = batch3(a);
            int bs = a3.shape[0];
            if (a.dtype.isComplex()) {
                Tensor[] f = ComplexSvd.svd(a3, fullMatrices, computeUv);
                checkInfo(f[3], "linalg.svd", a.dim() > 2,
                        c -> "The algorithm failed to converge because the input matrix contained non-finite values.");
                int[] sShape = Arrays.copyOf(batch, batch.length + 1);
                sShape[batch.length] = k;
                Tensor s = LinalgOps.fresh(f[1], sShape);
                return !computeUv ? new Tensor[] {null, s, null} : new Tensor[] {LinalgOps.fortranOnMeta(LinalgOps.fresh(f[0],
                    withMatrix(batch, m, f[0].shape[2]))), s,
                    LinalgOps.fortranOnMeta(LinalgOps.fresh(f[2], withMatrix(batch, f[2].shape[1], n)))};
            }
            int ucols = fullMatrices ? m : k;
            int vrows = fullMatrices ? n : k;
            Tensor u3 = computeUv ? Creation.empty(new int[] {bs, m, ucols}, a.dtype, a.device) : null;
            Tensor vh3 = computeUv ? Creation.empty(new int[] {bs, vrows, n}, a.dtype, a.device) : null;
            Tensor s3 = Creation.empty(new int[] {bs, k}, a.dtype, a.device);
            Tensor info = Creation.zeros(new int[] {bs}, DType.INT64, a.device);
            if (bs > 0) {
                a.backend.svd(a3.storage(), a3.layout, u3 == null ? null : u3.storage(), u3 == null ? null : u3.layout,
                        s3.storage(), s3.layout, vh3 == null ? null : vh3.storage(), vh3 == null ? null : vh3.layout,
                        info.storage(), info.layout);
            }
            checkInfo(info, "linalg.svd", a.dim() > 2,
                    c -> "The algorithm failed to converge because the input matrix contained non-finite values.");
            int[] sShape = Arrays.copyOf(batch, batch.length + 1);
            sShape[batch.length] = k;
            Tensor s = LinalgOps.fresh(s3, sShape);
            if (!computeUv) {
                return new Tensor[] {null, s, null};
            }
            return new Tensor[] {LinalgOps.fortranOnMeta(LinalgOps.fresh(u3, withMatrix(batch, m, ucols))), s,
                LinalgOps.fortranOnMeta(LinalgOps.fresh(vh3, withMatrix(batch, vrows, n)))};
        }
    }

    /** {@code torch.linalg.svd(A, full_matrices)}: one LinalgSvdBackward0 node over U, S and Vh. */
    static SvdResult svd(Tensor a, boolean fullMatrices) {
        if (Autocast.on()) return Autocast.apply("linalg_svd", t -> svd(t[0], fullMatrices), a);
        checkSvd(a);
        Tensor[] f = svdRaw(a, fullMatrices, true);
        recordSvd(a, f, fullMatrices);
        return new SvdResult(f[0], f[1], f[2]);
    }

    /**
     * {@code torch.linalg.svdvals(A)}: as PyTorch's, {@code _linalg_svd(A, compute_uv=A needs a gradient)}'s S, so its node
     * is LinalgSvdBackward0 (with U and Vh kept inside for the backward).
     */
    static Tensor svdvals(Tensor a) {
        if (Autocast.on()) return Autocast.apply("linalg_svdvals", t -> svdvals(t[0]), a);
        checkSvd(a);
        boolean grad = ArithmeticOps.needsGrad(new Tensor[] {a});
        Tensor[] f = svdRaw(a, false, grad);
        if (grad) {
            recordSvd(a, f, false);
        }
        return f[1];
    }

    private static void recordSvd(Tensor a, Tensor[] usv, boolean fullMatrices) {
        Tensor u = usv[0];
        Tensor s = usv[1];
        Tensor vh = usv[2];
        int k = s.size(-1);
        MultiOutput.record("LinalgSvdBackward0", new Tensor[] {a}, new Tensor[] {u, s, vh}, node -> {
            SavedTensor su = node.saveOutput(u);
            SavedTensor ss = node.saveOutput(s);
            SavedTensor sv = node.saveOutput(vh);
            return g -> {
                // derivatives.yaml: full_matrices narrows U, Vh and their gradients to the first k singular vectors (the
                // gradients of the rest are ignored, as PyTorch's documentation says); null: no gradient reached it
                Tensor gU = fullMatrices && g[0] != null ? g[0].narrow(-1, 0, k) : g[0];
                Tensor gVh = fullMatrices && g[2] != null ? g[2].narrow(-2, 0, k) : g[2];
                Tensor uu = fullMatrices ? su.get().narrow(-1, 0, k) : su.get();
                Tensor vv = fullMatrices ? sv.get().narrow(-2, 0, k) : sv.get();
                return new Tensor[] {svdBackward(gU, g[1], gVh, uu, ss.get(), vv)};
            };
        });
    }

    /**
     * PyTorch 2.x's {@code svd_backward} (reduced U and Vh), term for term, with {@code mH} (mT for real inputs); for
     * complex inputs its gauge check (a loss that depends on the singular vectors' phases is refused: Im diag(U^H gU)
     * must be within 1e-2 of -Im diag(V^H gV)) and the imaginary diagonal term {@code diag(skew(U^H gU)) / (2 S)}. A null
     * gradient is PyTorch's undefined one (no gradient reached that output; not all three are null).
     */
    private static Tensor svdBackward(Tensor gU, Tensor gS, Tensor gVh, Tensor u, Tensor s, Tensor vh) {
        int m = u.size(-2);
        int n = vh.size(-1);
        if (gU == null && gVh == null) {
            // svdvals' shortcut: U diag(gS) Vh
            return m >= n ? u.matmul(gS.unsqueeze(-1).mul(vh)) : u.mul(gS.unsqueeze(-2)).matmul(vh);
        }
        boolean complex = u.isComplex();
        int k = s.size(-1);
        Tensor uhgU = gU == null ? null : skew(u.mH().matmul(gU));
        Tensor vhgV = gVh == null ? null : skew(vh.matmul(gVh.mH()));
        if (complex) {
            checkSvdGauge(uhgU, vhgV);
        }
        Tensor s2 = s.mul(s);
        // E = S2_j - S2_i off the diagonal, 1 on it (any non-zero: its entries divide zeros)
        Tensor e = s2.unsqueeze(-2).sub(s2.unsqueeze(-1)).add(eye(k, s.dtype, s.device));
        Tensor ret;
        if (uhgU != null && vhgV != null) {
            ret = uhgU.mul(s.unsqueeze(-2)).add(s.unsqueeze(-1).mul(vhgV)).div(e);
        } else if (uhgU != null) {
            ret = uhgU.div(e).mul(s.unsqueeze(-2));
        } else {
            ret = s.unsqueeze(-1).mul(vhgV.div(e));
        }
        if (gS != null) {
            ret = ret.add(gS.diagEmbed());
        }
        if (complex && uhgU != null && vhgV != null) {
            ret = ret.add(uhgU.diagonal(0, -2, -1).div(s.mul(2.0)).diagEmbed());
        }
        Tensor gA;
        if (m > n && gU != null) {
            // [U gA + (I_m - U U^H) gU S^{-1}] V^H
            gA = u.matmul(ret);
            Tensor gUSinv = gU.div(s.unsqueeze(-2));
            gA = gA.add(gUSinv).sub(u.matmul(u.mH().matmul(gUSinv)));
            gA = gA.matmul(vh);
        } else if (m < n && gVh != null) {
            // U [gA V^H + S^{-1} gV^H (I_n - V V^H)]
            gA = ret.matmul(vh);
            Tensor sInvGVh = gVh.div(s.unsqueeze(-1));
            gA = gA.add(sInvGVh).sub(sInvGVh.matmul(vh.mH()).matmul(vh));
            gA = u.matmul(gA);
        } else {
            gA = m >= n ? u.matmul(ret.matmul(vh)) : u.matmul(ret).matmul(vh);
        }
        return gA;
    }

    /** {@code A - A^H}. */
    private static Tensor skew(Tensor x) {
        return x.sub(x.mH());
    }

    /**
     * svd_backward's check that the loss is invariant under {@code (U, V) -> (U L, V L)}, L unit diagonal:
     * {@code allclose(Im diag(skew(U^H gU)), -Im diag(skew(V^H gV)), rtol=1e-2, atol=1e-2)}, a missing side zeros.
     */
    private static void checkSvdGauge(Tensor uhgU, Tensor vhgV) {
        double[] x;
        double[] y;
        try (GradMode off = Ember.noGrad()) {
            x = uhgU == null ? null : uhgU.detach().diagonal(0, -2, -1).imag().contiguous().toDoubleArray();
            y = vhgV == null ? null : vhgV.detach().diagonal(0, -2, -1).imag().contiguous().toDoubleArray();
        }
        int len = x != null ? x.length : y.length;
        for (int i = 0; i < len; i++) {
            double a = x == null ? 0 : x[i];
            double b = y == null ? 0 : -y[i];
            if (!(Math.abs(a - b) <= 1e-2 + 1e-2 * Math.abs(b))) {
                throw new IllegalStateException("svd_backward: The singular vectors in the complex case are specified up to "
                        + "multiplication by e^{i phi}. The specified loss function depends on this phase term, making it "
                        + "ill-defined.");
            }
        }
    }

    // ------------------------------------------------------------------ cond and matrix_rank

    /** An order as PyTorch prints the Python number a user passes: integral values as ints, else C++'s double. */
    private static String ordText(double p) {
        if (Double.isInfinite(p)) {
            return p > 0 ? "inf" : "-inf";
        }
        return p == Math.rint(p) ? Long.toString((long) p) : Format.cpp(p);
    }

    /** Zeros of the batch shape, of the real type (a complex input's too): PyTorch's cond of empty matrices. */
    private static Tensor condEmpty(Tensor a) {
        return Creation.zeros(batchShape(a), a.dtype.toReal(), a.device);
    }

    /**
     * {@code torch.linalg.cond(A, p)} for a numeric p (null: 2), as PyTorch 2.x composes it: for p = 2 / -2 the ratio of
     * the largest and smallest singular values ({@code svdvals}, narrow, div, squeeze); for 1, -1, inf, -inf
     * {@code matrix_norm(A, p) * matrix_norm(inv_ex(A) with inf where singular, p)}, then {@code nan_to_num}.
     */
    static Tensor cond(Tensor a, Double p) {
        if (Autocast.on()) return Autocast.apply("linalg_cond", t -> cond(t[0], p), a);
        if (a.dim() < 2) {
            throw new IllegalArgumentException("linalg.cond: The input tensor must have at least 2 dimensions.");
        }
        double ord = p == null ? 2 : p;
        double abs = Math.abs(ord);
        if (abs != 2 && abs != 1 && abs != Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("linalg.cond got an invalid norm type: " + Format.cpp(ord));
        }
        if (a.numel() == 0) {
            return condEmpty(a);
        }
        if (abs == 2) {
            Tensor s = svdvals(a);
            int k = s.size(-1);
            Tensor max = s.narrow(-1, 0, 1);
            Tensor min = s.narrow(-1, k - 1, 1);
            return (ord < 0 ? min.div(max) : max.div(min)).squeeze(-1);
        }
        checkSquare(a, "linalg.cond(ord=" + ordText(ord) + ")", "A");
        return condThroughInverse(a, ord, null);
    }

    /**
     * {@code torch.linalg.cond(A, p)} for p "fro" or "nuc": "nuc" as {@code svdvals(A).sum(-1) * svdvals(A).reciprocal()
     * .sum(-1)}, "fro" through the inverse as the numeric orders.
     */
    static Tensor cond(Tensor a, String p) {
        if (Autocast.on()) return Autocast.apply("linalg_cond", t -> cond(t[0], p), a);
        checkSquare(a, "linalg.cond(ord=" + p + ")", "A");
        if (!"fro".equals(p) && !"nuc".equals(p)) {
            throw new IllegalArgumentException("linalg.cond got an invalid norm type: " + p);
        }
        if (a.numel() == 0) {
            return condEmpty(a);
        }
        if ("nuc".equals(p)) {
            Tensor s = svdvals(a);
            return s.sum(new int[] {-1}, false).mul(s.reciprocal().sum(new int[] {-1}, false));
        }
        return condThroughInverse(a, 0, p);
    }

    /**
     * PyTorch's {@code _linalg_cond_helper}: {@code inv_ex(A)}, filled with inf in place where a matrix is singular (so, as
     * PyTorch's, a backward through it fails: the inverse's node saved it), times the norms, with NaN (0 * inf) to inf.
     */
    private static Tensor condThroughInverse(Tensor a, double ord, String p) {
        Tensor[] info = new Tensor[1];
        Tensor inverse = invEx(a, info);
        Tensor singular;
        try (GradMode off = Ember.noGrad()) {
            singular = info[0].gt(0L).unsqueeze(-1).unsqueeze(-1);
        }
        inverse.maskedFill_(singular, Double.POSITIVE_INFINITY);
        Tensor normSelf = p == null ? a.matrixNorm(ord, null, false) : a.matrixNorm(p, null, false);
        Tensor normInverse = p == null ? inverse.matrixNorm(ord, null, false) : inverse.matrixNorm(p, null, false);
        return normSelf.mul(normInverse).nanToNum(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY);
    }

    /**
     * {@code torch.linalg.matrix_rank(A, atol, rtol, hermitian)}: the number of singular values (absolute eigenvalues when
     * hermitian, of the matrix its lower triangle defines) above {@code max(atol, rtol * largest)}; atol null is 0, rtol
     * null is {@code eps(dtype) * max(m, n)}, or 0 when a positive atol is given. Int64, no gradient.
     */
    static Tensor matrixRank(Tensor a, Double atol, Double rtol, boolean hermitian) {
        if (Autocast.on()) return Autocast.apply("linalg_matrix_rank", t -> matrixRank(t[0], atol, rtol, hermitian), a);
        if (a.dim() < 2) {
            throw new IllegalArgumentException("torch.linalg.matrix_rank: The input tensor input must have at least 2 "
                    + "dimensions.");
        }
        // _get_epsilon of the default rtol knows float and double only (an explicit rtol lets float16 and bfloat16 on
        // to the singular values, whose kernel refuses them)
        // get_atol_rtol computes the default rtol (so _get_epsilon, float and double only) where rtol is not given;
        // a given rtol lets any type on to the singular values (or eigenvalues), whose checks refuse it; an empty
        // input is rank 0 before either (a non-square one with hermitian too)
        DType real = a.dtype.toReal();
        if (rtol == null && real != DType.FLOAT32 && real != DType.FLOAT64) {
            throw new IllegalArgumentException("This function doesn't handle types other than float and double");
        }
        if (a.numel() == 0) {
            return Creation.zeros(batchShape(a), DType.INT64, a.device);
        }
        if (hermitian) {
            checkEigh(a, "L");
        }
        double[] tols = atolRtol(a, atol, rtol);
        try (GradMode off = Ember.noGrad()) {
            // singular values (descending), or |eigvalsh| (their largest by amax)
            Tensor s = hermitian ? eigvalsh(a, "L").abs() : svdvals(a);
            Tensor max = hermitian ? s.amax(new int[] {-1}, true) : s.narrow(-1, 0, 1);
            Tensor tol = max.mul(tols[1]).clampMin(tols[0]);
            return s.gt(tol).sum(new int[] {-1}, false);
        }
    }

    // ------------------------------------------------------------------ pinv

    /**
     * PyTorch's {@code get_atol_rtol}: atol null is 0; rtol null is {@code eps(dtype) * max(m, n)}, or 0 when a positive
     * atol is given.
     */
    private static double[] atolRtol(Tensor a, Double atol, Double rtol) {
        double eps = a.dtype == DType.FLOAT32 || a.dtype == DType.COMPLEX64 ? Math.ulp(1.0f) : Math.ulp(1.0);
        double at = atol == null ? 0 : atol;
        double rt = rtol != null ? rtol : atol != null && atol > 0 ? 0 : eps * Math.max(a.size(-2), a.size(-1));
        return new double[] {at, rt};
    }

    /**
     * {@code torch.linalg.pinv(A, atol, rtol, hermitian)}: {@code V diag(1/S where S > max(atol, rtol * S_max), else 0)
     * U^T} from the SVD (from eigh when hermitian: its eigenvalues' absolute values against the tolerance, its
     * eigenvectors both sides); one LinalgPinvBackward0 node with PyTorch's {@code pinv_backward}.
     */
    static Tensor pinv(Tensor a, Double atol, Double rtol, boolean hermitian) {
        // with a float atol or rtol (the float overload) get_atol_rtol runs first: without rtol it computes the default
        // (_get_epsilon, float and double only), whatever atol is; with neither (the tensor overload) the type check
        // below comes first
        DType real = a.dtype.toReal();
        if (atol != null && rtol == null) {
            if (real != DType.FLOAT32 && real != DType.FLOAT64) {
                throw new IllegalArgumentException("This function doesn't handle types other than float and double");
            }
            if (a.dim() == 1) {
                // the default rtol's max(input.size(-1), input.size(-2))
                throw new IndexOutOfBoundsException("Dimension out of range (expected to be in range of [-1, 0], but "
                        + "got -2)");
            }
        }
        // PyTorch's check names the four types: float16 and bfloat16 are refused here too
        if (a.dim() < 2 || !a.dtype.isFloatingPoint() && !a.dtype.isComplex() || a.dtype.isReducedFloatingPoint()) {
            throw new IllegalArgumentException("linalg.pinv(" + Format.scalarType(a.dtype) + "{" + Arrays.toString(a.shape)
                    + "}): expected a tensor with 2 or more dimensions of float, double, cfloat or cdouble types");
        }
        double[] tols = atolRtol(a, atol, rtol);
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            if (a.numel() == 0) {
                out = Creation.zeros(withMatrix(batchShape(a), a.size(-1), a.size(-2)), a.dtype, a.device);
            } else if (!hermitian) {
                SvdResult f = svd(a, false);
                Tensor s = f.S();
                Tensor tol = s.narrow(-1, 0, 1).mul(tols[1]).clampMin(tols[0]);
                Tensor sInv = ArithmeticOps.where(s.gt(tol), s.reciprocal(), Creation.wrap(0.0));
                out = LinalgOps.fresh(f.Vh().mH().mul(sInv.unsqueeze(-2)).matmul(f.U().mH()).contiguous(),
                        withMatrix(batchShape(a), a.size(-1), a.size(-2)));
            } else {
                EighResult f = eigh(a, "L");
                Tensor w = f.eigenvalues();
                Tensor wa = w.abs();
                Tensor tol = wa.amax(new int[] {-1}, true).mul(tols[1]).clampMin(tols[0]);
                Tensor wInv = ArithmeticOps.where(wa.gt(tol), w.reciprocal(), Creation.wrap(0.0));
                Tensor v = f.eigenvectors();
                out = LinalgOps.fresh(v.mul(wInv.unsqueeze(-2)).matmul(v.mH()).contiguous(), a.shape);
            }
        }
        return ArithmeticOps.record(out, "LinalgPinvBackward0", new Tensor[] {a}, node -> {
            SavedTensor sa = node.save(a);
            SavedTensor so = node.saveOutput(out);
            return g -> new Tensor[] {pinvBackward(g, so.get(), sa.get())};
        });
    }

    // ------------------------------------------------------------------ eigh and eigvalsh

    /** The checks of PyTorch's {@code _linalg_eigh}; returns whether the upper triangle is read. */
    private static boolean checkEigh(Tensor a, String uplo) {
        checkSquare(a, "linalg.eigh", "A");
        char c = uplo.isEmpty() ? ' ' : Character.toUpperCase(uplo.charAt(0));
        if (uplo.length() != 1 || (c != 'U' && c != 'L')) {
            throw new IllegalArgumentException("Expected UPLO argument to be 'L' or 'U', but got " + uplo);
        }
        // PyTorch's CPU kernel has no float16/bfloat16 either (Ember's kernel would fail on the storage type)
        if (!a.dtype.isFloatingPoint() && !a.dtype.isComplex() || a.dtype.isReducedFloatingPoint() && a.device.isCpu()) {
            throw Refusals.notImplemented("linalg_eigh_cpu", a.dtype);
        }
        return c == 'U';
    }

    /** The kernel: [eigenvalues, eigenvectors (null unless computeV)], without history. */
    private static Tensor[] eighRaw(Tensor a, boolean upper, boolean computeV) {
        int n = a.size(-1);
        int[] batch = batchShape(a);
        try (GradMode off = Ember.noGrad()) {
            Tensor a3 = batch3(a);
            int bs = a3.shape[0];
            int[] wShape = Arrays.copyOf(batch, batch.length + 1);
            wShape[batch.length] = n;
            if (a.dtype.isComplex()) {
                Tensor[] lv = ComplexLinalg.eigh(a3, upper, computeV);
                return new Tensor[] {LinalgOps.fresh(lv[0], wShape),
                    lv[1] == null ? null : LinalgOps.fortranOnMeta(LinalgOps.fresh(lv[1], a.shape))};
            }
            Tensor w = Creation.empty(new int[] {bs, n}, a.dtype, a.device);
            Tensor v = computeV ? Creation.empty(new int[] {bs, n, n}, a.dtype, a.device) : null;
            if (bs > 0 && n > 0) {
                a.backend.eigh(a3.storage(), a3.layout, upper, w.storage(), w.layout, v == null ? null : v.storage(),
                        v == null ? null : v.layout);
            }
            return new Tensor[] {LinalgOps.fresh(w, wShape), v == null ? null : LinalgOps.fortranOnMeta(LinalgOps.fresh(v, a.shape))};
        }
    }

    /** {@code torch.linalg.eigh(A, UPLO)}: one LinalgEighBackward0 node over both outputs. */
    static EighResult eigh(Tensor a, String uplo) {
        if (Autocast.on()) return Autocast.apply("linalg_eigh", t -> eigh(t[0], uplo), a);
        boolean upper = checkEigh(a, uplo);
        Tensor[] f = eighRaw(a, upper, true);
        recordEigh(a, f);
        return new EighResult(f[0], f[1]);
    }

    /**
     * {@code torch.linalg.eigvalsh(A, UPLO)}: as PyTorch 2.x, {@code _linalg_eigh(A, compute_v = A needs a gradient)}'s
     * eigenvalues, so its node is LinalgEighBackward0.
     */
    static Tensor eigvalsh(Tensor a, String uplo) {
        if (Autocast.on()) return Autocast.apply("linalg_eigvalsh", t -> eigvalsh(t[0], uplo), a);
        boolean upper = checkEigh(a, uplo);
        boolean grad = ArithmeticOps.needsGrad(new Tensor[] {a});
        Tensor[] f = eighRaw(a, upper, grad);
        if (grad) {
            recordEigh(a, f);
        }
        return f[0];
    }

    private static void recordEigh(Tensor a, Tensor[] lv) {
        Tensor l = lv[0];
        Tensor v = lv[1];
        MultiOutput.record("LinalgEighBackward0", new Tensor[] {a}, new Tensor[] {l, v}, node -> {
            SavedTensor sl = node.saveOutput(l);
            SavedTensor sv = node.saveOutput(v);
            return g -> new Tensor[] {eighBackward(g[0], g[1], sl.get(), sv.get())};
        });
    }

    /**
     * PyTorch 2.x's {@code linalg_eig_backward} in its Hermitian case, for real inputs: {@code V ((skew(V^T gV) / 2) / E +
     * diag(gL)) V^T}, E the eigenvalue gaps (1 on the diagonal); with no gradient for V, {@code V diag(gL) V^T}.
     */
    private static Tensor eighBackward(Tensor gL, Tensor gV, Tensor l, Tensor v) {
        if (gL == null && gV == null) {
            return Creation.zeros(v.shape, v.dtype, v.device);
        }
        if (v.isComplex()) {
            return eighBackwardComplex(gL, gV, l, v);
        }
        if (gV == null) {
            return v.mul(gL.unsqueeze(-2)).matmul(v.mT());
        }
        int n = l.size(-1);
        Tensor vhgV = v.mT().matmul(gV);
        vhgV = vhgV.sub(vhgV.mT()).mul(0.5);
        Tensor e = l.unsqueeze(-2).sub(l.unsqueeze(-1)).add(eye(n, l.dtype, l.device));
        Tensor ret = vhgV.div(e);
        if (gL != null) {
            ret = ret.add(gL.diagEmbed());
        }
        return v.matmul(ret.matmul(v.mT()));
    }

    /**
     * {@code linalg_eig_backward}'s Hermitian case for complex V: the gauge check (Im diag(V^H gV) within 1e-2 of 0, else
     * PyTorch's error), then {@code V (skew_H(V^H gV) / 2 / E, its diagonal gL) V^H}; with no gradient for V,
     * {@code V diag(gL) V^H}.
     */
    private static Tensor eighBackwardComplex(Tensor gL, Tensor gV, Tensor l, Tensor v) {
        Tensor vh = v.mH();
        if (gV == null) {
            return v.mul(gL.unsqueeze(-2)).matmul(vh);
        }
        int n = l.size(-1);
        Tensor vhgV = vh.matmul(gV);
        checkEighGauge(vhgV);
        vhgV = vhgV.sub(vhgV.mH()).mul(0.5);
        Tensor eye = eye(n, l.dtype, l.device);
        Tensor e = l.unsqueeze(-2).sub(l.unsqueeze(-1)).add(eye);
        Tensor ret = vhgV.div(e);
        if (gL != null) {
            ret = ret.mul(eye.rsub(1.0)).add(gL.diagEmbed());
        }
        return v.matmul(ret.matmul(vh));
    }

    private static void checkEighGauge(Tensor vhgV) {
        double[] x;
        try (GradMode off = Ember.noGrad()) {
            x = vhgV.detach().diagonal(0, -2, -1).imag().contiguous().toDoubleArray();
        }
        for (double d : x) {
            if (!(Math.abs(d) <= 1e-2)) {
                throw new IllegalStateException("linalg_eigh_backward: The eigenvectors in the complex case are specified up "
                        + "to multiplication by e^{i phi}. The specified loss function depends on this quantity, so it is "
                        + "ill-defined.");
            }
        }
    }
}
