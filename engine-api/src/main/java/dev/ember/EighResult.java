package dev.ember;

/**
 * What {@link Tensor#linalgEigh(String)} returns, as {@code torch.return_types.linalg_eigh}: the eigenvalues of a
 * symmetric matrix in ascending order and orthonormal eigenvectors as columns ({@code A = V diag(L) V^T}; each vector
 * unique only up to its sign, for distinct eigenvalues).
 *
 * @param eigenvalues the eigenvalues, ascending ([..., n])
 * @param eigenvectors the eigenvectors, as columns ([..., n, n])
 */
public record EighResult(Tensor eigenvalues, Tensor eigenvectors) {
    /** PyTorch's repr of the result: {@code torch.return_types.linalg_eigh(\neigenvalues=...,\neigenvectors=...)}. */
    @Override
    public String toString() {
        return ReturnTypes.repr("torch.return_types.linalg_eigh", "eigenvalues", eigenvalues, "eigenvectors", eigenvectors);
    }
}
