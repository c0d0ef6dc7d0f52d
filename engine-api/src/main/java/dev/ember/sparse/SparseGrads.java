package dev.ember.sparse;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.TensorScope;

import java.util.List;

/**
 * The sparse gradients of dense parameters: what {@code nn.Embedding(n, d, sparse=True)} leaves in {@code weight.grad}
 * (PyTorch's sparse COO {@code .grad}) and what the optimizers that accept one ({@code SGD}, {@code Adagrad},
 * {@link dev.ember.optim.SparseAdam}) do with it. A sparse gradient lives beside the leaf's dense one
 * ({@link Tensor#sparseGrad()}, {@link Tensor#isGradSparse()}); these helpers are the operations PyTorch's
 * AccumulateGrad and optimizers apply to it, built from dense ops on its indices and values (so on every device).
 * A leaf's sparse gradient lives as long as its tensor, as a dense one: its indices and values are made out of every
 * {@link TensorScope} and then put in the leaf's scope, if it has one (a parameter made outside every scope keeps its
 * gradient past a training step's scope; a leaf made in a scope takes its gradient with it), until the gradient is
 * released ({@link Tensor#releaseGrad()}) or unreachable.
 */
public final class SparseGrads {
    private SparseGrads() {
    }

    /**
     * PyTorch's {@code _sparse_coo_tensor_unsafe(indices, values, size)}: a sparse tensor over the given int64 indices
     * {@code [sparseDim, nnz]} and values {@code [nnz, *denseShape]} without checking them, uncoalesced unless it has
     * fewer than two entries (2.x's), its indices and values taken out of every scope.
     *
     * @param indices int64 {@code [sparseDim, nnz]}, each index inside {@code size}
     * @param values {@code [nnz, *denseShape]}
     * @param size the sparse sizes then the dense shape
     * @return the sparse tensor
     */
    public static SparseTensor unsafe(Tensor indices, Tensor values, int[] size) {
        TensorScope.escape(indices);
        TensorScope.escape(values);
        return new SparseTensor(indices, values, size.clone(), indices.size(1) < 2, null);
    }

    /**
     * {@code s.zero_()} as PyTorch 2.x: no entries (indices {@code [sparseDim, 0]}, values {@code [0, *denseShape]}),
     * the same size, coalesced. (1.13 printed the indices as {@code [dim, 0]} and the values as {@code [0]}.)
     *
     * @param s a sparse tensor
     * @return an empty sparse tensor of its size, type and device
     */
    public static SparseTensor zeroed(SparseTensor s) {
        int[] size = s.sizeRef();
        int sd = s.sparseDim();
        int[] vshape = new int[size.length - sd + 1];
        System.arraycopy(size, sd, vshape, 1, size.length - sd);
        Tensor idx = Tensor.zeros(DType.INT64, sd, 0).to(s.device());
        Tensor vals = Tensor.zeros(s.dtype(), vshape).to(s.device());
        TensorScope.escape(idx);
        TensorScope.escape(vals);
        return new SparseTensor(idx, vals, size.clone(), true, null);
    }

    /**
     * {@code t + src} of two sparse gradients of one size, as PyTorch's sparse {@code add} (what AccumulateGrad's
     * {@code grad += new_grad} and the engine's {@code new + old} run): without entries on one side, the other; on the
     * CPU with both values contiguous ({@code contiguous}), add_out_sparse_contiguous's merge, which walks the two index
     * lists as if both were sorted (the smaller index first, equal ones summed into one entry), coalesced only when both
     * were; otherwise (CUDA, or a side whose values PyTorch would hold non-contiguous) the entries of {@code t} then those
     * of {@code src}, uncoalesced, coalesced once that makes more entries than the tensor has elements (PyTorch's guard
     * against unbounded growth of nnz).
     *
     * @param t the first operand (AccumulateGrad: the gradient so far)
     * @param src the second operand
     * @param contiguous whether PyTorch would hold both operands' values contiguous
     * @return the sum (its tensors in no scope)
     */
    public static SparseTensor accumulate(SparseTensor t, SparseTensor src, boolean contiguous) {
        try (GradMode off = Ember.noGrad()) {
            if (src.nnz() == 0) {
                return t;
            }
            if (t.nnz() == 0) {
                return escape(src.to(t.dtype()));
            }
            SparseTensor sum = contiguous && t.device().isCpu() ? merge(t, src) : concatenate(t, src);
            return escape(sum);
        }
    }

