package dev.ember.sparse;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.TensorStr;
import dev.ember.UniqueResult;

import java.util.ArrayList;
import java.util.List;

/**
 * A sparse tensor in coordinate (COO) format: PyTorch's {@code torch.Tensor} of {@code layout=torch.sparse_coo}. Ember's
 * {@link Tensor} is always dense (strided), so a sparse tensor is a type of its own here, as DJL's
 * {@code SparseNDArray} is, holding what PyTorch's {@code SparseTensorImpl} holds:
 * <ul>
 * <li>{@code indices}: an int64 tensor {@code [sparseDim, nnz]}, column {@code k} the coordinates of entry {@code k}
 * in the first {@code sparseDim} dims;</li>
 * <li>{@code values}: a dense tensor {@code [nnz, *denseShape]} (a "hybrid" tensor when it has dense dims);</li>
 * <li>{@code size}: the shape, {@code sparseDim + denseDim} dims;</li>
 * <li>whether it is coalesced: its indices sorted (row-major) and unique. A tensor built from indices is uncoalesced
 * (unless it has fewer than two entries, as 2.x's); duplicate entries then stand for their sum.</li>
 * </ul>
 * The device and type are the values'. Every op is built from dense ops on the indices and values, so a sparse tensor
 * works on every device Ember has and no backend kernel is sparse.
 *
 * <p>Autograd: the values are a dense tensor that may require grad (they carry the history of the
 * {@link Sparse#cooTensor values} given, or of the dense tensor {@link Tensor#toSparse()} converted), and gradients
 * flow through them and through the dense operands of {@link Sparse#mm}, {@link #toDense()} and the rest, with
 * PyTorch's numbers. The dense results carry PyTorch's node names ({@code ToDenseBackward0},
 * {@code SparseAddmmBackward0}, {@code SparseSumBackward0}); a sparse result prints the name PyTorch gives its
 * {@code grad_fn} ({@link #gradFnName()}). What PyTorch would put in a sparse {@code .grad} (a leaf sparse tensor that
 * requires grad) is here the dense gradient of the values, at the same entries; a sparse tensor that is itself a leaf
 * requiring grad ({@link #requiresGrad_}) gets a sparse gradient ({@link #grad()}) as PyTorch's.
 *
 * <p>Closing a sparse tensor closes its indices and values (the values given to {@link Sparse#cooTensor} are shared,
 * as PyTorch shares them, and stay open).
 */
public final class SparseTensor implements AutoCloseable {
    private final Tensor indices;
    /** The values: replaced by a leaf of their own when {@link #requiresGrad_} makes this tensor a leaf requiring grad. */
    private Tensor values;
    private final int[] size;
    private final boolean coalesced;
    private String gradFnName;
    /** A leaf's sparse gradient, PyTorch's {@code .grad} of a sparse leaf, or null. */
    private SparseTensor grad;

    SparseTensor(Tensor indices, Tensor values, int[] size, boolean coalesced, String gradFnName) {
        this.indices = indices;
        this.values = values;
        this.size = size;
        this.coalesced = coalesced;
        this.gradFnName = values.requiresGrad() ? gradFnName : null;
    }

    // ------------------------------------------------------------------ properties

    /** The shape, as {@code torch.Tensor.shape} (a copy). */
    public int[] shape() {
        return size.clone();
    }

    /** The size of dim {@code dim} (negative counts from the end). */
    public int size(int dim) {
        return size[Sparse.wrapDim(dim, size.length)];
    }

    /** The number of dims, {@link #sparseDim()} plus {@link #denseDim()}. */
    public int dim() {
        return size.length;
    }

    /** How many of the leading dims are sparse: the rows of the indices, as {@code sparse_dim()}. */
    public int sparseDim() {
        return indices.size(0);
    }

    /** How many trailing dims are dense: the dims of the values after the first, as {@code dense_dim()}. */
    public int denseDim() {
        return values.dim() - 1;
    }

    /** The number of specified entries (duplicates counted), as {@code _nnz()}. */
    public int nnz() {
        return values.size(0);
    }

    /** The type of the values, as {@code dtype}. */
    public DType dtype() {
        return values.dtype();
    }

    /** The device of the values (and the indices), as {@code device}. */
    public Device device() {
        return values.device();
    }

    /** Whether the indices are sorted row-major and unique, as {@code is_coalesced()}. */
    public boolean isCoalesced() {
        return coalesced;
    }

    /** Whether the values require grad (carry a history or are a leaf that requires grad), as {@code requires_grad}. */
    public boolean requiresGrad() {
        return values.requiresGrad();
    }

    /**
     * The name of the node PyTorch gives this sparse tensor as its {@code grad_fn} (for example
     * {@code SparseCooTensorWithDimsAndTensorsBackward0}, {@code CoalesceBackward0}), or null when it requires no grad.
     */
    public String gradFnName() {
        return gradFnName;
    }

    /**
     * Whether this tensor is a leaf of the graph, as {@code is_leaf}: it requires no grad, or it requires grad without a
     * history ({@link #requiresGrad_}); a sparse tensor made by an op on tensors that require grad is not.
     */
    public boolean isLeaf() {
        return gradFnName == null;
    }

