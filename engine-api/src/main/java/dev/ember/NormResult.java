package dev.ember;

/**
 * The results of a fused normalization ({@code torch.native_layer_norm}, {@code native_group_norm},
 * {@code native_batch_norm}): the output, which carries the op's node, and the statistics the op computed and its
 * backward reads: the mean and {@code rstd} ({@code 1 / sqrt(var + eps)}; batch norm's {@code invstd}), without history.
 */
public record NormResult(Tensor output, Tensor mean, Tensor rstd) {
    /** PyTorch's repr of the result: the plain tuple {@code (output, mean, rstd)} that {@code torch.native_layer_norm} (and the other native norms) return. */
    @Override
    public String toString() {
        return Tensor.pyTuple(output, mean, rstd);
    }
}
