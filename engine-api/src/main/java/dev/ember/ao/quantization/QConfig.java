package dev.ember.ao.quantization;

import dev.ember.nn.Module;

import java.util.function.Supplier;

/**
 * {@code torch.ao.quantization.QConfig}: how to make the observers of a module to be quantized, one for its
 * activations (output) and one for its weight (each call a new module, as PyTorch's {@code with_args} partials):
 * observers ({@link ObserverBase}) for post-training quantization ({@link Quantization#prepare}, {@link #DEFAULT},
 * {@link #DEFAULT_PER_CHANNEL}), fake quantizers ({@link FakeQuantizeBase}) for quantization-aware training
 * ({@link #getDefaultQatQconfig}).
 *
 * @param activation makes an activation observer or fake quantizer
 * @param weight makes a weight observer or fake quantizer
 */
public record QConfig(Supplier<? extends Module> activation, Supplier<? extends Module> weight) {
    /**
     * {@code torch.ao.quantization.default_qconfig}: activations by {@code MinMaxObserver(quant_min=0, quant_max=127)}
     * (quint8), weights by {@code MinMaxObserver(dtype=torch.qint8, qscheme=torch.per_tensor_symmetric)}.
     */
    public static final QConfig DEFAULT = new QConfig(
        () -> new MinMaxObserver(new ObserverOptions().quantRange(0, 127)),
        () -> new MinMaxObserver(new ObserverOptions().dtype(QuantDType.QINT8).qscheme(QScheme.PER_TENSOR_SYMMETRIC)));

    /**
     * {@code torch.ao.quantization.default_per_channel_qconfig}: activations as {@link #DEFAULT}, weights by
     * {@code PerChannelMinMaxObserver(dtype=torch.qint8, qscheme=torch.per_channel_symmetric)}.
     */
    public static final QConfig DEFAULT_PER_CHANNEL = new QConfig(
        () -> new MinMaxObserver(new ObserverOptions().quantRange(0, 127)),
        () -> new PerChannelMinMaxObserver(new ObserverOptions().dtype(QuantDType.QINT8)
            .qscheme(QScheme.PER_CHANNEL_SYMMETRIC)));

    /**
     * {@code torch.ao.quantization.float_qparams_weight_only_qconfig}, the embeddings' qconfig: activations by
     * {@link PlaceholderObserver} (float outputs), weights by {@code default_float_qparams_observer}
     * ({@code PerChannelMinMaxObserver(dtype=torch.quint8, qscheme=torch.per_channel_affine_float_qparams, ch_axis=0)}:
     * a float scale {@code (max - min) / 255} and zero point {@code -min / scale} per row).
     */
    public static final QConfig FLOAT_QPARAMS_WEIGHT_ONLY = new QConfig(PlaceholderObserver::new,
        () -> new PerChannelMinMaxObserver(new ObserverOptions().dtype(QuantDType.QUINT8)
            .qscheme(QScheme.PER_CHANNEL_AFFINE_FLOAT_QPARAMS)));

    /**
     * {@code torch.ao.quantization.float_qparams_weight_only_qconfig_4bit}: as {@link #FLOAT_QPARAMS_WEIGHT_ONLY} with
     * {@code default_float_qparams_observer_4bit} (quint4x2, {@code (max - min) / 15}).
     */
    public static final QConfig FLOAT_QPARAMS_WEIGHT_ONLY_4BIT = new QConfig(PlaceholderObserver::new,
        () -> new PerChannelMinMaxObserver(new ObserverOptions().dtype(QuantDType.QUINT4X2)
            .qscheme(QScheme.PER_CHANNEL_AFFINE_FLOAT_QPARAMS)));

