package dev.ember.sparse;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;

import java.util.List;

/**
 * The construction, checks, conversions and products of compressed sparse tensors ({@link SparseCsrTensor}): PyTorch's
 * {@code _validate_sparse_compressed_tensor_args} with its messages and order, COO/dense to CSR/CSC, CSR to CSC and
 * back, and {@code csr @ dense}; all from dense ops on the indices and values.
 */
final class SparseCompressed {
    private SparseCompressed() {
    }

    /** Whether the layout compresses rows (CSR) or columns (CSC). */
    private static boolean rows(Layout layout) {
        return layout == Layout.SPARSE_CSR;
    }

    /**
     * {@code torch.sparse_csr_tensor} / {@code torch.sparse_csc_tensor}: the indices moved to the values' device (their
     * int32 or int64 type kept), the size inferred when null ({@code [compressed.size - 1, max(plain) + 1]}, swapped for
     * CSC), everything checked as PyTorch's {@code _validate_sparse_compressed_tensor_args} in its order (2.x's
     * messages): dimensionalities, shapes, index types, then the index invariants: every plain index in range, and row
     * by row (column by column) the first compressed index 0, the last nnz, each step between 0 and the plain size,
     * the plain indices of the row sorted and distinct.
     */
    static SparseCsrTensor build(Layout layout, Tensor compressedIn, Tensor plainIn, Tensor values, int[] size) {
        boolean r = rows(layout);
        String cName = r ? "crow_indices" : "ccol_indices";
        String pName = r ? "col_indices" : "row_indices";
        String fn = r ? "sparse_csr_tensor" : "sparse_csc_tensor";
        Sparse.require(compressedIn, fn, cName, 1, "Tensor");
        Sparse.require(plainIn, fn, pName, 2, "Tensor");
        Sparse.require(values, fn, "values", 3, "Tensor");
        if (values.requiresGrad() && Ember.isGradEnabled()) {
            throw new UnsupportedOperationException(fn + ": values that require grad: Ember's sparse compressed tensors "
                    + "carry no autograd history yet (PyTorch 1.13 drops it); detach() them first");
        }
        int batch = compressedIn.dim() - 1;
        // 3.2, 3.3, 3.4
        if (batch < 0) {
            throw new IllegalArgumentException(cName + " must have dimensionality >= 1 but got " + compressedIn.dim());
        }
        if (compressedIn.dim() != plainIn.dim()) {
            throw new IllegalArgumentException(cName + " and " + pName + " dimensionalities must be equal but got "
                    + compressedIn.dim() + " and " + plainIn.dim() + ", respectively");
        }
        int denseDims = values.dim() - batch - 1;
        if (denseDims < 0) {
            throw new IllegalArgumentException("values must have dimensionality > sum of batch and block "
                    + "dimensionalities (=" + batch + " + 0) but got " + values.dim());
        }
        if (size != null && size.length != batch + 2 + denseDims) {
            throw new IllegalArgumentException("tensor dimensionality must be sum of batch, base, and dense "
                    + "dimensionalities (=" + batch + " + 2 + " + denseDims + ") but got " + size.length);
        }
        if (batch > 0 || denseDims > 0) {
            throw new UnsupportedOperationException(fn + ": batched (" + batch + " batch dims) or hybrid (" + denseDims
                    + " dense dims) compressed tensors are not supported in Ember; its CSR/CSC tensors are 2-D with "
                    + "1-D values");
        }
        int nnz = values.size(0);
        long[] c;
        long[] p;
        boolean typesOk = (compressedIn.dtype() == DType.INT32 || compressedIn.dtype() == DType.INT64)
                && compressedIn.dtype() == plainIn.dtype();
        try (GradMode off = Ember.noGrad()) {
            c = typesOk ? compressedIn.toLongArray() : null;
            p = typesOk ? plainIn.toLongArray() : null;
        }
        if (size == null) {
            int compressedDim = compressedIn.size(0) - 1;
            long plainDim = 0;
            if (typesOk) {
                for (long v : p) {
                    plainDim = Math.max(plainDim, v + 1);
                }
            }
            if (plainDim > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(fn + ": the inferred size has " + plainDim + " "
                        + (r ? "columns" : "rows") + "; Ember's dense tensors hold at most " + Integer.MAX_VALUE);
            }
            int pd = (int) plainDim;
            size = r ? new int[] {compressedDim, pd} : new int[] {pd, compressedDim};
        } else {
            size = size.clone();
        }
        int compressedDim = r ? size[0] : size[1];
        int plainDim = r ? size[1] : size[0];
        // 3.8, 3.9
        if (compressedIn.size(0) != (long) compressedDim + 1) {
            throw new IllegalArgumentException(cName + ".shape[-1] must be equal to the number of " + (r ? "row" : "column")
                    + "s + 1 (=" + ((long) compressedDim + 1) + "), but got " + compressedIn.size(0));
        }
        if (plainIn.size(0) != nnz) {
            throw new IllegalArgumentException(pName + ".shape[-1] must be equal to nnz (=" + nnz + ") as defined by "
                    + "values.shape[0], but got " + plainIn.size(0));
        }
        // 1.1 - 1.3
        if (compressedIn.dtype() != plainIn.dtype()) {
            throw new IllegalArgumentException(cName + " and " + pName + " must have the same dtype, bot got "
                    + Sparse.scalarName(compressedIn.dtype()) + " and " + Sparse.scalarName(plainIn.dtype())
                    + ", respectively");
        }
        if (!typesOk) {
            throw new IllegalArgumentException(cName + " and " + pName + " dtype must be Int or Long, but got "
                    + Sparse.scalarName(compressedIn.dtype()));
        }
        checkIndices(r, c, p, compressedDim, plainDim, nnz);
        for (int s : size) {
            if (s < 0) {
                throw new IllegalArgumentException("Trying to create tensor with negative dimension " + s + ": "
                        + Sparse.sizeStr(size));
            }
        }
        Tensor ci;
        Tensor pi;
        try (GradMode off = Ember.noGrad()) {
            ci = compressedIn.device().equals(values.device()) ? compressedIn.detach() : compressedIn.to(values.device());
            pi = plainIn.device().equals(values.device()) ? plainIn.detach() : plainIn.to(values.device());
        }
        // aliases, so that closing the sparse tensor leaves the caller's tensors open
        return new SparseCsrTensor(layout, ci, pi, values.detach().view(values.shape()), size);
    }