    /**
     * Makes this sparse tensor a leaf that requires grad (or no longer requires it), as {@code requires_grad_()} and
     * {@code torch.sparse_coo_tensor(..., requires_grad=True)}: the values it holds become a leaf of their own (the
     * tensor given to {@link Sparse#cooTensor} keeps its storage shared and its own flag), and every backward pass that
     * reaches them leaves a sparse gradient in {@link #grad()}, as PyTorch's: over this tensor's coalesced entries (the
     * sorted unique indices, whatever its duplicates), each the gradient at its position: for {@code Sparse.mm(s, d)}
     * the entries of {@code grad @ d^T} ({@code mm_mat1_sparse_backward}: {@code sparse_mask(s.coalesce())}), for
     * {@code s.toDense()} those of the dense gradient ({@code to_dense_backward}), for {@code Sparse.sum} ones. A later
     * pass adds its gradient to the one there as PyTorch's sparse {@code grad += new_grad} ({@link SparseGrads#accumulate}).
     * On a tensor with a history, {@code true} changes nothing and {@code false} is refused, as on a dense tensor.
     *
     * <p>Where Ember differs: one pass's contributions are summed before they become sparse, so the gradient of a pass
     * always lists each entry once; PyTorch's sum of two sparse contributions lists it twice when one came from
     * {@code torch.sparse.sum(s)} (whose gradient values are an expanded view, which PyTorch's sparse add concatenates).
     * Through {@code t()}/{@code transpose} PyTorch's gradient lists the entries in the transposed order, flagged
     * uncoalesced; Ember's is coalesced. The same tensor coalesced gives the same values. {@code autograd.grad} with a
     * sparse input is {@link Sparse#grad(List, List)}. {@code backward(createGraph=true)} leaves a gradient with a history
     * ({@code CloneBackward0}, a second pass's sum {@code AddBackward0}, as PyTorch's AccumulateGrad), so a function of
     * {@link #grad()} differentiates again, into this leaf and dense tensors alike. Where PyTorch refuses: through
     * {@code torch.sparse.mm(s, d)} with {@code d} requiring grad too, PyTorch's create_graph backward computes
     * {@code d}'s gradient as {@code mm(s.t(), grad)} with {@code s} requiring grad and fails ("The backward pass for
     * this operation requires the 'self' tensor to be strided, but a sparse tensor was given instead", 1.13 and 2.x's
     * {@code strides_or_error}); Ember's {@code Sparse.mm} backward is built from dense ops on the values and gives
     * that gradient, with its history.
     *
     * @param requiresGrad whether the leaf requires grad
     * @return this tensor
     * @throws IllegalStateException for {@code false} on a tensor with a history (PyTorch's message)
     * @throws IllegalArgumentException when the values' type is not a floating point or complex one
     */
    public synchronized SparseTensor requiresGrad_(boolean requiresGrad) {
        if (gradFnName != null) {
            if (!requiresGrad) {
                throw new IllegalStateException("you can only change requires_grad flags of leaf variables. If you want to "
                        + "use a computed variable in a subgraph that doesn't require differentiation use "
                        + "var_no_grad = var.detach().");
            }
            return this;
        }
        if (requiresGrad == values.requiresGrad()) {
            return this;
        }
        if (requiresGrad) {
            if (!dtype().isFloatingPoint() && !dtype().isComplex()) {
                throw new IllegalArgumentException("only Tensors of floating point dtype can require gradients");
            }
            // out of every scope: the sparse tensor may outlive the scope this call is made in (it closes its values)
            Tensor leaf = dev.ember.TensorScope.escape(values.detach()).requiresGrad_(true);
            leaf.registerPostAccumulateGradHook(this::takeValuesGrad);
            values = leaf;
        } else {
            values = values.detach();
        }
        return this;
    }

    /**
     * The sparse gradient of this leaf, as {@code .grad} of a sparse leaf that requires grad: null until a backward
     * pass reaches it (see {@link #requiresGrad_}); its entries are this tensor's coalesced entries. Its tensors belong
     * to no {@link dev.ember.TensorScope} (the leaf's values, which autograd reaches, belong to none either): they live
     * until the gradient is replaced ({@link #setGrad}) or unreachable.
     */
    public synchronized SparseTensor grad() {
        return grad;
    }

    /**
     * Replaces this leaf's gradient, as {@code s.grad = g}; {@code null} clears it (as {@code s.grad = None}, what
     * {@code zero_grad()} does).
     *
     * @throws IllegalArgumentException in PyTorch 2.x's words (THPVariable_set_grad, as {@link Tensor#setGrad}) when
     *     {@code g} is this tensor, or has another dtype, device type, device index or size (checked in that order)
     */
    public synchronized void setGrad(SparseTensor g) {
        if (g != null) {
            if (g == this) {
                throw new IllegalArgumentException("can't assign Variable as its own grad");
            }
            IllegalArgumentException refused = dev.ember.Refusals.assignedGrad(dtype(), device(), size, g.dtype(),
                    g.device(), g.size);
            if (refused != null) {
                throw refused;
            }
        }
        grad = g;
    }

    /**
     * The post-accumulate-grad hook of a sparse leaf's values: this pass's gradient of the values (one row per entry,
     * duplicates alike) becomes the sparse gradient over the coalesced entries and is added to {@link #grad}; the
     * values' own dense gradient is released.
     */
    private synchronized void takeValuesGrad(Tensor leafValues) {
        Tensor gv = leafValues.grad();
        if (gv == null) {
            return;
        }
        if (gv.requiresGrad()) {
            // backward(create_graph): the gradient keeps its history, as PyTorch's AccumulateGrad stores a sparse new
            // gradient's clone (CloneBackward0) and adds a later one out of place (AddBackward0), so a function of
            // .grad differentiates again; the values' gradient is dropped unclosed (the new gradient's history holds it)
            SparseTensor g;
            try (GradMode on = Ember.enableGrad()) {
                g = onCoalescedPattern(gv, "CloneBackward0");
                if (grad != null) {
                    g = grad.add(g);
                    SparseGrads.escape(g);
                }
            }
            leafValues.setGrad(null);
            grad = g;
            return;
        }
        SparseTensor g;
        try (GradMode off = Ember.noGrad()) {
            g = onCoalescedPattern(gv.detach());
        }
        leafValues.releaseGrad();
        grad = grad == null ? g : SparseGrads.accumulate(grad, g, true);
    }

    /**
     * The sparse tensor over this tensor's coalesced entries whose value at each is the row of {@code perEntry} (rows
     * per entry of this tensor) of its first occurrence, its tensors in no scope: the gradient of this tensor from the
     * gradient of its values (an entry's duplicates share one value of it).
     */
    SparseTensor onCoalescedPattern(Tensor perEntry) {
        // named as PyTorch's gradient with a history (create_graph): a gradient without one has no node
        return onCoalescedPattern(perEntry, "SparseMaskBackward0");
    }

