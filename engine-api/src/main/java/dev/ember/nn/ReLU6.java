package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.ReLU6}: {@code hardtanh(x, 0, 6)}, one node HardtanhBackward0. */
public class ReLU6 extends Module {
    private final boolean inplace;

    /** The layer; it has no parameters. */
    public ReLU6() {
        this(false);
    }

    /** In place when {@code inplace}, as PyTorch's {@code inplace=True}. */
    public ReLU6(boolean inplace) {
        this.inplace = inplace;
    }

    /** Whether the layer computes in place. */
    public boolean inplace() {
        return inplace;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.relu6(input, inplace);
    }

    @Override
    public String extraRepr() {
        return inplace ? "inplace=True" : "";
    }
}