    /** PyTorch's invariants 5.4/5.5, then row by row 5.1, 5.2, 5.3 and 5.6, with their messages. */
    private static void checkIndices(boolean r, long[] c, long[] p, int compressedDim, int plainDim, int nnz) {
        String cName = r ? "crow_indices" : "ccol_indices";
        String pName = r ? "col_indices" : "row_indices";
        for (long v : p) {
            if (v < 0 || v >= plainDim) {
                throw new IllegalArgumentException("`0 <= " + pName + " < " + (r ? "ncols" : "nrows")
                        + "` is not satisfied.");
            }
        }
        for (int i = 0; i < compressedDim; i++) {
            if (c[0] != 0) {
                throw new IllegalArgumentException("`" + cName + "[..., 0] == 0` is not satisfied.");
            }
            if (c[compressedDim] != nnz) {
                throw new IllegalArgumentException("`" + cName + "[..., -1] == nnz` is not satisfied.");
            }
            long step = c[i + 1] - c[i];
            if (step < 0 || step > plainDim) {
                throw new IllegalArgumentException("`0 <= " + cName + "[..., 1:] - " + cName + "[..., :-1] <= "
                        + (r ? "ncols" : "nrows") + "` is not satisfied.");
            }
            // the slice of this row, kept inside the entries (PyTorch reads past them for a bad compressed index)
            long lo = Math.max(0, Math.min(c[i], nnz));
            long hi = Math.max(lo, Math.min(c[i + 1], nnz));
            for (long k = lo; k + 1 < hi; k++) {
                if (p[(int) k] >= p[(int) k + 1]) {
                    throw new IllegalArgumentException("`" + pName + "[..., " + cName + "[..., i - 1]:" + cName
                            + "[..., i]] for all i = 1, ..., " + (r ? "nrows" : "ncols") + " are sorted and distinct "
                            + "along the last dimension values` is not satisfied.");
                }
            }
        }
    }