    /** {@link #onCoalescedPattern(Tensor)}, its node (where {@code perEntry} has a history) named {@code node}. */
    SparseTensor onCoalescedPattern(Tensor perEntry, String node) {
        Tensor idx;
        Tensor vals;
        if (coalesced || nnz() < 2) {
            idx = indices.clone();
            vals = perEntry.contiguous() == perEntry ? perEntry.clone() : perEntry.contiguous();
        } else {
            Tensor lin = linearIndex(indices, size);
            UniqueResult u = lin.unique(true, true, false);
            int n = u.values().size(0);
            Tensor positions = Tensor.arange(nnz(), DType.INT64).to(device());
            Tensor first = Tensor.zeros(DType.INT64, n).to(device()).indexReduce(0, u.inverse(), positions, "amin",
                    false);
            idx = unravel(u.values(), size, sparseDim());
            vals = perEntry.indexSelect(0, first);
        }
        dev.ember.TensorScope.escape(idx);
        dev.ember.TensorScope.escape(vals);
        return new SparseTensor(idx, vals, size.clone(), true, node);
    }

    /**
     * The indices {@code [sparseDim, nnz]} of a coalesced tensor, sharing its storage, as {@code indices()}.
     *
     * @throws IllegalStateException when the tensor is not coalesced
     */
    public Tensor indices() {
        if (!coalesced) {
            throw new IllegalStateException("Cannot get indices on an uncoalesced tensor, please call .coalesce() first");
        }
        return indices.detach();
    }

    /**
     * The values {@code [nnz, *denseShape]} of a coalesced tensor, as {@code values()}: differentiable
     * ({@code ValuesBackward0}) when they require grad.
     *
     * @throws IllegalStateException when the tensor is not coalesced
     */
    public Tensor values() {
        if (!coalesced) {
            throw new IllegalStateException("Cannot get values on an uncoalesced tensor, please call .coalesce() first");
        }
        if (values.requiresGrad() && Ember.isGradEnabled()) {
            return new SparseFunctions.Alias("ValuesBackward0").apply(values);
        }
        return values.detach();
    }

    /** The indices, coalesced or not, sharing storage, as {@code _indices()}. */
    public Tensor _indices() {
        return indices.detach();
    }

    /** The values, coalesced or not, sharing storage and detached from autograd, as {@code _values()}. */
    public Tensor _values() {
        return values.detach();
    }

    // ------------------------------------------------------------------ conversions

    /**
     * The dense tensor, duplicates summed, as {@code to_dense()}; differentiable in the values
     * ({@code ToDenseBackward0}: the values' gradient is the gradient at their entries).
     */
    public Tensor toDense() {
        int rows = sparseRows();
        Tensor lin = linearIndex(indices, size);
        return new SparseFunctions.ToDense(lin, size.clone(), sparseDim(), rows).apply(values);
    }

    /**
     * This tensor with its indices sorted row-major and duplicates summed, as {@code coalesce()}; this tensor itself
     * when already coalesced ({@code CoalesceBackward0}).
     */
    public SparseTensor coalesce() {
        if (coalesced) {
            return this;
        }
        if (nnz() == 0) {
            return new SparseTensor(indices, values, size, true, "CoalesceBackward0");
        }
        Tensor lin = linearIndex(indices, size);
        UniqueResult u = lin.unique(true, true, false);
        Tensor uniq = u.values();
        Tensor inverse = u.inverse();
        int n = uniq.size(0);
        int[] vshape = values.shape();
        vshape[0] = n;
        Tensor newValues = values.newZeros(vshape).indexAdd(0, inverse, values);
        return new SparseTensor(unravel(uniq, size, sparseDim()), newValues, size, true, "CoalesceBackward0");
    }

    /** The layout, {@link Layout#SPARSE_COO}, as {@code layout}. */
    public Layout layout() {
        return Layout.SPARSE_COO;
    }

    /**
     * This 2-D tensor (no dense dims) as a CSR tensor, as {@code to_sparse_csr()}: coalesced first (duplicates summed),
     * int64 indices, tensors of its own.
     *
     * @throws IllegalArgumentException for a tensor whose sparse dims are not 2 (PyTorch's message)
     * @throws UnsupportedOperationException for dense dims, or values that require grad (not in Ember's first slice)
     */
    public SparseCsrTensor toSparseCsr() {
        return SparseCompressed.fromCoo(this, Layout.SPARSE_CSR);
    }

    /** This 2-D tensor as a CSC tensor, as {@code to_sparse_csc()}: as {@link #toSparseCsr()}, column by column. */
    public SparseCsrTensor toSparseCsc() {
        return SparseCompressed.fromCoo(this, Layout.SPARSE_CSC);
    }

    /** This tensor's values converted to {@code dtype}, as {@code to(dtype)} ({@code ToCopyBackward0}); itself if already. */
    public SparseTensor to(DType dtype) {
        if (dtype == dtype()) {
            return this;
        }
        return new SparseTensor(indices, values.to(dtype), size, coalesced, "ToCopyBackward0");
    }

    /** This tensor on {@code device}, indices and values, as {@code to(device)} ({@code ToCopyBackward0}); itself if already. */
    public SparseTensor to(Device device) {
        if (device.equals(device())) {
            return this;
        }
        return new SparseTensor(indices.to(device), values.to(device), size, coalesced, "ToCopyBackward0");
    }

    // ------------------------------------------------------------------ arithmetic

    /** {@code this + other}, as {@link #add(SparseTensor, double)} with alpha 1. */
    public SparseTensor add(SparseTensor other) {
        return add(other, 1);
    }

