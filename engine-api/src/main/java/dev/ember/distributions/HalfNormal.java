package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The half-normal distribution, {@code |X|} for X ~ Normal(0, scale), as {@code torch.distributions.HalfNormal}: a
 * {@link TransformedDistribution} of a Normal (not validated itself) by {@link AbsTransform}; {@code scale} validated
 * here, repr {@code HalfNormal()} as PyTorch's.
 */
public class HalfNormal extends TransformedDistribution {
    /** HalfNormal(scale). */
    public HalfNormal(Tensor scale) {
        this(scale, null);
    }

    /** HalfNormal(scale) with a number (a float32 0-dim parameter). */
    public HalfNormal(double scale) {
        this(new Normal(Dist.scalar(0.0), Dist.scalar(scale), false), null);
    }

    /** HalfNormal(scale); {@code validateArgs} null for the global default. */
    public HalfNormal(Tensor scale, Boolean validateArgs) {
        this(new Normal(Dist.require(scale, "HalfNormal", "scale").newFull(new int[0], 0.0), scale, false), validateArgs);
    }

    private HalfNormal(Normal base, Boolean validateArgs) {
        super(base, List.of(new AbsTransform()), validateArgs);
        validateParams();
    }

    private HalfNormal(Distribution base, List<Transform> transforms, int[] batchShape, boolean validateArgs) {
        super(base, transforms, batchShape, new int[0], validateArgs);
    }

    /** The scale of the full Normal. */
    public Tensor scale() {
        return ((Normal) baseDist()).scale();
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

    /** {@code scale * sqrt(2 / pi)}. */
    @Override
    public Tensor mean() {
        return scale().mul(Math.sqrt(2 / Math.PI));
    }

    /** {@code scale² (1 - 2 / pi)}. */
    @Override
    public Tensor variance() {
        return scale().pow(2L).mul(1 - 2 / Math.PI);
    }

    @Override
    public Tensor mode() {
        return scale().zerosLike();
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
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
    public HalfNormal expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new HalfNormal(expandedBase(batchShape), transforms(), batchShape, validateArgs);
    }

    /** PyTorch's repr, {@code HalfNormal()} ({@code scale} is a property there). */
    @Override
    public String toString() {
        return "HalfNormal()";
    }
}
