package dev.ember.distributions;

import dev.ember.Tensor;

/** y = |x|, as {@code torch.distributions.transforms.AbsTransform} (not bijective: its inverse is the identity, and it has no log-det-Jacobian). */
public class AbsTransform extends StatelessTransform {
    /** The transform. */
    public AbsTransform() {
        super(AbsTransform.class, Constraint.REAL, Constraint.POSITIVE, false, 0);
    }

    @Override
    protected Tensor call(Tensor x) {
        return x.abs();
    }

    @Override
    protected Tensor invCall(Tensor y) {
        return y;
    }
}
