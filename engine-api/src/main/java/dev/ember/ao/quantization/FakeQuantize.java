package dev.ember.ao.quantization;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.FakeQuant;
import dev.ember.GradMode;
import dev.ember.Tensor;

import java.util.Arrays;

/**
 * {@code torch.ao.quantization.FakeQuantize}: quantization-aware training's simulated quantization of a tensor. Each
 * forward (while the observer is enabled) feeds the input to its observer ({@code activation_post_process}) and stores
 * the observer's scale and zero point in its buffers {@code scale} and {@code zero_point}; then (while fake
 * quantization is enabled) returns
 * {@code (clamp(round(x / scale) + zero_point, quant_min, quant_max) - zero_point) * scale} through
 * {@link FakeQuant#fakeQuantizePerTensorAffine(Tensor, Tensor, Tensor, long, long)} or, for a per-channel observer,
 * {@link FakeQuant#fakeQuantizePerChannelAffine}, whose gradient passes where nothing was clamped. Prints, saves and
 * loads as PyTorch's (a loaded per-channel scale resizes the buffers).
 */
public class FakeQuantize extends FakeQuantizeBase implements ObserverOrFakeQuantize {
    private final ObserverBase observer;
    private final int chAxis;

    /** PyTorch's default: a {@link MovingAverageMinMaxObserver} (quint8, per-tensor affine, [0, 255]). */
    public FakeQuantize() {
        this(new MovingAverageMinMaxObserver());
    }

    /**
     * Around {@code observer} (its type, scheme, range and, per channel, axis are this fake quantizer's).
     *
     * @throws IllegalArgumentException for a null observer
     */
    public FakeQuantize(ObserverBase observer) {
        if (observer == null) {
            throw new IllegalArgumentException("observer must not be null");
        }
        this.observer = registerModule("activation_post_process", observer);
        registerBuffer("scale", Tensor.tensor(new float[] {1f}, DType.FLOAT32, Device.CPU));
        DType zeroType = observer.qscheme() == QScheme.PER_CHANNEL_AFFINE_FLOAT_QPARAMS ? DType.FLOAT32 : DType.INT32;
        registerBuffer("zero_point", Tensor.zeros(zeroType, 1));
        this.chAxis = observer instanceof PerChannelMinMaxObserver ? ((PerChannelMinMaxObserver) observer).chAxis() : -1;
    }

    /**
     * {@code default_fake_quant}: activations, a moving-average observer over quint8 [0, 255] with
     * {@code reduce_range} (so [0, 127]), per-tensor affine.
     */
    public static FakeQuantize defaultFakeQuant() {
        return new FakeQuantize(new MovingAverageMinMaxObserver(new ObserverOptions().quantRange(0, 255)
            .dtype(QuantDType.QUINT8).qscheme(QScheme.PER_TENSOR_AFFINE).reduceRange(true)));
    }

    /** {@code default_weight_fake_quant}: weights, qint8 [-128, 127], per-tensor symmetric. */
    public static FakeQuantize defaultWeightFakeQuant() {
        return new FakeQuantize(new MovingAverageMinMaxObserver(new ObserverOptions().quantRange(-128, 127)
            .dtype(QuantDType.QINT8).qscheme(QScheme.PER_TENSOR_SYMMETRIC)));
    }

    /** {@code default_per_channel_weight_fake_quant}: weights, qint8 [-128, 127], per-channel symmetric along axis 0. */
    public static FakeQuantize defaultPerChannelWeightFakeQuant() {
        return new FakeQuantize(new MovingAveragePerChannelMinMaxObserver(new ObserverOptions().quantRange(-128, 127)
            .dtype(QuantDType.QINT8).qscheme(QScheme.PER_CHANNEL_SYMMETRIC).chAxis(0)));
    }

