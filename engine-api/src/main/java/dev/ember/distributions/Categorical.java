package dev.ember.distributions;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The categorical distribution over {@code {0, ..., K-1}} along the last dim of {@code probs} (normalized to sum to 1)
 * or of {@code logits} (normalized by subtracting their logsumexp), as {@code torch.distributions.Categorical}.
 */
public class Categorical extends Distribution {
    private final ProbsOrLogits param;
    private final int numEvents;

    /**
     * A categorical distribution from exactly one of {@code probs} and {@code logits} (the other null), at least 1-D;
     * {@code validateArgs} null for the global default.
     */
    public Categorical(Tensor probs, Tensor logits, Boolean validateArgs) {
        this(new ProbsOrLogits(normalize(probs, logits), probs != null, false, false), validateArgs);
    }

    private Categorical(ProbsOrLogits param, Boolean validateArgs) {
        super(batchShapeOf(param.given()), new int[0], validateArgs);
        this.param = param;
        this.numEvents = param.given().size(-1);
        validateParams();
    }

    private static int[] batchShapeOf(Tensor param) {
        return param.dim() > 1 ? Arrays.copyOf(param.shape(), param.dim() - 1) : new int[0];
    }

    /** Categorical(probs=p). */
    public static Categorical ofProbs(Tensor probs) {
        return new Categorical(Dist.require(probs, "Categorical", "probs"), null, null);
    }

    /** Categorical(logits=l). */
    public static Categorical ofLogits(Tensor logits) {
        return new Categorical(null, Dist.require(logits, "Categorical", "logits"), null);
    }

    private static Tensor normalize(Tensor probs, Tensor logits) {
        ProbsOrLogits.checkOne(probs, logits);
        if (probs != null) {
            if (probs.dim() < 1) {
                throw new IllegalArgumentException("`probs` parameter must be at least one-dimensional.");
            }
            return probs.div(probs.sum(new int[] {-1}, true));
        }
        if (logits.dim() < 1) {
            throw new IllegalArgumentException("`logits` parameter must be at least one-dimensional.");
        }
        return logits.sub(logits.logsumexp(new int[] {-1}, true));
    }

    /** The normalized probabilities (softmax of the logits where those were given). */
    public Tensor probs() {
        return param.probs();
    }

    /** The normalized logits (the log of the clamped probabilities where those were given). */
    public Tensor logits() {
        return param.logits();
    }

    /** The number of categories K. */
    public int numEvents() {
        return numEvents;
    }

    /** The parameter that was given (normalized). */
    Tensor param() {
        return param.given();
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        return ProbsOrLogits.categoricalConstraints();
    }

    @Override
    protected Map<String, Tensor> params() {
        return param.putInto(new LinkedHashMap<>());
    }

    @Override
    public Constraint support() {
        return Constraint.integerInterval(0, numEvents - 1);
    }

    @Override
    public boolean hasEnumerateSupport() {
        return true;
    }

    @Override
    public Tensor mean() {
        // from probs, as PyTorch's (torch.full(..., dtype=self.probs.dtype)): the lazy probs then show in the repr
        return probs().newFull(extendedShape(new int[0]), Double.NaN);
    }

    @Override
    public Tensor mode() {
        return probs().argmax(-1, false);
    }

    @Override
    public Tensor variance() {
        return probs().newFull(extendedShape(new int[0]), Double.NaN);
    }

    @Override
    public Tensor sample(Generator generator, int... sampleShape) {
        Dist.require(generator, "sample", "generator");
        Dist.require(sampleShape, "sample", "sample_shape");
        long n = 1;
        for (int s : sampleShape) {
            n *= s;
        }
        int[] shape = extendedShape(sampleShape);
        try (GradMode off = Ember.noGrad()) {
            Tensor probs2d = probs().detach().reshape(-1, numEvents);
            if (n == 0) {
                probs2d.multinomial(0, true, generator); // PyTorch's multinomial refuses: cannot sample n_sample <= 0
            }
            if (probs2d.size(0) == 0) {
                return Tensor.zeros(DType.INT64, shape).to(probs2d.device());
            }
            Tensor samples2d = probs2d.multinomial((int) n, true, generator).mT();
            return samples2d.reshape(shape);
        }
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        Tensor v = value.to(DType.INT64).unsqueeze(-1);
        Tensor[] b = Dist.broadcastAll(v, logits());
        Tensor index = b[0].narrow(-1, 0, 1);
        return b[1].gather(-1, index).squeeze(-1);
    }

    @Override
    public Tensor entropy() {
        Tensor l = logits();
        Tensor clamped = l.clampMin(Dist.finfoMin(l.dtype()));
        return clamped.mul(probs()).sum(-1).neg();
    }

    @Override
    public Tensor enumerateSupport(boolean expand) {
        int[] batch = batchShape();
        Tensor values = Tensor.arange(numEvents).to(param().device());
        int[] view = new int[1 + batch.length];
        Arrays.fill(view, 1);
        view[0] = -1;
        values = values.reshape(view);
        if (expand) {
            values = values.expand(Dist.concat(new int[] {numEvents}, batch));
        }
        return values;
    }

    @Override
    public Categorical expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new Categorical(this.param.expand(Dist.concat(batchShape, new int[] {numEvents})), validateArgs);
    }
}
