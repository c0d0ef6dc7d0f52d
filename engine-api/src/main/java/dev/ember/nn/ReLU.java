package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.ReLU}. */
public class ReLU extends Module {
    private final boolean inplace;

    /** The layer; it has no parameters. */
    public ReLU() {
        this(false);
    }

    /** In place when {@code inplace}, as PyTorch's {@code inplace=True}. */
    public ReLU(boolean inplace) {
        this.inplace = inplace;
    }

    @Override
    public Tensor forward(Tensor input) {
        Checks.tensor(input, "relu", "input", 1);
        return inplace ? input.relu_() : input.relu();
    }

    @Override
    public String extraRepr() {
        return inplace ? "inplace=True" : "";
    }
}
