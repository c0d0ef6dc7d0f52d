package dev.ember.ao.quantization;

/**
 * {@code torch.ao.quantization.DeQuantStub}: where a quantized model's output is to be dequantized. Before
 * {@link Quantization#convert} it passes its input unchanged (never observed); {@code convert} swaps it for a
 * {@link dev.ember.ao.nn.quantized.DeQuantize}.
 */
public class DeQuantStub extends Stub {
    /** {@code DeQuantStub()}: the qconfig comes from the parent at {@code prepare}. */
    public DeQuantStub() {
        super(null);
    }

    /**
     * {@code DeQuantStub(qconfig)}: with its own qconfig ({@link Quantization#setQconfig}).
     *
     * @param qconfig the qconfig, or null for none
     */
    public DeQuantStub(QConfig qconfig) {
        super(qconfig);
    }
}
