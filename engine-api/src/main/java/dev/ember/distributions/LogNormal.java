package dev.ember.distributions;

import dev.ember.Generator;
import dev.ember.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The log-normal distribution, {@code exp(X)} for X ~ N(loc, scale²), as {@code torch.distributions.LogNormal} (PyTorch's
 * TransformedDistribution of a Normal by ExpTransform, written out here: {@code log_prob(y) = normal.log_prob(log y) -
 * log y}). Its parameters are validated by the Normal inside, and its repr is PyTorch's {@code LogNormal()}.
 */
public class LogNormal extends Distribution {
    private final Normal base;

    /** LogNormal(loc, scale), the two broadcast. */
    public LogNormal(Tensor loc, Tensor scale) {
        this(loc, scale, null);
    }

    /** LogNormal(loc, scale) with numbers (float32 0-dim parameters). */
    public LogNormal(double loc, double scale) {
        this(Dist.scalar(loc), Dist.scalar(scale), null);
    }

    /** LogNormal(loc, scale); {@code validateArgs} null for the global default. */
    public LogNormal(Tensor loc, Tensor scale, Boolean validateArgs) {
        this(new Normal(loc, scale, validateArgs), validateArgs);
    }

    private LogNormal(Normal base, Boolean validateArgs) {
        super(base.batchShape(), new int[0], validateArgs);
        this.base = base;
    }

    /** The Normal of the log, as {@code base_dist}. */
    public Normal baseDist() {
        return base;
    }

    /** The mean of the log. */
    public Tensor loc() {
        return base.loc();
    }

    /** The standard deviation of the log. */
    public Tensor scale() {
        return base.scale();
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        Map<String, Constraint> m = new LinkedHashMap<>();
        m.put("loc", Constraint.REAL);
        m.put("scale", Constraint.POSITIVE);
        return m;
    }

    @Override
    public Constraint support() {
        return Constraint.POSITIVE;
    }

    @Override
    public boolean hasRsample() {
        return true;
    }

    @Override
    public Tensor mean() {
        return loc().add(scale().pow(2L).div(2.0)).exp();
    }

    @Override
    public Tensor mode() {
        return loc().sub(scale().square()).exp();
    }

    @Override
    public Tensor variance() {
        Tensor scale2 = scale().pow(2L);
        return scale2.expm1().mul(loc().mul(2.0).add(scale2).exp());
    }

    @Override
    public Tensor rsample(Generator generator, int... sampleShape) {
        return base.rsample(generator, sampleShape).exp();
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        Tensor x = value.log();
        return x.neg().add(base.logProb(x));
    }

    @Override
    public Tensor cdf(Tensor value) {
        validateSample(value);
        return base.cdf(value.log());
    }

    @Override
    public Tensor icdf(Tensor value) {
        return base.icdf(value).exp();
    }

    @Override
    public Tensor entropy() {
        return base.entropy().add(loc());
    }

    @Override
    public LogNormal expand(int... batchShape) {
        return new LogNormal(base.expand(batchShape), validateArgs);
    }
}
