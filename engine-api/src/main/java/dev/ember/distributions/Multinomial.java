package dev.ember.distributions;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;

import java.util.Map;

/**
 * The multinomial distribution: the counts of each of K categories in {@code totalCount} draws of a {@link Categorical}
 * (probabilities along the last dim of {@code probs}, or of {@code logits}, normalized), as
 * {@code torch.distributions.Multinomial}; event shape {@code (K,)}. Samples count {@code totalCount} categorical draws;
 * {@code logProb} accepts any total per value (PyTorch's); its repr is PyTorch's {@code Multinomial()}.
 */
public class Multinomial extends Distribution {
    private final int totalCount;
    private final Categorical categorical;

    /**
     * Multinomial(total_count, probs=, logits=) with exactly one of {@code probs} and {@code logits} (the other null);
     * {@code validateArgs} null for the global default. The categorical is validated with the global default, as PyTorch's.
     */
    public Multinomial(int totalCount, Tensor probs, Tensor logits, Boolean validateArgs) {
        this(totalCount, new Categorical(probs, logits, null), validateArgs);
    }

    private Multinomial(int totalCount, Categorical categorical, Boolean validateArgs) {
        super(categorical.batchShape(), new int[] {categorical.numEvents()}, validateArgs);
        this.totalCount = totalCount;
        this.categorical = categorical;
    }

    /** Multinomial(total_count, probs=p). */
    public static Multinomial ofProbs(int totalCount, Tensor probs) {
        return new Multinomial(totalCount, Dist.require(probs, "Multinomial", "probs"), null, null);
    }

    /** Multinomial(total_count, logits=l). */
    public static Multinomial ofLogits(int totalCount, Tensor logits) {
        return new Multinomial(totalCount, null, Dist.require(logits, "Multinomial", "logits"), null);
    }

    /** The number of draws, as {@code total_count}. */
    public int totalCount() {
        return totalCount;
    }

    /** The normalized probabilities. */
    public Tensor probs() {
        return categorical.probs();
    }

    /** The normalized logits. */
    public Tensor logits() {
        return categorical.logits();
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        return ProbsOrLogits.categoricalConstraints();
    }

    /** {@code constraints.multinomial(total_count)}: nonnegative counts along the last dim summing to at most the total. */
    @Override
    public Constraint support() {
        return Constraint.multinomial(totalCount);
    }

    @Override
    public Tensor mean() {
        return probs().mul((double) totalCount);
    }

    @Override
    public Tensor variance() {
        Tensor p = probs();
        return p.mul((double) totalCount).mul(p.rsub(1.0));
    }

    @Override
    public Tensor sample(Generator generator, int... sampleShape) {
        Dist.require(generator, "sample", "generator");
        Dist.require(sampleShape, "sample", "sample_shape");
        int[] shape = extendedShape(sampleShape);
        try (GradMode off = Ember.noGrad()) {
            // (total_count, sample_shape, batch_shape) category draws, moved last and counted per category
            Tensor samples = categorical.sample(generator, Dist.concat(new int[] {totalCount}, sampleShape));
            samples = samples.movedim(0, -1);
            Tensor counts = Tensor.zeros(DType.INT64, shape).to(samples.device());
            counts = counts.scatterAdd(-1, samples, samples.onesLike());
            return counts.typeAs(probs());
        }
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        Tensor[] b = Dist.broadcastAll(logits(), value);
        Tensor l = b[0];
        Tensor v = b[1];
        Tensor logFactorialN = v.sum(-1).add(1.0).lgamma();
        Tensor logFactorialXs = v.add(1.0).lgamma().sum(-1);
        // logits[(value == 0) & (logits == -inf)] = 0
        Tensor zeroed = v.eq(0L).logicalAnd(l.eq(Double.NEGATIVE_INFINITY));
        l = l.maskedFill(zeroed, 0.0);
        Tensor logPowers = l.mul(v).sum(-1);
        return logFactorialN.sub(logFactorialXs).add(logPowers);
    }

    /** PyTorch's entropy: {@code n H(categorical) - lgamma(n + 1)} plus the expected {@code sum lgamma(x_i + 1)}. */
    @Override
    public Tensor entropy() {
        Tensor catEntropy = categorical.entropy();
        // n = torch.tensor(total_count) is an int64 tensor, so lgamma(n + 1) is computed in the default dtype
        Tensor n = Tensor.full(DType.INT64, totalCount).to(catEntropy.device());
        Tensor term1 = catEntropy.mul((double) totalCount).sub(n.add(1L).lgamma());
        Binomial binomial = new Binomial(Dist.scalar(totalCount), probs(), null, false);
        Tensor support = binomial.enumerateSupport(false).narrow(0, 1, totalCount);
        Tensor binomialProbs = binomial.logProb(support).exp();
        Tensor weights = support.add(1.0).lgamma();
        Tensor term2 = binomialProbs.mul(weights).sum(new int[] {0, -1}, false);
        return term1.add(term2);
    }

    @Override
    public Multinomial expand(int... batchShape) {
        return new Multinomial(totalCount, categorical.expand(batchShape), validateArgs);
    }
}
