package dev.ember;

/**
 * What {@link Tensor#triangularSolve} returns, as {@code torch.return_types.triangular_solve}.
 *
 * @param solution X with {@code op(A) X = b}, batches broadcast
 * @param clonedCoefficient a copy of A broadcast to the batch
 */
public record TriangularSolveResult(Tensor solution, Tensor clonedCoefficient) {
}
