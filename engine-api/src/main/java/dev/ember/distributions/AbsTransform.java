package dev.ember.distributions;

import dev.ember.Tensor;

/** y = |x|, as {@code torch.distributions.transforms.AbsTransform} (not bijective: its inverse is the identity, and it has no log-det-Jacobian). */
public class AbsTransform extends Transform {
    /** The transform. */
    public AbsTransform() {
    }

    @Override
    public Constraint domain() {
        return Constraint.REAL;
    }

    @Override
    public Constraint codomain() {
        return Constraint.POSITIVE;
    }

    @Override
    public boolean bijective() {
        return false;
    }

    @Override
    protected Tensor call(Tensor x) {
        return x.abs();
    }

    @Override
    protected Tensor invCall(Tensor y) {
        return y;
    }

    /** Equal to every {@code AbsTransform}, as PyTorch's {@code __eq__}. */
    @Override
    public boolean equals(Object other) {
        return other instanceof AbsTransform;
    }

    @Override
    public int hashCode() {
        return AbsTransform.class.hashCode();
    }
}
