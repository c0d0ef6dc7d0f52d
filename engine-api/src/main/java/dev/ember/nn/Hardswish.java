package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.Hardswish}: {@code x relu6(x + 3) / 6}, one node HardswishBackward0. */
public class Hardswish extends Module {
    private final boolean inplace;

    /** The layer; it has no parameters. */
    public Hardswish() {
        this(false);
    }

    /** In place when {@code inplace}, as PyTorch's {@code inplace=True}. */
    public Hardswish(boolean inplace) {
        this.inplace = inplace;
    }

    /** Whether in place, PyTorch's {@code hardswish.inplace}. */
    public boolean inplace() {
        return inplace;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.hardswish(input, inplace);
    }
}
