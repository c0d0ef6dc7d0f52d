package dev.ember.ao.quantization;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;

/**
 * {@code torch.ao.quantization.MinMaxObserver}: records the running minimum and maximum of every tensor passing through
 * (buffers {@code min_val}, {@code max_val}, starting at inf and -inf), for a per-tensor scheme; prints as PyTorch's
 * {@code MinMaxObserver(min_val=-1.0, max_val=2.0)}.
 */
public class MinMaxObserver extends UniformQuantizationObserverBase {
    /** quint8, per-tensor affine, the full range [0, 255]. */
    public MinMaxObserver() {
        this(new ObserverOptions());
    }

    /**
     * The given options (dtype, qscheme, reduceRange, quantRange, eps).
     *
     * @throws UnsupportedOperationException for a per-channel scheme, or a symmetric quint8 scheme with a reduced range
     *     (PyTorch's NotImplementedError)
     * @throws IllegalArgumentException for a bad custom range
     */
    public MinMaxObserver(ObserverOptions o) {
        this(requireScheme(o, false, "MinMaxObserver's qscheme only support torch.per_tensor_symmetric "
                + "                    and torch.per_tensor_affine."), true);
    }

    /** For subclasses that checked the scheme with their own message. */
    MinMaxObserver(ObserverOptions o, boolean checked) {
        super(o, QScheme.PER_TENSOR_AFFINE);
        registerBuffer("min_val", Tensor.tensor(Float.POSITIVE_INFINITY, DType.FLOAT32, Device.CPU));
        registerBuffer("max_val", Tensor.tensor(Float.NEGATIVE_INFINITY, DType.FLOAT32, Device.CPU));
        if (qscheme == QScheme.PER_TENSOR_SYMMETRIC && reduceRange && dtype == QuantDType.QUINT8) {
            throw new UnsupportedOperationException("Cannot reduce range for symmetric "
                    + "                                       quantization for quint8");
        }
    }

    /** Records the input's minimum and maximum into the running ones; returns the input. */
    @Override
    public Tensor forward(Tensor x) {
        if (x.numel() == 0) {
            return x;
        }
        try (GradMode off = Ember.noGrad()) {
            Tensor.MinMax cur = x.detach().to(minVal().dtype()).aminmax();
            observed(cur.min(), cur.max());
        }
        return x;
    }

    /** Folds one input's extremes into the running ones: {@code torch.min}/{@code torch.max} of the two. */
    void observed(Tensor curMin, Tensor curMax) {
        assign("min_val", curMin.minimum(minVal()));
        assign("max_val", curMax.maximum(maxVal()));
    }

    @Override
    public void resetMinMaxVals() {
        try (GradMode off = Ember.noGrad()) {
            minVal().fill_(Double.POSITIVE_INFINITY);
            maxVal().fill_(Double.NEGATIVE_INFINITY);
        }
    }
}
