package dev.ember.distributions;

import dev.ember.Tensor;

/**
 * A distribution of the exponential family, as {@code torch.distributions.ExponentialFamily}: the KL divergence between
 * two of different types that no formula covers is PyTorch's Bregman-divergence error.
 */
public abstract class ExponentialFamily extends Distribution {
    /** A distribution of the given shapes ({@code validateArgs} null: the global default). */
    protected ExponentialFamily(int[] batchShape, int[] eventShape, Boolean validateArgs) {
        super(batchShape, eventShape, validateArgs);
    }

    /**
     * {@code _natural_params}, for {@code _kl_expfamily_expfamily} (the families with no KL formula of their own
     * override it): PyTorch's base raises a bare NotImplementedError.
     */
    Tensor[] naturalParams() {
        throw new UnsupportedOperationException();
    }

    /** {@code _log_normalizer(*natural_params)}, as {@link #naturalParams}. */
    Tensor logNormalizer(Tensor... naturalParams) {
        throw new UnsupportedOperationException();
    }
}
