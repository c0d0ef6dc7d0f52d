package dev.ember.distributions;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.nn.Functional;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Bernoulli distribution (1 with probability {@code probs}), parameterized by probabilities or by log-odds, as
 * {@code torch.distributions.Bernoulli}.
 */
public class Bernoulli extends ExponentialFamily {
    private final ProbsOrLogits param;

    /** Bernoulli(probs=p) with a number (a float32 0-dim parameter). */
    public Bernoulli(double probs) {
        this(Dist.scalar(probs), null, null);
    }

    /**
     * Bernoulli from exactly one of {@code probs} and {@code logits} (the other null); {@code validateArgs} null for the
     * global default.
     *
     * @throws IllegalArgumentException "Either `probs` or `logits` must be specified, but not both." otherwise
     */
    public Bernoulli(Tensor probs, Tensor logits, Boolean validateArgs) {
        this(ProbsOrLogits.binary(probs, logits), validateArgs);
    }

    private Bernoulli(ProbsOrLogits param, Boolean validateArgs) {
        super(param.given().shape(), new int[0], validateArgs);
        this.param = param;
        validateParams();
    }

    /** Bernoulli(probs=p). */
    public static Bernoulli ofProbs(Tensor probs) {
        return new Bernoulli(Dist.require(probs, "Bernoulli", "probs"), null, null);
    }

    /** Bernoulli(logits=l). */
    public static Bernoulli ofLogits(Tensor logits) {
        return new Bernoulli(null, Dist.require(logits, "Bernoulli", "logits"), null);
    }

    /** The probabilities (from the logits by a sigmoid where those were given). */
    public Tensor probs() {
        return param.probs();
    }

    /** The log-odds (from the probabilities, clamped to [eps, 1 - eps], where those were given). */
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
        return Constraint.BOOLEAN;
    }

    @Override
    public boolean hasEnumerateSupport() {
        return true;
    }

    @Override
    public Tensor mean() {
        return probs();
    }

    @Override
    public Tensor mode() {
        Tensor p = probs();
        Tensor m = p.ge(0.5).to(p.dtype());
        return Tensor.where(p.ne(0.5), m, Double.NaN);
    }

    @Override
    public Tensor variance() {
        Tensor p = probs();
        return p.mul(p.rsub(1.0));
    }

    @Override
    public Tensor sample(Generator generator, int... sampleShape) {
        Dist.require(generator, "sample", "generator");
        Dist.require(sampleShape, "sample", "sample_shape");
        int[] shape = extendedShape(sampleShape);
        try (GradMode off = Ember.noGrad()) {
            return probs().detach().expand(shape).bernoulli(generator);
        }
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        Tensor[] lv = Dist.broadcastAll(logits(), value);
        Tensor target = lv[1].dtype() == lv[0].dtype() ? lv[1] : lv[1].to(lv[0].dtype());
        return Functional.binaryCrossEntropyWithLogits(lv[0], target, "none").neg();
    }

    @Override
    public Tensor entropy() {
        return Functional.binaryCrossEntropyWithLogits(logits(), probs(), "none");
    }

    @Override
    public Tensor enumerateSupport(boolean expand) {
        int[] batch = batchShape();
        DType t = param.given().dtype();
        Tensor values = Tensor.arange(0, 2, 1, t).to(param.given().device());
        int[] view = new int[1 + batch.length];
        java.util.Arrays.fill(view, 1);
        view[0] = -1;
        values = values.reshape(view);
        if (expand) {
            int[] full = Dist.concat(new int[] {2}, batch);
            values = values.expand(full);
        }
        return values;
    }

    @Override
    public Bernoulli expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new Bernoulli(param.expand(batchShape), validateArgs);
    }
}
