package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

/** {@code torch.nn.CELU}: {@code max(0, x) + min(0, alpha (exp(x / alpha) - 1))}, one node CeluBackward0. */
public final class CELU extends Module {
    private final double alpha;

    /** Alpha 1, as PyTorch's default. */
    public CELU() {
        this(1.0);
    }

    /** The given alpha (0 fails at the forward, as in PyTorch). */
    public CELU(double alpha) {
        this.alpha = alpha;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.celu(input, alpha);
    }

    @Override
    public String extraRepr() {
        return "alpha=" + Format.repr(alpha);
    }
}
