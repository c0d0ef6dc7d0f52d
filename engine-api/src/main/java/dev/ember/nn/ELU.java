package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

/** {@code torch.nn.ELU}: {@code x > 0 ? x : alpha (exp(x) - 1)}, one node EluBackward0. */
public class ELU extends Module {
    private final double alpha;
    private final boolean inplace;

    /** Alpha 1, as PyTorch's default. */
    public ELU() {
        this(1.0);
    }

    /** The given alpha. */
    public ELU(double alpha) {
        this(alpha, false);
    }

    /** The given alpha, in place when {@code inplace} (EluBackward1). */
    public ELU(double alpha, boolean inplace) {
        this.alpha = alpha;
        this.inplace = inplace;
    }

    /** The alpha, PyTorch's {@code elu.alpha}. */
    public double alpha() {
        return alpha;
    }

    /** Whether in place, PyTorch's {@code elu.inplace}. */
    public boolean inplace() {
        return inplace;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.elu(input, alpha, inplace);
    }

    @Override
    public String extraRepr() {
        return "alpha=" + Format.repr(alpha) + (inplace ? ", inplace=True" : "");
    }
}
