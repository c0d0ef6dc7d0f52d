package dev.ember;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * More of {@code torch.linalg}: {@code matrix_exp} (ATen's degree-selecting Taylor algorithm of Bader, Blanes and Casas,
 * with scaling and squaring, and its backward through the block matrix {@code [[A^H, G], [0, A^H]]}),
 * {@code solve_triangular} with PyTorch's checks, {@code lu_factor} and {@code lu} (m-by-n matrices, made square exactly
 * for the square LU kernels), {@code lu_solve}, {@code multi_dot} (PyTorch's optimal chain order), the generic
 * {@code linalg.norm}, {@code cholesky_solve}, {@code cholesky_inverse}, {@code vecdot}, {@code torch.vander},
 * {@code linalg.vander}, and {@code trapezoid} / {@code cumulative_trapezoid}. An op PyTorch records as one node
 * records that node (PyTorch 2.x's name), its forward computed with Ember ops under no-grad (so it runs on every
 * backend) and its backward written in Ember ops (differentiable again); the ops PyTorch composes are the same
 * compositions here, with PyTorch's chain of nodes.
 */
final class LinalgMore {
    private LinalgMore() {
    }

    // ------------------------------------------------------------------ matrix_exp

    /** ATen's thetas for float32 (degrees 1, 2, 4, 8, 12, 18). */
    private static final double[] THETAS_FLOAT = {1.192092800768788e-07, 5.978858893805233e-04, 5.116619363445086e-02,
        5.800524627688768e-01, 1.461661507209034e+00, 3.010066362817634e+00};
    /** ATen's thetas for float64 (and the other types). */
    private static final double[] THETAS_DOUBLE = {2.220446049250313e-16, 2.580956802971767e-08, 3.397168839976962e-04,
        4.991228871115323e-02, 2.996158913811580e-01, 1.090863719290036e+00};

    private static final double[][] B12 = {
        {9.0198e-16, 0.46932117595418237389, -0.20099424927047284052, -0.04623946134063071740},
        {5.31597895759871264183, 1.19926790417132231573, 0.01179296240992997031, 0.01108844528519167989},
        {0.18188869982170434744, 0.05502798439925399070, 0.09351590770535414968, 0.00610700528898058230},
        {-2.0861320e-13, -0.13181061013830184015, -0.02027855540589259079, -0.00675951846863086359}};

    private static final double[][] B18 = {
        {0., -1.00365581030144618291e-01, -8.02924648241156932449e-03, -8.92138498045729985177e-04, 0.},
        {0., 3.97849749499645077844e-01, 1.36783778460411720168e+00, 4.98289622525382669416e-01,
            -6.37898194594723280150e-04},
        {-1.09676396052962061844e+01, 1.68015813878906206114e+00, 5.71779846478865511061e-02,
            -6.98210122488052056106e-03, 3.34975017086070470649e-05},
        {-9.04316832390810593223e-02, -6.76404519071381882256e-02, 6.75961301770459654925e-02,
            2.95552570429315521194e-02, -1.39180257516060693404e-05},
        {0., 0., -9.23364619367118555360e-02, -1.69364939002081722752e-02, -1.40086798182036094347e-05}};

    /** {@code linalg.matrix_exp}: one {@code LinalgMatrixExpBackward0} node. */
    static Tensor matrixExp(Tensor a) {
        LinalgDecompositions.checkSquare(a, "linalg.matrix_exp", "A");
        LinalgDecompositions.checkFloatingOrComplex(a, "linalg.matrix_exp");
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            int n = a.size(-1);
            if (a.device.isMeta()) {
                out = Creation.empty(a.shape.clone(), a.dtype, a.device); // 2.x's meta: empty_like, contiguous
            } else if (n == 0) {
                out = a.clone();
            } else if (n == 1) {
                out = a.exp();
            } else {
                Tensor a3 = LinalgDecompositions.batch3(a);
                out = LinalgOps.fresh(mexp(a3), a.shape);
            }
        }
        return ArithmeticOps.record(out, "LinalgMatrixExpBackward0", new Tensor[] {a}, node -> {
            SavedTensor sa = node.save(a);
            return g -> new Tensor[] {matrixExpDifferential(sa.get(), g)};
        });
    }

    /**
     * PyTorch's {@code differential_analytic_matrix_function} (adjoint): {@code matrix_exp([[A^H, G], [0, A^H]])}'s
     * upper-right block, composed so it is differentiable again.
     */
    private static Tensor matrixExpDifferential(Tensor a, Tensor g) {
        int n = a.size(-1);
        Tensor ah = a.mH();
        Tensor top = Tensor.cat(List.of(ah, g), -1);
        Tensor bottom = Tensor.cat(List.of(ah.zerosLike(), ah), -1);
        Tensor meta = Tensor.cat(List.of(top, bottom), -2);
        return matrixExp(meta).narrow(-2, 0, n).narrow(-1, n, n);
    }

    /** A coefficient as ATen holds it: rounded to float for float32 and complex64 matrices. */
    private static double coef(double v, DType t) {
        return single(t) ? (float) v : v;
    }

    /** Whether ATen's mexp runs in float for this type (float32, complex64). */
    private static boolean single(DType t) {
        return t == DType.FLOAT32 || t == DType.COMPLEX64;
    }

    /** {@code sum_j c[j] * ms[j]}, accumulated in order, as {@code _compute_linear_combination}. */
    private static Tensor comb(Tensor[] ms, double[] c, DType t) {
        Tensor r = ms[0].mul(coef(c[0], t));
        for (int j = 1; j < c.length; j++) {
            r = r.add(ms[j].mul(coef(c[j], t)));
        }
        return r;
    }

    /** {I, A, A^2, A^3, A^6} up to {@code count} of them, as {@code _fill_matrix_powers}. */
    private static Tensor[] powers(Tensor a, int count) {
        Tensor[] p = new Tensor[count];
        int n = a.size(-1);
        p[0] = LinalgDecompositions.eye(n, a.dtype, a.device).expand(a.shape).contiguous();
        p[1] = a;
        if (count > 2) {
            p[2] = a.matmul(a);
        }
        if (count > 3) {
            p[3] = a.matmul(p[2]);
        }
        if (count > 4) {
            p[4] = p[3].matmul(p[3]);
        }
        return p;
    }

    private static Tensor t1(Tensor a) {
        Tensor[] p = powers(a, 2);
        return p[0].add(p[1]);
    }

    private static Tensor t2(Tensor a) {
        Tensor[] p = powers(a, 3);
        return p[0].add(p[1]).add(p[2].div(2.0));
    }

    private static Tensor t4(Tensor a) {
        DType t = a.dtype;
        Tensor[] p = powers(a, 3);
        Tensor a3 = p[2].matmul(comb(p, new double[] {1 / 2.0, 1 / 6.0, 1 / 24.0}, t));
        return comb(new Tensor[] {p[0], p[1], p[2], a3}, new double[] {1.0, 1.0, 0.0, 1.0}, t);
    }

    private static Tensor t8(Tensor a) {
        DType t = a.dtype;
        double sqrt177 = coef(0.1330413469565007072504e+2, t);
        double x3 = coef(2. / 3., t);
        double x1 = coef(x3 * ((1. + sqrt177) / 88.), t);
        double x2 = coef(x3 * ((1. + sqrt177) / 352.), t);
        double x4 = coef((-271. + 29. * sqrt177) / (315. * x3), t);
        double x5 = coef((-11. + 11. * sqrt177) / (1260. * x3), t);
        double x6 = coef((-99. + 11. * sqrt177) / (5040. * x3), t);
        double x7 = coef((89. - sqrt177) / (5040. * x3), t);
        double y2 = coef((857. - 58. * sqrt177) / 630., t);
        Tensor[] p = powers(a, 3);
        Tensor a4 = p[2].matmul(comb(new Tensor[] {p[1], p[2]}, new double[] {x1, x2}, t));
        Tensor a8 = comb(new Tensor[] {p[2], a4}, new double[] {x3, 1.0}, t)
                .matmul(comb(new Tensor[] {p[0], p[1], p[2], a4}, new double[] {x4, x5, x6, x7}, t));
        return comb(new Tensor[] {p[0], p[1], p[2], a4, a8}, new double[] {1.0, 1.0, y2, 0.0, 1.0}, t);
    }

    private static Tensor t12(Tensor a) {
        DType t = a.dtype;
        Tensor[] p = powers(a, 4);
        Tensor[] b = new Tensor[4];
        for (int i = 0; i < 4; i++) {
            b[i] = comb(p, B12[i], t);
        }
        b[2] = b[2].add(b[3].matmul(b[3]));
        return b[0].add(b[1].add(b[2]).matmul(b[2]));
    }

    private static Tensor t18(Tensor a) {
        DType t = a.dtype;
        Tensor[] p = powers(a, 5);
        Tensor[] b = new Tensor[5];
        for (int i = 0; i < 5; i++) {
            b[i] = comb(p, B18[i], t);
        }
        b[3] = b[3].add(b[0].matmul(b[4]));
        return b[1].add(b[2].add(b[3]).matmul(b[3]));
    }

    /** {@code ceil(log2(r))} exactly (r positive and finite). */
    private static double ceilLog2(double r) {
        int e = Math.getExponent(r);
        if (e < Double.MIN_EXPONENT) {
            return Math.ceil(Math.log(r) / Math.log(2));
        }
        return r == Math.scalb(1.0, e) ? e : e + 1;
    }

    /**
     * {@code compute_T18_scale_square}: each matrix scaled by {@code 2^-s} with {@code s = max(0, ceil(log2(norm /
     * theta)))}, T18, then squared s times (each matrix its own count; the squarings run batched, kept where due).
     */
    private static Tensor t18ScaleSquare(Tensor a3, double[] norms, double theta) {
        int b = a3.shape[0];
        DType t = a3.dtype;
        double[] pow2 = new double[b];
        long[] squares = new long[b];
        long most = 0;
        for (int i = 0; i < b; i++) {
            double r = single(t) ? (double) ((float) norms[i] / (float) theta) : norms[i] / theta;
            double s;
            if (Double.isNaN(r)) {
                s = Double.NaN;
            } else if (r <= 0) {
                s = 0;
            } else if (Double.isInfinite(r)) {
                s = Double.POSITIVE_INFINITY;
            } else {
                s = Math.max(0, ceilLog2(r));
            }
            pow2[i] = Math.pow(2, -s);
            squares[i] = Double.isFinite(s) ? (long) s : 0;
            most = Math.max(most, squares[i]);
        }
        Tensor scale = Creation.fromFlat(pow2, new int[] {b, 1, 1}, DType.FLOAT64, Device.CPU).to(t).to(a3.device);
        Tensor acc = t18(a3.mul(scale));
        long[] left = squares.clone();
        for (long k = 1; k <= most; k++) {
            boolean[] due = new boolean[b];
            for (int i = 0; i < b; i++) {
                due[i] = squares[i] >= k;
            }
            Tensor mask = Creation.fromFlat(due, new int[] {b, 1, 1}, DType.BOOL, Device.CPU).to(a3.device);
            acc = Tensor.where(mask, acc.matmul(acc), acc);
        }
        return acc;
    }

    /** ATen's {@code mexp_impl} on a [B, n, n] tensor, n at least 2. */
    private static Tensor mexp(Tensor a3) {
        int b = a3.shape[0];
        if (b == 0) {
            return a3.clone();
        }
        double[] thetas = single(a3.dtype) ? THETAS_FLOAT : THETAS_DOUBLE;
        // operator_1_norm: the largest column sum of absolute values
        double[] norms = a3.abs().sum(new int[] {-2}, false).amax(new int[] {-1}, false).toDoubleArray();
        if (b > 1) {
            return t18ScaleSquare(a3, norms, thetas[5]);
        }
        double norm = norms[0];
        if (norm >= thetas[4]) {
            return t18ScaleSquare(a3, norms, thetas[5]);
        }
        double lower = -1;
        for (int i = 0; i < 5; i++) {
            double upper = thetas[i];
            if (lower < norm && norm <= upper) {
                switch (i) {
                    case 0: return t1(a3);
                    case 1: return t2(a3);
                    case 2: return t4(a3);
                    case 3: return t8(a3);
                    default: return t12(a3);
                }
            }
            lower = upper;
        }
        // a NaN norm: ATen's result stays the NaN it was filled with
        return Tensor.full(a3.dtype, Double.NaN, a3.shape).to(a3.device);
    }

    // ------------------------------------------------------------------ solve_triangular

    /**
     * {@code linalg.solve_triangular}: PyTorch's {@code checkInputsSolver}, then the triangular solve (B cast to A's
     * type, as PyTorch's result takes A's options).
     */
    static Tensor solveTriangular(Tensor a, Tensor b, boolean upper, boolean left, boolean unitriangular) {
        String fn = "linalg.solve_triangular";
        ArithmeticOps.checkSameDevice(a, b);
        LinalgDecompositions.checkSquare(a, fn, "A");
        LinalgDecompositions.checkMatrix(b, fn, "B");
        if (left ? a.size(-2) != b.size(-2) : a.size(-1) != b.size(-1)) {
            throw new IllegalArgumentException(fn + ": Incompatible shapes of A and B for the equation "
                    + (left ? "AX = B" : "XA = B") + " (" + a.size(-2) + "x" + a.size(-1) + " and " + b.size(-2) + "x"
                    + b.size(-1) + ")");
        }
        if (!a.dtype.isFloatingPoint() && !a.dtype.isComplex()) {
            throw Refusals.notImplemented("triangular_solve_cpu", a.dtype);
        }
        if (b.dtype.isComplex() && !a.dtype.isComplex()) {
            // casting B to A's real type would drop its imaginary part
            throw new IllegalArgumentException(fn + ": Expected A and B to have the same dtype, but found A of type "
                    + Format.scalarType(a.dtype) + " and B of type " + Format.scalarType(b.dtype) + " instead");
        }
        Shapes.broadcast(Arrays.copyOf(b.shape, b.dim() - 2), Arrays.copyOf(a.shape, a.dim() - 2));
        Tensor bb = b.dtype == a.dtype ? b : b.to(a.dtype);
        return LinalgDecompositions.solveTriangular(a, bb, upper, left, unitriangular);
    }

    // ------------------------------------------------------------------ multi_dot

    /** {@code linalg.multi_dot}: PyTorch's {@code multi_dot_impl}, mm in the cheapest order, then a view. */
    static Tensor multiDot(List<Tensor> in) {
        int n = in.size();
        if (n < 2) {
            throw new IllegalArgumentException("multi_dot(): expected at least 2 tensors but got " + n);
        }
        Tensor[] t = new Tensor[n];
        List<Integer> outShape = new ArrayList<>();
        Tensor first = in.get(0);
        Tensor last = in.get(n - 1);
        if (first.dim() == 1) {
            t[0] = first.unsqueeze(0);
        } else if (first.dim() == 2) {
            t[0] = first;
            outShape.add(first.size(0));
        } else {
            throw new IllegalArgumentException("multi_dot(): the first tensor must be 1D or 2D but got " + first.dim() + "D");
        }
        if (last.dim() == 1) {
            t[n - 1] = last.unsqueeze(-1);
        } else if (last.dim() == 2) {
            t[n - 1] = last;
            outShape.add(last.size(1));
        } else {
            throw new IllegalArgumentException("multi_dot(): the last tensor must be 1D or 2D but got " + last.dim() + "D");
        }
        for (int i = 1; i < n - 1; i++) {
            if (in.get(i).dim() != 2) {
                throw new IllegalArgumentException("multi_dot(): tensor " + i + " must be 2D but got " + in.get(i).dim() + "D");
            }
            t[i] = in.get(i);
        }
        for (int i = 1; i < n; i++) {
            if (t[i].dtype != t[0].dtype) {
                throw new IllegalArgumentException("multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                        + ArithmeticOps.cTypeName(t[0].dtype) + " and tensor " + i + " " + ArithmeticOps.cTypeName(t[i].dtype));
            }
            if (t[i].device != t[0].device) {
                throw new IllegalArgumentException("multi_dot(): all tensors must be on the same device but tensor 0 is on "
                        + t[0].device + " and tensor " + i + " on " + t[i].device);
            }
            if (t[i - 1].size(-1) != t[i].size(0)) {
                throw new IllegalArgumentException("multi_dot(): tensors " + (i - 1) + " and " + i + " with shapes "
                        + Arrays.toString(in.get(i - 1).shape) + " and " + Arrays.toString(in.get(i).shape)
                        + " cannot be multiplied");
            }
        }
        Tensor result;
        if (n == 2) {
            result = t[0].mm(t[1]);
        } else if (n == 3) {
            long a = t[0].size(0);
            long b = t[1].size(0);
            long c = t[2].size(0);
            long d = t[2].size(1);
            long cost1 = (a * c) * (b + d);
            long cost2 = (b * d) * (a + c);
            result = cost1 > cost2 ? t[0].mm(t[1].mm(t[2])) : t[0].mm(t[1]).mm(t[2]);
        } else {
            result = chain(t, chainOrder(t), 0, n - 1);
        }
        return result.view(outShape.stream().mapToInt(Integer::intValue).toArray());
    }

    /** {@code matrix_chain_order}: the split of each sub-chain with the fewest scalar multiplications. */
    private static int[][] chainOrder(Tensor[] t) {
        int n = t.length;
        long[] p = new long[n + 1];
        for (int i = 0; i < n; i++) {
            p[i] = t[i].size(0);
        }
        p[n] = t[n - 1].size(1);
        long[][] m = new long[n][n];
        int[][] s = new int[n][n];
        for (int l = 1; l < n; l++) {
            for (int i = 0; i < n - l; i++) {
                int j = i + l;
                m[i][j] = Long.MAX_VALUE;
                for (int k = i; k < j; k++) {
                    long q = m[i][k] + m[k + 1][j] + p[i] * p[k + 1] * p[j + 1];
                    if (q < m[i][j]) {
                        m[i][j] = q;
                        s[i][j] = k;
                    }
                }
            }
        }
        return s;
    }

    private static Tensor chain(Tensor[] t, int[][] order, int i, int j) {
        if (i == j) {
            return t[i];
        }
        return chain(t, order, i, order[i][j]).mm(chain(t, order, order[i][j] + 1, j));
    }

    // ------------------------------------------------------------------ linalg.norm

    /**
     * {@code linalg.norm} with a numeric order ({@code ord} null: the 2-norm of the vector, or Frobenius): a matrix norm
     * when two dims are given (or none, with an order, on a 2-D input), else a vector norm.
     */
    static Tensor norm(Tensor x, Double ord, int[] dims, boolean keepdim) {
        return norm(x, ord, dims, keepdim, null);
    }

    /** {@link #norm(Tensor, Double, int[], boolean)} with {@code dtype=} (null: none), passed to the matrix or vector norm. */
    static Tensor norm(Tensor x, Double ord, int[] dims, boolean keepdim, DType dtype) {
        if (dims != null) {
            checkNormDims(dims);
        } else if (ord != null && x.dim() != 1 && x.dim() != 2) {
            throw new IllegalArgumentException("linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                    + x.dim() + "D.");
        }
        if (ord != null && ((dims != null && dims.length == 2) || (dims == null && x.dim() == 2))) {
            return ReductionOps.matrixNorm(x, ord, dims == null ? new int[] {0, 1} : dims, keepdim, dtype);
        }
        return ReductionOps.vectorNorm(x, ord == null ? 2.0 : ord, dims, keepdim, dtype);
    }

    /** {@code linalg.norm} with ord "fro" or "nuc": a matrix norm over dims (null: 0 and 1 of a 1-D or 2-D input). */
    static Tensor norm(Tensor x, String ord, int[] dims, boolean keepdim) {
        return norm(x, ord, dims, keepdim, null);
    }

    /** {@link #norm(Tensor, String, int[], boolean)} with {@code dtype=} (null: none), passed to the matrix norm. */
    static Tensor norm(Tensor x, String ord, int[] dims, boolean keepdim, DType dtype) {
        if (dims != null) {
            checkNormDims(dims);
        } else if (x.dim() != 1 && x.dim() != 2) {
            throw new IllegalArgumentException("linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                    + x.dim() + "D.");
        }
        return ReductionOps.matrixNorm(x, ord, dims == null ? new int[] {0, 1} : dims, keepdim, dtype);
    }

    private static void checkNormDims(int[] dims) {
        if (dims.length != 1 && dims.length != 2) {
            throw new IllegalArgumentException("linalg.norm: If dim is specified, it must be of length 1 or 2. Got "
                    + Arrays.toString(dims));
        }
    }

    // ------------------------------------------------------------------ LU

    /**
     * {@code linalg.lu_factor} of a (batch of) m-by-n matrix: the packed factors, m by n ({@code LinalgLuFactorExBackward0},
     * PyTorch's {@code lu_factor_ex_backward}: the gradient's first k columns for L, first k rows for U, k = min(m, n)),
     * and the k int32 pivots.
     */
    static LuFactorResult luFactor(Tensor a) {
        Tensor[] f = luChecked(a, "torch.linalg.lu_factor", true);
        return new LuFactorResult(recordLuFactor(a, LinalgOps.fortranOnMeta(f[0]), f[1]), f[1]);
    }

    /**
     * {@code linalg.lu_factor_ex(A, pivot, check_errors)}: {@link #luFactor(Tensor)}'s factors and LAPACK's info per
     * matrix (int32, the batch shape: 0, or the 1-based index of the first zero pivot among the first k), an error
     * for a zero pivot only with {@code checkErrors}. LU without pivoting is refused, as on PyTorch's CPU.
     */
    static LuFactorExResult luFactorEx(Tensor a, boolean pivot, boolean checkErrors) {
        if (!pivot) {
            if (a.dim() < 2) {
                luChecked(a, "torch.linalg.lu_factor_ex", checkErrors); // the dimension error first
            }
            throw new UnsupportedOperationException("linalg.lu_factor: LU without pivoting is not implemented on the "
                    + (a.device.isCpu() ? "CPU" : "GPU in Ember"));
        }
        Tensor[] f = luChecked(a, "torch.linalg.lu_factor_ex", checkErrors);
        return new LuFactorExResult(recordLuFactor(a, LinalgOps.fortranOnMeta(f[0]), f[1]), f[1], f[2]);
    }

    /** Records {@code lu} as A's LinalgLuFactorExBackward0 (PyTorch's {@code lu_factor_ex_backward}). */
    private static Tensor recordLuFactor(Tensor a, Tensor lu, Tensor piv) {
        return ArithmeticOps.record(lu, "LinalgLuFactorExBackward0", new Tensor[] {a}, node -> {
            SavedTensor sl = node.saveOutput(lu);
            return g -> {
                Tensor[] plu = unpack(sl.get(), piv);
                int k = Math.min(g.size(-2), g.size(-1));
                return new Tensor[] {luBackward(g.narrow(-1, 0, k), g.narrow(-2, 0, k), plu[0], plu[1], plu[2])};
            };
        });
    }

    /**
     * {@code linalg.lu}: P (m by m), L (m by k, unit lower) and U (k by n, upper), k = min(m, n), with {@code A = P L U};
     * L and U share one {@code LinalgLuBackward0} node.
     */
    static LuResult lu(Tensor a) {
        Tensor[] f = luChecked(a, "linalg.lu", false);
        Tensor[] plu;
        try (GradMode off = Ember.noGrad()) {
            plu = unpack(f[0], f[1]);
        }
        Tensor p = plu[0];
        Tensor l = plu[1];
        Tensor u = plu[2];
        MultiOutput.record("LinalgLuBackward0", new Tensor[] {a}, new Tensor[] {l, u}, node -> {
            // P, L and U, as PyTorch's node saves them
            SavedTensor sp = node.save(p);
            SavedTensor sl = node.saveOutput(l);
            SavedTensor su = node.saveOutput(u);
            return grads -> new Tensor[] {luBackward(grads[0], grads[1], sp.get(), sl.get(), su.get())};
        });
        return new LuResult(p, l, u);
    }

    /**
     * The checks and LU factors of a (batch of) m-by-n matrix, without history: {LU (m by n), int32 pivots (k of them),
     * int32 info (the batch shape)};
     * with {@code check} a zero pivot is PyTorch's {@code linalg.lu_factor} error.
     *
     * <p>The LU kernels factor square matrices; a non-square one is made square exactly. A wide matrix (m &lt; n) gets
     * n - m zero rows below: partial pivoting in its first m columns never picks a zero row over a row of A (the
     * first largest magnitude wins, and a zero row only ties a zero column, where A's own row comes first), and the
     * elimination of A's rows is the same as on A alone, so A's rows of the result are A's factors; the zero rows
     * are dropped. A tall matrix (m &gt; n) gets m - n zero columns on the right: the first n columns (pivots,
     * multipliers and U) do not depend on the columns after them, and the later steps change them only by their row
     * exchanges, which are undone (there are none unless a NaN was produced). The kernel's zero pivots in the padding
     * (steps k and after) are not A's: only a zero pivot among the first k counts.
     */
    private static Tensor[] luChecked(Tensor a, String api, boolean check) {
        if (a.dim() < 2) {
            throw new IllegalArgumentException((api.contains("lu_factor") ? "torch.lu_factor" : "linalg.lu")
                    + ": Expected tensor with 2 or more dimensions. Got size: " + Arrays.toString(a.shape) + " instead");
        }
        if (!a.dtype.isFloatingPoint() && !a.dtype.isComplex() && !a.device.isMeta()) { // no type check on meta
            throw Refusals.notImplemented("lu_cpu", a.dtype);
        }
        int m = a.size(-2);
        int n = a.size(-1);
        int k = Math.min(m, n);
        int size = Math.max(m, n);
        int[] batch = Arrays.copyOf(a.shape, a.dim() - 2);
        try (GradMode off = Ember.noGrad()) {
            Tensor a3 = LinalgDecompositions.batch3(a);
            int b = a3.size(0);
            if (m < n) {
                a3 = Tensor.cat(List.of(a3, Creation.zeros(new int[] {b, n - m, n}, a.dtype, a.device)), 1);
            } else if (m > n) {
                a3 = Tensor.cat(List.of(a3, Creation.zeros(new int[] {b, m, m - n}, a.dtype, a.device)), 2);
            }
            Tensor[] f = LinalgDecompositions.luRaw(a3);
            Tensor lu = f[0];
            Tensor piv = f[1];
            Tensor info = f[2];
            if (m != n) {
                if (!a.device.isMeta()) { // a meta factorization has no codes or swaps to adjust: its shapes only
                    long[] codes = info.toLongArray();
                    for (int i = 0; i < codes.length; i++) {
                        codes[i] = codes[i] > k ? 0 : codes[i];
                    }
                    info = Creation.fromFlat(codes, new int[] {codes.length}, DType.INT64, Device.CPU);
                    if (m > n) {
                        lu = undoPaddingSwaps(lu, piv, n);
                    }
                }
                lu = lu.narrow(1, 0, m).narrow(2, 0, n);
                piv = piv.narrow(1, 0, k);
            }
            if (check) {
                LinalgDecompositions.checkInfo(info, api, a.dim() > 2, c -> "U[" + c + "," + c + "] is zero and using it "
                        + "on lu_solve would result in a division by zero. If you still want to perform the factorization, "
                        + "consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)");
            }
            Tensor out = LinalgOps.fresh(lu.contiguous(), LinalgDecompositions.withMatrix(batch, m, n));
            Tensor pivots = piv.to(DType.INT32).reshape(Arrays.copyOf(withLast(batch, k), batch.length + 1)).contiguous();
            return new Tensor[] {out, pivots, info.to(DType.INT32).reshape(batch)};
        }
    }

    private static int[] withLast(int[] batch, int k) {
        int[] s = Arrays.copyOf(batch, batch.length + 1);
        s[batch.length] = k;
        return s;
    }

    /**
     * The rows of a padded tall factorization [B, m, m] as they stood after step {@code n}: the row exchanges of the
     * later steps (pivots {@code n..m-1}, 1-based) undone, when there were any.
     */
    private static Tensor undoPaddingSwaps(Tensor lu, Tensor piv, int n) {
        int m = lu.size(1);
        long[] p = piv.toLongArray();
        int batches = lu.size(0);
        boolean any = false;
        long[] index = new long[batches * m];
        for (int b = 0; b < batches; b++) {
            // pos[r]: where the row that stood at r after step n ended up
            int[] pos = new int[m];
            int[] at = new int[m];
            for (int r = 0; r < m; r++) {
                pos[r] = r;
                at[r] = r;
            }
            for (int j = n; j < m; j++) {
                int q = (int) p[b * m + j] - 1;
                if (q != j) {
                    any = true;
                    int rj = at[j];
                    int rq = at[q];
                    at[j] = rq;
                    at[q] = rj;
                    pos[rj] = q;
                    pos[rq] = j;
                }
            }
            for (int r = 0; r < m; r++) {
                index[b * m + r] = (long) b * m + pos[r];
            }
        }
        if (!any) {
            return lu;
        }
        Tensor idx = Creation.fromFlat(index, new int[] {index.length}, DType.INT64, Device.CPU).to(lu.device);
        return lu.reshape(batches * m, m).indexSelect(0, idx).reshape(batches, m, m);
    }

    /**
     * {@code lu_unpack} of m-by-n factors: {P (m by m), L (m by k), U (k by n)}, L and U differentiable in LU (a strict
     * lower triangle plus the identity, an upper triangle), P a constant built from the k pivots' interchanges.
     */
    private static Tensor[] unpack(Tensor lu, Tensor pivots) {
        Tensor[] lower = lowerUpper(lu);
        return new Tensor[] {permutation(lu, pivots), lower[0], lower[1]};
    }

    /** L (m by k, unit lower) and U (k by n, upper) of packed m-by-n factors, differentiable in them. */
    private static Tensor[] lowerUpper(Tensor lu) {
        int m = lu.size(-2);
        int n = lu.size(-1);
        int k = Math.min(m, n);
        Tensor lpart = k == n ? lu : lu.narrow(-1, 0, k);
        Tensor upart = k == m ? lu : lu.narrow(-2, 0, k);
        Tensor eye = LinalgDecompositions.eye(m, lu.dtype, lu.device);
        Tensor l = LinalgDecompositions.triangle(lpart, -1, true).add(k == m ? eye : eye.narrow(-1, 0, k));
        Tensor u = LinalgDecompositions.triangle(upart, 0, false);
        return new Tensor[] {l, u};
    }

    /**
     * The permutation matrix P (m by m, {@code lu}'s type and device) of the k pivots per matrix (1-based row
     * interchanges): {@code A = P L U}; a pivot outside [1, m], or a count other than k, is lu_unpack's error.
     */
    private static Tensor permutation(Tensor lu, Tensor pivots) {
        int m = lu.size(-2);
        int k = Math.min(m, lu.size(-1));
        int batches = LinalgDecompositions.batchOf(lu.shape);
        if (pivots.numel() != (long) batches * k) {
            throw new IllegalArgumentException(PIVOT_RANGE);
        }
        int[] pshape = lu.shape.clone();
        pshape[pshape.length - 1] = m;
        if (lu.device.isMeta() || pivots.device.isMeta()) {
            // the meta lu_unpack: P's shape only (pivots unread, as PyTorch's meta kernel leaves them unchecked)
            return Creation.empty(pshape, lu.dtype, lu.device);
        }
        long[] piv = pivots.toLongArray();
        double[] p = new double[Math.multiplyExact(Math.multiplyExact(batches, m), m)];
        int[] perm = new int[m];
        for (int b = 0; b < batches; b++) {
            for (int i = 0; i < m; i++) {
                perm[i] = i;
            }
            for (int i = 0; i < k; i++) {
                long j = piv[b * k + i] - 1;
                if (j < 0 || j >= m) {
                    throw new IllegalArgumentException(PIVOT_RANGE);
                }
                int t = perm[i];
                perm[i] = perm[(int) j];
                perm[(int) j] = t;
            }
            // P^T A = A[perm]: P[perm[i], i] = 1
            for (int i = 0; i < m; i++) {
                p[b * m * m + perm[i] * m + i] = 1;
            }
        }
        return Creation.fromFlat(p, pshape, DType.FLOAT64, Device.CPU).to(lu.dtype).to(lu.device);
    }

    private static final String PIVOT_RANGE = "pivots passed to lu_unpack must be between 1 and LU.size(-2) inclusive."
            + "Did you properly pass the result of lu_factor?";

    /**
     * {@code torch.lu_unpack(LU, pivots, unpack_data, unpack_pivots)}: P, L and U of packed factors (of
     * {@code linalg.lu_factor}); L and U share one LuUnpackBackward0 node (derivatives.yaml's
     * {@code lu_unpack_backward}: the strict lower triangle of L's gradient and the upper triangle of U's, placed in
     * LU's m-by-n shape), P has no history. Left out parts are empty tensors ([0]), as PyTorch's.
     */
    static LuResult luUnpack(Tensor lu, Tensor pivots, boolean unpackData, boolean unpackPivots) {
        if (lu.dim() < 2) {
            throw new IllegalArgumentException("torch.lu_unpack: Expected tensor with 2 or more dimensions. Got size: "
                    + Arrays.toString(lu.shape) + " instead");
        }
        if (unpackPivots && pivots.dtype != DType.INT32) {
            throw new IllegalArgumentException("torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of "
                    + "torch.int32 dtype.\nNote: this function is intended to be used with the output produced by "
                    + "torch.linalg.lu_factor");
        }
        if (unpackPivots) {
            ArithmeticOps.checkSameDevice(lu, pivots);
        }
        Tensor none = Creation.empty(new int[] {0}, lu.dtype, lu.device);
        Tensor p = unpackPivots ? permutation(lu, pivots) : none;
        if (!unpackData) {
            return new LuResult(p, none, Creation.empty(new int[] {0}, lu.dtype, lu.device));
        }
        Tensor[] lowerUpper;
        try (GradMode off = Ember.noGrad()) {
            lowerUpper = lowerUpper(lu);
        }
        Tensor l = LinalgOps.fresh(lowerUpper[0].contiguous(), lowerUpper[0].shape);
        Tensor u = LinalgOps.fresh(lowerUpper[1].contiguous(), lowerUpper[1].shape);
        int m = lu.size(-2);
        int n = lu.size(-1);
        MultiOutput.record("LuUnpackBackward0", new Tensor[] {lu}, new Tensor[] {l, u}, node -> grads -> {
            int k = Math.min(m, n);
            Tensor gl = grads[0] == null ? null : LinalgDecompositions.triangle(grads[0], -1, true);
            Tensor gu = grads[1] == null ? null : LinalgDecompositions.triangle(grads[1], 0, false);
            Tensor g;
            if (m == n) {
                g = gl == null ? gu : gu == null ? gl : gl.add(gu);
            } else if (m < n) {
                // U is LU's shape; L's gradient goes to its first k columns
                g = gu != null ? gu : Creation.zeros(lu.shape, gl.dtype, gl.device);
                if (gl != null) {
                    g = Tensor.cat(List.of(g.narrow(-1, 0, k).add(gl), g.narrow(-1, k, n - k)), -1);
                }
            } else {
                g = gl != null ? gl : Creation.zeros(lu.shape, gu.dtype, gu.device);
                if (gu != null) {
                    g = Tensor.cat(List.of(g.narrow(-2, 0, k).add(gu), g.narrow(-2, k, m - k)), -2);
                }
            }
            return new Tensor[] {g};
        });
        return new LuResult(p, l, u);
    }

    /**
     * PyTorch 2.x's {@code linalg_lu_backward} (a null gradient's term left out), L m by k and U k by n:
     * square, {@code P L^{-H} [(L^H gL).tril(-1) + (gU U^H).triu()] U^{-H}}; wide (m &lt; n),
     * {@code P L^{-H} [((L^H gL - gU.triu() U^H).tril(-1) U1^{-H} + gU1.triu()) | gU2]}; tall (m &gt; n),
     * {@code P [(L1^{-H} (gU U^H - L^H gL.tril(-1)).triu() + gL1.tril(-1)) ; gL2] U^{-H}} (U1 and L1 the leading k
     * by k blocks, gU2 and gL2 the rest).
     */
    private static Tensor luBackward(Tensor gL, Tensor gU, Tensor p, Tensor l, Tensor u) {
        int m = l.size(-2);
        int n = u.size(-1);
        int k = Math.min(m, n);
        if (m == n) {
            Tensor g = gL == null ? null : LinalgDecompositions.triangle(l.mH().matmul(gL), -1, true);
            if (gU != null) {
                Tensor t = LinalgDecompositions.triangle(gU.matmul(u.mH()), 0, false);
                g = g == null ? t : g.add(t);
            }
            g = LinalgDecompositions.solveTriangular(u.mH(), g, false, false, false);
            g = LinalgDecompositions.solveTriangular(l.mH(), g, true, true, true);
            return p.matmul(g);
        }
        Tensor g;
        if (m < n) {
            g = gL == null ? null : l.mH().matmul(gL);
            if (gU != null) {
                Tensor t = LinalgDecompositions.triangle(gU, 0, false).matmul(u.mH());
                g = g == null ? t.neg() : g.sub(t);
            }
            g = LinalgDecompositions.solveTriangular(u.narrow(-1, 0, k).mH(), LinalgDecompositions.triangle(g, -1, true),
                    false, false, false);
            if (gU != null) {
                g = Tensor.cat(List.of(g.add(LinalgDecompositions.triangle(gU.narrow(-1, 0, k), 0, false)),
                        gU.narrow(-1, k, n - k)), -1);
            }
            g = LinalgDecompositions.solveTriangular(l.mH(), g, true, true, true);
            if (gU == null) {
                g = Tensor.cat(List.of(g, u.narrow(-1, k, n - k).zerosLike()), -1);
            }
        } else {
            g = gU == null ? null : gU.matmul(u.mH());
            if (gL != null) {
                Tensor t = l.mH().matmul(LinalgDecompositions.triangle(gL, -1, true));
                g = g == null ? t.neg() : g.sub(t);
            }
            g = LinalgDecompositions.solveTriangular(l.narrow(-2, 0, k).mH(), LinalgDecompositions.triangle(g, 0, false),
                    true, true, true);
            if (gL != null) {
                g = Tensor.cat(List.of(g.add(LinalgDecompositions.triangle(gL.narrow(-2, 0, k), -1, true)),
                        gL.narrow(-2, k, m - k)), -2);
            }
            g = LinalgDecompositions.solveTriangular(u.mH(), g, false, false, false);
            if (gL == null) {
                g = Tensor.cat(List.of(g, l.narrow(-2, k, m - k).zerosLike()), -2);
            }
        }
        return p.matmul(g);
    }

    /**
     * {@code linalg.lu_solve(LU, pivots, B, left, adjoint)}: X with {@code A X = B}, {@code A^H X = B},
     * {@code X A = B} or {@code X A^H = B} from A's factors, batches broadcast; one {@code LinalgLuSolveBackward0} node.
     */
    static Tensor luSolve(Tensor lu, Tensor pivots, Tensor b, boolean left, boolean adjoint) {
        ArithmeticOps.checkSameDevice(lu, pivots, b);
        LinalgDecompositions.checkFloatingOrComplex(lu, "torch.linalg.lu_solve");
        if (lu.dtype != b.dtype) {
            throw new IllegalArgumentException("linalg.lu_solve: Expected LU and B to have the same dtype, but found LU of type "
                    + Format.scalarType(lu.dtype) + " and B of type " + Format.scalarType(b.dtype) + " instead");
        }
        if (pivots.dtype != DType.INT32) {
            throw new IllegalArgumentException("linalg.lu_solve: pivots should be a Tensor of scalar type torch.int32");
        }
        LinalgDecompositions.checkSquare(lu, "torch.linalg.lu_solve", "A");
        String fn = "linalg.lu_solve";
        LinalgDecompositions.checkMatrix(b, fn, "B");
        if (left ? lu.size(-2) != b.size(-2) : lu.size(-1) != b.size(-1)) {
            throw new IllegalArgumentException(fn + ": Incompatible shapes of A and B for the equation "
                    + (left ? "AX = B" : "XA = B") + " (" + lu.size(-2) + "x" + lu.size(-1) + " and " + b.size(-2) + "x"
                    + b.size(-1) + ")");
        }
        if (pivots.dim() == 0 || lu.size(-1) != pivots.size(-1)) {
            throw new IllegalArgumentException(fn + ": Number of pivots per batch should be same as the dimension of the matrix");
        }
        if (!Arrays.equals(Arrays.copyOf(lu.shape, lu.dim() - 1), pivots.shape)) {
            throw new IllegalArgumentException(fn + ": Expected LU.shape[:-1] and pivots.shape to be the same, but got pivots "
                    + "with shape " + Arrays.toString(pivots.shape) + " instead");
        }
        Shapes.broadcast(Arrays.copyOf(b.shape, b.dim() - 2), Arrays.copyOf(lu.shape, lu.dim() - 2));
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = luSolveRaw(unpack(lu, pivots), b, left, adjoint).contiguous();
        }
        return ArithmeticOps.record(out, "LinalgLuSolveBackward0", new Tensor[] {lu, b}, node -> {
            // LU, pivots and the result, as PyTorch's node saves them
            SavedTensor slu = node.save(lu);
            SavedTensor spiv = node.save(pivots);
            SavedTensor sx = node.saveOutput(out); // saved whatever needs a gradient, as PyTorch's outputs
            return g -> {
                Tensor f = slu.get();
                Tensor piv = spiv.get();
                boolean computesLu = node.computes(0, sx);
                Tensor gb = node.needsInputGrad(1) ? luSolve(f, piv, g, left, !adjoint) : null;
                Tensor glu = !computesLu ? null : luSolveLU(g, f, piv, sx.get(), left, adjoint);
                return new Tensor[] {glu, gb};
            };
        });
    }

    /** The solve from unpacked P, L, U (in Ember ops, no checks). */
    private static Tensor luSolveRaw(Tensor[] plu, Tensor b, boolean left, boolean adjoint) {
        Tensor p = plu[0];
        Tensor l = plu[1];
        Tensor u = plu[2];
        if (!left) {
            // X A = B is A^T X^T = B^T; X A^T = B is A X^T = B^T
            return luSolveRaw(plu, b.mH(), true, !adjoint).mH();
        }
        if (!adjoint) {
            // A = P L U: X = U^{-1} L^{-1} P^T B
            Tensor y = LinalgDecompositions.solveTriangular(l, p.mH().matmul(b), false, true, true);
            return LinalgDecompositions.solveTriangular(u, y, true, true, false);
        }
        // A^T = U^T L^T P^T: X = P L^{-T} U^{-T} B
        Tensor y = LinalgDecompositions.solveTriangular(u.mH(), b, false, true, false);
        return p.matmul(LinalgDecompositions.solveTriangular(l.mH(), y, true, true, true));
    }

    /** PyTorch 2.x's {@code linalg_lu_solve_LU}: the gradient with respect to the packed factors. */
    private static Tensor luSolveLU(Tensor gX, Tensor lu, Tensor pivots, Tensor x, boolean left, boolean adjoint) {
        Tensor[] plu = unpack(lu, pivots);
        Tensor p = plu[0];
        Tensor l = plu[1];
        Tensor u = plu[2];
        if (left != adjoint) {
            // gR = U^{-H} op_2(-gX) op_2(X)^H
            Tensor gR = LinalgDecompositions.solveTriangular(u.mH(),
                    (left ? gX : gX.mH()).neg().matmul(left ? x.mH() : x), false, true, false);
            // gL = (L^{-H} gR U^H).tril(-1)
            Tensor gL = LinalgDecompositions.triangle(
                    LinalgDecompositions.solveTriangular(l.mH(), gR.matmul(u.mH()), true, true, true), -1, true);
            return gL.add(LinalgDecompositions.triangle(gR, 0, false));
        }
        // gR = -P^T op_3(X) op_1(op_2(gX)) P, then gR L^{-H}
        Tensor gR = p.mH().matmul(left ? x : x.mH()).matmul(left ? gX.mH() : gX).matmul(p).neg();
        gR = LinalgDecompositions.solveTriangular(l.mH(), gR, true, false, true);
        // gU = (L^H gR U^{-H}).triu()
        Tensor gU = LinalgDecompositions.triangle(
                LinalgDecompositions.solveTriangular(u.mH(), l.mH().matmul(gR), false, false, false), 0, false);
        return LinalgDecompositions.triangle(gR, -1, true).add(gU);
    }

    // ------------------------------------------------------------------ cholesky_solve and cholesky_inverse

    /** {@code torch.cholesky_solve(B, L, upper)}: X with {@code (L L^H) X = B} (upper: {@code U^H U}); one node. */
    static Tensor choleskySolve(Tensor b, Tensor l, boolean upper) {
        if (Autocast.on()) return Autocast.apply("cholesky_solve", t -> choleskySolve(t[0], t[1], upper), b, l);
        if (b.dim() < 2) {
            throw new IllegalArgumentException("b should have at least 2 dimensions, but has " + b.dim() + " dimensions instead");
        }
        if (l.dim() < 2) {
            throw new IllegalArgumentException("u should have at least 2 dimensions, but has " + l.dim() + " dimensions instead");
        }
        ArithmeticOps.checkSameDevice(b, l);
        if (b.dtype != l.dtype) {
            throw new IllegalArgumentException("Expected b and A to have the same dtype, but found b of type "
                    + Format.scalarType(b.dtype) + " and A of type " + Format.scalarType(l.dtype) + " instead.");
        }
        if (l.size(-1) != l.size(-2)) {
            throw new IllegalArgumentException("A must be batches of square matrices, but they are " + l.size(-2) + " by "
                    + l.size(-1) + " matrices");
        }
        if (l.size(-1) != b.size(-2)) {
            throw new IllegalArgumentException("Incompatible matrix sizes for cholesky_solve: each A matrix is " + l.size(-1)
                    + " by " + l.size(-1) + " but each b matrix is " + b.size(-2) + " by " + b.size(-1));
        }
        Shapes.broadcast(Arrays.copyOf(b.shape, b.dim() - 2), Arrays.copyOf(l.shape, l.dim() - 2));
        DType real = b.dtype.toReal();
        if (real != DType.FLOAT32 && real != DType.FLOAT64) {
            // AT_DISPATCH_FLOATING_AND_COMPLEX_TYPES: float16 and bfloat16 are refused too
            throw Refusals.notImplemented("cholesky_solve_cpu", b.dtype);
        }
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = choleskySolveRaw(b, l, upper).contiguous();
        }
        return ArithmeticOps.record(out, "CholeskySolveBackward0", new Tensor[] {b, l}, node -> {
            SavedTensor sl = node.save(l);
            SavedTensor sx = node.saveOutput(out);
            return g -> {
                Tensor f = sl.get();
                Tensor gb = choleskySolve(g, f, upper);
                Tensor gl = null;
                if (node.needsInputGrad(1)) {
                    Tensor common = gb.matmul(sx.get().mH());
                    common = common.add(common.mH());
                    gl = (upper ? f.matmul(common) : common.matmul(f)).neg();
                }
                return new Tensor[] {node.needsInputGrad(0) ? gb : null, gl};
            };
        });
    }

    /** {@code (L L^H)^{-1} B} (upper: {@code (U^H U)^{-1} B}) by two triangular solves, no checks. */
    private static Tensor choleskySolveRaw(Tensor b, Tensor l, boolean upper) {
        Tensor lower = upper ? l.mH() : l;
        Tensor y = LinalgDecompositions.solveTriangular(lower, b, false, true, false);
        return LinalgDecompositions.solveTriangular(lower.mH(), y, true, true, false);
    }

    /** {@code torch.cholesky_inverse(L, upper)}: {@code (L L^H)^{-1}} (upper: {@code (U^H U)^{-1}}); one node. */
    static Tensor choleskyInverse(Tensor l, boolean upper) {
        if (Autocast.on()) return Autocast.apply("cholesky_inverse", t -> choleskyInverse(t[0], upper), l);
        LinalgDecompositions.checkSquare(l, "cholesky_inverse", "A");
        DType real = l.dtype.toReal();
        if (real != DType.FLOAT32 && real != DType.FLOAT64) {
            // AT_DISPATCH_FLOATING_AND_COMPLEX_TYPES: float16 and bfloat16 are refused too
            throw Refusals.notImplemented("cholesky_inverse_out_cpu", l.dtype);
        }
        checkTriangularInverse(l);
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            int n = l.size(-1);
            Tensor id = LinalgDecompositions.eye(n, l.dtype, l.device).expand(l.shape);
            out = choleskySolveRaw(id, l, upper).contiguous();
        }
        return ArithmeticOps.record(out, "CholeskyInverseBackward0", new Tensor[] {l}, node -> {
            SavedTensor sl = node.save(l);
            SavedTensor si = node.saveOutput(out);
            return g -> {
                Tensor inv = si.get();
                Tensor common = inv.matmul(g.add(g.mH()).matmul(inv));
                Tensor f = sl.get();
                return new Tensor[] {(upper ? f.matmul(common) : common.matmul(f)).neg()};
            };
        });
    }

    /**
     * LAPACK's potri (through trtri) refuses a factor with an exact zero on its diagonal: PyTorch's
     * {@code _linalg_check_errors(infos, "cholesky_inverse", ...)} names the first such element (1-based) of the first
     * such matrix.
     */
    private static void checkTriangularInverse(Tensor l) {
        int n = l.size(-1);
        if (l.numel() == 0 || l.device.isMeta()) {
            return;
        }
        long[] zero;
        try (GradMode off = Ember.noGrad()) {
            zero = l.diagonal(0, -2, -1).eq(0).to(DType.INT64).contiguous().toLongArray();
        }
        long[] info = new long[zero.length / n];
        for (int b = 0; b < info.length; b++) {
            for (int i = 0; i < n && info[b] == 0; i++) {
                if (zero[b * n + i] != 0) {
                    info[b] = i + 1;
                }
            }
        }
        LinalgDecompositions.checkInfo(Tensor.tensor(info, DType.INT64, Device.CPU), "cholesky_inverse", l.dim() > 2,
                LinalgDecompositions::singularInverse);
    }

    // ------------------------------------------------------------------ vecdot, diagonal, vander

    /** {@code linalg.vecdot(x, y, dim)}: PyTorch's {@code (x.conj() * y).sum(dim)} (conj is nothing for real inputs). */
    static Tensor vecdot(Tensor x, Tensor y, int dim) {
        if (Autocast.on()) return Autocast.apply("linalg_vecdot", t -> vecdot(t[0], t[1], dim), x, y);
        LinalgDecompositions.checkFloatingOrComplex(x, "linalg.vecdot");
        if (x.dtype != y.dtype) {
            throw new IllegalArgumentException("linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
                    + Format.scalarType(x.dtype) + " and y of type " + Format.scalarType(y.dtype) + " instead");
        }
        return (x.dtype.isComplex() ? x.conj() : x).mul(y).sum(new int[] {dim}, false);
    }

    /**
     * {@code torch.vander(x, N, increasing)}: PyTorch's composition: ones, the columns after the first set to x and
     * replaced by their cumulative product (in place, {@code CopySlices}), flipped unless {@code increasing}; integer
     * and bool inputs give int64.
     */
    static Tensor vander(Tensor x, Integer n, boolean increasing) {
        if (x.dim() != 1) {
            throw new IllegalArgumentException("x must be a one-dimensional tensor.");
        }
        int cols = x.size(0);
        if (n != null) {
            if (n < 0) {
                throw new IllegalArgumentException("N must be non-negative.");
            }
            cols = n;
        }
        DType t = x.dtype.isFloatingPoint() ? x.dtype : DType.INT64;
        Tensor result = Tensor.zeros(t, x.size(0), cols).to(x.device);
        if (cols > 0) {
            try (GradMode off = Ember.noGrad()) {
                result.fill_(1);
            }
            if (cols > 1) {
                result.narrow(1, 1, cols - 1).copy_(x.unsqueeze(1));
                Tensor tail = result.narrow(1, 1, cols - 1);
                tail.copy_(tail.cumprod(1, tail.dtype));
            }
        }
        return increasing ? result : result.flip(1);
    }

    /**
     * {@code torch.linalg.vander(x, N)} (PyTorch 2.x): increasing powers along a new last dimension, as PyTorch
     * composes it: {@code cat([ones, cumprod(x.unsqueeze(-1).expand(..., N - 1), -1)], -1)}; integer inputs give int64.
     */
    static Tensor linalgVander(Tensor x, Integer nArg) {
        DType t = x.dtype;
        // complex types are neither floating nor integral: their powers stay complex (cumprod keeps the type)
        boolean integral = !t.isFloatingPoint() && !t.isComplex() && t != DType.BOOL;
        if (!(t == DType.FLOAT32 || t == DType.FLOAT64 || t == DType.COMPLEX64 || t == DType.COMPLEX128 || integral)) {
            throw new IllegalArgumentException("linalg.vander supports floating point, complex, and integer tensors, but got "
                    + Format.scalarType(t));
        }
        Tensor xv = x.dim() == 0 ? x.unsqueeze(-1) : x;
        int n = nArg == null ? xv.size(-1) : nArg;
        if (n <= 1) {
            throw new IllegalArgumentException("N must be greater than 1.");
        }
        int[] shape = Arrays.copyOf(xv.shape, xv.dim() + 1);
        shape[xv.dim()] = n - 1;
        Tensor result = xv.unsqueeze(-1).expand(shape).cumprod(-1, integral ? DType.INT64 : t);
        shape[xv.dim()] = 1;
        Tensor ones = Tensor.ones(result.dtype, shape).to(result.device);
        return Tensor.cat(List.of(ones, result), -1);
    }

    // ------------------------------------------------------------------ trapezoid and cumulative_trapezoid

    /** {@code y.slice(dim, start, start + length)}, clamped to the size as PyTorch's slice. */
    private static Tensor slice(Tensor y, int dim, int start, int length) {
        int from = Math.min(start, y.size(dim));
        return y.narrow(dim, from, Math.max(Math.min(length, y.size(dim) - from), 0));
    }

    /** {@code x} viewed to broadcast against y along {@code dim}, as PyTorch's trapezoid rules; then its differences. */
    private static Tensor spacing(Tensor y, Tensor x, int dim, String fn) {
        Tensor xv;
        if (x.dim() == 1) {
            if (x.size(0) != y.size(dim)) {
                throw new IllegalArgumentException(fn + ": There must be one `x` value for each sample point");
            }
            int[] s = new int[y.dim()];
            Arrays.fill(s, 1);
            s[dim] = x.size(0);
            xv = x.view(s);
        } else if (x.dim() < y.dim()) {
            int[] s = new int[y.dim()];
            Arrays.fill(s, 1);
            System.arraycopy(x.shape, 0, s, y.dim() - x.dim(), x.dim());
            xv = x.view(s);
        } else {
            xv = x;
        }
        int m = xv.size(dim);
        return slice(xv, dim, 1, m - 1).sub(slice(xv, dim, 0, m - 1));
    }

    private static int wrapDim(Tensor y, int dim) {
        if (y.dim() == 0) {
            // maybe_wrap_dim takes a 0-dim y as 1-d (its range message), then y.size(dim) refuses the wrapped dim
            throw new IndexOutOfBoundsException("Dimension specified as " + Shapes.wrapDim(dim, 1)
                    + " but tensor has no dimensions");
        }
        return Shapes.wrapDim(dim, y.dim());
    }

    /** {@code torch.trapezoid(y, x, dim)}: {@code ((y[1:] + y[:-1]) * dx).sum(dim) / 2} with {@code dx = diff(x)}. */
    static Tensor trapezoid(Tensor y, Tensor x, int dim) {
        dim = wrapDim(y, dim);
        int n = y.size(dim);
        if (n == 0) {
            return zerosExcept(y, dim);
        }
        if (y.dtype == DType.BOOL || x.dtype == DType.BOOL) {
            throw new IllegalArgumentException("trapezoid: received a bool input for `x` or `y`, but bool is not supported");
        }
        Tensor dx = spacing(y, x, dim, "trapezoid");
        return ArithmeticOps.divScalar(slice(y, dim, 1, n - 1).add(slice(y, dim, 0, n - 1)).mul(dx)
                .sum(new int[] {dim}, false), 2.0);
    }

    /** {@code torch.trapezoid(y, dx=, dim)}: {@code (y.sum(dim) - (y[0] + y[-1]) * 0.5) * dx}. */
    static Tensor trapezoid(Tensor y, double dx, int dim) {
        if (y.dim() == 0) {
            // PyTorch reads y.size(dim) without wrapping dim first
            throw new IndexOutOfBoundsException("Dimension specified as " + dim + " but tensor has no dimensions");
        }
        dim = wrapDim(y, dim);
        int n = y.size(dim);
        if (n == 0) {
            return zerosExcept(y, dim);
        }
        if (y.dtype == DType.BOOL) {
            throw new IllegalArgumentException("trapezoid: received a bool input for `y`, but bool is not supported");
        }
        Tensor ends = SpecialOps.mulScalar(y.select(dim, 0).add(y.select(dim, n - 1)), 0.5);
        return SpecialOps.mulScalar(y.sum(new int[] {dim}, false).sub(ends), dx);
    }

    /** {@code torch.cumulative_trapezoid(y, x, dim)}: {@code ((y[:-1] + y[1:]) * dx).cumsum(dim) / 2}. */
    static Tensor cumulativeTrapezoid(Tensor y, Tensor x, int dim) {
        dim = wrapDim(y, dim);
        if (y.dtype == DType.BOOL || x.dtype == DType.BOOL) {
            throw new IllegalArgumentException("cumulative_trapezoid: received a bool input for `x` or `y`, but bool is not "
                    + "supported");
        }
        int n = y.size(dim);
        Tensor dx = spacing(y, x, dim, "cumulative_trapezoid");
        Tensor s = slice(y, dim, 0, n - 1).add(slice(y, dim, 1, n - 1));
        return ArithmeticOps.divScalar(dx.mul(s).cumsum(dim), 2.0);
    }

    /** {@code torch.cumulative_trapezoid(y, dx=, dim)}: {@code (dx / 2 * (y[:-1] + y[1:])).cumsum(dim)}. */
    static Tensor cumulativeTrapezoid(Tensor y, double dx, int dim) {
        if (y.dim() == 0) {
            // PyTorch slices y along dim without wrapping it first
            throw new IndexOutOfBoundsException("slice() cannot be applied to a 0-dim tensor.");
        }
        dim = wrapDim(y, dim);
        if (y.dtype == DType.BOOL) {
            throw new IllegalArgumentException("cumulative_trapezoid: received a bool input for `y`, but bool is not supported");
        }
        int n = y.size(dim);
        return SpecialOps.mulScalar(slice(y, dim, 0, n - 1).add(slice(y, dim, 1, n - 1)), dx / 2.0).cumsum(dim);
    }

    /** {@code zeros_like_except}: zeros of y's type, shaped as y without {@code dim}. */
    private static Tensor zerosExcept(Tensor y, int dim) {
        int[] s = new int[y.dim() - 1];
        for (int i = 0, j = 0; i < y.dim(); i++) {
            if (i != dim) {
                s[j++] = y.size(i);
            }
        }
        return Tensor.zeros(y.dtype, s).to(y.device);
    }
}