    /**
     * {@code default_embedding_fake_quant}: embedding tables, a {@link MovingAveragePerChannelMinMaxObserver} along axis
     * 0 with averaging constant 1 (each forward's own minimum and maximum per row), quint8 [0, 255],
     * {@code per_channel_affine_float_qparams} (a float zero point per row).
     */
    public static FakeQuantize defaultEmbeddingFakeQuant() {
        return new FakeQuantize(new MovingAveragePerChannelMinMaxObserver(new ObserverOptions().quantRange(0, 255)
            .dtype(QuantDType.QUINT8).qscheme(QScheme.PER_CHANNEL_AFFINE_FLOAT_QPARAMS).chAxis(0).averagingConstant(1)));
    }

    /** {@code default_embedding_fake_quant_4bit}: as {@link #defaultEmbeddingFakeQuant} over quint4x2, [0, 15]. */
    public static FakeQuantize defaultEmbeddingFakeQuant4bit() {
        return new FakeQuantize(new MovingAveragePerChannelMinMaxObserver(new ObserverOptions()
            .dtype(QuantDType.QUINT4X2).qscheme(QScheme.PER_CHANNEL_AFFINE_FLOAT_QPARAMS).chAxis(0).averagingConstant(1)));
    }

    /** The observer, {@code activation_post_process}. */
    public ObserverBase activationPostProcess() {
        return observer;
    }

    /** The scale buffer. */
    public Tensor scale() {
        return getBuffer("scale");
    }

    /** The zero-point buffer (int32; float32 for float qparams). */
    public Tensor zeroPoint() {
        return getBuffer("zero_point");
    }

    /** The quantized type. */
    @Override
    public QuantDType dtype() {
        return observer.dtype();
    }

    /** The scheme. */
    @Override
    public QScheme qscheme() {
        return observer.qscheme();
    }

    /** The channel axis, or -1 for a per-tensor scheme. */
    @Override
    public int chAxis() {
        return chAxis;
    }

    @Override
    public QParams calculateQparams() {
        return observer.calculateQparams();
    }

    @Override
    public Tensor forward(Tensor x) {
        if (observerEnabled()) {
            UniformQuantizationObserverBase stats = observer instanceof UniformQuantizationObserverBase u ? u : null;
            Tensor[] saved = stats != null ? stats.snapshot() : null;
            QParams q;
            try {
                observer.apply(x.detach());
                q = calculateQparams();
            } catch (RuntimeException e) {
                if (stats != null) {
                    stats.restore(saved); // a NaN input fails calculate_qparams: the statistics stay as they were
                }
                throw e;
            }
            Tensor scale = scale();
            Tensor zeroPoint = zeroPoint();
            try (GradMode off = Ember.noGrad()) {
                Tensor s = q.scale().to(scale.device());
                Tensor z = q.zeroPoint().to(zeroPoint.device());
                if (!Arrays.equals(scale.shape(), s.shape())) {
                    resizeBuffer("scale", s.to(scale.dtype()).clone());
                    resizeBuffer("zero_point", z.to(zeroPoint.dtype()).clone());
                } else {
                    scale.copy_(s);
                    zeroPoint.copy_(z);
                }
            }
        }
        if (fakeQuantEnabled()) {
            if (observer.qscheme().isPerChannel()) {
                return FakeQuant.fakeQuantizePerChannelAffine(x, scale(), zeroPoint(), chAxis, observer.quantMin(),
                    observer.quantMax());
            }
            return FakeQuant.fakeQuantizePerTensorAffine(x, scale(), zeroPoint(), observer.quantMin(),
                observer.quantMax());
        }
        return x;
    }

    /** The scale and zero point take the loaded shapes, as PyTorch's {@code _load_from_state_dict} resizes them. */
    @Override
    protected boolean resizesOnLoad(String buffer) {
        return buffer.equals("scale") || buffer.equals("zero_point");
    }

    @Override
    public String extraRepr() {
        return "fake_quant_enabled=" + getBuffer("fake_quant_enabled") + ", observer_enabled="
                + getBuffer("observer_enabled") + ", quant_min=" + observer.quantMin() + ", quant_max="
                + observer.quantMax() + ", dtype=" + dtype() + ", qscheme=" + qscheme() + ", ch_axis=" + chAxis
                + ", scale=" + scale() + ", zero_point=" + zeroPoint();
    }
}
