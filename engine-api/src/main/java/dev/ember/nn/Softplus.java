package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

/** {@code torch.nn.Softplus}: {@code log(1 + exp(beta x)) / beta}, linear above {@code threshold / beta}; one node SoftplusBackward0. */
public class Softplus extends Module {
    private final double beta;
    private final double threshold;

    /** Beta 1 and threshold 20, as PyTorch's defaults. */
    public Softplus() {
        this(1.0, 20.0);
    }

    /** The given beta and threshold. */
    public Softplus(double beta, double threshold) {
        this.beta = beta;
        this.threshold = threshold;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.softplus(input, beta, threshold);
    }

    @Override
    public String extraRepr() {
        return "beta=" + Format.repr(beta) + ", threshold=" + Format.repr(threshold);
    }
}
