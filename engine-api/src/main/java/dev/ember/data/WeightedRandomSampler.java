package dev.ember.data;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;

import java.util.PrimitiveIterator;

/**
 * Indices {@code 0..weights.length-1} drawn with probabilities proportional to the weights, as
 * {@code torch.utils.data.WeightedRandomSampler}: each epoch is one {@code torch.multinomial(weights, numSamples,
 * replacement, generator)} (so its errors, for negative or all-zero weights, come at the first epoch, as in PyTorch).
 */
public final class WeightedRandomSampler implements Sampler {
    private final Tensor weights;
    private final int numSamples;
    private final boolean replacement;
    private final Generator generator;

    /** {@link #WeightedRandomSampler(Tensor, int, boolean, Generator)} with the weights as a float64 tensor. */
    public WeightedRandomSampler(double[] weights, int numSamples, boolean replacement, Generator generator) {
        this(Tensor.tensor(DataChecks.require(weights, "WeightedRandomSampler", "weights"), DType.FLOAT64), numSamples,
                replacement, generator);
    }

    /**
     * A sampler of {@code numSamples} indices per epoch, with or without replacement, drawn from {@code generator}
     * (null: the default generator).
     *
     * @throws IllegalArgumentException for null weights, a sample count that is not positive, or weights that are not
     *     1-D (PyTorch's messages)
     */
    public WeightedRandomSampler(Tensor weights, int numSamples, boolean replacement, Generator generator) {
        DataChecks.require(weights, "WeightedRandomSampler", "weights");
        DataChecks.positive(numSamples, "num_samples");
        if (weights.dim() != 1) {
            throw new IllegalArgumentException("weights should be a 1d sequence but given weights have shape "
                    + DataChecks.tuple(weights));
        }
        this.weights = weights.to(DType.FLOAT64);
        this.numSamples = numSamples;
        this.replacement = replacement;
        this.generator = generator;
    }

    @Override
    public PrimitiveIterator.OfInt iterator() {
        Generator g = generator != null ? generator : Ember.defaultGenerator();
        // PyTorch's generator function draws its multinomial at the first index
        return Samplers.lazy(() -> Samplers.ints(weights.multinomial(numSamples, replacement, g)));
    }

    @Override
    public int size() {
        return numSamples;
    }
}
