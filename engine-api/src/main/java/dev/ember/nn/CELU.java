package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

/** {@code torch.nn.CELU}: {@code max(0, x) + min(0, alpha (exp(x / alpha) - 1))}, one node CeluBackward0. */
public class CELU extends Module {
    private final double alpha;
    private final boolean inplace;

    /** Alpha 1, as PyTorch's default. */
    public CELU() {
        this(1.0);
    }

    /** The given alpha (0 fails at the forward, as in PyTorch). */
    public CELU(double alpha) {
        this(alpha, false);
    }

    /** The given alpha, in place when {@code inplace} (CeluBackward1). */
    public CELU(double alpha, boolean inplace) {
        this.alpha = alpha;
        this.inplace = inplace;
    }

    @Override
    public Tensor forward(Tensor input) {
        return inplace ? Functional.celu_(input, alpha) : Functional.celu(input, alpha);
    }

    @Override
    public String extraRepr() {
        return "alpha=" + Format.repr(alpha) + (inplace ? ", inplace=True" : "");
    }
}
