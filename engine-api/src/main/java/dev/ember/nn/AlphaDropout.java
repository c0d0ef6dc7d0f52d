package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

/** {@code torch.nn.AlphaDropout}: dropout that keeps SELU's mean and variance, {@link Functional#alphaDropout}; active in training mode only. */
public class AlphaDropout extends Module {
    private final double p;

    /** Drops with probability 0.5. */
    public AlphaDropout() {
        this(0.5);
    }

    /**
     * Drops with probability {@code p}.
     *
     * @throws IllegalArgumentException unless {@code p} is in [0, 1], with PyTorch's message
     */
    public AlphaDropout(double p) {
        Checks.probability(p);
        this.p = p;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.alphaDropout(input, p, isTraining());
    }

    @Override
    public String extraRepr() {
        return "p=" + Format.repr(p) + ", inplace=False";
    }
}
