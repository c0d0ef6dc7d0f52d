package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.Map;

/**
 * The relaxed one-hot categorical (Concrete, Gumbel-softmax) distribution on the simplex, as {@code torch.distributions.RelaxedOneHotCategorical}: a
 * {@link ExpRelaxedCategorical} pushed through an {@link ExpTransform}, reparameterized. Its repr is PyTorch's
 * {@code RelaxedOneHotCategorical()}.
 */
public class RelaxedOneHotCategorical extends RelaxedTransformed<ExpRelaxedCategorical> {
    /**
     * RelaxedOneHotCategorical(temperature, probs=, logits=) with exactly one of {@code probs} and {@code logits};
     * {@code validateArgs} null for the global default.
     */
    public RelaxedOneHotCategorical(Tensor temperature, Tensor probs, Tensor logits, Boolean validateArgs) {
        this(new ExpRelaxedCategorical(temperature, probs, logits, validateArgs), validateArgs);
    }

    private RelaxedOneHotCategorical(ExpRelaxedCategorical base, Boolean validateArgs) {
        super(base, new ExpTransform(), validateArgs);
    }

    /** RelaxedOneHotCategorical(temperature, probs=p). */
    public static RelaxedOneHotCategorical ofProbs(Tensor temperature, Tensor probs) {
        return new RelaxedOneHotCategorical(temperature, Dist.require(probs, "RelaxedOneHotCategorical", "probs"), null, null);
    }

    /** RelaxedOneHotCategorical(temperature, logits=l). */
    public static RelaxedOneHotCategorical ofLogits(Tensor temperature, Tensor logits) {
        return new RelaxedOneHotCategorical(temperature, null, Dist.require(logits, "RelaxedOneHotCategorical", "logits"), null);
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        return ProbsOrLogits.categoricalConstraints();
    }

    @Override
    public Constraint support() {
        return Constraint.SIMPLEX;
    }

    @Override
    public RelaxedOneHotCategorical expand(int... batchShape) {
        return new RelaxedOneHotCategorical(baseDist().expand(batchShape), validateArgs);
    }
}
