package dev.ember.distributions;

/**
 * A distribution of the exponential family, as {@code torch.distributions.ExponentialFamily}: the KL divergence between
 * two of different types that no formula covers is PyTorch's Bregman-divergence error.
 */
public abstract class ExponentialFamily extends Distribution {
    /** A distribution of the given shapes ({@code validateArgs} null: the global default). */
    protected ExponentialFamily(int[] batchShape, int[] eventShape, Boolean validateArgs) {
        super(batchShape, eventShape, validateArgs);
    }
}
