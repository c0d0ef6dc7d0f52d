package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.List;
import java.util.Map;

/**
 * The log-normal distribution, {@code exp(X)} for X ~ N(loc, scale²), as {@code torch.distributions.LogNormal}: a
 * {@link TransformedDistribution} of a {@link Normal} by {@link ExpTransform}, as PyTorch builds it ({@code log_prob},
 * {@code cdf}, {@code icdf} and samples come through the transform). Its parameters are validated by the Normal inside,
 * and its repr is PyTorch's {@code LogNormal()}.
 */
public class LogNormal extends TransformedDistribution {
    /** LogNormal(loc, scale), the two broadcast. */
    public LogNormal(Tensor loc, Tensor scale) {
        this(loc, scale, null);
    }

    /** LogNormal(loc, scale) with numbers (float32 0-dim parameters). */
    public LogNormal(double loc, double scale) {
        this(Dist.scalar(loc), Dist.scalar(scale), null);
    }

    /** LogNormal(loc, scale); {@code validateArgs} null for the global default. */
    public LogNormal(Tensor loc, Tensor scale, Boolean validateArgs) {
        super(new Normal(loc, scale, validateArgs), List.of(new ExpTransform()), validateArgs);
    }

    private LogNormal(Distribution base, List<Transform> transforms, int[] batchShape, boolean validateArgs) {
        super(base, transforms, batchShape, new int[0], validateArgs);
    }

    /** The Normal of the log, as {@code base_dist}. */
    @Override
    public Normal baseDist() {
        return (Normal) super.baseDist();
    }

    /** The mean of the log. */
    public Tensor loc() {
        return baseDist().loc();
    }

    /** The standard deviation of the log. */
    public Tensor scale() {
        return baseDist().scale();
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        return LocScale.constraints();
    }

    @Override
    public Constraint support() {
        return Constraint.POSITIVE;
    }

    @Override
    public boolean hasRsample() {
        return true;
    }

    @Override
    public Tensor mean() {
        return loc().add(scale().pow(2L).div(2L)).exp();
    }

    @Override
    public Tensor mode() {
        return loc().sub(scale().square()).exp();
    }

    @Override
    public Tensor variance() {
        Tensor scale2 = scale().pow(2L);
        return scale2.expm1().mul(loc().mul(2L).add(scale2).exp());
    }

    @Override
    public Tensor entropy() {
        return baseDist().entropy().add(loc());
    }

    @Override
    public LogNormal expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new LogNormal(expandedBase(batchShape), transforms(), batchShape, validateArgs);
    }
}
