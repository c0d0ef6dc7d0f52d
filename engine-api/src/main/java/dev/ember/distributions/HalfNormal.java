package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.List;

/**
 * The half-normal distribution, {@code |X|} for X ~ Normal(0, scale), as {@code torch.distributions.HalfNormal}: a
 * {@link TransformedDistribution} of a Normal (not validated itself) by {@link AbsTransform}; {@code scale} validated
 * here, repr {@code HalfNormal()} as PyTorch's.
 */
public class HalfNormal extends HalfDistribution {
    /** HalfNormal(scale). */
    public HalfNormal(Tensor scale) {
        this(scale, null);
    }

    /** HalfNormal(scale) with a number (a float32 0-dim parameter). */
    public HalfNormal(double scale) {
        super(new Normal(Dist.scalar(0.0), Dist.scalar(scale), false), null);
    }

    /** HalfNormal(scale); {@code validateArgs} null for the global default. */
    public HalfNormal(Tensor scale, Boolean validateArgs) {
        super(new Normal(Dist.number(Dist.require(scale, "HalfNormal", "scale"), 0.0), scale, false), validateArgs);
    }

    private HalfNormal(Distribution base, List<Transform> transforms, int[] batchShape, boolean validateArgs) {
        super(base, transforms, batchShape, validateArgs);
    }

    /** The scale of the full Normal. */
    @Override
    public Tensor scale() {
        return ((Normal) baseDist()).scale();
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
    public HalfNormal expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new HalfNormal(expandedBase(batchShape), transforms(), batchShape, validateArgs);
    }
}
