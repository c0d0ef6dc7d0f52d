package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

/** {@code torch.nn.Softshrink}: {@code x -+ lambd} outside [-lambd, lambd], else 0, one node SoftshrinkBackward0. */
public class Softshrink extends Module {
    private final double lambd;

    /** Lambda 0.5, as PyTorch's default. */
    public Softshrink() {
        this(0.5);
    }

    /**
     * The given lambda (a negative one fails at the forward, as PyTorch's).
     */
    public Softshrink(double lambd) {
        this.lambd = lambd;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.softshrink(input, lambd);
    }

    @Override
    public String extraRepr() {
        return Format.repr(lambd);
    }
}
