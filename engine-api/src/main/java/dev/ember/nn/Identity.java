package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.Identity}: returns its input. */
public class Identity extends Module {
    /** The layer; it has no parameters. */
    public Identity() {
    }

    @Override
    public Tensor forward(Tensor input) {
        Checks.tensor(input, "identity", "input", 1);
        return input;
    }
}
