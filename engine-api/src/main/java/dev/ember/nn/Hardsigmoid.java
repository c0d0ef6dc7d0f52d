package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.Hardsigmoid}: {@code relu6(x + 3) / 6}, one node HardsigmoidBackward0. */
public class Hardsigmoid extends Module {
    private final boolean inplace;

    /** The layer; it has no parameters. */
    public Hardsigmoid() {
        this(false);
    }

    /** In place when {@code inplace} (PyTorch prints no option for it). */
    public Hardsigmoid(boolean inplace) {
        this.inplace = inplace;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.hardsigmoid(input, inplace);
    }
}
