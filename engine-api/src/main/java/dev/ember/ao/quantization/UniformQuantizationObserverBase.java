package dev.ember.ao.quantization;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;

/**
 * {@code torch.ao.quantization.observer.UniformQuantizationObserverBase}: the quantized range from the type, a custom
 * range and {@code reduce_range} (PyTorch's {@code calculate_qmin_qmax}), the {@code eps} buffer, and the scale and
 * zero point from a minimum and maximum (PyTorch's {@code _calculate_qparams}, the same tensor arithmetic in float32):
 * affine {@code scale = (max(max, 0) - min(min, 0)) / (quant_max - quant_min)},
 * {@code zero_point = clamp(quant_min - round(min(min, 0) / scale))} (int32); symmetric
 * {@code scale = max(-min(min, 0), max(max, 0)) / ((quant_max - quant_min) / 2)} with zero point 0, or 128 for quint8
 * ({@code (quant_min + quant_max) / 2} rounded down with a custom range; int64); float qparams
 * {@code scale = (max - min) / (quant_max - quant_min)} (1 where not above eps), {@code zero_point = -min / scale}
 * (float32). Every scale is at least {@code eps}.
 */
public abstract class UniformQuantizationObserverBase extends ObserverBase {

    /** The scheme. */
    protected final QScheme qscheme;
    /** Whether the range is one bit short. */
    protected final boolean reduceRange;
    /** Whether a custom range was given. */
    protected final boolean hasCustomizedQrange;
    /** The quantized range's lower end. */
    protected final long quantMin;
    /** The quantized range's upper end. */
    protected final long quantMax;

    /**
     * Reads {@code o}'s type, scheme (or {@code defaultScheme}), range and eps.
     *
     * @throws IllegalArgumentException for a custom range that excludes 0, is empty, or exceeds the type's bits
     */
    protected UniformQuantizationObserverBase(ObserverOptions o, QScheme defaultScheme) {
        super(o.dtype);
        this.qscheme = o.qscheme != null ? o.qscheme : defaultScheme;
        if (o.reduceRange) {
            PyWarnings.warn("Please use quant_min and quant_max to specify the range for "
                    + "observers.                     reduce_range will be deprecated in a future release of PyTorch.");
        }
        this.reduceRange = o.reduceRange;
        registerBuffer("eps", Tensor.tensor(new float[] {(float) o.eps}, DType.FLOAT32, Device.CPU));
        this.hasCustomizedQrange = o.quantMin != null && o.quantMax != null;
        long min;
        long max;
        if (hasCustomizedQrange) {
            min = o.quantMin;
            max = o.quantMax;
            if (!(min <= 0 && 0 <= max)) {
                throw new IllegalArgumentException("Used-specified quantization range must include 0.");
            }
            if (!(min < max)) {
                throw new IllegalArgumentException("qmin must be strictly less than qmax for user-specified quantization "
                        + "range.");
            }
            long length = max - min + 1;
            if (dtype == QuantDType.QINT8 && !(0 < length && length <= 256)) {
                throw new IllegalArgumentException("quantization range should be positive and not exceed the maximum bit "
                        + "range (=256).");
            }
            if (dtype == QuantDType.QINT32 && !(0 < length && length <= (1L << 31))) {
                throw new IllegalArgumentException("quantization range should be positive and not exceed the maximum bit "
                        + "range (=4294967296).");
            }
            if (reduceRange) {
                min = Math.floorDiv(min, 2);
                max = Math.floorDiv(max, 2);
            }
        } else if (dtype == QuantDType.QINT8) {
            min = reduceRange ? -64 : -128;
            max = reduceRange ? 63 : 127;
        } else if (dtype == QuantDType.QUINT8) {
            min = 0;
            max = reduceRange ? 127 : 255;
        } else if (dtype == QuantDType.QINT32) {
            min = Integer.MIN_VALUE;
            max = Integer.MAX_VALUE;
        } else {
            min = 0;
            max = 15;
        }
        this.quantMin = min;
        this.quantMax = max;
    }

