package dev.ember;

/**
 * A linear-algebra routine could not complete on its input, as PyTorch's {@code torch.linalg.LinAlgError} (a
 * {@code RuntimeError}): a singular matrix for {@code inv} or {@code solve}, a matrix that is not positive-definite for
 * {@code cholesky}. The message is PyTorch's, with the batch element that failed.
 */
public class LinAlgError extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** An error with PyTorch's message. */
    public LinAlgError(String message) {
        super(message);
    }
}