    /**
     * {@code this + alpha * other} of two sparse tensors of one size and one number of sparse dims, as PyTorch's sparse
     * {@code add} ({@code AddBackward0}), types promoted. On the CPU, as PyTorch's CPU kernels: with contiguous values
     * the merge of the two entry lists (coalesced inputs give their coalesced sum; uncoalesced ones PyTorch's entries in
     * its order, an entry of each list summed where their indices meet in the merge), coalesced when both are; else the
     * entries of both one after the other (coalesced once they outnumber the elements), flagged coalesced only with
     * fewer than two. On other devices the entries one after the other, summed into a coalesced tensor when both are
     * coalesced.
     */
    public SparseTensor add(SparseTensor other, double alpha) {
        return add(other, alpha, "AddBackward0");
    }

    /** {@code this - other}, as {@link #sub(SparseTensor, double)} with alpha 1. */
    public SparseTensor sub(SparseTensor other) {
        return add(other, -1, "SubBackward0");
    }

    /** {@code this - alpha * other}, as PyTorch's sparse {@code sub} ({@code SubBackward0}): {@link #add} of {@code -alpha}. */
    public SparseTensor sub(SparseTensor other, double alpha) {
        return add(other, -alpha, "SubBackward0");
    }

    private SparseTensor add(SparseTensor other, double alpha, String name) {
        Sparse.require(other, "add", "other", 1, "SparseTensor");
        if (!java.util.Arrays.equals(size, other.size)) {
            throw new IllegalArgumentException("add: expected sizes of 'self' and 'other' to match, but "
                    + Sparse.sizeStr(size) + " != " + Sparse.sizeStr(other.size));
        }
        if (!device().equals(other.device())) {
            throw new IllegalArgumentException("Expected all tensors to be on the same device, but found at least two "
                    + "devices, " + other.device() + " and " + device() + "!");
        }
        DType common = DType.promote(dtype(), other.dtype());
        Tensor ov = alpha == 1 ? other.values : other.values.mul(alpha);
        // one side without entries: the other's entries (PyTorch's copy_sparse_to_sparse_ / mul_out_sparse_scalar), the
        // empty values concatenated on so that the result depends on both, as PyTorch's AddBackward0 does
        if (other.nnz() == 0) {
            return new SparseTensor(indices, Tensor.cat(List.of(values.to(common), ov.to(common)), 0), size, coalesced,
                    name);
        }
        if (nnz() == 0) {
            return new SparseTensor(other.indices, Tensor.cat(List.of(values.to(common), ov.to(common)), 0), size,
                    other.coalesced, name);
        }
        if (sparseDim() != other.sparseDim()) {
            throw new IllegalArgumentException("add: expected 'self' and 'other' to have same density, but 'self' has "
                    + sparseDim() + " sparse dimensions while 'other' has " + other.sparseDim() + " sparse dimensions");
        }
        if (other == this) { // the same tensor: its entries doubled in place of repeated (PyTorch's own result)
            return new SparseTensor(indices, values.to(common).add(ov.to(common)), size, coalesced, name);
        }
        Tensor idx = Tensor.cat(List.of(indices, other.indices), 1);
        Tensor val = Tensor.cat(List.of(values.to(common), ov.to(common)), 0);
        SparseTensor sum = new SparseTensor(idx, val, size, false, name);
        if (!device().isCpu()) { // off the CPU: the entries one after the other, summed when both were coalesced
            if (coalesced && other.coalesced) {
                SparseTensor c = sum.coalesce();
                return new SparseTensor(c.indices, c.values, size, true, name);
            }
            return sum;
        }
        if (values.isContiguous() && other.values.isContiguous()) {
            return mergeAdd(other, ov, common, name);
        }
        // add_out_sparse_non_contiguous: the entries of both one after the other, coalesced once there are more entries
        // than elements (PyTorch's guard against unbounded growth); alias_into_sparse flags the result coalesced only
        // with fewer than two entries, sorted or not
        long numel = 1;
        for (int s : size) {
            numel *= s;
        }
        if (sum.nnz() > numel) {
            SparseTensor c = sum.coalesce();
            return new SparseTensor(c.indices, c.values, size, c.nnz() < 2, name);
        }
        return sum;
    }

    /**
     * PyTorch's {@code add_out_sparse_contiguous}: one pass over both entry lists as if each were sorted, taking the
     * entry of {@code this} when its index is the smaller (lexicographically over the sparse dims), {@code other}'s
     * when larger, and both into one entry when equal; so two coalesced tensors give their coalesced sum, and
     * uncoalesced ones PyTorch's own entries in its order (fewer than all of them where equal indices meet), flagged
     * coalesced only when both are. The values are {@code 0 + this} then {@code + alpha * other} at each result entry,
     * differentiable in both.
     */
    private SparseTensor mergeAdd(SparseTensor other, Tensor otherScaled, DType common, String name) {
        SparseGrads.MergePlan plan = SparseGrads.mergePlan(this, other);
        Device dev = device();
        int[] vshape = values.shape();
        vshape[0] = plan.entries();
        Tensor tv = values.to(common);
        Tensor val = tv.newZeros(vshape).indexAdd(0, Tensor.tensor(plan.tAt(), DType.INT64, dev), tv)
                .indexAdd(0, Tensor.tensor(plan.sAt(), DType.INT64, dev), otherScaled.to(common));
        return new SparseTensor(plan.indices(), val, size, coalesced && other.coalesced, name);
    }

    /** The values times {@code value}, as {@code s * value} ({@code MulBackward0}). */
    public SparseTensor mul(double value) {
        return new SparseTensor(indices, values.mul(value), size, coalesced, "MulBackward0");
    }

    /** The values divided by {@code value}, as {@code s / value} ({@code DivBackward0}). */
    public SparseTensor div(double value) {
        return new SparseTensor(indices, values.div(value), size, coalesced, "DivBackward0");
    }

