package dev.ember;

/**
 * What {@link Tensor#histogram(int)} returns, as {@code torch.return_types.histogram}.
 *
 * @param hist the count (or weight, or density) in each bin, in the input's type
 * @param binEdges the {@code bins + 1} edges of the bins, in the input's type
 */
public record HistogramResult(Tensor hist, Tensor binEdges) {
    /** PyTorch's repr of the result: {@code torch.return_types.histogram(\nhist=...,\nbin_edges=...)}. */
    @Override
    public String toString() {
        return ReturnTypes.repr("torch.return_types.histogram", "hist", hist, "bin_edges", binEdges);
    }
}
