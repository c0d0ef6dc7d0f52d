package dev.ember;

import java.util.List;

/**
 * What {@link Tensor#histogramdd(Tensor, int[], double[], Tensor, boolean)} returns, as {@code
 * torch.return_types.histogramdd}.
 *
 * @param hist the count (or weight, or density) in each bin, one dimension per coordinate, in the input's type
 * @param binEdges the edges of each dimension's bins, in the input's type
 */
public record HistogramddResult(Tensor hist, List<Tensor> binEdges) {
    /** PyTorch's repr of the result: {@code torch.return_types.histogramdd(\nhist=...,\nbin_edges=...)}. */
    @Override
    public String toString() {
        return ReturnTypes.repr("torch.return_types.histogramdd", "hist", hist, "bin_edges", Tensor.pyTuple(binEdges.toArray()));
    }
}
