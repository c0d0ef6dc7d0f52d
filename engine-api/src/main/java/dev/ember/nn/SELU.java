package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.SELU}: PyTorch computes it as {@code elu} with fixed constants, one node EluBackward0. */
public final class SELU extends Module {
    /** The layer; it has no parameters. */
    public SELU() {
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.selu(input);
    }
}
