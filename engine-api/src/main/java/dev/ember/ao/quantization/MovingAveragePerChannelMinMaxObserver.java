package dev.ember.ao.quantization;

import dev.ember.Tensor;

/**
 * {@code torch.ao.quantization.MovingAveragePerChannelMinMaxObserver}: per-channel moving averages of the minimum and
 * maximum, {@code min_val + c (min(x) - min_val)} with the averaging constant {@code c} (default 0.01), starting from
 * the first input's.
 */
public class MovingAveragePerChannelMinMaxObserver extends PerChannelMinMaxObserver {
    private final double averagingConstant;

    /** Axis 0, quint8, per-channel affine, [0, 255], averaging constant 0.01. */
    public MovingAveragePerChannelMinMaxObserver() {
        this(new ObserverOptions());
    }

    /**
     * The given options (averagingConstant, chAxis, dtype, qscheme, reduceRange, quantRange, eps).
     *
     * @throws UnsupportedOperationException for a per-tensor scheme, or a symmetric quint8 scheme with a reduced range
     */
    public MovingAveragePerChannelMinMaxObserver(ObserverOptions o) {
        super(requireScheme(o, true, "MovingAveragePerChannelMinMaxObserver's qscheme only support                     "
                + "torch.per_channel_symmetric, torch.per_channel_affine and torch.per_channel_affine_float_qparams."),
            true);
        this.averagingConstant = o.averagingConstant;
    }

    /** The averaging constant. */
    public double averagingConstant() {
        return averagingConstant;
    }

    @Override
    void observed(Tensor curMin, Tensor curMax) {
        Tensor min = minVal();
        Tensor max = maxVal();
        assign("min_val", min.add(curMin.sub(min).mul(averagingConstant)));
        assign("max_val", max.add(curMax.sub(max).mul(averagingConstant)));
    }
}
