package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.ReLU6}: {@code hardtanh(x, 0, 6)}, one node HardtanhBackward0. */
public final class ReLU6 extends Module {
    /** The layer; it has no parameters. */
    public ReLU6() {
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.relu6(input);
    }
}
