package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.LogSoftmax} along a dimension, one node LogSoftmaxBackward0. */
public class LogSoftmax extends Module {
    private final int dim;

    /** Log-softmax along {@code dim}. */
    public LogSoftmax(int dim) {
        this.dim = dim;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.logSoftmax(input, dim);
    }

    @Override
    public String extraRepr() {
        return "dim=" + dim;
    }
}