    /**
     * The entries times a dense tensor at their positions, as {@code s * dense} ({@code MulBackward0}): {@code dense}
     * broadcasts to this tensor's shape (PyTorch also lets it widen the result, which Ember does not); only the
     * entries are read, never a dense form of this tensor. Coalesced when this tensor is. Of PyTorch's result type of
     * the two operands as given: a 0-dim dense operand ranks below this (dimensioned) tensor, so a float32 sparse tensor
     * times a float64 0-dim one stays float32, an int64 one becomes float64.
     *
     * @throws IllegalArgumentException when {@code dense} does not broadcast to this tensor's shape
     */
    public SparseTensor mul(Tensor dense) {
        Sparse.require(dense, "mul", "other", 1, "Tensor");
        int n = size.length;
        int[] os = dense.shape();
        boolean ok = os.length <= n;
        int[] padded = new int[n];
        for (int d = 0; d < n && ok; d++) {
            int j = d - (n - os.length);
            padded[d] = j < 0 ? 1 : os[j];
            ok = padded[d] == 1 || padded[d] == size[d];
        }
        if (!ok) {
            throw new IllegalArgumentException("mul: the dense operand of shape " + Sparse.sizeStr(os) + " must broadcast "
                    + "to the sparse tensor's shape " + Sparse.sizeStr(size) + " (Ember does not widen a sparse tensor)");
        }
        if (!dense.device().equals(device())) {
            throw new IllegalArgumentException("Expected all tensors to be on the same device, but found at least two "
                    + "devices, " + device() + " and " + dense.device() + "!");
        }
        int sd = sparseDim();
        Tensor o = dense.reshape(padded);
        Tensor idx;
        int rows = 1;
        try (GradMode off = Ember.noGrad()) {
            // the entries' positions in the operand: a dim of size 1 broadcasts (index 0)
            Tensor keep = indices;
            int[] osparse = java.util.Arrays.copyOf(padded, sd);
            for (int d = 0; d < sd; d++) {
                rows *= padded[d];
                if (padded[d] == 1 && size[d] != 1) {
                    if (keep == indices) {
                        keep = indices.clone();
                    }
                    keep.select(0, d).zero_();
                }
            }
            idx = linearIndex(keep, osparse);
        }
        Tensor gathered = o.reshape(SparseFunctions.flatShape(padded, sd, rows)).indexSelect(0, idx);
        // the type is the one of the operands as given (a 0-dim dense operand counts as a scalar: a float32 sparse
        // tensor times a float64 0-dim one stays float32), not of the gathered elements, which have dims
        DType common = Tensor.resultType(values, dense);
        return new SparseTensor(indices, values.to(common).mul(gathered.to(common)), size, coalesced, "MulBackward0");
    }

    /** The values negated, as {@code -s} ({@code NegBackward0}). */
    public SparseTensor neg() {
        return new SparseTensor(indices, values.neg(), size, coalesced, "NegBackward0");
    }

    /**
     * The slices at {@code index} along {@code dim}, as {@code index_select} ({@code IndexSelectBackward0}): along a
     * sparse dim, the entries whose coordinate is selected, once per time it is selected, in the order of PyTorch's
     * brute-force loop (by {@code index}, each group in the entries' order, when there are at least as many entries as
     * indices; else by entry, each group in {@code index}'s order), negative indices counting from the end; along a
     * dense dim, the values' slices, an index in {@code [0, size)} (PyTorch gathers the values there, without
     * wrapping). Found by sorting and searching, never by a dense form; coalesced only with fewer than two entries.
     * (PyTorch's kernels for {@code nnz * len(index)} past 16384 order the pairs in other ways; Ember keeps the
     * brute-force order there.)
     *
     * @throws IndexOutOfBoundsException for an index that is not a 1-D integer tensor, or out of range along a sparse
     *     dim
     * @throws IllegalArgumentException for an index out of range along a dense dim (gather's message, a RuntimeError
     *     in PyTorch)
     */
    public SparseTensor indexSelect(int dim, Tensor index) {
        Sparse.require(index, "index_select", "index", 2, "Tensor");
        int d = Sparse.wrapDim(dim, size.length);
        if (index.dim() != 1 || !(index.dtype() == DType.INT64 || index.dtype() == DType.INT32)) {
            throw new IndexOutOfBoundsException("index_select() argument index must be 1-D strided (non-sparse) "
                    + "long-tensor.");
        }
        int n = size[d];
        int sd = sparseDim();
        if (d >= sd) {
            return indexSelectDense(d, index);
        }
        Tensor idx;
        try (GradMode off = Ember.noGrad()) {
            idx = index.to(DType.INT64).to(device());
            if (idx.numel() > 0) {
                long lo = idx.amin().toLongArray()[0];
                long hi = idx.amax().toLongArray()[0];
                long bad = lo < -n ? lo : hi >= n ? hi : 0;
                if (lo < -n || hi >= n) {
                    throw new IndexOutOfBoundsException("index_select(): index contains " + bad + " that is out of range "
                            + "for tensor of size " + Sparse.sizeStr(size) + " at dimension " + d);
                }
                idx = idx.remainder((long) Math.max(n, 1));
            }
        }
        int[] newSize = size.clone();
        newSize[d] = idx.size(0);
        Tensor entries;
        Tensor newIndices;
        try (GradMode off = Ember.noGrad()) {
            Tensor keys = indices.select(0, d).contiguous();
            // PyTorch's brute force (nnz * len(index) <= 16384) loops over the longer of the two outside: index-major
            // when nnz >= len(index), entry-major otherwise; each pair found by sorting the inner list and searching it
            boolean indexMajor = nnz() >= idx.size(0);
            Tensor outer = indexMajor ? idx : keys;
            Tensor inner = indexMajor ? keys : idx;
            Tensor order = inner.argsort(0, false, true);
            Tensor sorted = inner.indexSelect(0, order);
            Tensor first = Tensor.searchsorted(sorted, outer, false);
            Tensor counts = Tensor.searchsorted(sorted, outer, true).sub(first);
            Tensor o = Tensor.arange(outer.size(0), DType.INT64).to(device()).repeatInterleave(counts);
            Tensor start = counts.cumsum(0).sub(counts);
            Tensor offset = Tensor.arange(o.size(0), DType.INT64).to(device()).sub(start.indexSelect(0, o));
            Tensor in = order.indexSelect(0, first.indexSelect(0, o).add(offset));
            Tensor j = indexMajor ? o : in;
            entries = indexMajor ? in : o;
            newIndices = indices.indexSelect(1, entries).clone();
            newIndices.select(0, d).copy_(j);
        }
        // _sparse_coo_tensor_with_dims_and_tensors: coalesced when fewer than two entries
        return new SparseTensor(newIndices, values.indexSelect(0, entries), newSize, entries.size(0) < 2,
                "IndexSelectBackward0");
    }

