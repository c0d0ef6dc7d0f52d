package dev.ember.distributions;

import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The binomial distribution: successes in {@code totalCount} trials of probability {@code probs}, as
 * {@code torch.distributions.Binomial} (samples by {@link Tensor#binomial}).
 */
public class Binomial extends Distribution {
    private final Tensor totalCount;
    private final ProbsOrLogits param;

    /**
     * Binomial(total_count, probs=, logits=) with exactly one of {@code probs} and {@code logits}; {@code validateArgs}
     * null for the global default.
     */
    public Binomial(Tensor totalCount, Tensor probs, Tensor logits, Boolean validateArgs) {
        this(Dist.require(totalCount, "Binomial", "total_count"), ProbsOrLogits.binary(probs, logits), validateArgs);
    }

    /** total_count and the parameter broadcast together (total_count in the parameter's type), as broadcast_all. */
    private Binomial(Tensor totalCount, ProbsOrLogits param, Boolean validateArgs) {
        this(Dist.broadcastAll(totalCount, param.given()), param, validateArgs);
    }

    private Binomial(Tensor[] b, ProbsOrLogits param, Boolean validateArgs) {
        super(b[1].shape(), new int[0], validateArgs);
        this.totalCount = b[0].typeAs(b[1]);
        this.param = param.with(b[1]);
        validateParams();
    }

    /** Binomial(total_count, probs=p). */
    public static Binomial ofProbs(Tensor totalCount, Tensor probs) {
        return new Binomial(totalCount, Dist.require(probs, "Binomial", "probs"), null, null);
    }

    /** Binomial(total_count, logits=l). */
    public static Binomial ofLogits(Tensor totalCount, Tensor logits) {
        return new Binomial(totalCount, null, Dist.require(logits, "Binomial", "logits"), null);
    }

    /** The number of trials (in the probabilities' type). */
    public Tensor totalCount() {
        return totalCount;
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
        Map<String, Constraint> m = Dist.map("total_count", Constraint.NONNEGATIVE_INTEGER);
        m.putAll(ProbsOrLogits.binaryConstraints(Constraint.UNIT_INTERVAL));
        return m;
    }

    @Override
    protected Map<String, Tensor> params() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("total_count", totalCount);
        return param.putInto(m);
    }

    @Override
    public Constraint support() {
        return Constraint.integerInterval(totalCount);
    }

    @Override
    public boolean hasEnumerateSupport() {
        return true;
    }

    @Override
    public Tensor mean() {
        return totalCount.mul(probs());
    }

    @Override
    public Tensor mode() {
        return totalCount.add(1.0).mul(probs()).floor().minimum(totalCount);
    }

    @Override
    public Tensor variance() {
        return totalCount.mul(probs()).mul(probs().rsub(1.0));
    }

    @Override
    public Tensor sample(Generator generator, int... sampleShape) {
        Dist.require(generator, "sample", "generator");
        int[] shape = extendedShape(sampleShape);
        try (GradMode off = Ember.noGrad()) {
            return Tensor.binomial(totalCount.detach().expand(shape), probs().detach().expand(shape), generator);
        }
    }

    private static Tensor clampByZero(Tensor x) {
        return x.clampMin(0.0).add(x).sub(x.clampMax(0.0)).div(2.0);
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        Tensor l = logits();
        Tensor logFactorialN = totalCount.add(1.0).lgamma();
        Tensor logFactorialK = value.add(1.0).lgamma();
        Tensor logFactorialNmk = totalCount.sub(value).add(1.0).lgamma();
        Tensor normalizeTerm = totalCount.mul(clampByZero(l)).add(totalCount.mul(l.abs().neg().exp().log1p()))
                .sub(logFactorialN);
        return value.mul(l).sub(logFactorialK).sub(logFactorialNmk).sub(normalizeTerm);
    }

    @Override
    public Tensor enumerateSupport(boolean expand) {
        int total;
        boolean homogeneous;
        try (GradMode off = Ember.noGrad()) {
            total = (int) totalCount.detach().max().item();
            homogeneous = totalCount.detach().min().item() == total;
        }
        if (!homogeneous) {
            throw new UnsupportedOperationException("Inhomogeneous total count not supported by `enumerate_support`.");
        }
        int[] batch = batchShape();
        Tensor values = Tensor.arange(0, 1 + total, 1, totalCount.dtype()).to(totalCount.device());
        int[] view = new int[1 + batch.length];
        Arrays.fill(view, 1);
        view[0] = -1;
        values = values.reshape(view);
        return expand ? values.expand(Dist.concat(new int[] {1 + total}, batch)) : values;
    }

    /**
     * PyTorch's entropy: {@code -sum(p log p)} over the enumerated support.
     *
     * @throws UnsupportedOperationException PyTorch's message where the total counts differ
     */
    @Override
    public Tensor entropy() {
        boolean homogeneous;
        try (GradMode off = Ember.noGrad()) {
            homogeneous = totalCount.detach().min().item() == (int) totalCount.detach().max().item();
        }
        if (!homogeneous) {
            throw new UnsupportedOperationException("Inhomogeneous total count not supported by `entropy`.");
        }
        Tensor logProb = logProb(enumerateSupport(false));
        return logProb.exp().mul(logProb).sum(0).neg();
    }

    @Override
    public Binomial expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new Binomial(new Tensor[] {totalCount.expand(batchShape), param.given().expand(batchShape)}, param,
                validateArgs);
    }
}
