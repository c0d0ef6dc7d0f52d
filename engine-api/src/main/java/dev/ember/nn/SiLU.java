package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.SiLU}: {@code x sigmoid(x)}, one node SiluBackward0. */
public class SiLU extends Module {
    private final boolean inplace;

    /** The layer; it has no parameters. */
    public SiLU() {
        this(false);
    }

    /** In place when {@code inplace}, as PyTorch's {@code inplace=True}. */
    public SiLU(boolean inplace) {
        this.inplace = inplace;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.silu(input, inplace);
    }

    @Override
    public String extraRepr() {
        return inplace ? "inplace=True" : "";
    }
}
