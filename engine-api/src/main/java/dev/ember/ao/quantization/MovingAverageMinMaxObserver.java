package dev.ember.ao.quantization;

import dev.ember.Tensor;

/**
 * {@code torch.ao.quantization.MovingAverageMinMaxObserver}: the first input's minimum and maximum, then
 * {@code min_val + c (min(x) - min_val)} (and the same for the maximum) with the averaging constant {@code c}
 * (default 0.01); per-tensor schemes. The default observer of {@link FakeQuantize}.
 */
public class MovingAverageMinMaxObserver extends MinMaxObserver {
    private final double averagingConstant;

    /** quint8, per-tensor affine, [0, 255], averaging constant 0.01. */
    public MovingAverageMinMaxObserver() {
        this(new ObserverOptions());
    }

    /**
     * The given options (averagingConstant, dtype, qscheme, reduceRange, quantRange, eps).
     *
     * @throws UnsupportedOperationException for a per-channel scheme (PyTorch 2.x's message), or a symmetric quint8
     *     scheme with a reduced range
     */
    public MovingAverageMinMaxObserver(ObserverOptions o) {
        super(requireScheme(o, false, "MovingAverageMinMaxObserver's qscheme only support                 torch.per_tensor_symmetric "
                + "and torch.per_tensor_affine.                 but got: " + (o == null ? null : o.qscheme)), true);
        this.averagingConstant = o.averagingConstant;
    }

    /** The averaging constant. */
    public double averagingConstant() {
        return averagingConstant;
    }

    @Override
    void observed(Tensor curMin, Tensor curMax) {
        if (unobserved()) {
            assign("min_val", curMin);
            assign("max_val", curMax);
        } else {
            Tensor min = minVal();
            Tensor max = maxVal();
            assign("min_val", min.add(curMin.sub(min).mul(averagingConstant)));
            assign("max_val", max.add(curMax.sub(max).mul(averagingConstant)));
        }
    }
}