    /** PyTorch's add_out_sparse_contiguous: the merge walk of the two index lists (see {@link #accumulate}). */
    private static SparseTensor merge(SparseTensor t, SparseTensor src) {
        MergePlan plan = mergePlan(t, src);
        dev.ember.Device device = t.device();
        Tensor tv = t.rawValues();
        int[] vshape = tv.shape();
        vshape[0] = plan.entries();
        DType common = DType.promote(t.dtype(), src.dtype());
        // r = 0 + t, then + src, per entry, as PyTorch's axpy into zeroed values
        Tensor values = Tensor.zeros(common, vshape).to(device)
                .indexAdd_(0, Tensor.tensor(plan.tAt(), DType.INT64, device), tv.to(common))
                .indexAdd_(0, Tensor.tensor(plan.sAt(), DType.INT64, device), src.rawValues().to(common))
                .to(t.dtype());
        return new SparseTensor(plan.indices(), values, t.sizeRef().clone(), t.isCoalesced() && src.isCoalesced(), null);
    }

    /**
     * The plan of add_out_sparse_contiguous's merge of the entries of {@code t} and {@code src} (one size, one number of
     * sparse dims, both with entries): one walk over both index lists as if each were sorted, taking {@code t}'s entry
     * when its index is the smaller (lexicographically over the sparse dims), {@code src}'s when larger, both into one
     * entry when equal. Shared by the gradients' accumulation and {@link SparseTensor#add}.
     *
     * @param indices the result's indices {@code [sparseDim, entries]}
     * @param tAt the result entry of each entry of {@code t}
     * @param sAt the result entry of each entry of {@code src}
     * @param entries the number of result entries
     */
    record MergePlan(Tensor indices, long[] tAt, long[] sAt, int entries) {
    }

    /** The {@link MergePlan} of {@code t + src} (read on the host, computed without history). */
    static MergePlan mergePlan(SparseTensor t, SparseTensor src) {
        try (GradMode off = Ember.noGrad()) {
            int sd = t.sparseDim();
            long[] ti = t.rawIndices().contiguous().toLongArray();
            long[] si = src.rawIndices().contiguous().toLongArray();
            int tn = t.nnz();
            int sn = src.nnz();
            long[] tAt = new long[tn];
            long[] sAt = new long[sn];
            long[][] out = new long[sd][tn + sn];
            int r = 0;
            int a = 0;
            int b = 0;
            while (a < tn || b < sn) {
                int cmp;
                if (a >= tn) {
                    cmp = -1;
                } else if (b >= sn) {
                    cmp = 1;
                } else {
                    cmp = 0;
                    for (int d = 0; d < sd; d++) {
                        long x = ti[d * tn + a];
                        long y = si[d * sn + b];
                        if (x < y) {
                            cmp = 1;
                            break;
                        }
                        if (x > y) {
                            cmp = -1;
                            break;
                        }
                    }
                }
                if (cmp >= 0) {
                    for (int d = 0; d < sd; d++) {
                        out[d][r] = ti[d * tn + a];
                    }
                    tAt[a++] = r;
                }
                if (cmp <= 0) {
                    for (int d = 0; d < sd; d++) {
                        out[d][r] = si[d * sn + b];
                    }
                    sAt[b++] = r;
                }
                r++;
            }
            long[] flat = new long[sd * r];
            for (int d = 0; d < sd; d++) {
                System.arraycopy(out[d], 0, flat, d * r, r);
            }
            Tensor idx = Tensor.tensor(flat, DType.INT64, t.device()).reshape(sd, r);
            return new MergePlan(idx, tAt, sAt, r);
        }
    }

    /** PyTorch's add_out_sparse_non_contiguous (and CUDA's add): concatenated, coalesced past numel entries. */
    private static SparseTensor concatenate(SparseTensor t, SparseTensor src) {
        Tensor idx = Tensor.cat(List.of(t.rawIndices(), src.rawIndices()), 1);
        Tensor val = Tensor.cat(List.of(t.rawValues(), src.rawValues().to(t.dtype())), 0);
        SparseTensor sum = new SparseTensor(idx, val, t.sizeRef().clone(), false, null);
        long numel = 1;
        for (int s : t.sizeRef()) {
            numel *= s;
        }
        return sum.nnz() > numel ? sum.coalesce() : sum;
    }

