package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.Mish}: {@code x tanh(softplus(x))}, one node MishBackward0. */
public final class Mish extends Module {
    /** The layer; it has no parameters. */
    public Mish() {
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.mish(input);
    }
}
