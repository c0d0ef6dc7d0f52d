package dev.ember.distributions;

import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.nn.Functional;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The continuous Bernoulli distribution on [0, 1] (Loaiza-Ganem and Cunningham, 2019), parameterized by
 * {@code probs} in (0, 1) or by real {@code logits}, as {@code torch.distributions.ContinuousBernoulli}: near
 * {@code probs = 0.5} (inside {@code lims}, by default (0.499, 0.501)) the normalizer, mean and variance are PyTorch's
 * Taylor expansions; reparameterized samples by the inverse cdf of uniform draws.
 */
public class ContinuousBernoulli extends ExponentialFamily {
    private static final double LIM_LOW = 0.499;
    private static final double LIM_HIGH = 0.501;

    private final ProbsOrLogits param;
    private final double limLow;
    private final double limHigh;

    /** ContinuousBernoulli(probs=p) with a number (a float32 0-dim parameter). */
    public ContinuousBernoulli(double probs) {
        this(Dist.scalar(probs), null, null);
    }

    /**
     * ContinuousBernoulli from exactly one of {@code probs} and {@code logits} (the other null); {@code validateArgs} null
     * for the global default.
     *
     * @throws IllegalArgumentException "Either `probs` or `logits` must be specified, but not both." otherwise, and
     *     PyTorch's "The parameter probs has invalid values" where {@code validateArgs} is given (true or false, as
     *     PyTorch checks whenever it is not None) and probs leave [0, 1]
     */
    public ContinuousBernoulli(Tensor probs, Tensor logits, Boolean validateArgs) {
        this(probs, logits, LIM_LOW, LIM_HIGH, validateArgs);
    }

    /** As {@link #ContinuousBernoulli(Tensor, Tensor, Boolean)} with the unstable region {@code lims = (limLow, limHigh)}. */
    public ContinuousBernoulli(Tensor probs, Tensor logits, double limLow, double limHigh, Boolean validateArgs) {
        this(new ProbsOrLogits(given(probs, logits, validateArgs), probs != null, true, true), limLow, limHigh,
                validateArgs);
    }

    private ContinuousBernoulli(ProbsOrLogits param, double limLow, double limHigh, Boolean validateArgs) {
        super(param.given().shape(), new int[0], validateArgs);
        this.param = param;
        this.limLow = limLow;
        this.limHigh = limHigh;
        validateParams();
    }

    private static Tensor given(Tensor probs, Tensor logits, Boolean validateArgs) {
        Tensor p = ProbsOrLogits.checkOne(probs, logits);
        if (probs == null) {
            return p;
        }
        if (validateArgs != null && !Constraint.UNIT_INTERVAL.check(probs).all()) {
            throw new IllegalArgumentException("The parameter probs has invalid values");
        }
        return Dist.clampProbs(probs);
    }

    /** ContinuousBernoulli(probs=p). */
    public static ContinuousBernoulli ofProbs(Tensor probs) {
        return new ContinuousBernoulli(Dist.require(probs, "ContinuousBernoulli", "probs"), null, null);
    }

    /** ContinuousBernoulli(logits=l). */
    public static ContinuousBernoulli ofLogits(Tensor logits) {
        return new ContinuousBernoulli(null, Dist.require(logits, "ContinuousBernoulli", "logits"), null);
    }

    /** The probs parameter (clamped to [eps, 1 - eps]; from the logits by a sigmoid where those were given). */
    public Tensor probs() {
        return param.probs();
    }

    /** The logits parameter (from the probs where those were given). */
    public Tensor logits() {
        return param.logits();
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        return ProbsOrLogits.binaryConstraints(Constraint.UNIT_INTERVAL);
    }

    @Override
    protected Map<String, Tensor> params() {
        return param.putInto(new LinkedHashMap<>());
    }

    @Override
    public Constraint support() {
        return Constraint.UNIT_INTERVAL;
    }

    @Override
    public boolean hasRsample() {
        return true;
    }

    private Tensor outsideUnstableRegion() {
        return probs().le(limLow).logicalOr(probs().gt(limHigh));
    }

    private Tensor cutProbs() {
        return Tensor.where(outsideUnstableRegion(), probs(), probs().onesLike().mul(limLow));
    }

