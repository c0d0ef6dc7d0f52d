package dev.ember.ao.nn.quantized;

import dev.ember.Format;
import dev.ember.QuantizedActivations;
import dev.ember.QuantizedPointwiseOps;
import dev.ember.Tensor;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;

/**
 * {@code torch.ao.nn.quantized.LeakyReLU}: {@code quantized::leaky_relu} on a quantized activation
 * ({@link QuantizedPointwiseOps#leakyRelu}), requantized to the module's scale and zero point; what
 * {@link dev.ember.ao.quantization.Quantization#convert} makes of a {@link dev.ember.nn.LeakyReLU}. PyTorch's kernel
 * ignores {@code inplace} (it warns that it is not supported), as Ember does; the flag is printed.
 */
public class LeakyReLU extends QuantizedOutput {
    private final double negativeSlope;
    private final boolean inplace;

    /**
     * {@code LeakyReLU(scale, zero_point, negative_slope, inplace)}.
     *
     * @param scale the output's scale
     * @param zeroPoint the output's zero point, in [0, 255]
     * @param negativeSlope the slope below zero
     * @param inplace PyTorch's flag (printed, not acted on)
     */
    public LeakyReLU(double scale, long zeroPoint, double negativeSlope, boolean inplace) {
        setOutputQParams(scale, zeroPoint);
        this.negativeSlope = negativeSlope;
        this.inplace = inplace;
    }

    /**
     * {@code LeakyReLU.from_float(mod)}: the float layer's slope and flag, and the output parameters its observer
     * calculates.
     *
     * @param relu the float layer
     * @param observer its {@code activation_post_process}
     * @return the quantized layer
     */
    public static LeakyReLU fromFloat(dev.ember.nn.LeakyReLU relu, ObserverOrFakeQuantize observer) {
        LeakyReLU r = new LeakyReLU(1.0, 0, relu.negativeSlope(), relu.inplace());
        r.setOutputQParams(observer);
        return r;
    }

    /** The slope below zero. */
    public double negativeSlope() {
        return negativeSlope;
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
        return QuantizedActivations.carrier(QuantizedPointwiseOps.leakyRelu(Activations.input(x,
            "quantized::leaky_relu"), negativeSlope, scale(), zeroPoint()));
    }

    @Override
    protected String moduleName() {
        return "QuantizedLeakyReLU";
    }

    @Override
    public String extraRepr() {
        return "negative_slope=" + Format.repr(negativeSlope) + (inplace ? ", inplace=True" : "");
    }
}
