package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.Hardswish}: {@code x relu6(x + 3) / 6}, one node HardswishBackward0. */
public final class Hardswish extends Module {
    /** The layer; it has no parameters. */
    public Hardswish() {
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.hardswish(input);
    }
}
