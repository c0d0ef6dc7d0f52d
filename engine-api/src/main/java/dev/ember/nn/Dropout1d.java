package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

/** {@code torch.nn.Dropout1d}: channel-wise dropout of {@code [N, C, L]} or {@code [C, L]}, {@link Functional#dropout1d}; active in training mode only. */
public class Dropout1d extends Module {
    private final double p;

    /** Drops with probability 0.5. */
    public Dropout1d() {
        this(0.5);
    }

    /**
     * Drops with probability {@code p}.
     *
     * @throws IllegalArgumentException unless {@code p} is in [0, 1], with PyTorch's message
     */
    public Dropout1d(double p) {
        Checks.probability(p);
        this.p = p;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.dropout1d(input, p, isTraining());
    }

    @Override
    public String extraRepr() {
        return "p=" + Format.repr(p) + ", inplace=False";
    }
}
