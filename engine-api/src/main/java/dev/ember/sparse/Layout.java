package dev.ember.sparse;

/**
 * The layouts of Ember's sparse tensors, as PyTorch's {@code torch.layout}: {@code torch.sparse_coo}
 * ({@link SparseTensor}), {@code torch.sparse_csr} and {@code torch.sparse_csc} ({@link SparseCsrTensor}). A layout
 * prints as PyTorch's ({@code torch.sparse_csr}).
 */
public enum Layout {
    /** Coordinate format: {@code torch.sparse_coo}. */
    SPARSE_COO("torch.sparse_coo", "Sparse"),
    /** Compressed sparse rows: {@code torch.sparse_csr}. */
    SPARSE_CSR("torch.sparse_csr", "SparseCsr"),
    /** Compressed sparse columns: {@code torch.sparse_csc}. */
    SPARSE_CSC("torch.sparse_csc", "SparseCsc");

    private final String torchName;
    private final String c10Name;

    Layout(String torchName, String c10Name) {
        this.torchName = torchName;
        this.c10Name = c10Name;
    }

    /** c10's name of the layout, as PyTorch's messages print it ({@code SparseCsr}). */
    String c10Name() {
        return c10Name;
    }

    /** PyTorch's printout of the layout: {@code torch.sparse_csr}. */
    @Override
    public String toString() {
        return torchName;
    }
}
