package dev.ember.distributions;

import dev.ember.Tensor;

/**
 * y = the cumulative distribution function of {@code distribution} at x, as
 * {@code torch.distributions.transforms.CumulativeDistributionTransform}: x = its icdf at y; {@code log |dy/dx|} is its
 * {@code log_prob(x)}; domain the distribution's support, codomain the unit interval.
 */
public class CumulativeDistributionTransform extends Transform {
    private final Distribution distribution;

    /** CumulativeDistributionTransform(distribution). */
    public CumulativeDistributionTransform(Distribution distribution) {
        this.distribution = Dist.require(distribution, "CumulativeDistributionTransform", "distribution");
    }

    /** The distribution whose cdf this is, as {@code distribution}. */
    public Distribution distribution() {
        return distribution;
    }

    @Override
    public Constraint domain() {
        return distribution.support();
    }

    @Override
    public Constraint codomain() {
        return Constraint.UNIT_INTERVAL;
    }

    @Override
    public boolean bijective() {
        return true;
    }

    @Override
    public int sign() {
        return 1;
    }

    @Override
    protected Tensor call(Tensor x) {
        return distribution.cdf(x);
    }

    @Override
    protected Tensor invCall(Tensor y) {
        return distribution.icdf(y);
    }

    @Override
    protected Tensor ladj(Tensor x, Tensor y) {
        return distribution.logProb(x);
    }
}
