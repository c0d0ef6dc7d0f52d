package dev.ember.ao.quantization;

/**
 * What quantization reads from an observer or a fake quantizer, PyTorch's {@code ObserverOrFakeQuantize}: the
 * {@code activation_post_process} of a prepared module and a qconfig's weight post-process, for {@code convert} and
 * the quantized modules' {@code from_float}. {@link ObserverBase} and {@link FakeQuantize} are such.
 */
public interface ObserverOrFakeQuantize {
    /**
     * {@code calculate_qparams()}.
     *
     * @return the scale and zero point
     */
    QParams calculateQparams();

    /**
     * {@code dtype}.
     *
     * @return the quantized type
     */
    QuantDType dtype();

    /**
     * {@code qscheme}.
     *
     * @return the scheme
     */
    QScheme qscheme();

    /**
     * {@code ch_axis}.
     *
     * @return the channel axis, or -1 for a per-tensor scheme
     */
    int chAxis();
}