    /**
     * index_select along dense dim {@code d}: the values' slices, as PyTorch's {@code values.gather} along that dim, so
     * an index must lie in {@code [0, size)} (no wrapping) where the values have elements (gather's message, which names
     * the values' dim); the entries are kept, flagged coalesced only with fewer than two.
     */
    private SparseTensor indexSelectDense(int d, Tensor index) {
        int sd = sparseDim();
        int vd = d - sd + 1;
        int n = size[d];
        Tensor idx;
        try (GradMode off = Ember.noGrad()) {
            idx = index.to(DType.INT64).to(device()).contiguous();
        }
        int[] newSize = size.clone();
        newSize[d] = idx.size(0);
        int[] vshape = values.shape();
        vshape[vd] = idx.size(0);
        Tensor v;
        if (values.numel() == 0 || idx.numel() == 0) {
            v = values.newZeros(vshape);
        } else {
            long[] ix;
            try (GradMode off = Ember.noGrad()) {
                ix = idx.toLongArray();
            }
            for (long i : ix) {
                if (i < 0 || i >= n) { // gather's check: a RuntimeError in PyTorch (TORCH_CHECK), not an IndexError
                    throw new IllegalArgumentException("index " + i + " is out of bounds for dimension " + vd
                            + " with size " + n);
                }
            }
            v = values.indexSelect(vd, idx);
        }
        return new SparseTensor(indices, v, newSize, nnz() < 2, "IndexSelectBackward0");
    }

    /** A copy of the indices and values, as {@code clone()} ({@code CloneBackward0}). */
    public SparseTensor clone() {
        Tensor i;
        try (GradMode off = Ember.noGrad()) {
            i = indices.clone();
        }
        return new SparseTensor(i, values.clone(), size, coalesced, "CloneBackward0");
    }

    /** The same indices and values, detached from autograd, as {@code detach()}. */
    public SparseTensor detach() {
        return new SparseTensor(indices.detach(), values.detach(), size, coalesced, null);
    }

    // zero-preserving elementwise functions: computed on the coalesced values (f(a + b) is not f(a) + f(b)), as
    // PyTorch's, whose results are coalesced

    private SparseTensor coalescedUnary(java.util.function.UnaryOperator<Tensor> f, String name) {
        SparseTensor c = coalesce();
        return new SparseTensor(c.indices, f.apply(c.values), size, true, name);
    }

    /** {@code abs()} of the entries ({@code AbsBackward0}), coalesced. */
    public SparseTensor abs() {
        return coalescedUnary(Tensor::abs, "AbsBackward0");
    }

    /** {@code sqrt()} of the entries ({@code SqrtBackward0}), coalesced. */
    public SparseTensor sqrt() {
        return coalescedUnary(Tensor::sqrt, "SqrtBackward0");
    }

    /** {@code sin()} of the entries ({@code SinBackward0}), coalesced. */
    public SparseTensor sin() {
        return coalescedUnary(Tensor::sin, "SinBackward0");
    }

    /** {@code tan()} of the entries ({@code TanBackward0}), coalesced. */
    public SparseTensor tan() {
        return coalescedUnary(Tensor::tan, "TanBackward0");
    }

    /** {@code tanh()} of the entries ({@code TanhBackward0}), coalesced. */
    public SparseTensor tanh() {
        return coalescedUnary(Tensor::tanh, "TanhBackward0");
    }

    /** {@code sinh()} of the entries ({@code SinhBackward0}), coalesced. */
    public SparseTensor sinh() {
        return coalescedUnary(Tensor::sinh, "SinhBackward0");
    }

    /** {@code asin()} of the entries ({@code AsinBackward0}), coalesced. */
    public SparseTensor asin() {
        return coalescedUnary(Tensor::asin, "AsinBackward0");
    }

    /** {@code asinh()} of the entries ({@code AsinhBackward0}), coalesced. */
    public SparseTensor asinh() {
        return coalescedUnary(Tensor::asinh, "AsinhBackward0");
    }

    /** {@code atan()} of the entries ({@code AtanBackward0}), coalesced. */
    public SparseTensor atan() {
        return coalescedUnary(Tensor::atan, "AtanBackward0");
    }

    /** {@code atanh()} of the entries ({@code AtanhBackward0}), coalesced. */
    public SparseTensor atanh() {
        return coalescedUnary(Tensor::atanh, "AtanhBackward0");
    }

    /** {@code erf()} of the entries ({@code ErfBackward0}), coalesced. */
    public SparseTensor erf() {
        return coalescedUnary(Tensor::erf, "ErfBackward0");
    }

    /** {@code log1p()} of the entries ({@code Log1PBackward0}), coalesced. */
    public SparseTensor log1p() {
        return coalescedUnary(Tensor::log1p, "Log1PBackward0");
    }

    /** {@code expm1()} of the entries ({@code Expm1Backward0}), coalesced. */
    public SparseTensor expm1() {
        return coalescedUnary(Tensor::expm1, "Expm1Backward0");
    }

    /** {@code sign()} of the entries ({@code SignBackward0}), coalesced. */
    public SparseTensor sign() {
        return coalescedUnary(Tensor::sign, "SignBackward0");
    }

