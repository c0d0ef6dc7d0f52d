package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.Sigmoid}. */
public class Sigmoid extends Module {
    /** The layer; it has no parameters. */
    public Sigmoid() {
    }

    @Override
    public Tensor forward(Tensor input) {
        Checks.tensor(input, "sigmoid", "input", 1);
        return input.sigmoid();
    }

}
