package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The relaxed one-hot categorical (Concrete, Gumbel-softmax) distribution on the simplex, as {@code torch.distributions.RelaxedOneHotCategorical}: a
 * {@link ExpRelaxedCategorical} pushed through an {@link ExpTransform}, reparameterized. Its repr is PyTorch's
 * {@code RelaxedOneHotCategorical()}.
 */
public class RelaxedOneHotCategorical extends TransformedDistribution {
    /**
     * RelaxedOneHotCategorical(temperature, probs=, logits=) with exactly one of {@code probs} and {@code logits};
     * {@code validateArgs} null for the global default.
     */
    public RelaxedOneHotCategorical(Tensor temperature, Tensor probs, Tensor logits, Boolean validateArgs) {
        this(new ExpRelaxedCategorical(temperature, probs, logits, validateArgs), validateArgs);
    }

    private RelaxedOneHotCategorical(ExpRelaxedCategorical base, Boolean validateArgs) {
        super(base, Collections.singletonList(new ExpTransform()), validateArgs);
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
    public ExpRelaxedCategorical baseDist() {
        return (ExpRelaxedCategorical) super.baseDist();
    }

    /** The temperature. */
    public Tensor temperature() {
        return baseDist().temperature();
    }

    /** The probabilities. */
    public Tensor probs() {
        return baseDist().probs();
    }

    /** The log-odds. */
    public Tensor logits() {
        return baseDist().logits();
    }

    /** The reparameterized sample at the given uniform noise: {@code exp} of the base's {@link ExpRelaxedCategorical#rsampleAt}. */
    public Tensor rsampleAt(Tensor uniforms) {
        return transforms().get(0).forward(baseDist().rsampleAt(uniforms));
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        Map<String, Constraint> m = new LinkedHashMap<>();
        m.put("probs", Constraint.SIMPLEX);
        m.put("logits", Constraint.REAL_VECTOR);
        return m;
    }

    @Override
    public Constraint support() {
        return Constraint.SIMPLEX;
    }

    @Override
    public boolean hasRsample() {
        return true;
    }

    @Override
    public RelaxedOneHotCategorical expand(int... batchShape) {
        return new RelaxedOneHotCategorical(baseDist().expand(batchShape), validateArgs);
    }
}
