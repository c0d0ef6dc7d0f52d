package dev.ember.distributions;

import dev.ember.Generator;
import dev.ember.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Gamma distribution of shape {@code concentration} and rate {@code rate}, as {@code torch.distributions.Gamma}:
 * samples by Marsaglia and Tsang's method ({@link Tensor#standardGamma}), reparameterized with PyTorch's implicit
 * gradient; {@code cdf} as PyTorch 2.x's, {@code special.gammainc(concentration, rate * value)}.
 */
public class Gamma extends ExponentialFamily {
    private final Tensor concentration;
    private final Tensor rate;

    /** Gamma(concentration, rate), the two broadcast. */
    public Gamma(Tensor concentration, Tensor rate) {
        this(concentration, rate, null);
    }

    /** Gamma(concentration, rate) with numbers (float32 0-dim parameters). */
    public Gamma(double concentration, double rate) {
        this(Dist.scalar(concentration), Dist.scalar(rate), null);
    }

    /** Gamma(concentration, rate); {@code validateArgs} null for the global default. */
    public Gamma(Tensor concentration, Tensor rate, Boolean validateArgs) {
        this(Dist.broadcastAll(Dist.require(concentration, "Gamma", "concentration"), Dist.require(rate, "Gamma", "rate")),
                validateArgs);
    }

    Gamma(Tensor[] p, Boolean validateArgs) {
        super(p[0].shape(), new int[0], validateArgs);
        this.concentration = p[0];
        this.rate = p[1];
        validateParams();
    }

    /** The shape parameter. */
    public Tensor concentration() {
        return concentration;
    }

    /** The rate (inverse scale). */
    public Tensor rate() {
        return rate;
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        Map<String, Constraint> m = new LinkedHashMap<>();
        m.put("concentration", Constraint.POSITIVE);
        m.put("rate", Constraint.POSITIVE);
        return m;
    }

    @Override
    protected Map<String, Tensor> params() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("concentration", concentration);
        m.put("rate", rate);
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

    @Override
    public Tensor mean() {
        return concentration.div(rate);
    }

    @Override
    public Tensor mode() {
        return concentration.sub(1.0).div(rate).clampMin(0.0);
    }

    @Override
    public Tensor variance() {
        return concentration.div(rate.pow(2L));
    }

    @Override
    public Tensor rsample(Generator generator, int... sampleShape) {
        Dist.require(generator, "rsample", "generator");
        int[] shape = extendedShape(sampleShape);
        return Tensor.standardGamma(concentration.expand(shape), generator).div(rate.expand(shape));
    }

    @Override
    public Tensor cdf(Tensor value) {
        validateSample(value);
        return concentration.igamma(rate.mul(value));
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        return concentration.xlogy(rate).add(concentration.sub(1.0).xlogy(value)).sub(rate.mul(value))
                .sub(concentration.lgamma());
    }

    @Override
    public Tensor entropy() {
        return concentration.sub(rate.log()).add(concentration.lgamma())
                .add(concentration.rsub(1.0).mul(concentration.digamma()));
    }

    @Override
    public Gamma expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new Gamma(new Tensor[] {concentration.expand(batchShape), rate.expand(batchShape)}, validateArgs);
    }
}