    /** {@code floor()} of the entries ({@code FloorBackward0}), coalesced. */
    public SparseTensor floor() {
        return coalescedUnary(Tensor::floor, "FloorBackward0");
    }

    /** {@code ceil()} of the entries ({@code CeilBackward0}), coalesced. */
    public SparseTensor ceil() {
        return coalescedUnary(Tensor::ceil, "CeilBackward0");
    }

    /** {@code round()} of the entries ({@code RoundBackward0}), coalesced. */
    public SparseTensor round() {
        return coalescedUnary(Tensor::round, "RoundBackward0");
    }

    /** {@code trunc()} of the entries ({@code TruncBackward0}), coalesced. */
    public SparseTensor trunc() {
        return coalescedUnary(Tensor::trunc, "TruncBackward0");
    }

    /** {@code square()} of the entries ({@code PowBackward0}, as PyTorch's), coalesced. */
    public SparseTensor square() {
        return coalescedUnary(Tensor::square, "PowBackward0");
    }

    /**
     * The entries to the power {@code exponent} ({@code PowBackward0}), coalesced; a negative exponent applies to the
     * entries alone, as PyTorch's.
     *
     * @throws IllegalArgumentException for exponent 0, which would make every position 1, and for integer entries:
     *     PyTorch's pow_out_sparse_scalar writes the floating power into values of the tensor's own type ("Found dtype
     *     Long but expected Float")
     */
    public SparseTensor pow(double exponent) {
        if (exponent == 0) {
            throw new IllegalArgumentException("pow: cannot raise to zeroth power on sparse tensor; it would make the "
                    + "result tensor dense");
        }
        DType t = dtype();
        if (!t.isFloatingPoint() && !t.isComplex()) {
            throw new IllegalArgumentException("Found dtype " + Sparse.scalarName(t) + " but expected "
                    + Sparse.scalarName(Ember.getDefaultDtype()));
        }
        return coalescedUnary(v -> v.pow(exponent), "PowBackward0");
    }

    /**
     * Sparse dims {@code dim0} and {@code dim1} swapped (rows of the indices swapped), as {@code transpose}
     * ({@code TransposeBackward0}): uncoalesced, unless it has no entries (its flag kept, as PyTorch's
     * {@code sparse_transpose_}); one dim given twice gives the tensor as it is.
     *
     * @throws IllegalArgumentException when either dim is a dense one (PyTorch's {@code sparse transpose: transposed
     *     dimensions must be sparse} message)
     */
    public SparseTensor transpose(int dim0, int dim1) {
        return transpose(dim0, dim1, "TransposeBackward0");
    }

    private SparseTensor transpose(int dim0, int dim1, String name) {
        int d0 = Sparse.wrapDim(dim0, size.length);
        int d1 = Sparse.wrapDim(dim1, size.length);
        int sd = sparseDim();
        int[] newSize = size.clone();
        newSize[d0] = size[d1];
        newSize[d1] = size[d0];
        if (d0 == d1) { // PyTorch's transpose returns the tensor as it is (its flag kept) before any check
            return new SparseTensor(indices, values, newSize, coalesced, name);
        }
        if (d0 >= sd || d1 >= sd) { // sparse_transpose_: two dense dims are refused as a mixed pair is
            throw new IllegalArgumentException("sparse transpose: transposed dimensions must be sparse Got sparse_dim: "
                    + sd + ", d0: " + d0 + ", d1: " + d1);
        }
        long[] perm = new long[sd];
        for (int i = 0; i < sd; i++) {
            perm[i] = i;
        }
        perm[d0] = d1;
        perm[d1] = d0;
        Tensor p = Tensor.tensor(perm, DType.INT64, indices.device());
        // sparse_transpose_ leaves a tensor without entries as it was (its flag kept), else flags it uncoalesced
        return new SparseTensor(indices.indexSelect(0, p), values, newSize, nnz() == 0 && coalesced, name);
    }

    /**
     * The transpose of a sparse matrix (a vector as it is), as {@code t()} ({@code TBackward0}).
     *
     * @throws IllegalArgumentException for more than 2 sparse dims or any dense dim
     */
    public SparseTensor t() {
        if (sparseDim() > 2 || denseDim() > 0) {
            throw new IllegalArgumentException("t() expects a tensor with <= 2 sparse and 0 dense dimensions, but got "
                    + sparseDim() + " sparse and " + denseDim() + " dense dimensions");
        }
        if (size.length < 2) {
            return new SparseTensor(indices, values, size, coalesced, "TBackward0");
        }
        return transpose(0, 1, "TBackward0");
    }

    /**
     * {@code torch.mm(this, dense)} for a 2-D sparse tensor and a dense matrix: {@link Sparse#mm}'s product, recorded as
     * PyTorch's {@code MmBackward0} (the dense operand's gradient is dense, as there). As in PyTorch (1.13 and 2.x),
     * refused while grad mode is on and this tensor requires grad ({@code The backward pass for this operation requires
     * the 'self' tensor to be strided, ...}): {@link Sparse#mm} ({@code torch.sparse.mm}) is the differentiable form.
     *
     * @throws IllegalArgumentException as above, and for {@link Sparse#mm}'s bad arguments
     */
    public Tensor mm(Tensor dense) {
        return Sparse.mmDense(this, dense);
    }

    /**
     * {@code this @ dense} for a 2-D sparse tensor and a dense matrix, as {@link #mm} ({@code MmBackward0}, refused when
     * this tensor requires grad, as in PyTorch), or a dense vector, as PyTorch's {@code mv} ({@code MvBackward0}; a
     * vector: {@code mv: expected self.size(-1) == vec.size(-1)} when the sizes differ; differentiable in both operands,
     * where 1.13's backward fails for a sparse operand that requires grad).
     */
    public Tensor matmul(Tensor dense) {
        Sparse.require(dense, "matmul", "other", 1, "Tensor");
        if (dense.dim() == 1 && size.length == 2) {
            // PyTorch's matmul of a matrix and a vector is mv (mv_sparse: the product with vec.unsqueeze(-1), squeezed)
            if (dense.size(0) != size[1]) {
                throw new IllegalArgumentException("mv: expected self.size(-1) == vec.size(-1)");
            }
            return Sparse.mvDense(this, dense);
        }
        return Sparse.mmDense(this, dense);
    }

