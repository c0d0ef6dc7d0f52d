package dev.ember.nn;

import dev.ember.Tensor;

/** {@code y = x W^T + b}, as {@code torch.nn.Linear}, initialized as PyTorch does. */
public final class Linear extends Module implements HasBias {
    /**
     * Weight [out, in]. The final field holds the tensor registered at construction: once the module's weight is
     * replaced ({@link Module#setParameter}, as a tied weight is) or parametrized
     * ({@link dev.ember.nn.utils.Parametrize}) it still holds that tensor, while the forward, {@code parameters()},
     * {@code stateDict()} and optimizers use the module's current one, {@link #weight()}, which reads it.
     */
    public final Tensor weight;
    /** Bias [out], or null; the tensor registered at construction, as {@link #weight} explains. */
    public final Tensor bias;
    private final int in;
    private final int out;

    /** A layer with bias. */
    public Linear(int in, int out) {
        this(in, out, true);
    }

    /**
     * A layer, with or without bias.
     *
     * @throws IllegalArgumentException for a negative size, as PyTorch's {@code torch.empty} reports it
     */
    public Linear(int in, int out, boolean bias) {
        this.in = in;
        this.out = out;
        this.weight = registerParameter("weight", Init.defaultWeight_(Tensor.empty(out, in)));
        this.bias = registerParameter("bias", bias ? Init.defaultBias_(Tensor.empty(out), weight) : null); // None as PyTorch registers it
    }

    /** The size of each input sample, PyTorch's {@code in_features} (a new head: {@code new Linear(fc.inFeatures(), n)}). */
    public int inFeatures() {
        return in;
    }

    /** The size of each output sample, PyTorch's {@code out_features}. */
    public int outFeatures() {
        return out;
    }

    @Override
    public Tensor forward(Tensor x) {
        Checks.tensor(x, "linear", "input", 1);
        if (x.dim() == 0 || x.size(-1) != in) {
            throw new IllegalArgumentException("Linear(in_features=" + in + ", out_features=" + out + "): expected input with "
                    + in + " features in its last dimension, got shape " + java.util.Arrays.toString(x.shape()));
        }
        return Functional.linear(x, parameter("weight"), parameter("bias"));
    }

    @Override
    public String extraRepr() {
        return "in_features=" + in + ", out_features=" + out + ", bias=" + bool(bias != null);
    }
}
