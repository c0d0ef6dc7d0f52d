package dev.ember.ao.quantization;

/**
 * {@code torch.ao.quantization.FixedQParamsFakeQuantize}: fake quantization with a {@link FixedQParamsObserver}'s
 * parameters, its {@code scale} and {@code zero_point} buffers the observer's own tensors (as PyTorch's, which
 * assigns them), for a per-tensor scheme.
 */
public class FixedQParamsFakeQuantize extends FakeQuantize {
    /**
     * Around {@code observer}.
     *
     * @throws IllegalArgumentException for a null observer or a per-channel scheme (PyTorch's assertion)
     */
    public FixedQParamsFakeQuantize(FixedQParamsObserver observer) {
        super(observer);
        if (!observer.qscheme().isPerTensor()) {
            throw new IllegalArgumentException("Only per tensor quantization is supported FixedQParamsFakeQuantize module, "
                    + "got qscheme:" + observer.qscheme());
        }
        setBuffer("scale", observer.getBuffer("scale"));
        setBuffer("zero_point", observer.getBuffer("zero_point"));
    }

    /** {@code default_fixed_qparams_range_neg1to1_fake_quant}: outputs in [-1, 1] (tanh). */
    public static FixedQParamsFakeQuantize defaultFixedQparamsRangeNeg1to1FakeQuant() {
        return new FixedQParamsFakeQuantize(FixedQParamsObserver.defaultFixedQparamsRangeNeg1to1Observer());
    }

    /** {@code default_fixed_qparams_range_0to1_fake_quant}: outputs in [0, 1] (sigmoid). */
    public static FixedQParamsFakeQuantize defaultFixedQparamsRange0to1FakeQuant() {
        return new FixedQParamsFakeQuantize(FixedQParamsObserver.defaultFixedQparamsRange0to1Observer());
    }

    @Override
    public QParams calculateQparams() {
        return new QParams(scale(), zeroPoint());
    }

    @Override
    public String extraRepr() {
        return "fake_quant_enabled=" + getBuffer("fake_quant_enabled") + ", observer_enabled="
                + getBuffer("observer_enabled") + ", scale=" + scale() + ", zero_point=" + zeroPoint() + ", dtype="
                + dtype() + ", quant_min=" + activationPostProcess().quantMin() + ", quant_max="
                + activationPostProcess().quantMax() + ", qscheme=" + qscheme();
    }
}
