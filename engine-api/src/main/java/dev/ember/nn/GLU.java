package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.GLU}: {@code a * sigmoid(b)} of the halves along {@code dim}, one node GluBackward0. */
public class GLU extends Module {
    private final int dim;

    /** Along the last dimension, as PyTorch's default. */
    public GLU() {
        this(-1);
    }

    /** Along {@code dim}. */
    public GLU(int dim) {
        this.dim = dim;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.glu(input, dim);
    }

    @Override
    public String extraRepr() {
        return "dim=" + dim;
    }
}
