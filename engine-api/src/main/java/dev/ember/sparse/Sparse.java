package dev.ember.sparse;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.GradMode;
import dev.ember.Refusals;
import dev.ember.Tensor;
import dev.ember.UniqueResult;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Sparse COO tensors ({@link SparseTensor}): PyTorch's {@code torch.sparse_coo_tensor}, {@code torch.sparse.mm},
 * {@code torch.sparse.addmm}, {@code torch.sparse.sum}, {@code torch.sparse.softmax} and
 * {@code torch.sparse.log_softmax}, with PyTorch's checks, messages and gradients. {@link Tensor#toSparse()} converts a
 * dense tensor; {@link SparseTensor#toDense()} converts back.
 *
 * <pre>{@code
 * Tensor i = Tensor.tensor(new long[][] {{0, 1, 1}, {2, 0, 2}});
 * Tensor v = Tensor.tensor(new float[] {3, 4, 5}).requiresGrad_(true);
 * SparseTensor s = Sparse.cooTensor(i, v, 2, 3);
 * Tensor y = Sparse.mm(s, w);          // [2, 3] @ [3, k], grad_fn=<SparseAddmmBackward0>
 * }</pre>
 */
public final class Sparse {
    private Sparse() {
    }

    /**
     * A sparse COO tensor of {@code size} with entries {@code values} at {@code indices}, as
     * {@code torch.sparse_coo_tensor(indices, values, size)}: uncoalesced (unless it has fewer than two entries), the
     * values shared and differentiable ({@code SparseCooTensorWithDimsAndTensorsBackward0}). Indices of another real
     * type are converted to int64 and moved to the values' device, as PyTorch's Python constructor does.
     *
     * @param indices {@code [sparseDim, nnz]}
     * @param values {@code [nnz, *denseShape]}
     * @param size the sparse dims' sizes then the dense shape
     * @throws IllegalArgumentException as PyTorch: indices not 2-D, nnz or dims that disagree, a negative index or one
     *     past its size
     */
    public static SparseTensor cooTensor(Tensor indices, Tensor values, int... size) {
        Sparse.require(size, "sparse_coo_tensor", "size", 3, "tuple of ints");
        return build(indices, values, size.clone());
    }

    /**
     * {@code torch.sparse_coo_tensor(indices, values, size, is_coalesced=...)} (PyTorch 2.x): {@code null} as
     * {@link #cooTensor(Tensor, Tensor, int...)}; {@code false} flags the tensor uncoalesced; {@code true} flags it
     * coalesced, keeping the indices and values given (no copy, as PyTorch's), after checking what PyTorch leaves to
     * the caller: that the entries are sorted and unique. What {@link dev.ember.nn.TorchSerialization} and
     * {@link dev.ember.nn.utils.Checkpoint} use to load a tensor saved coalesced as such.
     *
     * @throws IllegalArgumentException as {@link #cooTensor(Tensor, Tensor, int...)}, and for {@code true} with entries
     *     that are not sorted and unique
     */
    public static SparseTensor cooTensor(Tensor indices, Tensor values, int[] size, Boolean isCoalesced) {
        SparseTensor t = cooTensor(indices, values, size);
        if (isCoalesced == null) {
            return t;
        }
        if (isCoalesced && t.nnz() > 1) {
            long[] lin = SparseTensor.linearIndex(t.rawIndices(), t.shape()).toLongArray();
            for (int i = 1; i < lin.length; i++) {
                if (lin[i] <= lin[i - 1]) {
                    throw new IllegalArgumentException("is_coalesced=True, but the indices are not sorted and unique "
                            + "(entry " + i + "): coalesce() the tensor instead");
                }
            }
        }
        return new SparseTensor(t.rawIndices(), t.rawValues(), t.shape(), isCoalesced,
                "SparseCooTensorWithDimsAndTensorsBackward0");
    }

    /**
     * A sparse COO tensor whose size is inferred, as {@code torch.sparse_coo_tensor(indices, values)}: each sparse dim
     * one past its largest index (0 without entries), then the values' dense shape.
     *
     * @throws IllegalArgumentException as {@link #cooTensor(Tensor, Tensor, int...)}, and for an index of
     *     {@code Integer.MAX_VALUE} or more, whose dim would be larger than Ember's dimensions (PyTorch's int64 sizes
     *     hold it)
     */
    public static SparseTensor cooTensor(Tensor indices, Tensor values) {
        return build(indices, values, null);
    }

    private static SparseTensor build(Tensor indices, Tensor values, int[] size) {
        Sparse.require(indices, "sparse_coo_tensor", "indices", 1, "Tensor");
        Sparse.require(values, "sparse_coo_tensor", "values", 2, "Tensor");
        if (indices.isComplex()) {
            throw new IllegalArgumentException("indices must be an int64 tensor");
        }
        if (indices.dim() != 2) {
            throw new IllegalArgumentException("indices must be sparse_dim x nnz, but got: " + sizeStr(indices.shape()));
        }
        if (values.dim() == 0) {
            // a scalar is one entry, as PyTorch's expand_values_if_needed (values.expand({1})), differentiable
            values = values.expand(1);
        }
        Tensor idx;
        try (GradMode off = Ember.noGrad()) {
            idx = indices.dtype() == DType.INT64 && indices.device().equals(values.device()) ? indices.detach()
                    : indices.to(DType.INT64).to(values.device());
        }
        int sd = idx.size(0);
        int nnz = idx.size(1);
        if (nnz != values.size(0)) {
            throw new IllegalArgumentException("indices and values must have same nnz, but got nnz from indices: " + nnz
                    + ", nnz from values: " + values.size(0));
        }
        int dd = values.dim() - 1;
        long[] hi = null;
        long[] lo = null;
        if (nnz > 0 && sd > 0) {
            try (GradMode off = Ember.noGrad()) {
                hi = idx.amax(new int[] {1}, false).toLongArray();
                lo = idx.amin(new int[] {1}, false).toLongArray();
            }
        }
        if (size == null) {
            size = new int[sd + dd];
            for (int d = 0; d < sd; d++) {
                if (hi != null && lo[d] < 0) { // before the size is taken from the largest index, as PyTorch's
                    throw new IllegalArgumentException("found negative index " + lo[d] + " for dim " + d);
                }
                // the largest index + 1, exact: an index past Ember's largest dimension (PyTorch's int64 sizes hold it)
                if (hi != null && hi[d] >= Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("sparse_coo_tensor: dim " + d + " would have size "
                            + (hi[d] == Long.MAX_VALUE ? "2^63" : String.valueOf(hi[d] + 1)) + " (its largest index + 1); "
                            + "Ember's dimensions are at most " + Integer.MAX_VALUE);
                }
                size[d] = hi == null ? 0 : (int) (hi[d] + 1);
            }
            System.arraycopy(values.shape(), 1, size, sd, dd);
        } else {
            if (size.length != sd + dd) {
                throw new IllegalArgumentException("number of dimensions must be sparse_dim (" + sd + ") + dense_dim ("
                        + dd + "), but got " + size.length);
            }
            int[] expected = new int[dd + 1];
            expected[0] = nnz;
            System.arraycopy(size, sd, expected, 1, dd);
            if (!Arrays.equals(expected, values.shape())) {
                throw new IllegalArgumentException("values has incorrect size, expected " + sizeStr(expected) + ", got "
                        + sizeStr(values.shape()));
            }
            if (hi != null) {
                for (int d = 0; d < sd; d++) {
                    if (lo[d] < 0) { // per dim, the negative check first, as _validate_sparse_coo_tensor_args
                        throw new IllegalArgumentException("found negative index " + lo[d] + " for dim " + d);
                    }
                    if (hi[d] >= size[d]) {
                        throw new IllegalArgumentException("size is inconsistent with indices: for dim " + d + ", size is "
                                + size[d] + " but found index " + hi[d]);
                    }
                }
            }
        }
        if (hi != null) { // an inferred size: only the negative check applies
            for (int d = 0; d < sd; d++) {
                if (lo[d] < 0) {
                    throw new IllegalArgumentException("found negative index " + lo[d] + " for dim " + d);
                }
            }
        }
        for (int s : size) {
            if (s < 0) {
                throw new IllegalArgumentException("Trying to create tensor with negative dimension " + s + ": "
                        + sizeStr(size));
            }
        }
        // an alias of the values, so that closing the sparse tensor leaves the caller's tensor open
        Tensor v = values.view(values.shape());
        return new SparseTensor(idx, v, size, nnz < 2, "SparseCooTensorWithDimsAndTensorsBackward0");
    }

    /**
     * {@code x.to_sparse(sparseDim)}: the entries of {@code x} over its first {@code sparseDim} dims whose dense slice
     * has a nonzero element, coalesced ({@code ToSparseBackward0} from {@link Tensor#toSparse()},
     * {@code ToSparseBackward1} with a sparse dim). {@link Tensor#toSparse(int)} calls this.
     *
     * @param x a dense tensor of at least one dim
     * @param sparseDim 1 to {@code x.dim()}
     * @param named whether the sparse dim was given (the node name PyTorch records differs)
     * @return the sparse tensor
     */
    public static SparseTensor fromDense(Tensor x, int sparseDim, boolean named) {
        if (x != null && x.isMeta()) { // its nonzero positions are data
            throw dev.ember.backend.MetaBackend.noMetaKernel("aten::_to_sparse");
        }
        int dims = x.dim();
        if (sparseDim <= 0 && dims > 0) {
            throw new IllegalArgumentException("sparse_dim must be >0 if dimensionality > 0");
        }
        if (sparseDim > dims) {
            throw new IllegalArgumentException("sparse_dim must be less than or equal to self.dim()");
        }
        if (dims == 0) {
            throw new UnsupportedOperationException("to_sparse of a 0-dim tensor is not supported in Ember");
        }
        int[] shape = x.shape();
        int rows = 1;
        for (int d = 0; d < sparseDim; d++) {
            rows = Math.multiplyExact(rows, shape[d]);
        }
        Tensor idx;
        Tensor lin;
        try (GradMode off = Ember.noGrad()) {
            Tensor nz = x.ne(0);
            if (sparseDim < dims) {
                int[] flat = Arrays.copyOf(shape, sparseDim + 1);
                flat[sparseDim] = -1;
                nz = x.numel() == 0 ? Tensor.zeros(DType.BOOL, Arrays.copyOf(shape, sparseDim)).to(x.device())
                        : nz.reshape(flat).any(new int[] {sparseDim}, false);
            }
            idx = nz.nonzero().t().contiguous();
            lin = SparseTensor.linearIndex(idx, shape);
        }
        Tensor values = new SparseFunctions.ToSparse(named ? "ToSparseBackward1" : "ToSparseBackward0", lin, shape,
                sparseDim, rows).apply(x);
        return new SparseTensor(idx, values, shape, true, named ? "ToSparseBackward1" : "ToSparseBackward0");
    }

    // ------------------------------------------------------------------ compressed (CSR/CSC)

    /**
     * A CSR tensor, as {@code torch.sparse_csr_tensor(crow_indices, col_indices, values, size)}: row {@code i}'s entries
     * are {@code values[crow[i]:crow[i + 1]]} at columns {@code col[crow[i]:crow[i + 1]]}. The indices (int32 or int64,
     * both of one type, kept) are moved to the values' device; the values are shared. Checked as PyTorch's
     * {@code _validate_sparse_compressed_tensor_args}, in its order and with its (2.x) messages: {@code crow_indices}
     * of {@code rows + 1} entries, {@code col_indices} of nnz, the index types, every column in range
     * ({@code `0 <= col_indices < ncols` is not satisfied.}), then row by row {@code crow[0] == 0},
     * {@code crow[-1] == nnz}, each step between 0 and the number of columns, each row's columns sorted and distinct.
     * Only 2-D tensors with 1-D values (no batch or dense dims) in Ember; see {@link SparseCsrTensor}.
     *
     * @param crowIndices the compressed row indices {@code [rows + 1]}
     * @param colIndices the column of each entry {@code [nnz]}
     * @param values the value of each entry {@code [nnz]}
     * @param size {@code rows, columns}
     * @return the CSR tensor
     * @throws IllegalArgumentException with PyTorch's messages for indices that break an invariant
     */
    public static SparseCsrTensor sparseCsrTensor(Tensor crowIndices, Tensor colIndices, Tensor values, int... size) {
        Sparse.require(size, "sparse_csr_tensor", "size", 4, "tuple of ints");
        return SparseCompressed.build(Layout.SPARSE_CSR, crowIndices, colIndices, values, size);
    }

    /**
     * A CSR tensor whose size is inferred, as {@code torch.sparse_csr_tensor(crow_indices, col_indices, values)}:
     * {@code crow_indices.size - 1} rows, one column past the largest column index (0 without entries).
     */
    public static SparseCsrTensor sparseCsrTensor(Tensor crowIndices, Tensor colIndices, Tensor values) {
        return SparseCompressed.build(Layout.SPARSE_CSR, crowIndices, colIndices, values, null);
    }

    /**
     * A CSC tensor, as {@code torch.sparse_csc_tensor(ccol_indices, row_indices, values, size)}: column {@code j}'s
     * entries are {@code values[ccol[j]:ccol[j + 1]]} at rows {@code row[ccol[j]:ccol[j + 1]]}; checked as
     * {@link #sparseCsrTensor}, columns for rows.
     *
     * @param ccolIndices the compressed column indices {@code [columns + 1]}
     * @param rowIndices the row of each entry {@code [nnz]}
     * @param values the value of each entry {@code [nnz]}
     * @param size {@code rows, columns}
     * @return the CSC tensor
     */
    public static SparseCsrTensor sparseCscTensor(Tensor ccolIndices, Tensor rowIndices, Tensor values, int... size) {
        Sparse.require(size, "sparse_csc_tensor", "size", 4, "tuple of ints");
        return SparseCompressed.build(Layout.SPARSE_CSC, ccolIndices, rowIndices, values, size);
    }

    /** A CSC tensor whose size is inferred, as {@code torch.sparse_csc_tensor(ccol_indices, row_indices, values)}. */
    public static SparseCsrTensor sparseCscTensor(Tensor ccolIndices, Tensor rowIndices, Tensor values) {
        return SparseCompressed.build(Layout.SPARSE_CSC, ccolIndices, rowIndices, values, null);
    }

    /**
     * {@code x.to_sparse_csr()} of a dense matrix: its nonzero elements, row by row, int64 indices;
     * {@link Tensor#toSparseCsr()} calls this.
     *
     * @param x a 2-D dense tensor (Ember's CSR tensors have no batch or dense dims) that does not require grad
     * @return the CSR tensor
     */
    public static SparseCsrTensor toSparseCsr(Tensor x) {
        if (x != null && x.isMeta()) { // its nonzero positions are data
            throw dev.ember.backend.MetaBackend.noMetaKernel("aten::_to_sparse_csr");
        }
        return SparseCompressed.fromDense(x, Layout.SPARSE_CSR);
    }

    /** {@code x.to_sparse_csc()} of a dense matrix, as {@link #toSparseCsr(Tensor)} column by column. */
    public static SparseCsrTensor toSparseCsc(Tensor x) {
        if (x != null && x.isMeta()) { // its nonzero positions are data
            throw dev.ember.backend.MetaBackend.noMetaKernel("aten::_to_sparse_csc");
        }
        return SparseCompressed.fromDense(x, Layout.SPARSE_CSC);
    }

    // ------------------------------------------------------------------ products

    /**
     * {@code torch.sparse.mm(sparse, dense)}: the product of a 2-D sparse matrix (no dense dims; duplicates count as
     * their sum) and a dense matrix of the same type, a dense matrix ({@code SparseAddmmBackward0}). Gradients: of the
     * dense operand {@code S^T @ grad}, of the values {@code grad @ D^T} at the sparse entries, both computed from the
     * entries alone (see {@link SparseFunctions.Addmm}).
     *
     * @throws IndexOutOfBoundsException for a sparse vector or a 0-dim dense operand, with PyTorch's messages (its
     *     {@code _sparse_mm} reads {@code mat1.size(-2)} and {@code mat2.size(-1)} first)
     * @throws IllegalArgumentException as {@link #addmm(Tensor, SparseTensor, Tensor, double, double)}
     */
    public static Tensor mm(SparseTensor sparse, Tensor dense) {
        require(sparse, "mm", "input", 1, "SparseTensor");
        require(dense, "mm", "mat2", 2, "Tensor");
        // PyTorch's _sparse_mm sizes its zeros(mat1.size(-2), mat2.size(-1)) before addmm checks anything: a sparse
        // vector and a 0-dim dense operand fail there, with size()'s messages
        sparse.size(-2);
        sizeDim(-1, dense.dim());
        return addmm(null, sparse, dense, 0, 1);
    }

    /**
     * {@code torch.sparse.mm(a, b)} of two 2-D sparse matrices (no dense dims): a coalesced sparse matrix with an entry
     * wherever a pair {@code a[i, k]}, {@code b[k, j]} meets ({@code SparseSparseMatmulBackward0}). Computed by joining
     * the entries on {@code k} (b's sorted and searched), never a dense form; the gradients of both values flow through
     * the products. (PyTorch 1.13 orders the columns within a row as its kernel leaves them while calling the result
     * coalesced; 2.x's _csr_matmult sorts them, as here.)
     */
    public static SparseTensor mm(SparseTensor a, SparseTensor b) {
        Sparse.require(a, "mm", "input", 1, "SparseTensor");
        Sparse.require(b, "mm", "mat2", 2, "SparseTensor");
        for (SparseTensor t : new SparseTensor[] {a, b}) {
            if (t.sparseDim() != 2) {
                throw new IllegalArgumentException("addmm: matrices expected, got " + t.sparseDim() + "D tensor");
            }
            if (t.denseDim() != 0) {
                throw new IllegalArgumentException("addmm: scalar values expected, got " + t.denseDim() + "D values");
            }
        }
        if (a.size(1) != b.size(0)) {
            throw new IllegalArgumentException("mat1 and mat2 shapes cannot be multiplied (" + a.size(0) + "x" + a.size(1)
                    + " and " + b.size(0) + "x" + b.size(1) + ")");
        }
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException("mat1 dtype " + scalarName(a.dtype()) + " does not match mat2 dtype "
                    + scalarName(b.dtype()));
        }
        if (!a.device().equals(b.device())) {
            throw new IllegalArgumentException("Expected all tensors to be on the same device, but found at least two "
                    + "devices, " + a.device() + " and " + b.device() + "!");
        }
        Tensor ea;
        Tensor eb;
        Tensor idx;
        try (GradMode off = Ember.noGrad()) {
            Tensor ka = a.rawIndices().select(0, 1).contiguous();
            Tensor kb = b.rawIndices().select(0, 0).contiguous();
            Tensor order = kb.argsort(0, false, true);
            Tensor sorted = kb.indexSelect(0, order);
            Tensor first = Tensor.searchsorted(sorted, ka, false);
            Tensor counts = Tensor.searchsorted(sorted, ka, true).sub(first);
            ea = Tensor.arange(ka.size(0), DType.INT64).to(a.device()).repeatInterleave(counts);
            Tensor start = counts.cumsum(0).sub(counts);
            Tensor offset = Tensor.arange(ea.size(0), DType.INT64).to(a.device()).sub(start.indexSelect(0, ea));
            eb = order.indexSelect(0, first.indexSelect(0, ea).add(offset));
            idx = Tensor.stack(List.of(a.rawIndices().select(0, 0).indexSelect(0, ea),
                    b.rawIndices().select(0, 1).indexSelect(0, eb)), 0);
        }
        Tensor v = a.rawValues().indexSelect(0, ea).mul(b.rawValues().indexSelect(0, eb));
        int[] size = {a.size(0), b.size(1)};
        SparseTensor c = new SparseTensor(idx, v, size, false, null).coalesce();
        return new SparseTensor(c.rawIndices(), c.rawValues(), size, true, "SparseSparseMatmulBackward0");
    }

    /** {@code torch.sparse.addmm(input, sparse, dense)}: {@code input + sparse @ dense}, input broadcast. */
    public static Tensor addmm(Tensor input, SparseTensor sparse, Tensor dense) {
        return addmm(input, sparse, dense, 1, 1);
    }

    /**
     * {@code torch.sparse.addmm(input, sparse, dense, beta=beta, alpha=alpha)}: {@code beta * input + alpha * sparse @
     * dense} ({@code SparseAddmmBackward0}); beta 0 ignores input, nan and inf included, where there are entries.
     * Without entries the result is {@code beta * input} (nan times 0 stays nan), as PyTorch's kernel. The dense
     * operand's type, then the input's, must be the sparse one's, checked (as PyTorch's kernel) after the sizes and only
     * when there are entries.
     */
    public static Tensor addmm(Tensor input, SparseTensor sparse, Tensor dense, double beta, double alpha) {
        return addmm(input, sparse, dense, beta, alpha, "SparseAddmmBackward0", null);
    }

    /**
     * {@code torch.mm(sparse, dense)} (and {@code sparse @ dense}): {@link #mm}'s product recorded as 2.x's
     * {@code MmBackward0}; refused, with 2.x's message, when grad mode is on and the sparse operand requires grad (mm's
     * derivative saves its strides: {@code strides_or_error}).
     */
    static Tensor mmDense(SparseTensor sparse, Tensor dense) {
        require(sparse, "mm", "input", 1, "SparseTensor");
        require(dense, "mm", "mat2", 2, "Tensor");
        if (sparse.requiresGrad() && dev.ember.GradMode.isEnabled()) {
            throw new IllegalArgumentException("The backward pass for this operation requires the 'self' tensor to be "
                    + "strided, but a sparse tensor was given instead. Please either use a strided tensor or set "
                    + "requires_grad=False for 'self'");
        }
        return addmm(null, sparse, dense, 0, 1, "MmBackward0", null);
    }

    /**
     * {@code torch.mv(sparse, vec)} (and {@code sparse @ vec}): the product with {@code vec} as a column, recorded as
     * PyTorch's {@code MvBackward0}, a vector; the gradients as {@link #mm}'s.
     */
    static Tensor mvDense(SparseTensor sparse, Tensor vec) {
        return addmm(null, sparse, vec.unsqueeze(1), 0, 1, "MvBackward0", new int[] {sparse.size(0)});
    }

    private static Tensor addmm(Tensor input, SparseTensor sparse, Tensor dense, double beta, double alpha, String node,
                                int[] outShape) {
        Sparse.require(sparse, "addmm", "mat1", 2, "SparseTensor");
        Sparse.require(dense, "addmm", "mat2", 3, "Tensor");
        // addmm_out_sparse_dense_cpu expands its input to [mat1.size(0), mat2.size(1)] (expand_size) before any other
        // check; torch.sparse.mm's (and torch.mm's) input is _sparse_mm's zeros(mat1.size(-2), mat2.size(-1))
        int[] ds = dense.shape();
        int[] ins = input != null ? input.shape() : new int[] {sparse.size(-2), ds[sizeDim(-1, ds.length)]};
        int[] expandTo = {sparse.size(0), ds[sizeDim(1, ds.length)]};
        if (ins.length <= 2) {
            for (int j = ins.length - 1; j >= 0; j--) { // from the last dim, as expand's inferExpandGeometry
                int td = 2 - ins.length + j;
                if (ins[j] != 1 && ins[j] != expandTo[td]) {
                    throw new IllegalArgumentException("The expanded size of the tensor (" + expandTo[td] + ") must "
                            + "match the existing size (" + ins[j] + ") at non-singleton dimension " + td
                            + ".  Target sizes: " + sizeStr(expandTo) + ".  Tensor sizes: " + sizeStr(ins));
                }
            }
        }
        if (sparse.sparseDim() != 2) {
            throw new IllegalArgumentException("addmm: matrices expected, got " + sparse.sparseDim() + "D tensor");
        }
        if (sparse.denseDim() != 0) {
            throw new IllegalArgumentException("addmm: scalar values expected, got " + sparse.denseDim() + "D values");
        }
        if (dense.dim() != 2) {
            throw new IllegalArgumentException("addmm: matrices expected, got " + dense.dim() + "D tensor");
        }
        if (!dense.device().equals(sparse.device())) {
            throw new IllegalArgumentException("Expected all tensors to be on the same device, but found at least two "
                    + "devices, " + sparse.device() + " and " + dense.device() + "!");
        }
        int m = sparse.size(0);
        int k = sparse.size(1);
        if (dense.size(0) != k) {
            throw new IllegalArgumentException("addmm: Argument #3 (dense): Expected dim 0 size " + k + ", got "
                    + dense.size(0));
        }
        // the types meet only in s_addmm_out_sparse_dense_worker, after the sizes and only with entries: without any,
        // PyTorch's result is beta * input (torch.sparse.mm's input: zeros of the dense operand's type)
        if (input != null) {
            ins = input.shape();
            int[] target = {m, dense.size(1)};
            if (ins.length > 2) {
                throw new IllegalArgumentException("addmm: expected input to have at most 2 dims, but got " + ins.length);
            }
            for (int j = 0; j < ins.length; j++) {
                int td = 2 - ins.length + j;
                if (ins[j] != 1 && ins[j] != target[td]) {
                    throw new IllegalArgumentException("The expanded size of the tensor (" + target[td] + ") must match "
                            + "the existing size (" + ins[j] + ") at non-singleton dimension " + td + ".  Target sizes: "
                            + sizeStr(target) + ".  Tensor sizes: " + sizeStr(ins));
                }
            }
            input = Arrays.equals(ins, target) ? input : input.expand(target);
        }
        if (sparse.nnz() > 0) { // the worker reads the dense operand, then writes the result (the input's type)
            for (Tensor t : new Tensor[] {dense, input}) {
                if (t != null && t.dtype() != sparse.dtype()) {
                    throw new IllegalArgumentException("expected scalar type " + scalarName(sparse.dtype()) + " but found "
                            + scalarName(t.dtype()));
                }
            }
        }
        Tensor row;
        Tensor col;
        try (GradMode off = Ember.noGrad()) {
            row = sparse.rawIndices().select(0, 0).contiguous();
            col = sparse.rawIndices().select(0, 1).contiguous();
        }
        return new SparseFunctions.Addmm(node, row, col, m, beta, alpha, outShape).apply(input, sparse.rawValues(), dense);
    }

    /**
     * {@code torch.bmm(sparse, dense)}: batched products of a 3-D sparse tensor {@code [B, M, K]} (no dense dims) and a
     * dense {@code [B, K, P]} of its type, a dense {@code [B, M, P]} ({@code BmmBackward0}); gradients as
     * {@link #mm}'s, from the entries alone.
     */
    public static Tensor bmm(SparseTensor sparse, Tensor dense) {
        Sparse.require(sparse, "bmm", "input", 1, "SparseTensor");
        Sparse.require(dense, "bmm", "mat2", 2, "Tensor");
        if (sparse.sparseDim() != 3 || sparse.denseDim() != 0) {
            throw new IllegalArgumentException("bmm_sparse: Tensor 'self' must have 3 sparse dims and 0 dense dims, but got "
                    + sparse.sparseDim() + " sparse and " + sparse.denseDim() + " dense dims");
        }
        if (dense.dim() != 3) {
            throw new IllegalArgumentException("bmm_sparse: Tensor 'mat2' must have 3 dims, but has " + dense.dim());
        }
        if (dense.size(0) != sparse.size(0)) {
            throw new IllegalArgumentException("bmm_sparse: 'self.size(0)' and 'mat2.size(0)' must match");
        }
        if (dense.size(1) != sparse.size(2)) {
            throw new IllegalArgumentException("bmm_sparse: 'self.size(2)' and 'mat2.size(1)' must match");
        }
        if (dense.dtype() != sparse.dtype()) {
            throw new IllegalArgumentException("expected scalar type " + scalarName(sparse.dtype()) + " but found "
                    + scalarName(dense.dtype()));
        }
        if (!dense.device().equals(sparse.device())) {
            throw new IllegalArgumentException("Expected all tensors to be on the same device, but found at least two "
                    + "devices, " + sparse.device() + " and " + dense.device() + "!");
        }
        int b = sparse.size(0);
        int m = sparse.size(1);
        int k = sparse.size(2);
        Tensor row;
        Tensor col;
        try (GradMode off = Ember.noGrad()) {
            Tensor i = sparse.rawIndices();
            Tensor batch = i.select(0, 0);
            row = batch.mul((long) m).add(i.select(0, 1)).contiguous();
            col = batch.mul((long) k).add(i.select(0, 2)).contiguous();
        }
        int rows = Math.multiplyExact(b, m);
        return new SparseFunctions.Addmm("BmmBackward0", row, col, rows, 0, 1, new int[] {b, m, dense.size(2)})
                .apply(null, sparse.rawValues(), dense);
    }

    /**
     * {@code dense + alpha * sparse} (PyTorch's {@code torch.add(dense, sparse, alpha=alpha)}), a dense tensor
     * ({@code AddBackward0}); {@link Tensor#add(SparseTensor)} calls this.
     */
    public static Tensor add(Tensor dense, SparseTensor sparse, double alpha) {
        Sparse.require(dense, "add", "input", 0, "Tensor");
        Sparse.require(sparse, "add", "other", 1, "SparseTensor");
        if (!Arrays.equals(dense.shape(), sparse.sizeRef())) {
            throw new IllegalArgumentException("add: expected 'self' and 'other' to have same size, but self has size "
                    + sizeStr(dense.shape()) + " while other has size " + sizeStr(sparse.sizeRef())
                    + " (FYI: dense-sparse addition does not currently support broadcasting)");
        }
        return dense.add(sparse.toDense(), alpha);
    }

    /**
     * {@code dense.sparse_mask(mask)}: the dense tensor's elements at the entries of {@code mask} (its values ignored),
     * a sparse tensor with the mask's indices, coalesced when the mask is (2.x's; 1.13 refused an uncoalesced mask)
     * ({@code SparseMaskBackward0}); {@link Tensor#sparseMask(SparseTensor)} calls this.
     */
    public static SparseTensor sparseMask(Tensor dense, SparseTensor mask) {
        Sparse.require(dense, "sparse_mask", "self", 0, "Tensor");
        Sparse.require(mask, "sparse_mask", "mask", 1, "SparseTensor");
        int[] size = mask.sizeRef();
        if (!Arrays.equals(dense.shape(), size)) {
            throw new IllegalArgumentException("sparse_mask(): operands have incompatible sizes; self has size "
                    + sizeStr(dense.shape()) + " but mask has size " + sizeStr(size));
        }
        if (!dense.device().equals(mask.device())) {
            throw new IllegalArgumentException("Expected all tensors to be on the same device, but found at least two "
                    + "devices, " + dense.device() + " and " + mask.device() + "!");
        }
        int sd = mask.sparseDim();
        int rows = mask.sparseRows();
        Tensor lin = SparseTensor.linearIndex(mask.rawIndices(), size);
        Tensor v = dense.reshape(SparseFunctions.flatShape(size, sd, rows)).indexSelect(0, lin);
        return new SparseTensor(mask.rawIndices(), v, size.clone(), mask.isCoalesced(), "SparseMaskBackward0");
    }

    // ------------------------------------------------------------------ reductions

    /** {@code torch.sparse.sum(s)}: the sum of every entry, a dense 0-dim tensor ({@code SumBackward0}). */
    public static Tensor sum(SparseTensor s) {
        return s.rawValues().sum();
    }

    /**
     * {@code torch.sparse.sum(s, dims)} where {@code dims} leave a sparse dim: a coalesced sparse tensor (entries that
     * now share their indices summed, as PyTorch's, which coalesces even when only dense dims are summed)
     * ({@code SparseSumBackward0}).
     *
     * @throws IllegalArgumentException when {@code dims} include every sparse dim (use {@link #sumToDense}) or a dim
     *     repeats
     */
    public static SparseTensor sum(SparseTensor s, int... dims) {
        Object r = sumImpl(s, dims);
        if (r instanceof Tensor) {
            throw new IllegalArgumentException("torch.sparse.sum over every sparse dim gives a dense tensor: use "
                    + "Sparse.sumToDense");
        }
        return (SparseTensor) r;
    }

    /**
     * {@code torch.sparse.sum(s, dims)} where {@code dims} include every sparse dim: a dense tensor
     * ({@code SparseSumBackward0}).
     *
     * @throws IllegalArgumentException when a sparse dim is left (use {@link #sum(SparseTensor, int...)}) or a dim
     *     repeats
     */
    public static Tensor sumToDense(SparseTensor s, int... dims) {
        Object r = sumImpl(s, dims);
        if (r instanceof SparseTensor) {
            throw new IllegalArgumentException("torch.sparse.sum leaving a sparse dim gives a sparse tensor: use "
                    + "Sparse.sum");
        }
        return (Tensor) r;
    }

    private static Object sumImpl(SparseTensor s, int[] dims) {
        int n = s.dim();
        int sd = s.sparseDim();
        boolean[] seen = new boolean[n];
        for (int d : dims) {
            int w = wrapDim(d, n);
            if (seen[w]) {
                throw new IllegalArgumentException("dim " + w + " appears multiple times in the list of dims");
            }
            seen[w] = true;
        }
        List<Integer> keptSparse = new ArrayList<>();
        List<Integer> denseSummed = new ArrayList<>();
        for (int d = 0; d < n; d++) {
            if (d < sd && !seen[d]) {
                keptSparse.add(d);
            } else if (d >= sd && seen[d]) {
                denseSummed.add(d - sd + 1);
            }
        }
        Tensor v = s.rawValues();
        if (keptSparse.isEmpty()) {
            int[] vd = new int[denseSummed.size() + 1];
            for (int i = 0; i < denseSummed.size(); i++) {
                vd[i + 1] = denseSummed.get(i);
            }
            return new SparseFunctions.SumToDense(vd, v.shape()).apply(v);
        }
        int[] size = s.sizeRef();
        int[] newSize = new int[n - dims.length];
        int k = 0;
        for (int d = 0; d < n; d++) {
            if (!seen[d]) {
                newSize[k++] = size[d];
            }
        }
        if (!denseSummed.isEmpty()) {
            v = v.sum(denseSummed.stream().mapToInt(Integer::intValue).toArray(), false);
        }
        Tensor idx;
        try (GradMode off = Ember.noGrad()) {
            long[] rows = keptSparse.stream().mapToLong(Integer::longValue).toArray();
            idx = s.rawIndices().indexSelect(0, Tensor.tensor(rows, DType.INT64, s.device()));
        }
        SparseTensor c = new SparseTensor(idx, v, newSize, false, "SparseSumBackward0").coalesce();
        return new SparseTensor(c.rawIndices(), c.rawValues(), newSize, true, "SparseSumBackward0");
    }

    // ------------------------------------------------------------------ softmax

    /**
     * {@code torch.sparse.softmax(s, dim)}: the softmax along {@code dim} over the specified entries only (those left
     * out count as minus infinity, so they stay out), on the coalesced tensor, a coalesced sparse tensor of the same
     * entries ({@code SparseSoftmaxBackward0}). As PyTorch's, {@code dim} is not wrapped: a negative one is refused
     * ({@code : dim must be non-negative and less than input dimensions}).
     */
    public static SparseTensor softmax(SparseTensor s, int dim) {
        return softmaxImpl(s, dim, false);
    }

    /** {@code torch.sparse.log_softmax(s, dim)}, as {@link #softmax} ({@code SparseLogSoftmaxBackward0}). */
    public static SparseTensor logSoftmax(SparseTensor s, int dim) {
        return softmaxImpl(s, dim, true);
    }

    private static SparseTensor softmaxImpl(SparseTensor s, int dim, boolean log) {
        require(s, log ? "_sparse_log_softmax" : "_sparse_softmax", "self", 1, "Tensor");
        // softmax_sparse_input_preprocessing checks the dim as given, unwrapped (a negative dim is refused), before the
        // type dispatch (PyTorch 1.13 and 2.x)
        if (dim < 0 || dim >= s.dim()) {
            throw new IllegalArgumentException(": dim must be non-negative and less than input dimensions");
        }
        int d = dim;
        long numel = 1;
        for (int n : s.sizeRef()) {
            numel *= n;
        }
        if (numel == 0) { // PyTorch returns its empty_like output before the type dispatch: no entries, the dims kept
            Tensor none;
            Tensor idx;
            try (GradMode off = Ember.noGrad()) {
                idx = s.rawIndices().narrow(1, 0, 0).clone();
            }
            none = s.rawValues().narrow(0, 0, 0).clone();
            return new SparseTensor(idx, none, s.sizeRef().clone(), true, log ? "SparseLogSoftmaxBackward0"
                    : "SparseSoftmaxBackward0");
        }
        if (!s.dtype().isFloatingPoint()) {
            throw Refusals.notImplemented(log ? "log_softmax" : "softmax", s.dtype());
        }
        String name = log ? "SparseLogSoftmaxBackward0" : "SparseSoftmaxBackward0";
        SparseTensor c = s.coalesce();
        Tensor v = c.rawValues();
        int sd = c.sparseDim();
        int[] size = c.sizeRef();
        if (d >= sd) {
            Tensor r = log ? v.logSoftmax(d - sd + 1) : v.softmax(d - sd + 1);
            return new SparseTensor(c.rawIndices(), r, size, true, name);
        }
        if (c.nnz() == 0) {
            return new SparseTensor(c.rawIndices(), v.mul(1), size, true, name);
        }
        Tensor group;
        int pools;
        try (GradMode off = Ember.noGrad()) {
            // entries that share every sparse index but dim's form one pool
            int[] poolSize = size.clone();
            poolSize[d] = 1;
            Tensor idx = c.rawIndices().clone();
            idx.select(0, d).zero_();
            UniqueResult u = SparseTensor.linearIndex(idx, poolSize).unique(true, true, false);
            group = u.inverse();
            pools = u.values().size(0);
        }
        int[] pshape = v.shape();
        pshape[0] = pools;
        Tensor max;
        try (GradMode off = Ember.noGrad()) { // any per-pool constant leaves the softmax and its gradient unchanged
            max = v.newZeros(pshape).indexReduce(0, group, v.detach(), "amax", false).indexSelect(0, group);
        }
        Tensor shifted = v.sub(max);
        Tensor e = shifted.exp();
        Tensor den = e.newZeros(pshape).indexAdd(0, group, e).indexSelect(0, group);
        Tensor r = log ? shifted.sub(den.log()) : e.div(den);
        return new SparseTensor(c.rawIndices(), r, size, true, name);
    }

    // ------------------------------------------------------------------ helpers

    /**
     * {@code value}, or PyTorch's message for a missing argument ({@code add(): argument 'other' (position 1) must be
     * SparseTensor, not null}) as an {@link IllegalArgumentException}, as Ember's dense ops give it.
     */
    static <T> T require(T value, String op, String name, int position, String type) {
        if (value == null) {
            throw new IllegalArgumentException(op + "(): argument '" + name + "' (position " + position + ") must be "
                    + type + ", not null");
        }
        return value;
    }

    /** {@code tensor.size(dim)}'s dim for a tensor of {@code rank} dims, with its messages (a 0-dim tensor has none). */
    static int sizeDim(int dim, int rank) {
        if (rank == 0) {
            throw new IndexOutOfBoundsException("Dimension specified as " + dim + " but tensor has no dimensions");
        }
        return wrapDim(dim, rank);
    }

    static int wrapDim(int dim, int rank) {
        int r = Math.max(rank, 1);
        if (dim < -r || dim >= r) {
            throw new IndexOutOfBoundsException("Dimension out of range (expected to be in range of [" + (-r) + ", "
                    + (r - 1) + "], but got " + dim + ")");
        }
        return dim < 0 ? dim + r : dim;
    }

    /** PyTorch's {@code IntArrayRef} printout: {@code [2, 3]}. */
    static String sizeStr(int[] shape) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? ", " : "").append(shape[i]);
        }
        return sb.append(']').toString();
    }

    /** c10's scalar type name: Float, Double, Long, UInt16, Float8_e4m3fn, ... */
    static String scalarName(DType t) {
        return Format.scalarType(t);
    }

    // ------------------------------------------------------------------ autograd.grad with sparse inputs

    /**
     * {@code torch.autograd.grad(outputs, inputs)} with sparse COO inputs: the gradient of the scalar {@code outputs}
     * with respect to each sparse tensor, a sparse tensor over its coalesced entries (PyTorch's: the backward formulas'
     * {@code sparse_mask(input.coalesce())}), as the leaf's {@link SparseTensor#grad()} would be after one pass; no
     * {@code grad} field is touched. The graph is freed after.
     *
     * @throws IllegalArgumentException as {@link dev.ember.Autograd#grad(List, List)} (PyTorch's messages: an input
     *     that does not require grad, one the outputs do not use, a null list or element)
     */
    public static List<SparseTensor> grad(List<Tensor> outputs, List<SparseTensor> inputs) {
        return grad(outputs, inputs, null, false, false, false);
    }

    /**
     * {@code torch.autograd.grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused)} with sparse
     * COO inputs (see {@link #grad(List, List)}): an unused input's gradient is null with {@code allowUnused}; with
     * {@code createGraph} the gradients carry a history ({@code SparseMaskBackward0}, as PyTorch's), so a function of
     * them differentiates again (into the sparse leaves' {@link SparseTensor#grad()} and dense tensors alike).
     *
     * @param outputs the differentiated outputs
     * @param inputs the sparse tensors to differentiate with respect to; each must require grad
     * @param gradOutputs the vectors of the vector-Jacobian product, one per output (null for scalars)
     * @param retainGraph keep the graph for another pass
     * @param createGraph record the gradients' computation
     * @param allowUnused give null for an input the outputs do not use instead of failing
     * @return one sparse gradient per input (null for an unused one), coalesced
     */
    public static List<SparseTensor> grad(List<Tensor> outputs, List<SparseTensor> inputs, List<Tensor> gradOutputs,
                                          boolean retainGraph, boolean createGraph, boolean allowUnused) {
        if (inputs == null) {
            throw new IllegalArgumentException("grad(): argument 'inputs' must be a sequence of Tensors, not NoneType");
        }
        List<Tensor> values = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            SparseTensor s = inputs.get(i);
            if (s == null) {
                throw new IllegalArgumentException("grad(): argument 'inputs' (position 2) must contain Tensors, but "
                        + "element " + i + " is NoneType");
            }
            values.add(s.rawValues());
        }
        List<Tensor> perEntry = dev.ember.Autograd.grad(outputs, values, gradOutputs, retainGraph, createGraph,
                allowUnused);
        List<SparseTensor> out = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            Tensor gv = perEntry.get(i);
            if (gv == null) {
                out.add(null);
            } else if (createGraph) {
                out.add(inputs.get(i).onCoalescedPattern(gv));
            } else {
                try (GradMode off = Ember.noGrad()) {
                    out.add(inputs.get(i).onCoalescedPattern(gv.detach()));
                }
            }
        }
        return java.util.Collections.unmodifiableList(out);
    }
}
