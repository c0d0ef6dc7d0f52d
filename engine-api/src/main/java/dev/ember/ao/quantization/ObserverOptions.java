package dev.ember.ao.quantization;

/**
 * The keyword arguments of PyTorch's observers ({@code dtype}, {@code qscheme}, {@code reduce_range},
 * {@code quant_min}/{@code quant_max}, {@code eps}, {@code averaging_constant}, {@code ch_axis}), with PyTorch's
 * defaults; each setter returns this options object, to chain:
 * {@code new ObserverOptions().dtype(QuantDType.QINT8).qscheme(QScheme.PER_TENSOR_SYMMETRIC)}. An observer reads the
 * ones it takes and ignores the others.
 */
public final class ObserverOptions {
    QuantDType dtype = QuantDType.QUINT8;
    QScheme qscheme;
    boolean reduceRange;
    Long quantMin;
    Long quantMax;
    double eps = Math.ulp(1.0f);
    double averagingConstant = 0.01;
    int chAxis;

    /** PyTorch's defaults: quint8, the observer's own scheme, no reduced range, the type's full range. */
    public ObserverOptions() {
    }

    /** The quantized type ({@code dtype}, default quint8). */
    public ObserverOptions dtype(QuantDType value) {
        if (value == null) {
            throw new IllegalArgumentException("dtype must not be null");
        }
        this.dtype = value;
        return this;
    }

    /** The scheme ({@code qscheme}; default the observer's: per-tensor affine, or per-channel affine). */
    public ObserverOptions qscheme(QScheme value) {
        if (value == null) {
            throw new IllegalArgumentException("qscheme must not be null");
        }
        this.qscheme = value;
        return this;
    }

    /** {@code reduce_range}: one bit less of range (deprecated in PyTorch in favour of a custom range). */
    public ObserverOptions reduceRange(boolean value) {
        this.reduceRange = value;
        return this;
    }

    /** {@code quant_min} and {@code quant_max}: a custom quantized range (it must include 0). */
    public ObserverOptions quantRange(long quantMin, long quantMax) {
        this.quantMin = quantMin;
        this.quantMax = quantMax;
        return this;
    }

    /** {@code eps}: the smallest scale (default float32's machine epsilon). */
    public ObserverOptions eps(double value) {
        this.eps = value;
        return this;
    }

    /** {@code averaging_constant} of the moving-average observers (default 0.01). */
    public ObserverOptions averagingConstant(double value) {
        this.averagingConstant = value;
        return this;
    }

    /** {@code ch_axis} of the per-channel observers (default 0). */
    public ObserverOptions chAxis(int value) {
        this.chAxis = value;
        return this;
    }
}
