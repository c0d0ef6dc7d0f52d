package dev.ember.data;

import dev.ember.Ember;
import dev.ember.Generator;

import java.util.PrimitiveIterator;

/**
 * Given indices in a random order each epoch, without replacement, as {@code torch.utils.data.SubsetRandomSampler}.
 */
public final class SubsetRandomSampler implements Sampler {
    private final int[] indices;
    private final Generator generator;

    /**
     * A sampler over {@code indices} (copied), shuffled by {@code generator} (null: the default generator).
     *
     * @throws IllegalArgumentException for null indices
     */
    public SubsetRandomSampler(int[] indices, Generator generator) {
        this.indices = DataChecks.require(indices, "SubsetRandomSampler", "indices").clone();
        this.generator = generator;
    }

    @Override
    public PrimitiveIterator.OfInt iterator() {
        // PyTorch's generator function draws its randperm at the first index
        return Samplers.lazy(() -> {
            int[] order = Samplers.permutation(indices.length, generator != null ? generator : Ember.defaultGenerator());
            int[] out = new int[order.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = indices[order[i]];
            }
            return out;
        });
    }

    @Override
    public int size() {
        return indices.length;
    }
}
