package dev.ember;

/**
 * What {@link Tensor#triangularSolve} returns, as {@code torch.return_types.triangular_solve}.
 *
 * @param solution X with {@code op(A) X = b}, batches broadcast
 * @param clonedCoefficient a copy of A broadcast to the batch
 */
public record TriangularSolveResult(Tensor solution, Tensor clonedCoefficient) {
    /** PyTorch's repr of the result: {@code torch.return_types.triangular_solve(\nsolution=...,\ncloned_coefficient=...)}. */
    @Override
    public String toString() {
        return ReturnTypes.repr("torch.return_types.triangular_solve", "solution", solution, "cloned_coefficient", clonedCoefficient);
    }
}
