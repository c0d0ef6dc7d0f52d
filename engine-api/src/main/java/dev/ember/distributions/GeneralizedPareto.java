package dev.ember.distributions;

import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;

import java.util.Map;

/**
 * The generalized Pareto distribution of location {@code loc}, scale {@code scale} and shape {@code concentration} (k),
 * as PyTorch 2.7's {@code torch.distributions.GeneralizedPareto} (after TensorFlow Probability's): with
 * {@code z = (x - loc) / scale}, {@code log_prob = -log(scale) - (1 / k + 1) log1p(k z)} ({@code -log(scale) - z} where
 * k is 0, that is within 1e-8 of it, as PyTorch's {@code isclose(k, 0)}), survival function
 * {@code (1 + k z)^(-1 / k)} ({@code exp(-z)} at k = 0), {@code icdf(p) = loc + scale * expm1(-k log1p(-p)) / k}
 * ({@code -log1p(-p)} at k = 0). Mean {@code loc + scale / (1 - k)} (NaN for k at least 1), variance
 * {@code scale² / ((1 - k)² (1 - 2k))} (NaN for k at least 1/2), entropy {@code log(scale) + k + 1}, mode {@code loc}.
 * The support is {@code [loc, loc + scale / |k|]} when any concentration of the batch is negative, else
 * {@code [loc, inf)}, as PyTorch's dependent property computes it. Samples are {@code icdf(U)} for uniform U, with no
 * history (PyTorch's {@code has_rsample} is false).
 *
 * <p>PyTorch compares the concentration with a float32 zero ({@code torch.isclose(k, torch.tensor(0.0))}), which
 * raises "Double did not match Float" for float64 parameters; Ember computes the float64 case with the same rules.
 */
public class GeneralizedPareto extends Distribution {
    private final Tensor loc;
    private final Tensor scale;
    private final Tensor concentration;

    /** GeneralizedPareto(loc, scale, concentration), the three broadcast. */
    public GeneralizedPareto(Tensor loc, Tensor scale, Tensor concentration) {
        this(loc, scale, concentration, null);
    }

    /** GeneralizedPareto(loc, scale, concentration) with numbers (float32 0-dim parameters, an empty batch shape). */
    public GeneralizedPareto(double loc, double scale, double concentration) {
        this(Dist.scalar(loc), Dist.scalar(scale), Dist.scalar(concentration), null);
    }

    /**
     * GeneralizedPareto(loc, scale, concentration); {@code validateArgs} null for the global default.
     *
     * @throws IllegalArgumentException with PyTorch's message for a scale that is not positive or a loc or concentration
     *     that is not real (when validating), or parameters that do not broadcast
     */
    public GeneralizedPareto(Tensor loc, Tensor scale, Tensor concentration, Boolean validateArgs) {
        this(Dist.broadcastAll(Dist.require(loc, "GeneralizedPareto", "loc"),
                Dist.require(scale, "GeneralizedPareto", "scale"),
                Dist.require(concentration, "GeneralizedPareto", "concentration")), validateArgs);
    }

    private GeneralizedPareto(Tensor[] p, Boolean validateArgs) {
        super(p[0].shape(), new int[0], validateArgs);
        this.loc = p[0];
        this.scale = p[1];
        this.concentration = p[2];
        validateParams();
    }

    /** The location, the lower end of the support. */
    public Tensor loc() {
        return loc;
    }

    /** The scale. */
    public Tensor scale() {
        return scale;
    }

    /** The shape parameter k. */
    public Tensor concentration() {
        return concentration;
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        return Dist.map("loc", Constraint.REAL, "scale", Constraint.POSITIVE, "concentration", Constraint.REAL);
    }

    @Override
    protected Map<String, Tensor> params() {
        return Dist.map("loc", loc, "scale", scale, "concentration", concentration);
    }

