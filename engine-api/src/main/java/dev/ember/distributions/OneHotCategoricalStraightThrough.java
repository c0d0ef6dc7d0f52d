package dev.ember.distributions;

import dev.ember.Generator;
import dev.ember.Tensor;

/**
 * A {@link OneHotCategorical} with the straight-through gradient estimator, as
 * {@code torch.distributions.OneHotCategoricalStraightThrough}: {@code rsample} is the one-hot sample plus
 * {@code probs - probs.detach()}, so its value is the sample and its gradient that of the probabilities. Its repr is
 * PyTorch's {@code OneHotCategoricalStraightThrough()}.
 */
public class OneHotCategoricalStraightThrough extends OneHotCategorical {
    /** From exactly one of {@code probs} and {@code logits} (the other null); {@code validateArgs} null for the default. */
    public OneHotCategoricalStraightThrough(Tensor probs, Tensor logits, Boolean validateArgs) {
        this(new Categorical(probs, logits, validateArgs), validateArgs);
    }

    private OneHotCategoricalStraightThrough(Categorical c, Boolean validateArgs) {
        super(c, validateArgs);
    }

    /** OneHotCategoricalStraightThrough(probs=p). */
    public static OneHotCategoricalStraightThrough ofProbs(Tensor probs) {
        return new OneHotCategoricalStraightThrough(Dist.require(probs, "OneHotCategoricalStraightThrough", "probs"), null,
                null);
    }

    /** OneHotCategoricalStraightThrough(logits=l). */
    public static OneHotCategoricalStraightThrough ofLogits(Tensor logits) {
        return new OneHotCategoricalStraightThrough(null, Dist.require(logits, "OneHotCategoricalStraightThrough", "logits"),
                null);
    }

    @Override
    public boolean hasRsample() {
        return true;
    }

    @Override
    public Tensor rsample(Generator generator, int... sampleShape) {
        Tensor samples = sample(generator, sampleShape);
        Tensor probs = categorical().probs();
        return samples.add(probs.sub(probs.detach()));
    }

    @Override
    public OneHotCategoricalStraightThrough expand(int... batchShape) {
        return new OneHotCategoricalStraightThrough(categorical().expand(batchShape), validateArgs);
    }
}
