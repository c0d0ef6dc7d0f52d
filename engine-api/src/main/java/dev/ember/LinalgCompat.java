package dev.ember;

import dev.ember.backend.Layout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The linear-algebra functions a census of PyTorch's public API against Ember's found missing (session 27): the
 * {@code torch.*} forms that predate {@code torch.linalg} and that code still calls ({@code torch.svd} with V,
 * {@code torch.qr(some)}, {@code torch.pinverse}, {@code torch.chain_matmul}), and {@code linalg.tensorinv},
 * {@code linalg.tensorsolve} and {@code linalg.householder_product}. Each is PyTorch's composition of Ember's
 * decompositions (so it runs on every backend that has them), with PyTorch's checks, messages and nodes.
 */
final class LinalgCompat {
    private LinalgCompat() {
    }

    /**
     * {@code torch.svd(A, some, compute_uv)}: {@code linalg.svd(A, full_matrices=!some)} with V = Vh^H (a transposed
     * view, TransposeBackward0); without {@code computeUv}, {@code linalg.svdvals}' S and zero U (m by m) and V (n by
     * n), whatever {@code some} says, as PyTorch's.
     */
    static SvdUsvResult svd(Tensor a, boolean some, boolean computeUv) {
        if (Autocast.on()) return Autocast.apply("svd", t -> svd(t[0], some, computeUv), a);
        if (a.dim() < 2) {
            throw new IllegalArgumentException("linalg.svd: input should have at least 2 dimensions, but has " + a.dim()
                    + " dimensions instead");
        }
        if (computeUv) {
            SvdResult f = LinalgDecompositions.svd(a, !some);
            return new SvdUsvResult(f.U(), f.S(), f.Vh().mH());
        }
        Tensor s = LinalgDecompositions.svdvals(a);
        int m = a.size(-2);
        int n = a.size(-1);
        int[] batch = LinalgDecompositions.batchShape(a);
        Tensor u = Creation.zeros(LinalgDecompositions.withMatrix(batch, m, m), a.dtype, a.device);
        Tensor vh = Creation.zeros(LinalgDecompositions.withMatrix(batch, n, n), a.dtype, a.device);
        return new SvdUsvResult(u, s, vh.mT());
    }

    /**
     * {@code torch.pinverse(A, rcond)}: {@code linalg.pinv} with {@code rcond} as the relative tolerance and no absolute
     * one, as PyTorch's.
     */
    static Tensor pinverse(Tensor a, double rcond) {
        if (Autocast.on()) return Autocast.apply("pinverse", t -> pinverse(t[0], rcond), a);
        return LinalgDecompositions.pinv(a, 0.0, rcond, false);
    }

    /**
     * {@code torch.chain_matmul(*matrices)}: every operand 2-D ({@code checkAllSameDim}'s message), one matrix cloned
     * (CloneBackward0), several multiplied as {@code linalg.multi_dot}.
     */
    static Tensor chainMatmul(List<Tensor> matrices) {
        for (Tensor t : matrices) {
            if (t.dim() != 2) {
                throw new IllegalArgumentException("Tensor dimension is " + t.dim() + ", expected 2 instead.");
            }
        }
        if (matrices.isEmpty()) {
            throw new IllegalArgumentException("chain_matmul(): Expected one or more matrices");
        }
        return matrices.size() == 1 ? matrices.get(0).clone() : LinalgMore.multiDot(matrices);
    }