    /** The compressed indices {@code [n + 1]} (int64) of sorted keys {@code keys} over {@code n} groups. */
    private static Tensor compress(Tensor sortedKeys, int n) {
        Tensor bounds = Tensor.arange(n + 1, DType.INT64).to(sortedKeys.device());
        return Tensor.searchsorted(sortedKeys.contiguous(), bounds, false);
    }

    /**
     * A COO tensor's CSR or CSC form ({@code to_sparse_csr()}, {@code to_sparse_csc()}): coalesced first (duplicates
     * summed), then the entries grouped by row (column), indices int64; tensors of its own (none shared with {@code s}).
     */
    static SparseCsrTensor fromCoo(SparseTensor s, Layout layout) {
        String fn = rows(layout) ? "to_sparse_csr" : "to_sparse_csc";
        if (s.sparseDim() != 2) {
            throw new IllegalArgumentException(fn + ": conversion from Sparse to " + layout.c10Name() + " for input "
                    + "tensors with sparse_dim()!=2 is not supported");
        }
        if (s.denseDim() != 0) {
            throw new UnsupportedOperationException(fn + ": a hybrid COO tensor (" + s.denseDim() + " dense dims): "
                    + "Ember's CSR/CSC tensors have no dense dims");
        }
        if (s.requiresGrad() && Ember.isGradEnabled()) {
            throw new UnsupportedOperationException(fn + " of a sparse tensor that requires grad: Ember's sparse "
                    + "compressed tensors carry no autograd history yet (PyTorch 1.13's backward of it is not "
                    + "implemented); detach() it first");
        }
        try (GradMode off = Ember.noGrad()) {
            SparseTensor c = s.coalesce();
            Tensor row = c.rawIndices().select(0, 0);
            Tensor col = c.rawIndices().select(0, 1);
            Tensor v = c.rawValues();
            int[] size = c.sizeRef().clone();
            if (rows(layout)) {
                return new SparseCsrTensor(layout, compress(row, size[0]), col.clone(), v.clone(), size);
            }
            // column-major: sort by (col, row), stable over the row-major order
            Tensor order = col.argsort(0, false, true);
            Tensor sortedCol = col.indexSelect(0, order);
            return new SparseCsrTensor(layout, compress(sortedCol, size[1]), row.indexSelect(0, order),
                    v.indexSelect(0, order), size);
        }
    }

    /** A dense matrix's CSR or CSC form: its nonzero elements ({@code to_sparse_csr()}, {@code to_sparse_csc()}). */
    static SparseCsrTensor fromDense(Tensor x, Layout layout) {
        String fn = rows(layout) ? "to_sparse_csr" : "to_sparse_csc";
        Sparse.require(x, fn, "self", 0, "Tensor");
        if (x.dim() != 2) {
            throw new UnsupportedOperationException(fn + ": Ember's CSR/CSC tensors are 2-D (no batch or dense dims), "
                    + "but the tensor has " + x.dim() + " dims");
        }
        if (x.requiresGrad() && Ember.isGradEnabled()) {
            throw new UnsupportedOperationException(fn + " of a tensor that requires grad: Ember's sparse compressed "
                    + "tensors carry no autograd history yet (PyTorch 1.13's backward of it is not implemented); "
                    + "detach() it first");
        }
        try (GradMode off = Ember.noGrad(); SparseTensor coo = Sparse.fromDense(x.detach(), 2, false)) {
            return fromCoo(coo, layout); // tensors of its own: the COO form's are closed with it
        }
    }

    /** The row (column) of each entry: its compressed group, repeated per entry. */
    private static Tensor expandCompressed(SparseCsrTensor t) {
        Tensor c = t.rawCompressed().to(DType.INT64);
        int n = c.size(0) - 1;
        Tensor counts = c.narrow(0, 1, n).sub(c.narrow(0, 0, n));
        return Tensor.arange(n, DType.INT64).to(c.device()).repeatInterleave(counts);
    }

