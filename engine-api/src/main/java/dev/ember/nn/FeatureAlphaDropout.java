package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

/** {@code torch.nn.FeatureAlphaDropout}: alpha dropout of whole channels, {@link Functional#featureAlphaDropout}; active in training mode only. */
public class FeatureAlphaDropout extends Module {
    private final double p;

    /** Drops with probability 0.5. */
    public FeatureAlphaDropout() {
        this(0.5);
    }

    /**
     * Drops with probability {@code p}.
     *
     * @throws IllegalArgumentException unless {@code p} is in [0, 1], with PyTorch's message
     */
    public FeatureAlphaDropout(double p) {
        Checks.probability(p);
        this.p = p;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.featureAlphaDropout(input, p, isTraining());
    }

    @Override
    public String extraRepr() {
        return "p=" + Format.repr(p) + ", inplace=False";
    }
}
