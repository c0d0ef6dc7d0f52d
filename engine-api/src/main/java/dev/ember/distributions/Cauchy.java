package dev.ember.distributions;

import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;

/**
 * The Cauchy (Lorentz) distribution of median {@code loc} and half width {@code scale}, as
 * {@code torch.distributions.Cauchy}: its mean is NaN and its variance infinite.
 */
public class Cauchy extends LocScale {
    /** Cauchy(loc, scale), the two broadcast. */
    public Cauchy(Tensor loc, Tensor scale) {
        this(loc, scale, null);
    }

    /** Cauchy(loc, scale) with numbers (float32 0-dim parameters). */
    public Cauchy(double loc, double scale) {
        this(Dist.scalar(loc), Dist.scalar(scale), null);
    }

    /** Cauchy(loc, scale); {@code validateArgs} null for the global default. */
    public Cauchy(Tensor loc, Tensor scale, Boolean validateArgs) {
        super(broadcast("Cauchy", loc, scale), validateArgs);
    }

    private Cauchy(Tensor[] p, Boolean validateArgs) {
        super(p, validateArgs);
    }

    @Override
    public Tensor mean() {
        return loc.newFull(extendedShape(new int[0]), Double.NaN);
    }

    /** Infinity everywhere. */
    @Override
    public Tensor variance() {
        return loc.newFull(extendedShape(new int[0]), Double.POSITIVE_INFINITY);
    }

    @Override
    public Tensor rsample(Generator generator, int... sampleShape) {
        Dist.require(generator, "rsample", "generator");
        int[] shape = extendedShape(sampleShape);
        Tensor eps;
        try (GradMode off = Ember.noGrad()) {
            eps = loc.newEmpty(shape).cauchy_(0, 1, generator);
        }
        return loc.add(eps.mul(scale));
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        return scale.log().neg().sub(Math.log(Math.PI)).sub(value.sub(loc).div(scale).pow(2L).add(1.0).log());
    }

    @Override
    public Tensor cdf(Tensor value) {
        validateSample(value);
        return value.sub(loc).div(scale).atan().div(Math.PI).add(0.5);
    }

    @Override
    public Tensor icdf(Tensor value) {
        Dist.require(value, "icdf", "value");
        return value.sub(0.5).mul(Math.PI).tan().mul(scale).add(loc);
    }

    @Override
    public Tensor entropy() {
        return scale.log().add(Math.log(4 * Math.PI));
    }

    @Override
    public Cauchy expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new Cauchy(new Tensor[] {loc.expand(batchShape), scale.expand(batchShape)}, validateArgs);
    }
}
