package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.Tanhshrink}: {@code x - tanh(x)}, PyTorch's composition. */
public class Tanhshrink extends Module {
    /** The layer; it has no parameters. */
    public Tanhshrink() {
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.tanhshrink(input);
    }
}
