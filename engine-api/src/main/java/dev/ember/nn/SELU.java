package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.SELU}: PyTorch computes it as {@code elu} with fixed constants, one node EluBackward0. */
public class SELU extends Module {
    private final boolean inplace;

    /** The layer; it has no parameters. */
    public SELU() {
        this(false);
    }

    /** In place when {@code inplace}, as PyTorch's {@code inplace=True}. */
    public SELU(boolean inplace) {
        this.inplace = inplace;
    }

    @Override
    public Tensor forward(Tensor input) {
        return inplace ? Functional.selu_(input) : Functional.selu(input);
    }

    @Override
    public String extraRepr() {
        return inplace ? "inplace=True" : "";
    }
}
