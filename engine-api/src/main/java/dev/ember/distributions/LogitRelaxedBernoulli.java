package dev.ember.distributions;

import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The logit of a relaxed Bernoulli (binary Concrete) variable of temperature {@code temperature}, as
 * {@code torch.distributions.relaxed_bernoulli.LogitRelaxedBernoulli}: {@code rsample} is
 * {@code (logit(u) + logit(p)) / temperature} for uniform noise u, so gradients reach probs/logits and the temperature.
 */
public class LogitRelaxedBernoulli extends Distribution implements RelaxedBase {
    private final Tensor temperature;
    private final ProbsOrLogits param;

    /**
     * LogitRelaxedBernoulli(temperature, probs=, logits=) with exactly one of {@code probs} and {@code logits};
     * {@code validateArgs} null for the global default.
     */
    public LogitRelaxedBernoulli(Tensor temperature, Tensor probs, Tensor logits, Boolean validateArgs) {
        this(Dist.require(temperature, "LogitRelaxedBernoulli", "temperature"), ProbsOrLogits.binary(probs, logits),
                validateArgs);
    }

    private LogitRelaxedBernoulli(Tensor temperature, ProbsOrLogits param, Boolean validateArgs) {
        super(param.given().shape(), new int[0], validateArgs);
        this.temperature = temperature;
        this.param = param;
        validateParams();
    }

    /** The temperature. */
    public Tensor temperature() {
        return temperature;
    }

    /** The probabilities. */
    public Tensor probs() {
        return param.probs();
    }

    /** The log-odds. */
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
        return Constraint.REAL;
    }

    @Override
    public boolean hasRsample() {
        return true;
    }

    @Override
    public Tensor rsample(Generator generator, int... sampleShape) {
        Dist.require(generator, "rsample", "generator");
        int[] shape = extendedShape(sampleShape);
        Tensor p = probs();
        Tensor uniforms;
        try (GradMode off = Ember.noGrad()) {
            uniforms = p.detach().newEmpty(shape).uniform_(0, 1, generator);
        }
        return rsampleAt(uniforms);
    }

    /**
     * The reparameterized sample at the given uniform noise (of {@code sample_shape + batch_shape}; clamped as PyTorch's
     * {@code clamp_probs}): what {@link #rsample} computes after drawing it, so its gradients can be checked.
     */
    public Tensor rsampleAt(Tensor uniforms) {
        Dist.require(uniforms, "rsample", "uniforms");
        Tensor p = Dist.clampProbs(probs().expand(uniforms.shape()));
        Tensor u = Dist.clampProbs(uniforms);
        return u.log().sub(u.neg().log1p()).add(p.log()).sub(p.neg().log1p()).div(temperature);
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        Tensor[] b = Dist.broadcastAll(logits(), value);
        Tensor diff = b[0].sub(b[1].mul(temperature));
        return temperature.log().add(diff).sub(diff.exp().log1p().mul(2L));
    }

    @Override
    public LogitRelaxedBernoulli expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new LogitRelaxedBernoulli(temperature, param.expand(batchShape), validateArgs);
    }
}
