package dev.ember.distributions;

import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;

import java.util.Arrays;
import java.util.Map;

/**
 * The binomial distribution: successes in {@code totalCount} trials of probability {@code probs}, as
 * {@code torch.distributions.Binomial} (samples by {@link Tensor#binomial}).
 */
public class Binomial extends CountDistribution {
    /**
     * Binomial(total_count, probs=, logits=) with exactly one of {@code probs} and {@code logits}; {@code validateArgs}
     * null for the global default.
     */
    public Binomial(Tensor totalCount, Tensor probs, Tensor logits, Boolean validateArgs) {
        super("Binomial", totalCount, probs, logits, validateArgs);
    }

    private Binomial(Tensor[] broadcast, ProbsOrLogits param, Boolean validateArgs) {
        super(broadcast, param, validateArgs);
    }

    /** Binomial(total_count, probs=p). */
    public static Binomial ofProbs(Tensor totalCount, Tensor probs) {
        return new Binomial(totalCount, Dist.require(probs, "Binomial", "probs"), null, null);
    }

    /** Binomial(total_count, logits=l). */
    public static Binomial ofLogits(Tensor totalCount, Tensor logits) {
        return new Binomial(totalCount, null, Dist.require(logits, "Binomial", "logits"), null);
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        Map<String, Constraint> m = Dist.map("total_count", Constraint.NONNEGATIVE_INTEGER);
        m.putAll(ProbsOrLogits.binaryConstraints(Constraint.UNIT_INTERVAL));
        return m;
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
        return new Binomial(expandedParams(batchShape), param, validateArgs);
    }
}
