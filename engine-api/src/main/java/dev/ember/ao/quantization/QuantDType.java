package dev.ember.ao.quantization;

/**
 * The quantized types an observer computes parameters for, as {@code torch.quint8}, {@code torch.qint8},
 * {@code torch.qint32} and {@code torch.quint4x2}, with their integer ranges; prints as PyTorch's
 * ({@code torch.quint8}). Ember's tensors do not hold these types: fake quantization simulates them in floating point.
 */
public enum QuantDType {
    /** {@code torch.quint8}: unsigned 8-bit, [0, 255]. */
    QUINT8("torch.quint8", 0, 255),
    /** {@code torch.qint8}: signed 8-bit, [-128, 127]. */
    QINT8("torch.qint8", -128, 127),
    /** {@code torch.qint32}: signed 32-bit. */
    QINT32("torch.qint32", Integer.MIN_VALUE, Integer.MAX_VALUE),
    /** {@code torch.quint4x2}: unsigned 4-bit, [0, 15]. */
    QUINT4X2("torch.quint4x2", 0, 15);

    private final String torchName;
    private final long min;
    private final long max;

    QuantDType(String torchName, long min, long max) {
        this.torchName = torchName;
        this.min = min;
        this.max = max;
    }

    /** The smallest value of the type ({@code torch.iinfo(dtype).min}). */
    public long min() {
        return min;
    }

    /** The largest value of the type ({@code torch.iinfo(dtype).max}). */
    public long max() {
        return max;
    }

    @Override
    public String toString() {
        return torchName;
    }
}
