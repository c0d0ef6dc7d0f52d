package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.Dropout}: active in training mode only. */
public final class Dropout extends Module {
    private final double p;

    /** Drops each element with probability {@code p}. */
    public Dropout(double p) {
        if (p < 0 || p > 1) {
            throw new IllegalArgumentException("dropout probability has to be between 0 and 1, but got " + p);
        }
        this.p = p;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.dropout(input, p, isTraining());
    }

    @Override
    public String toString() {
        return "Dropout(p=" + p + ", inplace=False)";
    }
}
