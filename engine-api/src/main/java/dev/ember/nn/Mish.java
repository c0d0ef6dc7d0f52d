package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.Mish}: {@code x tanh(softplus(x))}, one node MishBackward0. */
public class Mish extends Module {
    private final boolean inplace;

    /** The layer; it has no parameters. */
    public Mish() {
        this(false);
    }

    /** In place when {@code inplace}, as PyTorch's {@code inplace=True}. */
    public Mish(boolean inplace) {
        this.inplace = inplace;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.mish(input, inplace);
    }

    @Override
    public String extraRepr() {
        return inplace ? "inplace=True" : "";
    }
}
