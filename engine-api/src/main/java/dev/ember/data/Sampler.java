package dev.ember.data;

import java.util.PrimitiveIterator;

/**
 * A source of data set indices, as {@code torch.utils.data.Sampler}: each {@link #iterator()} is one epoch's
 * order. Iterating with {@code nextInt()} avoids boxing; a {@code for (int i : sampler)} loop works too.
 */
public interface Sampler extends Iterable<Integer> {
    /** One epoch's indices. */
    @Override
    PrimitiveIterator.OfInt iterator();

    /** How many indices an epoch yields ({@code len(sampler)}). */
    int size();
}