    /** {@code _cont_bern_log_norm}: the log normalizing constant as a function of probs. */
    Tensor contBernLogNorm() {
        Tensor cut = cutProbs();
        Tensor below = Tensor.where(cut.le(0.5), cut, cut.zerosLike());
        Tensor above = Tensor.where(cut.ge(0.5), cut, cut.onesLike());
        Tensor logNorm = cut.neg().log1p().sub(cut.log()).abs().log().sub(Tensor.where(cut.le(0.5),
                below.mul(-2.0).log1p(), above.mul(2.0).sub(1.0).log()));
        Tensor x = probs().sub(0.5).pow(2L);
        Tensor taylor = x.mul(104.0 / 45.0).add(4.0 / 3.0).mul(x).add(Math.log(2.0));
        return Tensor.where(outsideUnstableRegion(), logNorm, taylor);
    }

    @Override
    public Tensor mean() {
        Tensor cut = cutProbs();
        Tensor mus = cut.div(cut.mul(2.0).sub(1.0)).add(cut.neg().log1p().sub(cut.log()).reciprocal());
        Tensor x = probs().sub(0.5);
        Tensor taylor = x.pow(2L).mul(16.0 / 45.0).add(1.0 / 3.0).mul(x).add(0.5);
        return Tensor.where(outsideUnstableRegion(), mus, taylor);
    }

    @Override
    public Tensor stddev() {
        return variance().sqrt();
    }

    @Override
    public Tensor variance() {
        Tensor cut = cutProbs();
        Tensor vars = cut.mul(cut.sub(1.0)).div(cut.mul(2.0).rsub(1.0).pow(2L))
                .add(cut.neg().log1p().sub(cut.log()).pow(2L).reciprocal());
        Tensor x = probs().sub(0.5).pow(2L);
        Tensor taylor = x.mul(128.0 / 945.0).rsub(1.0 / 15.0).mul(x).rsub(1.0 / 12.0);
        return Tensor.where(outsideUnstableRegion(), vars, taylor);
    }

    @Override
    public Tensor sample(Generator generator, int... sampleShape) {
        Dist.require(generator, "sample", "generator");
        int[] shape = extendedShape(sampleShape);
        Tensor u = probs().newEmpty(shape).uniform_(0, 1, generator);
        try (GradMode off = Ember.noGrad()) {
            return icdf(u);
        }
    }

    @Override
    public Tensor rsample(Generator generator, int... sampleShape) {
        Dist.require(generator, "rsample", "generator");
        int[] shape = extendedShape(sampleShape);
        Tensor u;
        try (GradMode off = Ember.noGrad()) {
            u = probs().newEmpty(shape).uniform_(0, 1, generator);
        }
        return icdf(u);
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        Tensor[] lv = Dist.broadcastAll(logits(), value);
        return Functional.binaryCrossEntropyWithLogits(lv[0], lv[1], "none").neg().add(contBernLogNorm());
    }

    @Override
    public Tensor cdf(Tensor value) {
        validateSample(value);
        Tensor cut = cutProbs();
        Tensor cdfs = cut.pow(value).mul(cut.rsub(1.0).pow(value.rsub(1.0))).add(cut).sub(1.0).div(cut.mul(2.0).sub(1.0));
        Tensor unbounded = Tensor.where(outsideUnstableRegion(), cdfs, value);
        return Tensor.where(value.le(0.0), value.zerosLike(), Tensor.where(value.ge(1.0), value.onesLike(), unbounded));
    }

    @Override
    public Tensor icdf(Tensor value) {
        Dist.require(value, "icdf", "value");
        Tensor cut = cutProbs();
        Tensor inside = cut.neg().add(value.mul(cut.mul(2.0).sub(1.0))).log1p().sub(cut.neg().log1p())
                .div(cut.log().sub(cut.neg().log1p()));
        return Tensor.where(outsideUnstableRegion(), inside, value);
    }

    @Override
    public Tensor entropy() {
        Tensor logProbs0 = probs().neg().log1p();
        Tensor logProbs1 = probs().log();
        return mean().mul(logProbs0.sub(logProbs1)).sub(contBernLogNorm()).sub(logProbs0);
    }

    @Override
    public ContinuousBernoulli expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new ContinuousBernoulli(param.expand(batchShape), limLow, limHigh, validateArgs);
    }
}
