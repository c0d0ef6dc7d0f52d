package dev.ember.distributions;

import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;

import java.util.Map;

/**
 * The log of a relaxed one-hot categorical (Concrete / Gumbel-softmax) variable, as
 * {@code torch.distributions.relaxed_categorical.ExpRelaxedCategorical}: {@code rsample} is
 * {@code log_softmax((logits + gumbel) / temperature)}, so gradients reach the logits and the temperature; event shape
 * {@code (K,)}. Its repr is PyTorch's {@code ExpRelaxedCategorical()}.
 */
public class ExpRelaxedCategorical extends Distribution implements RelaxedBase {
    private final Tensor temperature;
    private final Categorical categorical;

    /**
     * ExpRelaxedCategorical(temperature, probs=, logits=) with exactly one of {@code probs} and {@code logits};
     * {@code validateArgs} null for the global default (the categorical is validated with the global default).
     */
    public ExpRelaxedCategorical(Tensor temperature, Tensor probs, Tensor logits, Boolean validateArgs) {
        this(Dist.require(temperature, "ExpRelaxedCategorical", "temperature"), new Categorical(probs, logits, null),
                validateArgs);
    }

    private ExpRelaxedCategorical(Tensor temperature, Categorical categorical, Boolean validateArgs) {
        super(categorical.batchShape(), new int[] {categorical.numEvents()}, validateArgs);
        this.temperature = temperature;
        this.categorical = categorical;
    }

    /** The temperature. */
    public Tensor temperature() {
        return temperature;
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

    @Override
    public Constraint support() {
        return Constraint.REAL_VECTOR;
    }

    @Override
    public boolean hasRsample() {
        return true;
    }

    @Override
    public Tensor rsample(Generator generator, int... sampleShape) {
        Dist.require(generator, "rsample", "generator");
        int[] shape = extendedShape(sampleShape);
        Tensor uniforms;
        try (GradMode off = Ember.noGrad()) {
            uniforms = logits().detach().newEmpty(shape).uniform_(0, 1, generator);
        }
        return rsampleAt(uniforms);
    }

    /**
     * The reparameterized sample at the given uniform noise (of {@code sample_shape + batch_shape + (K,)}; clamped as
     * PyTorch's {@code clamp_probs}): what {@link #rsample} computes after drawing it, so its gradients can be checked.
     */
    public Tensor rsampleAt(Tensor uniforms) {
        Dist.require(uniforms, "rsample", "uniforms");
        Tensor u = Dist.clampProbs(uniforms);
        Tensor gumbels = u.log().neg().log().neg();
        Tensor scores = logits().add(gumbels).div(temperature);
        return scores.sub(scores.logsumexp(new int[] {-1}, true));
    }

    @Override
    public Tensor logProb(Tensor value) {
        int k = categorical.numEvents();
        validateSample(value);
        Tensor[] b = Dist.broadcastAll(logits(), value);
        Tensor logScale = temperature.fullLike((double) k).lgamma().sub(temperature.log().mul((double) -(k - 1)));
        Tensor score = b[0].sub(b[1].mul(temperature));
        score = score.sub(score.logsumexp(new int[] {-1}, true)).sum(-1);
        return score.add(logScale);
    }

    @Override
    public ExpRelaxedCategorical expand(int... batchShape) {
        return new ExpRelaxedCategorical(temperature, categorical.expand(batchShape), validateArgs);
    }
}
