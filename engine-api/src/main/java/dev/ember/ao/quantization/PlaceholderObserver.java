package dev.ember.ao.quantization;

import dev.ember.DType;
import dev.ember.Tensor;
import dev.ember.nn.Module;

/**
 * {@code torch.ao.quantization.PlaceholderObserver}: an observer that records nothing (its forward returns its input)
 * and only says the type of its module's output, here float32 ({@code default_placeholder_observer}): the activation
 * post-process of the weight-only qconfigs ({@link QConfig#FLOAT_QPARAMS_WEIGHT_ONLY}), whose modules keep float
 * outputs. Prints as PyTorch 2.x's ({@code PlaceholderObserver(dtype=torch.float32, is_dynamic=False)}; 1.13 printed
 * {@code PlaceholderObserver()}).
 */
public final class PlaceholderObserver extends Module {
    private final DType dtype;

    /** {@code PlaceholderObserver(dtype=torch.float32)}. */
    public PlaceholderObserver() {
        this.dtype = DType.FLOAT32;
    }

    /** The output's type: float32. */
    public DType dtype() {
        return dtype;
    }

    /** Returns {@code x} itself. */
    @Override
    public Tensor forward(Tensor x) {
        return x;
    }

    /**
     * {@code calculate_qparams()}, which PyTorch's placeholder refuses.
     *
     * @return never
     * @throws UnsupportedOperationException always (PyTorch's message)
     */
    public QParams calculateQparams() {
        throw new UnsupportedOperationException("calculate_qparams should not be called for PlaceholderObserver");
    }

    @Override
    public String extraRepr() {
        return "dtype=" + dtype.torchName() + ", is_dynamic=False";
    }
}
