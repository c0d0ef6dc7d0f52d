package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.Softmax2d}: softmax over the channels (dimension -3) of a 3D or 4D input, SoftmaxBackward0. */
public class Softmax2d extends Module {
    /** The layer; it has no parameters. */
    public Softmax2d() {
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException for an input that is not 3D or 4D, with PyTorch's message
     */
    @Override
    public Tensor forward(Tensor input) {
        Checks.tensor(input, "softmax", "input", 1);
        if (input.dim() != 3 && input.dim() != 4) {
            throw new IllegalArgumentException("Softmax2d: expected input to be 3D or 4D, got " + input.dim() + "D instead");
        }
        return Functional.softmax(input, -3);
    }
}
