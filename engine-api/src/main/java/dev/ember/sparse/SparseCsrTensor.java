package dev.ember.sparse;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.TensorStr;

import java.util.ArrayList;
import java.util.List;

/**
 * A 2-D sparse tensor in a compressed format: compressed sparse rows ({@code layout=torch.sparse_csr}) or compressed
 * sparse columns ({@code torch.sparse_csc}), what PyTorch's {@code SparseCsrTensorImpl} holds for both:
 * <ul>
 * <li>the compressed indices ({@code crow_indices} of a CSR tensor, {@code ccol_indices} of a CSC one): an int32 or
 * int64 tensor of one more element than the compressed dim has, entry {@code i} the number of entries before row
 * (column) {@code i};</li>
 * <li>the plain indices ({@code col_indices}, {@code row_indices}): the column (row) of each entry, sorted and distinct
 * within each row (column);</li>
 * <li>the values, one per entry, a 1-D dense tensor.</li>
 * </ul>
 * Made by {@link Sparse#sparseCsrTensor}, {@link Sparse#sparseCscTensor}, {@link Tensor#toSparseCsr()},
 * {@link SparseTensor#toSparseCsr()} and their CSC forms, with PyTorch's checks and messages. Every op is built from
 * dense ops on the indices and values, so it runs on every device Ember has.
 *
 * <p>This first slice has no batch dims and no dense dims (PyTorch's batched and hybrid compressed tensors), no block
 * layouts (BSR/BSC), and carries no autograd history: its values never require grad (PyTorch 1.13 drops the history
 * of the values given too, and refuses the backward of {@code to_sparse_csr}); {@link #matmul} is differentiable in
 * its dense operand, as PyTorch's.
 */
public final class SparseCsrTensor implements AutoCloseable {
    private final Layout layout;
    private final Tensor compressed;
    private final Tensor plain;
    private final Tensor values;
    private final int[] size;

    SparseCsrTensor(Layout layout, Tensor compressed, Tensor plain, Tensor values, int[] size) {
        this.layout = layout;
        this.compressed = compressed;
        this.plain = plain;
        this.values = values;
        this.size = size;
    }

    // ------------------------------------------------------------------ properties

    /** The layout, {@link Layout#SPARSE_CSR} or {@link Layout#SPARSE_CSC}, as {@code layout}. */
    public Layout layout() {
        return layout;
    }

    /** The shape {@code [rows, columns]}, as {@code shape} (a copy). */
    public int[] shape() {
        return size.clone();
    }

    /** The size of dim {@code dim} (negative counts from the end). */
    public int size(int dim) {
        return size[Sparse.wrapDim(dim, size.length)];
    }

    /** The number of dims: 2. */
    public int dim() {
        return size.length;
    }

    /** The number of specified entries, as {@code _nnz()}. */
    public int nnz() {
        return values.size(0);
    }

    /** The type of the values, as {@code dtype}. */
    public DType dtype() {
        return values.dtype();
    }

    /** The device of the values and indices, as {@code device}. */
    public Device device() {
        return values.device();
    }

    /** Whether the tensor requires grad: never, in this slice (see the class comment). */
    public boolean requiresGrad() {
        return false;
    }

    /**
     * The compressed row indices of a CSR tensor, as {@code crow_indices()}: {@code rows + 1} entries, sharing storage.
     *
     * @throws IllegalStateException for a CSC tensor (PyTorch's message)
     */
    public Tensor crowIndices() {
        requireLayout("crow_indices", Layout.SPARSE_CSR);
        return compressed.detach();
    }

    /**
     * The column of each entry of a CSR tensor, as {@code col_indices()}, sharing storage.
     *
     * @throws IllegalStateException for a CSC tensor (PyTorch's message)
     */
    public Tensor colIndices() {
        requireLayout("col_indices", Layout.SPARSE_CSR);
        return plain.detach();
    }

    /**
     * The compressed column indices of a CSC tensor, as {@code ccol_indices()}: {@code columns + 1} entries.
     *
     * @throws IllegalStateException for a CSR tensor (PyTorch's message)
     */
    public Tensor ccolIndices() {
        requireLayout("ccol_indices", Layout.SPARSE_CSC);
        return compressed.detach();
    }

    /**
     * The row of each entry of a CSC tensor, as {@code row_indices()}.
     *
     * @throws IllegalStateException for a CSR tensor (PyTorch's message)
     */
    public Tensor rowIndices() {
        requireLayout("row_indices", Layout.SPARSE_CSC);
        return plain.detach();
    }

    /** The values, one per entry in the order of the plain indices, sharing storage, as {@code values()}. */
    public Tensor values() {
        return values.detach();
    }

    private void requireLayout(String what, Layout want) {
        if (layout != want) {
            throw new IllegalStateException("\"" + what + "\" expected sparse "
                    + (want == Layout.SPARSE_CSR ? "row" : "column") + " compressed tensor layout but got "
                    + layout.c10Name());
        }
    }

    // ------------------------------------------------------------------ conversions

