package dev.ember.distributions;

import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.nn.Functional;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The geometric distribution: the number of failures before the first success of probability {@code probs} (support
 * {0, 1, ...}), as {@code torch.distributions.Geometric}, parameterized by probabilities or logits.
 */
public class Geometric extends Distribution {
    private final ProbsOrLogits param;

    /** Geometric(probs=p) with a number (a float32 0-dim parameter). */
    public Geometric(double probs) {
        this(Dist.scalar(probs), null, null);
    }

    /**
     * From exactly one of {@code probs} (in (0, 1]) and {@code logits}; {@code validateArgs} null for the global default.
     *
     * @throws IllegalArgumentException PyTorch's messages: both or neither given, or a probability outside (0, 1]
     */
    public Geometric(Tensor probs, Tensor logits, Boolean validateArgs) {
        this(ProbsOrLogits.binary(probs, logits), validateArgs);
    }

    private Geometric(ProbsOrLogits param, Boolean validateArgs) {
        super(param.given().shape(), new int[0], validateArgs);
        this.param = param;
        validateParams();
        if (this.validateArgs && param.fromProbs()) {
            Tensor probs = param.given();
            // the check beyond unit_interval: probs > 0 (the message quotes the invalid values only)
            Tensor invalid;
            try (GradMode off = Ember.noGrad()) {
                Tensor ok = probs.detach().gt(0.0);
                invalid = ok.all() ? null : probs.detach().maskedSelect(ok.logicalNot());
            }
            if (invalid != null) {
                throw new IllegalArgumentException("Expected parameter probs (Tensor of shape " + Dist.tuple(probs.shape())
                        + ") of distribution " + this + " to be positive but found invalid values:\n" + Dist.fmt(invalid));
            }
        }
    }

    /** Geometric(probs=p). */
    public static Geometric ofProbs(Tensor probs) {
        return new Geometric(Dist.require(probs, "Geometric", "probs"), null, null);
    }

    /** Geometric(logits=l). */
    public static Geometric ofLogits(Tensor logits) {
        return new Geometric(null, Dist.require(logits, "Geometric", "logits"), null);
    }

    /** The success probabilities. */
    public Tensor probs() {
        return param.probs();
    }

    /** The log-odds of success. */
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
        return Constraint.NONNEGATIVE_INTEGER;
    }

    @Override
    public Tensor mean() {
        return probs().reciprocal().sub(1.0);
    }

    @Override
    public Tensor mode() {
        return probs().zerosLike();
    }

    @Override
    public Tensor variance() {
        return probs().reciprocal().sub(1.0).div(probs());
    }

    @Override
    public Tensor sample(Generator generator, int... sampleShape) {
        Dist.require(generator, "sample", "generator");
        int[] shape = extendedShape(sampleShape);
        try (GradMode off = Ember.noGrad()) {
            Tensor p = probs().detach();
            double tiny = p.dtype() == dev.ember.DType.FLOAT64 ? Double.MIN_NORMAL : Float.MIN_NORMAL;
            Tensor u = p.newEmpty(shape).uniform_(tiny, 1, generator);
            return u.log().div(p.neg().log1p()).floor();
        }
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        Tensor[] vp = Dist.broadcastAll(value, probs());
        Tensor p = Tensor.where(vp[1].eq(1.0).logicalAnd(vp[0].eq(0.0)), vp[1].zerosLike(), vp[1]);
        return vp[0].mul(p.neg().log1p()).add(probs().log());
    }

    @Override
    public Tensor entropy() {
        return Functional.binaryCrossEntropyWithLogits(logits(), probs(), "none").div(probs());
    }

    @Override
    public Geometric expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new Geometric(param.expand(batchShape), validateArgs);
    }
}
