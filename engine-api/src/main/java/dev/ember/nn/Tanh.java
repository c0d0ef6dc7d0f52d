package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.Tanh}. */
public class Tanh extends Module {
    /** The layer; it has no parameters. */
    public Tanh() {
    }

    @Override
    public Tensor forward(Tensor input) {
        Checks.tensor(input, "tanh", "input", 1);
        return input.tanh();
    }

}
