package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.List;
import java.util.Map;

/**
 * The Pareto type-1 distribution of scale {@code scale} and shape {@code alpha}, as {@code torch.distributions.Pareto}:
 * a {@link TransformedDistribution} of Exponential(alpha) (which validates alpha first, as PyTorch's) by {@code exp}
 * and {@code scale * x}; its support {@code GreaterThanEq(scale)}.
 */
public class Pareto extends TransformedDistribution {
    private final Tensor scale;
    private final Tensor alpha;

    /** Pareto(scale, alpha), the two broadcast. */
    public Pareto(Tensor scale, Tensor alpha) {
        this(scale, alpha, null);
    }

    /** Pareto(scale, alpha) with numbers (float32 0-dim parameters). */
    public Pareto(double scale, double alpha) {
        this(Dist.scalar(scale), Dist.scalar(alpha), null);
    }

    /** Pareto(scale, alpha); {@code validateArgs} null for the global default. */
    public Pareto(Tensor scale, Tensor alpha, Boolean validateArgs) {
        this(Dist.broadcastAll(Dist.require(scale, "Pareto", "scale"), Dist.require(alpha, "Pareto", "alpha")),
                validateArgs);
    }

    private Pareto(Tensor[] p, Boolean validateArgs) {
        super(new Exponential(p[1], validateArgs), List.of(new ExpTransform(),
                new AffineTransform(Dist.number(p[0], 0), p[0])), validateArgs);
        this.scale = p[0];
        this.alpha = p[1];
        validateParams();
    }

    private Pareto(Distribution base, List<Transform> transforms, int[] batchShape, Tensor scale, Tensor alpha,
            boolean validateArgs) {
        super(base, transforms, batchShape, new int[0], validateArgs);
        this.scale = scale;
        this.alpha = alpha;
    }

    /** The scale (the support's lower end). */
    public Tensor scale() {
        return scale;
    }

    /** The shape. */
    public Tensor alpha() {
        return alpha;
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        return Dist.map("alpha", Constraint.POSITIVE, "scale", Constraint.POSITIVE);
    }

    @Override
    protected Map<String, Tensor> params() {
        return Dist.map("alpha", alpha, "scale", scale);
    }

    /** {@code constraints.greater_than_eq(scale)}. */
    @Override
    public Constraint support() {
        return Constraint.greaterThanEq(scale);
    }

    /** {@code alpha * scale / (alpha - 1)} with alpha clamped to at least 1 (infinite for alpha at most 1). */
    @Override
    public Tensor mean() {
        Tensor a = alpha.clampMin(1L);
        return a.mul(scale).div(a.sub(1L));
    }

    @Override
    public Tensor mode() {
        return scale;
    }

    /** With alpha clamped to at least 2 (infinite for alpha at most 2). */
    @Override
    public Tensor variance() {
        Tensor a = alpha.clampMin(2L);
        return scale.pow(2L).mul(a).div(a.sub(1L).pow(2L).mul(a.sub(2L)));
    }

    @Override
    public Tensor entropy() {
        return scale.div(alpha).log().add(alpha.reciprocal().add(1L));
    }

    @Override
    public Pareto expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        // the parameters first, as PyTorch's expand (their error is expand's, not the transforms' broadcast's)
        Tensor newScale = scale.expand(batchShape);
        Tensor newAlpha = alpha.expand(batchShape);
        return new Pareto(expandedBase(batchShape), transforms(), batchShape, newScale, newAlpha, validateArgs);
    }
}
