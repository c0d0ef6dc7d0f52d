package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

/** {@code torch.nn.Dropout3d}: channel-wise dropout of {@code [N, C, D, H, W]} or {@code [C, D, H, W]}, {@link Functional#dropout3d}; active in training mode only. */
public class Dropout3d extends Module {
    private final double p;

    /** Drops with probability 0.5. */
    public Dropout3d() {
        this(0.5);
    }

    /**
     * Drops with probability {@code p}.
     *
     * @throws IllegalArgumentException unless {@code p} is in [0, 1], with PyTorch's message
     */
    public Dropout3d(double p) {
        Checks.probability(p);
        this.p = p;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.dropout3d(input, p, isTraining());
    }

    @Override
    public String extraRepr() {
        return "p=" + Format.repr(p) + ", inplace=False";
    }
}
