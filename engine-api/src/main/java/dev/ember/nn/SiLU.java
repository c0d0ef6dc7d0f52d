package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.SiLU}: {@code x sigmoid(x)}, one node SiluBackward0. */
public final class SiLU extends Module {
    /** The layer; it has no parameters. */
    public SiLU() {
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.silu(input);
    }
}
