package dev.ember.nn;

import dev.ember.Tensor;

import java.util.List;

/**
 * {@code y = x1^T A x2 + b}, as {@code torch.nn.Bilinear}: weight {@code [out, in1, in2]} and bias {@code [out]}, both
 * uniform in {@code (-1/sqrt(in1), 1/sqrt(in1))} as PyTorch's reset_parameters. The forward takes two tensors
 * ({@link #forward(Tensor, Tensor)}, or {@link #apply(Tensor, Tensor)} with hooks).
 */
public class Bilinear extends Module implements HasBias {
    /**
     * Weight [out, in1, in2]. The final field holds the tensor registered at construction: once the module's weight is
     * replaced ({@link Module#setParameter}, as a tied weight is) or parametrized
     * ({@link dev.ember.nn.utils.Parametrize}) it still holds that tensor, while the forward, {@code parameters()},
     * {@code stateDict()} and optimizers use the module's current one, {@link #weight()}, which reads it.
     */
    public final Tensor weight;
    /** Bias [out], or null; the tensor registered at construction, as {@link #weight} explains. */
    public final Tensor bias;
    private final int in1;
    private final int in2;
    private final int out;

    /** A layer with bias. */
    public Bilinear(int in1, int in2, int out) {
        this(in1, in2, out, true);
    }

    /**
     * A layer, with or without bias.
     *
     * @throws IllegalArgumentException for a negative size, as PyTorch's {@code torch.empty} reports it
     */
    public Bilinear(int in1, int in2, int out, boolean bias) {
        this.in1 = in1;
        this.in2 = in2;
        this.out = out;
        this.weight = registerParameter("weight", Tensor.empty(out, in1, in2));
        this.bias = registerParameter("bias", bias ? Tensor.empty(out) : null); // None as PyTorch registers it
        if (in1 == 0) {
            throw new IllegalArgumentException("float division by zero"); // reset_parameters' 1 / math.sqrt(0)
        }
        double bound = 1 / Math.sqrt(in1);
        try (dev.ember.GradMode off = dev.ember.Ember.noGrad()) {
            Init.uniformSymmetric_(weight, bound);
            if (this.bias != null) {
                Init.uniformSymmetric_(this.bias, bound);
            }
        }
    }

    /** PyTorch's error: the layer takes two inputs (use {@link #forward(Tensor, Tensor)}). */
    @Override
    public Tensor forward(Tensor input) {
        throw new IllegalArgumentException("Bilinear.forward() missing 1 required positional argument: 'input2'");
    }

    /** {@code bilinear(input1, input2)}: {@link Functional#bilinear} with this layer's weight and bias. */
    public Tensor forward(Tensor input1, Tensor input2) {
        return Functional.bilinear(input1, input2, parameter("weight"), parameter("bias"));
    }

    /** {@link #forward(Tensor, Tensor)} called with this module's hooks, which see {@code [input1, input2]}. */
    public Tensor apply(Tensor input1, Tensor input2) {
        return call(java.util.Arrays.asList(input1, input2), in -> forward(in.get(0), in.get(1)), List::of,
                l -> l.get(0));
    }

    @Override
    public String extraRepr() {
        return "in1_features=" + in1 + ", in2_features=" + in2 + ", out_features=" + out + ", bias=" + bool(parameter("bias") != null);
    }
}
