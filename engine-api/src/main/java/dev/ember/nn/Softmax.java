package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.Softmax} along a dimension, one node SoftmaxBackward0. */
public class Softmax extends Module {
    private final int dim;

    /** Softmax along {@code dim}. */
    public Softmax(int dim) {
        this.dim = dim;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.softmax(input, dim);
    }

    @Override
    public String extraRepr() {
        return "dim=" + dim;
    }
}
