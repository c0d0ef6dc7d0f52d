package dev.ember.ao.quantization;

import dev.ember.DType;

/**
 * {@code torch.ao.quantization.PlaceholderObserver}: an observer that records nothing (its forward returns its input)
 * and only says the type of its module's output, here float32 ({@code default_placeholder_observer}): the activation
 * post-process of the weight-only qconfigs ({@link QConfig#FLOAT_QPARAMS_WEIGHT_ONLY}), whose modules keep float
 * outputs. Prints as PyTorch 2.x's ({@code PlaceholderObserver(dtype=torch.float32, is_dynamic=False)}; 1.13 printed
 * {@code PlaceholderObserver()}).
 */
public final class PlaceholderObserver extends PassThroughObserver {
    /** {@code PlaceholderObserver(dtype=torch.float32)}. */
    public PlaceholderObserver() {
        super(DType.FLOAT32);
    }

    @Override
    public String extraRepr() {
        return "dtype=" + dtype().torchName() + ", is_dynamic=False";
    }
}