    /**
     * {@code linalg.tensorinv(A, ind)}: A reshaped to a square matrix (the product of its first {@code ind} sizes by
     * the rest), inverted ({@code linalg.inv}'s error for a singular one), reshaped to {@code A.shape[ind:] +
     * A.shape[:ind]}.
     */
    static Tensor tensorinv(Tensor a, int ind) {
        if (Autocast.on()) return Autocast.apply("linalg_tensorinv", t -> tensorinv(t[0], ind), a);
        if (ind <= 0) {
            throw new IllegalArgumentException("Expected a strictly positive integer for 'ind', but got " + ind);
        }
        if (ind > a.dim()) {
            throw new IllegalArgumentException("ArrayRef: invalid slice, N = " + ind + "; size = " + a.dim());
        }
        int[] head = Arrays.copyOfRange(a.shape, 0, ind);
        int[] tail = Arrays.copyOfRange(a.shape, ind, a.dim());
        long rows = Layout.numel(head);
        long cols = Layout.numel(tail);
        if (rows != cols) {
            throw new IllegalArgumentException("Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                    + "prod(self.shape[:ind]), but got " + cols + " != " + rows);
        }
        int n = Shapes.toSize(rows, "linalg.tensorinv");
        int[] out = Arrays.copyOf(tail, tail.length + head.length);
        System.arraycopy(head, 0, out, tail.length, head.length);
        // linalg_inv_ex, then _linalg_check_errors(info, "inv"): the message names "inv", as PyTorch's
        InvExResult r = LinalgDecompositions.invEx(a.reshape(n, n), false);
        LinalgDecompositions.checkInfo(r.info(), "inv", false, LinalgDecompositions::singularInverse);
        return r.inverse().reshape(out);
    }

    /**
     * {@code linalg.tensorsolve(A, B, dims)}: the dimensions {@code dims} of A moved to its end, A reshaped to a square
     * matrix whose rows are B's elements, {@code linalg.solve} with B flattened, the result shaped as A's trailing
     * dimensions.
     */
    static Tensor tensorsolve(Tensor a, Tensor b, int[] dims) {
        if (Autocast.on()) return Autocast.apply("linalg_tensorsolve", t -> tensorsolve(t[0], t[1], dims), a, b);
        int ndim = a.dim();
        Tensor a2 = a;
        if (dims != null) {
            int[] dest = new int[dims.length];
            for (int i = 0; i < dims.length; i++) {
                dest[i] = ndim - dims.length + i;
            }
            a2 = a.movedim(dims, dest);
        }
        if (b.dim() > ndim) {
            // self_.sizes().slice(other.dim(), ndim - other.dim()).vec(): the negative length wraps to a huge size_t
            // that passes slice's check (N + M overflows) and std::vector refuses it
            throw new IllegalArgumentException("cannot create std::vector larger than max_size()");
        }
        int[] resultShape = Arrays.copyOfRange(a2.shape, b.dim(), ndim);
        long resultProduct = Layout.numel(resultShape);
        long otherProduct = b.numel();
        if (resultProduct != otherProduct) {
            throw new IllegalArgumentException("Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                    + "prod(self.shape[:other.ndim]), but got " + resultProduct + " != " + otherProduct);
        }
        int n = Shapes.toSize(resultProduct, "linalg.tensorsolve");
        return LinalgDecompositions.solve(a2.reshape(n, n), b.flatten()).reshape(resultShape);
    }

    /**
     * {@code linalg.householder_product(A, tau)} (LAPACK's orgqr): the first n columns of {@code H_1 ... H_k},
     * {@code H_i = I - tau_i v_i v_i^H}, {@code v_i} column i of the m-by-n A below the diagonal with a unit diagonal, k
     * = tau's last size. One node LinalgHouseholderProductBackward0, whose backward differentiates the same
     * composition of reflections (recomputed from the saved A and tau), so it is differentiable again.
     */
    static Tensor householderProduct(Tensor a, Tensor tau) {
        if (Autocast.on()) return Autocast.apply("linalg_householder_product", t -> householderProduct(t[0], t[1]), a, tau);
        String fn = "torch.linalg.householder_product";
        if (a.dim() < 2) {
            throw new IllegalArgumentException(fn + ": input must have at least 2 dimensions.");
        }
        if (a.size(-2) < a.size(-1)) {
            throw new IllegalArgumentException(fn + ": input.shape[-2] must be greater than or equal to input.shape[-1]");
        }
        if (tau.dim() < 1 || a.size(-1) < tau.size(-1)) {
            throw new IllegalArgumentException(fn + ": input.shape[-1] must be greater than or equal to tau.shape[-1]");
        }
        if (a.dim() - tau.dim() != 1) {
            throw new IllegalArgumentException(fn + ": Expected tau to have one dimension less than input, but got "
                    + "tau.ndim equal to " + tau.dim() + " and input.ndim is equal to " + a.dim());
        }
        int[] batch = LinalgDecompositions.batchShape(a);
        int[] tauBatch = Arrays.copyOf(tau.shape, tau.dim() - 1);
        if (!Arrays.equals(batch, tauBatch)) {
            throw new IllegalArgumentException(fn + ": Expected batch dimensions of tau to be equal to input.shape[:-2], "
                    + "but got " + Arrays.toString(tauBatch));
        }
        if (tau.dtype != a.dtype) {
            throw new IllegalArgumentException(fn + ": tau dtype " + Format.scalarType(tau.dtype)
                    + " does not match input dtype " + Format.scalarType(a.dtype));
        }
        if (!tau.device.equals(a.device)) {
            throw new IllegalArgumentException("Expected all tensors to be on the same device, but found at least two "
                    + "devices, " + a.device + " and " + tau.device + "! (when checking argument for argument tau in "
                    + "method " + fn + ")");
        }
        LinalgDecompositions.checkFloatingOrComplex(a, fn);
        DType real = a.dtype.toReal();
        if (a.numel() > 0 && real != DType.FLOAT32 && real != DType.FLOAT64) {
            // orgqr's AT_DISPATCH_FLOATING_AND_COMPLEX_TYPES (an empty input returns before it)
            throw Refusals.notImplemented("orgqr_cpu", a.dtype);
        }
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = reflections(a, tau).contiguous();
        }
        if (a.numel() == 0 || tau.numel() == 0) {
            // householder_product_backward returns undefined gradients for an empty input or tau (.grad stays None)
            return ArithmeticOps.record(out, "LinalgHouseholderProductBackward0", new Tensor[] {a, tau},
                    node -> g -> new Tensor[] {null, null});
        }
        return recordRecomputed(out, "LinalgHouseholderProductBackward0", new Tensor[] {a, tau},
                in -> reflections(in[0], in[1]));
    }

    /** {@link #householderProduct}'s value as a composition of differentiable ops, without checks. */
    static Tensor reflections(Tensor a, Tensor tau) {
        return reflections(a, tau, a.size(-1));
    }

    /** The first {@code cols} columns of {@code H_1 ... H_k} (k = tau's last size) as differentiable ops. */
    private static Tensor reflections(Tensor a, Tensor tau, int cols) {
        int m = a.size(-2);
        int n = a.size(-1);
        int k = tau.size(-1);
        // the reflectors' vectors: A's first min(m, n) columns below the diagonal with a unit diagonal (a wide A, as
        // geqrf's output of a wide matrix, has no reflector in its last n - m columns)
        int r = Math.min(m, n);
        Tensor v = a.narrow(-1, 0, r).tril(-1).add(LinalgDecompositions.eye(m, a.dtype, a.device).narrow(-1, 0, r));
        Tensor q = LinalgDecompositions.eye(m, a.dtype, a.device).narrow(-1, 0, cols)
                .expand(LinalgDecompositions.withMatrix(LinalgDecompositions.batchShape(a), m, cols));
        // Q = H_1 (H_2 (... (H_k E))) with E the first n columns of the identity: H_i X = X - tau_i v_i (v_i^H X)
        for (int i = k - 1; i >= 0; i--) {
            Tensor vi = v.narrow(-1, i, 1);
            Tensor ti = tau.narrow(-1, i, 1).unsqueeze(-1);
            q = q.sub(vi.mul(ti).matmul(vi.mH().matmul(q)));
        }
        return q;
    }

    /**
     * {@code torch.geqrf(A)}: LAPACK's QR in Householder form, as dgeqr2 computes it (in float64 on the host): R on and
     * above the diagonal, below it each reflector's vector (its leading 1 left out), and the k = min(m, n) scalars tau
     * with {@code H_i = I - tau_i v_i v_i^T}; {@link #householderProduct} of the two gives Q. A complex A takes zgeqr2's
     * algorithm ({@link ComplexLinalg#geqrf}: {@code H_i = I - tau_i v_i v_i^H}, R's diagonal real). Not differentiable
     * (GeqrfBackward0 raises, as PyTorch's; a complex input that requires grad is refused at the call, as PyTorch's
     * autograd layer refuses an op outside its GRADIENT_IMPLEMENTED_FOR_COMPLEX).
     */
    static GeqrfResult geqrf(Tensor a) {
        if (Autocast.on()) return Autocast.apply("geqrf", t -> geqrf(t[0]), a);
        MetaOps.refuseDataDependent("aten::geqrf", a); // PyTorch 2.x registers no meta geqrf
        if (a.dim() < 2) {
            throw new IllegalArgumentException("torch.geqrf: input must have at least 2 dimensions.");
        }
        if (!a.isComplex() && (!a.dtype.isFloatingPoint() || a.dtype.isReducedFloatingPoint() || a.dtype.isFloat8())) {
            throw Refusals.notImplemented("geqrf_" + a.device.type(), a.dtype);
        }
        int m = a.size(-2);
        int n = a.size(-1);
        int k = Math.min(m, n);
        int[] tauShape = java.util.Arrays.copyOf(a.shape, a.dim() - 1);
        tauShape[tauShape.length - 1] = k;
        if (a.isComplex()) {
            // geqrf is not in PyTorch's GRADIENT_IMPLEMENTED_FOR_COMPLEX (1.13 and 2.x): its autograd layer refuses a
            // complex output that would record history, after the forward
            Tensor[] r = ComplexLinalg.geqrf(LinalgDecompositions.batch3(a));
            LossOps.refuseComplexAutograd("geqrf", a);
            return new GeqrfResult(r[0].reshape(a.shape.clone()), r[1].reshape(tauShape));
        }
        int batches = LinalgDecompositions.batchOf(a.shape);
        double[] x = a.contiguous().toDoubleArray();
        double[] tau = new double[batches * k];
        for (int b = 0; b < batches; b++) {
            householderQr(x, b * m * n, m, n, tau, b * k);
        }
        Tensor out = Creation.fromFlat(x, a.shape.clone(), DType.FLOAT64, Device.CPU).to(a.dtype).to(a.device);
        Tensor t = Creation.fromFlat(tau, tauShape, DType.FLOAT64, Device.CPU).to(a.dtype).to(a.device);
        MultiOutput.record("GeqrfBackward0", new Tensor[] {a}, new Tensor[] {out, t}, node -> g -> {
            throw new IllegalStateException("the derivative for 'geqrf' is not implemented.");
        });
        return new GeqrfResult(out, t);
    }

    /**
     * LAPACK's dgeqr2 on one row-major m-by-n matrix at {@code off}: for each column i, dlarfg's reflector (beta =
     * -sign(alpha) hypot(alpha, |x|), tau = (beta - alpha) / beta, x scaled by 1 / (alpha - beta); tau 0 when x is
     * zero or empty), then dlarf's update of the columns to its right.
     */
    private static void householderQr(double[] x, int off, int m, int n, double[] tau, int tauOff) {
        int k = Math.min(m, n);
        for (int i = 0; i < k; i++) {
            double alpha = x[off + i * n + i];
            double norm = 0;
            for (int r = i + 1; r < m; r++) {
                norm = Math.hypot(norm, x[off + r * n + i]);
            }
            if (norm == 0) {
                tau[tauOff + i] = 0;
                continue;
            }
            double beta = -Math.copySign(Math.hypot(alpha, norm), alpha);
            double t = (beta - alpha) / beta;
            double scale = 1 / (alpha - beta);
            for (int r = i + 1; r < m; r++) {
                x[off + r * n + i] *= scale;
            }
            tau[tauOff + i] = t;
            x[off + i * n + i] = beta;
            // A[i:, j] -= tau v (v^T A[i:, j]) for the columns j > i, v = [1, x[i+1:, i]]
            for (int j = i + 1; j < n; j++) {
                double w = x[off + i * n + j];
                for (int r = i + 1; r < m; r++) {
                    w += x[off + r * n + i] * x[off + r * n + j];
                }
                w *= t;
                x[off + i * n + j] -= w;
                for (int r = i + 1; r < m; r++) {
                    x[off + r * n + j] -= w * x[off + r * n + i];
                }
            }
        }
    }

    /**
     * {@code torch.ormqr(A, tau, C, left, transpose)}: C multiplied by the m-by-m Q of {@link #geqrf}'s output
     * (Q C, Q^H C, C Q or C Q^H; ^H is ^T for real inputs), without forming Q in PyTorch (here formed, as the
     * reflections' composition); one node OrmqrBackward0 differentiable in all three.
     */
    static Tensor ormqr(Tensor a, Tensor tau, Tensor c, boolean left, boolean transpose) {
        if (Autocast.on()) return Autocast.apply("ormqr", t -> ormqr(t[0], t[1], t[2], left, transpose), a, tau, c);
        String fn = "torch.ormqr";
        if (a.dim() < 2) {
            throw new IllegalArgumentException(fn + ": input must have at least 2 dimensions.");
        }
        if (c.dim() < 2) {
            throw new IllegalArgumentException(fn + ": other must have at least 2 dimensions.");
        }
        int side = left ? -2 : -1;
        if (c.size(side) < (tau.dim() == 0 ? 1 : tau.size(-1))) {
            throw new IllegalArgumentException(fn + ": other.shape[" + side + "] must be greater than or equal to "
                    + "tau.shape[-1]");
        }
        if (c.size(side) != a.size(-2)) {
            throw new IllegalArgumentException(fn + ": other.shape[" + side + "] must be equal to input.shape[-2]");
        }
        if (tau.size(-1) > a.size(-1)) {
            throw new IllegalArgumentException(fn + ": tau.shape[-1] must be less than or equal to input.shape[-1]");
        }
        if (a.dim() - tau.dim() != 1) {
            throw new IllegalArgumentException(fn + ": Expected tau to have one dimension less than input, but got tau.ndim "
                    + "equal to " + tau.dim() + " and input.ndim is equal to " + a.dim());
        }
        if (a.dim() != c.dim()) {
            throw new IllegalArgumentException(fn + ": Expected other to have the same number of dimensions as input, but "
                    + "got other.ndim equal to " + c.dim() + " and input.ndim is equal to " + a.dim());
        }
        int[] batch = LinalgDecompositions.batchShape(a);
        if (a.dim() > 2) {
            int[] tauBatch = java.util.Arrays.copyOf(tau.shape, tau.dim() - 1);
            if (!java.util.Arrays.equals(batch, tauBatch)) {
                throw new IllegalArgumentException(fn + ": Expected batch dimensions of tau to be equal to input.shape[:-2], "
                        + "but got " + java.util.Arrays.toString(tauBatch));
            }
            int[] otherBatch = LinalgDecompositions.batchShape(c);
            if (!java.util.Arrays.equals(batch, otherBatch)) {
                throw new IllegalArgumentException(fn + ": Expected batch dimensions of other to be equal to "
                        + "input.shape[:-2], but got " + java.util.Arrays.toString(otherBatch));
            }
        }
        if (tau.dtype != a.dtype) {
            throw new IllegalArgumentException(fn + ": Expected input and tau to have the same dtype, but input has dtype"
                    + Format.scalarType(a.dtype) + " and tau has dtype " + Format.scalarType(tau.dtype));
        }
        if (c.dtype != a.dtype) {
            throw new IllegalArgumentException(fn + ": Expected input and other to have the same dtype, but input has dtype"
                    + Format.scalarType(a.dtype) + " and other has dtype " + Format.scalarType(c.dtype));
        }
        ArithmeticOps.checkSameDevice(a, tau, c);
        LinalgDecompositions.checkFloatingOrComplex(a, fn);
        Function<Tensor[], Tensor> product = in -> {
            Tensor q = reflections(in[0], in[1], in[0].size(-2));
            Tensor op = transpose ? q.mH() : q;
            return left ? op.matmul(in[2]) : in[2].matmul(op);
        };
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = product.apply(new Tensor[] {a, tau, c}).contiguous();
        }
        return recordRecomputed(out, "OrmqrBackward0", new Tensor[] {a, tau, c}, product);
    }

