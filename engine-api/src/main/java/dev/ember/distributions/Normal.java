package dev.ember.distributions;

import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;

import java.util.Map;

/** The normal distribution N(loc, scale²), as {@code torch.distributions.Normal}. */
public class Normal extends ExponentialFamily {
    private final Tensor loc;
    private final Tensor scale;

    /** N(loc, scale²), the two broadcast; validated as the global default says. */
    public Normal(Tensor loc, Tensor scale) {
        this(loc, scale, null);
    }

    /** N(loc, scale²) with numbers (float32 0-dim parameters). */
    public Normal(double loc, double scale) {
        this(Dist.scalar(loc), Dist.scalar(scale), null);
    }

    /** N(loc, scale²); {@code validateArgs} null for the global default. */
    public Normal(Tensor loc, Tensor scale, Boolean validateArgs) {
        this(LocScale.broadcast("Normal", loc, scale), validateArgs);
    }

    private Normal(Tensor[] p, Boolean validateArgs) {
        super(p[0].shape(), new int[0], validateArgs);
        this.loc = p[0];
        this.scale = p[1];
        validateParams();
    }

    /** The mean parameter. */
    public Tensor loc() {
        return loc;
    }

    /** The standard-deviation parameter. */
    public Tensor scale() {
        return scale;
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        return LocScale.constraints();
    }

    @Override
    protected Map<String, Tensor> params() {
        return LocScale.params(loc, scale);
    }

    @Override
    public Constraint support() {
        return Constraint.REAL;
    }

    @Override
    public boolean hasRsample() {
        return true;
    }

    @Override
    public Tensor mean() {
        return loc;
    }

    @Override
    public Tensor mode() {
        return loc;
    }

    @Override
    public Tensor stddev() {
        return scale;
    }

    @Override
    public Tensor variance() {
        return scale.pow(2L);
    }

    @Override
    public Tensor rsample(Generator generator, int... sampleShape) {
        Dist.require(generator, "rsample", "generator");
        int[] shape = extendedShape(sampleShape);
        Tensor eps;
        try (GradMode off = Ember.noGrad()) {
            eps = loc.newEmpty(shape).normal_(0, 1, generator);
        }
        return loc.add(eps.mul(scale));
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        Tensor var = scale.pow(2L);
        Tensor logScale = scale.log();
        return value.sub(loc).pow(2L).neg().div(var.mul(2.0)).sub(logScale).sub(Math.log(Math.sqrt(2 * Math.PI)));
    }

    @Override
    public Tensor cdf(Tensor value) {
        validateSample(value);
        return value.sub(loc).mul(scale.reciprocal()).div(Math.sqrt(2)).erf().add(1.0).mul(0.5);
    }

    @Override
    public Tensor icdf(Tensor value) {
        Dist.require(value, "icdf", "value");
        return loc.add(scale.mul(value.mul(2.0).sub(1.0).erfinv()).mul(Math.sqrt(2)));
    }

    @Override
    public Tensor entropy() {
        return scale.log().add(0.5 + 0.5 * Math.log(2 * Math.PI));
    }

    @Override
    public Normal expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new Normal(loc.expand(batchShape), scale.expand(batchShape), validateArgs);
    }
}
