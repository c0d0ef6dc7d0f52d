package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

/**
 * {@code torch.nn.LayerNorm}: normalizes over the last dimensions ({@code normalizedShape}) with an elementwise affine
 * weight (ones) and bias (zeros), as PyTorch initializes them; one fused node NativeLayerNormBackward0. State dict keys
 * {@code weight}, {@code bias}.
 */
public class LayerNorm extends Module implements HasBias {
    /**
     * Scale, of the normalized shape; null without elementwise affine. The final field holds the tensor registered at
     * construction: once the module's weight is replaced ({@link Module#setParameter}, as a tied weight is) or
     * parametrized ({@link dev.ember.nn.utils.Parametrize}) it still holds that tensor, while the forward,
     * {@code parameters()}, {@code stateDict()} and optimizers use the module's current one,
     * {@link #weight()}, which reads it.
     */
    public final Tensor weight;
    /**
     * Shift, of the normalized shape; null without elementwise affine or without bias; the tensor registered at
     * construction, as {@link #weight} explains.
     */
    public final Tensor bias;
    private final int[] normalizedShape;
    private final double eps;
    private final boolean elementwiseAffine;

    /** Over the last dimension of size {@code size}: eps 1e-5, with weight and bias. */
    public LayerNorm(int size) {
        this(new int[] {size}, 1e-5, true, true);
    }

    /** Over the last dimensions: eps 1e-5, with weight and bias. */
    public LayerNorm(int[] normalizedShape) {
        this(normalizedShape, 1e-5, true, true);
    }

    /**
     * Every option of PyTorch's constructor: {@code bias} applies only with {@code elementwiseAffine}.
     *
     * @throws IllegalArgumentException for a null or negative shape
     */
    public LayerNorm(int[] normalizedShape, double eps, boolean elementwiseAffine, boolean bias) {
        this.normalizedShape = Checks.notNull(normalizedShape, "normalized_shape").clone();
        this.eps = eps;
        this.elementwiseAffine = elementwiseAffine;
        this.weight = elementwiseAffine ? registerParameter("weight", Tensor.ones(this.normalizedShape)) : null;
        this.bias = elementwiseAffine && bias ? registerParameter("bias", Tensor.zeros(this.normalizedShape)) : null;
        if (!elementwiseAffine || !bias) {
            if (!elementwiseAffine) {
                registerParameter("weight", null);
            }
            registerParameter("bias", null);
        }
    }

    /** The normalized trailing shape (a copy), PyTorch's {@code layer_norm.normalized_shape}. */
    public int[] normalizedShape() {
        return normalizedShape.clone();
    }

    /** The epsilon, PyTorch's {@code layer_norm.eps}. */
    public double eps() {
        return eps;
    }

    /** Whether it has an elementwise weight (and bias), PyTorch's {@code layer_norm.elementwise_affine}. */
    public boolean elementwiseAffine() {
        return elementwiseAffine;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.layerNorm(input, normalizedShape, parameter("weight"), parameter("bias"), eps);
    }

    @Override
    public String extraRepr() {
        return tuple(normalizedShape) + ", eps=" + Format.repr(eps) + ", elementwise_affine=" + bool(elementwiseAffine);
    }
}
