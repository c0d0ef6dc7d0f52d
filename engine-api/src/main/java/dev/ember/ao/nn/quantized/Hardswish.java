package dev.ember.ao.nn.quantized;

import dev.ember.QuantizedActivations;
import dev.ember.QuantizedPointwiseOps;
import dev.ember.Tensor;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;

/**
 * {@code torch.ao.nn.quantized.Hardswish}: {@code quantized::hardswish} on a quantized activation
 * ({@link QuantizedPointwiseOps#hardswish}), requantized to the module's scale and zero point; what
 * {@link dev.ember.ao.quantization.Quantization#convert} makes of a {@link dev.ember.nn.Hardswish}.
 */
public class Hardswish extends QuantizedOutput {
    /**
     * {@code Hardswish(scale, zero_point)}.
     *
     * @param scale the output's scale
     * @param zeroPoint the output's zero point, in [0, 255]
     */
    public Hardswish(double scale, long zeroPoint) {
        setOutputQParams(scale, zeroPoint);
    }

    /**
     * {@code Hardswish.from_float(mod)}: the output parameters the float layer's observer calculates.
     *
     * @param observer the float layer's {@code activation_post_process}
     * @return the quantized layer
     */
    public static Hardswish fromObserver(ObserverOrFakeQuantize observer) {
        Hardswish h = new Hardswish(1.0, 0);
        h.setOutputQParams(observer);
        return h;
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
        return QuantizedActivations.carrier(QuantizedPointwiseOps.hardswish(Activations.input(x, "quantized::hardswish"),
            scale(), zeroPoint()));
    }

    @Override
    protected String moduleName() {
        return "QuantizedHardswish";
    }

    /** The output's scale and zero point in the state dict: none: PyTorch keeps them as plain attributes, outside the state dict. */
    @Override
    protected int[] outputQParamsShape() {
        return null;
    }
}
