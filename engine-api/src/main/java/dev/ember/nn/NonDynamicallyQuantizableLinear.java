package dev.ember.nn;

import dev.ember.Tensor;

/**
 * PyTorch's {@code torch.nn.modules.linear.NonDynamicallyQuantizableLinear}: a {@link Linear} under another name, the
 * type of {@link MultiheadAttention}'s {@code out_proj} (PyTorch uses the name to keep quantization away from it), so that
 * the module prints as PyTorch's. Same weight, bias, init, state dict keys and forward as {@link Linear}.
 */
public class NonDynamicallyQuantizableLinear extends Module implements HasBias {
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

    /** A layer with or without bias, initialized as {@link Linear}. */
    public NonDynamicallyQuantizableLinear(int in, int out, boolean bias) {
        this.in = in;
        this.out = out;
        this.weight = registerParameter("weight", Init.defaultWeight_(Tensor.empty(out, in)));
        this.bias = bias ? registerParameter("bias", Init.defaultBias_(Tensor.empty(out), weight))
                : registerParameter("bias", null);
    }

    @Override
    public Tensor forward(Tensor x) {
        Checks.tensor(x, "linear", "input", 1);
        return Functional.linear(x, parameter("weight"), parameter("bias"));
    }

    @Override
    public String extraRepr() {
        return "in_features=" + in + ", out_features=" + out + ", bias=" + bool(parameter("bias") != null);
    }
}
