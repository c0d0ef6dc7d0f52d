package dev.ember.nn;

import dev.ember.Tensor;

/**
 * {@code torch.nn.PReLU}: {@code x > 0 ? x : weight * x} with a learned slope, one value or one per channel of
 * dimension 1; one node PreluKernelBackward0. The parameter is {@code weight}, initialized to {@code init}.
 */
public class PReLU extends Module implements HasWeight {
    /**
     * The slopes, {@code [numParameters]}. The final field holds the tensor registered at construction: once the
     * module's weight is replaced ({@link Module#setParameter}, as a tied weight is) or parametrized
     * ({@link dev.ember.nn.utils.Parametrize}) it still holds that tensor, while the forward, {@code parameters()},
     * {@code stateDict()} and optimizers use the module's current one, {@link #weight()}, which reads it.
     */
    public final Tensor weight;
    private final int numParameters;

    /** One slope, 0.25, as PyTorch's default. */
    public PReLU() {
        this(1, 0.25);
    }

    /** {@code numParameters} slopes, 0.25 each. */
    public PReLU(int numParameters) {
        this(numParameters, 0.25);
    }

    /**
     * {@code numParameters} slopes, each {@code init}.
     *
     * @throws IllegalArgumentException for a negative count, with PyTorch's message
     */
    public PReLU(int numParameters, double init) {
        this.numParameters = numParameters;
        this.weight = registerParameter("weight", Init.constant_(Tensor.empty(numParameters), init));
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.prelu(input, parameter("weight"));
    }

    @Override
    public String extraRepr() {
        return "num_parameters=" + numParameters;
    }
}
