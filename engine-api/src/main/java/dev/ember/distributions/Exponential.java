package dev.ember.distributions;

import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;

import java.util.Map;

/** The exponential distribution of rate {@code rate}, as {@code torch.distributions.Exponential}. */
public class Exponential extends RateFamily {
    /** Exponential(rate). */
    public Exponential(Tensor rate) {
        this(rate, null);
    }

    /** Exponential(rate) with a number (a float32 0-dim parameter). */
    public Exponential(double rate) {
        this(Dist.scalar(rate), null);
    }

    /** Exponential(rate); {@code validateArgs} null for the global default. */
    public Exponential(Tensor rate, Boolean validateArgs) {
        super(rate, "Exponential", validateArgs);
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        return Dist.map("rate", Constraint.POSITIVE);
    }

    @Override
    public Constraint support() {
        return Constraint.NONNEGATIVE;
    }

    @Override
    public boolean hasRsample() {
        return true;
    }

    @Override
    public Tensor mean() {
        return rate.reciprocal();
    }

    @Override
    public Tensor mode() {
        return rate.zerosLike();
    }

    @Override
    public Tensor stddev() {
        return rate.reciprocal();
    }

    @Override
    public Tensor variance() {
        return rate.pow(-2L);
    }

    @Override
    public Tensor rsample(Generator generator, int... sampleShape) {
        Dist.require(generator, "rsample", "generator");
        int[] shape = extendedShape(sampleShape);
        Tensor e;
        try (GradMode off = Ember.noGrad()) {
            e = rate.newEmpty(shape).exponential_(1.0, generator);
        }
        return e.div(rate);
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        return rate.log().sub(rate.mul(value));
    }

    @Override
    public Tensor cdf(Tensor value) {
        validateSample(value);
        return rate.neg().mul(value).exp().rsub(1.0);
    }

    @Override
    public Tensor icdf(Tensor value) {
        Dist.require(value, "icdf", "value");
        return value.neg().log1p().neg().div(rate);
    }

    @Override
    public Tensor entropy() {
        return rate.log().rsub(1.0);
    }

    @Override
    public Exponential expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new Exponential(rate.expand(batchShape), validateArgs);
    }
}
