package dev.ember.ao.quantization;

import dev.ember.Tensor;
import dev.ember.nn.Module;

/**
 * {@code torch.ao.quantization.QuantStub}: where a float model's input is to be quantized. Before
 * {@link Quantization#convert} it passes its input unchanged (after {@link Quantization#prepare} its
 * {@code activation_post_process} observes it); {@code convert} swaps it for a
 * {@link dev.ember.ao.nn.quantized.Quantize} with the observed scale and zero point.
 */
public class QuantStub extends Module {
    /** {@code QuantStub()}: the qconfig comes from the parent at {@code prepare}. */
    public QuantStub() {
    }

    /**
     * {@code QuantStub(qconfig)}: with its own qconfig ({@link Quantization#setQconfig}).
     *
     * @param qconfig the qconfig, or null for none
     */
    public QuantStub(QConfig qconfig) {
        if (qconfig != null) {
            Quantization.setQconfig(this, qconfig);
        }
    }

    /** The input itself, or what the module that replaced this one computes. */
    @Override
    public Tensor forward(Tensor x) {
        Module replaced = replacement();
        return replaced != null ? replaced.forward(x) : x;
    }
}
