package dev.ember.ao.nn.quantized;

import dev.ember.Format;
import dev.ember.QuantizedActivations;
import dev.ember.QuantizedPointwiseOps;
import dev.ember.Tensor;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;

/**
 * {@code torch.ao.nn.quantized.ELU}: {@code quantized::elu} on a quantized activation
 * ({@link QuantizedPointwiseOps#elu}), requantized to the module's scale and zero point; what
 * {@link dev.ember.ao.quantization.Quantization#convert} makes of a {@link dev.ember.nn.ELU}.
 */
public class ELU extends QuantizedOutput {
    private final double alpha;

    /**
     * {@code ELU(scale, zero_point, alpha)}.
     *
     * @param scale the output's scale
     * @param zeroPoint the output's zero point, in [0, 255]
     * @param alpha ELU's alpha
     */
    public ELU(double scale, long zeroPoint, double alpha) {
        setOutputQParams(scale, zeroPoint);
        this.alpha = alpha;
    }

    /**
     * {@code ELU.from_float(mod)}: the float layer's alpha and the output parameters its observer calculates.
     *
     * @param elu the float layer
     * @param observer its {@code activation_post_process}
     * @return the quantized layer
     */
    public static ELU fromFloat(dev.ember.nn.ELU elu, ObserverOrFakeQuantize observer) {
        ELU e = new ELU(1.0, 0, elu.alpha());
        e.setOutputQParams(observer);
        return e;
    }

    /** ELU's alpha. */
    public double alpha() {
        return alpha;
    }

    /**
     * The activation.
     *
     * @param x a quantized activation
     * @return a quantized activation with the module's scale and zero point
     * @throws UnsupportedOperationException for a float input (PyTorch's message)
     */
    @Override
    public Tensor forward(Tensor x) {
        return QuantizedActivations.carrier(QuantizedPointwiseOps.elu(Activations.input(x, "quantized::elu"), scale(),
            zeroPoint(), alpha));
    }

    @Override
    protected String moduleName() {
        return "QuantizedELU";
    }

    @Override
    public String extraRepr() {
        return "alpha=" + Format.repr(alpha);
    }

    /** The output's scale and zero point in the state dict: none: PyTorch keeps them as plain attributes, outside the state dict. */
    @Override
    protected int[] outputQParamsShape() {
        return null;
    }
}
