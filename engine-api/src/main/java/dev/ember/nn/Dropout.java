package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

/** {@code torch.nn.Dropout}: active in training mode only. */
public class Dropout extends Module {
    private final double p;

    /**
     * Drops each element with probability {@code p}.
     *
     * @throws IllegalArgumentException unless {@code p} is in [0, 1] (nan included, which PyTorch's constructor lets
     *     through to fail in the first forward)
     */
    public Dropout(double p) {
        Checks.probability(p);
        this.p = p;
    }

    /** The probability of dropping an element. */
    public double p() {
        return p;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.dropout(input, p, isTraining());
    }

    @Override
    public String extraRepr() {
        return "p=" + Format.repr(p) + ", inplace=False";
    }
}
