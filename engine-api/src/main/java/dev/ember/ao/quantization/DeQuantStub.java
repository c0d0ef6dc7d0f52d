package dev.ember.ao.quantization;

import dev.ember.Tensor;
import dev.ember.nn.Module;

/**
 * {@code torch.ao.quantization.DeQuantStub}: where a quantized model's output is to be dequantized. Before
 * {@link Quantization#convert} it passes its input unchanged (never observed); {@code convert} swaps it for a
 * {@link dev.ember.ao.nn.quantized.DeQuantize}.
 */
public class DeQuantStub extends Module {
    /** {@code DeQuantStub()}. */
    public DeQuantStub() {
    }

    /**
     * {@code DeQuantStub(qconfig)}: with its own qconfig ({@link Quantization#setQconfig}).
     *
     * @param qconfig the qconfig, or null for none
     */
    public DeQuantStub(QConfig qconfig) {
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
