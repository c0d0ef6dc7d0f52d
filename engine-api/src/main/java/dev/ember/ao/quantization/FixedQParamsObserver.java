package dev.ember.ao.quantization;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Tensor;

/**
 * {@code torch.ao.quantization.FixedQParamsObserver}: fixed quantization parameters (buffers {@code scale} and
 * {@code zero_point}) for outputs whose range is known, such as a sigmoid's [0, 1] or a tanh's [-1, 1]; its forward
 * returns its input and observes nothing.
 */
public class FixedQParamsObserver extends ObserverBase {
    private final QScheme qscheme;
    private final long quantMin;
    private final long quantMax;

    /** The given scale and zero point over quint8 [0, 255], per-tensor affine (PyTorch's defaults). */
    public FixedQParamsObserver(double scale, long zeroPoint) {
        this(scale, zeroPoint, QuantDType.QUINT8, QScheme.PER_TENSOR_AFFINE, 0, 255);
    }

    /** Every argument of PyTorch's constructor. */
    public FixedQParamsObserver(double scale, long zeroPoint, QuantDType dtype, QScheme qscheme, long quantMin,
                                long quantMax) {
        super(dtype);
        if (qscheme == null) {
            throw new IllegalArgumentException("qscheme must not be null");
        }
        this.qscheme = qscheme;
        this.quantMin = quantMin;
        this.quantMax = quantMax;
        registerBuffer("scale", Tensor.tensor(new float[] {(float) scale}, DType.FLOAT32, Device.CPU));
        registerBuffer("zero_point", Tensor.tensor(new int[] {(int) zeroPoint}, DType.INT32, Device.CPU));
    }

    /** {@code default_fixed_qparams_range_neg1to1_observer}: scale 2/256, zero point 128 (a tanh's range). */
    public static FixedQParamsObserver defaultFixedQparamsRangeNeg1to1Observer() {
        return new FixedQParamsObserver(2.0 / 256.0, 128);
    }

    /** {@code default_fixed_qparams_range_0to1_observer}: scale 1/256, zero point 0 (a sigmoid's range). */
    public static FixedQParamsObserver defaultFixedQparamsRange0to1Observer() {
        return new FixedQParamsObserver(1.0 / 256.0, 0);
    }

    /** Returns the input. */
    @Override
    public Tensor forward(Tensor x) {
        return x;
    }

    /** The buffers themselves. */
    @Override
    public QParams calculateQparams() {
        return new QParams(getBuffer("scale"), getBuffer("zero_point"));
    }

    @Override
    public long quantMin() {
        return quantMin;
    }

    @Override
    public long quantMax() {
        return quantMax;
    }

    @Override
    public QScheme qscheme() {
        return qscheme;
    }
}