    /** {@code [loc, loc + scale / |k|]} when any concentration is negative, else {@code [loc, inf)}. */
    @Override
    public Constraint support() {
        if (concentration.lt(0L).any()) {
            return Constraint.interval(loc, loc.add(scale.div(concentration.abs())));
        }
        return Constraint.greaterThanEq(loc);
    }

    /** Where the concentration is 0 (within PyTorch's {@code isclose} of a zero: 1e-8). */
    private Tensor kIsZero() {
        return concentration.isclose(concentration.newZeros(), 1e-5, 1e-8, false);
    }

    /** The concentration with 1 where it is 0. */
    private Tensor safeK(Tensor isZero) {
        return Tensor.where(isZero, concentration.onesLike(), concentration);
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        Tensor z = value.sub(loc).div(scale);
        Tensor isZero = kIsZero();
        Tensor k = safeK(isZero);
        Tensor y = k.reciprocal().add(z.onesLike());
        Tensor nonzero = Tensor.where(y.eq(0L), y, y.mul(k.mul(z).log1p()));
        return scale.log().neg().sub(Tensor.where(isZero, z, nonzero));
    }

    /** The log of the survival function {@code P(X > value)}, as {@code log_survival_function}. */
    public Tensor logSurvivalFunction(Tensor value) {
        validateSample(value);
        Tensor z = value.sub(loc).div(scale);
        Tensor isZero = kIsZero();
        Tensor k = safeK(isZero);
        return Tensor.where(isZero, z.neg(), k.mul(z).log1p().neg().div(k));
    }

    /** The log of the cumulative distribution function, {@code log1p(-exp(log_survival_function))}, as {@code log_cdf}. */
    public Tensor logCdf(Tensor value) {
        return logSurvivalFunction(value).exp().neg().log1p();
    }

    @Override
    public Tensor cdf(Tensor value) {
        return logCdf(value).exp();
    }

    @Override
    public Tensor icdf(Tensor value) {
        Dist.require(value, "icdf", "value");
        Tensor isZero = kIsZero();
        Tensor k = safeK(isZero);
        Tensor negLog1mp = value.neg().log1p().neg();
        return loc.add(scale.mul(Tensor.where(isZero, negLog1mp, concentration.mul(negLog1mp).expm1().div(k))));
    }

    /** {@code icdf} of uniform draws from {@code generator}, with no history. */
    @Override
    public Tensor sample(Generator generator, int... sampleShape) {
        Dist.require(generator, "sample", "generator");
        int[] shape = extendedShape(sampleShape);
        try (GradMode off = Ember.noGrad()) {
            return icdf(Tensor.rand(generator, loc.dtype(), loc.device(), shape));
        }
    }

    /** NaN where the concentration is at least 1. */
    @Override
    public Tensor mean() {
        Tensor valid = concentration.lt(1L);
        Tensor k = Tensor.where(valid, concentration, 0.5);
        Tensor result = loc.add(scale.div(k.neg().add(1L)));
        return Tensor.where(valid, result, result.fullLike(Double.NaN));
    }

    /** NaN where the concentration is at least 1/2. */
    @Override
    public Tensor variance() {
        Tensor valid = concentration.lt(0.5);
        Tensor k = Tensor.where(valid, concentration, 0.25);
        Tensor oneMinusK = k.neg().add(1L);
        Tensor result = scale.pow(2L).div(oneMinusK.pow(2L).mul(k.mul(2L).neg().add(1L))).add(loc.zerosLike());
        return Tensor.where(valid, result, result.fullLike(Double.NaN));
    }

    @Override
    public Tensor entropy() {
        return scale.log().add(concentration).add(1L).broadcastTo(batchShape());
    }

    @Override
    public Tensor mode() {
        return loc;
    }

    @Override
    public GeneralizedPareto expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new GeneralizedPareto(new Tensor[] {loc.expand(batchShape), scale.expand(batchShape),
            concentration.expand(batchShape)}, validateArgs);
    }
}
