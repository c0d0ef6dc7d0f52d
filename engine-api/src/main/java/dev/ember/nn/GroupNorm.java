package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

/**
 * {@code torch.nn.GroupNorm}: normalizes an {@code [N, C, *]} input over groups of {@code C / numGroups} channels, with a
 * per-channel affine weight (ones) and bias (zeros); one fused node NativeGroupNormBackward0. State dict keys
 * {@code weight}, {@code bias}.
 */
public class GroupNorm extends Module implements HasBias {
    /**
     * Scale [C], or null without affine. The final field holds the tensor registered at construction: once the module's
     * weight is replaced ({@link Module#setParameter}, as a tied weight is) or parametrized
     * ({@link dev.ember.nn.utils.Parametrize}) it still holds that tensor, while the forward, {@code parameters()},
     * {@code stateDict()} and optimizers use the module's current one, {@link #weight()}, which reads it.
     */
    public final Tensor weight;
    /** Shift [C], or null without affine; the tensor registered at construction, as {@link #weight} explains. */
    public final Tensor bias;
    private final int numGroups;
    private final int numChannels;
    private final double eps;
    private final boolean affine;

    /** eps 1e-5, affine. */
    public GroupNorm(int numGroups, int numChannels) {
        this(numGroups, numChannels, 1e-5, true);
    }

    /**
     * Every option of PyTorch's constructor.
     *
     * @throws IllegalArgumentException unless the channels divide into the groups (PyTorch's ValueError)
     */
    public GroupNorm(int numGroups, int numChannels, double eps, boolean affine) {
        if (numGroups == 0 || numChannels % numGroups != 0) {
            throw new IllegalArgumentException(numGroups == 0 ? "integer division or modulo by zero"
                    : "num_channels must be divisible by num_groups");
        }
        this.numGroups = numGroups;
        this.numChannels = numChannels;
        this.eps = eps;
        this.affine = affine;
        this.weight = registerParameter("weight", affine ? Tensor.ones(numChannels) : null);
        this.bias = registerParameter("bias", affine ? Tensor.zeros(numChannels) : null);
    }

    /** The groups, PyTorch's {@code num_groups}. */
    public int numGroups() {
        return numGroups;
    }

    /** The channels, PyTorch's {@code num_channels}. */
    public int numChannels() {
        return numChannels;
    }

    /** The epsilon, PyTorch's {@code eps}. */
    public double eps() {
        return eps;
    }

    /** Whether it has a weight and bias, PyTorch's {@code affine}. */
    public boolean affine() {
        return affine;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.groupNorm(input, numGroups, parameter("weight"), parameter("bias"), eps);
    }

    @Override
    public String extraRepr() {
        return numGroups + ", " + numChannels + ", eps=" + Format.repr(eps) + ", affine=" + bool(affine);
    }
}
