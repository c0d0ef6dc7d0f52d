package dev.ember.ao.quantization;

/**
 * How dynamic quantization ({@link Quantization#quantizeDynamic}) stores a layer's weight: PyTorch's
 * {@code torch.ao.quantization} qconfigs for {@code quantize_dynamic}. The activations of a dynamically quantized layer
 * are quantized at each call from their own range (PyTorch's {@code PlaceholderObserver(dtype=torch.quint8,
 * is_dynamic=True)}), so the weight's is the only choice.
 */
public enum DynamicQConfig {
    /**
     * {@code default_dynamic_qconfig}: one scale for the whole weight, qint8, symmetric (PyTorch's
     * {@code default_weight_observer}: {@code MinMaxObserver(dtype=torch.qint8, qscheme=torch.per_tensor_symmetric)}).
     */
    DEFAULT,
    /**
     * {@code per_channel_dynamic_qconfig}: one scale per output feature, qint8, symmetric
     * ({@code default_per_channel_weight_observer}: {@code PerChannelMinMaxObserver(dtype=torch.qint8,
     * qscheme=torch.per_channel_symmetric)}, axis 0).
     */
    PER_CHANNEL,
    /** {@code float16_dynamic_qconfig}: the weight rounded to float16 (saturated to its range), float32 arithmetic. */
    FLOAT16;

    /**
     * The weight observer of the qint8 configurations (a new one each call), as {@code qconfig.weight()}.
     *
     * @throws IllegalStateException for {@link #FLOAT16}, which has none
     */
    public ObserverBase weightObserver() {
        return switch (this) {
            case DEFAULT -> new MinMaxObserver(new ObserverOptions().dtype(QuantDType.QINT8)
                    .qscheme(QScheme.PER_TENSOR_SYMMETRIC));
            case PER_CHANNEL -> new PerChannelMinMaxObserver(new ObserverOptions().dtype(QuantDType.QINT8)
                    .qscheme(QScheme.PER_CHANNEL_SYMMETRIC));
            case FLOAT16 -> throw new IllegalStateException("float16 dynamic quantization has no weight observer");
        };
    }
}
