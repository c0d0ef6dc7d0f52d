package dev.ember.ao.quantization;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.FakeQuant;
import dev.ember.Tensor;

/**
 * {@code torch.ao.quantization.FusedMovingAvgObsFakeQuantize}: {@link FakeQuantize} whose forward is the one op
 * {@link FakeQuant#fusedMovingAvgObsFakeQuant} (PyTorch 2.x's default for quantization-aware training, the
 * {@code get_default_qat_qconfig} fake quantizers): moving-average statistics, FBGEMM's choice of scale and zero point
 * (recomputed at every forward while fake quantization is on), fake quantization. Its switches are int64 buffers, as
 * PyTorch's. {@link #calculateQparams()} is the observer's formula, as in PyTorch (not the one the forward uses).
 */
public class FusedMovingAvgObsFakeQuantize extends FakeQuantize {
    private final double averagingConstant;

    /** PyTorch's default: a moving-average observer over quint8 with the range [0, 255] given. */
    public FusedMovingAvgObsFakeQuantize() {
        this(new MovingAverageMinMaxObserver(new ObserverOptions().quantRange(0, 255)));
    }

    /**
     * Around {@code observer}, a {@link MovingAverageMinMaxObserver} or {@link MovingAveragePerChannelMinMaxObserver}.
     *
     * @throws IllegalArgumentException for another observer (PyTorch's assertion)
     */
    public FusedMovingAvgObsFakeQuantize(UniformQuantizationObserverBase observer) {
        super(observer);
        if (observer instanceof MovingAverageMinMaxObserver) {
            averagingConstant = ((MovingAverageMinMaxObserver) observer).averagingConstant();
        } else if (observer instanceof MovingAveragePerChannelMinMaxObserver) {
            averagingConstant = ((MovingAveragePerChannelMinMaxObserver) observer).averagingConstant();
        } else {
            throw new IllegalArgumentException("Fused observer+fake_quant module only works with "
                    + "MovingAverageMinMaxObserver");
        }
        setBuffer("fake_quant_enabled", Tensor.tensor(new long[] {1}, DType.INT64, Device.CPU));
        setBuffer("observer_enabled", Tensor.tensor(new long[] {1}, DType.INT64, Device.CPU));
    }

    /** {@code default_fused_act_fake_quant}: activations, quint8 [0, 255], per-tensor affine. */
    public static FusedMovingAvgObsFakeQuantize defaultFusedActFakeQuant() {
        return new FusedMovingAvgObsFakeQuantize(new MovingAverageMinMaxObserver(new ObserverOptions()
            .quantRange(0, 255).dtype(QuantDType.QUINT8)));
    }

    /** {@code default_fused_wt_fake_quant}: weights, qint8 [-128, 127], per-tensor symmetric. */
    public static FusedMovingAvgObsFakeQuantize defaultFusedWtFakeQuant() {
        return new FusedMovingAvgObsFakeQuantize(new MovingAverageMinMaxObserver(new ObserverOptions()
            .quantRange(-128, 127).dtype(QuantDType.QINT8).qscheme(QScheme.PER_TENSOR_SYMMETRIC)));
    }

    /** {@code default_fused_per_channel_wt_fake_quant}: weights, qint8 [-128, 127], per-channel symmetric, axis 0. */
    public static FusedMovingAvgObsFakeQuantize defaultFusedPerChannelWtFakeQuant() {
        return new FusedMovingAvgObsFakeQuantize(new MovingAveragePerChannelMinMaxObserver(new ObserverOptions()
            .quantRange(-128, 127).dtype(QuantDType.QINT8).qscheme(QScheme.PER_CHANNEL_SYMMETRIC)));
    }

    @Override
    public Tensor forward(Tensor x) {
        UniformQuantizationObserverBase obs = (UniformQuantizationObserverBase) activationPostProcess();
        boolean perChannel = qscheme().isPerChannel();
        Tensor[] saved = obs.snapshot();
        Tensor savedScale = scale();
        Tensor savedZero = zeroPoint();
        if (perChannel && x.numel() > 0 && obs.minVal().numel() == 0) {
            // PyTorch's resize_ of the empty running statistics (and of the scale and zero point) to the channels
            int size = x.size(chAxis());
            Device d = obs.minVal().device();
            obs.assign("min_val", Tensor.full(DType.FLOAT32, Double.POSITIVE_INFINITY, size).to(d));
            obs.assign("max_val", Tensor.full(DType.FLOAT32, Double.NEGATIVE_INFINITY, size).to(d));
            resizeBuffer("scale", Tensor.ones(DType.FLOAT32, size).to(scale().device()));
            resizeBuffer("zero_point", Tensor.zeros(zeroPoint().dtype(), size).to(zeroPoint().device()));
        }
        try {
            return FakeQuant.fusedMovingAvgObsFakeQuant(x, getBuffer("observer_enabled"),
                getBuffer("fake_quant_enabled"), obs.minVal(), obs.maxVal(), scale(), zeroPoint(), averagingConstant,
                obs.quantMin(), obs.quantMax(), chAxis(), perChannel, qscheme().isSymmetric());
        } catch (RuntimeException e) {
            obs.restore(saved); // the op stores nothing when it fails; this undoes the first input's sizing
            resizeBuffer("scale", savedScale);
            resizeBuffer("zero_point", savedZero);
            throw e;
        }
    }

    @Override
    public String extraRepr() {
        UniformQuantizationObserverBase obs = (UniformQuantizationObserverBase) activationPostProcess();
        return "fake_quant_enabled=" + getBuffer("fake_quant_enabled") + ", observer_enabled="
                + getBuffer("observer_enabled") + ", scale=" + scale() + ", zero_point=" + zeroPoint() + ", dtype="
                + dtype() + ", quant_min=" + obs.quantMin() + ", quant_max=" + obs.quantMax() + ", qscheme="
                + qscheme() + ", reduce_range=" + (obs.reduceRange() ? "True" : "False");
    }
}
