package dev.ember.ao.quantization;

/**
 * {@code torch.ao.quantization.QuantStub}: where a float model's input is to be quantized. Before
 * {@link Quantization#convert} it passes its input unchanged (after {@link Quantization#prepare} its
 * {@code activation_post_process} observes it); {@code convert} swaps it for a
 * {@link dev.ember.ao.nn.quantized.Quantize} with the observed scale and zero point.
 */
public class QuantStub extends Stub {
    /** {@code QuantStub()}: the qconfig comes from the parent at {@code prepare}. */
    public QuantStub() {
        super(null);
    }

    /**
     * {@code QuantStub(qconfig)}: with its own qconfig ({@link Quantization#setQconfig}).
     *
     * @param qconfig the qconfig, or null for none
     */
    public QuantStub(QConfig qconfig) {
        super(qconfig);
    }
}
