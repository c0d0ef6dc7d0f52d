package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The half-Cauchy distribution, {@code |X|} for X ~ Cauchy(0, scale), as {@code torch.distributions.HalfCauchy}: a
 * {@link TransformedDistribution} of a Cauchy (not validated itself) by {@link AbsTransform}; {@code scale} validated
 * here, repr {@code HalfCauchy()} as PyTorch's.
 */
public class HalfCauchy extends TransformedDistribution {
    /** HalfCauchy(scale). */
    public HalfCauchy(Tensor scale) {
        this(scale, null);
    }

    /** HalfCauchy(scale) with a number (a float32 0-dim parameter). */
    public HalfCauchy(double scale) {
        this(new Cauchy(Dist.scalar(0.0), Dist.scalar(scale), false), null);
    }

    /** HalfCauchy(scale); {@code validateArgs} null for the global default. */
    public HalfCauchy(Tensor scale, Boolean validateArgs) {
        this(new Cauchy(Dist.require(scale, "HalfCauchy", "scale").newFull(new int[0], 0.0), scale, false), validateArgs);
    }

    private HalfCauchy(Cauchy base, Boolean validateArgs) {
        super(base, List.of(new AbsTransform()), validateArgs);
        validateParams();
    }

    private HalfCauchy(Distribution base, List<Transform> transforms, int[] batchShape, boolean validateArgs) {
        super(base, transforms, batchShape, new int[0], validateArgs);
    }

    /** The scale of the full Cauchy. */
    public Tensor scale() {
        return ((Cauchy) baseDist()).scale();
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        Map<String, Constraint> m = new LinkedHashMap<>();
        m.put("scale", Constraint.POSITIVE);
        return m;
    }

    @Override
    protected Map<String, Tensor> params() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("scale", scale());
        return m;
    }

    @Override
    public Constraint support() {
        return Constraint.NONNEGATIVE;
    }

    @Override
    public boolean hasRsample() {
        return true;
    }

    /** Infinity everywhere. */
    @Override
    public Tensor mean() {
        return scale().newFull(extendedShape(new int[0]), Double.POSITIVE_INFINITY);
    }

    /** The full Cauchy's variance (infinity). */
    @Override
    public Tensor variance() {
        return baseDist().variance();
    }

    @Override
    public Tensor mode() {
        return scale().zerosLike();
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        value = value.to(scale().dtype());
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

    @Override
    public HalfCauchy expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new HalfCauchy(expandedBase(batchShape), transforms(), batchShape, validateArgs);
    }

    /** PyTorch's repr, {@code HalfCauchy()} ({@code scale} is a property there). */
    @Override
    public String toString() {
        return "HalfCauchy()";
    }
}
