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
     * {@code torch.svd(A, some, compute_uv)}: {@code linalg.svd(A, full_matrices=!some)} with V = Vh^T (a transposed
     * view, TransposeBackward0); without {@code computeUv}, {@code linalg.svdvals}' S and zero U (m by m) and V (n by
     * n), whatever {@code some} says, as PyTorch's.
     */
    static SvdUsvResult svd(Tensor a, boolean some, boolean computeUv) {
        if (a.dim() < 2) {
            throw new IllegalArgumentException("linalg.svd: input should have at least 2 dimensions, but has " + a.dim()
                    + " dimensions instead");
        }
        if (computeUv) {
            SvdResult f = LinalgDecompositions.svd(a, !some);
            return new SvdUsvResult(f.U(), f.S(), f.Vh().mT());
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
        return LinalgDecompositions.inv(a.reshape(n, n)).reshape(out);
    }

    /**
     * {@code linalg.tensorsolve(A, B, dims)}: the dimensions {@code dims} of A moved to its end, A reshaped to a square
     * matrix whose rows are B's elements, {@code linalg.solve} with B flattened, the result shaped as A's trailing
     * dimensions.
     */
    static Tensor tensorsolve(Tensor a, Tensor b, int[] dims) {
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
            throw new IllegalArgumentException("ArrayRef: invalid slice, N = " + b.dim() + "; size = " + ndim);
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
     * {@code H_i = I - tau_i v_i v_i^T}, {@code v_i} column i of the m-by-n A below the diagonal with a unit diagonal, k
     * = tau's last size. One node LinalgHouseholderProductBackward0, whose backward differentiates the same
     * composition of reflections (recomputed from the saved A and tau), so it is differentiable again.
     */
    static Tensor householderProduct(Tensor a, Tensor tau) {
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
        LinalgDecompositions.checkFloating(a, fn);
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = reflections(a, tau).contiguous();
        }
        return recordRecomputed(out, "LinalgHouseholderProductBackward0", new Tensor[] {a, tau},
                in -> reflections(in[0], in[1]));
    }

    /** {@link #householderProduct}'s value as a composition of differentiable ops, without checks. */
    static Tensor reflections(Tensor a, Tensor tau) {
        int m = a.size(-2);
        int n = a.size(-1);
        int k = tau.size(-1);
        Tensor v = a.tril(-1).add(LinalgDecompositions.eye(m, a.dtype, a.device).narrow(-1, 0, n));
        Tensor q = LinalgDecompositions.eye(m, a.dtype, a.device).narrow(-1, 0, n)
                .expand(LinalgDecompositions.withMatrix(LinalgDecompositions.batchShape(a), m, n));
        // Q = H_1 (H_2 (... (H_k E))) with E the first n columns of the identity: H_i X = X - tau_i v_i (v_i^T X)
        for (int i = k - 1; i >= 0; i--) {
            Tensor vi = v.narrow(-1, i, 1);
            Tensor ti = tau.narrow(-1, i, 1).unsqueeze(-1);
            q = q.sub(vi.mul(ti).matmul(vi.mT().matmul(q)));
        }
        return q;
    }

    /**
     * {@code torch.svd_lowrank(A, q, niter, M)} (Halko et al. 2009, PyTorch's {@code _svd_lowrank}): an orthonormal basis
     * of A's range (of A - M's when M is given) from {@code qr(A R)} for a random n-by-q R drawn from {@code generator},
     * refined by {@code niter} power iterations, then the SVD of A projected onto it; a wide A, or one with more
     * columns than q, is done through its transpose, as PyTorch's. Differentiable as its composition.
     */
    static SvdUsvResult svdLowrank(Tensor a, int q, int niter, Tensor m, Generator generator) {
        if (a.dim() < 2) {
            throw new IllegalArgumentException("svd_lowrank: expected a matrix or a batch of matrices, but got a "
                    + a.dim() + "-D tensor");
        }
        int rows = a.size(-2);
        int cols = a.size(-1);
        if (rows < cols || cols > q) {
            Tensor basis = approximateBasis(a.mT(), q, niter, m == null ? null : m.mT(), generator);
            Tensor bt = m == null ? a.matmul(basis) : a.matmul(basis).sub(m.matmul(basis));
            SvdResult f = LinalgDecompositions.svd(bt, false);
            return new SvdUsvResult(f.U(), f.S(), basis.matmul(f.Vh().mT()));
        }
        Tensor basis = approximateBasis(a, q, niter, m, generator);
        Tensor b = m == null ? a.mT().matmul(basis) : a.mT().matmul(basis).sub(m.mT().matmul(basis));
        SvdResult f = LinalgDecompositions.svd(b.mT(), false);
        return new SvdUsvResult(basis.matmul(f.U()), f.S(), f.Vh().mT());
    }

    /** PyTorch's {@code get_approximate_basis}: Q of {@code qr(A R)}, then {@code niter} rounds through A^H and A. */
    private static Tensor approximateBasis(Tensor a, int q, int niter, Tensor m, Generator generator) {
        int n = a.size(-1);
        DType type = a.dtype.isFloatingPoint() ? a.dtype : DType.FLOAT32;
        Tensor r = Tensor.randn(generator, type, n, q).to(a.device);
        Tensor ah = a.mT();
        Tensor mh = m == null ? null : m.mT();
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

    /**
     * Records {@code out} (computed without history) as one node {@code name} over {@code inputs}, whose backward is the
     * vector-Jacobian product of {@code composition} recomputed from the saved inputs: with {@code create_graph} on the
     * inputs themselves, so the gradient has history and can be differentiated again.
     */
    private static Tensor recordRecomputed(Tensor out, String name, Tensor[] inputs, Function<Tensor[], Tensor> composition) {
        return ArithmeticOps.record(out, name, inputs, node -> {
            SavedTensor[] saved = new SavedTensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                saved[i] = node.save(inputs[i]);
            }
            return g -> {
                boolean createGraph = Ember.isGradEnabled();
                Tensor[] xs = new Tensor[inputs.length];
                List<Tensor> wrt = new ArrayList<>();
                for (int i = 0; i < xs.length; i++) {
                    Tensor x = saved[i].get();
                    xs[i] = createGraph && x.requiresGrad() ? x : x.detach().requiresGrad_(node.needsInputGrad(i));
                    if (node.needsInputGrad(i)) {
                        wrt.add(xs[i]);
                    }
                }
                List<Tensor> grads;
                try (GradMode on = Ember.enableGrad()) {
                    Tensor y = composition.apply(xs);
                    grads = Autograd.grad(List.of(y), wrt, List.of(g), true, createGraph, true);
                }
                Tensor[] result = new Tensor[inputs.length];
                int j = 0;
                for (int i = 0; i < inputs.length; i++) {
                    if (node.needsInputGrad(i)) {
                        Tensor gi = grads.get(j++);
                        result[i] = gi == null ? saved[i].get().zerosLike() : gi;
                    }
                }
                return result;
            };
        });
    }
}
