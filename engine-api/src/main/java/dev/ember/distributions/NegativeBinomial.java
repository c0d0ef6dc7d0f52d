package dev.ember.distributions;

import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.nn.Functional;

import java.util.Map;

/**
 * The negative binomial distribution: the number of successes (probability {@code probs}) before {@code totalCount}
 * failures, as {@code torch.distributions.NegativeBinomial} (samples as Poisson draws of a Gamma rate).
 */
public class NegativeBinomial extends CountDistribution {
    /**
     * NegativeBinomial(total_count, probs=, logits=) with exactly one of {@code probs} and {@code logits}; {@code validateArgs}
     * null for the global default.
     */
    public NegativeBinomial(Tensor totalCount, Tensor probs, Tensor logits, Boolean validateArgs) {
        super("NegativeBinomial", totalCount, probs, logits, validateArgs);
    }

    private NegativeBinomial(Tensor[] broadcast, ProbsOrLogits param, Boolean validateArgs) {
        super(broadcast, param, validateArgs);
    }

    /** NegativeBinomial(total_count, probs=p). */
    public static NegativeBinomial ofProbs(Tensor totalCount, Tensor probs) {
        return new NegativeBinomial(totalCount, Dist.require(probs, "NegativeBinomial", "probs"), null, null);
    }

    /** NegativeBinomial(total_count, logits=l). */
    public static NegativeBinomial ofLogits(Tensor totalCount, Tensor logits) {
        return new NegativeBinomial(totalCount, null, Dist.require(logits, "NegativeBinomial", "logits"), null);
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        Map<String, Constraint> m = Dist.map("total_count", Constraint.GREATER_THAN_EQ_ZERO);
        m.putAll(ProbsOrLogits.binaryConstraints(Constraint.HALF_OPEN_UNIT_INTERVAL));
        return m;
    }

    @Override
    public Constraint support() {
        return Constraint.NONNEGATIVE_INTEGER;
    }

    @Override
    public Tensor mean() {
        return totalCount.mul(logits().exp());
    }

    @Override
    public Tensor mode() {
        return totalCount.sub(1.0).mul(logits().exp()).floor().clampMin(0.0);
    }

    @Override
    public Tensor variance() {
        return mean().div(logits().neg().sigmoid());
    }

    @Override
    public Tensor sample(Generator generator, int... sampleShape) {
        Dist.require(generator, "sample", "generator");
        Dist.require(sampleShape, "sample", "sample_shape");
        try (GradMode off = Ember.noGrad()) {
            // the Gamma is not validated: total_count may be zero
            Gamma gamma = new Gamma(totalCount.detach(), logits().detach().neg().exp(), false);
            Tensor rate = gamma.sample(generator, sampleShape);
            return Tensor.poisson(rate, generator);
        }
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        Tensor l = logits();
        Tensor logUnnormalizedProb = totalCount.mul(Functional.logsigmoid(l.neg())).add(value.mul(Functional.logsigmoid(l)));
        Tensor logNormalization = totalCount.add(value).lgamma().neg().add(value.add(1.0).lgamma())
                .add(totalCount.lgamma());
        logNormalization = logNormalization.maskedFill(totalCount.add(value).eq(0.0), 0.0);
        return logUnnormalizedProb.sub(logNormalization);
    }

    @Override
    public NegativeBinomial expand(int... batchShape) {
        return new NegativeBinomial(expandedParams(batchShape), param, validateArgs);
    }
}