    /**
     * {@code torch.svd_lowrank(A, q, niter, M)} (Halko et al. 2009, PyTorch's {@code _svd_lowrank}): an orthonormal basis
     * of A's range (of A - M's when M is given) from {@code qr(A R)} for a random n-by-q R drawn from {@code generator},
     * refined by {@code niter} power iterations, then the SVD of A projected onto it; a wide A, or one with more
     * columns than q, is done through its adjoint. Complex A as PyTorch 2.x (R complex, adjoints where a real A has
     * transposes: {@code A ~ U diag(S) V^H}). Differentiable as its composition.
     */
    static SvdUsvResult svdLowrank(Tensor a, int q, int niter, Tensor m, Generator generator) {
        if (a.dim() < 2) {
            throw new IllegalArgumentException("svd_lowrank: expected a matrix or a batch of matrices, but got a "
                    + a.dim() + "-D tensor");
        }
        int rows = a.size(-2);
        int cols = a.size(-1);
        if (rows < cols || cols > q) {
            // A^H ~ Q Q^H A^H, so A ~ (A Q) Q^H: the SVD of A Q, its right vectors carried back by Q
            Tensor basis = approximateBasis(a.mH(), q, niter, m == null ? null : m.mH(), generator);
            Tensor bt = m == null ? a.matmul(basis) : a.matmul(basis).sub(m.matmul(basis));
            SvdResult f = LinalgDecompositions.svd(bt, false);
            return new SvdUsvResult(f.U(), f.S(), basis.matmul(f.Vh().mH()));
        }
        // A ~ Q Q^H A: the SVD of Q^H A (as the adjoint of A^H Q), its left vectors carried back by Q
        Tensor basis = approximateBasis(a, q, niter, m, generator);
        Tensor b = m == null ? a.mH().matmul(basis) : a.mH().matmul(basis).sub(m.mH().matmul(basis));
        SvdResult f = LinalgDecompositions.svd(b.mH(), false);
        return new SvdUsvResult(basis.matmul(f.U()), f.S(), f.Vh().mH());
    }

