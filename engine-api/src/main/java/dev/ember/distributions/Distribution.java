package dev.ember.distributions;

import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A probability distribution, as {@code torch.distributions.Distribution}: a batch of independent distributions
 * ({@link #batchShape()}) over events of {@link #eventShape()}. {@link #sample} draws without history; {@link #rsample}
 * (where {@link #hasRsample()}) draws by reparameterization so gradients reach the parameters. With validation on (the
 * default, as PyTorch's), the parameters are checked against their constraints at construction and values against the
 * support in {@link #logProb}, with PyTorch's messages (as {@code IllegalArgumentException}, PyTorch's ValueError).
 * Samples come from the {@link Generator}'s Philox stream (the global one unless given), so values differ from
 * PyTorch's while their distribution is the same.
 */
public abstract class Distribution {
    private static volatile boolean defaultValidateArgs = true;

    private final int[] batchShape;
    private final int[] eventShape;
    /** Whether arguments are validated, as {@code Distribution._validate_args}. */
    protected final boolean validateArgs;

    /**
     * A distribution of the given shapes; {@code validateArgs} null means the global default
     * ({@link #setDefaultValidateArgs}).
     */
    protected Distribution(int[] batchShape, int[] eventShape, Boolean validateArgs) {
        this.batchShape = batchShape.clone();
        this.eventShape = eventShape.clone();
        this.validateArgs = validateArgs == null ? defaultValidateArgs : validateArgs;
    }

    /** Sets whether new distributions validate their arguments, as {@code Distribution.set_default_validate_args}. */
    public static void setDefaultValidateArgs(boolean value) {
        defaultValidateArgs = value;
    }

    /** Whether new distributions validate their arguments by default (true unless set). */
    public static boolean defaultValidateArgs() {
        return defaultValidateArgs;
    }

    /** The shape over which parameters are batched, as {@code batch_shape}. */
    public int[] batchShape() {
        return batchShape.clone();
    }

    /** The shape of one sample, as {@code event_shape}. */
    public int[] eventShape() {
        return eventShape.clone();
    }

    /** Whether {@link #rsample} is implemented, as {@code has_rsample}. */
    public boolean hasRsample() {
        return false;
    }

    /** Whether {@link #enumerateSupport} is implemented, as {@code has_enumerate_support}. */
    public boolean hasEnumerateSupport() {
        return false;
    }

    /** The parameters' constraints by name, as {@code arg_constraints}. */
    public Map<String, Constraint> argConstraints() {
        return new LinkedHashMap<>();
    }

    /** The parameters this distribution was made from, by name, in {@link #argConstraints()}'s order (for the repr). */
    protected Map<String, Tensor> params() {
        return new LinkedHashMap<>();
    }

    /** The region of values with positive probability, as {@code support}. */
    public abstract Constraint support();

    /** {@code sample_shape + batch_shape + event_shape}, as {@code _extended_shape}. */
    protected int[] extendedShape(int[] sampleShape) {
        Dist.require(sampleShape, "sample", "sample_shape");
        return Dist.concat(sampleShape, batchShape, eventShape);
    }

    /** One sample (of {@code batch_shape + event_shape}) from the global generator, with no history. */
    public Tensor sample() {
        return sample(Ember.defaultGenerator(), new int[0]);
    }

    /** Samples of {@code sampleShape + batch_shape + event_shape} from the global generator, with no history. */
    public Tensor sample(int... sampleShape) {
        return sample(Ember.defaultGenerator(), sampleShape);
    }

    /** Samples from {@code generator}, with no history, as {@code sample(sample_shape)}. */
    public Tensor sample(Generator generator, int... sampleShape) {
        Dist.require(generator, "sample", "generator");
        Dist.require(sampleShape, "sample", "sample_shape");
        try (GradMode off = Ember.noGrad()) {
            return rsample(generator, sampleShape);
        }
    }

    /** A reparameterized sample from the global generator. */
    public Tensor rsample(int... sampleShape) {
        return rsample(Ember.defaultGenerator(), sampleShape);
    }

    /**
     * Reparameterized samples (gradients flow to the parameters), as {@code rsample(sample_shape)}.
     *
     * @throws UnsupportedOperationException where the distribution has none ({@link #hasRsample()} false), as PyTorch's
     *     NotImplementedError
     */
    public Tensor rsample(Generator generator, int... sampleShape) {
        Dist.require(generator, "rsample", "generator");
        Dist.require(sampleShape, "rsample", "sample_shape");
        throw new UnsupportedOperationException();
    }

    /** The log of the probability density or mass at {@code value}, as {@code log_prob}. */
    public abstract Tensor logProb(Tensor value);

    /** The cumulative distribution function at {@code value}, as {@code cdf}. */
    public Tensor cdf(Tensor value) {
        Dist.require(value, "cdf", "value");
        throw new UnsupportedOperationException();
    }

    /** The inverse cumulative distribution function at {@code value}, as {@code icdf}. */
    public Tensor icdf(Tensor value) {
        Dist.require(value, "icdf", "value");
        throw new UnsupportedOperationException();
    }

    /** The entropy of each distribution in the batch, as {@code entropy()}. */
    public Tensor entropy() {
        throw new UnsupportedOperationException();
    }

    /** {@code exp(entropy())}, as {@code perplexity()}. */
    public Tensor perplexity() {
        return entropy().exp();
    }

    /** The mean, as {@code mean}. */
    public Tensor mean() {
        throw new UnsupportedOperationException();
    }

    /** The mode, as {@code mode}. */
    public Tensor mode() {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not implement mode");
    }

    /** The variance, as {@code variance}. */
    public Tensor variance() {
        throw new UnsupportedOperationException();
    }

    /** The standard deviation, {@code variance().sqrt()}, as {@code stddev}. */
    public Tensor stddev() {
        return variance().sqrt();
    }

    /** Every value of a discrete support, as {@code enumerate_support(expand=True)}. */
    public Tensor enumerateSupport() {
        return enumerateSupport(true);
    }

    /** Every value of a discrete support, expanded over the batch when {@code expand}, as {@code enumerate_support}. */
    public Tensor enumerateSupport(boolean expand) {
        throw new UnsupportedOperationException();
    }

    /**
     * This distribution with its parameters expanded to {@code batchShape} (views; no copy), as {@code expand}.
     *
     * @throws IllegalArgumentException with {@code expand}'s message where the parameters do not expand to it
     */
    public abstract Distribution expand(int... batchShape);

    /** The parameters' names and values checked against their constraints, with PyTorch's ValueError message. */
    protected final void validateParams() {
        if (!validateArgs) {
            return;
        }
        Map<String, Tensor> values = params();
        for (Map.Entry<String, Constraint> c : argConstraints().entrySet()) {
            Constraint constraint = c.getValue();
            Tensor value = values.get(c.getKey());
            if (constraint.isDependent() || value == null) {
                continue;
            }
            Tensor ok = constraint.check(value);
            if (!ok.all()) {
                throw new IllegalArgumentException("Expected parameter " + c.getKey() + " (Tensor of shape "
                        + Dist.tuple(value.shape()) + ") of distribution " + this + " to satisfy the constraint " + constraint
                        + ", but found invalid values:\n" + Dist.fmt(value));
            }
        }
    }

    /**
     * {@code _validate_sample}: the value's rightmost dims equal {@code event_shape}, the value broadcasts with
     * {@code batch_shape + event_shape}, and it lies in the support; PyTorch's messages.
     */
    protected void validateSample(Tensor value) {
        Dist.require(value, "log_prob", "value");
        if (validateArgs) {
            checkSample(value);
        }
    }

    /**
     * PyTorch's {@code _validate_sample} itself, whatever this distribution's {@code validate_args} (a
     * TransformedDistribution validates its base's samples by its own flag, not the base's).
     */
    void checkSample(Tensor value) {
        int[] shape = value.shape();
        int eventDimStart = shape.length - eventShape.length;
        if (eventDimStart < 0 || !Arrays.equals(Arrays.copyOfRange(shape, eventDimStart, shape.length), eventShape)) {
            // PyTorch prints the whole value.size(), not its right-most part
            throw new IllegalArgumentException("The right-most size of value must match event_shape: " + Format.size(shape)
                    + " vs " + Format.size(eventShape) + ".");
        }
        int[] actual = Arrays.copyOfRange(shape, 0, eventDimStart);
        int[] expected = batchShape;
        for (int i = 1; i <= Math.min(actual.length, expected.length); i++) {
            int a = actual[actual.length - i];
            int e = expected[expected.length - i];
            if (a != 1 && e != 1 && a != e) {
                throw new IllegalArgumentException("Value is not broadcastable with batch_shape+event_shape: "
                        + Format.size(shape) + " vs " + Format.size(Dist.concat(batchShape, eventShape)) + ".");
            }
        }
        Constraint support = support();
        Tensor ok = support.check(value);
        if (!ok.all()) {
            throw new IllegalArgumentException("Expected value argument (Tensor of shape " + Dist.tuple(shape)
                    + ") to be within the support (" + support + ") of the distribution " + this
                    + ", but found invalid values:\n" + Dist.fmt(value));
        }
    }

    /** PyTorch's repr: {@code Normal(loc: 0.0, scale: torch.Size([2]))} (a one-element parameter as its value). */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(getClass().getSimpleName()).append("(");
        boolean first = true;
        for (Map.Entry<String, Tensor> p : params().entrySet()) {
            b.append(first ? "" : ", ").append(p.getKey()).append(": ");
            Tensor v = p.getValue();
            b.append(v.numel() == 1 ? Dist.fmt(v) : Format.size(v.shape()));
            first = false;
        }
        return b.append(")").toString();
    }

    /** The parameter expanded to {@code batchShape + tail}, as {@code expand}'s {@code param.expand(batch_shape)}. */
    static Tensor expandParam(Tensor p, int[] batchShape, int[] tail) {
        return p.expand(Dist.concat(batchShape, tail));
    }
}
