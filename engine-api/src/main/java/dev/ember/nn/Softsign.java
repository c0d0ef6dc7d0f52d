package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.Softsign}: {@code x / (1 + |x|)}, PyTorch's composition. */
public class Softsign extends Module {
    /** The layer; it has no parameters. */
    public Softsign() {
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.softsign(input);
    }
}
