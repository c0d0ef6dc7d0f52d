package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

/**
 * {@code torch.nn.RMSNorm} (PyTorch 2.4+): {@code x / sqrt(mean(x^2) + eps) * weight} over the last dimensions, weight
 * initialized to ones; {@code eps} null means the input type's machine epsilon ({@code torch.finfo(x.dtype).eps}), as
 * PyTorch's default. One fused node FusedRmsNormBackward0. State dict key {@code weight}.
 */
public class RMSNorm extends Module implements HasWeight {
    /**
     * Scale, of the normalized shape; null without elementwise affine. The final field holds the tensor registered at
     * construction: once the module's weight is replaced ({@link Module#setParameter}, as a tied weight is) or
     * parametrized ({@link dev.ember.nn.utils.Parametrize}) it still holds that tensor, while the forward,
     * {@code parameters()}, {@code stateDict()} and optimizers use the module's current one,
     * {@link #weight()}, which reads it.
     */
    public final Tensor weight;
    private final int[] normalizedShape;
    private final Double eps;
    private final boolean elementwiseAffine;

    /** Over the last dimension of size {@code size}, eps of the input's type, with weight. */
    public RMSNorm(int size) {
        this(new int[] {size}, null, true);
    }

    /**
     * Every option of PyTorch's constructor; {@code eps} may be null.
     *
     * @throws IllegalArgumentException for a null or negative shape
     */
    public RMSNorm(int[] normalizedShape, Double eps, boolean elementwiseAffine) {
        this.normalizedShape = Checks.notNull(normalizedShape, "normalized_shape").clone();
        this.eps = eps;
        this.elementwiseAffine = elementwiseAffine;
        this.weight = registerParameter("weight", elementwiseAffine ? Tensor.ones(this.normalizedShape) : null);
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.rmsNorm(input, normalizedShape, parameter("weight"), eps);
    }

    @Override
    public String extraRepr() {
        return tuple(normalizedShape) + ", eps=" + (eps == null ? "None" : Format.repr(eps)) + ", elementwise_affine="
                + bool(elementwiseAffine);
    }
}
