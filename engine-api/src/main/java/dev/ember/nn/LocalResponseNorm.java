package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

/**
 * {@code torch.nn.LocalResponseNorm}: each element divided by {@code (k + alpha / size * sum of squares over the size
 * neighbouring channels) ^ beta} ({@link Functional#localResponseNorm}); channels in dimension 1 of a 3-D or larger
 * input.
 */
public class LocalResponseNorm extends Module {
    private final int size;
    private final double alpha;
    private final double beta;
    private final double k;

    /** PyTorch's defaults: alpha 1e-4, beta 0.75, k 1. */
    public LocalResponseNorm(int size) {
        this(size, 1e-4, 0.75, 1.0);
    }

    /** Every option, in PyTorch's order ({@code size, alpha, beta, k}). */
    public LocalResponseNorm(int size, double alpha, double beta, double k) {
        this.size = size;
        this.alpha = alpha;
        this.beta = beta;
        this.k = k;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.localResponseNorm(input, size, alpha, beta, k);
    }

    /** PyTorch's {@code extra_repr}. */
    @Override
    public String extraRepr() {
        return size + ", alpha=" + Format.repr(alpha) + ", beta=" + Format.repr(beta) + ", k=" + Format.repr(k);
    }
}