    /**
     * The COO form ({@code to_sparse()}), int64 indices: a CSR tensor's entries are in row-major order and unique, so
     * coalesced; a CSC tensor's are in column-major order, flagged uncoalesced unless it has no elements or one entry
     * (2.x's {@code sparse_compressed_to_sparse}: "Only CSR is trivially coalesced"; PyTorch 1.13 flags them coalesced,
     * which Ember's COO ops would read as sorted row-major).
     */
    static SparseTensor toCoo(SparseCsrTensor t) {
        try (GradMode off = Ember.noGrad()) {
            Tensor group = expandCompressed(t);
            Tensor plain = t.rawPlain().to(DType.INT64);
            boolean r = rows(t.layout());
            Tensor idx = Tensor.stack(List.of(r ? group : plain, r ? plain : group), 0);
            long numel = (long) t.size(0) * t.size(1);
            return new SparseTensor(idx, t.rawValues().clone(), t.sizeRef().clone(), r || numel == 0 || t.nnz() == 1,
                    null);
        }
    }

    /** CSR to CSC or CSC to CSR ({@code to_sparse_csc()}, {@code to_sparse_csr()}); the index type kept. */
    static SparseCsrTensor flip(SparseCsrTensor t) {
        Layout to = rows(t.layout()) ? Layout.SPARSE_CSC : Layout.SPARSE_CSR;
        DType it = t.rawCompressed().dtype();
        try (GradMode off = Ember.noGrad()) {
            Tensor group = expandCompressed(t);
            Tensor plain = t.rawPlain().to(DType.INT64);
            // the plain indices become the compressed ones: sort by them, stably (the groups stay in order)
            Tensor order = plain.argsort(0, false, true);
            Tensor sorted = plain.indexSelect(0, order);
            int n = rows(to) ? t.size(0) : t.size(1);
            return new SparseCsrTensor(to, compress(sorted, n).to(it), group.indexSelect(0, order).to(it),
                    t.rawValues().indexSelect(0, order), t.sizeRef().clone());
        }
    }

    /** {@code csr @ dense} (see {@link SparseCsrTensor#matmul}). */
    static Tensor matmul(SparseCsrTensor s, Tensor dense) {
        Sparse.require(dense, "matmul", "other", 1, "Tensor");
        int m = s.size(0);
        int k = s.size(1);
        if (dense.dim() == 0 || dense.dim() > 2) {
            throw new IllegalArgumentException("matmul: Ember's " + s.layout() + " @ dense takes a 1-D or 2-D dense "
                    + "operand (PyTorch's batched broadcast is not supported), but got " + dense.dim() + "-D");
        }
        boolean vector = dense.dim() == 1;
        if (dense.size(0) != k) {
            throw new IllegalArgumentException(vector
                    ? "size mismatch, got input (" + m + "), mat (" + m + "x" + k + "), vec (" + dense.size(0) + ")"
                    : "mat1 and mat2 shapes cannot be multiplied (" + m + "x" + k + " and " + dense.size(0) + "x"
                    + dense.size(1) + ")");
        }
        if (dense.dtype() != s.dtype()) {
            throw new IllegalArgumentException("expected scalar type " + Sparse.scalarName(s.dtype()) + " but found "
                    + Sparse.scalarName(dense.dtype()));
        }
        if (!dense.device().equals(s.device())) {
            throw new IllegalArgumentException("Expected all tensors to be on the same device, but found at least two "
                    + "devices, " + s.device() + " and " + dense.device() + "!");
        }
        Tensor row;
        Tensor col;
        try (GradMode off = Ember.noGrad()) {
            Tensor group = expandCompressed(s);
            Tensor plain = s.rawPlain().to(DType.INT64);
            boolean r = rows(s.layout());
            row = (r ? group : plain).contiguous();
            col = (r ? plain : group).contiguous();
        }
        Tensor d = vector ? dense.unsqueeze(1) : dense;
        return new SparseFunctions.Addmm(vector ? "MvBackward0" : "MmBackward0", row, col, m, 0, 1,
                vector ? new int[] {m} : null).apply(null, s.rawValues(), d);
    }
}
