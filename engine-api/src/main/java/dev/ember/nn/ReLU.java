package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.ReLU}. */
public final class ReLU extends Module {
    /** The layer; it has no parameters. */
    public ReLU() {
    }

    @Override
    public Tensor forward(Tensor input) {
        Checks.tensor(input, "relu", "input", 1);
        return input.relu();
    }

}