    /**
     * The options, unless their scheme is of the other kind ({@code perChannel} or per-tensor), which an observer
     * refuses with {@code message} (PyTorch's NotImplementedError).
     */
    static ObserverOptions requireScheme(ObserverOptions o, boolean perChannel, String message) {
        if (o == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        if (o.qscheme != null && (perChannel ? !o.qscheme.isPerChannel() : !o.qscheme.isPerTensor())) {
            throw new UnsupportedOperationException(message);
        }
        return o;
    }

    @Override
    public QScheme qscheme() {
        return qscheme;
    }

    /** {@code quant_min}, after the type, a custom range and {@code reduce_range}. */
    @Override
    public long quantMin() {
        return quantMin;
    }

    /** {@code quant_max}, after the type, a custom range and {@code reduce_range}. */
    @Override
    public long quantMax() {
        return quantMax;
    }

    /** {@code reduce_range}. */
    public boolean reduceRange() {
        return reduceRange;
    }

    /** The running minimum (a scalar, or one per channel). */
    public Tensor minVal() {
        return getBuffer("min_val");
    }

    /** The running maximum (a scalar, or one per channel). */
    public Tensor maxVal() {
        return getBuffer("max_val");
    }

    /**
     * {@code reset_min_max_vals()}: forgets what was observed.
     *
     * @throws UnsupportedOperationException for an observer that cannot
     */
    public void resetMinMaxVals() {
        throw new UnsupportedOperationException("Cannot reset min/max values in the given observer.");
    }

    @Override
    public QParams calculateQparams() {
        return calculateQparams(minVal(), maxVal());
    }

    /** PyTorch's {@code _calculate_qparams(min_val, max_val)}. */
    protected QParams calculateQparams(Tensor minVal, Tensor maxVal) {
        try (GradMode off = Ember.noGrad()) {
            if (!checkMinMaxValid(minVal, maxVal)) {
                return new QParams(Tensor.tensor(new float[] {1f}, DType.FLOAT32, minVal.device()),
                    Tensor.tensor(new long[] {0}, DType.INT64, minVal.device()));
            }
            Tensor zeros = minVal.zerosLike();
            Tensor minNeg = minVal.minimum(zeros);
            Tensor maxPos = maxVal.maximum(zeros);
            Tensor eps = getBuffer("eps");
            Tensor scale;
            Tensor zeroPoint;
            if (qscheme == QScheme.PER_TENSOR_SYMMETRIC || qscheme == QScheme.PER_CHANNEL_SYMMETRIC) {
                maxPos = minNeg.neg().maximum(maxPos);
                scale = maxPos.div((double) (quantMax - quantMin) / 2).maximum(eps);
                long zp = dtype != QuantDType.QUINT8 ? 0 : hasCustomizedQrange ? Math.floorDiv(quantMin + quantMax, 2) : 128;
                zeroPoint = minNeg.zerosLike().to(DType.INT64).add(zp);
            } else if (qscheme == QScheme.PER_CHANNEL_AFFINE_FLOAT_QPARAMS) {
                scale = maxVal.sub(minVal).div((double) (quantMax - quantMin));
                scale = Tensor.where(scale.gt(eps), scale, scale.onesLike());
                zeroPoint = minVal.mul(-1L).div(scale);
            } else {
                scale = maxPos.sub(minNeg).div((double) (quantMax - quantMin)).maximum(eps);
                // .to(torch.int) as x86 converts: NaN (-inf / inf, an infinite minimum) and values beyond int32 give
                // its minimum, and quant_min - that wraps around in int32 before the clamp
                Tensor index = minNeg.div(scale).round();
                index = Tensor.where(index.ge(-2147483648.0).logicalAnd(index.lt(2147483648.0)), index, -2147483648.0);
                zeroPoint = index.to(DType.INT32).neg().add(quantMin);
                zeroPoint = zeroPoint.clamp(quantMin, quantMax);
            }
            if (scale.dim() == 0) {
                scale = scale.reshape(1);
            }
            if (zeroPoint.dim() == 0) {
                zeroPoint = zeroPoint.reshape(1);
            }
            return new QParams(scale, zeroPoint);
        }
    }

    /** PyTorch's {@code check_min_max_valid}: false (with its warning) before anything was observed. */
    private static boolean checkMinMaxValid(Tensor minVal, Tensor maxVal) {
        String unobserved = "must run observer before calling calculate_qparams. Returning default values.";
        if (minVal.numel() == 0 || maxVal.numel() == 0) {
            PyWarnings.warn(unobserved);
            return false;
        }
        if (minVal.dim() == 0 || maxVal.dim() == 0) {
            double min = minVal.item();
            double max = maxVal.item();
            if (min == Double.POSITIVE_INFINITY && max == Double.NEGATIVE_INFINITY) {
                PyWarnings.warn(unobserved);
                return false;
            }
            if (!(min <= max)) {
                throw new IllegalStateException("min " + formatted(minVal) + " should be less than max " + formatted(maxVal));
            }
        } else if (minVal.le(maxVal).logicalNot().any()) {
            throw new IllegalStateException("min " + formatted(minVal) + " should be less than max " + formatted(maxVal));
        }
        return true;
    }

    /** {@code min_val=..., max_val=...}: a scalar as Python formats a float, a vector as a tensor. */
    @Override
    public String extraRepr() {
        return "min_val=" + formatted(minVal()) + ", max_val=" + formatted(maxVal());
    }

    /** A tensor as Python's {@code format(t)}: a zero-dim one as its value's float, others as {@code str(t)}. */
    static String formatted(Tensor t) {
        return t.dim() == 0 ? dev.ember.Format.repr(t.item()) : t.toString();
    }

    /** Replaces a buffer's value by {@code value} when the shapes differ, else copies into it (no gradient). */
    void assign(String name, Tensor value) {
        Tensor current = getBuffer(name);
        try (GradMode off = Ember.noGrad()) {
            if (java.util.Arrays.equals(current.shape(), value.shape())) {
                current.copy_(value);
            } else {
                resizeBuffer(name, value.to(current.dtype()).clone());
            }
        }
    }

    /** Copies of the running statistics, for {@link #restore}. */
    Tensor[] snapshot() {
        return new Tensor[] {minVal().clone(), maxVal().clone()};
    }

    /** Puts back what {@link #snapshot} took (a failed forward leaves the observer as it was). */
    void restore(Tensor[] saved) {
        assign("min_val", saved[0]);
        assign("max_val", saved[1]);
    }

    /** Where {@code minVal() == inf} and {@code maxVal() == -inf}: nothing observed yet (a scalar observer). */
    boolean unobserved() {
        return minVal().item() == Double.POSITIVE_INFINITY && maxVal().item() == Double.NEGATIVE_INFINITY;
    }
}