    /**
     * {@code torch.ao.quantization.default_embedding_qat_qconfig}, quantization-aware training of embeddings
     * ({@code torch.ao.nn.qat.Embedding}, {@code EmbeddingBag}): activations by
     * {@code NoopObserver(dtype=torch.float32)} (float outputs), weights by {@link FakeQuantize#defaultEmbeddingFakeQuant}
     * (quint8, a float scale and zero point per row).
     */
    public static final QConfig DEFAULT_EMBEDDING_QAT = new QConfig(() -> new NoopObserver(dev.ember.DType.FLOAT32),
        FakeQuantize::defaultEmbeddingFakeQuant);

    /**
     * {@code torch.ao.quantization.default_embedding_qat_qconfig_4bit}: as {@link #DEFAULT_EMBEDDING_QAT} with
     * {@link FakeQuantize#defaultEmbeddingFakeQuant4bit} (quint4x2, [0, 15]).
     */
    public static final QConfig DEFAULT_EMBEDDING_QAT_4BIT = new QConfig(() -> new NoopObserver(dev.ember.DType.FLOAT32),
        FakeQuantize::defaultEmbeddingFakeQuant4bit);

    /**
     * Both factories are required.
     *
     * @throws IllegalArgumentException for a null factory
     */
    public QConfig {
        if (activation == null || weight == null) {
            throw new IllegalArgumentException("QConfig needs an activation and a weight factory");
        }
    }

    /** The backends PyTorch 2.x's {@code get_default_qconfig} accepts, in its order. */
    private static final java.util.List<String> SUPPORTED_BACKENDS = java.util.List.of("fbgemm", "x86", "qnnpack",
        "onednn");

    /** {@code get_default_qconfig()}: {@link #getDefaultQconfig(String, int)} for {@code "x86"}, version 0. */
    public static QConfig getDefaultQconfig() {
        return getDefaultQconfig("x86", 0);
    }

    /** PyTorch 2.x's refusal of a backend other than fbgemm, x86, qnnpack and onednn (1.13 fell back to a default). */
    private static void checkBackend(String backend) {
        if (backend == null || !SUPPORTED_BACKENDS.contains(backend)) {
            throw new IllegalArgumentException("backend: " + (backend == null ? "None" : backend)
                    + " not supported. backend must be one of ['fbgemm', 'x86', 'qnnpack', 'onednn']");
        }
    }

    /** {@code get_default_qconfig(backend)}: {@link #getDefaultQconfig(String, int)} of version 0. */
    public static QConfig getDefaultQconfig(String backend) {
        return getDefaultQconfig(backend, 0);
    }

    /**
     * {@code torch.ao.quantization.get_default_qconfig(backend, version)}, PyTorch 2.x's default post-training qconfig
     * of a backend: activations by {@link HistogramObserver} (quint8 over [0, 255], with {@code reduce_range} for
     * {@code "x86"} and {@code "fbgemm"}: [0, 127]); weights by {@code default_per_channel_weight_observer}
     * ({@code PerChannelMinMaxObserver(dtype=torch.qint8, qscheme=torch.per_channel_symmetric)}), or for
     * {@code "qnnpack"} by {@code default_weight_observer} ({@code MinMaxObserver(dtype=torch.qint8,
     * qscheme=torch.per_tensor_symmetric)}). PyTorch warns for {@code "onednn"} on a CPU without VNNI; Ember does not
     * look.
     *
     * @throws IllegalArgumentException for another backend, or a version other than 0 (PyTorch 2.x's AssertionError
     *     messages; PyTorch 1.13 gave an unknown backend {@code default_qconfig})
     */
    public static QConfig getDefaultQconfig(String backend, int version) {
        checkBackend(backend);
        if (version != 0) {
            throw new IllegalArgumentException("Version number: " + version + " in get_default_qconfig is not supported. "
                    + "Version number must be 0");
        }
        boolean reduceRange = backend.equals("x86") || backend.equals("fbgemm");
        Supplier<HistogramObserver> act = () -> new HistogramObserver(new ObserverOptions().reduceRange(reduceRange));
        if (backend.equals("qnnpack")) {
            return new QConfig(act, () -> new MinMaxObserver(new ObserverOptions().dtype(QuantDType.QINT8)
                .qscheme(QScheme.PER_TENSOR_SYMMETRIC)));
        }
        return new QConfig(act, () -> new PerChannelMinMaxObserver(new ObserverOptions().dtype(QuantDType.QINT8)
            .qscheme(QScheme.PER_CHANNEL_SYMMETRIC)));
    }

