package dev.ember;

/**
 * What {@link Tensor#linalgEig()} returns, as {@code torch.return_types.linalg_eig}: the complex eigenvalues of a general
 * square matrix, in the order LAPACK's {@code geev} leaves them (a real matrix's complex conjugate pairs next to each
 * other, the one with the positive imaginary part first), and its right eigenvectors as columns ({@code A V = V diag(L)}),
 * each of unit 2-norm with its largest component real (a real matrix's conjugate pair of eigenvalues has conjugate
 * eigenvectors); each vector is unique only up to a complex unit factor.
 *
 * @param eigenvalues the eigenvalues ([..., n], complex)
 * @param eigenvectors the eigenvectors, as columns ([..., n, n], complex)
 */
public record EigResult(Tensor eigenvalues, Tensor eigenvectors) {
    /** PyTorch's repr of the result: {@code torch.return_types.linalg_eig(\neigenvalues=...,\neigenvectors=...)}. */
    @Override
    public String toString() {
        return ReturnTypes.repr("torch.return_types.linalg_eig", "eigenvalues", eigenvalues, "eigenvectors", eigenvectors);
    }
}