    /** The dense tensor, as {@code to_dense()}. */
    public Tensor toDense() {
        try (SparseTensor coo = toSparse()) {
            try (GradMode off = Ember.noGrad()) {
                return coo.toDense();
            }
        }
    }

    /**
     * The COO form, as {@code to_sparse()}: int64 indices, the entries in this tensor's order; a CSR tensor's are sorted
     * row-major and unique, so coalesced; a CSC tensor's are column-major, flagged uncoalesced (PyTorch 1.13 flags them
     * coalesced, an order Ember's COO ops would misread).
     */
    public SparseTensor toSparse() {
        return SparseCompressed.toCoo(this);
    }

    /** This tensor in CSR form, as {@code to_sparse_csr()}: itself when it is one. */
    public SparseCsrTensor toSparseCsr() {
        return layout == Layout.SPARSE_CSR ? this : SparseCompressed.flip(this);
    }

    /** This tensor in CSC form, as {@code to_sparse_csc()}: itself when it is one. */
    public SparseCsrTensor toSparseCsc() {
        return layout == Layout.SPARSE_CSC ? this : SparseCompressed.flip(this);
    }

    // ------------------------------------------------------------------ products

    /**
     * {@code this @ dense}, as {@code torch.matmul(csr, dense)} / {@code torch.mm}: a dense matrix {@code [rows, n]}
     * for a dense {@code [columns, n]} ({@code MmBackward0}), a dense vector for a dense vector ({@code MvBackward0}),
     * differentiable in the dense operand ({@code S^T @ grad}); computed from the entries alone, never a dense form.
     *
     * @throws IllegalArgumentException as PyTorch for shapes that cannot be multiplied or another type; for a dense
     *     operand of more than 2 dims (PyTorch's batched broadcast, not in this slice)
     */
    public Tensor matmul(Tensor dense) {
        return SparseCompressed.matmul(this, dense);
    }

    /** {@code this @ dense} for a dense matrix, as {@code torch.mm(csr, dense)}: {@link #matmul}. */
    public Tensor mm(Tensor dense) {
        Sparse.require(dense, "mm", "mat2", 1, "Tensor");
        if (dense.dim() != 2) {
            throw new IllegalArgumentException("mm: mat2 must be a matrix, got " + dense.dim() + "-D tensor");
        }
        return SparseCompressed.matmul(this, dense);
    }

    /** Closes the indices and values (the tensors given to {@link Sparse#sparseCsrTensor} stay open: they are shared). */
    @Override
    public void close() {
        compressed.close();
        plain.close();
        values.close();
    }

    /**
     * As PyTorch prints a compressed sparse tensor: {@code tensor(crow_indices=tensor([0, 2, 3]),\n
     * col_indices=tensor([0, 2, 1]),\n values=tensor([1., 2., 3.]), size=(2, 3), nnz=3,\n layout=torch.sparse_csr)}, the
     * suffixes (device, size, nnz, a type that is not a default one, layout) on the values' line while they fit in 80
     * columns, as PyTorch's {@code _add_suffixes} (no forced new line: only a COO tensor has one).
     */
    @Override
    public String toString() {
        String prefix = "tensor(";
        int indent = prefix.length();
        List<String> suffixes = new ArrayList<>();
        if (!device().isCpu()) {
            suffixes.add("device='" + device() + "'");
        }
        suffixes.add("size=" + SparseTensor.tupleStr(size));
        suffixes.add("nnz=" + nnz());
        DType dt = dtype();
        DType defaultFloat = Ember.getDefaultDtype();
        DType defaultComplex = defaultFloat == DType.FLOAT64 ? DType.COMPLEX128 : DType.COMPLEX64;
        if (dt != defaultFloat && dt != defaultComplex && dt != DType.INT64 && dt != DType.BOOL) {
            suffixes.add("dtype=" + dt.torchName());
        }
        boolean rows = layout == Layout.SPARSE_CSR;
        String cPrefix = rows ? "crow_indices=tensor(" : "ccol_indices=tensor(";
        String pPrefix = rows ? "col_indices=tensor(" : "row_indices=tensor(";
        String vPrefix = "values=tensor(";
        String body;
        try (GradMode off = Ember.noGrad()) {
            body = cPrefix + part(compressed, indent + cPrefix.length()) + "),\n" + " ".repeat(indent) + pPrefix
                    + part(plain, indent + pPrefix.length()) + "),\n" + " ".repeat(indent) + vPrefix
                    + part(values, indent + vPrefix.length()) + ")";
        }
        suffixes.add("layout=" + layout);
        return TensorStr.addSuffixes(prefix + body, suffixes, indent, false);
    }

    private static String part(Tensor t, int indent) {
        Tensor c = t.detach().to(Device.CPU);
        String s = TensorStr.body(c, indent);
        return c.numel() == 0 ? s + ", size=" + SparseTensor.tupleStr(c.shape()) : s;
    }

    // ------------------------------------------------------------------ package access

    Tensor rawCompressed() {
        return compressed;
    }

    Tensor rawPlain() {
        return plain;
    }

    Tensor rawValues() {
        return values;
    }

    int[] sizeRef() {
        return size;
    }
}