    /** {@code this @ other} for two 2-D sparse matrices, a sparse matrix, as {@link Sparse#mm(SparseTensor, SparseTensor)}. */
    public SparseTensor mm(SparseTensor other) {
        return Sparse.mm(this, other);
    }

    /**
     * Keeps this sparse tensor past {@code scope}, as {@link dev.ember.TensorScope#keep} keeps a tensor: its indices and
     * values (made inside the scope, they would be closed with it).
     *
     * @param scope the scope to keep this tensor past
     * @return this tensor
     */
    public SparseTensor keep(dev.ember.TensorScope scope) {
        Sparse.require(scope, "keep", "scope", 1, "TensorScope");
        scope.keep(indices);
        scope.keep(values);
        return this;
    }

    /** Closes the indices and values (the values given to {@link Sparse#cooTensor} stay open: they are shared). */
    @Override
    public void close() {
        indices.close();
        values.close();
    }

    /**
     * As PyTorch prints a sparse COO tensor: the indices and values, then {@code size}, {@code nnz}, the type when not
     * a default one, {@code layout=torch.sparse_coo} and the {@code grad_fn} (for example
     * {@code tensor(indices=tensor([[0, 1, 1],\n [2, 0, 2]]), values=tensor([3., 4., 5.]), size=(2, 3), nnz=3,
     * layout=torch.sparse_coo)}, over lines as PyTorch breaks them).
     */
    @Override
    public String toString() {
        String prefix = "tensor(";
        int indent = prefix.length();
        List<String> suffixes = new ArrayList<>();
        if (!device().isCpu()) {
            suffixes.add("device='" + device() + "'");
        }
        suffixes.add("size=" + tupleStr(size));
        suffixes.add("nnz=" + nnz());
        DType dt = dtype();
        DType defaultFloat = Ember.getDefaultDtype();
        DType defaultComplex = defaultFloat == DType.FLOAT64 ? DType.COMPLEX128 : DType.COMPLEX64;
        if (dt != defaultFloat && dt != defaultComplex && dt != DType.INT64 && dt != DType.BOOL) {
            suffixes.add("dtype=" + dt.torchName());
        }
        String body;
        try (GradMode off = Ember.noGrad()) {
            Tensor i = indices.to(Device.CPU);
            Tensor v = values.detach().to(Device.CPU);
            String is = TensorStr.body(i, indent + "indices=tensor(".length());
            if (i.numel() == 0) {
                is += ", size=" + tupleStr(i.shape());
            }
            String vs = TensorStr.body(v, indent + "values=tensor(".length());
            if (v.numel() == 0) {
                vs += ", size=" + tupleStr(v.shape());
            }
            body = "indices=tensor(" + is + "),\n" + " ".repeat(indent) + "values=tensor(" + vs + ")";
        }
        suffixes.add("layout=torch.sparse_coo");
        if (gradFnName != null) {
            suffixes.add("grad_fn=<" + gradFnName + ">");
        } else if (values.requiresGrad()) {
            suffixes.add("requires_grad=True");
        }
        return TensorStr.addSuffixes(prefix + body, suffixes, indent, true);
    }

    // ------------------------------------------------------------------ helpers

    Tensor rawIndices() {
        return indices;
    }

    Tensor rawValues() {
        return values;
    }

    int[] sizeRef() {
        return size;
    }

    /** The number of positions of the sparse dims: the product of their sizes. */
    int sparseRows() {
        long n = 1;
        for (int d = 0; d < sparseDim(); d++) {
            n *= size[d];
        }
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the sparse dims of size " + Sparse.sizeStr(size) + " have " + n
                    + " positions; Ember's dense tensors hold at most " + Integer.MAX_VALUE + " rows");
        }
        return (int) n;
    }

    /** Python's {@code str(tuple(shape))}: {@code (2, 3)}, {@code (3,)}, {@code ()}. */
    static String tupleStr(int[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? ", " : "").append(shape[i]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /** The row-major linear index (int64 {@code [nnz]}) of each entry over the sparse dims of {@code size}. */
    static Tensor linearIndex(Tensor indices, int[] size) {
        int sd = indices.size(0);
        int nnz = indices.size(1);
        try (GradMode off = Ember.noGrad()) {
            Tensor lin = null;
            long stride = 1;
            for (int d = sd - 1; d >= 0; d--) {
                Tensor term = stride == 1 ? indices.select(0, d) : indices.select(0, d).mul(stride);
                lin = lin == null ? term : lin.add(term);
                stride *= size[d];
            }
            return lin == null ? Tensor.zeros(DType.INT64, nnz).to(indices.device()) : lin.contiguous();
        }
    }

    /** The indices {@code [sparseDim, n]} of row-major linear indices over the sparse dims of {@code size}. */
    static Tensor unravel(Tensor lin, int[] size, int sparseDim) {
        try (GradMode off = Ember.noGrad()) {
            List<Tensor> rows = new ArrayList<>(sparseDim);
            long stride = 1;
            long[] strides = new long[sparseDim];
            for (int d = sparseDim - 1; d >= 0; d--) {
                strides[d] = stride;
                stride *= size[d];
            }
            for (int d = 0; d < sparseDim; d++) {
                Tensor r = strides[d] == 1 ? lin : lin.div(strides[d], "floor");
                rows.add(d == 0 ? r : r.remainder((long) size[d]));
            }
            return sparseDim == 0 ? Tensor.zeros(DType.INT64, 0, lin.size(0)).to(lin.device()) : Tensor.stack(rows, 0);
        }
    }
}