    /**
     * PyTorch's {@code get_approximate_basis}: Q of {@code qr(A R)}, then {@code niter} rounds through A^H and A; R of
     * A's type when it is complex (2.x), else of its floating type.
     */
    private static Tensor approximateBasis(Tensor a, int q, int niter, Tensor m, Generator generator) {
        int n = a.size(-1);
        DType type = a.dtype.isFloatingPoint() || a.dtype.isComplex() ? a.dtype : DType.FLOAT32;
        Tensor r = Tensor.randn(generator, type, n, q).to(a.device);
        Tensor ah = a.mH();
        Tensor mh = m == null ? null : m.mH();
        Tensor basis = reducedQ(m == null ? a.matmul(r) : a.matmul(r).sub(m.matmul(r)));
        for (int i = 0; i < niter; i++) {
            basis = reducedQ(m == null ? ah.matmul(basis) : ah.matmul(basis).sub(mh.matmul(basis)));
            basis = reducedQ(m == null ? a.matmul(basis) : a.matmul(basis).sub(m.matmul(basis)));
        }
        return basis;
    }

    private static Tensor reducedQ(Tensor x) {
        return LinalgDecompositions.qr(x, "reduced").Q();
    }

    /**
     * {@code torch.pca_lowrank(A, q, center, niter)}: {@link #svdLowrank} of A with each column's mean subtracted
     * ({@code center}), q at most min(m, n) (null: min(6, m, n)).
     */
    static SvdUsvResult pcaLowrank(Tensor a, Integer q, boolean center, int niter, Generator generator) {
        if (a.dim() < 2) {
            throw new IllegalArgumentException("pca_lowrank: expected a matrix or a batch of matrices, but got a "
                    + a.dim() + "-D tensor");
        }
        int m = a.size(-2);
        int n = a.size(-1);
        int k = Math.min(m, n);
        int rank = q == null ? Math.min(6, k) : q;
        if (rank < 0 || rank > k) {
            throw new IllegalArgumentException("q(=" + rank + ") must be non-negative integer and not greater than min(m, n)="
                    + k);
        }
        if (niter < 0) {
            throw new IllegalArgumentException("niter(=" + niter + ") must be non-negative integer");
        }
        if (!center) {
            return svdLowrank(a, rank, niter, null, generator);
        }
        return svdLowrank(a.sub(a.mean(new int[] {-2}, true)), rank, niter, null, generator);
    }

