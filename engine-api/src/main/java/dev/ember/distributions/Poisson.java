package dev.ember.distributions;

import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;

import java.util.Map;

/** The Poisson distribution of rate {@code rate}, as {@code torch.distributions.Poisson} (samples by {@link Tensor#poisson}). */
public class Poisson extends RateFamily {
    /** Poisson(rate). */
    public Poisson(Tensor rate) {
        this(rate, null);
    }

    /** Poisson(rate) with a number (a float32 0-dim parameter). */
    public Poisson(double rate) {
        this(Dist.scalar(rate), null);
    }

    /** Poisson(rate); {@code validateArgs} null for the global default. */
    public Poisson(Tensor rate, Boolean validateArgs) {
        super(rate, "Poisson", validateArgs);
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        return Dist.map("rate", Constraint.NONNEGATIVE);
    }

    @Override
    public Constraint support() {
        return Constraint.NONNEGATIVE_INTEGER;
    }

    @Override
    public Tensor mean() {
        return rate;
    }

    @Override
    public Tensor mode() {
        return rate.floor();
    }

    @Override
    public Tensor variance() {
        return rate;
    }

    @Override
    public Tensor sample(Generator generator, int... sampleShape) {
        Dist.require(generator, "sample", "generator");
        int[] shape = extendedShape(sampleShape);
        try (GradMode off = Ember.noGrad()) {
            return Tensor.poisson(rate.detach().expand(shape).contiguous(), generator);
        }
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        Tensor[] rv = Dist.broadcastAll(rate, value);
        return rv[1].xlogy(rv[0]).sub(rv[0]).sub(rv[1].add(1.0).lgamma());
    }

    @Override
    public Poisson expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new Poisson(rate.expand(batchShape), validateArgs);
    }
}
