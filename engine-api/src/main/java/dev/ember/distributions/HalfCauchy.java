package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.List;

/**
 * The half-Cauchy distribution, {@code |X|} for X ~ Cauchy(0, scale), as {@code torch.distributions.HalfCauchy}: a
 * {@link TransformedDistribution} of a Cauchy (not validated itself) by {@link AbsTransform}; {@code scale} validated
 * here, repr {@code HalfCauchy()} as PyTorch's.
 */
public class HalfCauchy extends HalfDistribution {
    /** HalfCauchy(scale). */
    public HalfCauchy(Tensor scale) {
        this(scale, null);
    }

    /** HalfCauchy(scale) with a number (a float32 0-dim parameter). */
    public HalfCauchy(double scale) {
        super(new Cauchy(Dist.scalar(0.0), Dist.scalar(scale), false), null);
    }

    /** HalfCauchy(scale); {@code validateArgs} null for the global default. */
    public HalfCauchy(Tensor scale, Boolean validateArgs) {
        super(new Cauchy(Dist.number(Dist.require(scale, "HalfCauchy", "scale"), 0.0), scale, false), validateArgs);
    }

    private HalfCauchy(Distribution base, List<Transform> transforms, int[] batchShape, boolean validateArgs) {
        super(base, transforms, batchShape, validateArgs);
    }

    /** The scale of the full Cauchy. */
    @Override
    public Tensor scale() {
        return ((Cauchy) baseDist()).scale();
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
    Tensor logProbValue(Tensor value) {
        return value.to(scale().dtype());
    }

    @Override
    public HalfCauchy expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new HalfCauchy(expandedBase(batchShape), transforms(), batchShape, validateArgs);
    }
}
