package dev.ember.ao.nn.quantized;

import dev.ember.Format;
import dev.ember.Tensor;
import dev.ember.nn.Module;

/**
 * {@code torch.ao.nn.quantized.Dropout}: what {@link dev.ember.ao.quantization.Quantization#convert} makes of a
 * {@link dev.ember.nn.Dropout}; a quantized model runs in inference, so it passes its input unchanged.
 */
public class Dropout extends Module {
    private final double p;

    /**
     * {@code Dropout(p)}.
     *
     * @param p the float layer's probability (printed only)
     */
    public Dropout(double p) {
        this.p = p;
    }

    /** The input itself. */
    @Override
    public Tensor forward(Tensor x) {
        return x;
    }

    @Override
    protected String moduleName() {
        return "QuantizedDropout";
    }

    @Override
    public String extraRepr() {
        return "p=" + Format.repr(p) + ", inplace=False";
    }
}
