package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.List;
import java.util.Map;

/**
 * The inverse gamma distribution, {@code 1 / X} for X ~ Gamma(concentration, rate), as PyTorch 2.3's
 * {@code torch.distributions.InverseGamma}: a {@link TransformedDistribution} of a {@link Gamma} by a
 * {@link PowerTransform} of exponent -1 (a 0-dim tensor of the rate's type), as PyTorch builds it ({@code log_prob},
 * {@code cdf}, {@code icdf} and samples, reparameterized, come through the transform). Its parameters are validated by
 * the Gamma inside, and its repr is PyTorch's {@code InverseGamma()}. Mean {@code rate / (concentration - 1)} (infinite
 * for a concentration of at most 1), mode {@code rate / (concentration + 1)}, variance
 * {@code rate² / ((concentration - 1)² (concentration - 2))} (infinite for a concentration of at most 2), entropy
 * {@code concentration + log(rate) + lgamma(concentration) - (1 + concentration) digamma(concentration)}.
 */
public class InverseGamma extends TransformedDistribution {
    /** InverseGamma(concentration, rate), the two broadcast. */
    public InverseGamma(Tensor concentration, Tensor rate) {
        this(concentration, rate, null);
    }

    /** InverseGamma(concentration, rate) with numbers (float32 0-dim parameters). */
    public InverseGamma(double concentration, double rate) {
        this(Dist.scalar(concentration), Dist.scalar(rate), null);
    }

    /** InverseGamma(concentration, rate); {@code validateArgs} null for the global default. */
    public InverseGamma(Tensor concentration, Tensor rate, Boolean validateArgs) {
        this(new Gamma(concentration, rate, validateArgs), validateArgs);
    }

    private InverseGamma(Gamma base, Boolean validateArgs) {
        super(base, List.of(new PowerTransform(base.rate().newOnes().neg())), validateArgs);
    }

    private InverseGamma(Distribution base, List<Transform> transforms, int[] batchShape, boolean validateArgs) {
        super(base, transforms, batchShape, new int[0], validateArgs);
    }

    /** The Gamma of the reciprocal, as {@code base_dist}. */
    @Override
    public Gamma baseDist() {
        return (Gamma) super.baseDist();
    }

    /** The shape parameter (alpha), the base Gamma's. */
    public Tensor concentration() {
        return baseDist().concentration();
    }

    /** The rate parameter (beta, 1 / scale), the base Gamma's. */
    public Tensor rate() {
        return baseDist().rate();
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        return Dist.map("concentration", Constraint.POSITIVE, "rate", Constraint.POSITIVE);
    }

    @Override
    public Constraint support() {
        return Constraint.POSITIVE;
    }

    @Override
    public boolean hasRsample() {
        return true;
    }

    /** {@code rate / (concentration - 1)} where the concentration exceeds 1, infinity elsewhere. */
    @Override
    public Tensor mean() {
        Tensor c = concentration();
        return Tensor.where(c.gt(1L), rate().div(c.sub(1L)), Double.POSITIVE_INFINITY);
    }

    @Override
    public Tensor mode() {
        return rate().div(concentration().add(1L));
    }

    /** {@code rate² / ((concentration - 1)² (concentration - 2))} where the concentration exceeds 2, infinity elsewhere. */
    @Override
    public Tensor variance() {
        Tensor c = concentration();
        Tensor v = rate().square().div(c.sub(1L).square().mul(c.sub(2L)));
        return Tensor.where(c.gt(2L), v, Double.POSITIVE_INFINITY);
    }

    @Override
    public Tensor entropy() {
        Tensor c = concentration();
        return c.add(rate().log()).add(c.lgamma()).sub(c.add(1L).mul(c.digamma()));
    }

    @Override
    public InverseGamma expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new InverseGamma(expandedBase(batchShape), transforms(), batchShape, validateArgs);
    }
}