    /**
     * {@code dense.add_(s, alpha=alpha)} for a dense tensor of the sparse tensor's size: each entry's value (times
     * alpha) added at its index, duplicates summed (an {@code index_add_} over the rows of the sparse dims), in place.
     *
     * @param dense the tensor to update, of {@code s}'s size, type and device
     * @param s the sparse tensor
     * @param alpha the factor
     * @return {@code dense}
     */
    public static Tensor addInto(Tensor dense, SparseTensor s, double alpha) {
        if (s.nnz() == 0) {
            return dense;
        }
        try (GradMode off = Ember.noGrad()) {
            int[] size = s.sizeRef();
            int sd = s.sparseDim();
            Tensor lin = SparseTensor.linearIndex(s.rawIndices(), size);
            Tensor flat = dense.view(SparseFunctions.flatShape(size, sd, s.sparseRows()));
            flat.indexAdd_(0, lin, s.rawValues().to(dense.dtype()), alpha);
        }
        return dense;
    }

    /**
     * The rows of {@code dense} at the entries of {@code mask}, {@code dense.sparse_mask(mask)._values()}: a dense
     * {@code [nnz, *denseShape]} tensor.
     *
     * @param dense a dense tensor of the mask's size
     * @param mask a sparse tensor (its values ignored)
     * @return the masked values
     */
    public static Tensor maskedValues(Tensor dense, SparseTensor mask) {
        try (GradMode off = Ember.noGrad()) {
            int[] size = mask.sizeRef();
            Tensor lin = SparseTensor.linearIndex(mask.rawIndices(), size);
            return dense.reshape(SparseFunctions.flatShape(size, mask.sparseDim(), mask.sparseRows())).indexSelect(0, lin);
        }
    }

    /**
     * A sparse tensor with the indices of {@code like} and the given values, PyTorch's optimizers' {@code _make_sparse}
     * ({@code torch.sparse_coo_tensor(grad._indices(), values, grad.size())}).
     *
     * @param like the sparse tensor whose indices and size are taken
     * @param values {@code [nnz, *denseShape]}
     * @return the sparse tensor
     */
    public static SparseTensor withValues(SparseTensor like, Tensor values) {
        return new SparseTensor(like.rawIndices(), values, like.sizeRef().clone(), like.isCoalesced(), null);
    }

    /**
     * {@code s} with {@code fn} applied to its values (a conversion: {@code Module.to(dtype)}, {@code to(device)}), its
     * indices moved to the new values' device, its coalesced flag kept, as PyTorch's {@code Module._apply} converts a
     * sparse {@code .grad} ({@code fn(param.grad)}: still sparse); {@code s} itself when {@code fn} leaves the values
     * as they are.
     *
     * @param s a sparse tensor
     * @param fn the conversion of a dense tensor
     * @return the converted sparse tensor (its tensors in no scope), or {@code s}
     */
    public static SparseTensor map(SparseTensor s, java.util.function.UnaryOperator<Tensor> fn) {
        Tensor v = fn.apply(s.rawValues());
        if (v == s.rawValues()) {
            return s;
        }
        Tensor i = s.rawIndices();
        if (!i.device().equals(v.device())) {
            i = i.to(v.device());
        }
        return escape(new SparseTensor(i, v, s.sizeRef().clone(), s.isCoalesced(), null));
    }

    /**
     * The raw indices of {@code s}, {@code s._indices()} itself (not a detached alias): what a scope holds and closes.
     *
     * @param s a sparse tensor
     * @return its indices tensor itself
     */
    public static Tensor indicesOf(SparseTensor s) {
        return s.rawIndices();
    }

    /**
     * The raw values of {@code s}, {@code s._values()} sharing its storage (not detached copies of the metadata): what
     * an in-place update of the values (GradScaler's unscale, clip_grad_norm_'s scaling) writes into.
     *
     * @param s a sparse tensor
     * @return its values tensor itself
     */
    public static Tensor valuesOf(SparseTensor s) {
        return s.rawValues();
    }

    /**
     * Takes the indices and values of {@code s} out of every scope ({@link TensorScope#escape}), as an optimizer's
     * state and a gradient outlive a training step's scope.
     *
     * @param s a sparse tensor
     * @return {@code s}
     */
    public static SparseTensor escape(SparseTensor s) {
        TensorScope.escape(s.rawIndices());
        TensorScope.escape(s.rawValues());
        return s;
    }
}
