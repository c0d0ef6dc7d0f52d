package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.Map;

/**
 * The relaxed Bernoulli (binary Concrete) distribution on (0, 1), as {@code torch.distributions.RelaxedBernoulli}: a
 * {@link LogitRelaxedBernoulli} pushed through a {@link SigmoidTransform}, reparameterized. Its repr is PyTorch's
 * {@code RelaxedBernoulli()}.
 */
public class RelaxedBernoulli extends RelaxedTransformed<LogitRelaxedBernoulli> {
    /**
     * RelaxedBernoulli(temperature, probs=, logits=) with exactly one of {@code probs} and {@code logits};
     * {@code validateArgs} null for the global default (the base is validated with the global default, as PyTorch's).
     */
    public RelaxedBernoulli(Tensor temperature, Tensor probs, Tensor logits, Boolean validateArgs) {
        this(new LogitRelaxedBernoulli(temperature, probs, logits, null), validateArgs);
    }

    private RelaxedBernoulli(LogitRelaxedBernoulli base, Boolean validateArgs) {
        super(base, new SigmoidTransform(), validateArgs);
    }

    /** RelaxedBernoulli(temperature, probs=p). */
    public static RelaxedBernoulli ofProbs(Tensor temperature, Tensor probs) {
        return new RelaxedBernoulli(temperature, Dist.require(probs, "RelaxedBernoulli", "probs"), null, null);
    }

    /** RelaxedBernoulli(temperature, logits=l). */
    public static RelaxedBernoulli ofLogits(Tensor temperature, Tensor logits) {
        return new RelaxedBernoulli(temperature, null, Dist.require(logits, "RelaxedBernoulli", "logits"), null);
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        return ProbsOrLogits.binaryConstraints(Constraint.UNIT_INTERVAL);
    }

    @Override
    public Constraint support() {
        return Constraint.UNIT_INTERVAL;
    }

    @Override
    public RelaxedBernoulli expand(int... batchShape) {
        return new RelaxedBernoulli(baseDist().expand(batchShape), validateArgs);
    }
}
