package dev.ember.distributions;

import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;

/** The Laplace distribution of location {@code loc} and scale {@code scale}, as {@code torch.distributions.Laplace}. */
public class Laplace extends LocScale {
    /** Laplace(loc, scale), the two broadcast. */
    public Laplace(Tensor loc, Tensor scale) {
        this(loc, scale, null);
    }

    /** Laplace(loc, scale) with numbers (float32 0-dim parameters). */
    public Laplace(double loc, double scale) {
        this(Dist.scalar(loc), Dist.scalar(scale), null);
    }

    /** Laplace(loc, scale); {@code validateArgs} null for the global default. */
    public Laplace(Tensor loc, Tensor scale, Boolean validateArgs) {
        super(broadcast("Laplace", loc, scale), validateArgs);
    }

    @Override
    public Tensor mean() {
        return loc;
    }

    @Override
    public Tensor stddev() {
        return scale.mul(Math.sqrt(2));
    }

    @Override
    public Tensor variance() {
        return scale.pow(2L).mul(2.0);
    }

    @Override
    public Tensor rsample(Generator generator, int... sampleShape) {
        Dist.require(generator, "rsample", "generator");
        int[] shape = extendedShape(sampleShape);
        Tensor u;
        try (GradMode off = Ember.noGrad()) {
            u = loc.newEmpty(shape).uniform_(Dist.eps(loc.dtype()) - 1, 1, generator);
        }
        return loc.sub(scale.mul(u.sign()).mul(u.abs().neg().log1p()));
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        return scale.mul(2.0).log().neg().sub(value.sub(loc).abs().div(scale));
    }

    @Override
    public Tensor cdf(Tensor value) {
        validateSample(value);
        Tensor d = value.sub(loc);
        return d.sign().mul(d.abs().neg().div(scale).expm1()).mul(-0.5).add(0.5);
    }

    @Override
    public Tensor icdf(Tensor value) {
        Dist.require(value, "icdf", "value");
        Tensor term = value.sub(0.5);
        return loc.sub(scale.mul(term.sign()).mul(term.abs().mul(-2.0).log1p()));
    }

    @Override
    public Tensor entropy() {
        return scale.mul(2.0).log().add(1.0);
    }

    @Override
    public Laplace expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new Laplace(loc.expand(batchShape), scale.expand(batchShape), validateArgs);
    }
}
