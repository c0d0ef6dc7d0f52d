package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.List;
import java.util.Map;

/**
 * The scaffolding shared by HalfCauchy and HalfNormal, {@code |X|} for X of a symmetric base at 0 (PyTorch's
 * {@link TransformedDistribution} by {@link AbsTransform}): {@code scale} validated here, the density doubled on
 * [0, inf), the cdf and icdf folded, the entropy less log 2, repr {@code HalfCauchy()} / {@code HalfNormal()}.
 */
abstract class HalfDistribution extends TransformedDistribution {
    /** The half of {@code base} (made unvalidated, as PyTorch makes it), {@code scale} validated. */
    HalfDistribution(Distribution base, Boolean validateArgs) {
        super(base, List.of(new AbsTransform()), validateArgs);
        validateParams();
    }

    /** An expanded one. */
    HalfDistribution(Distribution base, List<Transform> transforms, int[] batchShape, boolean validateArgs) {
        super(base, transforms, batchShape, new int[0], validateArgs);
    }

    /** The scale of the full distribution. */
    public abstract Tensor scale();

    /** {@code value} as {@code log_prob} reads it (HalfCauchy's {@code as_tensor} to the scale's type). */
    Tensor logProbValue(Tensor value) {
        return value;
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        return Dist.map("scale", Constraint.POSITIVE);
    }

    @Override
    protected Map<String, Tensor> params() {
        return Dist.map("scale", scale());
    }

    @Override
    public Constraint support() {
        return Constraint.NONNEGATIVE;
    }

    @Override
    public boolean hasRsample() {
        return true;
    }

    @Override
    public Tensor mode() {
        return scale().zerosLike();
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        value = logProbValue(value);
        Tensor lp = baseDist().logProb(value).add(Math.log(2));
        return Tensor.where(value.ge(0L), lp, Double.NEGATIVE_INFINITY);
    }

    @Override
    public Tensor cdf(Tensor value) {
        validateSample(value);
        return baseDist().cdf(value).mul(2L).sub(1L);
    }

    @Override
    public Tensor icdf(Tensor prob) {
        Dist.require(prob, "icdf", "prob");
        return baseDist().icdf(prob.add(1L).div(2L));
    }

    @Override
    public Tensor entropy() {
        return baseDist().entropy().sub(Math.log(2));
    }

    /** PyTorch's repr, {@code HalfCauchy()} or {@code HalfNormal()} ({@code scale} is a property there). */
    @Override
    public String toString() {
        return getClass().getSimpleName() + "()";
    }
}
