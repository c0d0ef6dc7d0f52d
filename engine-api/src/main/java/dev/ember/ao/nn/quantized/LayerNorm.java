package dev.ember.ao.nn.quantized;

import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.GradMode;
import dev.ember.QuantizedActivations;
import dev.ember.QuantizedNormOps;
import dev.ember.Tensor;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;

/**
 * {@code torch.ao.nn.quantized.LayerNorm}: {@code quantized::layer_norm} on a quantized activation
 * ({@link QuantizedNormOps#layerNorm}) with the float layer's weight and bias, requantized to the module's scale and
 * zero point; what {@link dev.ember.ao.quantization.Quantization#convert} makes of a {@link dev.ember.nn.LayerNorm}.
 */
public class LayerNorm extends QuantizedOutput {
    private final int[] normalizedShape;
    private final double eps;
    private final boolean elementwiseAffine;

    /**
     * {@code LayerNorm(normalized_shape, weight, bias, scale, zero_point, eps, elementwise_affine)}.
     *
     * @param normalizedShape the normalized trailing shape
     * @param weight of {@code normalizedShape}, or null (without elementwise affine)
     * @param bias of {@code normalizedShape}, or null
     * @param scale the output's scale
     * @param zeroPoint the output's zero point, in [0, 255]
     * @param eps the epsilon
     * @param elementwiseAffine PyTorch's flag
     * @throws IllegalArgumentException for a null shape
     */
    public LayerNorm(int[] normalizedShape, Tensor weight, Tensor bias, double scale, long zeroPoint, double eps,
                     boolean elementwiseAffine) {
        if (normalizedShape == null) {
            throw new IllegalArgumentException("LayerNorm: normalized_shape must not be null");
        }
        this.normalizedShape = normalizedShape.clone();
        this.eps = eps;
        this.elementwiseAffine = elementwiseAffine;
        registerParameter("weight", weight);
        registerParameter("bias", bias);
        setOutputQParams(scale, zeroPoint);
    }

    /**
     * {@code LayerNorm.from_float(mod)}: the float layer's shape, weight and bias (its tensors), eps and flag, and the
     * output parameters its observer calculates.
     *
     * @param ln the float layer
     * @param observer its {@code activation_post_process}
     * @return the quantized layer
     */
    public static LayerNorm fromFloat(dev.ember.nn.LayerNorm ln, ObserverOrFakeQuantize observer) {
        LayerNorm q = new LayerNorm(ln.normalizedShape(), ln.weight(), ln.bias(), 1.0, 0, ln.eps(),
            ln.elementwiseAffine());
        q.setOutputQParams(observer);
        return q;
    }

    /** The weight, or null. */
    public Tensor weight() {
        return parametrizedValue("weight");
    }

    /** The bias, or null. */
    public Tensor bias() {
        return parametrizedValue("bias");
    }

    /**
     * The normalized activation.
     *
     * @param x a quantized activation whose trailing shape is the normalized shape
     * @return a quantized activation with the module's scale and zero point
     * @throws UnsupportedOperationException for a float input (PyTorch's message)
     * @throws IllegalArgumentException for another trailing shape (PyTorch's message)
     */
    @Override
    public Tensor forward(Tensor x) {
        var q = Activations.input(x, "quantized::layer_norm");
        try (GradMode off = Ember.noGrad()) {
            return QuantizedActivations.carrier(QuantizedNormOps.layerNorm(q, normalizedShape, weight(), bias(), eps,
                scale(), zeroPoint()));
        }
    }

    @Override
    protected String moduleName() {
        return "QuantizedLayerNorm";
    }

    @Override
    public String extraRepr() {
        StringBuilder t = new StringBuilder("(");
        for (int i = 0; i < normalizedShape.length; i++) {
            t.append(i == 0 ? "" : ", ").append(normalizedShape[i]);
        }
        t.append(normalizedShape.length == 1 ? ",)" : ")");
        return t + ", eps=" + Format.repr(eps) + ", elementwise_affine="
                + (elementwiseAffine ? "True" : "False");
    }
}
