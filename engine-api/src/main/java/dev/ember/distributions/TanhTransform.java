package dev.ember.distributions;

import dev.ember.Tensor;

/** y = tanh(x), as {@code torch.distributions.transforms.TanhTransform}, with PyTorch's stable log-det-Jacobian {@code 2 (log 2 - x - softplus(-2x))}. */
public class TanhTransform extends StatelessTransform {
    /** The transform. */
    public TanhTransform() {
        this(0);
    }

    /**
     * The transform with PyTorch's {@code cache_size}, as {@code TanhTransform(cache_size=1)} in SAC's squashed
     * Normal: {@code log_prob} of the sample it made then reads the pre-tanh value from the cache.
     *
     * @throws IllegalArgumentException for a size other than 0 or 1
     */
    public TanhTransform(int cacheSize) {
        super(TanhTransform.class, Constraint.REAL, Constraint.interval(-1.0, 1.0), true, 1, cacheSize);
    }

    @Override
    protected Tensor call(Tensor x) {
        return x.tanh();
    }

    @Override
    protected Tensor invCall(Tensor y) {
        return y.atanh();
    }

    @Override
    protected Tensor ladj(Tensor x, Tensor y) {
        // PyTorch's stable form: 2 * (log 2 - x - softplus(-2x))
        return dev.ember.nn.Functional.softplus(x.mul(-2.0)).neg().sub(x).add(Math.log(2.0)).mul(2.0);
    }
}
