package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.Sigmoid}. */
public final class Sigmoid extends Module {
    /** The layer; it has no parameters. */
    public Sigmoid() {
    }

    @Override
    public Tensor forward(Tensor input) {
        return input.sigmoid();
    }

    @Override
    public String toString() {
        return "Sigmoid()";
    }
}
