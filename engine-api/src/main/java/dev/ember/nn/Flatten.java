package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.Flatten}: flattens dimensions {@code startDim..endDim} (default 1..-1). */
public class Flatten extends Module {
    private final int startDim;
    private final int endDim;

    /** Flattens all but the batch dimension. */
    public Flatten() {
        this(1, -1);
    }

    /** Flattens dimensions {@code startDim..endDim}. */
    public Flatten(int startDim, int endDim) {
        this.startDim = startDim;
        this.endDim = endDim;
    }

    @Override
    public Tensor forward(Tensor input) {
        Checks.tensor(input, "flatten", "input", 1);
        return input.flatten(startDim, endDim);
    }

    @Override
    public String extraRepr() {
        return "start_dim=" + startDim + ", end_dim=" + endDim;
    }
}