    /** {@code get_default_qat_qconfig(backend)}: {@link #getDefaultQatQconfig(String, int)} of version 1. */
    public static QConfig getDefaultQatQconfig(String backend) {
        return getDefaultQatQconfig(backend, 1);
    }

    /**
     * {@code get_default_qat_qconfig(backend, version)}: for {@code "fbgemm"} and {@code "x86"} activations over
     * [0, 127] (quint8 with {@code reduce_range}) and per-channel symmetric qint8 weights, for {@code "qnnpack"}
     * activations over [0, 255] and per-tensor symmetric weights, for {@code "onednn"} [0, 255] and per-channel weights;
     * version 1 with {@link FusedMovingAvgObsFakeQuantize}, version 0 with {@link FakeQuantize}.
     *
     * @throws IllegalArgumentException for another backend (PyTorch 2.x's AssertionError message; 1.13 gave it
     *     {@code default_qat_qconfig_v2} or {@code default_qat_qconfig}), or a version other than 0 or 1
     */
    public static QConfig getDefaultQatQconfig(String backend, int version) {
        checkBackend(backend);
        if (version != 0 && version != 1) {
            throw new IllegalArgumentException("Version number: " + version + "in get_default_qat_qconfig is not "
                    + "supported. Version number must be 0 or 1");
        }
        String b = backend == null ? "" : backend;
        boolean fused = version == 1;
        switch (b) {
            case "fbgemm", "x86", "qnnpack", "onednn" -> {
                Boolean reduce = b.equals("onednn") ? null : !b.equals("qnnpack");
                Supplier<FakeQuantizeBase> act = () -> {
                    ObserverOptions o = new ObserverOptions().quantRange(0, 255);
                    if (reduce != null) {
                        o.reduceRange(reduce);
                    }
                    MovingAverageMinMaxObserver obs = new MovingAverageMinMaxObserver(o);
                    return fused ? new FusedMovingAvgObsFakeQuantize(obs) : new FakeQuantize(obs);
                };
                Supplier<FakeQuantizeBase> weight;
                if (b.equals("qnnpack")) {
                    weight = fused ? FusedMovingAvgObsFakeQuantize::defaultFusedWtFakeQuant
                            : FakeQuantize::defaultWeightFakeQuant;
                } else {
                    weight = fused ? FusedMovingAvgObsFakeQuantize::defaultFusedPerChannelWtFakeQuant
                            : FakeQuantize::defaultPerChannelWeightFakeQuant;
                }
                return new QConfig(act, weight);
            }
            default -> {
                return fused ? new QConfig(FusedMovingAvgObsFakeQuantize::defaultFusedActFakeQuant,
                    FusedMovingAvgObsFakeQuantize::defaultFusedWtFakeQuant)
                        : new QConfig(FakeQuantize::defaultFakeQuant, FakeQuantize::defaultWeightFakeQuant);
            }
        }
    }

    /**
     * A new weight fake quantizer for a QAT module ({@code qconfig.weight()}), which this qconfig must make.
     *
     * @return the fake quantizer
     * @throws IllegalArgumentException when {@link #weight} makes an observer (post-training quantization's)
     */
    public FakeQuantizeBase newWeightFakeQuant() {
        Module m = weight.get();
        if (m instanceof FakeQuantizeBase f) {
            return f;
        }
        throw new IllegalArgumentException("a QAT module needs a qconfig whose weight() makes a fake quantizer, got "
                + (m == null ? null : m.getClass().getSimpleName()));
    }
}
