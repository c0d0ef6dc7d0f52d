package dev.ember.ao.quantization;

import dev.ember.nn.Module;

/**
 * {@code torch.ao.quantization.ObserverBase}: a module that records statistics of the tensors passing through it
 * (its forward returns its input unchanged) and computes quantization parameters from them.
 */
public abstract class ObserverBase extends Module implements ObserverOrFakeQuantize {
    /** The quantized type the parameters are for. */
    protected final QuantDType dtype;

    /** An observer for {@code dtype}. */
    protected ObserverBase(QuantDType dtype) {
        if (dtype == null) {
            throw new IllegalArgumentException("dtype must not be null");
        }
        this.dtype = dtype;
    }

    /** The quantized type. */
    @Override
    public QuantDType dtype() {
        return dtype;
    }

    /** {@code calculate_qparams()}: the scale and zero point from what was observed. */
    @Override
    public abstract QParams calculateQparams();

    /** {@code quant_min}: the quantized range's lower end. */
    public abstract long quantMin();

    /** {@code quant_max}: the quantized range's upper end. */
    public abstract long quantMax();

    /** {@code qscheme}. */
    @Override
    public abstract QScheme qscheme();

    /** The channel axis: -1 here, a per-channel observer's own. */
    @Override
    public int chAxis() {
        return -1;
    }
}
