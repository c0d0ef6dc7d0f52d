package dev.ember.distributions;

import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.nn.Functional;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The negative binomial distribution: the number of successes (probability {@code probs}) before {@code totalCount}
 * failures, as {@code torch.distributions.NegativeBinomial} (samples as Poisson draws of a Gamma rate).
 */
public class NegativeBinomial extends Distribution {
    private final Tensor totalCount;
    private final ProbsOrLogits param;

    /**
     * NegativeBinomial(total_count, probs=, logits=) with exactly one of {@code probs} and {@code logits};
     * {@code validateArgs} null for the global default.
     */
    public NegativeBinomial(Tensor totalCount, Tensor probs, Tensor logits, Boolean validateArgs) {
        this(Dist.require(totalCount, "NegativeBinomial", "total_count"), ProbsOrLogits.binary(probs, logits), validateArgs);
    }

    /** total_count and the parameter broadcast together (total_count in the parameter's type), as broadcast_all. */
    private NegativeBinomial(Tensor totalCount, ProbsOrLogits param, Boolean validateArgs) {
        this(Dist.broadcastAll(totalCount, param.given()), param, validateArgs);
    }

    private NegativeBinomial(Tensor[] b, ProbsOrLogits param, Boolean validateArgs) {
        super(b[1].shape(), new int[0], validateArgs);
        this.totalCount = b[0].typeAs(b[1]);
        this.param = param.with(b[1]);
        validateParams();
    }

    /** NegativeBinomial(total_count, probs=p). */
    public static NegativeBinomial ofProbs(Tensor totalCount, Tensor probs) {
        return new NegativeBinomial(totalCount, Dist.require(probs, "NegativeBinomial", "probs"), null, null);
    }

    /** NegativeBinomial(total_count, logits=l). */
    public static NegativeBinomial ofLogits(Tensor totalCount, Tensor logits) {
        return new NegativeBinomial(totalCount, null, Dist.require(logits, "NegativeBinomial", "logits"), null);
    }

    /** The number of failures to stop at (in the probabilities' type). */
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
        Map<String, Constraint> m = Dist.map("total_count", Constraint.GREATER_THAN_EQ_ZERO);
        m.putAll(ProbsOrLogits.binaryConstraints(Constraint.HALF_OPEN_UNIT_INTERVAL));
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
        Dist.require(batchShape, "expand", "batch_shape");
        return new NegativeBinomial(new Tensor[] {totalCount.expand(batchShape), param.given().expand(batchShape)}, param,
                validateArgs);
    }
}