    /** The deprecated {@code torch.lu_solve(b, LU_data, LU_pivots)}: {@code linalg.lu_solve(LU_data, LU_pivots, b)}. */
    static Tensor luSolve(Tensor b, Tensor lu, Tensor pivots) {
        if (Autocast.on()) return Autocast.apply("lu_solve", t -> luSolve(t[0], t[1], pivots), b, lu);
        return LinalgMore.luSolve(lu, pivots, b, true, false);
    }

    /**
     * {@code torch.triangular_solve(b, A, upper, transpose, unitriangular)}: X with {@code op(A) X = b}, op(A) = A^T when
     * {@code transpose}, A's {@code upper} (or lower) triangle read (its diagonal taken as ones when
     * {@code unitriangular}), batches broadcast; and A's copy broadcast to the batch (cloned_coefficient). One node
     * TriangularSolveBackward0 for both, PyTorch's {@code triangular_solve_backward}: the coefficient's gradient is the
     * triangle of the solution's plus all of the copy's.
     */
    static TriangularSolveResult triangularSolve(Tensor b, Tensor a, boolean upper, boolean transpose,
                                                 boolean unitriangular) {
        if (Autocast.on()) return Autocast.apply("triangular_solve",
                t -> triangularSolve(t[0], t[1], upper, transpose, unitriangular), b, a);
        String fn = "torch.triangular_solve";
        if (b.dim() < 2) {
            throw new IllegalArgumentException(fn + ": Expected b to have at least 2 dimensions, but it has " + b.dim()
                    + " dimensions instead");
        }
        if (a.dim() < 2) {
            throw new IllegalArgumentException(fn + ": Expected A to have at least 2 dimensions, but it has " + a.dim()
                    + " dimensions instead");
        }
        LinalgDecompositions.linearSolveCheckInputs(b, a, "triangular_solve");
        int n = a.size(-1);
        int[] batch = Shapes.broadcast(LinalgDecompositions.batchShape(b), LinalgDecompositions.batchShape(a));
        if (!a.dtype.isFloatingPoint() || a.dtype.isReducedFloatingPoint()) {
            throw Refusals.notImplemented("triangular_solve_cpu", a.dtype);
        }
        Tensor x;
        Tensor m;
        try (GradMode off = Ember.noGrad()) {
            Tensor op = transpose ? a.mT() : a;
            x = LinalgDecompositions.solveTriangular(op, b, upper != transpose, true, unitriangular).contiguous();
            m = a.expand(LinalgDecompositions.withMatrix(batch, n, n)).clone().contiguous();
        }
        int[] bShape = b.shape.clone();
        int[] aShape = a.shape.clone();
        MultiOutput.record("TriangularSolveBackward0", new Tensor[] {b, a}, new Tensor[] {x, m}, node -> {
            SavedTensor sa = node.save(a);
            SavedTensor sx = node.saveOutput(x);
            return g -> {
                Tensor coef = sa.get();
                Tensor gb = null;
                Tensor ga = null;
                if (g[0] != null) {
                    gb = triangularSolve(g[0], coef, upper, !transpose, unitriangular).solution();
                    if (node.needsInputGrad(1)) {
                        Tensor sol = sx.get();
                        ga = (transpose ? sol.matmul(gb.mT()) : gb.matmul(sol.mT())).neg();
                        ga = upper ? ga.triu(unitriangular ? 1 : 0) : ga.tril(unitriangular ? -1 : 0);
                    }
                }
                if (node.needsInputGrad(1) && g[1] != null) {
                    ga = ga == null ? g[1] : ga.add(g[1]);
                }
                // PyTorch's zeros where one output's gradient alone reached the node
                return new Tensor[] {
                    !node.needsInputGrad(0) ? null : gb == null ? Creation.zeros(bShape, b.dtype, b.device)
                            : ReductionOps.sumTo(gb, bShape),
                    !node.needsInputGrad(1) ? null : ga == null ? Creation.zeros(aShape, a.dtype, a.device)
                            : ReductionOps.sumTo(ga, aShape)};
            };
        });
        return new TriangularSolveResult(x, m);
    }

