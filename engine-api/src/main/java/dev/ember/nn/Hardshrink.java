package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

/** {@code torch.nn.Hardshrink}: {@code -lambd <= x <= lambd ? 0 : x}, one node HardshrinkBackward0. */
public class Hardshrink extends Module {
    private final double lambd;

    /** Lambda 0.5, as PyTorch's default. */
    public Hardshrink() {
        this(0.5);
    }

    /** The given lambda. */
    public Hardshrink(double lambd) {
        this.lambd = lambd;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.hardshrink(input, lambd);
    }

    @Override
    public String extraRepr() {
        return Format.repr(lambd);
    }
}