    /**
     * Records {@code out} (computed without history) as one node {@code name} over {@code inputs}, whose backward is the
     * vector-Jacobian product of {@code composition} recomputed from the saved inputs: with {@code create_graph} on the
     * inputs themselves, so the gradient has history and can be differentiated again.
     */
    static Tensor recordRecomputed(Tensor out, String name, Tensor[] inputs, Function<Tensor[], Tensor> composition) {
        return ArithmeticOps.record(out, name, inputs, node -> {
            SavedTensor[] saved = new SavedTensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                saved[i] = node.save(inputs[i]);
            }
            return g -> {
                Tensor[] xs = new Tensor[inputs.length];
                for (int i = 0; i < xs.length; i++) {
                    xs[i] = saved[i].get();
                }
                return recomputedVjp(node, xs, a -> new Tensor[] {composition.apply(a)}, new Tensor[] {g});
            };
        });
    }

    /**
     * The backward of {@code node} as the vector-Jacobian product of {@code composition} recomputed from the node's
     * saved {@code inputs} (null for an absent one) with {@code grads} (one per output of the composition, null where
     * none reached): under {@code create_graph} on the inputs themselves, so the gradients have history and can be
     * differentiated again. One gradient per input, null where the node needs none or none flows (an output that does
     * not depend on the inputs, as a product of reflections over an empty tau).
     */
    static Tensor[] recomputedVjp(Node node, Tensor[] inputs, Function<Tensor[], Tensor[]> composition, Tensor[] grads) {
        boolean createGraph = Ember.isGradEnabled();
        Tensor[] xs = new Tensor[inputs.length];
        List<Tensor> wrt = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            Tensor x = inputs[i];
            if (x == null) {
                continue;
            }
            // under create_graph each input is its own alias of the saved tensor (a view whose graph leads to it):
            // a tensor passed twice (z @ z) gets each partial derivative once, not the whole derivative twice
            xs[i] = createGraph && x.requiresGrad() ? x.viewAs(x) : x.detach().setRequiresGrad(node.needsInputGrad(i));
            if (node.needsInputGrad(i)) {
                wrt.add(xs[i]);
            }
        }
        Tensor[] result = new Tensor[inputs.length];
        try (GradMode on = Ember.enableGrad()) {
            Tensor[] ys = composition.apply(xs);
            List<Tensor> outs = new ArrayList<>();
            List<Tensor> gs = new ArrayList<>();
            for (int k = 0; k < ys.length; k++) {
                if (grads[k] != null && ys[k].requiresGrad()) {
                    outs.add(ys[k]);
                    gs.add(grads[k]);
                }
            }
            if (outs.isEmpty()) {
                return result;
            }
            List<Tensor> g = Autograd.grad(outs, wrt, gs, true, createGraph, true);
            int j = 0;
            for (int i = 0; i < inputs.length; i++) {
                if (inputs[i] != null && node.needsInputGrad(i)) {
                    result[i] = g.get(j++);
                }
            }
        }
        return result;
    }
}
